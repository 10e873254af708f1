//! The outbox (`/workspace/outbox`): the job queue as staff and auditors see it — every mail queued, sent,
//! waiting for another attempt, or given up, with the last error; admins and staff send a failed one again.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use ldp_core::domain::{InputError, Paged};
use ldp_core::jobs::{Job, JobFilter, JobId, JobState};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, render_private, see_other};
use crate::pages::pagination::Pagination;
use crate::pages::{PageCtx, PageError, parse_page};
use crate::session::{CsrfForm, SignedIn};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct OutboxQuery {
    state: Option<String>,
    #[serde(skip_serializing)]
    page: Option<String>,
    #[serde(skip_serializing)]
    retried: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "ws_outbox.html")]
struct OutboxPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    form: FormState,
    states: [JobState; 4],
    jobs: Paged<Job>,
    pagination: Option<Pagination>,
    retries: bool,
    retried: bool,
}

impl OutboxPage {
    fn kind_label(&self, job: &Job) -> String {
        crate::i18n::try_t(self.ctx.lang, &format!("outbox-kind-{}", job.kind)).unwrap_or_else(|| job.kind.clone())
    }

    fn outcome_label(&self, job: &Job) -> String {
        match &job.outcome {
            Some(o) => crate::i18n::try_t(self.ctx.lang, &format!("outbox-outcome-{o}")).unwrap_or_else(|| o.clone()),
            None => String::new(),
        }
    }
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, PageError> {
    let mut errors = InputError::default();
    let job_state = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match JobState::parse(s) {
            Some(st) => Some(st),
            None => {
                errors.add("state", "invalid");
                None
            }
        },
    };
    let page = parse_page(q.page.as_deref()).unwrap_or_else(|e| {
        errors.fields.extend(e.fields);
        ldp_core::domain::Page::default()
    });
    let filter = JobFilter { state: job_state, page };
    let jobs = state.jobs.list(&viewer.actor, &filter).await.map_err(ctx.fail())?;
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let base = ctx.href("/workspace/outbox");
    let pagination = Pagination::new(&jobs, |n| {
        if query.is_empty() { format!("{base}?page={n}") } else { format!("{base}?{query}&page={n}") }
    });
    let mut form = FormState::of(&q);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    if !errors.is_empty() {
        form = form.with_error(ctx.lang, &AppError::invalid(errors));
    }
    let page = OutboxPage {
        title: ctx.t("ws-outbox"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        form,
        states: JobState::ALL,
        jobs,
        pagination: Some(pagination),
        retries: viewer.actor.invites_users(),
        retried: q.retried.is_some(),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn retry(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = ctx.path_id(&id)?;
    state.jobs.retry(&viewer.actor, JobId(id)).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href("/workspace/outbox?retried=1")))
}
