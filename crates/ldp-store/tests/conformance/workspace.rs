//! What municipalities keep about themselves: profile, representatives and network memberships — each write
//! checked against the actor's role and recorded in the audit trail with the fields before and after.

use time::OffsetDateTime;

use ldp_core::domain::{Actor, AuditFilter, MembershipStatus, MunicipalityId, Page, Role, User, UserId};
use ldp_core::services::ServiceError;
use ldp_core::services::workspace::{MembershipInput, ProfileInput, RepresentativeInput, Workspace};
use ldp_core::store::prelude::*;
use ldp_testkit::{TestDb, both_backends};

both_backends!(seeded =>
    a_representative_edits_their_own_profile_and_nobody_elses,
    representatives_are_added_changed_and_removed_with_history,
    memberships_need_the_council_decision_and_stay_unique,
    auditors_and_read_only_actors_change_nothing,
);

const NOW: OffsetDateTime = ldp_testkit::NOW;

async fn representative_of(db: &TestDb, slug: &str) -> Actor {
    let m = db.store.municipality_by_slug(slug).await.unwrap().expect("municipality");
    let user = User {
        id: UserId(900),
        email: format!("temsilci@{slug}.bel.tr"),
        name: String::new(),
        role: Role::Representative,
        municipalities: vec![m.id],
        has_password: true,
        disabled: false,
        created_at: NOW,
        last_login_at: None,
    };
    let mut a = Actor::user(&user, Some("198.51.100.4".into()));
    a.user = None; // no such row; the audit entry then names no user id
    a
}

async fn history(db: &TestDb, record_type: &str, id: &str) -> Vec<ldp_core::domain::AuditEntry> {
    let filter =
        AuditFilter { record_type: Some(record_type.into()), record_id: Some(id.into()), ..Default::default() };
    db.store.list_audit(&filter, Page::first(50)).await.unwrap().items
}

async fn a_representative_edits_their_own_profile_and_nobody_elses(db: TestDb) {
    let w = Workspace::new(db.shared(), ldp_testkit::clock());
    let rep = representative_of(&db, "bursa-nilufer").await;
    let input = ProfileInput {
        website: Some("https://www.nilufer.bel.tr".into()),
        contact_email: Some("disiliskiler@nilufer.bel.tr".into()),
        contact_phone: Some("+90 224 000 00 00".into()),
        about_tr: Some("Nilüfer, Bursa'nın batısında.".into()),
        about_en: None,
    };
    let saved = w.update_profile(&rep, "bursa-nilufer", &input).await.unwrap();
    assert_eq!(saved.website, "https://www.nilufer.bel.tr");
    let m = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().unwrap();
    assert_eq!(db.store.municipality_profile(m.id).await.unwrap().unwrap(), saved);
    let entries = history(&db, "municipality", &m.id.0.to_string()).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].before.as_ref().unwrap()["website"], "");
    assert_eq!(entries[0].after.as_ref().unwrap()["website"], "https://www.nilufer.bel.tr");
    assert_eq!(entries[0].client.as_deref(), Some("198.51.100.4"));
    assert_eq!(entries[0].municipality_id, Some(m.id));

    assert!(matches!(w.update_profile(&rep, "bursa-osmangazi", &input).await, Err(ServiceError::Forbidden)));
    assert!(matches!(w.update_profile(&rep, "atlantis", &input).await, Err(ServiceError::NotFound)));
    let bad = ProfileInput {
        website: Some("javascript:alert(1)".into()),
        contact_email: Some("not mail".into()),
        contact_phone: Some("call me".into()),
        ..ProfileInput::default()
    };
    match w.update_profile(&rep, "bursa-nilufer", &bad).await {
        Err(ServiceError::Invalid(e)) => {
            assert_eq!(e.fields["website"], "invalid_url");
            assert_eq!(e.fields["contact_email"], "invalid_email");
            assert_eq!(e.fields["contact_phone"], "invalid_phone");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(db.store.municipality_profile(m.id).await.unwrap().unwrap(), saved, "a refused edit changes nothing");
    assert_eq!(history(&db, "municipality", &m.id.0.to_string()).await.len(), 1);
}

async fn representatives_are_added_changed_and_removed_with_history(db: TestDb) {
    let w = Workspace::new(db.shared(), ldp_testkit::clock());
    let staff = Actor::system("staff");
    let input = |name: &str| RepresentativeInput {
        name: Some(name.into()),
        title: Some("Dış İlişkiler Müdürü".into()),
        unit: Some("Dış İlişkiler Müdürlüğü".into()),
        email: Some("ozlem@kadikoy.bel.tr".into()),
        phone: Some("+90 216 000 00 00".into()),
        languages: Some("Türkçe, English".into()),
    };
    let z = w.save_representative(&staff, "istanbul-kadikoy", None, &input("Zeynep Şahin")).await.unwrap();
    let c = w.save_representative(&staff, "istanbul-kadikoy", None, &input("Can Çelik")).await.unwrap();
    let m = db.store.municipality_by_slug("istanbul-kadikoy").await.unwrap().unwrap();
    let names: Vec<String> = w.representatives(&m).await.unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["Can Çelik", "Zeynep Şahin"], "Turkish order");
    w.save_representative(&staff, "istanbul-kadikoy", Some(z), &input("Zeynep Şahin Kaya")).await.unwrap();
    let entries = history(&db, "representative", &z.to_string()).await;
    assert_eq!(entries.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["update", "create"]);
    assert_eq!(entries[0].before.as_ref().unwrap()["name"], "Zeynep Şahin");
    assert_eq!(entries[0].after.as_ref().unwrap()["name"], "Zeynep Şahin Kaya");
    match w.save_representative(&staff, "istanbul-kadikoy", None, &RepresentativeInput::default()).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["name"], "required"),
        other => panic!("{other:?}"),
    }
    // Another municipality's representative is not found through this one.
    assert!(matches!(w.save_representative(&staff, "bursa", Some(c), &input("X")).await, Err(ServiceError::NotFound)));
    let other_rep = representative_of(&db, "bursa").await;
    assert!(matches!(
        w.save_representative(&other_rep, "istanbul-kadikoy", Some(c), &input("X")).await,
        Err(ServiceError::Forbidden)
    ));
    w.delete_representative(&staff, "istanbul-kadikoy", c).await.unwrap();
    assert_eq!(w.representatives(&m).await.unwrap().len(), 1);
    let gone = history(&db, "representative", &c.to_string()).await;
    assert_eq!(gone[0].action, "delete");
    assert_eq!(gone[0].before.as_ref().unwrap()["name"], "Can Çelik");
    assert!(gone[0].after.is_none());
}

async fn memberships_need_the_council_decision_and_stay_unique(db: TestDb) {
    let w = Workspace::new(db.shared(), ldp_testkit::clock());
    let rep = representative_of(&db, "bursa-nilufer").await;
    let network = db.store.list_networks().await.unwrap().into_iter().next().unwrap();
    let mut input = MembershipInput {
        network: Some(network.slug.clone()),
        since: Some("2019".into()),
        status: Some("active".into()),
        ..MembershipInput::default()
    };
    match w.save_membership(&rep, "bursa-nilufer", None, &input).await {
        Err(ServiceError::Invalid(e)) => {
            assert_eq!(e.fields["decision_number"], "council_decision_required");
            assert_eq!(e.fields["decision_date"], "council_decision_required");
        }
        other => panic!("{other:?}"),
    }
    input.decision_number = Some("2019/45".into());
    input.decision_date = Some("2019-03-07".into());
    let rid = w
        .save_representative(
            &rep,
            "bursa-nilufer",
            None,
            &RepresentativeInput { name: Some("Ali Er".into()), ..Default::default() },
        )
        .await
        .unwrap();
    input.representative = Some(rid.to_string());
    input.working_groups = Some("Climate, Culture".into());
    let id = w.save_membership(&rep, "bursa-nilufer", None, &input).await.unwrap();
    match w.save_membership(&rep, "bursa-nilufer", None, &input).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["network"], "membership_exists"),
        other => panic!("{other:?}"),
    }
    let m = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().unwrap();
    let listed = w.memberships(&m).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].representative_name.as_deref(), Some("Ali Er"));
    assert_eq!(listed[0].decision_date.map(|d| d.to_string()).as_deref(), Some("2019-03-07"));
    assert!(db.store.network_members(network.id).await.unwrap().iter().any(|x| x.id == id));
    let suspend = MembershipInput { status: Some("suspended".into()), ..input.clone() };
    w.save_membership(&rep, "bursa-nilufer", Some(id), &suspend).await.unwrap();
    assert_eq!(db.store.municipal_membership(id).await.unwrap().unwrap().status, MembershipStatus::Suspended);
    let entries = history(&db, "membership", &id.to_string()).await;
    assert_eq!(entries[0].before.as_ref().unwrap()["status"], "active");
    assert_eq!(entries[0].after.as_ref().unwrap()["status"], "suspended");
    // A representative of another municipality cannot be named, nor a year in the future, nor a bad date.
    let wrong = MembershipInput {
        since: Some("2999".into()),
        decision_date: Some("07.03.2019".into()),
        representative: Some("999999".into()),
        ..input.clone()
    };
    match w.save_membership(&rep, "bursa-nilufer", Some(id), &wrong).await {
        Err(ServiceError::Invalid(e)) => {
            assert_eq!(e.fields["since"], "invalid_year");
            assert_eq!(e.fields["decision_date"], "invalid_date");
            assert_eq!(e.fields["representative"], "unknown_representative");
        }
        other => panic!("{other:?}"),
    }
    // Removing the representative keeps the membership.
    w.delete_representative(&rep, "bursa-nilufer", rid).await.unwrap();
    assert_eq!(db.store.municipal_membership(id).await.unwrap().unwrap().representative_id, None);
    let _ = MunicipalityId(0);
}

async fn auditors_and_read_only_actors_change_nothing(db: TestDb) {
    let w = Workspace::new(db.shared(), ldp_testkit::clock());
    let mut auditor = representative_of(&db, "bursa").await;
    auditor.role = Some(Role::Auditor);
    let input = ProfileInput { website: Some("https://example.org".into()), ..Default::default() };
    assert!(matches!(w.update_profile(&auditor, "bursa", &input).await, Err(ServiceError::Forbidden)));
    let mut token = representative_of(&db, "bursa").await;
    token.read_only = true;
    assert!(matches!(w.update_profile(&token, "bursa", &input).await, Err(ServiceError::Forbidden)));
    let visitor = Actor::visitor(None);
    assert!(matches!(w.update_profile(&visitor, "bursa", &input).await, Err(ServiceError::Forbidden)));
    let m = db.store.municipality_by_slug("bursa").await.unwrap().unwrap();
    assert!(history(&db, "municipality", &m.id.0.to_string()).await.is_empty());
}
