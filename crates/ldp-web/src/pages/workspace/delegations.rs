//! Delegations and protocol in the workspace: the visits a user keeps (all for staff and auditors, their
//! municipality's for a representative), and one visit's record — details and protocol notes, participants
//! with their contact details, and the gifts register — with its forms. `services/delegations.rs` decides
//! who may see and change what.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use ldp_core::domain::delegation::{Delegation, GiftDirection, Side};
use ldp_core::domain::{Event, EventId};
use ldp_core::services::delegations::{Access, DetailsInput, GiftInput, ParticipantInput};

use super::Me;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// A participant with their country's name in the page's language.
pub struct PersonView {
    pub id: i64,
    pub side: &'static str,
    pub rank: i64,
    pub name: String,
    pub title: String,
    pub organisation: String,
    pub country: String,
    pub email: String,
    pub phone: String,
}

/// The participants of `record`, countries named as the page's language (and Türkiye's usage) names them.
pub async fn people(ctx: &PageCtx, state: &AppState, record: &Delegation) -> Result<Vec<PersonView>, PageError> {
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    Ok(record
        .participants
        .iter()
        .map(|p| {
            let country = ldp_core::domain::CountryCode::parse(&p.person.country)
                .ok()
                .and_then(|c| reference.country(&c).map(|c| ctx.pick(&c.name)))
                .unwrap_or_else(|| p.person.country.clone());
            PersonView {
                id: p.id,
                side: p.person.side.as_str(),
                rank: p.person.precedence,
                name: p.person.name.clone(),
                title: p.person.title.clone(),
                organisation: p.person.organisation.clone(),
                country,
                email: p.person.email.clone(),
                phone: p.person.phone.clone(),
            }
        })
        .collect())
}

#[derive(askama::Template)]
#[template(path = "ws_delegations.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    visits: Vec<Event>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let visits = state.delegations.list(&viewer.actor).await.map_err(ctx.fail())?;
    let page = ListPage {
        title: ctx.t("ws-delegations"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        visits,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "ws_delegation.html")]
struct RecordPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    event: Event,
    record: Delegation,
    people: Vec<PersonView>,
    access: Access,
    details: FormState,
    participant: FormState,
    gift: FormState,
    sides: [Side; 2],
    directions: [GiftDirection; 2],
    saved: bool,
}

#[derive(Default)]
struct Forms {
    details: Option<FormState>,
    participant: Option<FormState>,
    gift: Option<FormState>,
    saved: bool,
}

async fn record_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: EventId,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (event, record, access) = state.delegations.get(&viewer.actor, id).await.map_err(ctx.fail())?;
    if !access.full {
        // The public part is on the event's public page; the workspace shows a record whole or not at all.
        return Err(PageError::new(ctx, crate::error::AppError::not_found()));
    }
    let people = people(&ctx, state, &record).await?;
    let details = forms.details.unwrap_or_else(|| FormState::of(&DetailsInput::of(&record.details)));
    let page = RecordPage {
        title: format!("{} · {}", ctx.t("ws-delegation"), event.fields.title.get(ctx.lang)),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&format!("/workspace/delegations/{}", id.0)),
        event,
        record,
        people,
        access,
        details,
        participant: forms.participant.unwrap_or_else(|| FormState::default().set("side", "guest")),
        gift: forms.gift.unwrap_or_else(|| FormState::default().set("direction", "received").set("currency", "TRY")),
        sides: Side::ALL,
        directions: GiftDirection::ALL,
        saved: forms.saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<crate::pages::forms::Saved>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let forms = Forms { saved: q.saved.is_some(), ..Forms::default() };
    record_page(ctx, &state, &viewer, id, forms, StatusCode::OK).await
}

fn saved(ctx: &PageCtx, id: EventId, anchor: &str) -> Response {
    see_other(&ctx.href(&format!("/workspace/delegations/{}?saved=1#{anchor}", id.0)))
}

pub async fn save(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<DetailsInput>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    match state.delegations.save(&viewer.actor, id, &form).await {
        Ok(_) => Ok(saved(&ctx, id, "details-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms = Forms { details: Some(FormState::of(&form).with_error(ctx.lang, &error)), ..Forms::default() };
            record_page(ctx, &state, &viewer, id, forms, error.status).await
        }
    }
}

pub async fn add_participant(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ParticipantInput>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    match state.delegations.add_participant(&viewer.actor, id, &form).await {
        Ok(_) => Ok(saved(&ctx, id, "participants-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            let forms = Forms { participant: Some(f), ..Forms::default() };
            record_page(ctx, &state, &viewer, id, forms, error.status).await
        }
    }
}

pub async fn remove_participant(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, participant)): Path<(String, String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let participant = ctx.path_id(&participant)?;
    state.delegations.remove_participant(&viewer.actor, id, participant).await.map_err(ctx.fail())?;
    Ok(saved(&ctx, id, "participants-title"))
}

pub async fn add_gift(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<GiftInput>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    match state.delegations.add_gift(&viewer.actor, id, &form).await {
        Ok(_) => Ok(saved(&ctx, id, "gifts-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms = Forms { gift: Some(FormState::of(&form).with_error(ctx.lang, &error)), ..Forms::default() };
            record_page(ctx, &state, &viewer, id, forms, error.status).await
        }
    }
}

pub async fn remove_gift(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, gift)): Path<(String, String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let gift = ctx.path_id(&gift)?;
    state.delegations.remove_gift(&viewer.actor, id, gift).await.map_err(ctx.fail())?;
    Ok(saved(&ctx, id, "gifts-title"))
}
