//! The real reference data shipped with the platform, and the service that loads it.
//!
//! The files live in the repository's `data/` folder (see its README for sources and licences) and are
//! compiled into the binary, so `ldp serve` needs nothing else on first start.

pub mod model;
mod parse;
mod records;
pub mod snapshot;
mod store;

use serde::Serialize;
use std::sync::OnceLock;
use utoipa::ToSchema;

pub use parse::ParseError;
pub use records::{
    CityRecord, CountryRecord, FactRecord, GoalRecord, MunicipalityRecord, NetworkRecord, TargetRecord, UnionRecord,
};
pub use store::{GazetteerEntry, MunicipalityMerge, NewSourcePlace, ReferenceStore, ReferenceWrites, SourcePlace};

use crate::store::{Store, StoreError};

/// Everything the platform knows before anyone writes to it.
#[derive(Debug, Clone)]
pub struct ReferenceData {
    pub union: UnionRecord,
    pub networks: Vec<NetworkRecord>,
    pub municipalities: Vec<MunicipalityRecord>,
    pub countries: Vec<CountryRecord>,
    pub cities: Vec<CityRecord>,
    pub goals: Vec<GoalRecord>,
    pub targets: Vec<TargetRecord>,
}

/// The embedded data files, by name.
pub(crate) mod files {
    macro_rules! data_file {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/", $name))
        };
    }
    pub const NETWORKS: &[u8] = data_file!("networks.toml");
    pub const MUNICIPALITIES: &[u8] = data_file!("municipalities.csv");
    pub const COUNTRIES: &[u8] = data_file!("countries.csv");
    pub const CITIES_GZ: &[u8] = data_file!("geonames-cities.tsv.gz");
    pub const GOALS: &[u8] = data_file!("sdg/goals.csv");
    pub const TARGETS: &[u8] = data_file!("sdg/targets.csv");
    pub const ALL: [&[u8]; 6] = [NETWORKS, MUNICIPALITIES, COUNTRIES, CITIES_GZ, GOALS, TARGETS];
    /// Natural Earth's "N. Cyprus" polygon (see `data/README.md`).
    pub const NORTHERN_CYPRUS: &[u8] = data_file!("world/northern-cyprus.json");
    /// Real sister-city pairs involving Türkiye (Wikipedia, CC BY-SA 4.0, via Hekman/twincities).
    pub const TWIN_CITIES_TURKEY: &[u8] = data_file!("twin-cities/turkey.csv");
}

impl ReferenceData {
    /// Parses the data compiled into the binary.
    pub fn embedded() -> Result<ReferenceData, ParseError> {
        Ok(ReferenceData {
            union: parse::union(files::NETWORKS)?,
            networks: parse::networks(files::NETWORKS)?,
            municipalities: parse::municipalities(files::MUNICIPALITIES)?,
            countries: parse::countries(files::COUNTRIES)?,
            cities: parse::cities(files::CITIES_GZ)?,
            goals: parse::goals(files::GOALS)?,
            targets: parse::targets(files::TARGETS)?,
        })
    }

    /// A fingerprint of the embedded files (FNV-1a over their bytes), so that a restart loads nothing
    /// when nothing changed.
    pub fn embedded_version() -> &'static str {
        static VERSION: OnceLock<String> = OnceLock::new();
        VERSION.get_or_init(|| {
            let mut all = Vec::new();
            for file in files::ALL {
                all.extend_from_slice(file);
                all.extend_from_slice(&(file.len() as u64).to_le_bytes());
            }
            format!("{:016x}", fnv1a(&all))
        })
    }
}

/// How many reference records the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReferenceCounts {
    pub networks: u64,
    pub memberships: u64,
    pub provinces: u64,
    pub metropolitan: u64,
    pub provincial: u64,
    pub districts: u64,
    pub countries: u64,
    pub cities: u64,
    pub goals: u64,
    pub targets: u64,
}

/// What one load added. A second load of the same data adds nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    pub networks_added: u64,
    pub municipalities_added: u64,
    pub countries_added: u64,
    pub cities_added: u64,
    pub goals_added: u64,
    pub targets_added: u64,
}

impl LoadReport {
    pub fn total_added(&self) -> u64 {
        self.networks_added
            + self.municipalities_added
            + self.countries_added
            + self.cities_added
            + self.goals_added
            + self.targets_added
    }
}

/// The outcome of [`ensure_reference`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnsureOutcome {
    /// The store already held this version; nothing was read or written.
    UpToDate,
    Loaded(LoadReport),
}

/// Why reference data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("embedded reference data is malformed: {0}")]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Municipalities that earlier versions of the reference data had and that do not exist, with the one that
/// serves their people. The central districts of the five provinces without a metropolitan municipality are
/// served by the provincial municipality (see `data/README.md`); a database loaded before they were removed
/// gets their relations, memberships, representatives and users moved over.
pub const RETIRED_MUNICIPALITIES: &[(&str, &str)] = &[
    ("bilecik-merkez", "bilecik"),
    ("canakkale-merkez", "canakkale"),
    ("edirne-merkez", "edirne"),
    ("kirklareli-merkez", "kirklareli"),
    ("yalova-merkez", "yalova"),
];

/// Loads the embedded reference data unless the store already holds this version (or `force` is set), then
/// folds the [`RETIRED_MUNICIPALITIES`] still in the store into their successors.
pub async fn ensure_reference(
    store: &dyn Store,
    force: bool,
    clock: &dyn crate::clock::Clock,
) -> Result<EnsureOutcome, ReferenceError> {
    let version = ReferenceData::embedded_version();
    if !force && store.reference_version().await?.as_deref() == Some(version) {
        return Ok(EnsureOutcome::UpToDate);
    }
    let data = ReferenceData::embedded()?;
    let report = store.load_reference(&data, version).await?;
    tracing::info!(version, added = report.total_added(), "reference data loaded");
    retire_municipalities(store, clock).await?;
    Ok(EnsureOutcome::Loaded(report))
}

/// Folds each retired municipality still in the store into its successor.
pub async fn retire_municipalities(store: &dyn Store, clock: &dyn crate::clock::Clock) -> Result<u64, StoreError> {
    let actor = crate::domain::Actor::system("reference");
    let mut merged = 0;
    for (old, into) in RETIRED_MUNICIPALITIES {
        let change = crate::domain::Change::new(&actor, clock.now(), "merge", "municipality").record(*old);
        if let Some(report) = store.merge_municipality(old, into, &change).await? {
            tracing::info!(old, into, ?report, "retired municipality merged into its successor");
            merged += 1;
        }
    }
    Ok(merged)
}

/// Meta key under which the version of the loaded twin-city seed is kept.
const SEED_KEY: &str = "partnership_seed_version";
/// Bumped when the importer loads more of the same list: revision 2 makes places for partners the gazetteer
/// lacks and knows the list's wrong Yıldırım point, so a database seeded before gets the rows it skipped
/// (the import adds only what is missing).
const SEED_REVISION: u32 = 2;

/// Loads the real sister-city relations of the members (shipped with the binary) unless this version
/// already was. Returns the import report when it ran.
pub async fn ensure_partnership_seed(
    store: std::sync::Arc<dyn Store>,
    clock: &dyn crate::clock::Clock,
) -> Result<Option<crate::services::import::ImportReport>, crate::services::ServiceError> {
    let version = format!("{:016x}-{SEED_REVISION}", fnv1a(files::TWIN_CITIES_TURKEY));
    if store.meta(SEED_KEY).await?.as_deref() == Some(version.as_str()) {
        return Ok(None);
    }
    let report = crate::services::import::import_partnerships(
        store.clone(),
        files::TWIN_CITIES_TURKEY,
        crate::services::import::WIKIPEDIA_SOURCE,
        &crate::domain::Actor::system("seed"),
        clock,
        |_| {},
    )
    .await?;
    store.set_meta(SEED_KEY, &version).await?;
    tracing::info!(
        created = report.created,
        with_source_place = report.created_with_source_place,
        places_created = report.places_created,
        member_point_ignored = report.member_point_ignored,
        unmatched = report.unmatched(),
        "sister-city relations loaded"
    );
    Ok(Some(report))
}

/// The country code of the Turkish Republic of Northern Cyprus, which has no ISO 3166-1 entry: `XN`, from the
/// range ISO reserves for user assignment (see `data/README.md`).
pub const TRNC: &str = "XN";

/// Whether a point lies in Northern Cyprus (Natural Earth 1:10m, de facto line), for places that are not in
/// the gazetteer, whose GeoNames places were already given [`TRNC`] by the data build.
pub fn in_northern_cyprus(lat: f64, lng: f64) -> bool {
    #[derive(serde::Deserialize)]
    struct Shape {
        polygons: Vec<Vec<Vec<[f64; 2]>>>,
    }
    static SHAPE: OnceLock<Vec<Vec<Vec<[f64; 2]>>>> = OnceLock::new();
    let polygons = SHAPE.get_or_init(|| {
        serde_json::from_slice::<Shape>(files::NORTHERN_CYPRUS).map(|s| s.polygons).unwrap_or_default()
    });
    let in_ring = |ring: &[[f64; 2]]| {
        let mut inside = false;
        let mut j = ring.len().wrapping_sub(1);
        for (i, &[xi, yi]) in ring.iter().enumerate() {
            let [xj, yj] = ring[j];
            if (yi > lat) != (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    };
    polygons.iter().any(|p| p.first().is_some_and(|outer| in_ring(outer)) && !p[1..].iter().any(|h| in_ring(h)))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_in_the_north_of_cyprus_are_in_northern_cyprus() {
        assert!(in_northern_cyprus(35.3363, 33.3173), "Girne");
        assert!(in_northern_cyprus(35.2164, 33.3058), "Gönyeli (Kioneli)");
        assert!(!in_northern_cyprus(34.6841, 33.0379), "Limassol");
        assert!(!in_northern_cyprus(41.01, 28.98), "İstanbul");
    }
}
