//! Certificates in the workspace: staff see an event's attendees with their checked-in hours, set the
//! threshold, issue certificates to everyone eligible not yet certified ("issue certificates", which says
//! how many it issued) and revoke one with a reason. `services/certificates.rs` decides who may do what.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use ldp_core::domain::EventId;
use ldp_core::domain::certificate::{Certificate, hours};
use ldp_core::services::certificates::{CertificateSheet, RevocationInput, ThresholdInput};

use super::Me;
use crate::certificate_pdf::hours_text;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_certificates.html")]
struct CertificatesPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    sheet: CertificateSheet,
    threshold: FormState,
    /// The revocation form that failed: the certificate's code and its state.
    revoke: Option<(String, FormState)>,
    /// How many the last "issue" issued.
    issued: Option<usize>,
    saved: bool,
}

impl CertificatesPage {
    fn hours(&self, minutes: &i64) -> String {
        hours_text(self.ctx.lang, hours(*minutes))
    }

    fn revoke_error(&self, code: &str) -> Option<&String> {
        self.revoke.as_ref().filter(|(c, _)| c == code).and_then(|(_, f)| f.error("reason"))
    }

    fn revoke_value(&self, code: &str) -> &str {
        self.revoke.as_ref().filter(|(c, _)| c == code).map_or("", |(_, f)| f.value("reason"))
    }

    fn certificate_of(&self, registration: &ldp_core::domain::RegistrationId, attendee: &u32) -> Option<&Certificate> {
        self.sheet.certificates.iter().find(|c| c.registration == *registration && c.attendee == *attendee)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SheetQuery {
    issued: Option<String>,
    saved: Option<String>,
}

struct Forms {
    threshold: FormState,
    revoke: Option<(String, FormState)>,
    issued: Option<usize>,
    saved: bool,
}

async fn page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: EventId,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let sheet = state.certificates.sheet(&viewer.actor, id).await.map_err(ctx.fail())?;
    let threshold = if forms.threshold.values.is_empty() {
        forms.threshold.set("threshold_percent", sheet.threshold_percent.to_string())
    } else {
        forms.threshold
    };
    let page = CertificatesPage {
        title: format!("{}: {}", ctx.t("ws-certificates"), sheet.event.fields.title.get(ctx.lang)),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&format!("/workspace/events/{}/certificates", id.0)),
        sheet,
        threshold,
        revoke: forms.revoke,
        issued: forms.issued,
        saved: forms.saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

fn no_forms() -> Forms {
    Forms { threshold: FormState::default(), revoke: None, issued: None, saved: false }
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<SheetQuery>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let forms = Forms { issued: q.issued.and_then(|n| n.parse().ok()), saved: q.saved.is_some(), ..no_forms() };
    page(ctx, &state, &viewer, id, forms, StatusCode::OK).await
}

/// The "issue certificates" form holds nothing but its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct IssueForm {}

/// "Issue certificates": everyone eligible and not yet certified.
pub async fn issue(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<IssueForm>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    match state.certificates.issue(&viewer.actor, id).await {
        Ok(report) => {
            Ok(see_other(&ctx.href(&format!("/workspace/events/{}/certificates?issued={}", id.0, report.issued))))
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let threshold = FormState::default().with_error(ctx.lang, &error);
            page(ctx, &state, &viewer, id, Forms { threshold, ..no_forms() }, error.status).await
        }
    }
}

pub async fn set_threshold(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ThresholdInput>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    match state.certificates.set_threshold(&viewer.actor, id, &form).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}/certificates?saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let threshold = FormState::of(&form).with_error(ctx.lang, &error);
            page(ctx, &state, &viewer, id, Forms { threshold, ..no_forms() }, error.status).await
        }
    }
}

/// The revocation form: the certificate's code and a reason.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct RevokeForm {
    reason: Option<String>,
}

pub async fn revoke(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, code)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<RevokeForm>,
) -> Result<Response, PageError> {
    let certificate = state.certificates.verify(&code).await.map_err(ctx.fail())?;
    let event = certificate.training.event;
    let input = RevocationInput { reason: form.reason.clone() };
    match state.certificates.revoke(&viewer.actor, &certificate.code, &input).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}/certificates?saved=1", event.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let shown = FormState::of(&form).with_error(ctx.lang, &error);
            let forms = Forms { revoke: Some((certificate.code, shown)), ..no_forms() };
            page(ctx, &state, &viewer, event, forms, error.status).await
        }
    }
}
