//! The compliance working view: relations whose legal trail is not fully recorded and that have not ended,
//! grouped by member, with every step still to record, one page at a time. Staff and auditors see every
//! member (or one, chosen); a representative sees one of their own municipalities at a time.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use ldp_core::domain::partnership::PartnershipFilter;
use ldp_core::domain::{Page, Role};
use ldp_core::services::partnerships::MemberCompliance;

use super::Me;
use crate::error::AppError;
use crate::pages::forms::render_private;
use crate::pages::pagination::Pagination;
use crate::pages::{PageCtx, PageError, parse_page};
use crate::session::SignedIn;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ComplianceQuery {
    /// One member's relations (a representative's own, or any member for staff and auditors).
    municipality: Option<String>,
    page: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "ws_compliance.html")]
struct CompliancePage {
    ctx: PageCtx,
    title: String,
    me: Me,
    /// The member shown, when the view is narrowed to one: (slug, name).
    chosen: Option<(String, String)>,
    /// The members the viewer may choose between (a representative's own, when more than one).
    choices: Vec<(String, String)>,
    /// Staff and auditors looking at one member get a link back to every member.
    all_members_link: bool,
    groups: Vec<MemberCompliance>,
    total_gaps: u64,
    dormant: u64,
    pagination: Option<Pagination>,
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, PageError> {
    let me = Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?;
    let asked = q.municipality.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let (chosen, choices) = if viewer.user.role == Role::Representative {
        // `Me` read the representative's municipalities already; the first is shown unless another is asked.
        let own = me.municipalities.clone();
        let chosen = own.iter().find(|(slug, _)| Some(slug.as_str()) == asked).or(own.first()).cloned();
        let Some(chosen) = chosen else { return Err(PageError::new(ctx, AppError::forbidden())) };
        (Some(chosen), if own.len() > 1 { own } else { Vec::new() })
    } else if viewer.actor.reads_everything() {
        let chosen = match asked {
            None => None,
            Some(slug) => {
                let m = state.store.municipality_by_slug(slug).await.map_err(ctx.fail())?;
                Some(m.map(|m| (m.slug, m.name)).ok_or_else(|| PageError::new(ctx.clone(), AppError::not_found()))?)
            }
        };
        (chosen, Vec::new())
    } else {
        return Err(PageError::new(ctx, AppError::forbidden()));
    };
    let page = parse_page(q.page.as_deref()).map_err(|e| PageError::new(ctx.clone(), AppError::invalid(e)))?;
    let scope = PartnershipFilter {
        municipality: chosen.as_ref().map(|(slug, _)| slug.clone()),
        include_unpublished: true,
        ..PartnershipFilter::default()
    };
    let gaps = state.partnerships.compliance(&scope, page).await.map_err(ctx.fail())?;
    if gaps.is_past_end() {
        return Err(PageError::new(ctx, AppError::not_found()));
    }
    let dormant_scope = PartnershipFilter { dormant: Some(true), ..scope };
    let dormant = state.partnerships.list(&dormant_scope, Page::first(1)).await.map_err(ctx.fail())?.total;
    let base = match &chosen {
        Some((slug, _)) => format!("{}?municipality={slug}&", ctx.href("/workspace/compliance")),
        None => format!("{}?", ctx.href("/workspace/compliance")),
    };
    let pagination = Some(Pagination::new(&gaps, |n| format!("{base}page={n}")));
    let total_gaps = gaps.total;
    let mut entries = gaps.items;
    entries.iter_mut().for_each(|e| e.partnership.localize(ctx.lang));
    let all_members_link = viewer.user.role != Role::Representative && chosen.is_some();
    let page = CompliancePage {
        title: ctx.t("ws-compliance"),
        me,
        chosen,
        all_members_link,
        choices,
        groups: MemberCompliance::group(entries),
        total_gaps,
        dormant,
        pagination,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}
