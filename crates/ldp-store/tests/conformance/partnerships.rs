//! Partnerships: the registry, the legal trail with its refusals, dormancy, compliance, import and documents.

use std::sync::Arc;
use time::macros::date;
use time::{Date, OffsetDateTime};

use ldp_core::domain::partnership::*;
use ldp_core::domain::{Actor, Change, Page};
use ldp_core::services::ServiceError;
use ldp_core::services::import::{SkipReason, import_partnerships};
use ldp_core::services::partnerships::{ActivityInput, NewPartnershipInput, PartnershipSettings, Partnerships};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_store::LocalUploads;
use ldp_testkit::{TestDb, both_backends};

both_backends!(seeded =>
    the_real_relations_of_istanbul_and_bursa_are_loaded,
    every_legal_transition_is_recorded_with_who_and_when,
    out_of_order_and_unevidenced_steps_are_refused_with_what_is_missing,
    a_stale_stage_cannot_be_overwritten,
    a_back_fill_is_recorded_once_and_never_after_a_concurrent_step,
    dormancy_starts_the_day_after_the_period,
    the_compliance_view_lists_gaps_per_member_and_backfilling_closes_them,
    ending_a_relation_with_gaps_takes_it_off_the_to_do_list_and_keeps_the_gaps,
    importing_the_sample_again_adds_nothing_and_reports_the_rest,
    a_file_in_another_format_is_refused_whole,
    the_country_summary_adds_up,
    filters_narrow_the_registry,
    documents_are_checked_stored_and_listed,
    duplicate_partnerships_are_refused,
    every_partnership_write_leaves_its_audit_entry,
    a_representative_changes_only_their_own_relations,
);

const NOW: OffsetDateTime = ldp_testkit::NOW;

/// The union's staff, who may change every municipality's relations.
pub(crate) fn staff() -> Actor {
    Actor::system("test-staff")
}

pub(crate) fn service(db: &TestDb) -> Partnerships {
    Partnerships::new(db.shared(), ldp_testkit::clock(), PartnershipSettings::default())
}

/// A fresh proposal: Bursa Nilüfer with Munich (GeoNames 2867714), a city abroad.
pub(crate) async fn propose(s: &Partnerships, missions: bool) -> PartnershipId {
    propose_on(s, missions, "2026-01-10").await
}

async fn propose_on(s: &Partnerships, missions: bool, on: &str) -> PartnershipId {
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_city: Some("2867714".into()),
        kind: Some("sister_city".into()),
        foreign_missions: Some(missions),
        themes: Some("culture,climate".into()),
        sdgs: Some("11,13".into()),
        notes_tr: Some("Deneme".into()),
        proposed_on: Some(on.into()),
        ..Default::default()
    };
    s.create(&input, &staff()).await.expect("created")
}

pub(crate) fn raw(date: &str) -> RawEvidence {
    RawEvidence { date: Some(date.into()), ..RawEvidence::default() }
}

async fn the_real_relations_of_istanbul_and_bursa_are_loaded(db: TestDb) {
    let s = service(&db);
    let all = s.list(&PartnershipFilter::default(), Page::default()).await.unwrap();
    assert_eq!(all.total, 429, "relations of members matched in the shipped twin-city list");
    for (slug, at_least) in [("istanbul", 20), ("bursa", 20)] {
        let f = PartnershipFilter { municipality: Some(slug.into()), ..Default::default() };
        let page = s.list(&f, Page::default()).await.unwrap();
        assert!(page.total >= at_least, "{slug}: {}", page.total);
        let p = &page.items[0];
        assert_eq!((p.stage, p.trail_incomplete, p.kind), (Stage::Active, true, PartnershipKind::SisterCity));
        assert!(p.source.as_deref().unwrap().contains("Wikipedia"));
        assert!(p.last_activity.is_none() && !p.dormant, "no recorded activity is not dormancy: nothing is known");
    }
}

async fn every_legal_transition_is_recorded_with_who_and_when(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, true).await;
    let steps = [
        (Stage::CouncilApproved, RawEvidence { number: Some("2026/41".into()), ..raw("2026-02-03") }),
        (Stage::Permitted, RawEvidence { reference: Some("E-12345".into()), ..raw("2026-03-04") }),
        (Stage::MfaInformed, raw("2026-03-10")),
        (
            Stage::Signed,
            RawEvidence { place: Some("Nilüfer".into()), signatories: Some("Mayors".into()), ..raw("2026-04-01") },
        ),
        (Stage::Active, raw("2026-04-02")),
    ];
    for (stage, evidence) in &steps {
        assert_eq!(s.record(id, *stage, evidence, &staff()).await.unwrap(), *stage);
    }
    let detail = s.get(id).await.unwrap();
    let stages: Vec<Stage> = detail.trail.iter().map(|e| e.stage).collect();
    assert_eq!(
        stages,
        [Stage::Proposed, Stage::CouncilApproved, Stage::Permitted, Stage::MfaInformed, Stage::Signed, Stage::Active]
    );
    assert!(detail.trail.iter().all(|e| e.actor == "system:test-staff" && e.recorded_at == NOW));
    let permission = &detail.trail[2];
    assert_eq!(permission.authority.as_deref(), Some("Çevre, Şehircilik ve İklim Değişikliği Bakanlığı"));
    assert_eq!(detail.trail[1].decision_number.as_deref(), Some("2026/41"));
    assert!(detail.missing.is_empty());
    assert_eq!(detail.partnership.last_activity, Some(date!(2026 - 04 - 02)), "activation counts as life");
    assert_eq!(detail.partnership.sdgs.iter().map(|g| g.get()).collect::<Vec<_>>(), [11, 13]);
    assert_eq!(detail.partnership.themes, [Theme::Culture, Theme::Climate]);
    let end = RawEvidence { number: Some("2026/90".into()), reason: Some("No activity".into()), ..raw("2026-10-01") };
    assert_eq!(s.record(id, Stage::Terminated, &end, &staff()).await.unwrap(), Stage::Terminated);
    let after = s.record(id, Stage::Active, &raw("2026-10-02"), &staff()).await.unwrap_err();
    assert!(matches!(after, ServiceError::Refused(r) if r.code == "already_terminated"));
}

async fn out_of_order_and_unevidenced_steps_are_refused_with_what_is_missing(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await;
    let signing = RawEvidence { place: Some("Bursa".into()), signatories: Some("x".into()), ..raw("2026-03-01") };
    match s.record(id, Stage::Signed, &signing, &staff()).await.unwrap_err() {
        ServiceError::Refused(r) => assert_eq!((r.code, r.missing), ("out_of_order", Some(Stage::CouncilApproved))),
        other => panic!("{other:?}"),
    }
    let council = RawEvidence { number: Some("2026/7".into()), ..raw("2026-02-01") };
    s.record(id, Stage::CouncilApproved, &council, &staff()).await.unwrap();
    match s.record(id, Stage::Signed, &signing, &staff()).await.unwrap_err() {
        ServiceError::Refused(r) => assert_eq!(r.missing, Some(Stage::Permitted), "signing before permission"),
        other => panic!("{other:?}"),
    }
    match s.record(id, Stage::Permitted, &raw("2026-03-01"), &staff()).await.unwrap_err() {
        ServiceError::Invalid(e) => assert_eq!(e.fields.get("reference").map(String::as_str), Some("required")),
        other => panic!("{other:?}"),
    }
    let early = RawEvidence { reference: Some("E-1".into()), ..raw("2026-01-15") };
    match s.record(id, Stage::Permitted, &early, &staff()).await.unwrap_err() {
        ServiceError::Refused(r) => assert_eq!(r.code, "date_before_previous_step"),
        other => panic!("{other:?}"),
    }
    let future = RawEvidence { reference: Some("E-1".into()), ..raw("2027-01-15") };
    assert!(
        matches!(s.record(id, Stage::Permitted, &future, &staff()).await, Err(ServiceError::Refused(r)) if r.code == "date_in_future")
    );
    // Nothing refused was written.
    assert_eq!(s.get(id).await.unwrap().trail.len(), 2);
}

async fn a_stale_stage_cannot_be_overwritten(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await;
    let step = ldp_core::store::RecordedStep {
        stage: Stage::CouncilApproved,
        new_stage: Stage::CouncilApproved,
        date: date!(2026 - 02 - 01),
        decision_number: Some("1".into()),
        reference: None,
        authority: None,
        place: None,
        signatories: None,
        reason: None,
        backfilled: false,
        trail_incomplete: false,
        activity_on: None,
        actor: "t".into(),
        recorded_at: NOW,
        trail_len: 1,
    };
    let change = Change::new(&staff(), NOW, "step:council_approved", "partnership").record(id.0);
    db.store.record_step(id, Stage::Proposed, &step, &change).await.unwrap();
    let again = db.store.record_step(id, Stage::Proposed, &step, &change).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(c) if c == "stage_changed"));
    assert_eq!(s.get(id).await.unwrap().trail.len(), 2);
}

async fn activate(s: &Partnerships, id: PartnershipId, on: &str) {
    s.record(id, Stage::CouncilApproved, &RawEvidence { number: Some("1".into()), ..raw("2024-01-01") }, &staff())
        .await
        .unwrap();
    s.record(id, Stage::Permitted, &RawEvidence { reference: Some("E".into()), ..raw("2024-01-02") }, &staff())
        .await
        .unwrap();
    s.record(
        id,
        Stage::Signed,
        &RawEvidence { place: Some("p".into()), signatories: Some("s".into()), ..raw("2024-01-03") },
        &staff(),
    )
    .await
    .unwrap();
    s.record(id, Stage::Active, &raw(on), &staff()).await.unwrap();
}

async fn dormancy_starts_the_day_after_the_period(db: TestDb) {
    let clock = ldp_testkit::clock();
    let s = Partnerships::new(db.shared(), clock.clone(), PartnershipSettings::default());
    let id = propose_on(&s, false, "2023-12-01").await;
    activate(&s, id, "2024-01-10").await;
    // Noon in Istanbul on the given day.
    let set_today = |today: Date| clock.set(today.with_hms(9, 0, 0).unwrap().assume_utc());
    let dormant = |today: Date| {
        set_today(today);
        let s = s.clone();
        async move { s.get(id).await.unwrap().partnership.dormant }
    };
    assert!(!dormant(date!(2026 - 01 - 10)).await, "exactly 24 months after the last sign of life");
    assert!(dormant(date!(2026 - 01 - 11)).await, "one day more");
    s.add_activity(
        id,
        &ActivityInput {
            date: Some("2025-06-01".into()),
            title_tr: Some("Gençlik kampı".into()),
            title_en: Some("Youth camp".into()),
            kind: Some("exchange".into()),
            sdgs: Some("4".into()),
        },
        &staff(),
    )
    .await
    .unwrap();
    assert!(!dormant(date!(2026 - 01 - 11)).await, "an activity wakes it up");
    assert!(dormant(date!(2027 - 06 - 02)).await);
    // A shorter configured period.
    let short =
        Partnerships::new(db.shared(), clock.clone(), PartnershipSettings { dormancy_months: 6, ..Default::default() });
    set_today(date!(2025 - 12 - 02));
    assert!(short.get(id).await.unwrap().partnership.dormant);
    let f =
        PartnershipFilter { dormant: Some(false), municipality: Some("bursa-nilufer".into()), ..Default::default() };
    set_today(date!(2026 - 01 - 11));
    let lively = s.list(&f, Page::default()).await.unwrap();
    assert!(lively.items.iter().any(|p| p.id == id));
}

async fn the_compliance_view_lists_gaps_per_member_and_backfilling_closes_them(db: TestDb) {
    let s = service(&db);
    let istanbul = PartnershipFilter { municipality: Some("istanbul".into()), ..Default::default() };
    let view = s.compliance(&istanbul, Page::first(100)).await.unwrap();
    let entry = view.items.first().expect("İstanbul has imported relations");
    assert!(view.items.iter().all(|e| e.partnership.member.slug == "istanbul"));
    assert_eq!(entry.missing.first().map(|m| m.stage), Some(Stage::CouncilApproved));
    let id = entry.partnership.id;
    let abroad = entry.partnership.partner.is_abroad();
    s.record(
        id,
        Stage::CouncilApproved,
        &RawEvidence { number: Some("1999/12".into()), ..raw("1999-05-01") },
        &staff(),
    )
    .await
    .unwrap();
    let detail = s.get(id).await.unwrap();
    assert!(detail.trail[0].backfilled);
    assert_eq!(detail.partnership.stage, Stage::Active, "backfilling does not move the stage");
    let next = if abroad { Stage::Permitted } else { Stage::Signed };
    assert_eq!(detail.missing.first().map(|m| m.stage), Some(next));
    if abroad {
        s.record(
            id,
            Stage::Permitted,
            &RawEvidence {
                reference: Some("B.05".into()),
                authority: Some("İçişleri Bakanlığı".into()),
                ..raw("1999-06-01")
            },
            &staff(),
        )
        .await
        .unwrap();
        let d = s.get(id).await.unwrap();
        assert_eq!(d.trail[1].authority.as_deref(), Some("İçişleri Bakanlığı"), "older records may name the Interior");
    }
    s.record(
        id,
        Stage::Signed,
        &RawEvidence { place: Some("İstanbul".into()), signatories: Some("Mayors".into()), ..raw("1999-09-01") },
        &staff(),
    )
    .await
    .unwrap();
    let done = s.get(id).await.unwrap();
    assert!(!done.partnership.trail_incomplete && done.missing.is_empty());
    let view = s.compliance(&istanbul, Page::first(100)).await.unwrap();
    assert!(view.items.iter().all(|e| e.partnership.id != id), "no longer a gap");
}

async fn ending_a_relation_with_gaps_takes_it_off_the_to_do_list_and_keeps_the_gaps(db: TestDb) {
    let s = service(&db);
    let all = s.compliance(&PartnershipFilter::default(), Page::first(10)).await.unwrap();
    assert_eq!(all.items.len(), 10, "one page, not the whole list");
    assert!(all.total > 10, "the count covers every page");
    let entry = all.items[0].clone();
    let id = entry.partnership.id;
    let second = s.compliance(&PartnershipFilter::default(), Page::parse(Some(2), Some(10)).unwrap()).await.unwrap();
    assert!(second.items.iter().all(|e| e.partnership.id != id), "pages do not overlap");
    let terminate = RawEvidence { number: Some("2026/77".into()), reason: Some("Dormant".into()), ..raw("2026-02-01") };
    s.record(id, Stage::Terminated, &terminate, &staff()).await.unwrap();
    // The to-do list no longer carries it, and its total says so.
    let after = s.compliance(&PartnershipFilter::default(), Page::first(100)).await.unwrap();
    assert_eq!(after.total, all.total - 1);
    assert!(after.items.iter().all(|e| e.partnership.id != id));
    // The record stays honest: still incomplete, the same steps missing, named in the termination's entry.
    let detail = s.get(id).await.unwrap();
    assert_eq!(detail.partnership.stage, Stage::Terminated);
    assert!(detail.partnership.trail_incomplete);
    assert_eq!(detail.missing, entry.missing);
    let history = ldp_core::domain::AuditFilter {
        record_type: Some("partnership".into()),
        record_id: Some(id.0.to_string()),
        action: Some("step:terminated".into()),
        ..Default::default()
    };
    let logged = db.store.export_audit(&history, 5).await.unwrap();
    let named: Vec<String> = entry.missing.iter().map(|m| m.stage.as_str().to_owned()).collect();
    assert_eq!(logged[0].after.as_ref().and_then(|a| a["unrecorded"].as_str()), Some(named.join(",").as_str()));
    // The lists can still find it: ended with gaps, apart from those awaiting documents.
    let ended = PartnershipFilter { trail_incomplete: Some(true), ended: Some(true), ..Default::default() };
    assert!(s.list(&ended, Page::first(100)).await.unwrap().items.iter().any(|p| p.id == id));
    let open = PartnershipFilter { trail_incomplete: Some(true), ended: Some(false), ..Default::default() };
    assert_eq!(s.list(&open, Page::first(1)).await.unwrap().total, after.total);
    // Nothing is added to an ended relation's trail.
    let late = RawEvidence { number: Some("1999/1".into()), ..raw("1999-01-01") };
    let refused = s.record(id, Stage::CouncilApproved, &late, &staff()).await;
    assert!(matches!(refused, Err(ServiceError::Refused(r)) if r.code == "already_terminated"));
}

async fn importing_the_sample_again_adds_nothing_and_reports_the_rest(db: TestDb) {
    let sample = include_bytes!("../../../../data/twin-cities/sample.csv");
    let report =
        import_partnerships(db.shared(), &sample[..], "sample", &staff(), ldp_testkit::clock().as_ref(), |_| {})
            .await
            .unwrap();
    assert_eq!(report.rows, 80);
    assert_eq!(report.created, 0, "the seed already holds every member pair of the sample");
    assert_eq!(report.existing, 16, "member pairs matched");
    assert_eq!(report.places_created, 0, "Oberon (AU) and Gornji Vakuf-Uskoplje were made from the list by the seed");
    let count = |reason| report.skipped.iter().filter(|s| s.reason == reason).count();
    assert_eq!(count(SkipReason::PartnerNotFound), 0);
    assert_eq!(count(SkipReason::NoMember), 64, "the 20 rows without Türkiye and the non-member Turkish towns");
    assert_eq!(report.unmatched(), 0);
}

async fn the_country_summary_adds_up(db: TestDb) {
    let s = service(&db);
    let countries = s.countries().await.unwrap();
    let total: u64 = countries.iter().map(|c| c.partnerships).sum();
    let all = s.list(&PartnershipFilter::default(), Page::default()).await.unwrap();
    assert_eq!(total, all.total);
    let kosovo = countries.iter().find(|c| c.country.as_str() == "XK").expect("partners in Kosovo (GeoNames XK)");
    assert_eq!((kosovo.name.tr.as_str(), kosovo.name.en.as_str()), ("Kosova", "Kosovo"));
    let de = countries.iter().find(|c| c.country.as_str() == "DE").expect("German partners");
    assert_eq!(de.name.tr, "Almanya");
    assert_eq!(de.numeric.as_deref(), Some("276"));
    let f = PartnershipFilter { country: Some(de.country.clone()), ..Default::default() };
    assert_eq!(s.list(&f, Page::default()).await.unwrap().total, de.partnerships);
    assert!(countries.windows(2).all(|w| w[0].partnerships >= w[1].partnerships));
    // The filter choices list the same countries, in Turkish order of their names.
    let choices = db.store.partner_countries().await.unwrap();
    let mut a: Vec<&str> = choices.iter().map(|(c, _)| c.as_str()).collect();
    let mut b: Vec<&str> = countries.iter().map(|c| c.country.as_str()).collect();
    let keys: Vec<Vec<u8>> = choices.iter().map(|(_, n)| ldp_core::text::collation_key(&n.tr)).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

async fn filters_narrow_the_registry(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await;
    let q =
        |q: PartnershipQuery| PartnershipFilter { include_unpublished: true, ..PartnershipFilter::parse(&q).unwrap() };
    let by_sdg =
        s.list(&q(PartnershipQuery { sdg: Some("13".into()), ..Default::default() }), Page::default()).await.unwrap();
    assert_eq!(by_sdg.items.iter().map(|p| p.id).collect::<Vec<_>>(), [id]);
    let by_stage =
        q(PartnershipQuery { stage: Some("proposed".into()), province: Some("16".into()), ..Default::default() });
    assert_eq!(s.list(&by_stage, Page::default()).await.unwrap().total, 1);
    let bursa = q(PartnershipQuery { province: Some("16".into()), ..Default::default() });
    let all = s.all(&bursa, 10_000).await.unwrap();
    assert!(all.iter().all(|p| p.member.province == "Bursa"));
    assert!(all.len() > 30);
    let bad = PartnershipFilter::parse(&PartnershipQuery {
        stage: Some("x".into()),
        dormant: Some("maybe".into()),
        ..Default::default()
    });
    assert_eq!(bad.unwrap_err().fields.len(), 2);
}

async fn documents_are_checked_stored_and_listed(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await;
    let dir = tempfile::tempdir().unwrap();
    let uploads = Arc::new(LocalUploads::open(dir.path()).unwrap());
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let doc =
        s.attach(uploads.as_ref(), id, Some("council_decision"), "../karar.pdf", pdf.clone(), &staff()).await.unwrap();
    let bad = s
        .attach(uploads.as_ref(), id, Some("council_decision"), "x.pdf", b"<html>".to_vec(), &staff())
        .await
        .unwrap_err();
    assert!(matches!(bad, ServiceError::Invalid(e) if e.fields["file"] == "unsupported_file_type"));
    let big = vec![b'%'; ldp_core::services::documents::MAX_DOCUMENT_BYTES + 1];
    assert!(matches!(
        s.attach(uploads.as_ref(), id, Some("other"), "big.pdf", big, &staff()).await,
        Err(ServiceError::Invalid(_))
    ));
    let detail = s.get(id).await.unwrap();
    assert_eq!(detail.documents.len(), 1, "refused uploads leave nothing behind");
    let d = &detail.documents[0];
    assert_eq!(
        (d.id, d.filename.as_str(), d.content_type.as_str(), d.size),
        (doc, "karar.pdf", "application/pdf", pdf.len() as i64)
    );
    use ldp_core::services::documents::Uploads;
    assert_eq!(uploads.get(&d.storage_key).await.unwrap(), pdf);
}

async fn duplicate_partnerships_are_refused(db: TestDb) {
    let s = service(&db);
    propose(&s, false).await;
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_city: Some("2867714".into()),
        kind: Some("friendship".into()),
        ..Default::default()
    };
    assert!(matches!(s.create(&input, &staff()).await, Err(ServiceError::Conflict(c)) if c == "partnership_exists"));
    let wrong = NewPartnershipInput {
        municipality: Some("nowhere".into()),
        partner_city: Some("1".into()),
        ..Default::default()
    };
    match s.create(&wrong, &staff()).await.unwrap_err() {
        ServiceError::Invalid(e) => {
            let fields: Vec<&str> = e.fields.keys().map(String::as_str).collect();
            assert_eq!(fields, ["kind", "municipality", "partner_city"]);
        }
        other => panic!("{other:?}"),
    }
}

/// The newest audit entries of a record type (the list's `len()` is the total: the seeded import wrote one
/// entry per relation).
async fn audit_of(db: &TestDb, record_type: &str) -> AuditPage {
    let filter = ldp_core::domain::AuditFilter { record_type: Some(record_type.into()), ..Default::default() };
    let page = db.store.list_audit(&filter, Page::first(5)).await.unwrap();
    AuditPage { total: page.total as usize, items: page.items }
}

struct AuditPage {
    total: usize,
    items: Vec<ldp_core::domain::AuditEntry>,
}

impl AuditPage {
    fn len(&self) -> usize {
        self.total
    }
}

impl std::ops::Index<usize> for AuditPage {
    type Output = ldp_core::domain::AuditEntry;
    fn index(&self, i: usize) -> &Self::Output {
        &self.items[i]
    }
}

async fn every_partnership_write_leaves_its_audit_entry(db: TestDb) {
    let s = service(&db);
    let before = audit_of(&db, "partnership").await.len();
    let id = propose(&s, false).await;
    let created = audit_of(&db, "partnership").await;
    assert_eq!(created.len(), before + 1);
    let e = &created[0];
    assert_eq!((e.action.as_str(), e.record_id.clone()), ("create", id.0.to_string()));
    assert!(e.before.is_none());
    let after = e.after.as_ref().unwrap();
    assert_eq!(
        (after["municipality"].as_str(), after["partner_city"].as_str()),
        (Some("bursa-nilufer"), Some("2867714"))
    );
    assert_eq!((after["stage"].as_str(), after["sdgs"].as_str()), (Some("proposed"), Some("11,13")));
    let council = RawEvidence { number: Some("2026/41".into()), ..raw("2026-02-03") };
    s.record(id, Stage::CouncilApproved, &council, &staff()).await.unwrap();
    let step = &audit_of(&db, "partnership").await[0];
    assert_eq!(step.action, "step:council_approved");
    assert_eq!(step.before.as_ref().unwrap()["stage"], "proposed");
    assert_eq!(step.after.as_ref().unwrap()["stage"], "council_approved");
    assert_eq!(step.after.as_ref().unwrap()["decision_number"], "2026/41");
    assert_eq!(step.after.as_ref().unwrap()["date"], "2026-02-03");
    assert_eq!(step.actor, "system:test-staff");
    assert_eq!(step.at, NOW);
    let member = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().unwrap();
    assert_eq!(step.municipality_id, Some(member.id));
    // A refused step writes no entry.
    let refused = s.record(id, Stage::Signed, &raw("2026-03-01"), &staff()).await;
    assert!(refused.is_err());
    assert_eq!(audit_of(&db, "partnership").await.len(), before + 2);
    let activity = ActivityInput {
        date: Some("2026-02-10".into()),
        title_tr: Some("Ziyaret".into()),
        kind: Some("visit".into()),
        ..Default::default()
    };
    let a = s.add_activity(id, &activity, &staff()).await.unwrap();
    let logged = &audit_of(&db, "partnership_activity").await[0];
    assert_eq!(logged.record_id, a.to_string());
    assert_eq!(logged.after.as_ref().unwrap()["title_tr"], "Ziyaret");
    assert_eq!(logged.after.as_ref().unwrap()["partnership"], id.0);
    let dir = tempfile::tempdir().unwrap();
    let uploads = LocalUploads::open(dir.path()).unwrap();
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let d = s.attach(&uploads, id, Some("council_decision"), "karar.pdf", pdf, &staff()).await.unwrap();
    let stored = &audit_of(&db, "partnership_document").await[0];
    assert_eq!(stored.record_id, d.to_string());
    assert_eq!(stored.after.as_ref().unwrap()["filename"], "karar.pdf");
    assert_eq!(stored.after.as_ref().unwrap()["sha256"].as_str().map(str::len), Some(64));
}

async fn a_representative_changes_only_their_own_relations(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await;
    let own = representative(&db, "bursa-nilufer").await;
    let other = representative(&db, "bursa-osmangazi").await;
    let council = RawEvidence { number: Some("2026/41".into()), ..raw("2026-02-03") };
    assert!(matches!(s.record(id, Stage::CouncilApproved, &council, &other).await, Err(ServiceError::Forbidden)));
    assert_eq!(s.get(id).await.unwrap().partnership.stage, Stage::Proposed, "nothing written");
    s.record(id, Stage::CouncilApproved, &council, &own).await.unwrap();
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_city: Some("2988507".into()),
        kind: Some("friendship".into()),
        ..Default::default()
    };
    assert!(matches!(s.create(&input, &other).await, Err(ServiceError::Forbidden)));
    assert!(matches!(s.create(&input, &Actor::visitor(None)).await, Err(ServiceError::Forbidden)));
}

/// A representative of the municipality `slug`.
pub(crate) async fn representative(db: &TestDb, slug: &str) -> Actor {
    let m = db.store.municipality_by_slug(slug).await.unwrap().expect("municipality");
    let mut a = Actor::visitor(None);
    a.role = Some(ldp_core::domain::Role::Representative);
    a.read_only = false;
    a.label = format!("temsilci@{slug}.bel.tr");
    a.municipalities = vec![m.id];
    a
}

async fn a_back_fill_is_recorded_once_and_never_after_a_concurrent_step(db: TestDb) {
    let s = service(&db);
    let gaps = PartnershipFilter { trail_incomplete: Some(true), ..Default::default() };
    let ids: Vec<PartnershipId> = s.list(&gaps, Page::first(2)).await.unwrap().items.iter().map(|p| p.id).collect();
    let who = staff();
    let council = RawEvidence { number: Some("2019/7".into()), ..raw("2019-03-01") };
    // The same back-fill submitted twice at once: one copy lands, the other is told the record moved on.
    let (a, b) = tokio::join!(
        s.record(ids[0], Stage::CouncilApproved, &council, &who),
        s.record(ids[0], Stage::CouncilApproved, &council, &who)
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(outcomes.iter().filter(|ok| **ok).count(), 1, "{a:?} {b:?}");
    let trail = s.get(ids[0]).await.unwrap().trail;
    assert_eq!(trail.iter().filter(|e| e.stage == Stage::CouncilApproved).count(), 1);
    // A back-fill prepared before a termination cannot land after it.
    let before = s.get(ids[1]).await.unwrap();
    let end =
        RawEvidence { number: Some("2026/99".into()), reason: Some("no longer active".into()), ..raw("2026-10-01") };
    s.record(ids[1], Stage::Terminated, &end, &staff()).await.unwrap();
    let stale = ldp_core::store::RecordedStep {
        stage: Stage::CouncilApproved,
        new_stage: before.partnership.stage,
        date: date!(2019 - 03 - 01),
        decision_number: Some("2019/8".into()),
        reference: None,
        authority: None,
        place: None,
        signatories: None,
        reason: None,
        backfilled: true,
        trail_incomplete: true,
        activity_on: None,
        actor: "t".into(),
        recorded_at: NOW,
        trail_len: before.trail.len(),
    };
    let change = Change::new(&staff(), NOW, "step:council_approved", "partnership").record(ids[1].0);
    let late = db.store.record_step(ids[1], before.partnership.stage, &stale, &change).await.unwrap_err();
    assert!(matches!(late, StoreError::Conflict(c) if c == "stage_changed"));
    assert_eq!(s.get(ids[1]).await.unwrap().partnership.stage, Stage::Terminated);
}

async fn a_file_in_another_format_is_refused_whole(db: TestDb) {
    let s = service(&db);
    let before = s.list(&PartnershipFilter::default(), Page::first(1)).await.unwrap().total;
    let clock = ldp_testkit::clock();
    for file in [
        &b"name,country\nBerlin,Germany\n"[..],
        b"city1;country1;lat1;lng1;city2;country2;lat2;lng2\nBursa;Turkey;40.2;29.0;Anshan;China;41.1;122.9\n",
        b"",
        b"city2,country2,lat2,lng2,city1,country1,lat1,lng1\nAnshan,China,41.1,122.9,Bursa,Turkey,40.2,29.0\n",
    ] {
        match import_partnerships(db.shared(), file, "bad", &staff(), clock.as_ref(), |_| {}).await {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["file"], "not_twin_city_format"),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(file)),
        }
    }
    assert_eq!(s.list(&PartnershipFilter::default(), Page::first(1)).await.unwrap().total, before, "nothing loaded");
}
