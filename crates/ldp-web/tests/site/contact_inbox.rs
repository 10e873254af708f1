//! The contact inbox in the workspace: a message from the form is worked from new to closed (assignee,
//! internal note, a reply mailed to the sender and kept), the dashboard counts open messages, filters narrow
//! the list, bad input comes back beside its field, and who may do what (visitors, representatives,
//! auditors, staff, admins), a refused write leaving the audit log as it was.

use axum::http::StatusCode;
use scraper::Html;

use ldp_core::domain::contact::{MessageFilter, MessageStatus, NoteKind};
use ldp_core::domain::{Actor, AuditFilter, Page};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    staff_work_a_message_from_new_to_closed_and_the_reply_is_kept,
    filters_narrow_the_inbox_and_bad_ones_are_named,
    bad_inbox_input_comes_back_beside_its_field,
    each_role_may_do_what_the_rules_say_and_no_more,
    the_api_reads_and_works_the_inbox_by_role,
);

/// A message as the form stores it, through the service (the form's own tests cover the form).
async fn message(app: &TestApp, topic: &str, email: &str) -> i64 {
    let input = ldp_core::domain::contact::ContactInput {
        name: Some("Ayşe Yılmaz".into()),
        email: Some(email.into()),
        organisation: Some("Örnek Derneği".into()),
        municipality: None,
        topic: Some(topic.into()),
        message: Some("Kardeş şehir başvurusu hakkında bilgi rica ediyorum.".into()),
        consent: Some("yes".into()),
    };
    app.state.contact.send(&input, ldp_core::domain::Lang::Tr, None, &Actor::visitor(None)).await.unwrap();
    let all = app
        .state
        .contact
        .inbox(&Actor::system("test"), &MessageFilter { page: Page::first(100), ..Default::default() })
        .await
        .unwrap();
    all.items.iter().find(|m| m.email == email).unwrap().id
}

async fn audit_total(app: &TestApp) -> u64 {
    app.state.store.list_audit(&AuditFilter::default(), Page::first(1)).await.unwrap().total
}

async fn staff_work_a_message_from_new_to_closed_and_the_reply_is_kept(db: TestDb) {
    let app = TestApp::new(db).await;
    let staff = app.user("personel@marmara.gov.tr", "staff", "").await;
    let browser = app.sign_in("personel@marmara.gov.tr").await;
    let id = message(&app, "membership", "ayse@example.org").await;
    app.deliver().await;
    let dashboard = Html::parse_document(&app.get_as("/tr/workspace", &browser).await.body);
    assert!(text(&dashboard, ".open-messages").contains('1'), "{}", text(&dashboard, ".open-messages"));
    let inbox = app.get_as("/tr/workspace/inbox", &browser).await;
    assert_eq!(inbox.status, StatusCode::OK);
    let html = Html::parse_document(&inbox.body);
    assert!(hrefs(&html, "table.inbox a").contains(&format!("/tr/workspace/inbox/{id}")));
    assert!(text(&html, "table.inbox").contains("bugün"), "the age: {}", text(&html, "table.inbox"));
    let uri = format!("/tr/workspace/inbox/{id}");
    let page = Html::parse_document(&app.get_as(&uri, &browser).await.body);
    assert!(text(&page, ".message-body").contains("Kardeş şehir"));
    // Assigned to someone: the message becomes assigned.
    let staff_id = staff.id.0.to_string();
    let assigned =
        app.form(&format!("{uri}/status"), Some(&browser), &[("status", "new"), ("assignee", &staff_id)]).await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
    let (m, _) = app.state.contact.message(&Actor::system("test"), id).await.unwrap();
    assert_eq!((m.status, m.assignee_id), (MessageStatus::New, Some(staff.id)), "the status chosen stands");
    let assigned =
        app.form(&format!("{uri}/status"), Some(&browser), &[("status", "assigned"), ("assignee", &staff_id)]).await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER);
    let mine = Html::parse_document(&app.get_as("/tr/workspace/inbox?assignee=me", &browser).await.body);
    assert_eq!(texts(&mine, "table.inbox tbody tr").len(), 1);
    // An internal note, then a reply by e-mail.
    let note = app.form(&format!("{uri}/notes"), Some(&browser), &[("body", "Üyelik birimine soruldu.")]).await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let reply =
        app.form(&format!("{uri}/reply"), Some(&browser), &[("body", "Merhaba, üyelik koşulları ektedir.")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(app.deliver().await, 1);
    let mail = app.mail.last_to("ayse@example.org").expect("the reply was mailed");
    assert!(mail.body.contains("üyelik koşulları") && mail.subject.contains(&m.reference), "{mail:?}");
    let (m, notes) = app.state.contact.message(&Actor::system("test"), id).await.unwrap();
    assert_eq!(m.status, MessageStatus::Answered);
    assert_eq!(notes.iter().map(|n| n.kind).collect::<Vec<_>>(), vec![NoteKind::Note, NoteKind::Reply]);
    assert_eq!(notes[1].author_label, "personel@marmara.gov.tr");
    let page = Html::parse_document(&app.get_as(&uri, &browser).await.body);
    assert!(text(&page, ".notes").contains("üyelik koşulları"), "the reply is kept with the message");
    // Closed: the dashboard's count falls; no further reply can go out.
    let closed =
        app.form(&format!("{uri}/status"), Some(&browser), &[("status", "closed"), ("assignee", &staff_id)]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let dashboard = Html::parse_document(&app.get_as("/tr/workspace", &browser).await.body);
    assert!(text(&dashboard, ".open-messages").contains('0'));
    let late = app.form(&format!("{uri}/reply"), Some(&browser), &[("body", "Bir şey daha")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(!text(&Html::parse_document(&late.body), ".form-message").is_empty());
    // Every step is in the audit log, without what anyone wrote.
    let entries = app
        .state
        .store
        .list_audit(
            &AuditFilter {
                record_type: Some("contact_message".into()),
                record_id: Some(id.to_string()),
                ..Default::default()
            },
            Page::first(20),
        )
        .await
        .unwrap();
    assert_eq!(entries.items.len(), 5, "created, two updates, the reply, closed");
    for e in &entries.items {
        let after = e.after.as_ref().map(|a| a.to_string()).unwrap_or_default();
        assert!(!after.contains("ayse") && !after.contains("koşulları"), "{after}");
    }
}

async fn filters_narrow_the_inbox_and_bad_ones_are_named(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("personel@marmara.gov.tr", "staff", "").await;
    let browser = app.sign_in("personel@marmara.gov.tr").await;
    let staff = Actor::system("test");
    app.state.contact.set_rule(&staff, "press", "Basın").await.unwrap();
    message(&app, "press", "a@example.org").await;
    let closed = message(&app, "other", "b@example.org").await;
    message(&app, "membership", "c@example.org").await;
    app.state.contact.update(&staff, closed, Some("closed"), None).await.unwrap();
    let rows = |body: &str| texts(&Html::parse_document(body), "table.inbox tbody tr").len();
    assert_eq!(rows(&app.get_as("/tr/workspace/inbox", &browser).await.body), 2, "open ones by default");
    assert_eq!(rows(&app.get_as("/tr/workspace/inbox?status=all", &browser).await.body), 3);
    assert_eq!(rows(&app.get_as("/tr/workspace/inbox?status=closed", &browser).await.body), 1);
    assert_eq!(rows(&app.get_as("/tr/workspace/inbox?team=Bas%C4%B1n", &browser).await.body), 1);
    assert_eq!(rows(&app.get_as("/tr/workspace/inbox?status=all&topic=membership", &browser).await.body), 1);
    let bad = app.get_as("/tr/workspace/inbox?status=lost&topic=gossip", &browser).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    assert_eq!(texts(&html, ".filters .field-error").len(), 2, "{}", text(&html, ".filters"));
}

async fn bad_inbox_input_comes_back_beside_its_field(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("personel@marmara.gov.tr", "staff", "").await;
    let rep = app.user("temsilci@bursa.bel.tr", "representative", "bursa").await;
    let browser = app.sign_in("personel@marmara.gov.tr").await;
    let id = message(&app, "other", "a@example.org").await;
    let uri = format!("/tr/workspace/inbox/{id}");
    let before = audit_total(&app).await;
    let empty = app.form(&format!("{uri}/reply"), Some(&browser), &[("body", "  ")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&empty.body), "#f-reply-error").is_empty());
    let empty = app.form(&format!("{uri}/notes"), Some(&browser), &[("body", "")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&empty.body), "#f-note-error").is_empty());
    let rep_id = rep.id.0.to_string();
    let wrong =
        app.form(&format!("{uri}/status"), Some(&browser), &[("status", "assigned"), ("assignee", &rep_id)]).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "a representative does not work the inbox");
    assert!(!text(&Html::parse_document(&wrong.body), "#f-assignee-error").is_empty());
    let nobody = app.form(&format!("{uri}/status"), Some(&browser), &[("status", "assigned"), ("assignee", "")]).await;
    assert_eq!(nobody.status, StatusCode::BAD_REQUEST);
    let team = app.form("/tr/workspace/inbox/rules", Some(&browser), &[("topic", "press"), ("team", " ")]).await;
    assert_eq!(team.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&team.body), "#f-team-press-error").is_empty());
    assert_eq!(audit_total(&app).await, before, "nothing refused was written");
    assert_eq!(app.get_as("/tr/workspace/inbox/99999", &browser).await.status, StatusCode::NOT_FOUND);
    let saved = app.form("/tr/workspace/inbox/rules", Some(&browser), &[("topic", "press"), ("team", "Basın")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let rules = Html::parse_document(&app.get_as("/tr/workspace/inbox/rules", &browser).await.body);
    assert_eq!(attr(&rules, "#f-team-press", "value").as_deref(), Some("Basın"));
}

async fn each_role_may_do_what_the_rules_say_and_no_more(db: TestDb) {
    let app = TestApp::new(db).await;
    let staff = app.user("personel@marmara.gov.tr", "staff", "").await;
    app.user("yonetici@marmara.gov.tr", "admin", "").await;
    app.user("denetci@marmara.gov.tr", "auditor", "").await;
    app.user("temsilci@bursa.bel.tr", "representative", "bursa").await;
    let staff_id = staff.id.0.to_string();
    // (who, reads the inbox, works it)
    let roles = [
        (None, false, false),
        (Some("temsilci@bursa.bel.tr"), false, false),
        (Some("denetci@marmara.gov.tr"), true, false),
        (Some("personel@marmara.gov.tr"), true, true),
        (Some("yonetici@marmara.gov.tr"), true, true),
    ];
    for (who, reads, works) in roles {
        let browser = match who {
            Some(email) => Some(app.sign_in(email).await),
            None => None,
        };
        let id = message(
            &app,
            "press",
            &format!("{}-{}@example.org", who.unwrap_or("ziyaretci").len(), audit_total(&app).await),
        )
        .await;
        let uri = format!("/tr/workspace/inbox/{id}");
        for page in ["/tr/workspace/inbox", uri.as_str(), "/tr/workspace/inbox/rules"] {
            let reply = match &browser {
                Some(b) => app.get_as(page, b).await,
                None => app.get(page).await,
            };
            let expected = match (who, reads) {
                (None, _) => StatusCode::SEE_OTHER,
                (_, true) => StatusCode::OK,
                (_, false) => StatusCode::FORBIDDEN,
            };
            assert_eq!(reply.status, expected, "{who:?} reading {page}");
        }
        let writes: [(String, Vec<(&str, &str)>); 4] = [
            (format!("{uri}/status"), vec![("status", "assigned"), ("assignee", &staff_id)]),
            (format!("{uri}/notes"), vec![("body", "Not")]),
            (format!("{uri}/reply"), vec![("body", "Yanıt")]),
            ("/tr/workspace/inbox/rules".to_owned(), vec![("topic", "press"), ("team", "Basın")]),
        ];
        for (target, fields) in writes {
            let before = audit_total(&app).await;
            let reply = app.form(&target, browser.as_ref(), &fields).await;
            let after = audit_total(&app).await;
            if works {
                assert_eq!(reply.status, StatusCode::SEE_OTHER, "{who:?} writing {target}: {}", reply.body);
                assert_eq!(after, before + 1, "{who:?} writing {target} is audited");
            } else {
                assert!(reply.status.is_client_error() || reply.status == StatusCode::SEE_OTHER, "{who:?} {target}");
                assert_ne!(reply.status, StatusCode::OK);
                assert_eq!(after, before, "{who:?} writing {target} changed nothing");
            }
        }
        let (m, notes) = app.state.contact.message(&Actor::system("test"), id).await.unwrap();
        if works {
            assert_eq!(m.status, MessageStatus::Answered);
            assert_eq!(notes.len(), 2);
        } else {
            assert_eq!((m.status, notes.len()), (MessageStatus::New, 0), "{who:?} changed nothing");
        }
    }
}

async fn the_api_reads_and_works_the_inbox_by_role(db: TestDb) {
    let app = TestApp::new(db).await;
    let staff = app.user("personel@marmara.gov.tr", "staff", "").await;
    app.user("denetci@marmara.gov.tr", "auditor", "").await;
    app.user("temsilci@bursa.bel.tr", "representative", "bursa").await;
    let (write, audit, rep) = (
        app.token("personel@marmara.gov.tr", false).await,
        app.token("denetci@marmara.gov.tr", false).await,
        app.token("temsilci@bursa.bel.tr", false).await,
    );
    let read_only = app.token("personel@marmara.gov.tr", true).await;
    let id = message(&app, "press", "a@example.org").await;
    let list = app.api("GET", "/api/v1/contact/messages?status=open", Some(&audit), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let json: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["items"][0]["topic"], "press");
    assert_eq!(app.api("GET", "/api/v1/contact/messages", Some(&rep), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("GET", "/api/v1/contact/messages", None, None).await.status, StatusCode::UNAUTHORIZED);
    let bad = app.api("GET", "/api/v1/contact/messages?status=lost", Some(&write), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("\"status\""), "{}", bad.body);
    let uri = format!("/api/v1/contact/messages/{id}");
    let status = format!("{{\"status\":\"assigned\",\"assignee\":{}}}", staff.id.0);
    let before = audit_total(&app).await;
    for token in [&audit, &rep, &read_only] {
        let refused = app.api("PUT", &format!("{uri}/status"), Some(token), Some(&status)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let refused = app.api("POST", &format!("{uri}/reply"), Some(token), Some("{\"body\":\"x\"}")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(audit_total(&app).await, before, "refused writes wrote nothing");
    let set = app.api("PUT", &format!("{uri}/status"), Some(&write), Some(&status)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let empty = app.api("POST", &format!("{uri}/notes"), Some(&write), Some("{\"body\":\" \"}")).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("\"body\""), "{}", empty.body);
    let note = app.api("POST", &format!("{uri}/notes"), Some(&write), Some("{\"body\":\"Basına iletildi.\"}")).await;
    assert_eq!(note.status, StatusCode::CREATED);
    let reply = app.api("POST", &format!("{uri}/reply"), Some(&write), Some("{\"body\":\"Teşekkürler.\"}")).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    app.deliver().await;
    assert_eq!(app.mail.last_to("a@example.org").unwrap().body.trim(), "Teşekkürler.");
    let shown: serde_json::Value = serde_json::from_str(&app.api("GET", &uri, Some(&audit), None).await.body).unwrap();
    assert_eq!(shown["message"]["status"], "answered");
    assert_eq!(shown["notes"].as_array().unwrap().len(), 2);
    assert_eq!(shown["notes"][1]["kind"], "reply");
    assert_eq!(
        app.api("GET", "/api/v1/contact/messages/99999", Some(&write), None).await.status,
        StatusCode::NOT_FOUND
    );
    let doc = app.api("GET", "/api/openapi.json", None, None).await.body;
    assert!(doc.contains("/api/v1/contact/messages/{id}/reply"));
}
