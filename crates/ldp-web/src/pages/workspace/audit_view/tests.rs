use serde_json::json;

use super::*;

fn entry(record_type: &str, record_id: &str, action: &str, before: Option<Value>, after: Option<Value>) -> AuditEntry {
    AuditEntry {
        id: 1,
        at: OffsetDateTime::UNIX_EPOCH,
        user_id: None,
        actor: "system:cli:unknown".into(),
        client: None,
        action: action.into(),
        record_type: record_type.into(),
        record_id: record_id.into(),
        municipality_id: None,
        before,
        after,
    }
}

fn names() -> Names {
    let mut n = Names::default();
    n.municipalities.insert(95, "Nilüfer Belediyesi".into());
    n.municipality_slugs.insert("bursa-nilufer".into(), "Nilüfer Belediyesi".into());
    n.cities.insert(264371, "Atina".into());
    n.partnerships.insert(82, "Nilüfer Belediyesi – Atina".into());
    n.users.insert(7, ("Ayşe Yılmaz".into(), "ayse@nilufer.bel.tr".into()));
    n
}

fn change(label: &str, before: &str, after: &str) -> FieldChange {
    FieldChange { label: label.into(), before: before.into(), after: after.into() }
}

#[test]
fn an_accepted_invitation_reads_as_a_password_set() {
    let e = entry(
        "user",
        "7",
        "accept_invitation",
        Some(json!({"name": "Ayşe Yılmaz", "has_password": false})),
        Some(json!({"name": "Ayşe Yılmaz", "has_password": true})),
    );
    let l = line(Lang::Tr, &names(), &e);
    assert_eq!(l.changes, vec![change("Parola belirlendi", "Hayır", "Evet")]);
    assert_eq!(l.action, "Daveti kabul etti");
    assert_eq!(l.record, "Kullanıcı: ayse@nilufer.bel.tr");
    let en = line(Lang::En, &names(), &e);
    assert_eq!(en.changes, vec![change("Password set", "No", "Yes")]);
}

#[test]
fn ids_and_slugs_become_names() {
    let e = entry(
        "user",
        "7",
        "update",
        Some(json!({"municipalities": [], "role": "staff"})),
        Some(json!({"municipalities": [95], "role": "representative"})),
    );
    let l = line(Lang::Tr, &names(), &e);
    assert_eq!(
        l.changes,
        vec![change("Belediyeler", "", "Nilüfer Belediyesi"), change("Rol", "Birlik personeli", "Belediye temsilcisi")]
    );
    let p = entry(
        "partnership",
        "82",
        "create",
        None,
        Some(json!({"municipality": "bursa-nilufer", "partner_city": "264371", "kind": "sister_city",
            "themes": "culture,climate", "proposed_on": "2026-02-03", "foreign_missions": false})),
    );
    let l = line(Lang::Tr, &names(), &p);
    assert_eq!(l.record, "İlişki: Nilüfer Belediyesi – Atina");
    assert_eq!(l.record_href.as_deref(), Some("/tr/workspace/partnerships/82"));
    let shown: Vec<(String, String)> = l.changes.into_iter().map(|c| (c.label, c.after)).collect();
    assert!(shown.contains(&("Belediye".into(), "Nilüfer Belediyesi".into())), "{shown:?}");
    assert!(shown.contains(&("Ortak şehir".into(), "Atina".into())), "{shown:?}");
    assert!(shown.contains(&("Tür".into(), "Kardeş şehir".into())), "{shown:?}");
    assert!(shown.contains(&("Konular".into(), "kültür, iklim".into())), "{shown:?}");
    assert!(shown.contains(&("Öneri tarihi".into(), "3 Şubat 2026".into())), "{shown:?}");
    assert!(shown.contains(&("Yabancı temsilcilikler".into(), "Hayır".into())), "{shown:?}");
}

#[test]
fn trail_steps_and_actors_read_as_words() {
    assert_eq!(action_label(Lang::Tr, "step:council_approved"), "Süreç adımı: Meclis kararı");
    assert_eq!(action_label(Lang::En, "step:council_approved"), "Trail step: Council decision");
    let n = Names::default();
    assert_eq!(actor_label(Lang::Tr, &n, None, "system:cli:unknown").0, "Komut satırı (kullanıcı bilinmiyor)");
    assert_eq!(actor_label(Lang::Tr, &n, None, "system:cli:ayse").0, "Komut satırı (ayse)");
    assert_eq!(actor_label(Lang::En, &n, None, "system:cli:unknown").0, "Command line (user unknown)");
    assert_eq!(actor_label(Lang::Tr, &n, None, "token:3:gece eşitlemesi").0, "API anahtarı “gece eşitlemesi”");
    assert_eq!(
        actor_label(Lang::Tr, &names(), Some(UserId(7)), "ayse@nilufer.bel.tr"),
        ("Ayşe Yılmaz".into(), Some("ayse@nilufer.bel.tr".into()))
    );
}

#[test]
fn unknown_keys_actions_and_types_fall_back_to_what_is_stored() {
    let e = entry("planet", "9", "orbit", None, Some(json!({"moons": 2, "rings": {"count": 7}})));
    let l = line(Lang::Tr, &Names::default(), &e);
    assert_eq!(l.action, "orbit");
    assert_eq!(l.record, "planet #9");
    assert_eq!(l.changes, vec![change("moons", "", "2"), change("rings.count", "", "7")]);
}

#[test]
fn a_profile_s_nested_about_is_labelled_per_language() {
    let e = entry(
        "municipality",
        "95",
        "update",
        Some(json!({"website": "", "about": {"tr": "", "en": ""}})),
        Some(json!({"website": "https://nilufer.bel.tr", "about": {"tr": "Bursa'nın ilçesi", "en": ""}})),
    );
    let l = line(Lang::Tr, &names(), &e);
    assert_eq!(l.record, "Belediye: Nilüfer Belediyesi");
    assert_eq!(
        l.changes,
        vec![change("Tanıtım (Türkçe)", "", "Bursa'nın ilçesi"), change("Web sitesi", "", "https://nilufer.bel.tr")]
    );
}
