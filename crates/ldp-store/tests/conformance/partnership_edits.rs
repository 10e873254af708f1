//! Editing a relation after it is proposed (goals, publication), what visitors may read, the activities of a
//! goal, and which relations are dormant.

use ldp_core::domain::partnership::*;
use ldp_core::domain::{AuditFilter, Change, GoalNumber, Page};
use ldp_core::services::ServiceError;
use ldp_core::services::partnerships::ActivityInput;
use ldp_core::store::prelude::*;
use ldp_testkit::{TestDb, both_backends};
use time::macros::date;

use crate::partnerships::{propose, raw, representative, service, staff};

both_backends!(seeded =>
    proposals_stay_out_of_public_reads_until_decided_or_published,
    a_relations_goals_are_replaced_and_audited,
    a_goal_lists_the_activities_of_public_relations,
    only_recorded_activity_older_than_the_period_is_dormant,
    another_capabilitys_work_noted_in_a_unit_ends_dormancy_and_never_moves_back,
    a_proposal_date_is_corrected_until_the_next_step,
);

fn ids(list: &[Partnership]) -> Vec<PartnershipId> {
    list.iter().map(|p| p.id).collect()
}

async fn audit_of(db: &TestDb, id: PartnershipId) -> Vec<ldp_core::domain::AuditEntry> {
    let filter = AuditFilter {
        record_type: Some("partnership".into()),
        record_id: Some(id.0.to_string()),
        action: Some("update".into()),
        ..Default::default()
    };
    db.store.list_audit(&filter, Page::first(50)).await.unwrap().items
}

async fn proposals_stay_out_of_public_reads_until_decided_or_published(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await;
    let public = PartnershipFilter { municipality: Some("bursa-nilufer".into()), ..Default::default() };
    let workspace = PartnershipFilter { include_unpublished: true, ..public.clone() };
    assert!(!ids(&s.all(&public, 1000).await.unwrap()).contains(&id), "a fresh proposal is not public");
    assert!(ids(&s.all(&workspace, 1000).await.unwrap()).contains(&id));
    assert!(!s.get(id).await.unwrap().partnership.is_public());
    assert!(matches!(s.get_public(id).await, Err(ServiceError::NotFound)));
    let countries: u64 = s.countries().await.unwrap().iter().map(|c| c.partnerships).sum();
    assert_eq!(countries, 429, "the summary counts public relations only");

    let other = representative(&db, "bursa-osmangazi").await;
    assert!(matches!(s.set_published(id, true, &other).await, Err(ServiceError::Forbidden)));
    let own = representative(&db, "bursa-nilufer").await;
    s.set_published(id, true, &own).await.unwrap();
    assert!(s.get_public(id).await.is_ok(), "the municipality chose to publish it");
    assert!(ids(&s.all(&public, 1000).await.unwrap()).contains(&id));
    let entries = audit_of(&db, id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].before.as_ref().unwrap()["published"], false);
    assert_eq!(entries[0].after.as_ref().unwrap()["published"], true);
    assert_eq!(entries[0].actor, "temsilci@bursa-nilufer.bel.tr");

    s.set_published(id, false, &own).await.unwrap();
    assert!(s.get_public(id).await.is_err(), "taken back into the workspace");
    let council = RawEvidence { number: Some("2026/41".into()), ..raw("2026-02-03") };
    s.record(id, Stage::CouncilApproved, &council, &staff()).await.unwrap();
    assert!(s.get_public(id).await.is_ok(), "public once the council decision is recorded");
    assert!(matches!(s.set_published(PartnershipId(999_999), true, &staff()).await, Err(ServiceError::NotFound)));
}

async fn a_relations_goals_are_replaced_and_audited(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await;
    let goals = |d: &PartnershipDetail| d.partnership.sdgs.iter().map(|g| g.get()).collect::<Vec<_>>();
    assert_eq!(goals(&s.get(id).await.unwrap()), [11, 13]);
    let own = representative(&db, "bursa-nilufer").await;
    s.set_sdgs(id, Some("17, 3,3"), &own).await.unwrap();
    assert_eq!(goals(&s.get(id).await.unwrap()), [3, 17]);
    let by_goal = |n: u8| PartnershipFilter {
        sdg: Some(GoalNumber::parse(i64::from(n)).unwrap()),
        include_unpublished: true,
        ..Default::default()
    };
    assert!(!ids(&s.all(&by_goal(11), 1000).await.unwrap()).contains(&id), "the old goal no longer finds it");
    assert!(ids(&s.all(&by_goal(17), 1000).await.unwrap()).contains(&id));
    let entries = audit_of(&db, id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].before.as_ref().unwrap()["sdgs"], "11,13");
    assert_eq!(entries[0].after.as_ref().unwrap()["sdgs"], "3,17");
    match s.set_sdgs(id, Some("3,18"), &own).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["sdgs"], "unknown_goal"),
        other => panic!("an unknown goal is refused, got {other:?}"),
    }
    let other = representative(&db, "bursa-osmangazi").await;
    assert!(matches!(s.set_sdgs(id, Some("1"), &other).await, Err(ServiceError::Forbidden)));
    s.set_sdgs(id, Some(""), &own).await.unwrap();
    assert!(goals(&s.get(id).await.unwrap()).is_empty(), "none ticked clears them");
    assert_eq!(audit_of(&db, id).await.len(), 2, "refused changes leave no entry");
}

fn activity(date: &str, title: &str, sdgs: &str) -> ActivityInput {
    ActivityInput {
        date: Some(date.into()),
        title_tr: Some(title.into()),
        title_en: Some(title.into()),
        kind: Some("visit".into()),
        sdgs: Some(sdgs.into()),
    }
}

/// The first imported relation of Bursa Nilüfer (public, active, no recorded activity).
async fn imported(s: &ldp_core::services::partnerships::Partnerships) -> Partnership {
    let f = PartnershipFilter { municipality: Some("bursa-nilufer".into()), ..Default::default() };
    s.all(&f, 1).await.unwrap().remove(0)
}

async fn a_goal_lists_the_activities_of_public_relations(db: TestDb) {
    let s = service(&db);
    let public = imported(&s).await.id;
    let proposal = propose(&s, false).await;
    s.add_activity(public, &activity("2026-03-01", "Kadın kooperatifleri", "5,11"), &staff()).await.unwrap();
    s.add_activity(proposal, &activity("2026-04-01", "Gizli hazırlık", "5"), &staff()).await.unwrap();
    let goal = |n: i64| GoalNumber::parse(n).unwrap();
    let five = s.activities_with_goal(goal(5), 50).await.unwrap();
    assert_eq!(five.iter().map(|a| a.title.tr.as_str()).collect::<Vec<_>>(), ["Kadın kooperatifleri"]);
    assert_eq!(five[0].partnership, public);
    assert_eq!(five[0].member_name, "Nilüfer");
    assert!(s.activities_with_goal(goal(1), 50).await.unwrap().is_empty(), "goal 1 is not goal 11");
    assert_eq!(s.activities_with_goal(goal(11), 50).await.unwrap().len(), 1);
}

async fn only_recorded_activity_older_than_the_period_is_dormant(db: TestDb) {
    let s = service(&db);
    let p = imported(&s).await;
    assert!(!p.dormant && p.last_activity.is_none(), "no recorded activity: not called dormant");
    let dormant = PartnershipFilter { dormant: Some(true), ..Default::default() };
    assert_eq!(s.list(&dormant, Page::default()).await.unwrap().total, 0);
    // 24 months before 2026-11-28 is 2024-11-28: an activity before it is old.
    s.add_activity(p.id, &activity("2024-11-27", "Eski ziyaret", "11"), &staff()).await.unwrap();
    assert!(s.get(p.id).await.unwrap().partnership.dormant);
    assert_eq!(ids(&s.list(&dormant, Page::default()).await.unwrap().items), [p.id]);
    s.add_activity(p.id, &activity("2024-11-28", "Yeni ziyaret", "11"), &staff()).await.unwrap();
    assert!(!s.get(p.id).await.unwrap().partnership.dormant, "within the period");
}

async fn another_capabilitys_work_noted_in_a_unit_ends_dormancy_and_never_moves_back(db: TestDb) {
    let s = service(&db);
    let p = imported(&s).await;
    s.add_activity(p.id, &activity("2024-01-10", "Eski ziyaret", "11"), &staff()).await.unwrap();
    assert!(s.get(p.id).await.unwrap().partnership.dormant);
    let note = |on: time::Date| {
        let store = db.store.clone();
        async move {
            let mut unit = store.begin().await.unwrap();
            let moved = unit.partnerships().note_activity(p.id, on).await.unwrap();
            unit.commit(&Change::new(&staff(), ldp_testkit::NOW, "note_activity", "partnership")).await.unwrap();
            moved
        }
    };
    assert!(note(date!(2026 - 10 - 01)).await, "an event held with the partner moves the date");
    let after = s.get(p.id).await.unwrap().partnership;
    assert!(!after.dormant);
    assert_eq!(after.last_activity, Some(date!(2026 - 10 - 01)));
    assert!(!note(date!(2025 - 05 - 01)).await, "an older one does not move it back");
    assert_eq!(s.get(p.id).await.unwrap().partnership.last_activity, Some(date!(2026 - 10 - 01)));
    // A unit dropped before its commit leaves the date as it was.
    let mut unit = db.store.begin().await.unwrap();
    assert!(unit.partnerships().note_activity(p.id, date!(2026 - 11 - 01)).await.unwrap());
    drop(unit);
    assert_eq!(s.get(p.id).await.unwrap().partnership.last_activity, Some(date!(2026 - 10 - 01)));
    let mut unit = db.store.begin().await.unwrap();
    assert!(!unit.partnerships().note_activity(PartnershipId(i64::MAX), date!(2026 - 11 - 01)).await.unwrap());
}

async fn a_proposal_date_is_corrected_until_the_next_step(db: TestDb) {
    let s = service(&db);
    let id = propose(&s, false).await; // proposed on 2026-01-10
    let council = RawEvidence { number: Some("2026/3".into()), ..raw("2026-01-05") };
    match s.record(id, Stage::CouncilApproved, &council, &staff()).await.unwrap_err() {
        ServiceError::Refused(r) => assert_eq!(r.fields["date"], "date_before_proposal", "names the proposal"),
        other => panic!("{other:?}"),
    }
    let own = representative(&db, "bursa-nilufer").await;
    let other = representative(&db, "bursa-osmangazi").await;
    assert!(matches!(s.set_proposal_date(id, Some("2026-01-02"), &other).await, Err(ServiceError::Forbidden)));
    for (bad, code) in [("2026-02-30", "invalid_date"), ("2026-11-29", "date_in_future"), ("", "required")] {
        match s.set_proposal_date(id, Some(bad), &own).await {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["proposed_on"], code, "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    s.set_proposal_date(id, Some("2026-01-02"), &own).await.unwrap();
    let trail = s.get(id).await.unwrap().trail;
    assert_eq!((trail.len(), trail[0].stage, trail[0].date), (1, Stage::Proposed, date!(2026 - 01 - 02)));
    let entries = audit_of(&db, id).await;
    assert_eq!(entries.len(), 1, "refused corrections leave no entry");
    assert_eq!(entries[0].before.as_ref().unwrap()["proposed_on"], "2026-01-10");
    assert_eq!(entries[0].after.as_ref().unwrap()["proposed_on"], "2026-01-02");
    assert_eq!(entries[0].actor, "temsilci@bursa-nilufer.bel.tr");

    s.record(id, Stage::CouncilApproved, &council, &staff()).await.expect("the true earlier council date");
    match s.set_proposal_date(id, Some("2026-01-01"), &own).await {
        Err(ServiceError::Refused(r)) => assert_eq!(r.code, "proposal_date_fixed"),
        other => panic!("fixed once the council decided: {other:?}"),
    }
    // The store holds the same line against a writer that read before the step.
    let change = Change::new(&staff(), ldp_testkit::NOW, "update", "partnership").record(id.0);
    assert!(!db.store.set_proposal_date(id, date!(2026 - 01 - 01), &change).await.unwrap());
    assert_eq!(s.get(id).await.unwrap().trail[0].date, date!(2026 - 01 - 02));
    assert_eq!(audit_of(&db, id).await.len(), 1);
    assert!(matches!(
        s.set_proposal_date(PartnershipId(999_999), Some("2026-01-01"), &staff()).await,
        Err(ServiceError::NotFound)
    ));
}
