//! The project portfolio (issue 16): who sees and changes projects, the award that turns an application into
//! one, and the activity a project counts as on the sister-city relations it involves. Staff and admins create,
//! edit and publish any project; a representative creates and edits those their municipality leads but does
//! not publish; auditors read all; the public sees published projects only. Every write is audited
//! (`project`, which moves the `projects` topic of the change feed).

use std::collections::HashSet;

use time::Date;

use super::super::ServiceError;
use super::Projects;
use crate::domain::event::{EventId, EventStatus};
use crate::domain::funding::ProgrammeId;
use crate::domain::partnership::{PartnerKind, PartnershipFilter, PartnershipId};
use crate::domain::projects::{
    Amount, Application, ApplicationPartner, PartnerRole, Project, ProjectFields, ProjectId, ProjectInput,
    ProjectLookups, ProjectPartner,
};
use crate::domain::{Actor, Change, GoalNumber, InputError, Localized, Role};
use crate::store::UnitOfWork;
use crate::text::fold;

/// Initials of the title's words, upper-cased the Turkish way (`Yeşil liman ağı` → `YLA`): a first acronym
/// for a project made from an application, which has none.
fn acronym_of(title: &str) -> String {
    let initials: String = title
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .map(|c| match c {
            'i' => "İ".to_owned(),
            'ı' => "I".to_owned(),
            c => c.to_uppercase().collect(),
        })
        .collect();
    let initials: String = initials.chars().take(12).collect();
    if initials.is_empty() { "PROJE".into() } else { initials }
}

/// `text` with every run of characters other than letters and digits as one space, so names compare word by word.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

impl Projects {
    /// Whether `actor` may change `project` (representatives: projects their municipality leads).
    pub fn may_edit_project(&self, actor: &Actor, project: &Project) -> bool {
        actor.edits_municipality(project.fields.lead)
    }

    /// Whether `actor` may publish projects or take them back (staff and admins).
    pub fn may_publish_projects(&self, actor: &Actor) -> bool {
        actor.edits_all_content()
    }

    /// Whether `actor` may see `project` in the workspace.
    pub(super) fn reads_project(actor: &Actor, project: &Project) -> bool {
        actor.reads_everything() || project.fields.members().iter().any(|m| actor.reads_municipality(*m))
    }

    /// The projects `actor` sees in the workspace: all for staff, admins and auditors; for a representative
    /// those any of their municipalities takes part in.
    pub async fn workspace_projects(&self, actor: &Actor) -> Result<Vec<Project>, ServiceError> {
        if !actor.reads_everything() && actor.role != Some(Role::Representative) {
            return Err(ServiceError::Forbidden);
        }
        let mut all = self.store.projects(false).await?;
        all.retain(|p| Self::reads_project(actor, p));
        Ok(all)
    }

    /// The published projects, the latest starting first.
    pub async fn public_projects(&self) -> Result<Vec<Project>, ServiceError> {
        Ok(self.store.projects(true).await?)
    }

    /// One project: a published one for anyone, an unpublished one for those who see it in the workspace
    /// (`NotFound` otherwise, so its existence does not leak).
    pub async fn project(&self, actor: &Actor, id: ProjectId) -> Result<Project, ServiceError> {
        let p = self.store.project(id).await?.ok_or(ServiceError::NotFound)?;
        if p.published || Self::reads_project(actor, &p) { Ok(p) } else { Err(ServiceError::NotFound) }
    }

    /// The project an application became, if any.
    pub async fn project_of(&self, application: &Application) -> Result<Option<ProjectId>, ServiceError> {
        Ok(self.store.project_of_application(application.id).await?)
    }

    pub async fn create_project(&self, actor: &Actor, input: &ProjectInput) -> Result<Project, ServiceError> {
        if actor.read_only || !matches!(actor.role, Some(Role::Admin | Role::Staff | Role::Representative)) {
            return Err(ServiceError::Forbidden);
        }
        let mut fields = self.parse_project(input).await?;
        if !actor.edits_municipality(fields.lead) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let involved = self.involved_relations(&fields).await?;
        fields.relations = involved.iter().map(|r| r.0).collect();
        let mut unit = self.units.begin().await?;
        let id = unit.projects().create_project(&fields, None, now).await?;
        let mut change = Change::new(actor, now, "create", "project").record(id.0).of(fields.lead).after(&fields);
        self.note_activity(unit.as_mut(), &involved, self.activity_day(&fields), &mut change).await?;
        unit.commit(&change).await?;
        self.project(actor, id).await
    }

    pub async fn update_project(
        &self,
        actor: &Actor,
        id: ProjectId,
        input: &ProjectInput,
    ) -> Result<Project, ServiceError> {
        let before = self.project(actor, id).await?;
        if !self.may_edit_project(actor, &before) {
            return Err(ServiceError::Forbidden);
        }
        let fields = self.parse_project(input).await?;
        if !actor.edits_municipality(fields.lead) {
            return Err(ServiceError::Invalid(InputError::new("lead", "not_yours")));
        }
        let now = self.clock.now();
        let involved = self.involved_relations(&fields).await?;
        let mut unit = self.units.begin().await?;
        if !unit.projects().update_project(id, &fields, now).await? {
            return Err(ServiceError::NotFound);
        }
        let mut change = Change::new(actor, now, "update", "project")
            .record(id.0)
            .of(fields.lead)
            .before(&before.fields)
            .after(&fields);
        self.note_activity(unit.as_mut(), &involved, self.activity_day(&fields), &mut change).await?;
        unit.commit(&change).await?;
        self.project(actor, id).await
    }

    /// Publishes a project or takes it back (staff and admins).
    pub async fn set_project_published(
        &self,
        actor: &Actor,
        id: ProjectId,
        published: bool,
    ) -> Result<Project, ServiceError> {
        let before = self.project(actor, id).await?;
        if !self.may_publish_projects(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let change = Change::new(actor, now, if published { "publish" } else { "unpublish" }, "project")
            .record(id.0)
            .of(before.fields.lead)
            .before(serde_json::json!({ "published": before.published }))
            .after(serde_json::json!({ "published": published }));
        if !self.store.set_project_published(id, published, now, &change).await? {
            return Err(ServiceError::Conflict("project_publication_unchanged".into()));
        }
        self.project(actor, id).await
    }

    /// In an award's unit: creates the application's project (unpublished) with its partners, its requested
    /// amount as budget and grant, the call's programme, funder and SDGs, and the relations its partners are
    /// in; notes those relations' activity on the award's day; records the project's own audit entry.
    pub(super) async fn create_awarded_project(
        &self,
        unit: &mut dyn UnitOfWork,
        actor: &Actor,
        application: &Application,
        on: Date,
        change: &mut Change,
    ) -> Result<ProjectId, ServiceError> {
        let a = &application.fields;
        let call = match a.call {
            Some(c) => self.funding.call(c).await?,
            None => None,
        };
        let programme = match call.as_ref().and_then(|c| c.fields.programme) {
            Some(p) => self.programme(p).await?,
            None => None,
        };
        let mut fields = ProjectFields {
            acronym: acronym_of(&a.title),
            title: Localized::new(a.title.clone(), a.title.clone()),
            summary: Localized::default(),
            programme: programme.map(|p| p.0),
            funder: programme.map(|p| p.1),
            lead: a.municipality,
            partners: a
                .partners
                .iter()
                .filter(
                    |p| !matches!(p, ApplicationPartner::Member { municipality } if *municipality == a.municipality),
                )
                .map(|p| ProjectPartner { partner: p.clone(), role: PartnerRole::Partner })
                .collect(),
            budget: a.requested.clone(),
            grant: a.requested.as_ref().map(|r| Amount { amount: r.amount, currency: r.currency.clone() }),
            start: None,
            end: None,
            sdgs: call
                .as_ref()
                .map(|c| c.fields.sdgs.iter().filter_map(|n| GoalNumber::parse(i64::from(*n)).ok()).collect())
                .unwrap_or_default(),
            targets: Vec::new(),
            outputs: Vec::new(),
            relations: Vec::new(),
            events: Vec::new(),
        };
        let involved = self.involved_relations(&fields).await?;
        fields.relations = involved.iter().map(|r| r.0).collect();
        let now = self.clock.now();
        let id = unit.projects().create_project(&fields, Some(application.id), now).await?;
        let mut created = Change::new(actor, now, "create", "project")
            .record(id.0)
            .of(fields.lead)
            .after(serde_json::json!({ "from_application": application.id.0, "fields": &fields }));
        self.note_activity(unit, &involved, on, &mut created).await?;
        unit.record(&created).await?;
        if let Some(after) = change.after.as_mut() {
            after["project"] = serde_json::json!(id.0);
            if let Some(on) = created.after.as_ref().and_then(|a| a.get("relation_activity_on")) {
                after["relation_activity_on"] = on.clone();
            }
        }
        Ok(id)
    }

    /// A programme and its funder.
    async fn programme(
        &self,
        id: ProgrammeId,
    ) -> Result<Option<(ProgrammeId, crate::domain::funding::FunderId)>, ServiceError> {
        Ok(self.funding.programmes().await?.into_iter().find(|p| p.id == id).map(|p| (p.id, p.funder)))
    }

    /// The day a project counts as activity: its end once over, today otherwise (a day in the future would keep
    /// a relation from ever being called dormant should the project not happen).
    fn activity_day(&self, fields: &ProjectFields) -> Date {
        let today = self.clock.today();
        fields.end.map_or(today, |e| e.min(today))
    }

    /// Notes activity on `relations` on `on` in `unit`, saying in `change` which moved.
    async fn note_activity(
        &self,
        unit: &mut dyn UnitOfWork,
        relations: &[PartnershipId],
        on: Date,
        change: &mut Change,
    ) -> Result<(), ServiceError> {
        let mut moved = Vec::new();
        for r in relations {
            if unit.partnerships().note_activity(*r, on).await? {
                moved.push(r.0);
            }
        }
        if !moved.is_empty()
            && let Some(after) = change.after.as_mut()
        {
            after["relation_activity_on"] = serde_json::json!(on.to_string());
            after["relations_with_activity"] = serde_json::json!(moved);
        }
        Ok(())
    }

    /// The sister-city relations a project involves: those it names, and every relation of a member taking
    /// part whose partner takes part too — a member partner, or a foreign municipality in the partner city's
    /// country whose name contains the city's (folded: "Municipality of Varna" involves Varna).
    pub async fn involved_relations(&self, fields: &ProjectFields) -> Result<Vec<PartnershipId>, ServiceError> {
        let mut out: Vec<PartnershipId> = fields.relations.iter().map(|r| PartnershipId(*r)).collect();
        let members = fields.members();
        let foreign: Vec<(String, &str)> = fields
            .partners
            .iter()
            .filter_map(|p| match &p.partner {
                ApplicationPartner::Foreign { name, country, org_type } if org_type.as_str() == "municipality" => {
                    Some((format!(" {} ", words(&fold(name))), country.as_str()))
                }
                _ => None,
            })
            .collect();
        let slugs = self.reference.municipalities_by_id(&members).await?;
        let today = self.clock.today();
        for m in slugs {
            let filter = PartnershipFilter {
                municipality: Some(m.slug.clone()),
                include_unpublished: true,
                ..Default::default()
            };
            for r in self.partnerships.export_partnerships(&filter, today, 0, 10_000).await? {
                let hit = match r.partner.kind {
                    PartnerKind::Municipality => members.iter().any(|x| x.0 == r.partner.id),
                    PartnerKind::City => foreign.iter().any(|(name, country)| {
                        *country == r.partner.country.as_str()
                            && [&r.partner.name, &r.partner.name_tr]
                                .iter()
                                .map(|n| fold(n))
                                .any(|n| !n.is_empty() && name.contains(&format!(" {} ", words(&n))))
                    }),
                };
                if hit && !out.contains(&r.id) {
                    out.push(r.id);
                }
            }
        }
        Ok(out)
    }

    /// Resolves what `input` names, then parses it (every bad field named).
    pub(super) async fn parse_project(&self, input: &ProjectInput) -> Result<ProjectFields, ServiceError> {
        let mut known = ProjectLookups::default();
        let slugs = input.lead.iter().chain(input.partners.iter().filter_map(|p| p.municipality.as_ref()));
        for slug in slugs.map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if let Some(m) = self.reference.municipality_by_slug(slug).await? {
                known.municipalities.insert(slug.to_owned(), m.id);
            }
        }
        if input.programme.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            for p in self.funding.programmes().await? {
                known.programmes.insert(p.slug, (p.id, p.funder));
            }
        }
        if input.funder.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            for f in self.funding.funders().await? {
                known.funders.insert(f.slug, f.id);
            }
        }
        // The targets of the ticked goals and of the goals the targets name, so that a real target whose goal
        // is not ticked is told to tick it rather than called unknown.
        let named = input.targets.iter().filter_map(|t| t.trim().split('.').next()?.parse().ok());
        let goals: HashSet<i64> = input.sdgs.iter().filter_map(|s| s.trim().parse().ok()).chain(named).collect();
        for g in goals.into_iter().filter_map(|n| GoalNumber::parse(n).ok()) {
            if let Some(detail) = self.reference.goal(g).await? {
                known.targets.extend(detail.targets.into_iter().map(|t| t.code.to_ascii_lowercase()));
            }
        }
        let today = self.clock.today();
        for id in input.relations.iter().filter_map(|s| s.trim().parse::<i64>().ok()) {
            if self.partnerships.partnership(PartnershipId(id), today).await?.is_some() {
                known.relations.insert(id);
            }
        }
        for id in input.events.iter().filter_map(|s| s.trim().parse::<i64>().ok()) {
            if self.events.event(EventId(id)).await?.is_some() {
                known.events.insert(id);
            }
        }
        ProjectFields::parse(input, &known).map_err(ServiceError::Invalid)
    }

    /// The related relations and events a visitor may follow: public relations and published events.
    pub async fn public_links(
        &self,
        project: &Project,
    ) -> Result<(Vec<crate::domain::partnership::PartnershipDetail>, Vec<crate::domain::event::Event>), ServiceError>
    {
        let today = self.clock.today();
        let mut relations = Vec::new();
        for id in &project.fields.relations {
            if let Some(d) = self.partnerships.partnership(PartnershipId(*id), today).await?
                && d.partnership.is_public()
            {
                relations.push(d);
            }
        }
        let mut events = Vec::new();
        for id in &project.fields.events {
            if let Some(e) = self.events.event(EventId(*id)).await?
                && e.status != EventStatus::Draft
            {
                events.push(e);
            }
        }
        Ok((relations, events))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_acronym_is_made_of_the_titles_initials_in_turkish_capitals() {
        assert_eq!(super::acronym_of("yeşil iklim ağı"), "YİA");
        assert_eq!(super::acronym_of("  "), "PROJE");
    }
}
