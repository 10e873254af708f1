//! The public contact form (`/{lang}/contact`): the KVKK clarification text and explicit consent, and the
//! spam defences that need no third party: a honeypot field, a time trap signed by the server, a per-client
//! rate limit (in the service) and a link counter (in the domain). Every refusal says why, and the form comes
//! back filled in.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use ldp_core::domain::contact::{CONSENT_VERSION, ContactInput, ContactTopic};
use ldp_core::domain::{Actor, Lang, MunicipalityFilter, Page};
use ldp_core::services::ServiceError;

use super::account::{RequestInfo, anonymous_page};
use super::forms::{FormState, in_form};
use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::i18n::{self, FluentArg};
use crate::state::AppState;

/// The shortest time a person takes to fill in the form; a post sooner than this is refused as automated
/// (and may be sent again a moment later). There is no longest: a slow person is never refused.
pub const MIN_FILL: Duration = Duration::seconds(3);

type Mac = hmac::Hmac<sha2::Sha256>;

fn mac(key: &[u8], purpose: &str, value: &str) -> Mac {
    use hmac::KeyInit;
    let mut mac = <Mac as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    hmac::Mac::update(&mut mac, purpose.as_bytes());
    hmac::Mac::update(&mut mac, b"\0");
    hmac::Mac::update(&mut mac, value.as_bytes());
    mac
}

/// The time trap: when the form was shown (Unix seconds) and the server's signature of it.
pub fn issue_stamp(key: &[u8], now: OffsetDateTime) -> String {
    let at = now.unix_timestamp().to_string();
    format!("{at}.{}", hex::encode(hmac::Mac::finalize(mac(key, "contact-stamp", &at)).into_bytes()))
}

/// What the time trap says of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// Signed by this deployment and old enough (however old).
    Fine,
    /// Signed, but sent sooner than [`MIN_FILL`] after the form was shown.
    TooFast,
    /// Missing, malformed, forged, or from the future.
    Unsigned,
}

pub fn check_stamp(key: &[u8], stamp: &str, now: OffsetDateTime) -> Stamp {
    let Some((at, signature)) = stamp.trim().split_once('.') else { return Stamp::Unsigned };
    let (Ok(seconds), Ok(signature)) = (at.parse::<i64>(), hex::decode(signature)) else { return Stamp::Unsigned };
    if hmac::Mac::verify_slice(mac(key, "contact-stamp", at), &signature).is_err() {
        return Stamp::Unsigned;
    }
    let Ok(shown) = OffsetDateTime::from_unix_timestamp(seconds) else { return Stamp::Unsigned };
    if shown > now + Duration::minutes(1) {
        Stamp::Unsigned
    } else if now - shown < MIN_FILL {
        Stamp::TooFast
    } else {
        Stamp::Fine
    }
}

/// A keyed hash of the client address: enough to count one client's messages, without storing the address.
pub fn client_key(key: &[u8], client: &str) -> String {
    hex::encode(&hmac::Mac::finalize(mac(key, "contact-client", client)).into_bytes()[..16])
}

/// The topics in the form's order, with their names.
fn topics(lang: Lang) -> Vec<(&'static str, String)> {
    ContactTopic::ALL.iter().map(|t| (t.as_str(), i18n::t(lang, &format!("contact-topic-{}", t.as_str())))).collect()
}

#[derive(askama::Template)]
#[template(path = "contact.html")]
struct ContactPage {
    ctx: PageCtx,
    title: String,
    csrf: String,
    stamp: String,
    form: FormState,
    topics: Vec<(&'static str, String)>,
    /// Member municipalities: slug and official name, in the store's Turkish order.
    municipalities: Vec<(String, String)>,
    /// The clarification text's paragraphs.
    kvkk: Vec<String>,
    consent_version: &'static str,
}

#[derive(askama::Template)]
#[template(path = "contact_sent.html")]
struct SentPage {
    ctx: PageCtx,
    title: String,
    reference: String,
    topic: String,
}

/// The clarification text, with the controller named from the reference data.
fn kvkk(ctx: &PageCtx, months: u32) -> Vec<String> {
    let (controller, seat) = match &ctx.union {
        Some(u) => (ctx.pick(&u.name), ctx.union_seat()),
        None => (ctx.t("site-name"), String::new()),
    };
    let args = [
        ("controller", FluentArg::Text(controller)),
        ("seat", FluentArg::Text(seat)),
        ("months", FluentArg::Number(i64::from(months))),
    ];
    ["controller", "data", "purpose", "basis", "transfer", "retention", "rights", "apply"]
        .iter()
        .map(|part| i18n::t_args(ctx.lang, &format!("contact-kvkk-{part}"), &args))
        .collect()
}

async fn page(
    ctx: &PageCtx,
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    form: FormState,
    stamp: String,
) -> Result<Response, PageError> {
    let snapshot = state.reference.read().await.map_err(ctx.fail())?;
    // Every member, a page of the read model at a time (in memory, in the store's Turkish order).
    let mut all = Vec::new();
    for number in 1.. {
        let Ok(page) = Page::parse(Some(number), Some(i64::from(Page::MAX_SIZE))) else { break };
        let found = snapshot.municipalities(&MunicipalityFilter::default(), page);
        let total = found.total;
        all.extend(found.items);
        if all.len() as u64 >= total {
            break;
        }
    }
    let municipalities = all.iter().map(|m| (m.slug.clone(), ctx.official(m))).collect();
    let title = ctx.t("contact-title");
    let topics = topics(ctx.lang);
    let kvkk = kvkk(ctx, state.contact.settings().retention_months);
    anonymous_page(ctx, state, headers, status, |csrf| ContactPage {
        ctx: ctx.clone(),
        title,
        csrf,
        stamp,
        form,
        topics,
        municipalities,
        kvkk,
        consent_version: CONSENT_VERSION,
    })
}

pub async fn form(ctx: PageCtx, State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let stamp = issue_stamp(&state.contact_key, state.clock.now());
    page(&ctx, &state, &headers, StatusCode::OK, FormState::default(), stamp).await
}

/// The form as posted: the message's fields, the honeypot and the time trap.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ContactForm {
    name: Option<String>,
    email: Option<String>,
    organisation: Option<String>,
    municipality: Option<String>,
    topic: Option<String>,
    message: Option<String>,
    consent: Option<String>,
    /// The honeypot: hidden from people (and from assistive technology), so only a robot fills it.
    #[serde(default, skip_serializing)]
    website: Option<String>,
    #[serde(default, skip_serializing)]
    stamp: Option<String>,
}

impl ContactForm {
    fn input(&self) -> ContactInput {
        ContactInput {
            name: self.name.clone(),
            email: self.email.clone(),
            organisation: self.organisation.clone(),
            municipality: self.municipality.clone(),
            topic: self.topic.clone(),
            message: self.message.clone(),
            consent: self.consent.clone(),
        }
    }
}

/// Why the spam defences refused a post, as an error shown above the form.
fn refusal(status: StatusCode, code: &'static str) -> AppError {
    AppError::new(status, code)
}

pub async fn send(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    crate::session::AnonymousForm(form): crate::session::AnonymousForm<ContactForm>,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let key = &state.contact_key;
    let sent_stamp = form.stamp.clone().unwrap_or_default();
    let trap = check_stamp(key, &sent_stamp, now);
    let filled = FormState::of(&form);
    let refuse = |status: StatusCode, code: &'static str, stamp: String| {
        let error = refusal(status, code);
        let form = filled.clone().with_error(ctx.lang, &error);
        (form, error.status, stamp)
    };
    let refused = if form.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        Some(refuse(StatusCode::BAD_REQUEST, "contact_honeypot", issue_stamp(key, now)))
    } else {
        match trap {
            // The same stamp again: sent a moment later, it passes.
            Stamp::TooFast => Some(refuse(StatusCode::BAD_REQUEST, "contact_too_fast", sent_stamp.clone())),
            Stamp::Unsigned => Some(refuse(StatusCode::BAD_REQUEST, "contact_unsigned", issue_stamp(key, now))),
            Stamp::Fine => None,
        }
    };
    if let Some((form, status, stamp)) = refused {
        return page(&ctx, &state, &headers, status, form, stamp).await;
    }
    let client = info.client.as_deref().map(|c| client_key(key, c));
    let actor = Actor::visitor(info.client.clone());
    match state.contact.send(&form.input(), ctx.lang, client.as_deref(), &actor).await {
        Ok(sent) => {
            let page = SentPage {
                title: ctx.t("contact-sent-title"),
                reference: sent.reference,
                topic: i18n::t(ctx.lang, &format!("contact-topic-{}", sent.topic.as_str())),
                ctx: ctx.clone(),
            };
            super::forms::render_private(&ctx, &page, StatusCode::OK)
        }
        Err(ServiceError::RateLimited) => {
            let (form, status, stamp) = refuse(StatusCode::TOO_MANY_REQUESTS, "contact_rate_limited", sent_stamp);
            page(&ctx, &state, &headers, status, form, stamp).await
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let form = filled.with_error(ctx.lang, &error);
            page(&ctx, &state, &headers, error.status, form, sent_stamp).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-12-02 10:00 UTC);

    #[test]
    fn the_time_trap_refuses_forgeries_and_haste_but_never_slowness() {
        let stamp = issue_stamp(b"key", NOW);
        assert_eq!(check_stamp(b"key", &stamp, NOW + Duration::seconds(1)), Stamp::TooFast);
        assert_eq!(check_stamp(b"key", &stamp, NOW + MIN_FILL), Stamp::Fine);
        assert_eq!(check_stamp(b"key", &stamp, NOW + Duration::days(30)), Stamp::Fine, "a slow person");
        assert_eq!(check_stamp(b"other key", &stamp, NOW + MIN_FILL), Stamp::Unsigned);
        let earlier = format!("{}.{}", NOW.unix_timestamp() - 60, stamp.split_once('.').unwrap().1);
        assert_eq!(check_stamp(b"key", &earlier, NOW), Stamp::Unsigned, "a moved time keeps no signature");
        assert_eq!(check_stamp(b"key", "", NOW), Stamp::Unsigned);
        assert_eq!(check_stamp(b"key", &issue_stamp(b"key", NOW + Duration::hours(1)), NOW), Stamp::Unsigned);
    }

    #[test]
    fn client_keys_hide_the_address_but_tell_clients_apart() {
        let a = client_key(b"key", "192.0.2.1");
        assert_eq!(a, client_key(b"key", "192.0.2.1"));
        assert_ne!(a, client_key(b"key", "192.0.2.2"));
        assert!(!a.contains("192"));
    }
}
