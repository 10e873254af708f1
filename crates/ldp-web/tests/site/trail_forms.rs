//! The legal-step forms as a representative uses them: one small form per step with only its fields, every
//! problem said once and all at once, and a proposal date that is asked for and can be corrected.

use axum::http::{StatusCode, header};
use scraper::{Html, Selector};

use ldp_core::domain::Actor;
use ldp_core::domain::partnership::{PartnershipId, RawEvidence, Stage};
use ldp_core::services::partnerships::NewPartnershipInput;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    each_step_has_its_own_small_form_with_only_its_fields,
    a_refused_step_says_each_problem_once_and_all_at_once,
    a_date_refusal_is_printed_once,
    the_proposal_form_asks_for_the_date_filled_with_the_istanbul_day,
    a_wrong_proposal_date_is_corrected_so_the_true_council_date_fits,
);

async fn rep(app: &TestApp) -> Browser {
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.sign_in("rep@nilufer.bel.tr").await
}

/// Nilüfer's proposal with Munich (abroad), proposed on `on`.
async fn proposal(app: &TestApp, on: &str) -> i64 {
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_city: Some("2867714".into()),
        kind: Some("sister_city".into()),
        proposed_on: Some(on.into()),
        ..Default::default()
    };
    app.state.partnerships.create(&input, &Actor::system("test")).await.unwrap().0
}

/// The field names of the form inside `details#step-{stage}`, hidden ones left out.
fn fields_of(html: &Html, stage: &str) -> Vec<String> {
    let sel = Selector::parse(&format!("#step-{stage} form input:not([type=hidden])")).unwrap();
    html.select(&sel).filter_map(|e| e.value().attr("name").map(str::to_owned)).collect()
}

async fn each_step_has_its_own_small_form_with_only_its_fields(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let id = proposal(&app, "2026-01-10").await;
    let html = Html::parse_document(&app.get_as(&format!("/tr/workspace/partnerships/{id}"), &b).await.body);
    let steps: Vec<String> = html
        .select(&Selector::parse("details.step").unwrap())
        .filter_map(|d| d.value().attr("id").map(str::to_owned))
        .collect();
    assert_eq!(
        steps,
        ["council_approved", "permitted", "mfa_informed", "signed", "active", "terminated"]
            .map(|s| format!("step-{s}"))
    );
    assert_eq!(fields_of(&html, "council_approved"), ["date", "number"]);
    assert_eq!(fields_of(&html, "permitted"), ["date", "reference", "authority"]);
    assert_eq!(fields_of(&html, "mfa_informed"), ["date"]);
    assert_eq!(fields_of(&html, "signed"), ["date", "place", "signatories"]);
    assert_eq!(fields_of(&html, "terminated"), ["date", "number", "reason"]);
    assert_eq!(texts(&html, "#step-council_approved label"), ["Tarih", "Karar no"], "labels name the fields");
    assert_eq!(
        attr(&html, "#f-permitted-authority", "value").as_deref(),
        Some("Çevre, Şehircilik ve İklim Değişikliği Bakanlığı"),
        "the configured authority is filled in"
    );
    // Only the step the trail expects is unfolded; each form says which step it records.
    assert_eq!(hrefs_open(&html), ["step-council_approved"]);
    assert_eq!(texts(&html, "#step-council_approved summary .badge"), ["sıradaki adım"]);
    let stages: Vec<&str> = html
        .select(&Selector::parse("details.step input[name=stage]").unwrap())
        .filter_map(|e| e.value().attr("value"))
        .collect();
    assert_eq!(stages.len(), 6);
    assert!(html.select(&Selector::parse("select[name=stage]").unwrap()).next().is_none(), "no form of every field");

    // A partner at home needs no ministry permission, so it has no form.
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_municipality: Some("bursa-osmangazi".into()),
        kind: Some("cooperation".into()),
        ..Default::default()
    };
    let home = app.state.partnerships.create(&input, &Actor::system("test")).await.unwrap().0;
    let html = Html::parse_document(&app.get_as(&format!("/tr/workspace/partnerships/{home}"), &b).await.body);
    assert!(fields_of(&html, "permitted").is_empty());
}

fn hrefs_open(html: &Html) -> Vec<String> {
    html.select(&Selector::parse("details.step[open]").unwrap())
        .filter_map(|d| d.value().attr("id").map(str::to_owned))
        .collect()
}

async fn a_refused_step_says_each_problem_once_and_all_at_once(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let id = proposal(&app, "2026-01-10").await;
    let uri = format!("/tr/workspace/partnerships/{id}/steps");
    // Out of order (no council decision yet), two fields missing and a date in the future: one submission.
    let reply = app.form(&uri, Some(&b), &[("stage", "signed"), ("date", "2027-01-01")]).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let html = Html::parse_document(&reply.body);
    assert_eq!(hrefs_open(&html), ["step-signed"], "the submitted step stays open");
    let order = text(&html, "#step-signed .form-message");
    assert_eq!(order, "Bu adımdan önce meclis kararı kaydedilmelidir (5393 sayılı Kanun md. 18(p) ve 74).");
    assert_eq!(text(&html, "#f-signed-place-error"), "Bu alan zorunludur.");
    assert_eq!(text(&html, "#f-signed-signatories-error"), "Bu alan zorunludur.");
    assert_eq!(text(&html, "#f-signed-date-error"), "Tarih ileride olamaz.");
    assert_eq!(attr(&html, "#f-signed-date", "value").as_deref(), Some("2027-01-01"), "what was typed stays");
    assert_eq!(reply.body.matches(&order).count(), 1, "the order rule is printed once");
    assert_eq!(reply.body.matches("Tarih ileride olamaz.").count(), 1);
    assert_eq!(texts(&html, ".form-message").len(), 1, "one form-level message in all");
    assert_eq!(app.state.partnerships.get(PartnershipId(id)).await.unwrap().trail.len(), 1, "nothing written");
}

async fn a_date_refusal_is_printed_once(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let id = proposal(&app, "2026-01-10").await;
    let council = RawEvidence { date: Some("2026-02-01".into()), number: Some("2026/4".into()), ..Default::default() };
    app.state
        .partnerships
        .record(PartnershipId(id), Stage::CouncilApproved, &council, &Actor::system("test"))
        .await
        .unwrap();
    let uri = format!("/tr/workspace/partnerships/{id}/steps");
    let reply = app.form(&uri, Some(&b), &[("stage", "permitted"), ("date", "2026-01-15"), ("reference", "E-1")]).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let html = Html::parse_document(&reply.body);
    assert_eq!(text(&html, "#f-permitted-date-error"), "Tarih bir önceki adımdan önce olamaz.");
    assert_eq!(reply.body.matches("Tarih bir önceki adımdan önce olamaz.").count(), 1);
    assert!(texts(&html, ".form-message").is_empty(), "said beside the date, not again above");
    assert_eq!(hrefs_open(&html), ["step-permitted"]);
}

async fn the_proposal_form_asks_for_the_date_filled_with_the_istanbul_day(db: TestDb) {
    let app = TestApp::new(db).await;
    // 22:30 UTC on the 28th is already the 29th in Istanbul (UTC+3).
    app.clock.set(time::macros::datetime!(2026-11-28 22:30 UTC));
    let b = rep(&app).await;
    let html = Html::parse_document(&app.get_as("/tr/workspace/partnerships/new", &b).await.body);
    assert_eq!(attr(&html, "#f-proposed_on", "value").as_deref(), Some("2026-11-29"));
    assert_eq!(attr(&html, "#f-proposed_on", "type").as_deref(), Some("date"), "and it can be edited");
    let reply = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&b),
            &[
                ("municipality", "bursa-nilufer"),
                ("partner_city", "2867714"),
                ("kind", "friendship"),
                ("proposed_on", "2026-11-02"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.headers[header::LOCATION].to_str().unwrap();
    let id: i64 =
        location.trim_start_matches("/tr/workspace/partnerships/").split('?').next().unwrap().parse().unwrap();
    let trail = app.state.partnerships.get(PartnershipId(id)).await.unwrap().trail;
    assert_eq!(trail[0].date.to_string(), "2026-11-02", "the typed date is the proposal's");
}

async fn a_wrong_proposal_date_is_corrected_so_the_true_council_date_fits(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let id = proposal(&app, "2026-11-28").await; // recorded as today; the proposal was really made earlier
    let page = format!("/tr/workspace/partnerships/{id}");
    let council = [("stage", "council_approved"), ("date", "2026-11-20"), ("number", "2026/77")];
    let refused = app.form(&format!("{page}/steps"), Some(&b), &council).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let html = Html::parse_document(&refused.body);
    assert_eq!(
        text(&html, "#f-council_approved-date-error"),
        "Tarih, kayıtlı öneri tarihinden önce. Öneri tarihi yanlışsa önce onu düzeltin."
    );
    assert_eq!(attr(&html, "#f-proposed_on", "value").as_deref(), Some("2026-11-28"), "the date to correct is here");

    let bad = app.form(&format!("{page}/proposal-date"), Some(&b), &[("proposed_on", "2026-11-31")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    assert_eq!(text(&html, "#f-proposed_on-error"), "Tarih YYYY-AA-GG biçiminde olmalıdır.");
    assert_eq!(attr(&html, "#f-proposed_on", "value").as_deref(), Some("2026-11-31"));

    let fixed = app.form(&format!("{page}/proposal-date"), Some(&b), &[("proposed_on", "2026-11-10")]).await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.body);
    let recorded = app.form(&format!("{page}/steps"), Some(&b), &council).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let html = Html::parse_document(&app.get_as(&page, &b).await.body);
    assert!(attr(&html, "#f-proposed_on", "value").is_none(), "no correction once the council decided");
    let late = app.form(&format!("{page}/proposal-date"), Some(&b), &[("proposed_on", "2026-11-09")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let html = Html::parse_document(&late.body);
    assert_eq!(
        text(&html, "#f-proposed_on-error"),
        "Meclis kararı kaydedildiği için öneri tarihi artık değiştirilemez."
    );
    assert_eq!(late.body.matches("artık değiştirilemez").count(), 1);
    let trail = app.state.partnerships.get(PartnershipId(id)).await.unwrap().trail;
    assert_eq!((trail[0].date.to_string(), trail[1].date.to_string()), ("2026-11-10".into(), "2026-11-20".into()));
}
