//! Funding: the calls list with its filters, one page per call (deadlines in their own zone beside Istanbul
//! time, the budget, and whether a chosen member municipality may apply), and the programmes with their
//! eligibility, sources and as-of dates.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;

use std::sync::Arc;

use ldp_core::domain::funding::{Call, CallFilter, CallId, CallKind, CallStatus, EligibilityCheck, Funder, Programme};
use ldp_core::domain::{Actor, CountryCode, Lang, Municipality, Paged};
use ldp_core::reference::snapshot::ReferenceSnapshot;
use ldp_core::services::funding::CallView;

use super::pagination::Pagination;
use super::{PageCtx, PageError, parse_page, render, status_for};
use crate::error::{AppError, field_message};
use crate::state::AppState;

/// An exact amount with the language's grouping and decimal mark: `12.345.678,9 EUR` / `12,345,678.9 EUR`.
pub fn money(lang: Lang, amount: &Decimal, currency: &str) -> String {
    let text = amount.normalize().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (group, mark) = match lang {
        Lang::Tr => ('.', ','),
        Lang::En => (',', '.'),
    };
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(*c);
    }
    if !fraction.is_empty() {
        out.push(mark);
        out.push_str(fraction);
    }
    if currency.is_empty() { out } else { format!("{out} {currency}") }
}

/// A percentage with the language's decimal mark.
pub fn percent(lang: Lang, rate: &Decimal) -> String {
    let text = rate.normalize().to_string();
    match lang {
        Lang::Tr => format!("%{}", text.replace('.', ",")),
        Lang::En => format!("{text}%"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    programme: Option<String>,
    funder: Option<String>,
    sdg: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

const FILTER_FIELDS: [&str; 6] = ["status", "type", "programme", "funder", "sdg", "q"];

/// The filter form's values and choices.
pub struct CallForm {
    query: ListQuery,
    pub programmes: Vec<Programme>,
    pub funders: Vec<Funder>,
    pub errors: BTreeMap<String, String>,
}

impl CallForm {
    pub fn value(&self, field: &str) -> &str {
        let q = &self.query;
        let v = match field {
            "status" => &q.status,
            "type" => &q.kind,
            "programme" => &q.programme,
            "funder" => &q.funder,
            "sdg" => &q.sdg,
            "q" => &q.q,
            _ => &None,
        };
        v.as_deref().unwrap_or("")
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    pub fn statuses(&self) -> &'static [CallStatus] {
        CallStatus::ALL
    }

    pub fn kinds(&self) -> &'static [CallKind] {
        CallKind::ALL
    }

    /// The filters a saved search keeps (`type`, `funder`, `sdg`, and the words as its theme), for the link
    /// to the workspace's "save this search" form.
    pub fn saved_search_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = ["type", "funder", "sdg", "q"]
            .into_iter()
            .map(|f| (f, self.value(f).trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The filters the deadline feed (`/funding/deadlines.ics`) takes from the list: all but the status.
    pub fn deadline_feed_query(&self) -> String {
        let pairs: Vec<(&str, &str)> = ["type", "programme", "funder", "sdg", "q"]
            .into_iter()
            .map(|f| (f, self.value(f).trim()))
            .filter(|(f, v)| !v.is_empty() && !self.errors.contains_key(*f))
            .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> =
            FILTER_FIELDS.into_iter().map(|f| (f, self.value(f).trim())).filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// A call as a row of the list.
pub struct CallRow {
    pub call: Call,
    pub status: CallStatus,
    pub programme: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "funding.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    form: CallForm,
    result: Option<Paged<CallRow>>,
    pagination: Option<Pagination>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let programmes = state.funding.programmes().await.map_err(ctx.fail())?;
    let funders = state.funding.funders().await.map_err(ctx.fail())?;
    let filter = CallFilter::parse(
        query.status.as_deref(),
        query.kind.as_deref(),
        query.programme.as_deref(),
        query.funder.as_deref(),
        query.sdg.as_deref(),
        query.q.as_deref(),
    );
    let page = parse_page(query.page.as_deref());
    let mut errors = BTreeMap::new();
    for e in [filter.as_ref().err(), page.as_ref().err()].into_iter().flatten() {
        errors.extend(e.fields.iter().map(|(f, c)| (f.clone(), field_message(ctx.lang, c))));
    }
    let mut form = CallForm { query, programmes, funders, errors };
    let (result, pagination) = match (filter, page) {
        (Ok(filter), Ok(page)) => {
            let calls = state.funding.list(&Actor::visitor(None), &filter, page).await.map_err(ctx.fail())?;
            let now = state.funding.now();
            let names: BTreeMap<_, _> = form.programmes.iter().map(|p| (p.id, ctx.pick(&p.name))).collect();
            let rows = Paged {
                items: calls
                    .items
                    .into_iter()
                    .map(|call| CallRow {
                        status: call.status(now),
                        programme: call.fields.programme.and_then(|id| names.get(&id).cloned()),
                        call,
                    })
                    .collect(),
                page: calls.page,
                per_page: calls.per_page,
                total: calls.total,
            };
            let qs = form.query_string();
            let base = if qs.is_empty() { ctx.href("/funding") } else { format!("{}?{qs}", ctx.href("/funding")) };
            let sep = if base.contains('?') { '&' } else { '?' };
            let pagination =
                Pagination::new(&rows, |n| if n == 1 { base.clone() } else { format!("{base}{sep}page={n}") });
            (Some(rows), Some(pagination))
        }
        _ => (None, None),
    };
    form.programmes.sort_by(|a, b| {
        ldp_core::text::collation_key(&ctx.pick(&a.name)).cmp(&ldp_core::text::collation_key(&ctx.pick(&b.name)))
    });
    let status = status_for(!form.errors.is_empty());
    let page = ListPage { title: ctx.t("funding-title"), form, result, pagination, ctx };
    render(&page.ctx, &page, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct CallQuery {
    municipality: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "funding_call.html")]
struct CallPage {
    ctx: PageCtx,
    title: String,
    view: CallView,
    status: CallStatus,
    members: Vec<Municipality>,
    chosen: Option<Municipality>,
    check: Option<EligibilityCheck>,
    municipality_error: Option<String>,
    reference: Arc<ReferenceSnapshot>,
}

impl CallPage {
    fn money(&self, amount: &Decimal) -> String {
        money(self.ctx.lang, amount, &self.view.call.fields.budget.currency)
    }

    fn percent(&self, rate: &Decimal) -> String {
        percent(self.ctx.lang, rate)
    }

    fn selected(&self, m: &Municipality) -> bool {
        self.chosen.as_ref().is_some_and(|c| c.id == m.id)
    }

    fn plates(&self, p: &Programme) -> String {
        province_names(p)
    }

    fn country_names(&self, p: &Programme) -> String {
        country_names(&self.ctx, &self.reference, p)
    }
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    query: Result<Query<CallQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let id = CallId(ctx.path_id(&id)?);
    let view = state.funding.get(&Actor::visitor(None), id).await.map_err(ctx.fail())?;
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let members: Vec<Municipality> = reference.all_municipalities().cloned().collect();
    let slug = query.municipality.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let chosen = slug.and_then(|s| members.iter().find(|m| m.slug == s).cloned());
    let municipality_error =
        (slug.is_some() && chosen.is_none()).then(|| field_message(ctx.lang, "unknown_municipality"));
    let check = chosen.as_ref().map(|m| state.funding.eligibility(&view, m));
    let status = view.call.status(state.funding.now());
    let http = status_for(municipality_error.is_some());
    let page = CallPage {
        title: view.call.fields.title.get(ctx.lang).to_owned(),
        view,
        status,
        members,
        chosen,
        check,
        municipality_error,
        reference,
        ctx,
    };
    render(&page.ctx, &page, http)
}

#[derive(askama::Template)]
#[template(path = "funding_programmes.html")]
struct ProgrammesPage {
    ctx: PageCtx,
    title: String,
    programmes: Vec<Programme>,
    reference: Arc<ReferenceSnapshot>,
}

impl ProgrammesPage {
    fn province_names(&self, p: &Programme) -> String {
        province_names(p)
    }

    fn country_names(&self, p: &Programme) -> String {
        country_names(&self.ctx, &self.reference, p)
    }
}

/// The names of a programme's eligible countries in the reader's language (`Bulgaristan, Türkiye`), in the
/// programme's order; a code the reference data lacks stays a code.
fn country_names(ctx: &PageCtx, reference: &ReferenceSnapshot, p: &Programme) -> String {
    p.eligibility
        .countries
        .iter()
        .map(|code| {
            CountryCode::parse(code)
                .ok()
                .and_then(|c| reference.country(&c).map(|c| ctx.pick(&c.name)))
                .unwrap_or_else(|| code.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of a programme's provinces, in the order the programme gives them.
fn province_names(p: &Programme) -> String {
    p.eligibility
        .provinces
        .iter()
        .map(|plate| {
            PROVINCES.get(usize::from(plate.get())).map(|s| (*s).to_owned()).unwrap_or_else(|| plate.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turkish provinces by plate code (index 0 unused), for programmes whose areas reach beyond the union's region.
const PROVINCES: [&str; 82] = [
    "",
    "Adana",
    "Adıyaman",
    "Afyonkarahisar",
    "Ağrı",
    "Amasya",
    "Ankara",
    "Antalya",
    "Artvin",
    "Aydın",
    "Balıkesir",
    "Bilecik",
    "Bingöl",
    "Bitlis",
    "Bolu",
    "Burdur",
    "Bursa",
    "Çanakkale",
    "Çankırı",
    "Çorum",
    "Denizli",
    "Diyarbakır",
    "Edirne",
    "Elazığ",
    "Erzincan",
    "Erzurum",
    "Eskişehir",
    "Gaziantep",
    "Giresun",
    "Gümüşhane",
    "Hakkari",
    "Hatay",
    "Isparta",
    "Mersin",
    "İstanbul",
    "İzmir",
    "Kars",
    "Kastamonu",
    "Kayseri",
    "Kırklareli",
    "Kırşehir",
    "Kocaeli",
    "Konya",
    "Kütahya",
    "Malatya",
    "Manisa",
    "Kahramanmaraş",
    "Mardin",
    "Muğla",
    "Muş",
    "Nevşehir",
    "Niğde",
    "Ordu",
    "Rize",
    "Sakarya",
    "Samsun",
    "Siirt",
    "Sinop",
    "Sivas",
    "Tekirdağ",
    "Tokat",
    "Trabzon",
    "Tunceli",
    "Şanlıurfa",
    "Uşak",
    "Van",
    "Yozgat",
    "Zonguldak",
    "Aksaray",
    "Bayburt",
    "Karaman",
    "Kırıkkale",
    "Batman",
    "Şırnak",
    "Bartın",
    "Ardahan",
    "Iğdır",
    "Yalova",
    "Karabük",
    "Kilis",
    "Osmaniye",
    "Düzce",
];

pub async fn programmes(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let programmes = state.funding.programmes().await.map_err(ctx.fail())?;
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let page = ProgrammesPage { title: ctx.t("funding-programmes-title"), programmes, reference, ctx };
    render(&page.ctx, &page, StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_language_and_exact() {
        let d: Decimal = "12345678.90".parse().unwrap();
        assert_eq!(money(Lang::Tr, &d, "EUR"), "12.345.678,9 EUR");
        assert_eq!(money(Lang::En, &d, "EUR"), "12,345,678.9 EUR");
        assert_eq!(money(Lang::En, &"100".parse().unwrap(), "TRY"), "100 TRY");
        assert_eq!(percent(Lang::Tr, &"85.5".parse().unwrap()), "%85,5");
        assert_eq!(PROVINCES[34], "İstanbul");
        assert_eq!(PROVINCES[81], "Düzce");
    }
}
