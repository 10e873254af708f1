//! The two languages of the platform and bilingual text.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A language the platform speaks. Turkish is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Tr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Tr, Lang::En];

    /// The BCP 47 tag, also the URL prefix (`tr`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Tr => "tr",
            Lang::En => "en",
        }
    }

    /// Parses a URL prefix or a language tag such as `en-GB`.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim();
        if primary.eq_ignore_ascii_case("tr") {
            Some(Lang::Tr)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The other language, for the language switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Tr => Lang::En,
            Lang::En => Lang::Tr,
        }
    }
}

/// Text written in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Localized {
    pub tr: String,
    pub en: String,
}

impl Localized {
    pub fn new(tr: impl Into<String>, en: impl Into<String>) -> Self {
        Localized { tr: tr.into(), en: en.into() }
    }

    /// The text in `lang`, falling back to the other language when it is empty.
    pub fn get(&self, lang: Lang) -> &str {
        let (want, other) = match lang {
            Lang::Tr => (&self.tr, &self.en),
            Lang::En => (&self.en, &self.tr),
        };
        if want.is_empty() { other } else { want }
    }
}
