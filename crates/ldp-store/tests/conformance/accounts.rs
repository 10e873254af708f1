//! Accounts: users, sessions, one-time links, sign-in attempts and lockout, API tokens with owners and scopes,
//! and the append-only audit trail.

use async_trait::async_trait;
use std::sync::{Arc, Mutex, OnceLock};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use ldp_core::clock::FixedClock;
use ldp_core::domain::Session;
use ldp_core::domain::{Actor, AuditFilter, Change, Lang, LinkPurpose, Page, Role, UserId};
use ldp_core::jobs::JobStore;
use ldp_core::services::ServiceError;
use ldp_core::services::accounts::{AccountSettings, Accounts, Mail, Mailer, UserInput};
use ldp_core::services::jobs::{JobQueue, JobSettings, Jobs};
use ldp_core::services::tokens::Tokens;
use ldp_core::store::prelude::*;
use ldp_core::store::{AttemptClaim, AttemptLimits, Pruned, StoreError};
use ldp_testkit::{TestDb, both_backends};

both_backends!(seeded =>
    audit_dates_are_istanbul_days_from_midnight_to_midnight,
    users_are_created_once_per_address_and_found_case_insensitively,
    sign_in_starts_a_new_session_and_ends_the_one_it_replaces,
    repeated_failures_lock_the_address_until_the_period_passes,
    a_reset_link_works_once_and_expires,
    an_invitation_sets_name_and_password,
    changing_a_password_ends_the_other_sessions,
    tokens_act_with_their_owners_role_and_scope_until_revoked,
    the_audit_log_is_append_only_and_filterable,
    only_admins_manage_users_and_nobody_demotes_themselves,
    links_die_when_the_password_changes_or_the_user_is_disabled,
    parallel_guesses_cannot_outrun_the_lockout,
    the_actor_filter_takes_wildcards_literally,
    the_filters_the_pages_offer_have_indexes,
    expired_sessions_links_and_old_attempts_are_pruned,
    an_invitation_is_stored_with_its_mail_or_not_at_all,
    reset_requests_are_limited_per_address_and_per_client,
    an_unreadable_password_hash_is_our_failure_not_a_wrong_guess,
    a_mail_that_fails_is_retried_and_nothing_else_is_lost,
    expiry_and_lockout_compare_instants_within_one_second,
    a_tokens_last_use_is_written_at_most_once_a_minute,
);

const NOW: OffsetDateTime = ldp_testkit::NOW;

/// The mails sent, and the job queue's worker that sends them (`deliver`).
#[derive(Default, Clone)]
struct Outbox(Arc<Mutex<Vec<Mail>>>, Arc<OnceLock<Jobs>>);

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: Mail) -> Result<(), String> {
        self.0.lock().unwrap().push(mail);
        Ok(())
    }
}

impl Outbox {
    /// Runs the queued jobs, as the server's worker would after the request.
    async fn deliver(&self) {
        self.1.get().expect("a worker").run_due().await.unwrap();
    }

    /// The token at the end of the last link mailed.
    fn last_token(&self) -> String {
        let mails = self.0.lock().unwrap();
        let body = &mails.last().expect("a mail was sent").body;
        let link = body.split_whitespace().find(|w| w.starts_with("http")).expect("a link");
        link.rsplit('/').next().unwrap().to_owned()
    }
}

fn accounts(db: &TestDb) -> (Accounts, Outbox, Arc<FixedClock>) {
    let outbox = Outbox::default();
    let clock = ldp_testkit::clock();
    let queue = JobQueue::new(db.shared());
    let a = Accounts::new(
        db.shared(),
        clock.clone(),
        Arc::new(outbox.clone()),
        queue.clone(),
        AccountSettings::for_tests(),
    );
    let jobs = Jobs::new(queue, clock.clone(), vec![Arc::new(a.clone())], JobSettings::default());
    assert!(outbox.1.set(jobs).is_ok());
    (a, outbox, clock)
}

fn admin() -> Actor {
    Actor::system("test")
}

fn input(email: &str, role: &str, municipalities: &str) -> UserInput {
    UserInput {
        email: Some(email.into()),
        name: Some("Ayşe Yılmaz".into()),
        role: Some(role.into()),
        municipalities: Some(municipalities.into()),
    }
}

const PASSWORD: &str = "Marmara-1975-birlik";

async fn users_are_created_once_per_address_and_found_case_insensitively(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    let user = a
        .add_user(&admin(), &input("Temsilci@Nilufer.bel.tr", "representative", "bursa-nilufer"), PASSWORD)
        .await
        .unwrap();
    assert_eq!(user.role, Role::Representative);
    assert_eq!(user.municipalities.len(), 1);
    assert!(user.has_password);
    let found = a.user_by_email("  temsilci@nilufer.BEL.tr ").await.unwrap().expect("found");
    assert_eq!(found.id, user.id);
    let stored = db.store.user_by_email("temsilci@nilufer.bel.tr").await.unwrap().unwrap();
    assert!(stored.password_hash.unwrap().starts_with("$argon2id$"), "argon2id, never the password");
    match a.add_user(&admin(), &input("temsilci@nilufer.bel.tr", "staff", ""), PASSWORD).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["email"], "email_taken"),
        other => panic!("{other:?}"),
    }
    match a.add_user(&admin(), &input("x@y.tr", "representative", ""), PASSWORD).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["municipalities"], "municipality_required"),
        other => panic!("{other:?}"),
    }
    match a.add_user(&admin(), &input("not-an-address", "galactic", "atlantis"), "short").await {
        Err(ServiceError::Invalid(e)) => {
            assert_eq!(e.fields["email"], "invalid_email");
            assert_eq!(e.fields["role"], "unknown_role");
            assert_eq!(e.fields["municipalities"], "unknown_municipality");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(db.store.list_users().await.unwrap().len(), 1, "refused users leave nothing behind");
}

async fn sign_in_starts_a_new_session_and_ends_the_one_it_replaces(db: TestDb) {
    let (a, _, clock) = accounts(&db);
    a.add_user(&admin(), &input("staff@mmu.org.tr", "staff", ""), PASSWORD).await.unwrap();
    let first = a.sign_in("staff@mmu.org.tr", PASSWORD, Some("10.0.0.1"), None).await.unwrap();
    assert_eq!(first.cookie.len(), 64);
    assert!(db.store.session(&first.cookie, NOW).await.unwrap().is_none(), "only the hash is stored");
    let (user, session) = a.session(&first.cookie).await.unwrap().expect("live");
    assert_eq!(user.email, "staff@mmu.org.tr");
    assert_eq!(session.csrf_token, first.session.csrf_token);
    let second = a.sign_in("STAFF@mmu.org.tr", PASSWORD, Some("10.0.0.1"), Some(&first.cookie)).await.unwrap();
    assert_ne!(second.cookie, first.cookie, "the session id changes at sign-in");
    assert!(a.session(&first.cookie).await.unwrap().is_none(), "the replaced session is gone");
    assert!(a.session(&second.cookie).await.unwrap().is_some());
    clock.set(NOW + AccountSettings::for_tests().session_lifetime + Duration::seconds(1));
    assert!(a.session(&second.cookie).await.unwrap().is_none(), "sessions expire");
    a.sign_out(&second.cookie).await.unwrap();
    assert!(a.session(&second.cookie).await.unwrap().is_none());
    assert!(db.store.user_by_email("staff@mmu.org.tr").await.unwrap().unwrap().user.last_login_at.is_some());
}

async fn repeated_failures_lock_the_address_until_the_period_passes(db: TestDb) {
    let (a, _, clock) = accounts(&db);
    a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let settings = AccountSettings::for_tests();
    for i in 0..settings.max_failures {
        clock.set(NOW + Duration::seconds(i64::from(i)));
        match a.sign_in("rep@bursa.bel.tr", "wrong-password", Some("10.0.0.2"), None).await {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["email"], "sign_in_failed"),
            other => panic!("{other:?}"),
        }
    }
    let later = NOW + Duration::minutes(1);
    clock.set(later);
    match a.sign_in("rep@bursa.bel.tr", PASSWORD, Some("10.0.0.3"), None).await {
        Err(ServiceError::Locked(until)) => assert!(until > later),
        other => panic!("even the right password waits: {other:?}"),
    }
    clock.set(NOW + settings.lockout + Duration::minutes(1));
    assert!(a.sign_in("rep@bursa.bel.tr", PASSWORD, Some("10.0.0.3"), None).await.is_ok());
    // A success clears the count: one more failure does not lock again.
    assert!(a.sign_in("rep@bursa.bel.tr", "wrong-password", None, None).await.is_err());
    assert!(a.sign_in("rep@bursa.bel.tr", PASSWORD, None, None).await.is_ok());
    // Unknown addresses fail the same way, and are counted too.
    match a.sign_in("nobody@nowhere.tr", PASSWORD, None, None).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["email"], "sign_in_failed"),
        other => panic!("{other:?}"),
    }
}

async fn a_reset_link_works_once_and_expires(db: TestDb) {
    let (a, outbox, clock) = accounts(&db);
    a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let old = a.sign_in("rep@bursa.bel.tr", PASSWORD, None, None).await.unwrap();
    a.request_reset("nobody@example.org", Lang::Tr, None).await.unwrap();
    outbox.deliver().await;
    assert!(outbox.0.lock().unwrap().is_empty(), "no mail for unknown addresses, and no different answer");
    a.request_reset("REP@bursa.bel.tr", Lang::En, None).await.unwrap();
    outbox.deliver().await;
    let mail = outbox.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(mail.to, "rep@bursa.bel.tr");
    assert!(mail.body.contains("/en/password-reset/"));
    let token = outbox.last_token();
    assert!(a.link_user(&token, LinkPurpose::Reset).await.unwrap().is_some());
    assert!(a.link_user(&token, LinkPurpose::Invite).await.unwrap().is_none(), "purposes do not mix");
    match a.redeem(&token, LinkPurpose::Reset, "Yeni-parola-2026", "başka", None, None).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["password_confirm"], "passwords_differ"),
        other => panic!("{other:?}"),
    }
    a.redeem(&token, LinkPurpose::Reset, "Yeni-parola-2026", "Yeni-parola-2026", None, None).await.unwrap();
    assert!(a.session(&old.cookie).await.unwrap().is_none(), "a reset ends every session");
    assert!(matches!(
        a.redeem(&token, LinkPurpose::Reset, "Üçüncü-parola-1", "Üçüncü-parola-1", None, None).await,
        Err(ServiceError::NotFound)
    ));
    assert!(a.sign_in("rep@bursa.bel.tr", "Yeni-parola-2026", None, None).await.is_ok());

    a.request_reset("rep@bursa.bel.tr", Lang::Tr, None).await.unwrap();

    outbox.deliver().await;
    let stale = outbox.last_token();
    clock.set(NOW + AccountSettings::for_tests().reset_lifetime + Duration::seconds(1));
    assert!(matches!(
        a.redeem(&stale, LinkPurpose::Reset, "Geç-kalan-parola", "Geç-kalan-parola", None, None).await,
        Err(ServiceError::NotFound)
    ));
}

async fn an_invitation_sets_name_and_password(db: TestDb) {
    let (a, outbox, _clock) = accounts(&db);
    let user = a
        .invite(&admin(), &input("yeni@kadikoy.bel.tr", "representative", "istanbul-kadikoy"), Lang::Tr)
        .await
        .unwrap();
    assert!(!user.has_password);
    assert!(outbox.0.lock().unwrap().is_empty(), "the mail leaves from the queue, after the commit");
    outbox.deliver().await;
    assert!(outbox.0.lock().unwrap().last().unwrap().body.contains("/tr/invitation/"));
    assert!(a.sign_in("yeni@kadikoy.bel.tr", "", None, None).await.is_err());
    let token = outbox.last_token();
    let done = a
        .redeem(
            &token,
            LinkPurpose::Invite,
            "Kadıköy-dış-ilişkiler",
            "Kadıköy-dış-ilişkiler",
            Some("Zeynep Kaya"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(done.name, "Zeynep Kaya");
    assert!(a.sign_in("yeni@kadikoy.bel.tr", "Kadıköy-dış-ilişkiler", None, None).await.is_ok());
}

async fn changing_a_password_ends_the_other_sessions(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    let user = a.add_user(&admin(), &input("staff@mmu.org.tr", "staff", ""), PASSWORD).await.unwrap();
    let here = a.sign_in("staff@mmu.org.tr", PASSWORD, None, None).await.unwrap();
    let elsewhere = a.sign_in("staff@mmu.org.tr", PASSWORD, None, None).await.unwrap();
    let me = Actor::user(&user, None);
    match a.change_password(&me, Some(&here.cookie), "wrong", "Yeni-parola-2026", "Yeni-parola-2026").await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["current_password"], "wrong_password"),
        other => panic!("{other:?}"),
    }
    a.change_password(&me, Some(&here.cookie), PASSWORD, "Yeni-parola-2026", "Yeni-parola-2026").await.unwrap();
    assert!(a.session(&here.cookie).await.unwrap().is_some(), "this session goes on");
    assert!(a.session(&elsewhere.cookie).await.unwrap().is_none(), "the others end");
}

async fn tokens_act_with_their_owners_role_and_scope_until_revoked(db: TestDb) {
    let (a, _, clock) = accounts(&db);
    let rep = a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let other = a.add_user(&admin(), &input("other@mmu.org.tr", "staff", ""), PASSWORD).await.unwrap();
    let tokens = Tokens::new(db.shared(), clock.clone());
    let me = Actor::user(&rep, None);
    assert!(
        matches!(tokens.create(&me, &other, "not mine", false).await, Err(ServiceError::Forbidden)),
        "nobody creates tokens for somebody else but an admin"
    );
    let (token, secret) = tokens.create(&me, &rep, "  nightly sync ", false).await.unwrap();
    assert_eq!(token.name, "nightly sync");
    assert_eq!(token.owner, Some(rep.id));
    assert!(secret.starts_with("ldp_") && secret.len() == 68);
    assert!(db.store.api_token_by_hash(&secret).await.unwrap().is_none(), "the secret itself is not stored");
    let later = datetime!(2026-11-29 08:00 UTC);
    clock.set(later);
    let actor = tokens.authenticate(&secret, Some("10.1.1.1".into())).await.unwrap().expect("live");
    assert_eq!(actor.role, Some(Role::Representative));
    assert_eq!(actor.user, Some(rep.id));
    assert_eq!(actor.municipalities, rep.municipalities);
    assert!(!actor.read_only && actor.label.starts_with(&format!("token:{}:nightly sync", token.id)));
    assert_eq!(tokens.list(&me, false).await.unwrap()[0].last_used_at, Some(later));
    let (_, read_secret) = tokens.create(&me, &rep, "dashboard", true).await.unwrap();
    let reader = tokens.authenticate(&read_secret, None).await.unwrap().unwrap();
    assert!(reader.read_only && !reader.edits_municipality(rep.municipalities[0]));
    assert!(tokens.authenticate("ldp_nope", None).await.unwrap().is_none());
    assert!(matches!(tokens.revoke(&Actor::user(&other, None), token.id).await, Err(ServiceError::Forbidden)));
    tokens.revoke(&me, token.id).await.unwrap();
    assert!(tokens.authenticate(&secret, None).await.unwrap().is_none());
    assert!(matches!(tokens.revoke(&me, token.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(tokens.create(&me, &rep, "", false).await, Err(ServiceError::Invalid(_))));
    // A disabled owner's tokens stop working.
    let (_, live) = tokens.create(&me, &rep, "still live", false).await.unwrap();
    a.update_user(&admin(), rep.id, &UserInput::default(), true).await.unwrap();
    assert!(tokens.authenticate(&live, None).await.unwrap().is_none());
    let audit = db
        .store
        .export_audit(&AuditFilter { record_type: Some("api_token".into()), ..Default::default() }, 10)
        .await
        .unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "create").count(), 3);
    assert_eq!(audit.iter().filter(|e| e.action == "revoke").count(), 1);
    assert!(audit.iter().all(|e| e.after.as_ref().is_some()));
}

async fn the_audit_log_is_append_only_and_filterable(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    let user = a.add_user(&admin(), &input("staff@mmu.org.tr", "staff", ""), PASSWORD).await.unwrap();
    let change = Change::new(&Actor::user(&user, Some("192.0.2.7".into())), NOW, "update", "municipality")
        .record(42)
        .before(serde_json::json!({"website": ""}))
        .after(serde_json::json!({"website": "https://www.bursa.bel.tr"}));
    let profile = db.store.municipality_profile(ldp_core::domain::MunicipalityId(42)).await.unwrap();
    if let Some(mut p) = profile {
        p.website = "https://www.bursa.bel.tr".into();
        db.store.update_municipality_profile(ldp_core::domain::MunicipalityId(42), &p, &change).await.unwrap();
    }
    let filter =
        AuditFilter { record_type: Some("municipality".into()), record_id: Some("42".into()), ..Default::default() };
    let page = db.store.list_audit(&filter, Page::first(10)).await.unwrap();
    assert_eq!(page.total, 1);
    let e = &page.items[0];
    assert_eq!(
        (e.actor.as_str(), e.client.as_deref(), e.user_id),
        ("staff@mmu.org.tr", Some("192.0.2.7"), Some(user.id))
    );
    assert_eq!(e.at, NOW);
    assert_eq!(e.changed_fields(), vec![("website".into(), String::new(), "https://www.bursa.bel.tr".into())]);
    let by_actor = AuditFilter { actor: Some("STAFF@".to_lowercase()), ..Default::default() };
    assert!(db.store.list_audit(&by_actor, Page::first(10)).await.unwrap().total >= 1);
    let tomorrow = AuditFilter { from: Some(NOW.date().next_day().unwrap()), ..Default::default() };
    assert_eq!(db.store.list_audit(&tomorrow, Page::first(10)).await.unwrap().total, 0);
    let today = AuditFilter { from: Some(NOW.date()), to: Some(NOW.date()), ..filter.clone() };
    assert_eq!(db.store.list_audit(&today, Page::first(10)).await.unwrap().total, 1);
    // The table refuses changes and deletions, whatever the code above it does.
    let store: Arc<ldp_store::SqlStore> = db.store.clone();
    assert!(matches!(
        store.raw_execute("UPDATE audit_log SET actor = 'someone else'").await,
        Err(StoreError::Database(_))
    ));
    assert!(matches!(store.raw_execute("DELETE FROM audit_log").await, Err(StoreError::Database(_))));
    assert_eq!(db.store.list_audit(&filter, Page::first(10)).await.unwrap().items[0].actor, "staff@mmu.org.tr");
}

async fn audit_dates_are_istanbul_days_from_midnight_to_midnight(db: TestDb) {
    let id = ldp_core::domain::MunicipalityId(42);
    // Istanbul is UTC+3: 28 November there runs from 27 November 21:00 UTC to 28 November 21:00 UTC.
    let instants = [
        datetime!(2026-11-27 20:59:59 UTC),
        datetime!(2026-11-27 21:00 UTC),
        datetime!(2026-11-27 23:30 UTC),
        datetime!(2026-11-28 20:59:59 UTC),
        datetime!(2026-11-28 21:00 UTC),
    ];
    for (i, at) in instants.iter().enumerate() {
        let mut profile = db.store.municipality_profile(id).await.unwrap().expect("seeded member");
        profile.website = format!("https://example.org/{i}");
        let change = Change::new(&Actor::system("test"), *at, "update", "municipality").record(42);
        db.store.update_municipality_profile(id, &profile, &change).await.unwrap();
    }
    let day = datetime!(2026-11-28 00:00 UTC).date();
    let filter = AuditFilter {
        record_type: Some("municipality".into()),
        record_id: Some("42".into()),
        from: Some(day),
        to: Some(day),
        ..Default::default()
    };
    let found = db.store.list_audit(&filter, Page::first(10)).await.unwrap();
    let mut at: Vec<OffsetDateTime> = found.items.iter().map(|e| e.at).collect();
    at.sort();
    assert_eq!(at, instants[1..4].to_vec(), "00:00 to 23:59:59 in Istanbul, nothing from the days around it");
    let exported = db.store.export_audit(&filter, 10).await.unwrap();
    assert_eq!(exported.len(), 3);
}

async fn only_admins_manage_users_and_nobody_demotes_themselves(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    let boss = a.add_user(&admin(), &input("admin@mmu.org.tr", "admin", ""), PASSWORD).await.unwrap();
    let staff = a.add_user(&admin(), &input("staff@mmu.org.tr", "staff", ""), PASSWORD).await.unwrap();
    let staff_actor = Actor::user(&staff, None);
    // Staff invite, but not admins, and change nobody's role.
    assert!(a.invite(&staff_actor, &input("rep@bursa.bel.tr", "representative", "bursa"), Lang::Tr).await.is_ok());
    match a.invite(&staff_actor, &input("boss2@mmu.org.tr", "admin", ""), Lang::Tr).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["role"], "role_not_allowed"),
        other => panic!("{other:?}"),
    }
    let promote = UserInput { role: Some("admin".into()), ..UserInput::default() };
    assert!(matches!(a.update_user(&staff_actor, staff.id, &promote, false).await, Err(ServiceError::Forbidden)));
    let auditor = a.add_user(&admin(), &input("denetci@mmu.org.tr", "auditor", ""), PASSWORD).await.unwrap();
    assert!(matches!(
        a.invite(&Actor::user(&auditor, None), &input("x@y.tr", "staff", ""), Lang::Tr).await,
        Err(ServiceError::Forbidden)
    ));
    let boss_actor = Actor::user(&boss, None);
    let demote = UserInput { role: Some("staff".into()), ..UserInput::default() };
    match a.update_user(&boss_actor, boss.id, &demote, false).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["role"], "cannot_demote_self"),
        other => panic!("{other:?}"),
    }
    let rep_role = UserInput {
        role: Some("representative".into()),
        municipalities: Some("bursa, bursa-nilufer".into()),
        ..UserInput::default()
    };
    let changed = a.update_user(&boss_actor, staff.id, &rep_role, false).await.unwrap();
    assert_eq!((changed.role, changed.municipalities.len()), (Role::Representative, 2));
    let history = db
        .store
        .list_audit(
            &AuditFilter {
                record_type: Some("user".into()),
                record_id: Some(staff.id.0.to_string()),
                ..Default::default()
            },
            Page::first(10),
        )
        .await
        .unwrap();
    let update = history.items.iter().find(|e| e.action == "update").expect("audited");
    assert_eq!(update.before.as_ref().unwrap()["role"], "staff");
    assert_eq!(update.after.as_ref().unwrap()["role"], "representative");
    let _ = UserId(0);
}

async fn links_die_when_the_password_changes_or_the_user_is_disabled(db: TestDb) {
    let (a, outbox, _clock) = accounts(&db);
    let rep = a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let me = Actor::user(&rep, None);
    // A link mailed before the owner changes the password is dead afterwards.
    a.request_reset("rep@bursa.bel.tr", Lang::Tr, None).await.unwrap();
    outbox.deliver().await;
    let before_change = outbox.last_token();
    a.change_password(&me, None, PASSWORD, "Yeni-parola-2026", "Yeni-parola-2026").await.unwrap();
    assert!(a.link_user(&before_change, LinkPurpose::Reset).await.unwrap().is_none());
    assert!(matches!(
        a.redeem(&before_change, LinkPurpose::Reset, "Saldırgan-parola-1", "Saldırgan-parola-1", None, None).await,
        Err(ServiceError::NotFound)
    ));
    // The same after an administrator sets the password.
    a.request_reset("rep@bursa.bel.tr", Lang::Tr, None).await.unwrap();
    outbox.deliver().await;
    let before_set = outbox.last_token();
    a.set_password(&admin(), "rep@bursa.bel.tr", "Üçüncü-parola-2026").await.unwrap();
    assert!(a.link_user(&before_set, LinkPurpose::Reset).await.unwrap().is_none());
    // And after the user is disabled.
    a.request_reset("rep@bursa.bel.tr", Lang::Tr, None).await.unwrap();
    outbox.deliver().await;
    let before_disable = outbox.last_token();
    a.update_user(&admin(), rep.id, &UserInput::default(), true).await.unwrap();
    assert!(a.link_user(&before_disable, LinkPurpose::Reset).await.unwrap().is_none());
    assert!(a.sign_in("rep@bursa.bel.tr", "Üçüncü-parola-2026", None, None).await.is_err());
}

async fn parallel_guesses_cannot_outrun_the_lockout(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let limit = AccountSettings::for_tests().max_failures as usize;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..50 {
        let a = a.clone();
        // Each from its own client address, so only the per-address limit can stop them.
        guesses.spawn(async move {
            a.sign_in("rep@bursa.bel.tr", "wrong-password", Some(&format!("10.9.0.{i}")), None).await
        });
    }
    let (mut verified, mut locked) = (0, 0);
    while let Some(outcome) = guesses.join_next().await {
        match outcome.unwrap() {
            Err(ServiceError::Invalid(e)) if e.fields["email"] == "sign_in_failed" => verified += 1,
            Err(ServiceError::Locked(_)) => locked += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(verified, limit, "exactly the allowed number of guesses reached the password check");
    assert_eq!(locked, 50 - limit);
    // The right password, last, waits too.
    assert!(matches!(
        a.sign_in("rep@bursa.bel.tr", PASSWORD, Some("10.9.1.1"), None).await,
        Err(ServiceError::Locked(_))
    ));
}

async fn the_actor_filter_takes_wildcards_literally(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    for (email, site) in [("rep_1@mmu.org.tr", "https://a.example"), ("repx1@mmu.org.tr", "https://b.example")] {
        let user = a.add_user(&admin(), &input(email, "staff", ""), PASSWORD).await.unwrap();
        let change = Change::new(&Actor::user(&user, None), NOW, "update", "municipality").record(42);
        let mut profile = db.store.municipality_profile(ldp_core::domain::MunicipalityId(42)).await.unwrap().unwrap();
        profile.website = site.into();
        db.store.update_municipality_profile(ldp_core::domain::MunicipalityId(42), &profile, &change).await.unwrap();
    }
    let by = |actor: &str| AuditFilter { actor: Some(actor.into()), ..Default::default() };
    let found = db.store.list_audit(&by("rep_1"), Page::first(10)).await.unwrap();
    assert_eq!(found.items.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(), ["rep_1@mmu.org.tr"]);
    assert_eq!(db.store.list_audit(&by("rep%1"), Page::first(10)).await.unwrap().total, 0);
    assert_eq!(db.store.list_audit(&by("\\"), Page::first(10)).await.unwrap().total, 0);
    assert_eq!(db.store.list_audit(&by("repx1"), Page::first(10)).await.unwrap().total, 1);
}

/// Each filter the audit and relations pages offer can be served by an index (the plan is read with
/// sequential scans priced out, so it answers "can an index serve this?" whatever the table's size).
async fn the_filters_the_pages_offer_have_indexes(db: TestDb) {
    let postgres = db.store.backend() == ldp_core::store::Backend::Postgres;
    let mut cases = vec![
        ("SELECT id FROM audit_log WHERE at >= '2026-11-01T00:00:00Z' ORDER BY at, id LIMIT 25", "audit_log_at"),
        ("SELECT id FROM audit_log WHERE action = 'update' ORDER BY id LIMIT 25", "audit_log_action"),
        (
            "SELECT id FROM partnership WHERE trail_incomplete = TRUE \
             ORDER BY member_sort_key, partner_sort_key, id LIMIT 25",
            "partnership_trail",
        ),
        ("SELECT id FROM partnership_event WHERE partnership_id = 1 AND stage = 'proposed'", "partnership_event_stage"),
    ];
    if postgres {
        // SQLite cannot use an index for LIKE on an expression; PostgreSQL's pattern index serves the prefix.
        cases.push(("SELECT id FROM audit_log WHERE LOWER(actor) LIKE 'staff@%' ESCAPE '\\'", "audit_log_actor"));
    }
    for (sql, index) in cases {
        let plan = db.store.query_plan(sql).await.unwrap();
        assert!(plan.contains(index), "{sql}\nshould use {index}:\n{plan}");
    }
}

async fn expired_sessions_links_and_old_attempts_are_pruned(db: TestDb) {
    let (a, outbox, clock) = accounts(&db);
    a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let old = a.sign_in("rep@bursa.bel.tr", PASSWORD, Some("10.0.0.1"), None).await.unwrap();
    assert!(a.sign_in("rep@bursa.bel.tr", "wrong-password", Some("10.0.0.1"), None).await.is_err());
    a.request_reset("rep@bursa.bel.tr", Lang::Tr, None).await.unwrap();
    outbox.deliver().await;
    let stale_link = outbox.last_token();
    assert_eq!(a.prune().await.unwrap(), Pruned::default(), "nothing has expired yet");
    clock.set(NOW + ldp_core::services::accounts::ATTEMPT_RETENTION + Duration::days(1));
    a.request_reset("rep@bursa.bel.tr", Lang::Tr, None).await.unwrap();
    outbox.deliver().await;
    let live_link = outbox.last_token();
    let pruned = a.prune().await.unwrap();
    assert_eq!(pruned, Pruned { sessions: 1, links: 1, attempts: 2 }, "the old session, link and two attempts");
    assert_eq!(a.prune().await.unwrap(), Pruned::default(), "a second run finds nothing");
    let fresh = a.sign_in("rep@bursa.bel.tr", PASSWORD, Some("10.0.0.1"), None).await.unwrap();
    assert_eq!(a.prune().await.unwrap(), Pruned::default(), "a live session and a recent attempt stay");
    assert!(a.session(&fresh.cookie).await.unwrap().is_some());
    assert!(a.session(&old.cookie).await.unwrap().is_none());
    assert!(a.link_user(&live_link, LinkPurpose::Reset).await.unwrap().is_some(), "live links stay");
    assert!(a.link_user(&stale_link, LinkPurpose::Reset).await.unwrap().is_none());
}

async fn an_invitation_is_stored_with_its_mail_or_not_at_all(db: TestDb) {
    let (a, outbox, _clock) = accounts(&db);
    // The mailer's own parser refuses this; so does the form, before anything is stored.
    for bad in ["@SUM(1+2)@evil.example", "a b@c.tr", "x@y"] {
        match a.invite(&admin(), &input(bad, "staff", ""), Lang::Tr).await {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["email"], "invalid_email", "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(a.users(&admin()).await.unwrap().is_empty(), "no half-made account");
    a.invite(&admin(), &input("yeni@mmu.org.tr", "staff", ""), Lang::Tr).await.unwrap();
    // The second invitation of the same address is refused whole: no second mail is queued.
    assert!(a.invite(&admin(), &input("YENI@mmu.org.tr", "staff", ""), Lang::Tr).await.is_err());
    let queued = db.store.jobs(&ldp_core::jobs::JobFilter::default()).await.unwrap();
    assert_eq!(queued.total, 1);
    assert_eq!(queued.items[0].kind, "invitation");
    outbox.deliver().await;
    assert_eq!(outbox.0.lock().unwrap().len(), 1);
    // Reset requests for addresses the mailer would refuse get a field error, never a server error.
    match a.request_reset("@SUM(1+2)@evil.example", Lang::Tr, None).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["email"], "invalid_email"),
        other => panic!("{other:?}"),
    }
}

async fn reset_requests_are_limited_per_address_and_per_client(db: TestDb) {
    let (a, outbox, clock) = accounts(&db);
    a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let per_address = AccountSettings::for_tests().reset_per_address;
    for _ in 0..per_address {
        a.request_reset("rep@bursa.bel.tr", Lang::Tr, Some("10.0.0.1")).await.unwrap();
    }
    let refused = a.request_reset("REP@bursa.bel.tr", Lang::Tr, Some("10.0.0.2")).await;
    assert!(matches!(refused, Err(ServiceError::RateLimited)), "{refused:?}");
    // Unknown addresses are limited the same way, so the limit tells nothing either.
    for _ in 0..per_address {
        a.request_reset("nobody@example.org", Lang::Tr, Some("10.0.0.3")).await.unwrap();
    }
    assert!(matches!(a.request_reset("nobody@example.org", Lang::Tr, None).await, Err(ServiceError::RateLimited)));
    // One client cannot spray many addresses either.
    let per_client = AccountSettings::for_tests().reset_per_client;
    let mut accepted = 0;
    for i in 0..per_client + 5 {
        accepted += u32::from(a.request_reset(&format!("x{i}@example.org"), Lang::Tr, Some("10.9.9.9")).await.is_ok());
    }
    assert_eq!(accepted, per_client);
    outbox.deliver().await;
    assert_eq!(outbox.0.lock().unwrap().len() as u32, per_address, "mail only to the real account");
    clock.set(NOW + AccountSettings::for_tests().reset_window + Duration::seconds(1));
    a.request_reset("rep@bursa.bel.tr", Lang::Tr, Some("10.0.0.1")).await.unwrap();
}

async fn an_unreadable_password_hash_is_our_failure_not_a_wrong_guess(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    db.store
        .raw_execute("UPDATE app_user SET password_hash = '$argon2id$broken' WHERE email_folded = 'rep@bursa.bel.tr'")
        .await
        .unwrap();
    for _ in 0..AccountSettings::for_tests().max_failures + 2 {
        let reply = a.sign_in("rep@bursa.bel.tr", PASSWORD, Some("10.0.0.1"), None).await;
        assert!(matches!(reply, Err(ServiceError::Internal(_))), "{reply:?}");
    }
    a.set_password(&admin(), "rep@bursa.bel.tr", "Onarılmış-parola-1").await.unwrap();
    assert!(
        a.sign_in("rep@bursa.bel.tr", "Onarılmış-parola-1", Some("10.0.0.1"), None).await.is_ok(),
        "our failures locked nobody out"
    );
}

/// A mailer that refuses its first `n` mails.
#[derive(Clone)]
struct Refusing(Arc<Mutex<u32>>, Outbox);

#[async_trait]
impl Mailer for Refusing {
    async fn send(&self, mail: Mail) -> Result<(), String> {
        let refuse = {
            let mut left = self.0.lock().unwrap();
            let refuse = *left > 0;
            *left = left.saturating_sub(1);
            refuse
        };
        if refuse {
            return Err("421 try again later".into());
        }
        self.1.send(mail).await
    }
}

async fn a_mail_that_fails_is_retried_and_nothing_else_is_lost(db: TestDb) {
    let outbox = Outbox::default();
    let clock = ldp_testkit::clock();
    let queue = JobQueue::new(db.shared());
    let mailer = Refusing(Arc::new(Mutex::new(1)), outbox.clone());
    let a = Accounts::new(db.shared(), clock.clone(), Arc::new(mailer), queue.clone(), AccountSettings::for_tests());
    let jobs = Jobs::new(queue, clock.clone(), vec![Arc::new(a.clone())], JobSettings::default());
    let user = a.invite(&admin(), &input("yeni@mmu.org.tr", "staff", ""), Lang::Tr).await.unwrap();
    assert_eq!(jobs.run_due().await.unwrap(), 1);
    assert!(outbox.0.lock().unwrap().is_empty());
    let listed = db.store.jobs(&ldp_core::jobs::JobFilter::default()).await.unwrap().items;
    assert_eq!(listed[0].last_error.as_deref(), Some("421 try again later"));
    assert!(a.user_by_email("yeni@mmu.org.tr").await.unwrap().is_some(), "the account stays, waiting for its mail");
    clock.set(NOW + JobSettings::default().delay_after(1));
    assert_eq!(jobs.run_due().await.unwrap(), 1);
    let token = outbox.last_token();
    let done = a.redeem(&token, LinkPurpose::Invite, "Yeni-parola-2026", "Yeni-parola-2026", None, None).await.unwrap();
    assert_eq!(done.id, user.id);
}
/// A whole second and half a second past it (`…:00Z` and `…:00.5Z` as sqlx used to write them on SQLite,
/// where the first sorted after the second) compare as the instants they are: expiry and the lockout window
/// are right at the sub-second boundary.
async fn expiry_and_lockout_compare_instants_within_one_second(db: TestDb) {
    let (a, _, _clock) = accounts(&db);
    let user = a.add_user(&admin(), &input("staff@mmu.org.tr", "staff", ""), PASSWORD).await.unwrap().id;
    let half = Duration::milliseconds(500);
    let session = |expires_at| Session {
        user_id: user,
        csrf_token: "c".into(),
        created_at: NOW - Duration::hours(1),
        expires_at,
    };
    db.store.create_session("ends-half-past", &session(NOW + half), None, None).await.unwrap();
    db.store.create_session("ends-on-the-second", &session(NOW), None, None).await.unwrap();
    assert!(db.store.session("ends-half-past", NOW).await.unwrap().is_some(), "live until half past");
    assert!(db.store.session("ends-half-past", NOW + half).await.unwrap().is_none());
    assert!(db.store.session("ends-on-the-second", NOW + half).await.unwrap().is_none(), "over half a second ago");
    assert!(db.store.session("ends-on-the-second", NOW - half).await.unwrap().is_some());

    db.store
        .create_link("link-half-past", user, LinkPurpose::Reset, NOW - Duration::hours(1), NOW + half)
        .await
        .unwrap();
    db.store.create_link("link-on-the-second", user, LinkPurpose::Reset, NOW - Duration::hours(1), NOW).await.unwrap();
    assert_eq!(db.store.link_user("link-half-past", LinkPurpose::Reset, NOW).await.unwrap(), Some(user));
    assert_eq!(db.store.link_user("link-on-the-second", LinkPurpose::Reset, NOW + half).await.unwrap(), None);
    let pruned = db.store.prune_expired(NOW + Duration::milliseconds(250), NOW - Duration::days(30)).await.unwrap();
    assert_eq!((pruned.sessions, pruned.links), (1, 1), "only what ended on the second is pruned at a quarter past");

    // Failures half a second into the window count; the window starts on the whole second.
    let limits = AttemptLimits { since: NOW, per_address: 2, per_client: 100 };
    for _ in 0..2 {
        let claim = db.store.claim_sign_in_attempt("rep@bursa.bel.tr", None, NOW + half, &limits).await.unwrap();
        assert!(matches!(claim, AttemptClaim::Granted(_)));
    }
    match db.store.claim_sign_in_attempt("rep@bursa.bel.tr", None, NOW + half, &limits).await.unwrap() {
        AttemptClaim::Locked { last } => assert_eq!(last, Some(NOW + half)),
        other => panic!("two failures at half past are inside a window that starts on the second: {other:?}"),
    }
    let later = AttemptLimits { since: NOW + Duration::milliseconds(750), ..limits };
    let claim = db.store.claim_sign_in_attempt("rep@bursa.bel.tr", None, NOW + Duration::seconds(1), &later).await;
    assert!(matches!(claim.unwrap(), AttemptClaim::Granted(_)), "failures before the window do not count");
}

/// API reads stay reads: authenticating writes the token's "last used" only when the stored one is a minute
/// old or more.
async fn a_tokens_last_use_is_written_at_most_once_a_minute(db: TestDb) {
    let (a, _, clock) = accounts(&db);
    let rep = a.add_user(&admin(), &input("rep@bursa.bel.tr", "representative", "bursa"), PASSWORD).await.unwrap();
    let tokens = Tokens::new(db.shared(), clock.clone());
    let (token, secret) = tokens.create(&Actor::user(&rep, None), &rep, "sync", true).await.unwrap();
    let last_used = || async { db.store.api_token(token.id).await.unwrap().unwrap().last_used_at };
    assert_eq!(last_used().await, None);
    for (after, expected) in [(0, 0), (30, 0), (59, 0), (60, 60), (61, 60), (119, 60), (125, 125)] {
        clock.set(NOW + Duration::seconds(after));
        assert!(tokens.authenticate(&secret, None).await.unwrap().is_some());
        assert_eq!(last_used().await, Some(NOW + Duration::seconds(expected)), "{after} s after the first use");
    }
}
