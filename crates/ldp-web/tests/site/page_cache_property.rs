//! The page cache's promise as a property: after any sequence of writes (profile edits, proposals, trail
//! steps, goals, publication, activities) interleaved with anonymous reads, every entry that can still
//! answer equals what a fresh rendering with the cache off says.

use axum::http::StatusCode;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded => every_kept_entry_equals_a_fresh_rendering_after_any_writes);

const MEMBERS: [&str; 3] = ["bursa-nilufer", "istanbul-kadikoy", "yalova"];
/// GeoNames ids of partner cities: München, Berlin, Paris, London, Madrid.
const CITIES: [u32; 5] = [2867714, 2950159, 2988507, 2643743, 3117735];
/// Sequences tried, each continuing on the data the previous ones left.
const SEQUENCES: u32 = 4;

/// One step of a visitor's or an editor's.
#[derive(Debug, Clone)]
enum Op {
    /// An anonymous GET of the `n`th address (modulo how many there are).
    Read(usize),
    Profile {
        member: usize,
        n: u8,
    },
    Propose {
        member: usize,
        city: usize,
    },
    /// A council decision for the `nth` relation proposed so far.
    Council {
        nth: usize,
    },
    Goals {
        nth: usize,
        goals: Vec<u8>,
    },
    Publish {
        nth: usize,
        published: bool,
    },
    Activity {
        nth: usize,
        n: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<usize>().prop_map(Op::Read),
        1 => (0..MEMBERS.len(), any::<u8>()).prop_map(|(member, n)| Op::Profile { member, n }),
        1 => (0..MEMBERS.len(), 0..CITIES.len()).prop_map(|(member, city)| Op::Propose { member, city }),
        1 => any::<usize>().prop_map(|nth| Op::Council { nth }),
        1 => (any::<usize>(), proptest::collection::vec(1u8..=17, 0..4)).prop_map(|(nth, goals)| Op::Goals { nth, goals }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(nth, published)| Op::Publish { nth, published }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(nth, n)| Op::Activity { nth, n }),
    ]
}

/// Addresses a visitor reads: pages in both languages, the API, the CSV export, the map, and each proposed
/// relation's page and record.
fn addresses(proposed: &[i64]) -> Vec<String> {
    let mut all: Vec<String> = vec!["/tr/".into(), "/en/".into(), "/tr/map".into(), "/tr/compliance".into()];
    for m in MEMBERS {
        all.push(format!("/tr/municipalities/{m}"));
        all.push(format!("/en/municipalities/{m}"));
        all.push(format!("/api/v1/municipalities/{m}"));
        all.push(format!("/tr/partnerships?municipality={m}"));
        all.push(format!("/en/partnerships.csv?municipality={m}"));
        all.push(format!("/api/v1/partnerships?municipality={m}"));
    }
    for goal in [4, 11, 17] {
        all.push(format!("/tr/sdgs/{goal}"));
    }
    for id in proposed {
        all.push(format!("/tr/partnerships/{id}"));
        all.push(format!("/api/v1/partnerships/{id}"));
    }
    all
}

struct Editor<'a> {
    app: &'a TestApp,
    token: String,
    proposed: Vec<i64>,
}

impl Editor<'_> {
    /// Applies `op`; a refused write (a duplicate, a step out of order) changes nothing, which the property
    /// covers as well.
    async fn apply(&mut self, op: &Op) {
        let nth = |n: usize| (!self.proposed.is_empty()).then(|| self.proposed[n % self.proposed.len()]);
        let (method, uri, body) = match op {
            Op::Read(n) => {
                let all = addresses(&self.proposed);
                self.app.get(&all[n % all.len()]).await;
                return;
            }
            Op::Profile { member, n } => (
                "PUT",
                format!("/api/v1/municipalities/{}/profile", MEMBERS[*member]),
                format!(
                    r#"{{"website":"https://www.example.org/{n}","about_tr":"Tanıtım {n}","about_en":"About {n}"}}"#
                ),
            ),
            Op::Propose { member, city } => (
                "POST",
                "/api/v1/partnerships".into(),
                format!(
                    r#"{{"municipality":"{}","partner_city":"{}","kind":"friendship"}}"#,
                    MEMBERS[*member], CITIES[*city]
                ),
            ),
            Op::Council { nth: n } => {
                let Some(id) = nth(*n) else { return };
                let body = r#"{"stage":"council_approved","date":"2026-11-20","number":"2026/5"}"#;
                ("POST", format!("/api/v1/partnerships/{id}/steps"), body.into())
            }
            Op::Goals { nth: n, goals } => {
                let Some(id) = nth(*n) else { return };
                let list: Vec<String> = goals.iter().map(u8::to_string).collect();
                ("PUT", format!("/api/v1/partnerships/{id}/sdgs"), format!(r#"{{"sdgs":"{}"}}"#, list.join(",")))
            }
            Op::Publish { nth: n, published } => {
                let Some(id) = nth(*n) else { return };
                ("PUT", format!("/api/v1/partnerships/{id}/publication"), format!(r#"{{"published":{published}}}"#))
            }
            Op::Activity { nth: n, n: title } => {
                let Some(id) = nth(*n) else { return };
                let body = format!(
                    r#"{{"date":"2026-11-25","title_tr":"Ziyaret {title}","title_en":"Visit {title}","kind":"visit"}}"#
                );
                ("POST", format!("/api/v1/partnerships/{id}/activities"), body)
            }
        };
        let reply = self.app.api(method, &uri, Some(&self.token), Some(&body)).await;
        assert!(!reply.status.is_server_error(), "{op:?}: {} {}", reply.status, reply.body);
        if matches!(op, Op::Propose { .. }) && reply.status == StatusCode::CREATED {
            let created: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
            self.proposed.push(created["id"].as_i64().expect("the new relation's id"));
        }
    }
}

/// Every entry that can still answer equals a fresh rendering of its address.
async fn check_entries(app: &TestApp, ops: &[Op]) -> usize {
    let entries = app.state.page_cache.current_entries(&app.state.feed).await;
    for (key, entry) in &entries {
        let address = key.address();
        let fresh = app.get_uncached(&address).await;
        assert_eq!(entry.status(), fresh.status, "{address} after {ops:?}");
        assert_eq!(String::from_utf8_lossy(entry.body()), fresh.body, "{address} after {ops:?}");
    }
    entries.len()
}

async fn every_kept_entry_equals_a_fresh_rendering_after_any_writes(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let mut editor = Editor { app: &app, token: app.token("staff@mmu.org.tr", false).await, proposed: Vec::new() };
    let mut runner = TestRunner::new(Config::default());
    let sequences = proptest::collection::vec(op(), 10..30);
    let (mut checked, mut history) = (0, Vec::new());
    for _ in 0..SEQUENCES {
        for op in sequences.new_tree(&mut runner).expect("a sequence").current() {
            editor.apply(&op).await;
            let write = !matches!(op, Op::Read(_));
            history.push(op);
            if write {
                checked += check_entries(&app, &history).await;
            }
        }
        checked += check_entries(&app, &history).await;
    }
    assert!(checked > 0, "some entries were compared");
}
