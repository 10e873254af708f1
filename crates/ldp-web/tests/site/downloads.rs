//! Document downloads: saved under a name whose extension matches what the content is.

use axum::http::{StatusCode, header};

use ldp_core::domain::Actor;
use ldp_core::domain::partnership::PartnershipId;
use ldp_core::services::partnerships::{PartnershipSettings, Partnerships};
use ldp_testkit::{TestDb, both_backends};

use crate::authz::PDF;
use crate::helpers::*;

both_backends!(seeded => a_download_takes_the_extension_of_its_detected_type);

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
