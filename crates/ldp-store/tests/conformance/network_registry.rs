//! The networks registry: a representative proposes a network, staff approve it, and only then is it public
//! and open to memberships. The union's own networks are untouched; every change is audited.

use ldp_core::domain::{
    Actor, AuditFilter, Change, MunicipalityId, NetworkId, NewUser, Page, RegistryStatus, Role, UserId,
};
use ldp_core::services::ServiceError;
use ldp_core::services::networks::{NetworkInput, Networks};
use ldp_core::services::workspace::{MembershipInput, Workspace};
use ldp_core::store::prelude::*;
use ldp_testkit::{TestDb, both_backends};

both_backends!(seeded =>
    a_proposal_is_seen_by_staff_and_its_proposer_and_public_once_approved,
    memberships_name_approved_registry_networks_only,
    the_registry_refuses_bad_input_duplicates_and_the_wrong_roles,
);

async fn actor(db: &TestDb, email: &str, role: Role, municipalities: &[&str]) -> Actor {
    let mut ids: Vec<MunicipalityId> = Vec::new();
    for slug in municipalities {
        ids.push(db.store.municipality_by_slug(slug).await.unwrap().expect("municipality").id);
    }
    let new = NewUser {
        email: email.into(),
        email_folded: email.into(),
        name: format!("Test {}", role.as_str()),
        role,
        municipalities: ids,
        password_hash: None,
    };
    let change = Change::new(&Actor::system("test"), ldp_testkit::NOW, "create", "user");
    let id: UserId = db.store.create_user(&new, &change).await.unwrap();
    Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None)
}

fn eurocities() -> NetworkInput {
    NetworkInput {
        acronym: Some("EUROCITIES".into()),
        name_tr: Some("Avrupa Büyük Şehirler Ağı".into()),
        name_en: Some("Network of major European cities".into()),
        founded: Some("1986".into()),
        headquarters: Some("Brüksel".into()),
        hq_country: Some("be".into()),
        website: Some("https://eurocities.eu".into()),
        aims_tr: Some("Büyük şehirlerin sesini Avrupa'da duyurmak.".into()),
        aims_en: None,
    }
}

async fn a_proposal_is_seen_by_staff_and_its_proposer_and_public_once_approved(db: TestDb) {
    let networks = Networks::new(db.shared(), ldp_testkit::clock());
    let rep = actor(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let other = actor(&db, "rep@osmangazi.bel.tr", Role::Representative, &["bursa-osmangazi"]).await;
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let auditor = actor(&db, "denetci@mmu.org.tr", Role::Auditor, &[]).await;
    let union_networks = db.store.list_networks().await.unwrap().len();

    let proposed = networks.propose(&rep, &eurocities()).await.unwrap();
    assert_eq!(proposed.status, RegistryStatus::Proposed);
    assert_eq!(proposed.slug, "eurocities");
    assert_eq!(proposed.fields.hq_country, "BE");
    assert_eq!(proposed.proposed_by, rep.user);
    for who in [&rep, &staff, &auditor] {
        assert_eq!(networks.list(who).await.unwrap().len(), 1, "{:?} sees the proposal", who.role);
    }
    assert!(networks.list(&other).await.unwrap().is_empty(), "another representative does not");
    assert!(networks.list(&Actor::visitor(None)).await.unwrap().is_empty());
    assert!(matches!(networks.get(&other, proposed.id).await, Err(ServiceError::NotFound)));
    assert!(db.store.network_by_slug("eurocities").await.unwrap().is_none(), "not public yet");

    // The proposer may still correct it; approval is the staff's.
    let mut corrected = eurocities();
    corrected.aims_en = Some("To make major cities heard in Europe.".into());
    networks.update(&rep, proposed.id, &corrected).await.unwrap();
    assert!(matches!(networks.approve(&rep, proposed.id).await, Err(ServiceError::Forbidden)));
    let approved = networks.approve(&staff, proposed.id).await.unwrap();
    assert_eq!(approved.status, RegistryStatus::Approved);
    assert!(matches!(networks.approve(&staff, proposed.id).await, Err(ServiceError::Conflict(_))));
    assert!(matches!(networks.update(&rep, proposed.id, &eurocities()).await, Err(ServiceError::Forbidden)));
    assert_eq!(networks.list(&other).await.unwrap().len(), 1, "public once approved");
    let public = db.store.network_by_slug("eurocities").await.unwrap().expect("its public page");
    assert_eq!(public.aims.en, "To make major cities heard in Europe.");
    assert!(public.membership.is_none(), "not one of the union's own");
    assert_eq!(db.store.list_networks().await.unwrap().len(), union_networks, "the union's networks stay as they are");

    let filter = AuditFilter {
        record_type: Some("network".into()),
        record_id: Some(proposed.id.0.to_string()),
        ..Default::default()
    };
    let entries = db.store.list_audit(&filter, Page::first(10)).await.unwrap().items;
    let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["propose", "update", "approve"]);
    assert_eq!(entries[0].after.as_ref().unwrap()["status"], "approved");
}

async fn memberships_name_approved_registry_networks_only(db: TestDb) {
    let networks = Networks::new(db.shared(), ldp_testkit::clock());
    let workspace = Workspace::new(db.shared(), ldp_testkit::clock());
    let rep = actor(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let proposed = networks.propose(&rep, &eurocities()).await.unwrap();
    let membership = MembershipInput {
        network: Some(proposed.slug.clone()),
        since: Some("2021".into()),
        status: Some("active".into()),
        decision_number: Some("2021/88".into()),
        decision_date: Some("2021-03-04".into()),
        ..MembershipInput::default()
    };
    match workspace.save_membership(&rep, "bursa-nilufer", None, &membership).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["network"], "unknown_network"),
        other => panic!("a proposal carries no membership: {other:?}"),
    }
    networks.approve(&staff, proposed.id).await.unwrap();
    let id = workspace.save_membership(&rep, "bursa-nilufer", None, &membership).await.unwrap();
    let nilufer = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().unwrap();
    let saved = db.store.municipal_memberships(nilufer.id).await.unwrap();
    let m = saved.iter().find(|m| m.id == id).expect("the membership");
    assert_eq!(m.network_id, NetworkId(proposed.id.0));
    assert_eq!(m.network_slug, "eurocities");
    assert_eq!(db.store.network_members(proposed.id).await.unwrap().len(), 1);
}

async fn the_registry_refuses_bad_input_duplicates_and_the_wrong_roles(db: TestDb) {
    let networks = Networks::new(db.shared(), ldp_testkit::clock());
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let auditor = actor(&db, "denetci@mmu.org.tr", Role::Auditor, &[]).await;
    let bad = NetworkInput {
        name_tr: Some(" ".into()),
        founded: Some("3025".into()),
        hq_country: Some("ZZ".into()),
        website: Some("ftp://example.org".into()),
        ..NetworkInput::default()
    };
    match networks.propose(&staff, &bad).await {
        Err(ServiceError::Invalid(e)) => {
            assert_eq!(e.fields["name_tr"], "required");
            assert_eq!(e.fields["founded"], "invalid_year");
            assert_eq!(e.fields["headquarters"], "required");
            assert_eq!(e.fields["hq_country"], "unknown_country");
            assert_eq!(e.fields["website"], "invalid_url");
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let added = networks.propose(&staff, &eurocities()).await.unwrap();
    assert_eq!(added.status, RegistryStatus::Approved, "staff's own additions need no approval");
    match networks.propose(&staff, &eurocities()).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["acronym"], "network_exists"),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    // The union's own networks' slugs are taken too.
    let iclei = NetworkInput { acronym: Some("ICLEI".into()), ..eurocities() };
    assert!(matches!(networks.propose(&staff, &iclei).await, Err(ServiceError::Invalid(_))));
    assert!(matches!(networks.propose(&auditor, &eurocities()).await, Err(ServiceError::Forbidden)));
    let mut read_only = staff.clone();
    read_only.read_only = true;
    assert!(matches!(networks.propose(&read_only, &eurocities()).await, Err(ServiceError::Forbidden)));
    assert!(matches!(networks.propose(&Actor::visitor(None), &eurocities()).await, Err(ServiceError::Forbidden)));
    // The union's own networks are not the registry's to edit.
    let union_net = db.store.network_by_slug("iclei").await.unwrap().expect("ICLEI");
    assert!(matches!(networks.update(&staff, union_net.id, &eurocities()).await, Err(ServiceError::NotFound)));
}
