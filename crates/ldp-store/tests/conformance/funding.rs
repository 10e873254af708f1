//! Funding (issue 16): the shipped programmes, calls saved by identifier (created, updated, unchanged), the
//! list's filters and status, edits, publication of suggestions, and the eligibility of members by province.

use ldp_core::domain::funding::{
    Applicant, ApplicantType, CallFields, CallFilter, CallId, CallKind, CallStatus, Deadline, DeadlineModel,
    Eligibility, Ground, Saved, Verdict, data::FundingData, parse_amount,
};
use ldp_core::domain::{Actor, AuditFilter, Change, Localized, Page, PlateCode};
use ldp_core::feed::{FeedStore, Topic};
use ldp_core::services::funding::{CallInput, Funding, ensure_funding_data};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::macros::date;

both_backends!(seeded =>
    shipped_programmes_are_loaded_once_with_their_sources,
    calls_are_saved_by_identifier_and_read_back_exactly,
    the_list_filters_by_status_kind_programme_funder_goal_and_words,
    calls_are_edited_and_suggestions_published_with_audit_entries,
    members_are_eligible_inside_the_programme_area_and_not_outside,
    the_open_calls_a_member_may_apply_to_are_those_checking_every_open_call_finds,
    the_deadline_sequence_rises_with_the_deadlines_and_the_feed_keeps_recent_calls,
);

fn system() -> Actor {
    Actor::system("test")
}

async fn audit_count(db: &TestDb, record_type: &str) -> u64 {
    let filter = AuditFilter { record_type: Some(record_type.into()), ..AuditFilter::default() };
    db.store.list_audit(&filter, Page::first(1)).await.unwrap().total
}

fn call(identifier: &str, programme: Option<ldp_core::domain::funding::ProgrammeId>) -> CallFields {
    CallFields {
        identifier: identifier.into(),
        programme,
        kind: CallKind::Grant,
        title: Localized::new("Kıyı kentlerinde iklim uyumu", "Climate adaptation in coastal cities"),
        summary: Localized::new("Özet", "Summary"),
        opens_on: Some(date!(2026 - 11 - 01)),
        deadline_model: DeadlineModel::TwoStage,
        deadlines: vec![
            Deadline::parse("2027-01-20T17:00", "Europe/Brussels").unwrap(),
            Deadline::parse("2027-05-12T17:00", "Europe/Brussels").unwrap(),
        ],
        budget: ldp_core::domain::funding::Budget {
            currency: "EUR".into(),
            total: parse_amount("12 345 678,90"),
            min_per_project: parse_amount("100000"),
            max_per_project: parse_amount("2500000.01"),
            cofinancing_rate: parse_amount("90"),
        },
        themes: vec!["iklim".into(), "kıyı".into()],
        sdgs: vec![11, 13],
        link: "https://example.org/call".into(),
        eligibility: Eligibility::default(),
    }
}

async fn shipped_programmes_are_loaded_once_with_their_sources(db: TestDb) {
    let programmes = db.store.programmes().await.unwrap();
    let shipped = FundingData::embedded().unwrap();
    assert_eq!(programmes.len(), shipped.programmes.len());
    assert_eq!(db.store.funders().await.unwrap().len(), shipped.funders.len());
    let bg_tr = db.store.programme_by_slug("interreg-ipa-bulgaria-turkiye").await.unwrap().unwrap();
    assert_eq!(bg_tr.eligibility.provinces, vec![PlateCode::parse(22).unwrap(), PlateCode::parse(39).unwrap()]);
    assert_eq!(bg_tr.eligibility.countries, vec!["BG".to_owned(), "TR".to_owned()]);
    assert_eq!(bg_tr.funder_slug, "interreg");
    assert!(bg_tr.source_url.starts_with("https://"));
    assert!(db.store.programme_by_slug("nope").await.unwrap().is_none());
    let europe_prize = db.store.programme_by_slug("europe-prize").await.unwrap().unwrap();
    assert_eq!(europe_prize.recurrence, Some(ldp_core::domain::funding::Recurrence::Annual));

    // A restart reads the fingerprint and loads nothing; a forced load adds nothing and is audited.
    assert!(ensure_funding_data(db.store.as_ref(), ldp_testkit::clock().as_ref()).await.unwrap().is_none());
    let entries = audit_count(&db, "funding_data").await;
    let before = db.store.data_versions().await.unwrap().get(Topic::Funding);
    let change = Change::new(&system(), NOW, "load", "funding_data");
    let report = db.store.load_funding_data(&shipped, &change).await.unwrap();
    assert_eq!((report.funders_added, report.programmes_added), (0, 0));
    assert_eq!(db.store.programmes().await.unwrap().len(), shipped.programmes.len());
    assert_eq!(audit_count(&db, "funding_data").await, entries + 1);
    assert_eq!(db.store.data_versions().await.unwrap().get(Topic::Funding), before + 1);
}

async fn calls_are_saved_by_identifier_and_read_back_exactly(db: TestDb) {
    let programme = db.store.programme_by_slug("interreg-next-black-sea-basin").await.unwrap().unwrap();
    let fields = call("BSB-2026-01", Some(programme.id));
    let change = Change::new(&system(), NOW, "create", "funding_call");
    let before = db.store.data_versions().await.unwrap().get(Topic::Funding);
    let Saved::Created(id) = db.store.save_call(&fields, true, None, "manual", &change).await.unwrap() else {
        panic!("created")
    };
    assert_eq!(db.store.data_versions().await.unwrap().get(Topic::Funding), before + 1, "the feed moved");
    let stored = db.store.call(id).await.unwrap().unwrap();
    assert_eq!(stored.fields, fields);
    assert_eq!(stored.fields.budget.total.unwrap().to_string(), "12345678.9");
    assert_eq!(stored.fields.budget.max_per_project.unwrap().to_string(), "2500000.01");
    assert_eq!(stored.fields.deadlines[0].zone, "Europe/Brussels");
    assert_eq!(stored.fields.deadlines[0].at, time::macros::datetime!(2027-01-20 16:00 UTC));
    assert!(stored.published);
    assert_eq!(stored.source, "manual");
    assert_eq!(stored.status(NOW), CallStatus::Open);
    assert_eq!(db.store.call_by_identifier("BSB-2026-01").await.unwrap().unwrap().id, id);
    assert!(db.store.call_by_identifier("BSB-2026-02").await.unwrap().is_none());
    assert!(db.store.call(CallId(id.0 + 1000)).await.unwrap().is_none());

    let entries = audit_count(&db, "funding_call").await;
    let again = db.store.save_call(&fields, true, None, "portal", &change).await.unwrap();
    assert_eq!(again, Saved::Unchanged(id));
    assert_eq!(audit_count(&db, "funding_call").await, entries, "nothing written, nothing audited");

    let mut changed = fields.clone();
    changed.title.en = "Climate adaptation in Black Sea cities".into();
    changed.deadlines.pop();
    changed.deadline_model = DeadlineModel::Single;
    let update = Change::new(&system(), NOW, "update", "funding_call");
    assert_eq!(db.store.save_call(&changed, false, None, "portal", &update).await.unwrap(), Saved::Updated(id));
    let stored = db.store.call(id).await.unwrap().unwrap();
    assert_eq!(stored.fields, changed);
    assert!(stored.published, "publication is set on creation only");
    assert_eq!(audit_count(&db, "funding_call").await, entries + 1);
}

async fn the_list_filters_by_status_kind_programme_funder_goal_and_words(db: TestDb) {
    let bsb = db.store.programme_by_slug("interreg-next-black-sea-basin").await.unwrap().unwrap();
    let istka = db.store.programme_by_slug("istka-support").await.unwrap().unwrap();
    let change = Change::new(&system(), NOW, "create", "funding_call");
    let mut open = call("OPEN-1", Some(bsb.id));
    open.sdgs = vec![13];
    let mut forthcoming = call("SOON-1", Some(istka.id));
    forthcoming.opens_on = Some(date!(2026 - 12 - 15));
    forthcoming.kind = CallKind::Competition;
    forthcoming.title = Localized::new("İSTANBUL yeşil dönüşüm ödülü", "Istanbul green transition award");
    forthcoming.sdgs = vec![11];
    let mut closed = call("PAST-1", None);
    closed.deadline_model = DeadlineModel::Single;
    closed.deadlines = vec![Deadline::parse("2026-11-28T12:59", "Europe/Istanbul").unwrap()];
    closed.sdgs = vec![];
    let hidden = call("SUGGESTED-1", None);
    for (f, published) in [(&open, true), (&forthcoming, true), (&closed, true), (&hidden, false)] {
        db.store.save_call(f, published, None, "manual", &change).await.unwrap();
    }
    let ids = |f: CallFilter| {
        let db = &db;
        async move {
            let page = db.store.calls(&f, NOW, Page::first(100)).await.unwrap();
            let ids: Vec<String> = page.items.iter().map(|c| c.fields.identifier.clone()).collect();
            assert_eq!(page.total as usize, ids.len());
            ids
        }
    };
    // The closed call's deadline (12:59 Istanbul = 09:59 UTC) is a minute before NOW; the list runs by deadline.
    assert_eq!(ids(CallFilter::default()).await, vec!["PAST-1", "OPEN-1", "SOON-1"]);
    let status = |s| CallFilter { status: Some(s), ..CallFilter::default() };
    assert_eq!(ids(status(CallStatus::Open)).await, vec!["OPEN-1"]);
    assert_eq!(ids(status(CallStatus::Forthcoming)).await, vec!["SOON-1"]);
    assert_eq!(ids(status(CallStatus::Closed)).await, vec!["PAST-1"]);
    assert_eq!(ids(CallFilter { kind: Some(CallKind::Competition), ..CallFilter::default() }).await, vec!["SOON-1"]);
    assert_eq!(ids(CallFilter { programme: Some(bsb.slug.clone()), ..CallFilter::default() }).await, vec!["OPEN-1"]);
    assert_eq!(ids(CallFilter { funder: Some("istka".into()), ..CallFilter::default() }).await, vec!["SOON-1"]);
    assert_eq!(ids(CallFilter { sdg: Some(13), ..CallFilter::default() }).await, vec!["OPEN-1"]);
    assert_eq!(
        ids(CallFilter { sdg: Some(1), ..CallFilter::default() }).await,
        Vec::<String>::new(),
        "1 is not 11 or 13"
    );
    let words = |q: &str| CallFilter::parse(None, None, None, None, None, Some(q)).unwrap();
    assert_eq!(ids(words("istanbul")).await, vec!["SOON-1"], "Turkish folding: İSTANBUL");
    assert_eq!(ids(words("past-1")).await, vec!["PAST-1"]);
    assert_eq!(ids(words("100%")).await, Vec::<String>::new(), "LIKE wildcards are literal");
    let all = CallFilter { include_unpublished: true, ..CallFilter::default() };
    assert_eq!(ids(all).await.len(), 4);
    let paged = db.store.calls(&CallFilter::default(), NOW, Page::parse(Some(2), Some(2)).unwrap()).await.unwrap();
    assert_eq!((paged.items.len(), paged.total), (1, 3));
}

async fn calls_are_edited_and_suggestions_published_with_audit_entries(db: TestDb) {
    let change = Change::new(&system(), NOW, "create", "funding_call");
    let a = db.store.save_call(&call("A-1", None), true, None, "manual", &change).await.unwrap().id();
    let b = db.store.save_call(&call("B-1", None), false, None, "manual", &change).await.unwrap().id();
    let entries = audit_count(&db, "funding_call").await;

    let mut renamed = call("A-2", None);
    renamed.kind = CallKind::PartnerSearch;
    let update = Change::new(&system(), NOW, "update", "funding_call");
    db.store.update_call(a, &renamed, &update).await.unwrap();
    assert_eq!(db.store.call(a).await.unwrap().unwrap().fields, renamed);
    assert!(db.store.call_by_identifier("A-1").await.unwrap().is_none());
    let taken = db.store.update_call(a, &call("B-1", None), &update).await;
    assert!(matches!(taken, Err(StoreError::Conflict(c)) if c == "call_exists"));
    let missing = db.store.update_call(CallId(b.0 + 1000), &call("C-1", None), &update).await;
    assert!(matches!(missing, Err(StoreError::Conflict(c)) if c == "call_not_found"));
    assert_eq!(audit_count(&db, "funding_call").await, entries + 1, "refused edits leave no entry");

    let publish = Change::new(&system(), NOW, "publish", "funding_call");
    assert!(db.store.publish_call(b, &publish).await.unwrap());
    assert!(db.store.call(b).await.unwrap().unwrap().published);
    assert!(!db.store.publish_call(b, &publish).await.unwrap(), "already public");
    assert_eq!(audit_count(&db, "funding_call").await, entries + 2);
}

async fn members_are_eligible_inside_the_programme_area_and_not_outside(db: TestDb) {
    let funding = Funding::new(db.shared(), ldp_testkit::clock());
    let input = CallInput {
        identifier: Some("BG-TR-TEST-1".into()),
        programme: Some("interreg-ipa-bulgaria-turkiye".into()),
        kind: Some("grant".into()),
        title_tr: Some("Sınır ötesi turizm".into()),
        deadlines: Some("2027-02-01 17:00 Europe/Sofia".into()),
        link: Some("https://www.ipacbc-bgtr.eu/".into()),
        ..CallInput::default()
    };
    let view = funding.create(&system(), &input).await.unwrap();
    let edirne = db.store.municipality_by_slug("edirne").await.unwrap().unwrap();
    let istanbul = db.store.municipality_by_slug("istanbul").await.unwrap().unwrap();
    let inside = funding.eligibility(&view, &edirne);
    assert_eq!(inside.verdict, Verdict::Eligible);
    assert!(inside.grounds.contains(&Ground::ProvinceIn));
    assert_eq!(inside.source_url, view.programme.as_ref().map(|p| p.source_url.clone()));
    let outside = funding.eligibility(&view, &istanbul);
    assert_eq!(outside.verdict, Verdict::NotEligible);
    assert!(outside.grounds.contains(&Ground::ProvinceOut));

    let for_edirne = funding.open_calls_for(&edirne, 10).await.unwrap();
    assert_eq!(for_edirne.iter().map(|(c, _)| c.fields.identifier.as_str()).collect::<Vec<_>>(), vec!["BG-TR-TEST-1"]);
    assert!(funding.open_calls_for(&istanbul, 10).await.unwrap().is_empty());
}

/// The deadline feeds' `SEQUENCE` rises when (and only when) a call's deadlines change, by import or by edit,
/// and never goes down; `deadline_since` keeps calls whose last deadline is at or after it and drops calls
/// without a deadline.
async fn the_deadline_sequence_rises_with_the_deadlines_and_the_feed_keeps_recent_calls(db: TestDb) {
    let change = Change::new(&system(), NOW, "import", "funding_call");
    let mut f = call("SEQ-1", None);
    let id = db.store.save_call(&f, true, None, "portal", &change).await.unwrap().id();
    assert_eq!(db.store.call(id).await.unwrap().unwrap().deadline_sequence, 0);

    f.title = Localized::new("Yeni başlık", "New title");
    assert!(matches!(db.store.save_call(&f, true, None, "portal", &change).await.unwrap(), Saved::Updated(_)));
    assert_eq!(db.store.call(id).await.unwrap().unwrap().deadline_sequence, 0, "a new title moves no deadline");

    f.deadlines[1] = Deadline::parse("2027-05-19T17:00", "Europe/Brussels").unwrap();
    db.store.save_call(&f, true, None, "portal", &change).await.unwrap();
    assert_eq!(db.store.call(id).await.unwrap().unwrap().deadline_sequence, 1, "an import moved a deadline");

    f.deadlines.push(Deadline::parse("2027-09-01T12:00", "Europe/Brussels").unwrap());
    f.deadline_model = DeadlineModel::MultipleCutOff;
    db.store.update_call(id, &f, &Change::new(&system(), NOW, "update", "funding_call")).await.unwrap();
    let read = db.store.call(id).await.unwrap().unwrap();
    assert_eq!((read.deadline_sequence, read.fields.deadlines.len()), (2, 3), "an edit added a cut-off");
    f.link = "https://example.org/other".into();
    db.store.update_call(id, &f, &Change::new(&system(), NOW, "update", "funding_call")).await.unwrap();
    assert_eq!(db.store.call(id).await.unwrap().unwrap().deadline_sequence, 2, "never moved by other fields");

    let mut old = call("OLD-1", None);
    old.deadlines = vec![Deadline::parse("2026-01-10T17:00", "Europe/Brussels").unwrap()];
    let mut none = call("NONE-1", None);
    none.deadlines.clear();
    for f in [&old, &none] {
        db.store.save_call(f, true, None, "manual", &change).await.unwrap();
    }
    let since = |at| {
        let db = &db;
        async move {
            let filter = CallFilter { deadline_since: Some(at), ..CallFilter::default() };
            let page = db.store.calls(&filter, NOW, Page::first(100)).await.unwrap();
            assert_eq!(page.total as usize, page.items.len());
            page.items.iter().map(|c| c.fields.identifier.clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(since(NOW).await, vec!["SEQ-1"], "a call without a deadline has none to show");
    // The old call's last deadline is 16:00 UTC on 10 January 2026: kept from exactly that instant on.
    let old_at = old.deadlines[0].at;
    assert_eq!(since(old_at).await, vec!["OLD-1", "SEQ-1"]);
    assert_eq!(since(old_at + time::Duration::seconds(1)).await, vec!["SEQ-1"]);
}

/// The store's pre-filter of open calls (by country, province, NUTS region and applicant type, in SQL) leaves
/// out no call that checking every open call finds eligible, and the verdicts are the same: calls of every kind
/// of rule, on the call and on each shipped programme, some closed and some unpublished, for members inside
/// and outside the programmes' provinces, metropolitan and district.
async fn the_open_calls_a_member_may_apply_to_are_those_checking_every_open_call_finds(db: TestDb) {
    let programmes = db.store.programmes().await.unwrap();
    let change = Change::new(&system(), NOW, "create", "funding_call");
    let plate = |n| PlateCode::parse(n).unwrap();
    let rule = Eligibility::default;
    let rules = [
        rule(),
        Eligibility { countries: vec!["TR".into()], ..rule() },
        Eligibility { countries: vec!["BG".into(), "tr".into()], ..rule() },
        Eligibility { countries: vec!["BG".into()], ..rule() },
        Eligibility { provinces: vec![plate(22), plate(39)], ..rule() },
        Eligibility { provinces: vec![plate(34)], countries: vec!["TR".into()], ..rule() },
        Eligibility { nuts: vec!["TR21".into()], ..rule() },
        Eligibility { nuts: vec!["BG34".into()], countries: vec!["TR".into()], ..rule() },
        Eligibility { applicant_types: vec![ApplicantType::Municipality], ..rule() },
        Eligibility { applicant_types: vec![ApplicantType::MetropolitanMunicipality], ..rule() },
        Eligibility { applicant_types: vec![ApplicantType::Ngo], provinces: vec![plate(16)], ..rule() },
    ];
    let mut n = 0;
    for r in &rules {
        for programme in std::iter::once(None).chain(programmes.iter().map(|p| Some(p.id))) {
            let mut f = call(&format!("CAND-{n:03}"), programme);
            f.eligibility = r.clone();
            if n % 7 == 3 {
                f.deadline_model = DeadlineModel::Single;
                f.deadlines = vec![Deadline::parse("2026-01-20T17:00", "Europe/Brussels").unwrap()];
            }
            db.store.save_call(&f, n % 11 != 5, None, "manual", &change).await.unwrap();
            n += 1;
        }
    }
    let funding = Funding::new(db.shared(), ldp_testkit::clock());
    let open = CallFilter { status: Some(CallStatus::Open), ..CallFilter::default() };
    let mut every_open = Vec::new();
    for number in 1.. {
        let page = db.store.calls(&open, NOW, Page::parse(Some(number), Some(100)).unwrap()).await.unwrap();
        let last = page.items.len() < 100;
        every_open.extend(page.items);
        if last {
            break;
        }
    }
    let mut found_some = false;
    for slug in ["edirne", "istanbul", "bursa-nilufer", "bursa-osmangazi", "istanbul-kadikoy"] {
        let m = db.store.municipality_by_slug(slug).await.unwrap().unwrap_or_else(|| panic!("{slug} is seeded"));
        let who = Applicant::municipality(&m);
        let expected: Vec<(CallId, Verdict)> = every_open
            .iter()
            .filter_map(|c| {
                let programme = c.fields.programme.and_then(|id| programmes.iter().find(|p| p.id == id));
                let v = ldp_core::domain::funding::check(programme, &c.fields.eligibility, &who);
                (v.verdict == Verdict::Eligible).then_some((c.id, v.verdict))
            })
            .collect();
        let got: Vec<(CallId, Verdict)> =
            funding.open_calls_for(&m, usize::MAX).await.unwrap().into_iter().map(|(c, v)| (c.id, v.verdict)).collect();
        assert_eq!(got, expected, "{slug}");
        let first: Vec<CallId> = funding.open_calls_for(&m, 3).await.unwrap().into_iter().map(|(c, _)| c.id).collect();
        assert_eq!(first, expected.iter().take(3).map(|(id, _)| *id).collect::<Vec<_>>(), "{slug}: the limit");
        found_some |= !expected.is_empty();
    }
    assert!(found_some, "some member is eligible for some call");
}
