//! The contact inbox (`/workspace/inbox`): messages from the contact form, routed to teams by rules staff
//! edit (`/workspace/inbox/rules`), worked through new → assigned → answered → closed with an assignee,
//! internal notes and replies mailed to the sender and kept. Admins and staff work it; auditors read it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use ldp_core::domain::contact::{ContactMessage, ContactNote, ContactTopic, MessageFilter, MessageStatus, RoutingRule};
use ldp_core::domain::{InputError, Paged, Role, User, UserId};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::pagination::Pagination;
use crate::pages::{PageCtx, PageError, parse_page};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct InboxQuery {
    /// A status, or `open` (the default) or `all`.
    status: Option<String>,
    topic: Option<String>,
    team: Option<String>,
    /// `me` for the viewer's own messages.
    assignee: Option<String>,
    #[serde(skip_serializing)]
    page: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "ws_inbox.html")]
struct InboxPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    form: FormState,
    statuses: [MessageStatus; 4],
    topics: [ContactTopic; 5],
    teams: Vec<String>,
    messages: Paged<ContactMessage>,
    names: HashMap<i64, String>,
    pagination: Option<Pagination>,
    today: time::Date,
}

impl InboxPage {
    fn age(&self, m: &ContactMessage) -> String {
        age(&self.ctx, self.today, m)
    }

    fn assignee(&self, m: &ContactMessage) -> String {
        m.assignee_id.and_then(|u| self.names.get(&u.0).cloned()).unwrap_or_default()
    }
}

/// How long ago a message came in, in whole days (Istanbul calendar).
fn age(ctx: &PageCtx, today: time::Date, m: &ContactMessage) -> String {
    let days = (today - ldp_core::clock::istanbul_date(m.created_at)).whole_days();
    crate::i18n::t_args(ctx.lang, "inbox-age-days", &[("days", crate::i18n::FluentArg::Number(days))])
}

/// The users who work the inbox (assignees), and every user's name for the lists.
async fn people(state: &AppState, viewer: &Viewer) -> Result<Vec<User>, ldp_core::services::ServiceError> {
    state.accounts.users(&viewer.actor).await
}

fn label(u: &User) -> String {
    if u.name.trim().is_empty() { u.email.clone() } else { format!("{} ({})", u.name, u.email) }
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let mut errors = InputError::default();
    let mut filter = MessageFilter::default();
    match q.status.as_deref().map(str::trim).unwrap_or("open") {
        "" | "open" => filter.open_only = true,
        "all" => {}
        s => match MessageStatus::parse(s) {
            Some(st) => filter.status = Some(st),
            None => errors.add("status", "invalid_choice"),
        },
    }
    match q.topic.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some(t) => match ContactTopic::parse(t) {
            Some(t) => filter.topic = Some(t),
            None => errors.add("topic", "invalid_choice"),
        },
    }
    filter.team = q.team.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    match q.assignee.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some("me") => filter.assignee = Some(viewer.user.id),
        Some(_) => errors.add("assignee", "invalid_choice"),
    }
    filter.page = parse_page(q.page.as_deref()).unwrap_or_else(|e| {
        errors.fields.extend(e.fields);
        ldp_core::domain::Page::default()
    });
    let messages = state.contact.inbox(&viewer.actor, &filter).await.map_err(ctx.fail())?;
    let rules = state.contact.rules(&viewer.actor).await.map_err(ctx.fail())?;
    let mut teams: Vec<String> = rules.into_iter().map(|r| r.team).collect();
    teams.sort();
    teams.dedup();
    let names = people(&state, &viewer).await.map_err(ctx.fail())?.iter().map(|u| (u.id.0, label(u))).collect();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let base = ctx.href("/workspace/inbox");
    let pagination = Pagination::new(&messages, |n| {
        if query.is_empty() { format!("{base}?page={n}") } else { format!("{base}?{query}&page={n}") }
    });
    let mut form = FormState::of(&q);
    if q.status.is_none() {
        form = form.set("status", "open");
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    if !errors.is_empty() {
        form = form.with_error(ctx.lang, &AppError::invalid(errors));
    }
    let page = InboxPage {
        title: ctx.t("ws-inbox"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        form,
        statuses: MessageStatus::ALL,
        topics: ContactTopic::ALL,
        teams,
        messages,
        names,
        pagination: Some(pagination),
        today: state.clock.today(),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

#[derive(askama::Template)]
#[template(path = "ws_inbox_message.html")]
struct MessagePage {
    ctx: PageCtx,
    title: String,
    me: Me,
    msg: ContactMessage,
    notes: Vec<ContactNote>,
    municipality: Option<String>,
    assignees: Vec<(i64, String)>,
    statuses: [MessageStatus; 4],
    writes: bool,
    age: String,
    /// The forms of the page: status and assignee, note, reply.
    update: FormState,
    note: FormState,
    reply: FormState,
    saved: Option<String>,
}

impl MessagePage {
    fn assignee(&self) -> String {
        let id = self.msg.assignee_id.map(|u| u.0);
        self.assignees.iter().find(|(i, _)| Some(*i) == id).map(|(_, n)| n.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    saved: Option<String>,
}

async fn message_page(
    ctx: &PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    status: StatusCode,
    forms: (FormState, FormState, FormState),
    saved: Option<String>,
) -> Result<Response, PageError> {
    let (message, notes) = state.contact.message(&viewer.actor, id).await.map_err(ctx.fail())?;
    let snapshot = state.reference.read().await.map_err(ctx.fail())?;
    let municipality = message.municipality_id.and_then(|m| snapshot.municipality(m)).map(|m| ctx.official(m));
    let assignees = people(state, viewer)
        .await
        .map_err(ctx.fail())?
        .iter()
        .filter(|u| !u.disabled && matches!(u.role, Role::Admin | Role::Staff))
        .map(|u| (u.id.0, label(u)))
        .collect();
    let (mut update, note, reply) = forms;
    if update.values.is_empty() {
        update = update.set("status", message.status.as_str());
        if let Some(a) = message.assignee_id {
            update = update.set("assignee", a.0.to_string());
        }
    }
    let page = MessagePage {
        title: format!("{} {}", ctx.t("inbox-message"), message.reference),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        age: age(ctx, state.clock.today(), &message),
        msg: message,
        notes,
        municipality,
        assignees,
        statuses: MessageStatus::ALL,
        writes: viewer.actor.edits_all_content(),
        update,
        note,
        reply,
        saved,
        ctx: ctx.clone(),
    };
    render_private(ctx, &page, status)
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let id = ctx.path_id(&id)?;
    let saved = done.saved.filter(|s| ["status", "note", "reply"].contains(&s.as_str()));
    let empty = (FormState::default(), FormState::default(), FormState::default());
    message_page(&ctx, &state, &viewer, id, StatusCode::OK, empty, saved).await
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct UpdateForm {
    status: Option<String>,
    assignee: Option<String>,
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<UpdateForm>,
) -> Result<Response, PageError> {
    let id = ctx.path_id(&id)?;
    let assignee = match form.assignee.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => {
            raw.parse::<i64>().map(|i| Some(UserId(i))).map_err(|_| InputError::new("assignee", "invalid_assignee"))
        }
    };
    let result = match assignee {
        Ok(a) => state.contact.update(&viewer.actor, id, form.status.as_deref(), a).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("{}?saved=status", ctx.href(&format!("/workspace/inbox/{id}"))))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let update = FormState::of(&form).with_error(ctx.lang, &error);
            message_page(
                &ctx,
                &state,
                &viewer,
                id,
                error.status,
                (update, FormState::default(), FormState::default()),
                None,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct BodyForm {
    body: Option<String>,
}

pub async fn note(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<BodyForm>,
) -> Result<Response, PageError> {
    append(ctx, state, viewer, &id, form, Appended::Note).await
}

pub async fn reply(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<BodyForm>,
) -> Result<Response, PageError> {
    append(ctx, state, viewer, &id, form, Appended::Reply).await
}

/// What the message page's two text forms add.
#[derive(Clone, Copy)]
enum Appended {
    Note,
    Reply,
}

/// Adds an internal note or a mailed reply, then shows the message again; a refused text comes back in its own
/// form with the message beside it.
async fn append(
    ctx: PageCtx,
    state: AppState,
    viewer: Viewer,
    id: &str,
    form: BodyForm,
    what: Appended,
) -> Result<Response, PageError> {
    let id = ctx.path_id(id)?;
    let body = form.body.as_deref().unwrap_or("");
    let (done, saved) = match what {
        Appended::Note => (state.contact.note(&viewer.actor, id, body).await, "note"),
        Appended::Reply => (state.contact.reply(&viewer.actor, id, body).await, "reply"),
    };
    match done {
        Ok(_) => Ok(see_other(&format!("{}?saved={saved}", ctx.href(&format!("/workspace/inbox/{id}"))))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let refused = FormState::of(&form).with_error(ctx.lang, &error);
            let forms = match what {
                Appended::Note => (FormState::default(), refused, FormState::default()),
                Appended::Reply => (FormState::default(), FormState::default(), refused),
            };
            message_page(&ctx, &state, &viewer, id, error.status, forms, None).await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "ws_inbox_rules.html")]
struct RulesPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    rules: Vec<RoutingRule>,
    writes: bool,
    /// The topic whose form was refused, with its state.
    refused: Option<(ContactTopic, FormState)>,
    saved: bool,
}

impl RulesPage {
    fn team_value(&self, rule: &RoutingRule) -> String {
        match &self.refused {
            Some((t, f)) if *t == rule.topic => f.value("team").to_owned(),
            _ => rule.team.clone(),
        }
    }

    fn team_error(&self, rule: &RoutingRule) -> Option<String> {
        match &self.refused {
            Some((t, f)) if *t == rule.topic => f.error("team").cloned(),
            _ => None,
        }
    }
}

async fn rules_page(
    ctx: &PageCtx,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    refused: Option<(ContactTopic, FormState)>,
    saved: bool,
) -> Result<Response, PageError> {
    let rules = state.contact.rules(&viewer.actor).await.map_err(ctx.fail())?;
    let page = RulesPage {
        title: ctx.t("inbox-rules"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        rules,
        writes: viewer.actor.edits_all_content(),
        refused,
        saved,
        ctx: ctx.clone(),
    };
    render_private(ctx, &page, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct RulesQuery {
    saved: Option<String>,
}

pub async fn rules(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    rules_page(&ctx, &state, &viewer, StatusCode::OK, None, q.saved.is_some()).await
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct RuleForm {
    topic: Option<String>,
    team: Option<String>,
}

pub async fn save_rule(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<RuleForm>,
) -> Result<Response, PageError> {
    let topic = form.topic.as_deref().unwrap_or("");
    match state.contact.set_rule(&viewer.actor, topic, form.team.as_deref().unwrap_or("")).await {
        Ok(()) => Ok(see_other(&ctx.href("/workspace/inbox/rules?saved=1"))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let Some(topic) = ContactTopic::parse(topic) else { return Err(PageError::new(ctx.clone(), error)) };
            let state_form = FormState::of(&form).with_error(ctx.lang, &error);
            rules_page(&ctx, &state, &viewer, error.status, Some((topic, state_form)), false).await
        }
    }
}
