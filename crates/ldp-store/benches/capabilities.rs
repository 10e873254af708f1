//! Criterion benchmarks of the capacity-building and funding slices on both engines (issues 11 and 16):
//! registrations per second under contention, the events list at 10,000 events, the calls list and the
//! eligibility check at 10,000 calls, the project portfolio at 5,000 projects (the public list unfiltered and
//! filtered, its summaries, and the read behind the XLSX/CSV export).
//!
//! `cargo bench -p ldp-store --bench capabilities`; the PostgreSQL half runs when `LDP_TEST_POSTGRES_URL`
//! names a server (as for the tests) and says loudly that it was skipped otherwise. Figures go to the README;
//! no test asserts on them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ldp_core::clock::FixedClock;
use ldp_core::domain::funding::ApplicantType;
use ldp_core::domain::funding::{
    Budget, CallFields, CallFilter, CallKind, CallStatus, Deadline, DeadlineModel, Eligibility, parse_amount,
};
use ldp_core::domain::projects::{
    Amount, ApplicationPartner, OutputKind, PartnerRole, PortfolioFilter, ProjectFields, ProjectOutput, ProjectPartner,
};
use ldp_core::domain::{
    Actor, Attendee, Audience, Change, EventFields, EventFilter, EventKind, EventSession, EventStatus, EventTopic,
    Lang, Localized, NewRegistration, Page,
};
use ldp_core::domain::{GoalNumber, MunicipalityFilter};
use ldp_core::services::funding::{Funding, ensure_funding_data};
use ldp_core::services::projects::Projects;
use ldp_core::store::Store;
use ldp_core::store::prelude::*;
use ldp_testkit::{Engine, NOW, TestDb};
use time::macros::date;
use tokio::runtime::Runtime;

/// How many registrations compete for one event's seats in each round.
const CONTENDERS: usize = 200;
/// Seats of that event.
const SEATS: u32 = 50;
/// Events in the list benchmark.
const EVENTS: usize = 10_000;
/// Calls in the funding benchmarks.
const CALLS: usize = 10_000;
/// Projects in the portfolio benchmarks.
const PROJECTS: usize = 5_000;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime")
}

fn engines() -> [(Engine, &'static str); 2] {
    [(Engine::Sqlite, "sqlite"), (Engine::Postgres, "postgres")]
}

fn change(action: &str, record_type: &'static str) -> Change {
    Change::new(&Actor::system("bench"), NOW, action, record_type)
}

/// A published training with two sessions, `n` days after [`NOW`] (so lists have distinct dates).
fn event_fields(capacity: Option<u32>, n: usize) -> EventFields {
    let start = NOW + time::Duration::hours(24 + n as i64);
    let topics = [EventTopic::DiplomacyProtocol, EventTopic::ProjectManagement, EventTopic::PublicDiplomacy];
    EventFields {
        kind: if n.is_multiple_of(3) { EventKind::Workshop } else { EventKind::Training },
        title: Localized::new(format!("Protokol eğitimi {n}"), format!("Protocol training {n}")),
        summary: Localized::new("Kısa özet", "Short summary"),
        body: Localized::new("Ayrıntılar", ""),
        topics: vec![topics[n % topics.len()]],
        sdgs: vec![11, 17],
        networks: Vec::new(),
        host: None,
        partnership: None,
        venue: String::new(),
        city: None,
        online_url: "https://meet.example.org/protokol".into(),
        sessions: vec![
            EventSession { start, end: start + time::Duration::hours(3) },
            EventSession { start: start + time::Duration::days(1), end: start + time::Duration::hours(27) },
        ],
        languages: vec![Lang::Tr],
        speakers: String::new(),
        organiser: "Birlik".into(),
        audience: Audience::MemberStaff,
        capacity,
        registration_opens: None,
        registration_closes: None,
        quota_per_municipality: None,
        moderated: false,
    }
}

/// A distinct valid registration code for `n` (base 31 over the code alphabet).
fn code(mut n: usize) -> String {
    let alphabet = ldp_core::domain::event::CODE_ALPHABET;
    let mut out = Vec::new();
    for _ in 0..8 {
        out.push(alphabet[n % alphabet.len()]);
        n /= alphabet.len();
    }
    String::from_utf8(out).expect("ASCII")
}

fn one_person(n: usize) -> NewRegistration {
    NewRegistration {
        code: code(n),
        registered_by: None,
        municipality: None,
        attendees: vec![Attendee { name: format!("Kişi {n}"), email: format!("kisi{n}@example.org") }],
    }
}

/// Registrations per second when `CONTENDERS` registrations race for `SEATS` seats of one fresh event.
fn registrations(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("registrations_under_contention");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(CONTENDERS as u64));
    for (engine, name) in engines() {
        let Some(db) = rt.block_on(TestDb::seeded(engine)) else { continue };
        let store: Arc<dyn Store> = db.shared();
        let serial = std::sync::atomic::AtomicUsize::new(0);
        group.bench_function(BenchmarkId::new(name, format!("{CONTENDERS}_for_{SEATS}_seats")), |b| {
            b.iter_custom(|rounds| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..rounds {
                        let id = store
                            .create_event(
                                &event_fields(Some(SEATS), 0),
                                EventStatus::Published,
                                None,
                                NOW,
                                &change("create", "event"),
                            )
                            .await
                            .expect("event");
                        let base = serial.fetch_add(CONTENDERS, std::sync::atomic::Ordering::Relaxed);
                        let started = Instant::now();
                        let tasks: Vec<_> = (0..CONTENDERS)
                            .map(|i| {
                                let store = store.clone();
                                tokio::spawn(async move {
                                    store
                                        .register(
                                            id,
                                            &one_person(base + i),
                                            NOW,
                                            &change("register", "event_registration"),
                                        )
                                        .await
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.expect("task").expect("registered");
                        }
                        total += started.elapsed();
                    }
                    total
                })
            })
        });
        drop(db);
    }
    group.finish();
}

/// The public events list (upcoming, first page of 20, and filtered by topic) among 10,000 events.
fn events_list(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("events_list_10k");
    group.sample_size(30);
    for (engine, name) in engines() {
        let Some(db) = rt.block_on(TestDb::seeded(engine)) else { continue };
        rt.block_on(async {
            for n in 0..EVENTS {
                let status = if n % 10 == 9 { EventStatus::Draft } else { EventStatus::Published };
                db.store
                    .create_event(&event_fields(Some(30), n), status, None, NOW, &change("create", "event"))
                    .await
                    .expect("event");
            }
        });
        let public = vec![EventStatus::Published, EventStatus::Postponed, EventStatus::Cancelled];
        let upcoming = EventFilter { statuses: public.clone(), when: Some((true, NOW)), ..EventFilter::default() };
        let by_topic = EventFilter { topic: Some(EventTopic::ProjectManagement), ..upcoming.clone() };
        let late_page = Page::parse(Some(200), Some(20)).expect("page");
        for (label, filter, page) in [
            ("upcoming_first_page", &upcoming, Page::first(20)),
            ("upcoming_page_200", &upcoming, late_page),
            ("by_topic_first_page", &by_topic, Page::first(20)),
        ] {
            group.bench_function(BenchmarkId::new(name, label), |b| {
                b.to_async(&rt).iter(|| async { db.store.events(filter, page).await.expect("list") })
            });
        }
        drop(db);
    }
    group.finish();
}

fn call_fields(n: usize, programme: Option<ldp_core::domain::funding::ProgrammeId>) -> CallFields {
    let day = 1 + (n % 28) as u8;
    let deadline = format!("2027-{:02}-{day:02}T17:00", 1 + n % 12);
    CallFields {
        identifier: format!("BENCH-{n:05}"),
        programme,
        kind: if n.is_multiple_of(4) { CallKind::Competition } else { CallKind::Grant },
        title: Localized::new(format!("Kıyı kentlerinde iklim uyumu {n}"), format!("Climate adaptation {n}")),
        summary: Localized::new("Özet", "Summary"),
        opens_on: Some(date!(2026 - 11 - 01)),
        deadline_model: DeadlineModel::Single,
        deadlines: vec![Deadline::parse(&deadline, "Europe/Brussels").expect("deadline")],
        budget: Budget {
            currency: "EUR".into(),
            total: parse_amount("1000000"),
            min_per_project: parse_amount("10000"),
            max_per_project: parse_amount("250000"),
            cofinancing_rate: parse_amount("80"),
        },
        themes: vec!["iklim".into()],
        sdgs: vec![11, 13],
        link: "https://example.org/call".into(),
        eligibility: Eligibility::default(),
    }
}

/// The calls list and the eligibility check ("open calls my municipality can apply to") at 10,000 calls
/// spread over the shipped programmes, some of which cover only certain provinces.
fn funding(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("funding_10k_calls");
    group.sample_size(20);
    for (engine, name) in engines() {
        let Some(db) = rt.block_on(TestDb::seeded(engine)) else { continue };
        let clock = FixedClock::new(NOW);
        let member = rt.block_on(async {
            ensure_funding_data(db.store.as_ref(), clock.as_ref()).await.expect("programmes");
            let programmes = db.store.programmes().await.expect("programmes");
            for n in 0..CALLS {
                let programme = (!programmes.is_empty() && n % 5 != 0).then(|| programmes[n % programmes.len()].id);
                db.store
                    .save_call(&call_fields(n, programme), true, None, "bench", &change("create", "funding_call"))
                    .await
                    .expect("call");
            }
            db.store.municipality_by_slug("bursa-nilufer").await.expect("read").expect("seeded")
        });
        let funding = Funding::new(db.shared(), clock.clone());
        let open = CallFilter { status: Some(CallStatus::Open), ..CallFilter::default() };
        group.bench_function(BenchmarkId::new(name, "open_calls_first_page"), |b| {
            b.to_async(&rt).iter(|| async { db.store.calls(&open, NOW, Page::first(20)).await.expect("list") })
        });
        let words = CallFilter { q: Some("iklim uyumu 99".into()), ..open.clone() };
        group.bench_function(BenchmarkId::new(name, "open_calls_by_words"), |b| {
            b.to_async(&rt).iter(|| async { db.store.calls(&words, NOW, Page::first(20)).await.expect("list") })
        });
        group.bench_function(BenchmarkId::new(name, "eligible_open_calls_for_a_member_10"), |b| {
            b.to_async(&rt).iter(|| async { funding.open_calls_for(&member, 10).await.expect("check") })
        });
        group.bench_function(BenchmarkId::new(name, "eligibility_of_every_open_call"), |b| {
            b.to_async(&rt).iter(|| async { funding.open_calls_for(&member, usize::MAX).await.expect("check") })
        });
        drop(db);
    }
    group.finish();
}

/// A project led by one of `members`, with a member and a foreign partner, two goals, an output, a start in
/// one of eight years; every tenth is in dollars.
fn project_fields(
    n: usize,
    members: &[ldp_core::domain::Municipality],
    programmes: &[ldp_core::domain::funding::Programme],
) -> ProjectFields {
    let lead = &members[n % members.len()];
    let partner = &members[(n * 7 + 3) % members.len()];
    let programme = &programmes[n % programmes.len()];
    let currency = if n % 10 == 9 { "USD" } else { "EUR" };
    let amount = |v: u64| Amount { amount: rust_decimal::Decimal::from(v), currency: currency.into() };
    let start = date!(2020 - 01 - 15) + time::Duration::days((n % 8 * 365 + n % 300) as i64);
    ProjectFields {
        acronym: format!("P{n:04}"),
        title: Localized::new(format!("Kıyı kentleri için iklim uyumu {n}"), format!("Climate adaptation {n}")),
        summary: Localized::new("Özet", "Summary"),
        programme: Some(programme.id),
        funder: Some(programme.funder),
        lead: lead.id,
        partners: vec![
            ProjectPartner {
                partner: ApplicationPartner::Member { municipality: partner.id },
                role: PartnerRole::Partner,
            },
            ProjectPartner {
                partner: ApplicationPartner::Foreign {
                    name: format!("Stadt {n}"),
                    country: "DE".into(),
                    org_type: ApplicantType::Municipality,
                },
                role: PartnerRole::CoApplicant,
            },
        ],
        budget: Some(amount(100_000 + (n as u64 % 50) * 10_000)),
        grant: Some(amount(80_000 + (n as u64 % 50) * 8_000)),
        start: Some(start),
        end: Some(start + time::Duration::days(730)),
        sdgs: vec![GoalNumber::parse(11).expect("goal"), GoalNumber::parse(1 + (n % 17) as i64).expect("goal")],
        targets: Vec::new(),
        outputs: vec![ProjectOutput {
            kind: OutputKind::Output,
            indicator: "Ortak eğitimler".into(),
            target: rust_decimal::Decimal::from(12),
            achieved: Some(rust_decimal::Decimal::from((n % 12) as u64)),
        }],
        relations: Vec::new(),
        events: Vec::new(),
    }
}

/// The public portfolio at 5,000 published projects led by 100 members: every project (the list, which is
/// not paged, and the XLSX/CSV export read the same), those of one province, the summaries per municipality,
/// province, programme, funder, SDG and year over every project, and the store's read alone.
fn portfolio(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("portfolio_5k_projects");
    group.sample_size(20);
    for (engine, name) in engines() {
        let Some(db) = rt.block_on(TestDb::seeded(engine)) else { continue };
        let clock = FixedClock::new(NOW);
        let province = rt.block_on(async {
            ensure_funding_data(db.store.as_ref(), clock.as_ref()).await.expect("programmes");
            let programmes = db.store.programmes().await.expect("programmes");
            let members = db
                .store
                .list_municipalities(&MunicipalityFilter::default(), Page::first(100))
                .await
                .expect("members")
                .items;
            for n in 0..PROJECTS {
                let mut unit = db.store.begin().await.expect("unit");
                let id = unit.projects().create_project(&project_fields(n, &members, &programmes), None, NOW).await;
                let id = id.expect("project");
                unit.commit(&change("create", "project").record(id.0)).await.expect("commit");
                db.store.set_project_published(id, true, NOW, &change("publish", "project")).await.expect("publish");
            }
            members[0].province.plate
        });
        let projects = Projects::new(db.shared(), clock.clone());
        let everything = PortfolioFilter::default();
        let by_province = PortfolioFilter { province: Some(province), ..PortfolioFilter::default() };
        group.bench_function(BenchmarkId::new(name, "portfolio_every_project"), |b| {
            b.to_async(&rt).iter(|| async { projects.portfolio(&everything).await.expect("portfolio") })
        });
        group.bench_function(BenchmarkId::new(name, "portfolio_of_one_province"), |b| {
            b.to_async(&rt).iter(|| async { projects.portfolio(&by_province).await.expect("portfolio") })
        });
        group.bench_function(BenchmarkId::new(name, "summaries_of_every_project"), |b| {
            b.to_async(&rt).iter(|| async {
                let (all, members) = projects.portfolio(&everything).await.expect("portfolio");
                projects.summaries(&all, &members).await.expect("summaries")
            })
        });
        group.bench_function(BenchmarkId::new(name, "store_read_of_published_projects"), |b| {
            b.to_async(&rt).iter(|| async { db.store.projects(true).await.expect("projects") })
        });
        drop(db);
    }
    group.finish();
}

criterion_group!(benches, registrations, events_list, funding, portfolio);
criterion_main!(benches);
