//! Editorial text shipped with the platform (`data/local-diplomacy.toml`), parsed once.

use serde::Deserialize;
use std::sync::LazyLock;

use ldp_core::domain::Lang;

#[derive(Deserialize)]
struct LocalDiplomacyFile {
    source: String,
    intro_tr: String,
    intro_en: String,
    activities_tr: Vec<String>,
    activities_en: Vec<String>,
}

/// The local-diplomacy working area's text.
pub struct LocalDiplomacy {
    pub source: String,
    intro_tr: Vec<String>,
    intro_en: Vec<String>,
    activities_tr: Vec<String>,
    activities_en: Vec<String>,
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|p| !p.is_empty()).collect()
}

impl LocalDiplomacy {
    pub fn intro(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Tr => &self.intro_tr,
            Lang::En => &self.intro_en,
        }
    }

    pub fn activities(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Tr => &self.activities_tr,
            Lang::En => &self.activities_en,
        }
    }
}

/// Parsed on first use; the file is compiled in, and a unit test proves it parses.
pub static LOCAL_DIPLOMACY: LazyLock<LocalDiplomacy> = LazyLock::new(|| {
    let file: LocalDiplomacyFile = toml::from_str(include_str!("../../../../data/local-diplomacy.toml"))
        .expect("data/local-diplomacy.toml parses");
    LocalDiplomacy {
        source: file.source,
        intro_tr: paragraphs(&file.intro_tr),
        intro_en: paragraphs(&file.intro_en),
        activities_tr: file.activities_tr,
        activities_en: file.activities_en,
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_diplomacy_text_has_both_languages() {
        let ld = &*LOCAL_DIPLOMACY;
        assert_eq!(ld.intro(Lang::Tr).len(), ld.intro(Lang::En).len());
        assert!(ld.intro(Lang::Tr).len() >= 2);
        assert_eq!(ld.activities(Lang::Tr).len(), ld.activities(Lang::En).len());
    }
}
