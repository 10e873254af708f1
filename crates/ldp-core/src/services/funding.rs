//! Funding calls: who sees and enters them, the parse of the call form (also the API's body), whether a
//! member municipality may apply, and the load of the shipped funders and programmes.
//!
//! Staff (and admins) enter and edit calls, which are public at once; a representative may suggest one, which
//! waits unpublished until staff publish it. Every write is audited (`funding_call`, `funding_data`).

use std::sync::Arc;

use time::Date;

use super::ServiceError;
use super::workspace::field;
use crate::clock::Clock;
use crate::domain::funding::data::FundingData;
use crate::domain::funding::{
    Applicant, ApplicantType, Budget, Call, CallFields, CallFilter, CallId, CallKind, Deadline, DeadlineModel,
    Eligibility, EligibilityCheck, Funder, Programme, Saved, check, parse_amount,
};
use crate::domain::{Actor, Change, InputError, Localized, Municipality, Page, Paged, PlateCode, Role};
use crate::store::{FundingStore, ReferenceStore, Store, StoreError};

/// Meta key under which the fingerprint of the loaded `data/funding.toml` is kept.
const DATA_KEY: &str = "funding_data_version";

/// Loads the shipped funders and programmes unless this version of the file already was (upserts by slug,
/// so a second load adds nothing). Returns what the load did when it ran.
pub async fn ensure_funding_data(
    store: &dyn Store,
    clock: &dyn Clock,
) -> Result<Option<crate::domain::funding::FundingLoadReport>, ServiceError> {
    let version = FundingData::embedded_version();
    if store.meta(DATA_KEY).await?.as_deref() == Some(version.as_str()) {
        return Ok(None);
    }
    let data = FundingData::embedded().map_err(|e| ServiceError::Internal(format!("data/funding.toml: {e}")))?;
    let change = Change::new(&Actor::system("reference"), clock.now(), "load", "funding_data")
        .record(&version)
        .after(serde_json::json!({ "funders": data.funders.len(), "programmes": data.programmes.len() }));
    let report = store.load_funding_data(&data, &change).await?;
    store.set_meta(DATA_KEY, &version).await?;
    tracing::info!(funders = report.funders_added, programmes = report.programmes_added, "funding programmes loaded");
    Ok(Some(report))
}

/// The raw fields of the call form (also the API's request body). Lists are comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct CallInput {
    /// The funder's identifier of the call, e.g. `HORIZON-CL5-2026-01-D1-01`.
    pub identifier: Option<String>,
    /// The programme's slug (`GET /api/v1/funding/programmes`); optional.
    pub programme: Option<String>,
    /// `grant`, `competition`, `tender` or `partner_search`.
    pub kind: Option<String>,
    pub title_tr: Option<String>,
    pub title_en: Option<String>,
    pub summary_tr: Option<String>,
    pub summary_en: Option<String>,
    /// `YYYY-MM-DD`.
    pub opens_on: Option<String>,
    /// `single`, `two_stage` or `multiple_cut_off`.
    pub deadline_model: Option<String>,
    /// One deadline a line: `YYYY-MM-DD HH:MM Zone/Name`, e.g. `2026-03-12 17:00 Europe/Brussels`.
    pub deadlines: Option<String>,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: Option<String>,
    pub budget_total: Option<String>,
    pub budget_min: Option<String>,
    pub budget_max: Option<String>,
    /// Percent the funder pays, e.g. `90`.
    pub cofinancing_rate: Option<String>,
    pub themes: Option<String>,
    /// Goal numbers, e.g. `11, 13`.
    pub sdgs: Option<String>,
    /// The official page (`https://…`).
    pub link: Option<String>,
    /// Narrowing of the programme's eligibility: ISO country codes.
    pub countries: Option<String>,
    /// Narrowing: province plate codes, e.g. `22, 39`.
    pub provinces: Option<String>,
    /// Narrowing: applicant type codes, e.g. `municipality, ngo`.
    pub applicant_types: Option<String>,
}

impl CallInput {
    /// The form's values for a stored call, for editing it.
    pub fn from_call(call: &Call, programme_slug: Option<&str>) -> CallInput {
        let f = &call.fields;
        let dec = |d: &Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
        CallInput {
            identifier: Some(f.identifier.clone()),
            programme: programme_slug.map(str::to_owned),
            kind: Some(f.kind.as_str().into()),
            title_tr: Some(f.title.tr.clone()),
            title_en: Some(f.title.en.clone()),
            summary_tr: Some(f.summary.tr.clone()),
            summary_en: Some(f.summary.en.clone()),
            opens_on: f.opens_on.map(|d| d.to_string()),
            deadline_model: Some(f.deadline_model.as_str().into()),
            deadlines: Some(
                f.deadlines.iter().map(|d| format!("{} {}", d.local_display(), d.zone)).collect::<Vec<_>>().join("\n"),
            ),
            currency: Some(f.budget.currency.clone()),
            budget_total: dec(&f.budget.total),
            budget_min: dec(&f.budget.min_per_project),
            budget_max: dec(&f.budget.max_per_project),
            cofinancing_rate: dec(&f.budget.cofinancing_rate),
            themes: Some(f.themes.join(", ")),
            sdgs: Some(f.sdgs.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")),
            link: Some(f.link.clone()),
            countries: Some(f.eligibility.countries.join(", ")),
            provinces: Some(f.eligibility.provinces.iter().map(|p| p.get().to_string()).collect::<Vec<_>>().join(", ")),
            applicant_types: Some(
                f.eligibility.applicant_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
            ),
        }
    }
}

fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty())
}

/// Whether `actor` may see `call`: published ones everyone; a suggestion staff, auditors and its suggester.
pub fn sees(actor: &Actor, call: &Call) -> bool {
    call.published || actor.reads_everything() || (actor.user.is_some() && actor.user == call.suggested_by)
}

/// Who may suggest a call: staff, admins and representatives, never a read-only token.
fn suggests(actor: &Actor) -> bool {
    !actor.read_only && matches!(actor.role, Some(Role::Admin | Role::Staff | Role::Representative))
}

/// A call with the programme it belongs to.
#[derive(Debug, Clone)]
pub struct CallView {
    pub call: Call,
    pub programme: Option<Programme>,
}

#[derive(Clone)]
pub struct Funding {
    store: Arc<dyn FundingStore>,
    /// Municipalities, for the eligibility check.
    reference: Arc<dyn ReferenceStore>,
    clock: Arc<dyn Clock>,
}

impl Funding {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Funding { store: store.clone(), reference: store, clock }
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub fn may_suggest(&self, actor: &Actor) -> bool {
        suggests(actor)
    }

    pub async fn funders(&self) -> Result<Vec<Funder>, ServiceError> {
        Ok(self.store.funders().await?)
    }

    pub async fn programmes(&self) -> Result<Vec<Programme>, ServiceError> {
        Ok(self.store.programmes().await?)
    }

    pub async fn programme(&self, slug: &str) -> Result<Programme, ServiceError> {
        self.store.programme_by_slug(slug).await?.ok_or(ServiceError::NotFound)
    }

    /// One page of calls as `actor` sees them (suggestions only in staff's lists).
    pub async fn list(&self, actor: &Actor, filter: &CallFilter, page: Page) -> Result<Paged<Call>, ServiceError> {
        let mut filter = filter.clone();
        filter.include_unpublished = filter.include_unpublished && actor.reads_everything();
        Ok(self.store.calls(&filter, self.clock.now(), page).await?)
    }

    /// The published calls `filter` picks whose last deadline is at most
    /// [`FEED_KEEPS_PAST`](crate::domain::funding::calendar::FEED_KEEPS_PAST) ago, the earliest closing first:
    /// what the union's deadline feed shows.
    pub async fn deadline_feed(&self, filter: &CallFilter) -> Result<Vec<Call>, ServiceError> {
        let now = self.clock.now();
        let since = now - crate::domain::funding::calendar::FEED_KEEPS_PAST;
        super::calendar::deadlines::calls_since(self.store.as_ref(), filter, since, now).await
    }

    /// One call with its programme, if `actor` may see it (`NotFound` otherwise).
    pub async fn get(&self, actor: &Actor, id: CallId) -> Result<CallView, ServiceError> {
        let call = match self.store.call(id).await? {
            Some(c) if sees(actor, &c) => c,
            _ => return Err(ServiceError::NotFound),
        };
        let programme = self.programme_of(&call).await?;
        Ok(CallView { call, programme })
    }

    async fn programme_of(&self, call: &Call) -> Result<Option<Programme>, ServiceError> {
        let Some(id) = call.fields.programme else { return Ok(None) };
        Ok(self.store.programmes().await?.into_iter().find(|p| p.id == id))
    }

    /// Whether `municipality` may apply to the call, and why.
    pub fn eligibility(&self, view: &CallView, municipality: &Municipality) -> EligibilityCheck {
        check(view.programme.as_ref(), &view.call.fields.eligibility, &Applicant::municipality(municipality))
    }

    /// The open calls `municipality` may apply to (verdict eligible), the next deadline first, at most `limit`.
    pub async fn open_calls_for(
        &self,
        municipality: &Municipality,
        limit: usize,
    ) -> Result<Vec<(Call, EligibilityCheck)>, ServiceError> {
        let programmes = self.store.programmes().await?;
        let who = Applicant::municipality(municipality);
        let now = self.clock.now();
        let mut out = Vec::new();
        let mut number = 1;
        // The store leaves out the calls whose recorded rules refuse this member (the SQL pre-filter);
        // `check` still gives every verdict, so what comes back is what checking every open call would give.
        loop {
            let page = Page::parse(Some(number), Some(i64::from(Page::MAX_SIZE)))?;
            let calls = self.store.open_call_candidates(&who, now, page).await?;
            let last = calls.len() < Page::MAX_SIZE as usize;
            for call in calls {
                let programme = call.fields.programme.and_then(|id| programmes.iter().find(|p| p.id == id));
                let verdict = check(programme, &call.fields.eligibility, &who);
                if verdict.verdict == crate::domain::funding::Verdict::Eligible {
                    out.push((call, verdict));
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
            if last {
                return Ok(out);
            }
            number += 1;
        }
    }

    /// Parses the form into a call's fields, reporting every bad field at once.
    pub async fn parse(&self, input: &CallInput) -> Result<CallFields, ServiceError> {
        let mut errors = InputError::default();
        let identifier = field(&input.identifier, "identifier", 120, &mut errors);
        if identifier.is_empty() {
            errors.add("identifier", "required");
        }
        let programme_slug = field(&input.programme, "programme", 120, &mut errors);
        let programme = if programme_slug.is_empty() {
            None
        } else {
            match self.store.programme_by_slug(&programme_slug).await? {
                Some(p) => Some(p.id),
                None => {
                    errors.add("programme", "unknown_programme");
                    None
                }
            }
        };
        let kind = field(&input.kind, "kind", 30, &mut errors);
        let kind = CallKind::parse(&kind).unwrap_or_else(|| {
            errors.add("kind", if kind.is_empty() { "required" } else { "unknown_call_type" });
            CallKind::Grant
        });
        let title_tr = field(&input.title_tr, "title_tr", 300, &mut errors);
        let title_en = field(&input.title_en, "title_en", 300, &mut errors);
        if title_tr.is_empty() && title_en.is_empty() {
            errors.add("title_tr", "required");
        }
        let summary = Localized::new(
            field(&input.summary_tr, "summary_tr", 5000, &mut errors),
            field(&input.summary_en, "summary_en", 5000, &mut errors),
        );
        let opens = field(&input.opens_on, "opens_on", 10, &mut errors);
        let opens_on = if opens.is_empty() {
            None
        } else {
            match Date::parse(&opens, &time::format_description::well_known::Iso8601::DATE) {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add("opens_on", "invalid_date");
                    None
                }
            }
        };
        let model = field(&input.deadline_model, "deadline_model", 30, &mut errors);
        let deadline_model = if model.is_empty() {
            DeadlineModel::Single
        } else {
            DeadlineModel::parse(&model).unwrap_or_else(|| {
                errors.add("deadline_model", "unknown_deadline_model");
                DeadlineModel::Single
            })
        };
        let raw_deadlines = field(&input.deadlines, "deadlines", 2000, &mut errors);
        let mut deadlines = Vec::new();
        for line in raw_deadlines.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut parts = line.split_whitespace();
            let parsed = match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(day), Some(hm), Some(zone), None) => Deadline::parse(&format!("{day}T{hm}"), zone),
                _ => None,
            };
            match parsed {
                Some(d) => deadlines.push(d),
                None => errors.add("deadlines", "invalid_deadline"),
            }
        }
        deadlines.sort_by_key(|d| d.at);
        match (deadline_model, deadlines.len()) {
            (DeadlineModel::Single, n) if n > 1 => errors.add("deadlines", "one_deadline_expected"),
            (DeadlineModel::TwoStage, n) if n != 2 && !errors.fields.contains_key("deadlines") => {
                errors.add("deadlines", "two_deadlines_expected")
            }
            (DeadlineModel::MultipleCutOff, n) if n < 2 && !errors.fields.contains_key("deadlines") => {
                errors.add("deadlines", "several_deadlines_expected")
            }
            _ => {}
        }
        if let (Some(open), Some(first)) = (opens_on, deadlines.first())
            && crate::clock::istanbul_date(first.at) < open
        {
            errors.add("deadlines", "deadline_before_opening");
        }
        let currency = field(&input.currency, "currency", 3, &mut errors).to_ascii_uppercase();
        let mut amount = |raw: &Option<String>, name: &str| {
            let text = field(raw, name, 40, &mut errors);
            if text.is_empty() {
                return None;
            }
            let parsed = parse_amount(&text);
            if parsed.is_none() {
                errors.add(name, "invalid_amount");
            }
            parsed
        };
        let budget = Budget {
            currency: currency.clone(),
            total: amount(&input.budget_total, "budget_total"),
            min_per_project: amount(&input.budget_min, "budget_min"),
            max_per_project: amount(&input.budget_max, "budget_max"),
            cofinancing_rate: amount(&input.cofinancing_rate, "cofinancing_rate"),
        };
        let any_amount = budget.total.is_some() || budget.min_per_project.is_some() || budget.max_per_project.is_some();
        if any_amount && !(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase())) {
            errors.add("currency", if currency.is_empty() { "required" } else { "invalid_currency" });
        }
        if let (Some(min), Some(max)) = (budget.min_per_project, budget.max_per_project)
            && min > max
        {
            errors.add("budget_max", "max_below_min");
        }
        if budget.cofinancing_rate.is_some_and(|r| r > rust_decimal::Decimal::ONE_HUNDRED) {
            errors.add("cofinancing_rate", "rate_out_of_range");
        }
        let themes: Vec<String> = list(&field(&input.themes, "themes", 500, &mut errors)).map(str::to_owned).collect();
        let mut sdgs = Vec::new();
        for g in list(&field(&input.sdgs, "sdgs", 100, &mut errors)) {
            match g.parse::<u8>() {
                Ok(n) if (1..=17).contains(&n) => sdgs.push(n),
                _ => errors.add("sdgs", "unknown_goal"),
            }
        }
        sdgs.sort_unstable();
        sdgs.dedup();
        let link = field(&input.link, "link", 500, &mut errors);
        let web_address = (link.starts_with("https://") || link.starts_with("http://"))
            && link.len() > "https://".len()
            && !link.chars().any(|c| c.is_whitespace() || "<>\"'`".contains(c));
        if link.is_empty() {
            errors.add("link", "required");
        } else if !web_address && !errors.fields.contains_key("link") {
            errors.add("link", "invalid_url");
        }
        let mut countries = Vec::new();
        for c in list(&field(&input.countries, "countries", 500, &mut errors)) {
            let code = c.to_ascii_uppercase();
            match crate::domain::CountryCode::parse(&code) {
                Ok(cc) if self.reference.country(&cc).await?.is_some() => countries.push(cc.as_str().to_owned()),
                _ => errors.add("countries", "unknown_country"),
            }
        }
        let mut provinces = Vec::new();
        for p in list(&field(&input.provinces, "provinces", 300, &mut errors)) {
            match p.parse::<i64>().ok().and_then(|n| PlateCode::parse(n).ok()) {
                Some(plate) => provinces.push(plate),
                None => errors.add("provinces", "unknown_province"),
            }
        }
        let mut applicant_types = Vec::new();
        for t in list(&field(&input.applicant_types, "applicant_types", 300, &mut errors)) {
            match ApplicantType::parse(t) {
                Some(t) => applicant_types.push(t),
                None => errors.add("applicant_types", "unknown_applicant_type"),
            }
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok(CallFields {
            identifier,
            programme,
            kind,
            title: Localized::new(title_tr, title_en),
            summary,
            opens_on,
            deadline_model,
            deadlines,
            budget,
            themes,
            sdgs,
            link,
            eligibility: Eligibility { countries, provinces, nuts: Vec::new(), applicant_types },
        })
    }

    /// Enters a call (staff: public at once) or suggests one (a representative: it waits for staff).
    pub async fn create(&self, actor: &Actor, input: &CallInput) -> Result<CallView, ServiceError> {
        if !suggests(actor) {
            return Err(ServiceError::Forbidden);
        }
        let fields = self.parse(input).await?;
        if self.store.call_by_identifier(&fields.identifier).await?.is_some() {
            return Err(InputError::new("identifier", "call_exists").into());
        }
        let staff = actor.edits_all_content();
        let action = if staff { "create" } else { "suggest" };
        let change = Change::new(actor, self.clock.now(), action, "funding_call").after(&fields);
        let suggested_by = if staff { None } else { actor.user };
        let id = match self.store.save_call(&fields, staff, suggested_by, "manual", &change).await? {
            Saved::Created(id) => id,
            // Entered at the same moment by someone else.
            Saved::Updated(_) | Saved::Unchanged(_) => return Err(InputError::new("identifier", "call_exists").into()),
        };
        self.get(actor, id).await
    }

    /// Saves a call's fields (staff).
    pub async fn update(&self, actor: &Actor, id: CallId, input: &CallInput) -> Result<CallView, ServiceError> {
        let before = self.get(actor, id).await?;
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        let fields = self.parse(input).await?;
        let change = Change::new(actor, self.clock.now(), "update", "funding_call")
            .record(id.0)
            .before(&before.call.fields)
            .after(&fields);
        match self.store.update_call(id, &fields, &change).await {
            Ok(()) => {}
            Err(StoreError::Conflict(c)) if c == "call_exists" => {
                return Err(InputError::new("identifier", "call_exists").into());
            }
            Err(e) => return Err(e.into()),
        }
        self.get(actor, id).await
    }

    /// Publishes a representative's suggestion (staff).
    pub async fn publish(&self, actor: &Actor, id: CallId) -> Result<CallView, ServiceError> {
        self.get(actor, id).await?;
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        let change = Change::new(actor, self.clock.now(), "publish", "funding_call")
            .record(id.0)
            .before(serde_json::json!({ "published": false }))
            .after(serde_json::json!({ "published": true }));
        if !self.store.publish_call(id, &change).await? {
            return Err(ServiceError::Conflict("call_already_published".into()));
        }
        self.get(actor, id).await
    }
}

/// What `ldp import calls` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PortalImportReport {
    /// `totalResults` as the file states it (the portal's count over every page).
    pub total_results: u64,
    pub loaded: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Result number (from 1), identifier if any, and why.
    pub skipped: Vec<(usize, String, String)>,
}

impl Funding {
    /// Imports the Funding & Tenders Portal's search JSON at `path`, by identifier: new calls are created
    /// published, known ones updated when their fields differ, each write audited (`import`,
    /// `funding_call`). The file is read twice, as a stream: first checked whole, so a file not in this
    /// format loads nothing; then loaded. Calls entered by hand are not overwritten (skipped).
    pub async fn import_portal(
        &self,
        actor: &Actor,
        path: &std::path::Path,
    ) -> Result<PortalImportReport, ServiceError> {
        use crate::domain::funding::portal::{self, ReadError};
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        let open = |path: &std::path::Path| {
            std::fs::File::open(path)
                .map(std::io::BufReader::new)
                .map_err(|e| ServiceError::Invalid(InputError::new("file", &format!("unreadable: {e}"))))
        };
        let format_error = |e: portal::NotPortalFormat| ServiceError::Invalid(InputError::new("file", &e.0));
        // First pass: the whole file must be in the format before anything is written.
        let reader = open(path)?;
        let owned = path.to_owned();
        let checked = tokio::task::spawn_blocking(move || portal::read(reader, |_, _| Ok::<(), ()>(())))
            .await
            .map_err(|e| ServiceError::Internal(format!("reading {}: {e}", owned.display())))?;
        let total_results = match checked {
            Ok(n) => n,
            Err(ReadError::Format(e)) => return Err(format_error(e)),
            Err(ReadError::Refused(())) => unreachable!("the check refuses nothing"),
        };
        // Second pass: a reader thread parses and converts, the writes follow through a bounded channel.
        let reader = open(path)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, Result<CallFields, (String, String)>)>(64);
        let parser = tokio::task::spawn_blocking(move || {
            portal::read(reader, |n, result| {
                let item = portal::convert(&result).map_err(|why| {
                    let id = result.metadata.get("identifier").and_then(|v| v.first()).and_then(|v| v.as_str());
                    (id.or(result.reference.as_deref()).unwrap_or("").to_owned(), why)
                });
                tx.blocking_send((n, item)).map_err(|_| ())
            })
        });
        let mut report = PortalImportReport { total_results, ..PortalImportReport::default() };
        while let Some((n, item)) = rx.recv().await {
            let fields = match item {
                Ok(f) => f,
                Err((id, why)) => {
                    report.skipped.push((n, id, why));
                    continue;
                }
            };
            if let Some(existing) = self.store.call_by_identifier(&fields.identifier).await?
                && existing.source != "portal"
            {
                report.skipped.push((n, fields.identifier.clone(), "entered in the workspace, not overwritten".into()));
                continue;
            }
            let change = Change::new(actor, self.clock.now(), "import", "funding_call")
                .record(&fields.identifier)
                .after(&fields);
            match self.store.save_call(&fields, true, None, "portal", &change).await? {
                Saved::Created(_) => report.loaded += 1,
                Saved::Updated(_) => report.updated += 1,
                Saved::Unchanged(_) => report.unchanged += 1,
            }
        }
        match parser.await.map_err(|e| ServiceError::Internal(format!("reading the file: {e}")))? {
            Ok(_) => Ok(report),
            // The file changed between the passes.
            Err(ReadError::Format(e)) => Err(format_error(e)),
            Err(ReadError::Refused(())) => Err(ServiceError::Internal("the import stopped".into())),
        }
    }
}
