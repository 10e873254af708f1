//! Document downloads: saved under a name whose extension matches what the content is.

use axum::http::{StatusCode, header};

use ldp_core::domain::Actor;
use ldp_core::domain::partnership::PartnershipId;
use ldp_core::services::partnerships::{PartnershipSettings, Partnerships};
use ldp_testkit::{TestDb, both_backends};

use crate::authz::PDF;
use crate::helpers::*;

both_backends!(seeded => a_download_takes_the_extension_of_its_detected_type, a_large_download_is_streamed_in_chunks);

async fn a_download_takes_the_extension_of_its_detected_type(db: TestDb) {
    let app = TestApp::new(db).await;
    let s = Partnerships::new(app.db.shared(), app.clock.clone(), PartnershipSettings::default());
    let id = PartnershipId(1);
    let pdf = PDF.to_vec();
    let doc = s.attach(app.uploads.as_ref(), id, Some("other"), "evil.exe", pdf, &Actor::system("test")).await.unwrap();
    let file = app.get(&format!("/files/partnerships/{}/{doc}", id.0)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(file.headers[header::CONTENT_DISPOSITION], "attachment; filename=\"evil.pdf\"");
}

/// A document is sent as it is read, in chunks, with its length announced: the server never holds the whole
/// file in memory for a download.
async fn a_large_download_is_streamed_in_chunks(db: TestDb) {
    use http_body_util::BodyExt;
    let app = TestApp::new(db).await;
    let s = Partnerships::new(app.db.shared(), app.clock.clone(), PartnershipSettings::default());
    let id = PartnershipId(1);
    let mut pdf = PDF.to_vec();
    pdf.resize(4 * 1024 * 1024, b' ');
    let doc = s
        .attach(app.uploads.as_ref(), id, Some("other"), "big.pdf", pdf.clone(), &Actor::system("test"))
        .await
        .unwrap();
    let response = app.get_raw(&format!("/files/partnerships/{}/{doc}", id.0)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_LENGTH], pdf.len().to_string().as_str());
    let mut body = response.into_body();
    let (mut frames, mut received) = (0, Vec::new());
    while let Some(frame) = body.frame().await {
        let chunk = frame.unwrap().into_data().unwrap();
        assert!(chunk.len() < pdf.len() / 2, "a chunk of {} bytes is most of the file", chunk.len());
        received.extend_from_slice(&chunk);
        frames += 1;
    }
    assert!(frames > 2, "sent in {frames} frames");
    assert_eq!(received, pdf, "every byte arrives, in order");
}
