//! Publications: the union's reports, guides, bulletins, presentations and studies, each with its files.
//! Types are parsed at the edge ([`PublicationFields::parse`], with the related records the service looked
//! up); the store keeps them as they are.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::event::EventTopic;
use super::{EventId, Lang, Localized, MunicipalityId, NetworkId};

pub(crate) mod input;
mod store;
pub use input::{KnownRecords, MAX_RELATED, PublicationInput};
pub use store::PublicationStore;

/// Database id of a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct PublicationId(pub i64);

impl fmt::Display for PublicationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Database id of a publication's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct PublicationFileId(pub i64);

impl fmt::Display for PublicationFileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What kind of publication it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicationKind {
    Report,
    Guide,
    Bulletin,
    Presentation,
    Study,
}

impl PublicationKind {
    pub const ALL: &'static [PublicationKind] = &[
        PublicationKind::Report,
        PublicationKind::Guide,
        PublicationKind::Bulletin,
        PublicationKind::Presentation,
        PublicationKind::Study,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicationKind::Report => "report",
            PublicationKind::Guide => "guide",
            PublicationKind::Bulletin => "bulletin",
            PublicationKind::Presentation => "presentation",
            PublicationKind::Study => "study",
        }
    }

    pub fn parse(text: &str) -> Option<PublicationKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == text.trim())
    }
}

/// Where a publication stands: a draft is seen only in the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicationStatus {
    Draft,
    Published,
}

impl PublicationStatus {
    pub const ALL: &'static [PublicationStatus] = &[PublicationStatus::Draft, PublicationStatus::Published];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicationStatus::Draft => "draft",
            PublicationStatus::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<PublicationStatus> {
        Self::ALL.iter().copied().find(|s| s.as_str() == text.trim())
    }
}

/// The two-letter codes of ISO 639-1, for the language a document is written in.
pub const ISO_639_1: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi", "bm", "bn", "bo",
    "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de", "dv", "dz", "ee", "el", "en", "eo",
    "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi",
    "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka",
    "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng",
    "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn",
    "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su",
    "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur",
    "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// The language a document is written in: an ISO 639-1 code (`tr`, `en`, `de`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(value_type = String, example = "tr")]
#[serde(try_from = "String", into = "String")]
pub struct DocumentLanguage(String);

impl DocumentLanguage {
    /// A code of ISO 639-1, in any case.
    pub fn parse(code: &str) -> Option<DocumentLanguage> {
        let code = code.trim().to_ascii_lowercase();
        ISO_639_1.contains(&code.as_str()).then_some(DocumentLanguage(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The platform's language when it is one of them (for naming it in the page's words).
    pub fn lang(&self) -> Option<Lang> {
        match self.0.as_str() {
            "tr" => Some(Lang::Tr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

impl TryFrom<String> for DocumentLanguage {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        DocumentLanguage::parse(&value).ok_or_else(|| format!("not an ISO 639-1 code: {value}"))
    }
}

impl From<DocumentLanguage> for String {
    fn from(value: DocumentLanguage) -> String {
        value.0
    }
}

impl fmt::Display for DocumentLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything about a publication that its editors write.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PublicationFields {
    pub kind: PublicationKind,
    /// In Turkish and English; at least one is written, the other falls back to it.
    pub title: Localized,
    pub summary: Localized,
    /// The authors' names (people or bodies), in the order given.
    pub authors: Vec<String>,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    pub published_on: Date,
    /// The language the document is written in (ISO 639-1).
    pub language: DocumentLanguage,
    /// The events' capacity-building topics.
    pub topics: Vec<EventTopic>,
    /// SDG numbers (1–17), ascending.
    pub sdgs: Vec<u8>,
    pub networks: Vec<NetworkId>,
    pub municipalities: Vec<MunicipalityId>,
    pub events: Vec<EventId>,
    /// Ids of related sister-city relations.
    pub partnerships: Vec<i64>,
}

/// A stored publication.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Publication {
    pub id: PublicationId,
    #[serde(flatten)]
    pub fields: PublicationFields,
    pub status: PublicationStatus,
    /// How many files it has.
    pub file_count: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A file as the service hands it to the store: checked by content, its bytes already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPublicationFile {
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
}

/// A stored file of a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicationFile {
    pub id: PublicationFileId,
    pub publication: PublicationId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Which publications a list shows, newest publication date first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicationFilter {
    /// Only this state (all when `None`).
    pub status: Option<PublicationStatus>,
    pub kind: Option<PublicationKind>,
    pub topic: Option<EventTopic>,
    pub sdg: Option<u8>,
    pub network: Option<NetworkId>,
    pub municipality: Option<MunicipalityId>,
    pub event: Option<EventId>,
    pub partnership: Option<i64>,
    /// Published (dated) in this calendar year.
    pub year: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_iso_639_1_codes() {
        assert_eq!(ISO_639_1.len(), 183);
        assert!(ISO_639_1.windows(2).all(|w| w[0] < w[1]), "sorted without repeats");
        assert_eq!(DocumentLanguage::parse(" DE ").map(String::from).as_deref(), Some("de"));
        assert_eq!(DocumentLanguage::parse("tr").and_then(|l| l.lang()), Some(Lang::Tr));
        assert!(DocumentLanguage::parse("xx").is_none());
        assert!(DocumentLanguage::parse("tur").is_none());
        assert!(serde_json::from_str::<DocumentLanguage>("\"qq\"").is_err());
    }

    #[test]
    fn kinds_and_states_round_trip() {
        for k in PublicationKind::ALL {
            assert_eq!(PublicationKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(PublicationStatus::parse("published"), Some(PublicationStatus::Published));
        assert_eq!(PublicationKind::parse("novel"), None);
    }
}
