//! The real reference data shipped with the platform, and the service that loads it.
//!
//! The files live in the repository's `data/` folder (see its README for sources and licences) and are
//! compiled into the binary, so `ldp serve` needs nothing else on first start.

mod parse;
mod records;

use serde::Serialize;
use std::sync::OnceLock;
use utoipa::ToSchema;

pub use parse::ParseError;
pub use records::{
    CityRecord, CountryRecord, FactRecord, GoalRecord, MunicipalityRecord, NetworkRecord, TargetRecord, UnionRecord,
};

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

/// Loads the embedded reference data unless the store already holds this version (or `force` is set).
pub async fn ensure_reference(store: &dyn Store, force: bool) -> Result<EnsureOutcome, ReferenceError> {
    let version = ReferenceData::embedded_version();
    if !force && store.reference_version().await?.as_deref() == Some(version) {
        return Ok(EnsureOutcome::UpToDate);
    }
    let data = ReferenceData::embedded()?;
    let report = store.load_reference(&data, version).await?;
    tracing::info!(version, added = report.total_added(), "reference data loaded");
    Ok(EnsureOutcome::Loaded(report))
}

/// Meta key under which the version of the loaded twin-city seed is kept.
const SEED_KEY: &str = "partnership_seed_version";

/// Loads the real sister-city relations of the members (shipped with the binary) unless this version
/// already was. Returns the import report when it ran.
pub async fn ensure_partnership_seed(
    store: std::sync::Arc<dyn Store>,
    clock: &dyn crate::clock::Clock,
) -> Result<Option<crate::services::import::ImportReport>, crate::services::ServiceError> {
    let version = format!("{:016x}", fnv1a(files::TWIN_CITIES_TURKEY));
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
    tracing::info!(created = report.created, unmatched = report.unmatched(), "sister-city relations loaded");
    Ok(Some(report))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
