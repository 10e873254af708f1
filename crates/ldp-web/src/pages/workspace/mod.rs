//! The workspace (`/{lang}/workspace`): what union staff and municipal representatives see once signed in.
//! Every page checks the viewer here and the services check the actor again.

mod applications;
mod attendance;
pub mod audit;
pub mod audit_view;
mod calendar;
mod calls;
mod certificates;
mod compliance;
mod content;
pub(crate) mod delegations;
mod documents;
mod events;
mod inbox;
mod inbox_privacy;
mod municipality;
mod networks;
mod news;
mod outbox;
mod partnership;
mod places;
mod projects;
mod publications;
mod saved_searches;
pub(crate) mod training_record;
mod users;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use ldp_core::domain::partnership::{Partnership, PartnershipFilter};
use ldp_core::domain::{Municipality, Page, Paged, Role};
use ldp_core::reference::model::ReferenceModel;
use ldp_core::store::StoreError;

use super::forms::render_private;
use super::{PageCtx, PageError};

use crate::session::{SignedIn, Viewer};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{lang}/workspace", get(dashboard))
        .route("/{lang}/workspace/account", get(super::account::account))
        .route("/{lang}/workspace/account/password", post(super::account::change_password))
        .route("/{lang}/workspace/account/tokens", post(super::account::create_token))
        .route("/{lang}/workspace/account/tokens/{id}/revoke", post(super::account::revoke_token))
        .route("/{lang}/workspace/account/sign-out-everywhere", post(super::account::sign_out_everywhere))
        .route("/{lang}/workspace/municipalities/{slug}", get(municipality::show).post(municipality::save_profile))
        .route(
            "/{lang}/workspace/municipalities/{slug}/representatives/new",
            get(municipality::new_representative).post(municipality::create_representative),
        )
        .route(
            "/{lang}/workspace/municipalities/{slug}/representatives/{id}",
            get(municipality::edit_representative).post(municipality::update_representative),
        )
        .route(
            "/{lang}/workspace/municipalities/{slug}/representatives/{id}/delete",
            post(municipality::delete_representative),
        )
        .route(
            "/{lang}/workspace/municipalities/{slug}/memberships/new",
            get(municipality::new_membership).post(municipality::create_membership),
        )
        .route(
            "/{lang}/workspace/municipalities/{slug}/memberships/{id}",
            get(municipality::edit_membership).post(municipality::update_membership),
        )
        .route("/{lang}/workspace/inbox", get(inbox::list))
        .route("/{lang}/workspace/inbox/rules", get(inbox::rules).post(inbox::save_rule))
        .route("/{lang}/workspace/inbox/privacy", get(inbox_privacy::show).post(inbox_privacy::request))
        .route("/{lang}/workspace/inbox/{id}", get(inbox::show))
        .route("/{lang}/workspace/inbox/{id}/status", post(inbox::update))
        .route("/{lang}/workspace/inbox/{id}/notes", post(inbox::note))
        .route("/{lang}/workspace/inbox/{id}/reply", post(inbox::reply))
        .route("/{lang}/workspace/outbox", get(outbox::list))
        .route("/{lang}/workspace/outbox/{id}/retry", post(outbox::retry))
        .route("/{lang}/workspace/networks", get(networks::list))
        .route("/{lang}/workspace/networks/new", get(networks::new_form).post(networks::create))
        .route("/{lang}/workspace/networks/{id}", get(networks::edit).post(networks::update))
        .route("/{lang}/workspace/networks/{id}/approve", post(networks::approve))
        .route("/{lang}/workspace/pages", get(content::list))
        .route("/{lang}/workspace/pages/diff", get(content::diff))
        .route("/{lang}/workspace/pages/revisions/{id}/publish", post(content::publish))
        .route("/{lang}/workspace/pages/revisions/{id}/restore", post(content::restore))
        .route("/{lang}/workspace/pages/{key}/{lang_of_text}", get(content::edit).post(content::save))
        .route("/{lang}/workspace/calls", get(calls::list))
        .route("/{lang}/workspace/calls/new", get(calls::new_form).post(calls::create))
        .route("/{lang}/workspace/calls/{id}", get(calls::show).post(calls::update))
        .route("/{lang}/workspace/calls/{id}/publication", post(calls::publish))
        .route("/{lang}/workspace/saved-searches", get(saved_searches::list).post(saved_searches::create))
        .route("/{lang}/workspace/saved-searches/{id}", post(saved_searches::update))
        .route("/{lang}/workspace/saved-searches/{id}/delete", post(saved_searches::delete))
        .route("/{lang}/workspace/applications", get(applications::list))
        .route("/{lang}/workspace/applications/new", get(applications::new_form).post(applications::create))
        .route("/{lang}/workspace/applications/{id}", get(applications::show).post(applications::update))
        .route("/{lang}/workspace/applications/{id}/stage", post(applications::move_stage))
        .route(
            "/{lang}/workspace/applications/{id}/documents",
            post(documents::upload_to_application).layer(axum::extract::DefaultBodyLimit::max(
                ldp_core::services::documents::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/{lang}/workspace/applications/{id}/documents/{document}", get(documents::download_from_application))
        .route(
            "/{lang}/workspace/applications/{id}/documents/{document}/delete",
            post(documents::delete_from_application),
        )
        .route("/{lang}/workspace/projects", get(projects::list))
        .route("/{lang}/workspace/projects/new", get(projects::new_form).post(projects::create))
        .route("/{lang}/workspace/projects/{id}", get(projects::show).post(projects::update))
        .route("/{lang}/workspace/projects/{id}/publish", post(projects::publish))
        .route(
            "/{lang}/workspace/projects/{id}/documents",
            post(documents::upload_to_project).layer(axum::extract::DefaultBodyLimit::max(
                ldp_core::services::documents::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/{lang}/workspace/projects/{id}/documents/{document}", get(documents::download_from_project))
        .route("/{lang}/workspace/projects/{id}/documents/{document}/delete", post(documents::delete_from_project))
        .route("/{lang}/workspace/projects/{id}/documents/{document}/public", post(documents::set_public))
        .route("/{lang}/workspace/events", get(events::list))
        .route("/{lang}/workspace/events/new", get(events::new_form).post(events::create))
        .route("/{lang}/workspace/events/{id}", get(events::show).post(events::update))
        .route("/{lang}/workspace/events/{id}/status", post(events::set_status))
        .route("/{lang}/workspace/events/{id}/registrations", post(events::register))
        .route("/{lang}/workspace/registrations/{id}/cancel", post(events::cancel_registration))
        .route("/{lang}/workspace/registrations/{id}/accept", post(events::accept_offer))
        .route("/{lang}/workspace/registrations/{id}/decline", post(events::decline_offer))
        .route("/{lang}/workspace/registrations/{id}/approve", post(events::approve))
        .route("/{lang}/workspace/registrations/{id}/reject", post(events::reject))
        .route("/{lang}/workspace/delegations", get(delegations::list))
        .route("/{lang}/workspace/delegations/{id}", get(delegations::show).post(delegations::save))
        .route("/{lang}/workspace/delegations/{id}/participants", post(delegations::add_participant))
        .route(
            "/{lang}/workspace/delegations/{id}/participants/{participant}/remove",
            post(delegations::remove_participant),
        )
        .route("/{lang}/workspace/delegations/{id}/gifts", post(delegations::add_gift))
        .route("/{lang}/workspace/delegations/{id}/gifts/{gift}/remove", post(delegations::remove_gift))
        .route("/{lang}/workspace/events/{id}/check-in", get(attendance::show).post(attendance::save_list))
        .route("/{lang}/workspace/events/{id}/check-in/code", post(attendance::check_in_code))
        .route("/{lang}/workspace/events/{id}/certificates", get(certificates::show).post(certificates::issue))
        .route("/{lang}/workspace/events/{id}/certificates/threshold", post(certificates::set_threshold))
        .route("/{lang}/workspace/certificates/{code}/revoke", post(certificates::revoke))
        .route("/{lang}/workspace/training-record", get(training_record::mine))
        .route("/{lang}/workspace/training-record.csv", get(training_record::mine_csv))
        .route("/{lang}/workspace/training-record.xlsx", get(training_record::mine_xlsx))
        .route("/{lang}/workspace/training-record/person", get(training_record::person))
        .route("/{lang}/workspace/training-record/person.csv", get(training_record::person_csv))
        .route("/{lang}/workspace/training-record/person.xlsx", get(training_record::person_xlsx))
        .route("/{lang}/workspace/training-record/hours", get(training_record::hours_page))
        .route("/{lang}/workspace/training-record/hours.csv", get(training_record::hours_csv))
        .route("/{lang}/workspace/training-record/hours.xlsx", get(training_record::hours_xlsx))
        .route("/{lang}/workspace/publications", get(publications::list))
        .route("/{lang}/workspace/publications/new", get(publications::new_form).post(publications::create))
        .route("/{lang}/workspace/publications/{id}", get(publications::show).post(publications::update))
        .route("/{lang}/workspace/publications/{id}/status", post(publications::set_status))
        .route(
            "/{lang}/workspace/publications/{id}/files",
            post(publications::upload).layer(axum::extract::DefaultBodyLimit::max(
                ldp_core::services::documents::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/{lang}/workspace/publications/{id}/files/{file}/remove", post(publications::remove_file))
        .route("/{lang}/workspace/news", get(news::list))
        .route("/{lang}/workspace/news/new", get(news::new_form).post(news::create))
        .route("/{lang}/workspace/news/{id}", get(news::show).post(news::update))
        .route(
            "/{lang}/workspace/news/{id}/image",
            post(news::upload)
                .layer(axum::extract::DefaultBodyLimit::max(ldp_core::services::news::MAX_IMAGE_BYTES + 64 * 1024)),
        )
        .route("/{lang}/workspace/news/{id}/image/remove", post(news::remove_image))
        .route("/{lang}/workspace/calendar", get(calendar::show).post(calendar::start))
        .route("/{lang}/workspace/calendar/revoke", post(calendar::revoke))
        .route("/{lang}/workspace/places", get(places::list))
        .route("/{lang}/workspace/places/{id}/merge", post(places::merge))
        .route("/{lang}/workspace/partnerships/new", get(partnership::new_form).post(partnership::create))
        .route("/{lang}/workspace/partnerships/{id}", get(partnership::show))
        .route("/{lang}/workspace/partnerships/{id}/steps", post(partnership::record_step))
        .route("/{lang}/workspace/partnerships/{id}/activities", post(partnership::add_activity))
        .route("/{lang}/workspace/partnerships/{id}/sdgs", post(partnership::set_sdgs))
        .route("/{lang}/workspace/partnerships/{id}/publication", post(partnership::set_publication))
        .route("/{lang}/workspace/partnerships/{id}/proposal-date", post(partnership::set_proposal_date))
        .route(
            "/{lang}/workspace/partnerships/{id}/documents",
            post(partnership::upload).layer(axum::extract::DefaultBodyLimit::max(
                ldp_core::services::documents::MAX_DOCUMENT_BYTES + 64 * 1024,
            )),
        )
        .route("/{lang}/workspace/users", get(users::list).post(users::invite))
        .route("/{lang}/workspace/users/{id}", get(users::edit).post(users::update))
        .route("/{lang}/workspace/compliance", get(compliance::show))
        .route("/{lang}/workspace/audit", get(audit::log))
        .route("/{lang}/workspace/audit.csv", get(audit::export_csv))
}

/// The signed-in person as the workspace frame shows them.
#[derive(Debug, Clone)]
pub struct Me {
    pub email: String,
    pub role: Role,
    pub csrf: String,
    /// (slug, official name) of the municipalities a representative speaks for.
    pub municipalities: Vec<(String, String)>,
    pub edits: bool,
    pub reads_audit: bool,
    pub reads_users: bool,
}

impl Me {
    /// The header's facts about the viewer; their municipalities come from the reference model.
    pub async fn of(viewer: &Viewer, reference: &ReferenceModel) -> Result<Me, StoreError> {
        let municipalities = reference
            .read()
            .await?
            .municipalities_by_id(&viewer.user.municipalities)
            .into_iter()
            .map(|m| {
                let name = m.official_name().tr;
                (m.slug, name)
            })
            .collect();
        let a = &viewer.actor;
        Ok(Me {
            email: viewer.user.email.clone(),
            role: viewer.user.role,
            csrf: viewer.session.csrf_token.clone(),
            municipalities,
            edits: matches!(a.role, Some(Role::Admin | Role::Staff | Role::Representative)),
            reads_audit: a.reads_audit_log(),
            reads_users: a.reads_everything(),
        })
    }

    pub fn role_key(&self) -> String {
        format!("role-{}", self.role.as_str())
    }
}

/// One municipality's (or the whole union's) relations that need attention.
pub struct Attention {
    pub label: String,
    pub slug: Option<String>,
    pub incomplete: Paged<Partnership>,
    pub dormant: Paged<Partnership>,
}

#[derive(askama::Template)]
#[template(path = "workspace.html")]
struct DashboardPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    attention: Vec<Attention>,
    /// For a representative: each of their municipalities with the open calls it may apply to.
    open_calls: Vec<(String, Vec<ldp_core::domain::funding::Call>)>,
    recent: Vec<audit_view::AuditLine>,
    /// The dashboard lists changes without their fields; the audit log shows them.
    show_changes: bool,
    /// Contact messages not yet closed (for those who read the inbox).
    open_messages: Option<u64>,
}

async fn attention(
    state: &AppState,
    municipality: Option<&Municipality>,
    label: String,
) -> Result<Attention, ldp_core::services::ServiceError> {
    let base = PartnershipFilter {
        municipality: municipality.map(|m| m.slug.clone()),
        include_unpublished: true,
        ..PartnershipFilter::default()
    };
    let page = Page::first(10);
    let incomplete = state
        .partnerships
        .list(&PartnershipFilter { trail_incomplete: Some(true), ended: Some(false), ..base.clone() }, page)
        .await?;
    // A dormant relation whose documents are not all recorded is already listed above (marked dormant there),
    // so this list holds the others: each relation appears once.
    let dormant = state
        .partnerships
        .list(&PartnershipFilter { dormant: Some(true), trail_incomplete: Some(false), ..base }, page)
        .await?;
    Ok(Attention { label, slug: municipality.map(|m| m.slug.clone()), incomplete, dormant })
}

pub async fn dashboard(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let me = Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?;
    let mut sections = Vec::new();
    let mut open_calls = Vec::new();
    if viewer.user.role == Role::Representative {
        let reference = state.reference.read().await.map_err(ctx.fail())?;
        for m in reference.municipalities_by_id(&viewer.user.municipalities) {
            let label = ctx.official(&m);
            let calls = state.funding.open_calls_for(&m, 10).await.map_err(ctx.fail())?;
            open_calls.push((label.clone(), calls.into_iter().map(|(c, _)| c).collect()));
            sections.push(attention(&state, Some(&m), label).await.map_err(ctx.fail())?);
        }
    } else {
        sections.push(attention(&state, None, ctx.union_name()).await.map_err(ctx.fail())?);
    }
    let open_messages = if viewer.actor.reads_everything() {
        Some(state.contact.open_count(&viewer.actor).await.map_err(ctx.fail())?)
    } else {
        None
    };
    let recent = state.audit.recent(&viewer.actor, 15).await.map_err(ctx.fail())?;
    let recent = audit_view::lines(&state.store, ctx.lang, state.clock.today(), &recent).await.map_err(ctx.fail())?;
    let page = DashboardPage {
        title: ctx.t("ws-dashboard"),
        me,
        attention: sections,
        open_calls,
        recent,
        show_changes: false,
        open_messages,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}
