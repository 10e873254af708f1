//! Changes to a partnership besides its trail and activities: its goals after creation, the municipality's
//! choice to publish a proposal before the council decides on it, and correcting the proposal's date.

use std::collections::BTreeMap;

use super::ServiceError;
use super::partnerships::{Partnerships, parse_goals};
use crate::clock::istanbul_date;
use crate::domain::partnership::{
    GoalActivity, Partnership, PartnershipDetail, PartnershipFilter, PartnershipId, Refusal, Stage, TrailEvent,
    parse_date,
};
use crate::domain::{Actor, Change, GoalNumber, InputError, MunicipalityId};

fn goal_list(goals: &[GoalNumber]) -> String {
    goals.iter().map(|g| g.get().to_string()).collect::<Vec<_>>().join(",")
}

impl Partnerships {
    /// Replaces the goals of a relation (`raw`: comma-separated numbers; empty clears them).
    pub async fn set_sdgs(&self, id: PartnershipId, raw: Option<&str>, actor: &Actor) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let detail = self.editable(id, actor, now).await?;
        let sdgs = parse_goals("sdgs", raw)?;
        let change = Change::new(actor, now, "update", "partnership")
            .record(id.0)
            .of(MunicipalityId(detail.partnership.member.id))
            .before(serde_json::json!({ "sdgs": goal_list(&detail.partnership.sdgs) }))
            .after(serde_json::json!({ "sdgs": goal_list(&sdgs) }));
        if self.store_ref().set_partnership_sdgs(id, &sdgs, &change).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Publishes a proposal before its council decision is recorded, or takes it back into the workspace.
    /// Once the council has decided, the relation is public whatever this says.
    pub async fn set_published(&self, id: PartnershipId, published: bool, actor: &Actor) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let detail = self.editable(id, actor, now).await?;
        let change = Change::new(actor, now, "update", "partnership")
            .record(id.0)
            .of(MunicipalityId(detail.partnership.member.id))
            .before(serde_json::json!({ "published": detail.partnership.published }))
            .after(serde_json::json!({ "published": published }));
        if self.store_ref().set_partnership_published(id, published, &change).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Corrects the date a proposal was made (`raw`: `YYYY-MM-DD`, not in the future). Allowed while the
    /// proposal is all the trail holds: once the council decision is recorded, its date rests on this one.
    /// This is how a council decision dated before a wrongly recorded proposal date gets recorded.
    pub async fn set_proposal_date(
        &self,
        id: PartnershipId,
        raw: Option<&str>,
        actor: &Actor,
    ) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let detail = self.editable(id, actor, now).await?;
        let date = parse_date("proposed_on", raw)?;
        if date > istanbul_date(now) {
            return Err(InputError::new("proposed_on", "date_in_future").into());
        }
        let proposal = detail.trail.iter().find(|e| e.stage == Stage::Proposed);
        let (Some(proposal), Stage::Proposed, 1) = (proposal, detail.partnership.stage, detail.trail.len()) else {
            let fields = BTreeMap::from([("proposed_on".to_owned(), "proposal_date_fixed".to_owned())]);
            return Err(ServiceError::Refused(Refusal { code: "proposal_date_fixed", missing: None, fields }));
        };
        let change = Change::new(actor, now, "update", "partnership")
            .record(id.0)
            .of(MunicipalityId(detail.partnership.member.id))
            .before(serde_json::json!({ "proposed_on": proposal.date.to_string() }))
            .after(serde_json::json!({ "proposed_on": date.to_string() }));
        if self.store_ref().set_proposal_date(id, date, &change).await? {
            Ok(())
        } else {
            // A step was recorded between the read and the write.
            Err(ServiceError::Conflict("stage_changed".into()))
        }
    }

    /// A relation as visitors may see it: a proposal that is not public is "not found".
    pub async fn get_public(&self, id: PartnershipId) -> Result<PartnershipDetail, ServiceError> {
        let detail = self.get(id).await?;
        if detail.partnership.is_public() { Ok(detail) } else { Err(ServiceError::NotFound) }
    }

    /// The newest activities tagged with `goal`, of public relations.
    pub async fn activities_with_goal(&self, goal: GoalNumber, limit: u32) -> Result<Vec<GoalActivity>, ServiceError> {
        Ok(self.store_ref().activities_with_goal(goal, limit).await?)
    }

    /// `limit` relations matching `filter` after the first `skip`, in list order, each with its recorded trail
    /// (for spreadsheets, read in batches).
    pub async fn export(
        &self,
        filter: &PartnershipFilter,
        skip: u64,
        limit: usize,
    ) -> Result<Vec<(Partnership, Vec<TrailEvent>)>, ServiceError> {
        let rows = self.batch(filter, skip, limit).await?;
        let ids: Vec<PartnershipId> = rows.iter().map(|p| p.id).collect();
        let mut trails = self.store_ref().trail_events(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|p| {
                let trail = trails.remove(&p.id).unwrap_or_default();
                (p, trail)
            })
            .collect())
    }
}
