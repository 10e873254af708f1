//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from the handlers' own types.

mod attendance;
mod auth;
mod certificates;
mod contact;
pub(crate) mod delegations;
pub(crate) mod events;
mod extract;
mod funding;
mod funding_documents;
mod geo;
mod municipalities;
mod network_registry;
mod networks;
pub(crate) mod news;
mod outbox;
mod pages;
mod partnership_writes;
mod partnerships;
mod portfolio;
mod projects;
pub(crate) mod publications;
mod saved_searches;
mod sdgs;
mod training_record;
mod workspace_writes;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ErrorBody, ErrorDetail};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Local Diplomacy Platform API",
        description = "Networks, member municipalities, SDGs, countries and the world gazetteer of a union of \
                       municipalities. Errors are `{\"error\":{\"code\",\"message\",\"fields\"}}`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "networks", description = "International city networks and the union's memberships"),
        (name = "municipalities", description = "Member municipalities and provinces"),
        (name = "sdgs", description = "UN Sustainable Development Goals and targets"),
        (name = "geo", description = "Countries and the GeoNames gazetteer"),
        (name = "partnerships", description = "Sister-city and cooperation relations and their legal trail"),
        (name = "pages", description = "The editable pages (Local Diplomacy, about, network summaries): published text, revisions, saving, publishing and restoring"),
        (name = "contact", description = "The public contact form: a message from anyone, with the form's KVKK consent and spam defences"),
        (name = "funding", description = "Funding programmes, calls and competitions, and who may apply"),
        (name = "applications", description = "Municipalities' applications for funding and their stages (bearer token acting with its owner's role)"),
        (name = "projects", description = "The project portfolio: published projects, their summaries, and for tokens creation, edits and publication"),
        (name = "events", description = "Trainings, platform meetings, international meetings and delegations; \
            registration with an exact capacity and a first-in-first-out waitlist"),
        (name = "publications", description = "The union's reports, guides, bulletins, presentations and studies, \
            with their files"),
        (name = "news", description = "The union's news in Turkish and English; scheduled posts appear at their time"),
        (name = "workspace", description = "Municipal profiles, representatives, memberships and the audit trail \
            (bearer token acting with its owner's role)"),
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Writes take a bearer token that acts with its owner's role (created in the workspace or with
/// `ldp token create`); public reads are open.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Routes that take an uploaded document read a body up to [`funding_documents::UPLOAD_BODY_LIMIT`] (the
/// site's limit is lower).
fn upload_limit(
    (schemas, paths, router): utoipa_axum::router::UtoipaMethodRouter<AppState>,
) -> utoipa_axum::router::UtoipaMethodRouter<AppState> {
    (schemas, paths, router.layer(axum::extract::DefaultBodyLimit::max(funding_documents::UPLOAD_BODY_LIMIT)))
}

/// The API routes and the OpenAPI document that describes exactly them.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(networks::union_info))
        .routes(routes!(networks::list))
        .routes(routes!(networks::show))
        .routes(routes!(network_registry::list, network_registry::propose))
        .routes(routes!(network_registry::update))
        .routes(routes!(network_registry::approve))
        .routes(routes!(municipalities::provinces))
        .routes(routes!(municipalities::list))
        .routes(routes!(municipalities::show))
        .routes(routes!(sdgs::list))
        .routes(routes!(sdgs::show))
        .routes(routes!(geo::countries))
        .routes(routes!(geo::country))
        .routes(routes!(geo::cities))
        .routes(routes!(geo::city))
        .routes(routes!(partnerships::list, partnership_writes::create))
        .routes(routes!(partnership_writes::record_step))
        .routes(routes!(partnership_writes::add_activity))
        .routes(routes!(partnership_writes::set_sdgs))
        .routes(routes!(partnership_writes::set_publication))
        .routes(routes!(partnership_writes::set_proposal_date))
        .routes(routes!(partnerships::countries))
        .routes(routes!(partnerships::show))
        .routes(routes!(partnerships::compliance))
        .routes(routes!(workspace_writes::update_profile))
        .routes(routes!(workspace_writes::add_representative))
        .routes(routes!(workspace_writes::update_representative, workspace_writes::delete_representative))
        .routes(routes!(workspace_writes::add_membership))
        .routes(routes!(workspace_writes::update_membership))
        .routes(routes!(workspace_writes::audit))
        .routes(routes!(workspace_writes::me))
        .routes(routes!(outbox::list))
        .routes(routes!(funding::list, funding::create))
        .routes(routes!(funding::show, funding::update))
        .routes(routes!(funding::publish))
        .routes(routes!(funding::programmes))
        .routes(routes!(projects::list, projects::create))
        .routes(routes!(projects::show, projects::update))
        .routes(routes!(projects::move_stage))
        .routes(upload_limit(routes!(
            funding_documents::application_documents,
            funding_documents::upload_to_application
        )))
        .routes(routes!(funding_documents::application_document, funding_documents::delete_from_application))
        .routes(routes!(portfolio::list, portfolio::create))
        .routes(routes!(portfolio::summaries))
        .routes(routes!(portfolio::show, portfolio::update))
        .routes(routes!(portfolio::publish))
        .routes(upload_limit(routes!(funding_documents::project_documents, funding_documents::upload_to_project)))
        .routes(routes!(funding_documents::project_document, funding_documents::delete_from_project))
        .routes(routes!(pages::published))
        .routes(routes!(pages::revisions, pages::save))
        .routes(routes!(pages::publish))
        .routes(routes!(pages::restore))
        .routes(routes!(contact::form_info))
        .routes(routes!(contact::submit, contact::list))
        .routes(routes!(contact::show))
        .routes(routes!(contact::set_status))
        .routes(routes!(contact::add_note))
        .routes(routes!(contact::reply))
        .routes(routes!(contact::export_subject))
        .routes(routes!(contact::erase_subject))
        .routes(routes!(contact::disposals))
        .routes(routes!(events::list, events::create))
        .routes(routes!(events::show, events::update))
        .routes(routes!(events::set_status))
        .routes(routes!(events::register, events::registrations))
        .routes(routes!(events::cancel))
        .routes(routes!(events::accept_offer))
        .routes(routes!(events::decline_offer))
        .routes(routes!(events::approve))
        .routes(routes!(events::reject))
        .routes(routes!(attendance::sheet, attendance::check_in))
        .routes(routes!(attendance::undo))
        .routes(routes!(publications::list, publications::create))
        .routes(routes!(publications::show, publications::update))
        .routes(routes!(publications::set_status))
        .routes(routes!(certificates::list, certificates::issue))
        .routes(routes!(certificates::set_threshold))
        .routes(routes!(certificates::verify))
        .routes(routes!(certificates::revoke))
        .routes(routes!(training_record::me))
        .routes(routes!(training_record::report))
        .routes(routes!(delegations::show, delegations::save))
        .routes(routes!(delegations::add_participant))
        .routes(routes!(delegations::remove_participant))
        .routes(routes!(delegations::add_gift))
        .routes(routes!(delegations::remove_gift))
        .routes(routes!(news::list, news::create))
        .routes(routes!(news::show, news::update))
        .routes(routes!(saved_searches::list, saved_searches::create))
        .routes(routes!(saved_searches::show, saved_searches::update, saved_searches::delete))
        .split_for_parts()
}

/// The document, serialised once.
#[derive(Clone)]
pub struct OpenApiJson(pub Arc<str>);

/// Routes for the API and `/api/openapi.json`.
pub fn routes() -> Router<AppState> {
    let (api, doc) = router();
    let json: Arc<str> = doc.to_pretty_json().expect("the OpenAPI document serialises").into();
    api.route("/api/openapi.json", get(openapi_json)).layer(axum::Extension(OpenApiJson(json)))
}

async fn openapi_json(
    State(_): State<AppState>,
    axum::Extension(OpenApiJson(json)): axum::Extension<OpenApiJson>,
) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json.to_string()).into_response()
}
