//! The compliance working view: relations whose legal trail is not fully recorded, per member, with every step
//! still to record. Staff and auditors see every member; a representative sees their own municipalities.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use ldp_core::domain::Role;
use ldp_core::domain::partnership::PartnershipFilter;
use ldp_core::services::partnerships::MemberCompliance;

use super::Me;
use crate::error::AppError;
use crate::pages::forms::render_private;
use crate::pages::{PageCtx, PageError};
use crate::session::SignedIn;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_compliance.html")]
struct CompliancePage {
    ctx: PageCtx,
    title: String,
    me: Me,
    groups: Vec<MemberCompliance>,
    total_gaps: usize,
    dormant: u64,
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let me = Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?;
    let all = PartnershipFilter { include_unpublished: true, ..PartnershipFilter::default() };
    let scopes: Vec<PartnershipFilter> = if viewer.user.role == Role::Representative {
        // `Me` read the representative's municipalities already.
        me.municipalities
            .iter()
            .map(|(slug, _)| PartnershipFilter { municipality: Some(slug.clone()), ..all.clone() })
            .collect()
    } else if viewer.actor.reads_everything() {
        vec![all]
    } else {
        return Err(PageError::new(ctx, AppError::forbidden()));
    };
    let (mut groups, mut dormant) = (Vec::new(), 0);
    for scope in &scopes {
        groups.extend(state.partnerships.compliance(scope).await.map_err(ctx.fail())?);
        let dormant_scope = PartnershipFilter { dormant: Some(true), ..scope.clone() };
        dormant +=
            state.partnerships.list(&dormant_scope, ldp_core::domain::Page::first(1)).await.map_err(ctx.fail())?.total;
    }
    groups.iter_mut().flat_map(|g| g.entries.iter_mut()).for_each(|e| e.partnership.localize(ctx.lang));
    let total_gaps = groups.iter().map(|g| g.entries.len()).sum();
    let page = CompliancePage { title: ctx.t("ws-compliance"), me, groups, total_gaps, dormant, ctx: ctx.clone() };
    render_private(&ctx, &page, StatusCode::OK)
}
