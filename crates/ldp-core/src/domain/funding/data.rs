//! The funders and programmes shipped with the binary (`data/funding.toml`), with their sources and as-of
//! dates, loaded on first start and again whenever the file changes (its fingerprint is kept in `meta`).

use serde::Deserialize;
use time::Date;

use super::types::{ApplicantType, Eligibility, FunderKind, Recurrence};
use crate::domain::{Localized, PlateCode};

/// The embedded file.
pub const FILE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/funding.toml"));

/// A shipped funder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunderRecord {
    pub slug: String,
    pub kind: FunderKind,
    pub name: Localized,
    pub website: String,
}

/// A shipped programme; `funder` is its funder's slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeRecord {
    pub slug: String,
    pub funder: String,
    pub name: Localized,
    pub summary: Localized,
    pub eligibility: Eligibility,
    pub recurrence: Option<Recurrence>,
    pub website: String,
    pub source_url: String,
    pub as_of: Date,
}

/// Everything the file holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FundingData {
    pub funders: Vec<FunderRecord>,
    pub programmes: Vec<ProgrammeRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    funder: Vec<RawFunder>,
    programme: Vec<RawProgramme>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunder {
    slug: String,
    kind: String,
    name_tr: String,
    name_en: String,
    website: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgramme {
    slug: String,
    funder: String,
    name_tr: String,
    name_en: String,
    summary_tr: String,
    summary_en: String,
    countries: Vec<String>,
    provinces: Vec<i64>,
    nuts: Vec<String>,
    applicant_types: Vec<String>,
    recurrence: Option<String>,
    website: String,
    source_url: String,
    as_of: String,
}

impl FundingData {
    /// Parses the embedded file.
    pub fn embedded() -> Result<FundingData, String> {
        FundingData::parse(FILE)
    }

    /// Parses a file in the form of `data/funding.toml`, checking every code and reference.
    pub fn parse(text: &str) -> Result<FundingData, String> {
        let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut funders = Vec::new();
        for f in raw.funder {
            let kind =
                FunderKind::parse(&f.kind).ok_or_else(|| format!("funder {}: unknown kind {}", f.slug, f.kind))?;
            funders.push(FunderRecord {
                slug: f.slug,
                kind,
                name: Localized::new(f.name_tr, f.name_en),
                website: f.website,
            });
        }
        let mut programmes = Vec::new();
        for p in raw.programme {
            let slug = p.slug.clone();
            let bad = |what: String| format!("programme {slug}: {what}");
            if !funders.iter().any(|f| f.slug == p.funder) {
                return Err(bad(format!("unknown funder {}", p.funder)));
            }
            if p.countries.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
                return Err(bad("a country is not an ISO 3166-1 alpha-2 code".into()));
            }
            let provinces = p
                .provinces
                .iter()
                .map(|n| PlateCode::parse(*n).map_err(|_| bad(format!("unknown province {n}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let applicant_types = p
                .applicant_types
                .iter()
                .map(|t| ApplicantType::parse(t).ok_or_else(|| bad(format!("unknown applicant type {t}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let recurrence = p
                .recurrence
                .as_deref()
                .map(|r| Recurrence::parse(r).ok_or_else(|| bad(format!("unknown recurrence {r}"))))
                .transpose()?;
            let as_of = Date::parse(&p.as_of, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| bad(format!("as_of {} is not a date", p.as_of)))?;
            if !p.source_url.starts_with("https://") && !p.source_url.starts_with("http://") {
                return Err(bad("source_url is not a web address".into()));
            }
            programmes.push(ProgrammeRecord {
                slug: p.slug,
                funder: p.funder,
                name: Localized::new(p.name_tr, p.name_en),
                summary: Localized::new(p.summary_tr, p.summary_en),
                eligibility: Eligibility { countries: p.countries, provinces, nuts: p.nuts, applicant_types },
                recurrence,
                website: p.website,
                source_url: p.source_url,
                as_of,
            });
        }
        Ok(FundingData { funders, programmes })
    }

    /// A fingerprint of the embedded file, so that a restart loads nothing when nothing changed.
    pub fn embedded_version() -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in FILE.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_with_sources() {
        let data = FundingData::embedded().unwrap();
        assert!(data.programmes.len() >= 10);
        let bg_tr = data.programmes.iter().find(|p| p.slug == "interreg-ipa-bulgaria-turkiye").unwrap();
        let plates: Vec<u8> = bg_tr.eligibility.provinces.iter().map(|p| p.get()).collect();
        assert_eq!(plates, vec![22, 39], "Edirne and Kırklareli");
        assert!(data.programmes.iter().all(|p| !p.source_url.is_empty()));
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(FundingData::parse("funder = []\nprogramme = [{ slug = \"x\" }]").is_err());
        let unknown_funder = FILE.replacen("funder = \"interreg\"", "funder = \"nobody\"", 1);
        assert!(FundingData::parse(&unknown_funder).unwrap_err().contains("unknown funder"));
    }
}
