//! Personal-data requests on the contact inbox (`/workspace/inbox/privacy`): a person's access request (what
//! is stored from their address, shown or downloaded as JSON) and erasure request (every message from the
//! address anonymised and logged), beside the disposal log that the retention job and erasures write. Admins
//! and staff handle requests; auditors read the log. The address travels in a POST body, never in a URL.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use ldp_core::domain::contact::DisposalEntry;
use ldp_core::domain::{InputError, Paged};
use ldp_core::services::contact::SubjectMessage;

use super::Me;
use crate::error::AppError;
use crate::i18n::{FluentArg, t_args};
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::pagination::Pagination;
use crate::pages::{PageCtx, PageError, parse_page};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_inbox_privacy.html")]
struct PrivacyPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    /// Admins and staff handle requests; auditors only read the log.
    writes: bool,
    /// The retention period and what the page is for.
    lead: String,
    form: FormState,
    /// What an access request found (the "show" action).
    found: Option<Vec<SubjectMessage>>,
    /// What an erasure just did.
    erased: Option<String>,
    disposals: Paged<DisposalEntry>,
    pagination: Option<Pagination>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PrivacyQuery {
    page: Option<String>,
    erased: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct RequestForm {
    email: Option<String>,
    /// `show`, `export` or `erase`.
    action: Option<String>,
    /// `yes`: the erasure is confirmed.
    confirm: Option<String>,
}

async fn privacy_page(
    ctx: &PageCtx,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    page: ldp_core::domain::Page,
    shown: Shown,
) -> Result<Response, PageError> {
    let Shown { form, found, erased } = shown;
    let disposals = state.contact.disposals(&viewer.actor, page).await.map_err(ctx.fail())?;
    let base = ctx.href("/workspace/inbox/privacy");
    let pagination = Pagination::new(&disposals, |n| format!("{base}?page={n}"));
    let page = PrivacyPage {
        title: ctx.t("privacy-title"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        writes: viewer.actor.edits_all_content(),
        lead: t_args(
            ctx.lang,
            "privacy-lead",
            &[("months", FluentArg::Number(i64::from(state.contact.settings().retention_months)))],
        ),
        form,
        found,
        erased: erased.map(|n| t_args(ctx.lang, "privacy-erased", &[("count", FluentArg::Number(n as i64))])),
        disposals,
        pagination: Some(pagination),
        ctx: ctx.clone(),
    };
    render_private(ctx, &page, status)
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<PrivacyQuery>,
) -> Result<Response, PageError> {
    let mut form = FormState::default();
    let mut status = StatusCode::OK;
    let page = parse_page(q.page.as_deref()).unwrap_or_else(|e| {
        form = FormState::default().with_error(ctx.lang, &AppError::invalid(e));
        status = StatusCode::BAD_REQUEST;
        ldp_core::domain::Page::default()
    });
    let erased = q.erased.as_deref().and_then(|n| n.parse::<u64>().ok());
    privacy_page(&ctx, &state, &viewer, status, page, Shown { form, found: None, erased }).await
}

pub async fn request(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<RequestForm>,
) -> Result<Response, PageError> {
    let email = form.email.as_deref().unwrap_or("");
    let done = match form.action.as_deref().unwrap_or("show") {
        "show" => state.contact.export_subject(&viewer.actor, email).await.map(|e| Done::Found(e.messages)),
        "export" => state.contact.export_subject(&viewer.actor, email).await.map(Done::Export),
        "erase" if form.confirm.as_deref() == Some("yes") => {
            state.contact.erase_subject(&viewer.actor, email).await.map(|r| Done::Erased(r.len() as u64))
        }
        "erase" => {
            // The address is checked too, so a request with both wrong shows both messages.
            let mut errors = InputError::new("confirm", "erase_confirm_required");
            if email.trim().is_empty() {
                errors.add("email", "required");
            } else if !ldp_core::services::accounts::valid_email(email.trim()) {
                errors.add("email", "invalid_email");
            }
            Err(errors.into())
        }
        _ => Err(InputError::new("action", "invalid_choice").into()),
    };
    match done {
        Ok(Done::Found(messages)) => {
            let shown = FormState::of(&RequestForm { email: form.email.clone(), action: None, confirm: None });
            let page = ldp_core::domain::Page::default();
            let shown = Shown { form: shown, found: Some(messages), erased: None };
            privacy_page(&ctx, &state, &viewer, StatusCode::OK, page, shown).await
        }
        Ok(Done::Export(export)) => {
            let body = serde_json::to_vec_pretty(&export).map_err(|e| ctx.fail()(AppError::internal(e)))?;
            let day = ldp_core::clock::istanbul_date(export.exported_at);
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"kvkk-access-{day}.json\"")),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                ],
                body,
            )
                .into_response())
        }
        Ok(Done::Erased(n)) => Ok(see_other(&format!("{}?erased={n}", ctx.href("/workspace/inbox/privacy")))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let refused = FormState::of(&form).with_error(ctx.lang, &error);
            let page = ldp_core::domain::Page::default();
            let shown = Shown { form: refused, ..Shown::default() };
            privacy_page(&ctx, &state, &viewer, error.status, page, shown).await
        }
    }
}

/// What the page shows besides the log: the request form as it stands, and what a request found or did.
#[derive(Default)]
struct Shown {
    form: FormState,
    found: Option<Vec<SubjectMessage>>,
    erased: Option<u64>,
}

enum Done {
    Found(Vec<SubjectMessage>),
    Export(ldp_core::services::contact::SubjectExport),
    Erased(u64),
}
