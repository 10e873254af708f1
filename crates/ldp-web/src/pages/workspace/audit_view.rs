//! The audit trail as people read it: translated labels for actions, record types and fields, ids and slugs
//! resolved to names, and readable actors ("Komut satırı (kullanıcı bilinmiyor)" for `system:cli:unknown`).
//!
//! The stored entries stay exactly as they were written (they are the compliance trail); only their rendering
//! changes, here, for the audit page, its CSV and the dashboard's recent changes. A key this module does not
//! know is shown as it is stored, never dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;
use time::{Date, OffsetDateTime};

use ldp_core::domain::partnership::PartnershipId;
use ldp_core::domain::{AuditEntry, Lang, MunicipalityId, UserId};
use ldp_core::store::{Store, StoreResult};

use crate::i18n::{self, FluentArg};

/// One audit entry, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLine {
    pub id: i64,
    pub at: OffsetDateTime,
    /// `at` in RFC 3339, for `<time datetime>`.
    pub at_iso: String,
    /// Who: a user's name, a token, the command line, the reference loader.
    pub actor: String,
    /// The user's e-mail under their name, when the name is not the e-mail.
    pub actor_detail: Option<String>,
    pub client: Option<String>,
    /// "İlişki: Nilüfer Belediyesi – Münih".
    pub record: String,
    pub record_href: Option<String>,
    pub action: String,
    pub changes: Vec<FieldChange>,
}

/// One field that differs between before and after, labelled and with its values shown as names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// The names of the records an audit page mentions, looked up once per page.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub municipalities: HashMap<i64, String>,
    pub municipality_slugs: HashMap<String, String>,
    pub cities: HashMap<i64, String>,
    /// "Member – Partner".
    pub partnerships: HashMap<i64, String>,
    pub networks: HashMap<i64, String>,
    pub representatives: HashMap<i64, String>,
    /// (name, e-mail).
    pub users: HashMap<i64, (String, String)>,
    pub memberships: HashMap<i64, String>,
    /// ISO code → country name (Türkiye's usage on Turkish pages).
    pub countries: HashMap<String, String>,
}

/// Ids an entry refers to, by kind.
#[derive(Default)]
struct Wanted {
    municipalities: Vec<i64>,
    slugs: Vec<String>,
    cities: Vec<i64>,
    partnerships: Vec<i64>,
    networks: Vec<i64>,
    representatives: Vec<i64>,
    users: Vec<i64>,
    memberships: Vec<i64>,
    countries: Vec<String>,
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn values<'a>(e: &'a AuditEntry, key: &str) -> impl Iterator<Item = &'a Value> {
    [e.before.as_ref(), e.after.as_ref()].into_iter().flatten().filter_map(move |v| v.get(key))
}

impl Wanted {
    fn collect(&mut self, e: &AuditEntry) {
        let record = e.record_id.trim().parse::<i64>().ok();
        if let Some(u) = e.user_id {
            self.users.push(u.0);
        }
        if let Some(m) = e.municipality_id {
            self.municipalities.push(m.0);
        }
        match (e.record_type.as_str(), record) {
            ("partnership", Some(id)) => self.partnerships.push(id),
            ("municipality", Some(id)) => self.municipalities.push(id),
            ("representative", Some(id)) => self.representatives.push(id),
            ("membership", Some(id)) => self.memberships.push(id),
            ("user", Some(id)) => self.users.push(id),
            ("city", Some(id)) => self.cities.push(id),
            ("network", Some(id)) => self.networks.push(id),
            _ => {}
        }
        for v in values(e, "partnership") {
            self.partnerships.extend(int(Some(v)));
        }
        for v in values(e, "partner_city") {
            self.cities.extend(int(Some(v)));
        }
        for v in values(e, "network_id") {
            self.networks.extend(int(Some(v)));
        }
        for v in values(e, "representative_id") {
            self.representatives.extend(int(Some(v)));
        }
        for v in values(e, "municipality_id") {
            self.municipalities.extend(int(Some(v)));
        }
        for v in values(e, "merged_into") {
            match e.record_type.as_str() {
                "city" => self.cities.extend(int(Some(v))),
                "municipality" => self.municipalities.extend(int(Some(v))),
                _ => {}
            }
        }
        for v in values(e, "municipalities") {
            if let Some(list) = v.as_array() {
                self.municipalities.extend(list.iter().filter_map(|m| int(Some(m))));
            }
        }
        for v in values(e, "hq_country") {
            if let Some(code) = v.as_str().filter(|c| !c.is_empty()) {
                self.countries.push(code.to_owned());
            }
        }
        for key in ["municipality", "partner_municipality"] {
            for v in values(e, key) {
                if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
                    self.slugs.push(s.to_owned());
                }
            }
        }
    }
}

fn distinct<T: Ord + Clone>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

impl Names {
    /// Looks up every record `entries` mention (each once) in `lang`. A record that no longer exists keeps no
    /// name, and its id is shown instead.
    pub async fn resolve(
        store: &Arc<dyn Store>,
        lang: Lang,
        today: Date,
        entries: &[AuditEntry],
    ) -> StoreResult<Names> {
        let mut w = Wanted::default();
        for e in entries {
            w.collect(e);
        }
        let mut n = Names::default();
        let ids: Vec<MunicipalityId> = distinct(w.municipalities).into_iter().map(MunicipalityId).collect();
        for m in store.municipalities_by_id(&ids).await? {
            n.municipality_slugs.insert(m.slug.clone(), m.official_name().get(lang).to_owned());
            n.municipalities.insert(m.id.0, m.official_name().get(lang).to_owned());
        }
        for code in distinct(w.countries) {
            let Ok(parsed) = ldp_core::domain::CountryCode::parse(&code) else { continue };
            if let Some(c) = store.country(&parsed).await? {
                n.countries.insert(code, c.name.get(lang).to_owned());
            }
        }
        for slug in distinct(w.slugs) {
            if n.municipality_slugs.contains_key(&slug) {
                continue;
            }
            if let Some(m) = store.municipality_by_slug(&slug).await? {
                n.municipality_slugs.insert(slug, m.official_name().get(lang).to_owned());
            }
        }
        for id in distinct(w.cities) {
            if let Some(c) = store.city(id).await? {
                n.cities.insert(id, c.display_name(lang).to_owned());
            }
        }
        for id in distinct(w.partnerships) {
            if let Some(d) = store.partnership(PartnershipId(id), today).await? {
                let p = &d.partnership;
                n.partnerships
                    .insert(id, format!("{} – {}", p.member.official_name().get(lang), p.partner.display_name(lang)));
            }
        }
        let networks = distinct(w.networks);
        if !networks.is_empty() {
            for net in store.list_networks().await? {
                if networks.contains(&net.id.0) {
                    n.networks.insert(net.id.0, network_label(&net.acronym, net.name.get(lang)));
                }
            }
            for net in store.registry_networks().await? {
                if networks.contains(&net.id.0) {
                    n.networks.insert(net.id.0, network_label(&net.fields.acronym, net.fields.name.get(lang)));
                }
            }
        }
        for id in distinct(w.representatives) {
            if let Some(r) = store.representative(id).await? {
                n.representatives.insert(id, r.name);
            }
        }
        for id in distinct(w.users) {
            if let Some(u) = store.user(UserId(id)).await? {
                n.users.insert(id, (u.user.name, u.user.email));
            }
        }
        for id in distinct(w.memberships) {
            if let Some(m) = store.municipal_membership(id).await? {
                n.memberships.insert(id, m.network_acronym);
            }
        }
        Ok(n)
    }
}

/// "ICLEI (Yerel Yönetimler için Sürdürülebilirlik)", or the name alone when it has no separate acronym.
pub fn network_label(acronym: &str, name: &str) -> String {
    if acronym.trim().is_empty() || acronym.trim() == name.trim() {
        name.to_owned()
    } else {
        format!("{acronym} ({name})")
    }
}

/// How `actor` (the label stored with each entry) reads: `system:cli:ayse` → "Komut satırı (ayse)",
/// `token:3:nightly` → "API anahtarı “nightly”", an e-mail → the user's name when known.
pub fn actor_label(lang: Lang, names: &Names, user: Option<UserId>, actor: &str) -> (String, Option<String>) {
    if let Some((name, email)) = user.and_then(|u| names.users.get(&u.0)) {
        if name.trim().is_empty() || name == email {
            return (email.clone(), None);
        }
        return (name.clone(), Some(email.clone()));
    }
    if let Some(rest) = actor.strip_prefix("system:") {
        let (what, who) = rest.split_once(':').map_or((rest, None), |(a, b)| (a, Some(b)));
        return match (what, who) {
            ("cli", Some("unknown") | Some("")) => (i18n::t(lang, "audit-actor-cli-unknown"), None),
            ("cli", Some(who)) => {
                (i18n::t_args(lang, "audit-actor-cli-user", &[("user", FluentArg::Text(who.to_owned()))]), None)
            }
            ("cli", None) => (i18n::t(lang, "audit-actor-cli"), None),
            ("reference", None) => (i18n::t(lang, "audit-actor-reference"), None),
            ("seed", None) => (i18n::t(lang, "audit-actor-seed"), None),
            _ => (i18n::t_args(lang, "audit-actor-system", &[("name", FluentArg::Text(rest.to_owned()))]), None),
        };
    }
    if let Some(rest) = actor.strip_prefix("token:") {
        let name = rest.split_once(':').map_or(rest, |(_, name)| name);
        return (i18n::t_args(lang, "audit-actor-token", &[("name", FluentArg::Text(name.to_owned()))]), None);
    }
    if actor == "visitor" {
        return (i18n::t(lang, "audit-actor-visitor"), None);
    }
    (actor.to_owned(), None)
}

/// "Oluşturuldu", "Süreç adımı: Meclis kararı"; an unknown action as it is stored.
pub fn action_label(lang: Lang, action: &str) -> String {
    if let Some(stage) = action.strip_prefix("step:") {
        let stage_name = i18n::try_t(lang, &format!("stage-{stage}")).unwrap_or_else(|| stage.to_owned());
        return i18n::t_args(lang, "audit-action-step", &[("stage", FluentArg::Text(stage_name))]);
    }
    i18n::try_t(lang, &format!("audit-action-{action}")).unwrap_or_else(|| action.to_owned())
}

/// "İlişki", "Belediye", …; an unknown type as it is stored.
pub fn record_type_label(lang: Lang, record_type: &str) -> String {
    i18n::try_t(lang, &format!("audit-type-{record_type}")).unwrap_or_else(|| record_type.to_owned())
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// The name of the record an entry is about, from the looked-up names or the entry's own fields.
fn record_name(names: &Names, e: &AuditEntry) -> Option<String> {
    let id = e.record_id.trim().parse::<i64>().ok();
    let field = |key: &str| {
        text(e.after.as_ref().and_then(|a| a.get(key)))
            .or_else(|| text(e.before.as_ref().and_then(|b| b.get(key))))
            .map(str::to_owned)
    };
    let by_id = |map: &HashMap<i64, String>| id.and_then(|i| map.get(&i).cloned());
    let parent =
        || values(e, "partnership").find_map(|v| int(Some(v))).and_then(|p| names.partnerships.get(&p).cloned());
    let of_municipality = |name: String| match e.municipality_id.and_then(|m| names.municipalities.get(&m.0)) {
        Some(m) => format!("{m} · {name}"),
        None => name,
    };
    match e.record_type.as_str() {
        "partnership" => by_id(&names.partnerships),
        "partnership_activity" => match (parent(), field("title_tr").or_else(|| field("title"))) {
            (Some(p), Some(t)) => Some(format!("{p} · {t}")),
            (p, t) => p.or(t),
        },
        "partnership_document" => match (parent(), field("filename")) {
            (Some(p), Some(f)) => Some(format!("{p} · {f}")),
            (p, f) => p.or(f),
        },
        "municipality" => by_id(&names.municipalities),
        "representative" => field("name").or_else(|| by_id(&names.representatives)).map(of_municipality),
        "membership" => values(e, "network_id")
            .find_map(|v| int(Some(v)))
            .and_then(|n| names.networks.get(&n).cloned())
            .or_else(|| by_id(&names.memberships))
            .map(of_municipality),
        "user" => id.and_then(|i| names.users.get(&i)).map(|(_, email)| email.clone()).or_else(|| field("email")),
        "city" => by_id(&names.cities).or_else(|| field("name")),
        "network" => by_id(&names.networks).or_else(|| field("name_tr")).or_else(|| field("acronym")),
        "api_token" => field("name"),
        "funding_application_document" | "project_document" => field("filename").map(of_municipality),
        _ => None,
    }
}

fn record_label(lang: Lang, names: &Names, e: &AuditEntry) -> String {
    let kind = record_type_label(lang, &e.record_type);
    match record_name(names, e) {
        Some(name) => format!("{kind}: {name}"),
        None if e.record_id.is_empty() => kind,
        None => format!("{kind} #{}", e.record_id),
    }
}

/// The workspace page of an entry's record, where there is one.
pub fn record_href(lang: Lang, e: &AuditEntry) -> Option<String> {
    let base = format!("/{}/workspace", lang.code());
    match e.record_type.as_str() {
        "partnership" => Some(format!("{base}/partnerships/{}", e.record_id)),
        "partnership_activity" | "partnership_document" => {
            values(e, "partnership").find_map(|v| int(Some(v))).map(|p| format!("{base}/partnerships/{p}"))
        }
        "network" => Some(format!("{base}/networks/{}", e.record_id)),
        "user" => Some(format!("{base}/users/{}", e.record_id)),
        "funding_application" => Some(format!("{base}/applications/{}", e.record_id)),
        "funding_application_document" => {
            values(e, "application").find_map(|v| int(Some(v))).map(|a| format!("{base}/applications/{a}"))
        }
        "project" => Some(format!("{base}/projects/{}", e.record_id)),
        "project_document" => values(e, "project").find_map(|v| int(Some(v))).map(|p| format!("{base}/projects/{p}")),
        _ => None,
    }
}

/// Fields whose values are nested objects (a profile's `about: {tr, en}`) are shown as `about.tr`, `about.en`.
fn flatten(v: Option<&Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(map)) = v {
        for (k, v) in map {
            match v {
                Value::Object(inner) => {
                    for (ik, iv) in inner {
                        out.insert(format!("{k}.{ik}"), iv.clone());
                    }
                }
                other => {
                    out.insert(k.clone(), other.clone());
                }
            }
        }
    }
    out
}

fn raw(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A translated code ("sister_city" → "Kardeş şehir"), or the code when there is no translation.
fn code(lang: Lang, prefix: &str, v: &str) -> String {
    i18n::try_t(lang, &format!("{prefix}{v}")).unwrap_or_else(|| v.to_owned())
}

/// One field's value as a reader sees it: names for ids and slugs, translated codes, dates in the language.
fn show_value(lang: Lang, names: &Names, record_type: &str, key: &str, v: &Value) -> String {
    if v.is_null() {
        return String::new();
    }
    if let Value::Bool(b) = v {
        return i18n::t(lang, if *b { "audit-yes" } else { "audit-no" });
    }
    let s = raw(v);
    let name_of = |map: &HashMap<i64, String>| int(Some(v)).and_then(|i| map.get(&i).cloned());
    let resolved = match key {
        "municipality" | "partner_municipality" => names.municipality_slugs.get(&s).cloned(),
        "municipality_id" => name_of(&names.municipalities),
        "partner_city" => name_of(&names.cities),
        "hq_country" => names.countries.get(&s).cloned(),
        "partnership" => name_of(&names.partnerships),
        "network_id" => name_of(&names.networks),
        "representative_id" => name_of(&names.representatives),
        "merged_into" if record_type == "city" => name_of(&names.cities),
        "merged_into" if record_type == "municipality" => name_of(&names.municipalities),
        "municipalities" => v.as_array().map(|list| {
            list.iter()
                .map(|m| int(Some(m)).and_then(|i| names.municipalities.get(&i).cloned()).unwrap_or_else(|| raw(m)))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        "stage" | "step" => Some(code(lang, "stage-", &s)),
        "role" => Some(code(lang, "role-", &s)),
        "status" if record_type == "membership" => Some(code(lang, "membership-status-", &s)),
        "status" if record_type == "network" => Some(code(lang, "network-status-", &s)),
        "kind" if record_type == "partnership" => Some(code(lang, "pkind-", &s)),
        "kind" if record_type == "partnership_activity" => Some(code(lang, "activity-", &s)),
        "kind" if record_type == "partnership_document" => Some(code(lang, "doc-", &s)),
        "scope" => Some(code(lang, "audit-scope-", &s)),
        "themes" => Some(
            s.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| code(lang, "theme-", t))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        "sdgs" => Some(s.split(',').map(str::trim).filter(|g| !g.is_empty()).collect::<Vec<_>>().join(", ")),
        "date" | "proposed_on" | "decision_date" => {
            Date::parse(&s, &time::format_description::well_known::Iso8601::DATE).ok().map(|d| i18n::date(lang, d))
        }
        _ => None,
    };
    resolved.unwrap_or(s)
}

/// "Durum", "Meclis kararı sayısı", …; an unknown field as it is stored.
pub fn field_label(lang: Lang, key: &str) -> String {
    i18n::try_t(lang, &format!("audit-field-{}", key.replace('.', "-"))).unwrap_or_else(|| key.to_owned())
}

/// The fields that differ between before and after, labelled, in the order they are stored.
pub fn changes(lang: Lang, names: &Names, e: &AuditEntry) -> Vec<FieldChange> {
    let before = flatten(e.before.as_ref());
    let after = flatten(e.after.as_ref());
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            let show = |v: Option<&Value>| v.map(|v| show_value(lang, names, &e.record_type, k, v)).unwrap_or_default();
            FieldChange { label: field_label(lang, k), before: show(before.get(k)), after: show(after.get(k)) }
        })
        .collect()
}

/// An entry as the audit page, its CSV and the dashboard show it.
pub fn line(lang: Lang, names: &Names, e: &AuditEntry) -> AuditLine {
    let (actor, actor_detail) = actor_label(lang, names, e.user_id, &e.actor);
    AuditLine {
        id: e.id,
        at: e.at,
        // HTML's valid date strings allow at most three fraction digits; whole seconds are enough here.
        at_iso: e
            .at
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(e.at)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        actor,
        actor_detail,
        client: e.client.clone(),
        record: record_label(lang, names, e),
        record_href: record_href(lang, e),
        action: action_label(lang, &e.action),
        changes: changes(lang, names, e),
    }
}

/// Every entry of a page, with its names looked up once.
pub async fn lines(
    store: &Arc<dyn Store>,
    lang: Lang,
    today: Date,
    entries: &[AuditEntry],
) -> StoreResult<Vec<AuditLine>> {
    let names = Names::resolve(store, lang, today, entries).await?;
    Ok(entries.iter().map(|e| line(lang, &names, e)).collect())
}

#[cfg(test)]
mod tests;
