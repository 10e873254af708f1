//! Who may write what. Every write endpoint of the workspace forms and of the API is tried as every role: a
//! visitor, an admin, the union's staff, the representative of the municipality concerned ("own"), the
//! representative of another municipality ("other"), an auditor, and on the API an admin's read-only token.
//!
//! Each request carries fresh, valid input, so an allowed one succeeds and leaves an audit entry. A refused one
//! must leave everything as it was: the audit log (every write appends to it in the same transaction) and the
//! records themselves (profiles, representatives, memberships, relations with their trails, activities and
//! documents, users and tokens, projects).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;
use serde_json::Value;

use ldp_core::clock::Clock;
use ldp_core::domain::partnership::{PartnerKind, PartnershipFilter, PartnershipId};
use ldp_core::domain::projects::{ApplicationId, DocumentOwner, NewFundingDocument, ProjectId, ProjectInput};
use ldp_core::domain::{
    Actor, AuditFilter, CityFilter, EventId, EventStatus, MunicipalityFilter, MunicipalityId, Page, RegistrationId,
    RegistrationStatus, User,
};
use ldp_core::services::ServiceError;
use ldp_core::services::events::{EventInput, RegistrationInput};
use ldp_core::services::partnerships::NewPartnershipInput;
use ldp_core::services::projects::ApplicationInput;
use ldp_core::services::workspace::{MembershipInput, ProfileInput, RepresentativeInput};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    every_write_answers_each_role_as_the_rules_say,
    a_representative_cannot_reach_into_another_municipality,
    forms_without_the_sessions_csrf_token_change_nothing,
);

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Visitor,
    Admin,
    Staff,
    /// The representative of the municipality the record belongs to.
    Own,
    /// A representative of another municipality.
    Other,
    Auditor,
    /// An admin's read-only API token.
    ReadOnly,
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Who::Visitor => "a visitor",
            Who::Admin => "an admin",
            Who::Staff => "staff",
            Who::Own => "the municipality's own representative",
            Who::Other => "another municipality's representative",
            Who::Auditor => "an auditor",
            Who::ReadOnly => "an admin's read-only token",
        })
    }
}

/// What a request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Carried out (an audit entry more), answered with this status.
    Done(StatusCode),
    /// Refused with this status; nothing changed.
    Refused(StatusCode),
    /// A visitor is sent to the sign-in form (303) before the form is even read; nothing changed.
    SignIn,
}

const SIGN_IN: Expect = Expect::SignIn;
const E401: Expect = Expect::Refused(StatusCode::UNAUTHORIZED);
const E403: Expect = Expect::Refused(StatusCode::FORBIDDEN);
const OK200: Expect = Expect::Done(StatusCode::OK);
const OK201: Expect = Expect::Done(StatusCode::CREATED);
const OK204: Expect = Expect::Done(StatusCode::NO_CONTENT);
const OK303: Expect = Expect::Done(StatusCode::SEE_OTHER);
/// Another municipality's record is not there for them at all.
const E404: Expect = Expect::Refused(StatusCode::NOT_FOUND);

/// The operations under test; a form and the API endpoint doing the same share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Profile,
    /// Correcting the date of a proposal nothing has followed yet.
    ProposalDate,
    NewRepresentative,
    EditRepresentative,
    DeleteRepresentative,
    NewMembership,
    EditMembership,
    NewPartnership,
    Step,
    Activity,
    /// Replacing a relation's goals.
    Sdgs,
    /// Publishing a proposal before its council decision.
    Publish,
    Document,
    Invite,
    EditUser,
    /// A user changing their own account to an admin's.
    PromoteSelf,
    NewToken,
    /// The whole audit log: a read, listed because it is the one the roles split on.
    AuditLog,
    /// Uploading a document to an application for funding.
    ApplicationDocument,
    /// Deleting a document of an application.
    DeleteApplicationDocument,
    /// Approving a registration that awaits the organiser (moderation): the union's staff only.
    Moderate,
    /// A project of the portfolio led by the municipality (issue 16).
    NewProject,
    EditProject,
    /// Publishing a project or taking it back (staff and admins only).
    PublishProject,
    /// Uploading a document to a project (those who may edit it: its lead's representatives, staff, admins).
    ProjectDocument,
    DeleteProjectDocument,
    /// Marking a project's document public.
    ProjectDocumentPublic,
}

impl Op {
    fn is_read(self) -> bool {
        self == Op::AuditLog
    }
}

/// The columns of [`FORM_CASES`].
const FORM_ROLES: [Who; 6] = [Who::Visitor, Who::Admin, Who::Staff, Who::Own, Who::Other, Who::Auditor];

/// The workspace forms (`/tr/workspace/…`). Municipal records are those of `bursa`.
#[rustfmt::skip]
const FORM_CASES: &[(&str, Op, [Expect; 6])] = &[
    //                                                                  visitor  admin  staff  own    other  auditor
    ("POST municipalities/{slug} (profile)", Op::Profile,              [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST …/representatives/new",           Op::NewRepresentative,    [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST …/representatives/{id}",          Op::EditRepresentative,   [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST …/representatives/{id}/delete",   Op::DeleteRepresentative, [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST …/memberships/new",               Op::NewMembership,        [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST …/memberships/{id}",              Op::EditMembership,       [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST partnerships/new",                Op::NewPartnership,       [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST partnerships/{id}/steps",         Op::Step,                 [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST partnerships/{id}/activities",    Op::Activity,             [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST partnerships/{id}/sdgs",          Op::Sdgs,                 [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST partnerships/{id}/publication",   Op::Publish,              [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST partnerships/{id}/proposal-date", Op::ProposalDate,         [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST partnerships/{id}/documents",     Op::Document,             [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST users (invite)",                  Op::Invite,               [SIGN_IN, OK303, OK303, E403,  E403,  E403]),
    ("POST users/{id}",                      Op::EditUser,             [SIGN_IN, OK303, E403,  E403,  E403,  E403]),
    ("POST users/{own id}, role=admin",      Op::PromoteSelf,          [SIGN_IN, OK303, E403,  E403,  E403,  E403]),
    ("POST account/tokens",                  Op::NewToken,             [SIGN_IN, OK201, OK201, OK201, OK201, OK201]),
    ("GET audit (the whole log)",            Op::AuditLog,             [SIGN_IN, OK200, E403,  E403,  E403,  OK200]),
    ("POST applications/{id}/documents",     Op::ApplicationDocument,  [SIGN_IN, OK303, OK303, OK303, E404,  E403]),
    ("POST …/documents/{id}/delete",         Op::DeleteApplicationDocument, [SIGN_IN, OK303, OK303, OK303, E404, E403]),
    ("POST registrations/{id}/approve",      Op::Moderate,             [SIGN_IN, OK303, OK303, E403,  E403,  E403]),
    // An unpublished project is not there for another municipality's representative.
    ("POST projects/new",                    Op::NewProject,           [SIGN_IN, OK303, OK303, OK303, E403,  E403]),
    ("POST projects/{id}",                   Op::EditProject,          [SIGN_IN, OK303, OK303, OK303, E404,  E403]),
    ("POST projects/{id}/publish",           Op::PublishProject,       [SIGN_IN, OK303, OK303, E403,  E404,  E403]),
    ("POST projects/{id}/documents",         Op::ProjectDocument,      [SIGN_IN, OK303, OK303, OK303, E404,  E403]),
    ("POST projects/…/documents/{id}/delete", Op::DeleteProjectDocument, [SIGN_IN, OK303, OK303, OK303, E404, E403]),
    ("POST projects/…/documents/{id}/public", Op::ProjectDocumentPublic, [SIGN_IN, OK303, OK303, OK303, E404, E403]),
];

/// The columns of [`API_CASES`].
const API_ROLES: [Who; 7] = [Who::Visitor, Who::Admin, Who::Staff, Who::Own, Who::Other, Who::Auditor, Who::ReadOnly];

/// The API (`/api/v1/…`, bearer tokens). Municipal records are those of `bursa-osmangazi`.
#[rustfmt::skip]
const API_CASES: &[(&str, Op, [Expect; 7])] = &[
    //                                                               visitor admin staff  own    other auditor read-only
    ("PUT municipalities/{slug}/profile", Op::Profile,              [E401, OK200, OK200, OK200, E403, E403,  E403]),
    ("POST …/representatives",            Op::NewRepresentative,    [E401, OK201, OK201, OK201, E403, E403,  E403]),
    ("PUT …/representatives/{id}",        Op::EditRepresentative,   [E401, OK200, OK200, OK200, E403, E403,  E403]),
    ("DELETE …/representatives/{id}",     Op::DeleteRepresentative, [E401, OK204, OK204, OK204, E403, E403,  E403]),
    ("POST …/memberships",                Op::NewMembership,        [E401, OK201, OK201, OK201, E403, E403,  E403]),
    ("PUT …/memberships/{id}",            Op::EditMembership,       [E401, OK200, OK200, OK200, E403, E403,  E403]),
    ("POST partnerships",                 Op::NewPartnership,       [E401, OK201, OK201, OK201, E403, E403,  E403]),
    ("POST partnerships/{id}/steps",      Op::Step,                 [E401, OK200, OK200, OK200, E403, E403,  E403]),
    ("POST partnerships/{id}/activities", Op::Activity,             [E401, OK201, OK201, OK201, E403, E403,  E403]),
    ("PUT partnerships/{id}/sdgs",        Op::Sdgs,                 [E401, OK204, OK204, OK204, E403, E403,  E403]),
    ("PUT partnerships/{id}/publication", Op::Publish,              [E401, OK204, OK204, OK204, E403, E403,  E403]),
    ("PUT partnerships/{id}/proposal-date", Op::ProposalDate,       [E401, OK204, OK204, OK204, E403, E403,  E403]),
    ("GET audit (the whole log)",         Op::AuditLog,             [E401, OK200, E403,  E403,  E403, OK200, OK200]),
    ("POST registrations/{id}/approval",  Op::Moderate,             [E401, OK200, OK200, E403,  E403, E403,  E403]),
    ("POST projects",                     Op::NewProject,           [E401, OK201, OK201, OK201, E403, E403,  E403]),
    ("PUT projects/{id}",                 Op::EditProject,          [E401, OK200, OK200, OK200, E404, E403,  E403]),
    ("POST projects/{id}/publish",        Op::PublishProject,       [E401, OK200, OK200, E403,  E404, E403,  E403]),
    ("POST applications/{id}/documents",  Op::ApplicationDocument,  [E401, OK201, OK201, OK201, E404, E403,  E403]),
    ("DELETE applications/…/documents/{id}", Op::DeleteApplicationDocument, [E401, OK204, OK204, OK204, E404, E403, E403]),
    ("POST projects/{id}/documents",      Op::ProjectDocument,      [E401, OK201, OK201, OK201, E404, E403,  E403]),
    ("DELETE projects/…/documents/{id}",  Op::DeleteProjectDocument, [E401, OK204, OK204, OK204, E404, E403, E403]),
];

/// Names to look up foreign partner cities by (the most populous match of each).
#[rustfmt::skip]
const CITY_NAMES: &[&str] = &[
    "München", "Paris", "Berlin", "Wien", "Roma", "Madrid", "Lisboa", "Praha", "Budapest", "Warszawa", "Amsterdam",
    "Bruxelles", "København", "Stockholm", "Oslo", "Helsinki", "Sofia", "Zagreb", "Tokyo", "Seoul", "Kyiv",
    "Tbilisi", "Baku", "Hamburg", "Köln", "Frankfurt", "Stuttgart", "Lyon", "Marseille", "Milano", "Napoli",
    "Barcelona", "Porto", "Kraków", "Riga", "Vilnius", "Tallinn", "Dublin", "Rotterdam", "Ljubljana", "Sarajevo",
    "Skopje", "Tirana", "Almaty", "Tashkent", "Osaka", "Busan",
];

/// The smallest file the document form accepts.
pub(crate) const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

pub(crate) fn system() -> Actor {
    Actor::system("test")
}

/// A `multipart/form-data` upload as the document form sends it, with the browser's cookie and CSRF token.
pub(crate) fn upload(uri: &str, browser: Option<&Browser>, kind: &str, filename: &str, bytes: &[u8]) -> Request<Body> {
    let csrf = browser.map_or("", |b| b.csrf.as_str());
    multipart(uri, browser, None, &[("csrf", csrf), ("document_kind", kind)], filename, bytes)
}

/// A `multipart/form-data` request with the text `fields` and the file `filename`, sent with a browser's
/// cookie or a bearer token.
pub(crate) fn multipart(
    uri: &str,
    browser: Option<&Browser>,
    token: Option<&str>,
    fields: &[(&str, &str)],
    filename: &str,
    bytes: &[u8],
) -> Request<Body> {
    const BOUNDARY: &str = "----ldp-test-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut request =
        Request::post(uri).header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"));
    if let Some(b) = browser {
        request = request.header(header::COOKIE, b.cookie_header());
    }
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    request.body(Body::from(body)).unwrap()
}

/// The GeoNames id of the most populous city the gazetteer finds for `name`, if it is abroad.
async fn foreign_city(app: &TestApp, name: &str) -> Option<i64> {
    let filter = CityFilter::parse(Some(name), None).unwrap();
    let found = app.state.store.search_cities(&filter, Page::first(1)).await.unwrap();
    found.items.into_iter().next().filter(|c| c.country.as_str() != "TR").map(|c| c.id)
}

/// A foreign city `member` has no relation with yet (the first of [`CITY_NAMES`] that qualifies).
pub(crate) async fn city_without_relation(app: &TestApp, member: &str) -> i64 {
    let taken = partner_cities_of(app, member).await;
    for name in CITY_NAMES {
        if let Some(id) = foreign_city(app, name).await
            && !taken.contains(&id)
        {
            return id;
        }
    }
    panic!("{member} has a relation with every city of CITY_NAMES");
}

/// The GeoNames ids of the cities `member` already has a relation with.
async fn partner_cities_of(app: &TestApp, member: &str) -> BTreeSet<i64> {
    let filter =
        PartnershipFilter { municipality: Some(member.to_owned()), include_unpublished: true, ..Default::default() };
    let relations = app.state.partnerships.all(&filter, 10_000).await.unwrap();
    relations.into_iter().filter(|p| p.partner.kind == PartnerKind::City).map(|p| p.partner.id).collect()
}

/// A network `slug` is not a member of yet.
pub(crate) async fn free_network(app: &TestApp, slug: &str) -> String {
    let store = &app.state.store;
    let m = store.municipality_by_slug(slug).await.unwrap().unwrap_or_else(|| panic!("no municipality {slug}"));
    let held: BTreeSet<String> =
        store.municipal_memberships(m.id).await.unwrap().into_iter().map(|x| x.network_slug).collect();
    store
        .list_networks()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.slug)
        .find(|n| !held.contains(n))
        .unwrap_or_else(|| panic!("{slug} is a member of every network already"))
}

type Fields = Vec<(&'static str, String)>;

fn profile(n: u32) -> Fields {
    vec![
        ("website", format!("https://belediye-{n}.example.org")),
        ("contact_email", format!("dis-iliskiler-{n}@example.org")),
        ("contact_phone", "+90 224 716 10 00".to_owned()),
        ("about_tr", format!("Tanıtım metni {n}")),
        ("about_en", format!("About text {n}")),
    ]
}

fn representative(n: u32) -> Fields {
    vec![
        ("name", format!("Temsilci {n}")),
        ("title", "Dış İlişkiler Müdürü".to_owned()),
        ("unit", "Dış İlişkiler Birimi".to_owned()),
        ("email", format!("temsilci-{n}@example.org")),
        ("phone", "0224 716 10 00".to_owned()),
        ("languages", "Türkçe, English".to_owned()),
    ]
}

fn membership(network: &str, n: u32) -> Fields {
    vec![
        ("network", network.to_owned()),
        ("since", "2021".to_owned()),
        ("status", "active".to_owned()),
        ("decision_number", format!("2021/{n}")),
        ("decision_date", "2021-03-04".to_owned()),
        ("working_groups", format!("Çalışma grubu {n}")),
    ]
}

fn membership_change(n: u32) -> Fields {
    vec![
        ("since", "2019".to_owned()),
        ("status", "active".to_owned()),
        ("decision_number", format!("2019/{n}")),
        ("decision_date", "2019-05-06".to_owned()),
        ("working_groups", format!("Çalışma grubu {n}")),
    ]
}

fn partnership(member: &str, city: i64, n: u32) -> Fields {
    vec![
        ("municipality", member.to_owned()),
        ("partner_city", city.to_string()),
        ("kind", "sister_city".to_owned()),
        ("proposed_on", "2025-01-15".to_owned()),
        ("notes_tr", format!("Öneri {n}")),
    ]
}

fn step(n: u32) -> Fields {
    vec![("stage", "council_approved".to_owned()), ("date", "2025-02-03".to_owned()), ("number", format!("2025/{n}"))]
}

/// A proposal date that differs from the one before (the relations under test were proposed on 2025-01-06).
fn proposal_date(n: u32) -> Fields {
    vec![("proposed_on", format!("2024-12-{:02}", n % 28 + 1))]
}

fn activity(n: u32) -> Fields {
    vec![("date", "2025-03-01".to_owned()), ("title_tr", format!("Ziyaret {n}")), ("kind", "visit".to_owned())]
}

fn goals(n: u32) -> Fields {
    vec![("sdgs", format!("{},{}", n % 17 + 1, (n + 5) % 17 + 1))]
}

/// The same goals as ticked boxes: one `sdg` field each.
fn goal_boxes(n: u32) -> Fields {
    vec![("sdg", (n % 17 + 1).to_string()), ("sdg", ((n + 5) % 17 + 1).to_string())]
}

fn publication(n: u32) -> Fields {
    vec![("published", n.is_multiple_of(2).to_string())]
}

fn project(lead: &str, n: u32) -> Fields {
    vec![
        ("acronym", format!("P{n}")),
        ("title_tr", format!("Proje {n}")),
        ("title_en", format!("Project {n}")),
        ("lead", lead.to_owned()),
        ("budget", format!("{n}000")),
        ("currency", "EUR".to_owned()),
    ]
}

fn invite(n: u32) -> Fields {
    vec![
        ("email", format!("davetli-{n}@example.org")),
        ("name", format!("Davetli {n}")),
        // A role both admins and staff may grant (staff may not grant the auditor's reading rights).
        ("role", "staff".to_owned()),
        ("municipalities", String::new()),
    ]
}

fn user_change(n: u32) -> Fields {
    vec![
        ("name", format!("Konu Kişi {n}")),
        ("role", "representative".to_owned()),
        ("municipalities", "istanbul-kadikoy".to_owned()),
    ]
}

fn promotion(n: u32) -> Fields {
    vec![("name", format!("Kendisi {n}")), ("role", "admin".to_owned()), ("municipalities", String::new())]
}

fn token(n: u32) -> Fields {
    vec![("name", format!("anahtar {n}")), ("scope", "write".to_owned())]
}

/// A request ready to be sent as anybody.
enum Sent {
    Form {
        uri: String,
        fields: Fields,
    },
    Upload {
        uri: String,
        filename: String,
    },
    /// A document uploaded through the API with a bearer token.
    ApiUpload {
        uri: String,
        filename: String,
    },
    Page {
        uri: String,
    },
    Api {
        method: &'static str,
        uri: String,
        body: Option<String>,
    },
}

fn form(uri: String, fields: Fields) -> Sent {
    Sent::Form { uri, fields }
}

fn json(method: &'static str, uri: String, fields: Fields) -> Sent {
    let object: serde_json::Map<String, Value> =
        fields.into_iter().map(|(k, v)| (k.to_owned(), Value::String(v))).collect();
    Sent::Api { method, uri, body: Some(Value::Object(object).to_string()) }
}

/// What must not change when a request is refused, part by part.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    audit: u64,
    parts: BTreeMap<String, String>,
}

impl Snapshot {
    /// The parts that differ from `before`, as `part: before → after`.
    fn changes_since(&self, before: &Snapshot) -> Vec<String> {
        let mut out = Vec::new();
        if self.audit != before.audit {
            out.push(format!("audit entries: {} → {}", before.audit, self.audit));
        }
        for (part, value) in &self.parts {
            let was = before.parts.get(part);
            if was != Some(value) {
                out.push(format!("{part}: {} → {value}", was.map_or("(none)", String::as_str)));
            }
        }
        out
    }
}

fn assert_unchanged(what: &str, before: &Snapshot, after: &Snapshot) {
    let changes = after.changes_since(before);
    assert!(changes.is_empty(), "{what} should have changed nothing, but:\n{}", changes.join("\n"));
}

fn check(case: &str, who: Who, expect: Expect, read: bool, reply: &Reply, before: &Snapshot, after: &Snapshot) {
    let location = reply.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let sent_to_sign_in = reply.status == StatusCode::SEE_OTHER && location.starts_with("/tr/sign-in?next=");
    match expect {
        Expect::SignIn => assert!(
            sent_to_sign_in,
            "{case} as {who}: expected the sign-in redirect, got {} to {location:?}: {}",
            reply.status, reply.body
        ),
        Expect::Refused(status) | Expect::Done(status) => {
            assert_eq!(reply.status, status, "{case} as {who}: {}", reply.body);
            assert!(!sent_to_sign_in, "{case} as {who} was sent to sign in");
        }
    }
    if matches!(expect, Expect::Done(_)) && !read {
        assert!(after.audit > before.audit, "{case} as {who} answered {} but recorded nothing", reply.status);
    } else {
        assert_unchanged(&format!("{case} as {who}"), before, after);
    }
}

struct Person {
    user: User,
    browser: Browser,
    token: String,
}

async fn person(app: &TestApp, email: &str, role: &str, municipalities: &str) -> Person {
    let user = app.user(email, role, municipalities).await;
    let browser = app.sign_in(email).await;
    let token = app.token(email, false).await;
    Person { user, browser, token }
}

/// A municipality under test and the records of it that requests change.
#[derive(Debug, Clone)]
struct Target {
    slug: String,
    id: MunicipalityId,
    representative: i64,
    membership: i64,
    /// A proposed relation, for activities and documents.
    partnership: PartnershipId,
    /// An application for funding, for its documents.
    application: ApplicationId,
    /// An unpublished project the municipality leads.
    project: ProjectId,
}

/// Where fresh partners come from.
struct Pools {
    /// The next of [`CITY_NAMES`] to look up (looked up only when needed: the gazetteer is large).
    next_city: usize,
    given_cities: BTreeSet<i64>,
    members: Vec<String>,
    next_member: usize,
}

impl Pools {
    async fn new(app: &TestApp) -> Pools {
        let filter = MunicipalityFilter::default();
        let members = app.state.store.list_municipalities(&filter, Page::first(100)).await.unwrap().items;
        let members = members.into_iter().map(|m| m.slug).collect();
        Pools { next_city: 0, given_cities: BTreeSet::new(), members, next_member: 0 }
    }

    /// A foreign city `member` has no relation with, and that no earlier request was given.
    async fn fresh_city(&mut self, app: &TestApp, member: &str) -> i64 {
        let taken = partner_cities_of(app, member).await;
        while let Some(name) = CITY_NAMES.get(self.next_city) {
            self.next_city += 1;
            if let Some(id) = foreign_city(app, name).await
                && !taken.contains(&id)
                && self.given_cities.insert(id)
            {
                return id;
            }
        }
        panic!("no partner city left for {member}: add names to CITY_NAMES");
    }

    /// A new proposed relation of `member` with another member municipality, made by the platform itself.
    async fn fresh_partnership(&mut self, app: &TestApp, member: &str) -> PartnershipId {
        while let Some(partner) = self.members.get(self.next_member).cloned() {
            self.next_member += 1;
            if partner == member {
                continue;
            }
            let input = NewPartnershipInput {
                municipality: Some(member.to_owned()),
                partner_municipality: Some(partner.clone()),
                kind: Some("cooperation".into()),
                proposed_on: Some("2025-01-06".into()),
                ..Default::default()
            };
            match app.state.partnerships.create(&input, &system()).await {
                Ok(id) => return id,
                Err(ServiceError::Conflict(_)) => continue,
                Err(e) => panic!("a relation of {member} with {partner}: {e}"),
            }
        }
        panic!("no partner municipality left for {member}");
    }
}

/// A published event whose registrations need the organiser's approval, without a seat limit.
async fn moderated_event(app: &TestApp) -> EventId {
    let input = EventInput {
        kind: Some("training".into()),
        title_tr: Some("Onaylı kayıtlı eğitim".into()),
        online_url: Some("https://meet.example.org/onay".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        sessions: Some(format!("{} 10:00-12:00", app.clock.today() + time::Duration::days(10))),
        audience: Some("member_staff".into()),
        moderated: Some("yes".into()),
        ..EventInput::default()
    };
    let event = app.state.events.create(&system(), &input).await.unwrap();
    app.state.events.set_status(&system(), event.id, EventStatus::Published).await.unwrap();
    event.id
}

async fn target(app: &TestApp, pools: &mut Pools, slug: &str) -> Target {
    let m = app.state.store.municipality_by_slug(slug).await.unwrap().unwrap_or_else(|| panic!("no {slug}"));
    let ws = &app.state.workspace;
    let fixture = RepresentativeInput {
        name: Some(format!("Sabit temsilci ({slug})")),
        title: Some("Dış İlişkiler Müdürü".into()),
        ..Default::default()
    };
    let representative = ws.save_representative(&system(), slug, None, &fixture).await.unwrap();
    let joined = MembershipInput {
        network: Some(free_network(app, slug).await),
        since: Some("2018".into()),
        status: Some("applied".into()),
        ..Default::default()
    };
    let membership = ws.save_membership(&system(), slug, None, &joined).await.unwrap();
    let partnership = pools.fresh_partnership(app, slug).await;
    let applying = ApplicationInput {
        municipality: Some(slug.to_owned()),
        title: Some(format!("Başvuru ({slug})")),
        ..Default::default()
    };
    let application = app.state.projects.create(&system(), &applying).await.unwrap().application.id;
    let input = ProjectInput {
        acronym: Some("SABIT".into()),
        title_tr: Some("Sabit proje".into()),
        title_en: Some("Fixed project".into()),
        lead: Some(slug.to_owned()),
        ..Default::default()
    };
    let project = app.state.projects.create_project(&system(), &input).await.unwrap().id;
    Target { slug: slug.to_owned(), id: m.id, representative, membership, partnership, application, project }
}

/// The application with a person of each role signed in, and the records requests aim at.
struct World {
    app: TestApp,
    admin: Person,
    staff: Person,
    /// Speaks for `bursa` (forms) and `bursa-osmangazi` (API).
    own: Person,
    /// Speaks for `istanbul-kadikoy`.
    other: Person,
    auditor: Person,
    /// A read-only token of the admin.
    read_only: String,
    /// The account the user forms change.
    subject: User,
    /// The forms change `bursa`'s records …
    forms: Target,
    /// … the API `bursa-osmangazi`'s …
    api: Target,
    /// … and nobody may change `istanbul-kadikoy`'s here, but the snapshot watches them all the same.
    elsewhere: Target,
    pools: Pools,
    seq: u32,
    /// A relation made for the current request, watched by the snapshot too.
    fresh: Option<PartnershipId>,
    /// A published event whose registrations need approval, with no seat limit (each one is pending).
    moderated: EventId,
}

impl World {
    async fn new(db: TestDb) -> World {
        let app = TestApp::new(db).await;
        let admin = person(&app, "yonetici@mmu.org.tr", "admin", "").await;
        let staff = person(&app, "sekreterya@mmu.org.tr", "staff", "").await;
        let own = person(&app, "temsilci@bursa.bel.tr", "representative", "bursa,bursa-osmangazi").await;
        let other = person(&app, "temsilci@kadikoy.bel.tr", "representative", "istanbul-kadikoy").await;
        let auditor = person(&app, "denetci@mmu.org.tr", "auditor", "").await;
        let read_only = app.token("yonetici@mmu.org.tr", true).await;
        let subject = app.user("konu@example.org", "representative", "istanbul-kadikoy").await;
        let mut pools = Pools::new(&app).await;
        let forms = target(&app, &mut pools, "bursa").await;
        let api = target(&app, &mut pools, "bursa-osmangazi").await;
        let elsewhere = target(&app, &mut pools, "istanbul-kadikoy").await;
        let moderated = moderated_event(&app).await;
        World {
            moderated,
            app,
            admin,
            staff,
            own,
            other,
            auditor,
            read_only,
            subject,
            forms,
            api,
            elsewhere,
            pools,
            seq: 0,
            fresh: None,
        }
    }

    fn next(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    fn person(&self, who: Who) -> Option<&Person> {
        match who {
            Who::Visitor | Who::ReadOnly => None,
            Who::Admin => Some(&self.admin),
            Who::Staff => Some(&self.staff),
            Who::Own => Some(&self.own),
            Who::Other => Some(&self.other),
            Who::Auditor => Some(&self.auditor),
        }
    }

    fn browser(&self, who: Who) -> Option<&Browser> {
        assert_ne!(who, Who::ReadOnly, "read-only tokens have no session");
        self.person(who).map(|p| &p.browser)
    }

    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::ReadOnly => Some(self.read_only.as_str()),
            _ => self.person(who).map(|p| p.token.as_str()),
        }
    }

    /// A document stored on `owner` for a request to delete or mark (not through the service: its bytes are
    /// never read).
    async fn doomed_document(&self, owner: DocumentOwner, n: u32) -> i64 {
        let doomed = NewFundingDocument {
            filename: format!("silinecek-{n}.pdf"),
            content_type: "application/pdf".into(),
            size: PDF.len() as i64,
            sha256: "ab".repeat(32),
            storage_key: format!("{}/doomed-{n}.pdf", owner.key_prefix()),
            uploaded_by: "system:test".into(),
            public: false,
        };
        let now = self.app.clock.now();
        let change = ldp_core::domain::Change::new(&system(), now, "create", owner.record_type());
        self.app.state.store.add_funding_document(owner, &doomed, now, &change).await.unwrap().id.0
    }

    /// Whether a project is published now (a publish request asks for the other state, so it always changes).
    async fn published(&self, id: ProjectId) -> bool {
        self.app.state.store.project(id).await.unwrap().is_some_and(|p| p.published)
    }

    /// A representative of `slug` made only to be deleted.
    async fn doomed_representative(&self, slug: &str, n: u32) -> i64 {
        let input = RepresentativeInput { name: Some(format!("Ayrılacak temsilci {n}")), ..Default::default() };
        self.app.state.workspace.save_representative(&system(), slug, None, &input).await.unwrap()
    }

    /// A fresh registration awaiting approval (made by the own representative).
    async fn pending_registration(&self) -> RegistrationId {
        let rep = Actor::user(&self.own.user, None);
        let r = self.app.state.events.register(&rep, self.moderated, &RegistrationInput::default()).await.unwrap();
        assert_eq!(r.status, RegistrationStatus::Pending);
        r.id
    }

    /// The form request for `op` as `who`, with fresh input (and fresh records where the request uses one up).
    async fn form_request(&mut self, op: Op, who: Who) -> Sent {
        self.fresh = None;
        let n = self.next();
        let t = self.forms.clone();
        let base = format!("/tr/workspace/municipalities/{}", t.slug);
        match op {
            Op::Profile => form(base, profile(n)),
            Op::NewRepresentative => form(format!("{base}/representatives/new"), representative(n)),
            Op::EditRepresentative => form(format!("{base}/representatives/{}", t.representative), representative(n)),
            Op::DeleteRepresentative => {
                let id = self.doomed_representative(&t.slug, n).await;
                form(format!("{base}/representatives/{id}/delete"), Vec::new())
            }
            Op::NewMembership => {
                let network = free_network(&self.app, &t.slug).await;
                form(format!("{base}/memberships/new"), membership(&network, n))
            }
            Op::EditMembership => form(format!("{base}/memberships/{}", t.membership), membership_change(n)),
            Op::NewPartnership => {
                let city = self.pools.fresh_city(&self.app, &t.slug).await;
                form("/tr/workspace/partnerships/new".into(), partnership(&t.slug, city, n))
            }
            Op::Step => {
                let id = self.pools.fresh_partnership(&self.app, &t.slug).await;
                self.fresh = Some(id);
                form(format!("/tr/workspace/partnerships/{id}/steps"), step(n))
            }
            Op::Activity => form(format!("/tr/workspace/partnerships/{}/activities", t.partnership), activity(n)),
            Op::Sdgs => form(format!("/tr/workspace/partnerships/{}/sdgs", t.partnership), goal_boxes(n)),
            Op::Publish => form(format!("/tr/workspace/partnerships/{}/publication", t.partnership), publication(n)),
            Op::ProposalDate => {
                form(format!("/tr/workspace/partnerships/{}/proposal-date", t.partnership), proposal_date(n))
            }
            Op::Document => Sent::Upload {
                uri: format!("/tr/workspace/partnerships/{}/documents", t.partnership),
                filename: format!("karar-{n}.pdf"),
            },
            Op::Invite => form("/tr/workspace/users".into(), invite(n)),
            Op::EditUser => form(format!("/tr/workspace/users/{}", self.subject.id), user_change(n)),
            Op::PromoteSelf => {
                let id = self.person(who).map_or(self.subject.id, |p| p.user.id);
                form(format!("/tr/workspace/users/{id}"), promotion(n))
            }
            Op::NewToken => form("/tr/workspace/account/tokens".into(), token(n)),
            Op::AuditLog => Sent::Page { uri: "/tr/workspace/audit".into() },
            Op::ApplicationDocument => Sent::Upload {
                uri: format!("/tr/workspace/applications/{}/documents", t.application.0),
                filename: format!("basvuru-{n}.pdf"),
            },
            Op::DeleteApplicationDocument => {
                let id = self.doomed_document(DocumentOwner::Application(t.application), n).await;
                form(format!("/tr/workspace/applications/{}/documents/{id}/delete", t.application.0), Vec::new())
            }
            Op::ProjectDocument => Sent::Upload {
                uri: format!("/tr/workspace/projects/{}/documents", t.project.0),
                filename: format!("rapor-{n}.pdf"),
            },
            Op::DeleteProjectDocument => {
                let id = self.doomed_document(DocumentOwner::Project(t.project), n).await;
                form(format!("/tr/workspace/projects/{}/documents/{id}/delete", t.project.0), Vec::new())
            }
            Op::ProjectDocumentPublic => {
                let id = self.doomed_document(DocumentOwner::Project(t.project), n).await;
                let uri = format!("/tr/workspace/projects/{}/documents/{id}/public", t.project.0);
                form(uri, vec![("public", "1".to_owned())])
            }
            Op::Moderate => {
                let id = self.pending_registration().await;
                form(format!("/tr/workspace/registrations/{}/approve", id.0), Vec::new())
            }
            Op::NewProject => form("/tr/workspace/projects/new".into(), project(&t.slug, n)),
            Op::EditProject => form(format!("/tr/workspace/projects/{}", t.project.0), project(&t.slug, n)),
            Op::PublishProject => {
                let flip = if self.published(t.project).await { "0" } else { "1" };
                form(format!("/tr/workspace/projects/{}/publish", t.project.0), vec![("published", flip.to_owned())])
            }
        }
    }

    /// The API request for `op`, with fresh input.
    async fn api_request(&mut self, op: Op) -> Sent {
        self.fresh = None;
        let n = self.next();
        let t = self.api.clone();
        let base = format!("/api/v1/municipalities/{}", t.slug);
        match op {
            Op::Profile => json("PUT", format!("{base}/profile"), profile(n)),
            Op::NewRepresentative => json("POST", format!("{base}/representatives"), representative(n)),
            Op::EditRepresentative => {
                json("PUT", format!("{base}/representatives/{}", t.representative), representative(n))
            }
            Op::DeleteRepresentative => {
                let id = self.doomed_representative(&t.slug, n).await;
                Sent::Api { method: "DELETE", uri: format!("{base}/representatives/{id}"), body: None }
            }
            Op::NewMembership => {
                let network = free_network(&self.app, &t.slug).await;
                json("POST", format!("{base}/memberships"), membership(&network, n))
            }
            Op::EditMembership => json("PUT", format!("{base}/memberships/{}", t.membership), membership_change(n)),
            Op::NewPartnership => {
                let city = self.pools.fresh_city(&self.app, &t.slug).await;
                json("POST", "/api/v1/partnerships".into(), partnership(&t.slug, city, n))
            }
            Op::Step => {
                let id = self.pools.fresh_partnership(&self.app, &t.slug).await;
                self.fresh = Some(id);
                json("POST", format!("/api/v1/partnerships/{id}/steps"), step(n))
            }
            Op::Activity => json("POST", format!("/api/v1/partnerships/{}/activities", t.partnership), activity(n)),
            Op::Sdgs => json("PUT", format!("/api/v1/partnerships/{}/sdgs", t.partnership), goals(n)),
            Op::Publish => Sent::Api {
                method: "PUT",
                uri: format!("/api/v1/partnerships/{}/publication", t.partnership),
                body: Some(format!("{{\"published\":{}}}", n.is_multiple_of(2))),
            },
            Op::ProposalDate => {
                json("PUT", format!("/api/v1/partnerships/{}/proposal-date", t.partnership), proposal_date(n))
            }
            Op::AuditLog => Sent::Api { method: "GET", uri: "/api/v1/audit".into(), body: None },
            Op::Moderate => {
                let id = self.pending_registration().await;
                Sent::Api { method: "POST", uri: format!("/api/v1/registrations/{}/approval", id.0), body: None }
            }
            Op::NewProject => json("POST", "/api/v1/projects".into(), project(&t.slug, n)),
            Op::EditProject => json("PUT", format!("/api/v1/projects/{}", t.project.0), project(&t.slug, n)),
            Op::PublishProject => Sent::Api {
                method: "POST",
                uri: format!("/api/v1/projects/{}/publish", t.project.0),
                body: Some(format!("{{\"published\":{}}}", !self.published(t.project).await)),
            },
            Op::ApplicationDocument => Sent::ApiUpload {
                uri: format!("/api/v1/applications/{}/documents", t.application.0),
                filename: format!("basvuru-{n}.pdf"),
            },
            Op::DeleteApplicationDocument => {
                let id = self.doomed_document(DocumentOwner::Application(t.application), n).await;
                let uri = format!("/api/v1/applications/{}/documents/{id}", t.application.0);
                Sent::Api { method: "DELETE", uri, body: None }
            }
            Op::ProjectDocument => Sent::ApiUpload {
                uri: format!("/api/v1/projects/{}/documents", t.project.0),
                filename: format!("rapor-{n}.pdf"),
            },
            Op::DeleteProjectDocument => {
                let id = self.doomed_document(DocumentOwner::Project(t.project), n).await;
                Sent::Api {
                    method: "DELETE",
                    uri: format!("/api/v1/projects/{}/documents/{id}", t.project.0),
                    body: None,
                }
            }
            Op::Document | Op::Invite | Op::EditUser | Op::PromoteSelf | Op::NewToken | Op::ProjectDocumentPublic => {
                unreachable!("{op:?} has no API endpoint")
            }
        }
    }

    async fn send(&self, request: &Sent, who: Who) -> Reply {
        match request {
            Sent::Form { uri, fields } => {
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.app.form(uri, self.browser(who), &pairs).await
            }
            Sent::Upload { uri, filename } => {
                self.app.request(upload(uri, self.browser(who), "council_decision", filename, PDF)).await
            }
            Sent::ApiUpload { uri, filename } => {
                self.app.request(multipart(uri, None, self.token(who), &[], filename, PDF)).await
            }
            Sent::Page { uri } => match self.browser(who) {
                Some(b) => self.app.get_as(uri, b).await,
                None => self.app.get(uri).await,
            },
            Sent::Api { method, uri, body } => self.app.api(method, uri, self.token(who), body.as_deref()).await,
        }
    }

    async fn snapshot(&self) -> Snapshot {
        let store = &self.app.state.store;
        let audit = store.list_audit(&AuditFilter::default(), Page::first(1)).await.unwrap().total;
        let mut parts = BTreeMap::new();
        for t in [&self.forms, &self.api, &self.elsewhere] {
            let s = &t.slug;
            let about = store.municipality_profile(t.id).await.unwrap();
            parts.insert(format!("profile of {s}"), format!("{about:?}"));
            let representatives = store.representatives(t.id).await.unwrap();
            parts.insert(format!("representatives of {s}"), format!("{representatives:?}"));
            let memberships = store.municipal_memberships(t.id).await.unwrap();
            parts.insert(format!("memberships of {s}"), format!("{memberships:?}"));
            let filter =
                PartnershipFilter { municipality: Some(s.clone()), include_unpublished: true, ..Default::default() };
            let relations = self.app.state.partnerships.list(&filter, Page::first(1)).await.unwrap();
            parts.insert(format!("relations of {s}"), relations.total.to_string());
            for owner in [DocumentOwner::Application(t.application), DocumentOwner::Project(t.project)] {
                let documents = store.funding_documents(owner).await.unwrap();
                let names: Vec<_> = documents.iter().map(|d| (d.id.0, d.filename.clone(), d.public)).collect();
                parts.insert(format!("documents of {owner:?} of {s}"), format!("{names:?}"));
            }
        }
        let watched = [self.forms.partnership, self.api.partnership, self.elsewhere.partnership];
        for id in watched.into_iter().chain(self.fresh) {
            let d = self.app.state.partnerships.get(id).await.unwrap();
            let summary = format!(
                "{:?}, {} steps (proposed {:?}), {} activities, {} documents",
                d.partnership.stage,
                d.trail.len(),
                d.trail.first().map(|e| e.date),
                d.activities.len(),
                d.documents.len()
            );
            parts.insert(format!("partnership {id}"), summary);
        }
        let users: Vec<_> = store
            .list_users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.id.0, u.email, u.name, u.role, u.municipalities, u.disabled))
            .collect();
        parts.insert("users".into(), format!("{users:?}"));
        let tokens: Vec<_> = store
            .list_api_tokens(None)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.id, t.name, t.owner, t.read_only, t.revoked_at.is_some()))
            .collect();
        parts.insert("tokens".into(), format!("{tokens:?}"));
        let projects: Vec<_> = store.projects(false).await.unwrap().into_iter().map(|p| format!("{p:?}")).collect();
        parts.insert("projects".into(), projects.join("\n"));
        Snapshot { audit, parts }
    }

    /// Sends `request` as `who` and checks the answer and what changed against `expect`.
    async fn run(&self, case: &str, who: Who, expect: Expect, read: bool, request: &Sent) {
        let before = self.snapshot().await;
        let reply = self.send(request, who).await;
        let after = self.snapshot().await;
        check(case, who, expect, read, &reply, &before, &after);
    }
}

async fn every_write_answers_each_role_as_the_rules_say(db: TestDb) {
    let mut w = World::new(db).await;
    for (name, op, expected) in FORM_CASES {
        for (who, expect) in FORM_ROLES.into_iter().zip(*expected) {
            let request = w.form_request(*op, who).await;
            w.run(&format!("form {name}"), who, expect, op.is_read(), &request).await;
        }
    }
    for (name, op, expected) in API_CASES {
        for (who, expect) in API_ROLES.into_iter().zip(*expected) {
            let request = w.api_request(*op).await;
            w.run(&format!("API {name}"), who, expect, op.is_read(), &request).await;
        }
    }
}

/// The representative of `bursa` against `istanbul-kadikoy`'s records: by their own addresses (403), and by
/// addresses under `bursa` that carry Kadıköy's ids (404: the record is not one of Bursa's).
async fn a_representative_cannot_reach_into_another_municipality(db: TestDb) {
    let mut w = World::new(db).await;
    let (mine, theirs) = (w.forms.clone(), w.elsewhere.clone());
    let about = ProfileInput { about_tr: Some("Kadıköy'ün tanıtımı".into()), ..Default::default() };
    w.app.state.workspace.update_profile(&system(), &theirs.slug, &about).await.unwrap();
    let city = w.pools.fresh_city(&w.app, &theirs.slug).await;
    let their_network = free_network(&w.app, &theirs.slug).await;
    let my_network = free_network(&w.app, &mine.slug).await;
    // A membership of mine naming their representative.
    let mut borrowed = membership(&my_network, 1);
    borrowed.push(("representative", theirs.representative.to_string()));

    let (rep, mem, rel) = (theirs.representative, theirs.membership, theirs.partnership);
    // Form and API addresses of their municipality, and of mine.
    let ft = format!("/tr/workspace/municipalities/{}", theirs.slug);
    let fm = format!("/tr/workspace/municipalities/{}", mine.slug);
    let at = format!("/api/v1/municipalities/{}", theirs.slug);
    let am = format!("/api/v1/municipalities/{}", mine.slug);
    let (fp, ap) = ("/tr/workspace/partnerships", "/api/v1/partnerships");
    let (e403, e404, e400) = (StatusCode::FORBIDDEN, StatusCode::NOT_FOUND, StatusCode::BAD_REQUEST);
    let delete = |uri: String| Sent::Api { method: "DELETE", uri, body: None };
    let (f, rep_6, mem_7) = ("karar.pdf".to_owned(), representative(6), membership_change(7));
    #[rustfmt::skip]
    let attempts: Vec<(&str, Sent, StatusCode)> = vec![
        ("their profile", form(ft.clone(), profile(1)), e403),
        ("a representative for them", form(format!("{ft}/representatives/new"), representative(1)), e403),
        ("their representative", form(format!("{ft}/representatives/{rep}"), representative(2)), e403),
        ("their representative, my address", form(format!("{fm}/representatives/{rep}"), representative(3)), e404),
        ("deleting their representative", form(format!("{ft}/representatives/{rep}/delete"), Vec::new()), e403),
        ("deleting it, my address", form(format!("{fm}/representatives/{rep}/delete"), Vec::new()), e404),
        ("a membership for them", form(format!("{ft}/memberships/new"), membership(&their_network, 2)), e403),
        ("their membership", form(format!("{ft}/memberships/{mem}"), membership_change(3)), e403),
        ("their membership, my address", form(format!("{fm}/memberships/{mem}"), membership_change(4)), e404),
        ("mine, handled by their representative", form(format!("{fm}/memberships/new"), borrowed.clone()), e400),
        ("a relation for them", form(format!("{fp}/new"), partnership(&theirs.slug, city, 1)), e403),
        ("a step of their relation", form(format!("{fp}/{rel}/steps"), step(1)), e403),
        ("an activity of their relation", form(format!("{fp}/{rel}/activities"), activity(1)), e403),
        ("a document of their relation", Sent::Upload { uri: format!("{fp}/{rel}/documents"), filename: f }, e403),
        ("their profile (API)", json("PUT", format!("{at}/profile"), profile(2)), e403),
        ("a representative for them (API)", json("POST", format!("{at}/representatives"), representative(4)), e403),
        ("their representative (API)", json("PUT", format!("{at}/representatives/{rep}"), representative(5)), e403),
        ("their representative, my address (API)", json("PUT", format!("{am}/representatives/{rep}"), rep_6), e404),
        ("deleting their representative (API)", delete(format!("{at}/representatives/{rep}")), e403),
        ("deleting it, my address (API)", delete(format!("{am}/representatives/{rep}")), e404),
        ("a membership for them (API)", json("POST", format!("{at}/memberships"), membership(&their_network, 5)), e403),
        ("their membership (API)", json("PUT", format!("{at}/memberships/{mem}"), membership_change(6)), e403),
        ("their membership, my address (API)", json("PUT", format!("{am}/memberships/{mem}"), mem_7), e404),
        ("mine, handled by their representative (API)", json("POST", format!("{am}/memberships"), borrowed), e400),
        ("a relation for them (API)", json("POST", ap.to_owned(), partnership(&theirs.slug, city, 2)), e403),
        ("a step of their relation (API)", json("POST", format!("{ap}/{rel}/steps"), step(2)), e403),
        ("an activity of their relation (API)", json("POST", format!("{ap}/{rel}/activities"), activity(2)), e403),
    ];
    for (what, request, status) in &attempts {
        let before = w.snapshot().await;
        let reply = w.send(request, Who::Own).await;
        assert_eq!(reply.status, *status, "{what}: {}", reply.body);
        let after = w.snapshot().await;
        assert_unchanged(what, &before, &after);
    }

    // Their edit pages are closed too, and their records do not open under my municipality's address.
    let me = &w.own.browser;
    for (uri, status) in [
        (ft.clone(), e403),
        (format!("{ft}/representatives/new"), e403),
        (format!("{ft}/representatives/{rep}"), e403),
        (format!("{ft}/memberships/new"), e403),
        (format!("{ft}/memberships/{mem}"), e403),
        (format!("{fp}/{rel}"), e403),
        (format!("{fm}/representatives/{rep}"), e404),
        (format!("{fm}/memberships/{mem}"), e404),
    ] {
        let reply = w.app.get_as(&uri, me).await;
        assert_eq!(reply.status, status, "GET {uri}: {}", reply.body);
    }

    // Their history is not mine to read: the record's log answers, empty; the admin sees the change.
    let history = format!("/tr/workspace/audit?record_type=municipality&record_id={}", theirs.id.0);
    let reply = w.app.get_as(&history, me).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let rows = texts(&Html::parse_document(&reply.body), "table.audit tbody tr");
    assert!(rows.is_empty(), "a representative reads another municipality's history: {rows:?}");
    let reply = w.app.get_as(&history, &w.admin.browser).await;
    assert!(!texts(&Html::parse_document(&reply.body), "table.audit tbody tr").is_empty(), "{}", reply.body);
}

async fn forms_without_the_sessions_csrf_token_change_nothing(db: TestDb) {
    let w = World::new(db).await;
    let uri = format!("/tr/workspace/municipalities/{}", w.forms.slug);
    let made_up = "0".repeat(64);
    let fields = profile(1);
    for (what, csrf) in [
        ("no token", ""),
        ("a made-up token", made_up.as_str()),
        ("another session's token", w.staff.browser.csrf.as_str()),
    ] {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).chain([("csrf", csrf)]).collect();
        let before = w.snapshot().await;
        let reply = w.app.form(&uri, Some(&w.admin.browser), &pairs).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "an admin's form with {what}: {}", reply.body);
        assert_unchanged(&format!("an admin's form with {what}"), &before, &w.snapshot().await);
    }
    // The upload form reads its token from the multipart body.
    let forged = Browser { csrf: made_up.clone(), ..w.admin.browser.clone() };
    let uri = format!("/tr/workspace/partnerships/{}/documents", w.forms.partnership);
    let before = w.snapshot().await;
    let reply = w.app.request(upload(&uri, Some(&forged), "council_decision", "karar.pdf", PDF)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "an upload with a made-up token: {}", reply.body);
    assert_unchanged("an upload with a made-up token", &before, &w.snapshot().await);
}
