//! The partnership registry's use-cases: create, record trail steps, log activities, read, comply.

use std::collections::BTreeMap;
use std::sync::Arc;
use time::{Date, Month, OffsetDateTime};

use super::ServiceError;
use crate::clock::{Clock, istanbul_date};
use crate::domain::partnership::*;
use crate::domain::{Actor, Change, GoalNumber, InputError, Localized, MunicipalityId, Page, Paged};
use crate::store::{PartnershipStore, RecordedStep, ReferenceStore, Store};

mod aggregates;

/// Settings of the partnership registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipSettings {
    /// An active relation with no logged activity for this many months is dormant.
    pub dormancy_months: u32,
    /// The authority whose prior permission Law 5393 art. 74 requires; data, because it changed in 2018
    /// (Law 7153) and differs between countries.
    pub permission_authority: String,
    /// The map draws one arc per relation up to this many relations; above it, one arc per member and partner
    /// country, weighted by its number of relations (`--map-aggregate-above`).
    pub map_aggregate_above: u32,
}

/// Default of [`PartnershipSettings::map_aggregate_above`]: about 1 MB of arcs drawn one by one (the real data
/// is about 450 relations).
pub const MAP_AGGREGATE_ABOVE: u32 = 1_000;

impl Default for PartnershipSettings {
    fn default() -> Self {
        PartnershipSettings {
            dormancy_months: 24,
            permission_authority: "Çevre, Şehircilik ve İklim Değişikliği Bakanlığı".to_owned(),
            map_aggregate_above: MAP_AGGREGATE_ABOVE,
        }
    }
}

/// `date` moved back by `months`, clamping the day to the target month's length.
pub fn months_before(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + (u8::from(date.month()) as i32 - 1) - months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).expect("month in range");
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).expect("valid date")
}

/// The raw fields of a new partnership (also the API's request body). Give exactly one of `partner_city`
/// (GeoNames id) and `partner_municipality` (slug).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct NewPartnershipInput {
    /// The member's slug.
    pub municipality: Option<String>,
    /// GeoNames id of a partner city.
    pub partner_city: Option<String>,
    /// Slug of a partner member municipality.
    pub partner_municipality: Option<String>,
    /// `sister_city`, `friendship` or `cooperation`.
    pub kind: Option<String>,
    pub foreign_missions: Option<bool>,
    /// Comma-separated themes.
    pub themes: Option<String>,
    /// Comma-separated SDG numbers.
    pub sdgs: Option<String>,
    pub notes_tr: Option<String>,
    pub notes_en: Option<String>,
    /// `YYYY-MM-DD`, the date the proposal was made; today (in Istanbul) when absent. It can be corrected
    /// until the next step is recorded.
    pub proposed_on: Option<String>,
}

/// Parses a comma-separated list of SDG numbers.
pub fn parse_goals(field: &str, raw: Option<&str>) -> Result<Vec<GoalNumber>, InputError> {
    let mut out = Vec::new();
    for part in raw.unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let goal = part.parse::<i64>().ok().and_then(|n| GoalNumber::parse(n).ok());
        match goal {
            Some(g) if !out.contains(&g) => out.push(g),
            Some(_) => {}
            None => return Err(InputError::new(field, "unknown_goal")),
        }
    }
    out.sort();
    Ok(out)
}

/// Parses a comma-separated list of themes.
pub fn parse_themes(raw: Option<&str>) -> Result<Vec<Theme>, InputError> {
    let mut out = Vec::new();
    for part in raw.unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let theme: Theme = part.parse()?;
        if !out.contains(&theme) {
            out.push(theme);
        }
    }
    Ok(out)
}

fn text(raw: &Option<String>, field: &str, errors: &mut InputError) -> String {
    let t = raw.as_deref().map(str::trim).unwrap_or("").to_owned();
    if t.chars().count() > 4000 {
        errors.add(field, "too_long");
    }
    t
}

/// The raw fields of a joint activity (also the API's request body).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct ActivityInput {
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub title_tr: Option<String>,
    pub title_en: Option<String>,
    /// `visit`, `delegation`, `event`, `project`, `exchange`, `meeting` or `other`.
    pub kind: Option<String>,
    /// Comma-separated SDG numbers.
    pub sdgs: Option<String>,
}

/// One member's relations on a page of the compliance to-do list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MemberCompliance {
    pub member: MemberRef,
    pub entries: Vec<ComplianceEntry>,
}

impl MemberCompliance {
    /// Groups entries that come in the registry's order by member.
    pub fn group(entries: Vec<ComplianceEntry>) -> Vec<MemberCompliance> {
        let mut out: Vec<MemberCompliance> = Vec::new();
        for e in entries {
            match out.last_mut() {
                Some(group) if group.member.id == e.partnership.member.id => group.entries.push(e),
                _ => out.push(MemberCompliance { member: e.partnership.member.clone(), entries: vec![e] }),
            }
        }
        out
    }
}

/// The partnership registry.
#[derive(Clone)]
pub struct Partnerships {
    store: Arc<dyn PartnershipStore>,
    /// Members and gazetteer cities, to check a new relation's two sides.
    reference: Arc<dyn ReferenceStore>,
    pub(crate) clock: Arc<dyn Clock>,
    settings: PartnershipSettings,
    /// Aggregates kept between writes (`ldp serve`); without them every read asks the store.
    aggregates: Option<aggregates::Aggregates>,
}

impl Partnerships {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: PartnershipSettings) -> Self {
        Partnerships { store: store.clone(), reference: store, clock, settings, aggregates: None }
    }

    /// The same service keeping the aggregates that public pages read on every request (the per-country
    /// summary, the filter's partner countries, list counts, the map's groups) in memory until the store's
    /// change feed moves. For a long-running process whose feed follows every writer (`ldp serve`).
    pub fn keeping_aggregates(mut self, store: &dyn Store) -> Self {
        self.aggregates = Some(aggregates::Aggregates::new(store.change_feed()));
        self
    }

    pub(crate) fn store_ref(&self) -> &dyn PartnershipStore {
        self.store.as_ref()
    }

    /// The date a new proposal is made on unless the user says otherwise: today in Istanbul.
    pub fn default_proposal_date(&self) -> Date {
        self.clock.today()
    }

    pub fn settings(&self) -> &PartnershipSettings {
        &self.settings
    }

    /// The cut-off date: active relations whose latest activity is older are dormant.
    pub fn dormant_before(&self, today: Date) -> Date {
        months_before(today, self.settings.dormancy_months)
    }

    /// Creates a proposed partnership from raw input.
    pub async fn create(&self, input: &NewPartnershipInput, actor: &Actor) -> Result<PartnershipId, ServiceError> {
        let now = self.clock.now();
        if !actor.is_signed_in() || actor.read_only {
            return Err(ServiceError::Forbidden);
        }
        let mut errors = InputError::default();
        let municipality = match input.municipality.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                errors.add("municipality", "required");
                None
            }
            Some(slug) => match self.reference.municipality_by_slug(slug).await? {
                Some(m) => Some(m),
                None => {
                    errors.add("municipality", "unknown_municipality");
                    None
                }
            },
        };
        let city = input.partner_city.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let member = input.partner_municipality.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let partner = match (city, member) {
            (Some(_), Some(_)) | (None, None) => {
                errors.add("partner", "one_partner_required");
                None
            }
            (Some(c), None) => match c.parse::<i64>().ok() {
                Some(id) if self.reference.city(id).await?.is_some() => Some(NewPartner::City(id)),
                _ => {
                    errors.add("partner_city", "unknown_city");
                    None
                }
            },
            (None, Some(slug)) => match self.reference.municipality_by_slug(slug).await? {
                Some(m) => Some(NewPartner::Municipality(m.id.0)),
                None => {
                    errors.add("partner_municipality", "unknown_municipality");
                    None
                }
            },
        };
        if let (Some(m), Some(NewPartner::Municipality(p))) = (&municipality, &partner)
            && m.id.0 == *p
        {
            errors.add("partner_municipality", "same_as_member");
        }
        let kind = match input.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                errors.add("kind", "required");
                None
            }
            Some(k) => k.parse::<PartnershipKind>().map_err(|e| errors.fields.extend(e.fields)).ok(),
        };
        let themes = parse_themes(input.themes.as_deref()).unwrap_or_else(|e| {
            errors.fields.extend(e.fields);
            Vec::new()
        });
        let sdgs = parse_goals("sdgs", input.sdgs.as_deref()).unwrap_or_else(|e| {
            errors.fields.extend(e.fields);
            Vec::new()
        });
        let notes = Localized::new(
            text(&input.notes_tr, "notes_tr", &mut errors),
            text(&input.notes_en, "notes_en", &mut errors),
        );
        let proposed_on = match input.proposed_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => istanbul_date(now),
            Some(d) => parse_date("proposed_on", Some(d)).unwrap_or_else(|e| {
                errors.fields.extend(e.fields);
                istanbul_date(now)
            }),
        };
        if proposed_on > istanbul_date(now) {
            errors.add("proposed_on", "date_in_future");
        }
        if let Some(m) = &municipality
            && !actor.edits_municipality(m.id)
        {
            return Err(ServiceError::Forbidden);
        }
        let (Some(municipality), Some(partner), Some(kind)) = (municipality, partner, kind) else {
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let new = NewPartnership {
            municipality_id: municipality.id.0,
            partner,
            kind,
            foreign_missions: input.foreign_missions.unwrap_or(false),
            themes,
            sdgs,
            notes,
            imported_from: None,
            proposed_on,
        };
        let change = Change::new(actor, now, "create", "partnership").of(municipality.id).after(serde_json::json!({
            "municipality": municipality.slug,
            "partner_city": input.partner_city.as_deref().map(str::trim),
            "partner_municipality": input.partner_municipality.as_deref().map(str::trim),
            "kind": new.kind.as_str(),
            "stage": Stage::Proposed.as_str(),
            "foreign_missions": new.foreign_missions,
            "themes": new.themes.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","),
            "sdgs": new.sdgs.iter().map(|g| g.get().to_string()).collect::<Vec<_>>().join(","),
            "notes_tr": new.notes.tr,
            "notes_en": new.notes.en,
            "proposed_on": new.proposed_on.to_string(),
        }));
        match self.store.create_partnership(&new, &change).await? {
            Some(id) => Ok(id),
            None => Err(ServiceError::Conflict("partnership_exists".into())),
        }
    }

    /// A partnership with its trail and what an inspector would find missing.
    pub async fn get(&self, id: PartnershipId) -> Result<PartnershipDetail, ServiceError> {
        let today = self.clock.today();
        let mut detail = self.store.partnership(id, self.dormant_before(today)).await?.ok_or(ServiceError::NotFound)?;
        detail.missing = missing_steps(&trail_state(&detail));
        Ok(detail)
    }

    pub async fn list(&self, filter: &PartnershipFilter, page: Page) -> Result<Paged<Partnership>, ServiceError> {
        let cut = self.dormant_before(self.clock.today());
        let Some(aggregates) = &self.aggregates else {
            return Ok(self.store.list_partnerships(filter, cut, page).await?);
        };
        // Counting every relation that matches is most of a list's cost at scale; the count is kept, the page
        // is read each time.
        if let Some(total) = aggregates.count(filter, cut) {
            let items = self.page_of(filter, cut, page).await?;
            return Ok(Paged::new(items, page, total));
        }
        let mut read = None;
        let total = aggregates
            .keep_count(filter, cut, async {
                let paged = self.store.list_partnerships(filter, cut, page).await?;
                let total = paged.total;
                read = Some(paged);
                Ok(total)
            })
            .await?;
        match read {
            Some(paged) => Ok(paged),
            None => Ok(Paged::new(self.page_of(filter, cut, page).await?, page, total)),
        }
    }

    /// One page of the relations matching `filter`, without their count.
    async fn page_of(
        &self,
        filter: &PartnershipFilter,
        cut: Date,
        page: Page,
    ) -> Result<Vec<Partnership>, ServiceError> {
        let limit = u32::try_from(page.limit()).unwrap_or(u32::MAX);
        let skip = u64::try_from(page.offset()).unwrap_or(0);
        Ok(self.store.export_partnerships(filter, cut, skip, limit).await?)
    }

    /// The first `limit` partnerships matching `filter`, in list order (for the map).
    pub async fn all(&self, filter: &PartnershipFilter, limit: usize) -> Result<Vec<Partnership>, ServiceError> {
        self.batch(filter, 0, limit).await
    }

    /// `limit` partnerships matching `filter` after the first `skip`, in list order, without a count (for
    /// exports read in batches).
    pub async fn batch(
        &self,
        filter: &PartnershipFilter,
        skip: u64,
        limit: usize,
    ) -> Result<Vec<Partnership>, ServiceError> {
        let today = self.clock.today();
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        Ok(self.store.export_partnerships(filter, self.dormant_before(today), skip, limit).await?)
    }

    /// Records one step of the trail, if the rules allow it; the refusal says exactly what is missing.
    pub async fn record(
        &self,
        id: PartnershipId,
        stage: Stage,
        raw: &RawEvidence,
        actor: &Actor,
    ) -> Result<Stage, ServiceError> {
        let now = self.clock.now();
        let detail = self.editable(id, actor, now).await?;
        let state = trail_state(&detail);
        let (evidence, applied) =
            check_step(&state, stage, raw, &self.settings.permission_authority, istanbul_date(now)).map_err(
                |rejection| match rejection {
                    Rejection::Refused(r) => ServiceError::Refused(r),
                    Rejection::Invalid(e) => ServiceError::Invalid(e),
                },
            )?;
        let mut step = RecordedStep {
            stage,
            new_stage: applied.stage,
            date: evidence.date(),
            decision_number: None,
            reference: None,
            authority: None,
            place: None,
            signatories: None,
            reason: None,
            backfilled: applied.backfilled,
            trail_incomplete: state.trail_incomplete && !applied.trail_complete,
            activity_on: None,
            actor: actor.label.clone(),
            recorded_at: now,
            trail_len: detail.trail.len(),
        };
        match evidence {
            Evidence::CouncilDecision { number, .. } => step.decision_number = Some(number),
            Evidence::MinistryPermission { reference, authority, .. } => {
                step.reference = Some(reference);
                step.authority = Some(authority);
            }
            Evidence::MfaInformed { .. } => {}
            Evidence::ProtocolSigned { place, signatories, .. } => {
                step.place = Some(place);
                step.signatories = Some(signatories);
            }
            Evidence::Activated { date } => step.activity_on = Some(date),
            Evidence::Terminated { number, reason, .. } => {
                step.decision_number = Some(number);
                step.reason = Some(reason);
            }
        }
        // Ending a relation whose trail has gaps closes them as they stand: the entry names them for good.
        let unrecorded: Vec<&str> = if applied.stage.is_ended() {
            missing_steps(&state).iter().map(|m| m.stage.as_str()).collect()
        } else {
            Vec::new()
        };
        let after = step_entry(&step, applied.stage, &unrecorded);
        let change = Change::new(actor, now, &format!("step:{}", stage.as_str()), "partnership")
            .record(id.0)
            .of(MunicipalityId(detail.partnership.member.id))
            .before(serde_json::json!({ "stage": state.stage.as_str(), "trail_incomplete": state.trail_incomplete }))
            .after(after);
        self.store.record_step(id, state.stage, &step, &change).await?;
        Ok(applied.stage)
    }

    /// Logs a joint activity; it must not lie in the future, nor be added to an ended relation.
    pub async fn add_activity(
        &self,
        id: PartnershipId,
        input: &ActivityInput,
        actor: &Actor,
    ) -> Result<i64, ServiceError> {
        let now = self.clock.now();
        let detail = self.editable(id, actor, now).await?;
        let mut errors = InputError::default();
        let date = parse_date("date", input.date.as_deref()).map_err(|e| errors.fields.extend(e.fields)).ok();
        if date.is_some_and(|d| d > istanbul_date(now)) {
            errors.add("date", "date_in_future");
        }
        let title = Localized::new(
            input.title_tr.as_deref().unwrap_or("").trim(),
            input.title_en.as_deref().unwrap_or("").trim(),
        );
        if title.tr.is_empty() && title.en.is_empty() {
            errors.add("title_tr", "required");
        }
        if title.tr.chars().count() > 300 || title.en.chars().count() > 300 {
            errors.add("title_tr", "too_long");
        }
        let kind = match input.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => Some(ActivityKind::Other),
            Some(k) => k.parse::<ActivityKind>().map_err(|e| errors.fields.extend(e.fields)).ok(),
        };
        let sdgs =
            parse_goals("sdgs", input.sdgs.as_deref()).map_err(|e| errors.fields.extend(e.fields)).unwrap_or_default();
        if detail.partnership.stage == Stage::Terminated {
            return Err(ServiceError::Refused(Refusal {
                code: "already_terminated",
                missing: None,
                fields: BTreeMap::new(),
            }));
        }
        let (Some(date), Some(kind)) = (date, kind) else { return Err(errors.into()) };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let activity = NewActivity { date, title, kind, sdgs };
        let change = Change::new(actor, now, "create", "partnership_activity")
            .of(MunicipalityId(detail.partnership.member.id))
            .after(serde_json::json!({
                "partnership": id.0,
                "date": activity.date.to_string(),
                "title_tr": activity.title.tr,
                "title_en": activity.title.en,
                "kind": activity.kind.as_str(),
                "sdgs": activity.sdgs.iter().map(|g| g.get().to_string()).collect::<Vec<_>>().join(","),
            }));
        Ok(self.store.add_activity(id, &activity, &change).await?)
    }

    /// The partnership `id`, if `actor` may change it: a representative only their own municipality's.
    pub(crate) async fn editable(
        &self,
        id: PartnershipId,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> Result<PartnershipDetail, ServiceError> {
        if !actor.is_signed_in() || actor.read_only {
            return Err(ServiceError::Forbidden);
        }
        let detail =
            self.store.partnership(id, self.dormant_before(istanbul_date(now))).await?.ok_or(ServiceError::NotFound)?;
        if !actor.edits_municipality(MunicipalityId(detail.partnership.member.id)) {
            return Err(ServiceError::Forbidden);
        }
        Ok(detail)
    }

    /// The compliance to-do list: one page of the relations whose trail has gaps and that have not ended, in
    /// the registry's order (member, then partner), each with the steps still to record. A relation ended
    /// with gaps leaves the list, its gaps kept in its record (docs/ARCHITECTURE.md, "The legal trail").
    pub async fn compliance(
        &self,
        filter: &PartnershipFilter,
        page: Page,
    ) -> Result<Paged<ComplianceEntry>, ServiceError> {
        let filter = PartnershipFilter { trail_incomplete: Some(true), ended: Some(false), ..filter.clone() };
        let gaps = self.list(&filter, page).await?;
        let ids: Vec<PartnershipId> = gaps.items.iter().map(|p| p.id).collect();
        let trails = self.store.trails(&ids).await?;
        let entries = gaps
            .items
            .into_iter()
            .map(|p| {
                let recorded = trails.get(&p.id).cloned().unwrap_or_default();
                let state = TrailState {
                    stage: p.stage,
                    abroad: p.partner.is_abroad(),
                    foreign_missions: p.foreign_missions,
                    trail_incomplete: p.trail_incomplete,
                    recorded,
                };
                ComplianceEntry { missing: missing_steps(&state), partnership: p }
            })
            .collect();
        Ok(Paged { items: entries, page: gaps.page, per_page: gaps.per_page, total: gaps.total })
    }

    /// The relations matching `filter` counted per member and partner country (for a map of many relations).
    pub async fn member_country_links(
        &self,
        filter: &PartnershipFilter,
    ) -> Result<Arc<[MemberCountryLink]>, ServiceError> {
        let cut = self.dormant_before(self.clock.today());
        match &self.aggregates {
            Some(a) => Ok(a.links(filter, cut, self.store.member_country_links(filter, cut)).await?),
            None => Ok(self.store.member_country_links(filter, cut).await?.into()),
        }
    }

    /// The countries that have a public relation's partner in them, for the filter's choices.
    pub async fn partner_countries(
        &self,
    ) -> Result<Arc<[(crate::domain::CountryCode, crate::domain::Localized)]>, ServiceError> {
        match &self.aggregates {
            Some(a) => {
                let cut = self.dormant_before(self.clock.today());
                Ok(a.partner_countries(cut, self.store.partner_countries()).await?)
            }
            None => Ok(self.store.partner_countries().await?.into()),
        }
    }

    /// Public relations not ended, counted per partner country, the most first.
    pub async fn countries(&self) -> Result<Arc<[CountrySummary]>, ServiceError> {
        let cut = self.dormant_before(self.clock.today());
        match &self.aggregates {
            Some(a) => Ok(a.countries(cut, self.store.partnership_countries(cut)).await?),
            None => Ok(self.store.partnership_countries(cut).await?.into()),
        }
    }
}

/// The audit entry's `after` of a recorded step; `unrecorded` names the steps an ending relation lacks.
fn step_entry(step: &RecordedStep, new_stage: Stage, unrecorded: &[&str]) -> serde_json::Value {
    let mut after = serde_json::json!({
        "stage": new_stage.as_str(),
        "trail_incomplete": step.trail_incomplete,
        "step": step.stage.as_str(),
        "date": step.date.to_string(),
        "decision_number": step.decision_number,
        "reference": step.reference,
        "authority": step.authority,
        "place": step.place,
        "signatories": step.signatories,
        "reason": step.reason,
        "backfilled": step.backfilled,
    });
    if !unrecorded.is_empty() {
        after["unrecorded"] = serde_json::Value::from(unrecorded.join(","));
    }
    after
}

/// What the lifecycle rules need, read from a stored partnership.
pub fn trail_state(detail: &PartnershipDetail) -> TrailState {
    TrailState {
        stage: detail.partnership.stage,
        abroad: detail.partnership.partner.is_abroad(),
        foreign_missions: detail.partnership.foreign_missions,
        trail_incomplete: detail.partnership.trail_incomplete,
        recorded: detail.trail.iter().map(|e| (e.stage, e.date)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_before_clamps_days() {
        assert_eq!(months_before(date!(2026 - 11 - 28), 24), date!(2024 - 11 - 28));
        assert_eq!(months_before(date!(2026 - 03 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(months_before(date!(2026 - 01 - 15), 13), date!(2024 - 12 - 15));
    }

    #[test]
    fn goal_lists_are_parsed_sorted_and_unique() {
        let g = parse_goals("sdgs", Some("11, 3,11")).unwrap();
        assert_eq!(g.iter().map(|g| g.get()).collect::<Vec<_>>(), [3, 11]);
        assert!(parse_goals("sdgs", Some("18")).is_err());
        assert!(parse_themes(Some("culture,nonsense")).is_err());
    }
}
