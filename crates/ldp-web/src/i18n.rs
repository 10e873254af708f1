//! Translated words. Every user-facing string lives in `locales/{tr,en}/main.ftl`; Rust holds only keys.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use time::{Date, OffsetDateTime, UtcOffset};

use ldp_core::domain::Lang;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "tr",
        // Unicode isolation marks around arguments would end up inside HTML attributes and URLs.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static TR: LanguageIdentifier = langid!("tr");
static EN: LanguageIdentifier = langid!("en");

fn id(lang: Lang) -> &'static LanguageIdentifier {
    match lang {
        Lang::Tr => &TR,
        Lang::En => &EN,
    }
}

/// The message `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    LOCALES.lookup(id(lang), key)
}

/// The message `key` in `lang`, if it exists.
pub fn try_t(lang: Lang, key: &str) -> Option<String> {
    LOCALES.try_lookup(id(lang), key)
}

/// The message `key` in `lang` with named arguments.
pub fn t_args(lang: Lang, key: &str, args: &[(&'static str, FluentArg)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| {
            let value = match v {
                FluentArg::Text(s) => FluentValue::from(s.clone()),
                FluentArg::Number(n) => FluentValue::from(*n),
            };
            (Cow::Borrowed(*k), value)
        })
        .collect();
    LOCALES.lookup_with_args(id(lang), key, &map)
}

/// An argument to a message.
#[derive(Debug, Clone)]
pub enum FluentArg {
    Text(String),
    Number(i64),
}

impl From<&str> for FluentArg {
    fn from(s: &str) -> Self {
        FluentArg::Text(s.to_owned())
    }
}

impl From<String> for FluentArg {
    fn from(s: String) -> Self {
        FluentArg::Text(s)
    }
}

impl From<i64> for FluentArg {
    fn from(n: i64) -> Self {
        FluentArg::Number(n)
    }
}

/// A whole number with the language's digit grouping: 15.701.602 in Turkish, 15,701,602 in English.
pub fn number(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::Tr => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A calendar date in the language's long form: "28 Kasım 2026" / "28 November 2026".
pub fn date(lang: Lang, d: Date) -> String {
    let month = t(lang, &format!("month-{}", u8::from(d.month())));
    format!("{} {} {}", d.day(), month, d.year())
}

/// Türkiye has kept UTC+3 all year since 2016 (Europe/Istanbul); every time is shown in it.
pub const ISTANBUL: UtcOffset = match UtcOffset::from_hms(3, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

/// A moment shown in Europe/Istanbul: "28 Kasım 2026 15:04".
pub fn datetime(lang: Lang, at: OffsetDateTime) -> String {
    let local = at.to_offset(ISTANBUL);
    format!("{} {:02}:{:02}", date(lang, local.date()), local.hour(), local.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn numbers_group_digits_by_language() {
        assert_eq!(number(Lang::Tr, 15_701_602), "15.701.602");
        assert_eq!(number(Lang::En, 15_701_602), "15,701,602");
        assert_eq!(number(Lang::En, 999), "999");
        assert_eq!(number(Lang::Tr, -1000), "-1.000");
    }

    #[test]
    fn dates_use_month_names() {
        assert_eq!(date(Lang::Tr, date!(1975 - 04 - 25)), "25 Nisan 1975");
        assert_eq!(date(Lang::En, date!(1975 - 04 - 25)), "25 April 1975");
    }

    #[test]
    fn times_are_shown_in_istanbul() {
        assert_eq!(datetime(Lang::En, datetime!(2026-11-28 21:30 UTC)), "29 November 2026 00:30");
    }
}

#[cfg(test)]
mod catalogue_tests {
    use std::collections::BTreeSet;

    fn keys(ftl: &str) -> BTreeSet<&str> {
        ftl.lines().filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim())).filter(|k| !k.starts_with('#')).collect()
    }

    #[test]
    fn turkish_strings_publish_with_yayimla() {
        // TDK: "yayımlamak" is to publish (a page, an event), "yayınlamak" to broadcast; the noun "yayın" (a
        // publication) is right as it is.
        let tr = include_str!("../locales/tr/main.ftl").to_lowercase();
        let verbs: Vec<&str> = tr
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| w.starts_with("yayınla") && !w.starts_with("yayınlar"))
            .collect();
        assert!(verbs.is_empty(), "the Turkish strings say {verbs:?} for publishing");
    }

    #[test]
    fn both_languages_have_every_key() {
        let tr = keys(include_str!("../locales/tr/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        let only_tr: Vec<_> = tr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&tr).collect();
        assert!(only_tr.is_empty() && only_en.is_empty(), "only in tr: {only_tr:?}; only in en: {only_en:?}");
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let tr = keys(include_str!("../locales/tr/main.ftl"));
        let sources = [
            include_str!("../templates/base.html"),
            include_str!("../templates/home.html"),
            include_str!("../templates/local_diplomacy.html"),
            include_str!("../templates/about.html"),
            include_str!("../templates/content_text.html"),
            include_str!("../templates/ws_pages.html"),
            include_str!("../templates/ws_page_edit.html"),
            include_str!("../templates/ws_page_diff.html"),
            include_str!("../templates/data_sources.html"),
            include_str!("../templates/networks.html"),
            include_str!("../templates/network.html"),
            include_str!("../templates/municipalities.html"),
            include_str!("../templates/municipality.html"),
            include_str!("../templates/sdgs.html"),
            include_str!("../templates/sdg.html"),
            include_str!("../templates/error.html"),
            include_str!("../templates/publications.html"),
            include_str!("../templates/publication.html"),
            include_str!("../templates/publications_related.html"),
            include_str!("../templates/ws_publications.html"),
            include_str!("../templates/ws_publication.html"),
            include_str!("pages/publications.rs"),
            include_str!("pages/workspace/publications.rs"),
            include_str!("../templates/ws_base.html"),
            include_str!("../templates/ws_training_record.html"),
            include_str!("../templates/ws_training_hours.html"),
            include_str!("pages/workspace/training_record/mod.rs"),
            include_str!("pages/workspace/training_record/sheets.rs"),
        ];
        for source in sources {
            for part in source.split("ctx.t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                assert!(tr.contains(key), "missing message {key:?}");
            }
        }
    }
}
