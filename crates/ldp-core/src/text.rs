//! Turkish-aware text keys: one place that folds names for look-ups and orders them by the Turkish alphabet.
//!
//! Rust's `to_lowercase` turns `İ` into `i` plus a combining dot and leaves `ı` alone, so "istanbul" would not
//! find "İstanbul". Every look-up key, slug and sort key in the platform is made here, once, in Rust, and stored
//! in its own column, so that SQLite and PostgreSQL agree.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for matching: NFC, Turkish letters to their base (İ/I/ı → i, ç → c, ğ → g, ö → o, ş → s, ü → u),
/// lower case, other diacritics removed ("München" → "munchen"), runs of white space collapsed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.nfc() {
        let base = match c {
            'İ' | 'I' | 'ı' => 'i',
            'Ç' | 'ç' => 'c',
            'Ğ' | 'ğ' => 'g',
            'Ö' | 'ö' => 'o',
            'Ş' | 'ş' => 's',
            'Ü' | 'ü' => 'u',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if base == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        for d in base.to_lowercase().flat_map(|l| l.nfd()) {
            if !is_combining_mark(d) {
                out.push(d);
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A URL slug from a name: folded, ASCII letters and digits, words joined by `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in fold(text).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// The Turkish alphabet (with q, w, x for foreign names) in collation order.
const ALPHABET: [char; 32] = [
    'a', 'b', 'c', 'ç', 'd', 'e', 'f', 'g', 'ğ', 'h', 'ı', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'ö', 'p', 'q', 'r', 's',
    'ş', 't', 'u', 'ü', 'v', 'w', 'x', 'y', 'z',
];

/// Lower-cases one letter by Turkish rules (I → ı, İ → i) and drops the circumflex that Turkish
/// uses only as a pronunciation mark (â, î, û), so that "Kâğıthane" sorts as "Kağıthane".
fn turkish_lower(c: char) -> char {
    match c {
        'I' => 'ı',
        'İ' => 'i',
        'â' | 'Â' => 'a',
        'î' | 'Î' => 'i',
        'û' | 'Û' => 'u',
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

/// A binary sort key that orders names by Turkish collation when compared byte by byte
/// (SQLite BLOB and PostgreSQL `bytea` both compare that way, whatever the database's locale):
/// Ç after C, Ğ after G, I before İ, Ö after O, Ş after S, Ü after U; case does not matter.
pub fn collation_key(text: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(text.len() + 1);
    for c in text.nfc() {
        let lower = turkish_lower(c);
        if let Some(pos) = ALPHABET.iter().position(|&a| a == lower) {
            key.push(0x40 + pos as u8);
        } else if let Some(d) = lower.to_digit(10) {
            key.push(0x20 + d as u8);
        } else if lower.is_whitespace() || lower == '-' {
            key.push(0x10);
        } else if lower.is_alphabetic() {
            // Other Latin letters with diacritics sort with their base letter; anything else after z.
            let base = lower.nfd().next().unwrap_or(lower);
            match ALPHABET.iter().position(|&a| a == base) {
                Some(pos) => key.push(0x40 + pos as u8),
                None => key.push(0x7f),
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn istanbul_in_every_case_folds_to_one_key() {
        for v in ["İstanbul", "ISTANBUL", "istanbul", "Istanbul", "I\u{307}stanbul", "ıstanbul"] {
            assert_eq!(fold(v), "istanbul", "{v}");
        }
    }

    #[test]
    fn folding_removes_turkish_and_foreign_diacritics() {
        assert_eq!(fold("Çanakkale  Şişli"), "canakkale sisli");
        assert_eq!(fold("München"), "munchen");
        assert_eq!(fold("Kâğıthane"), "kagithane");
        assert_eq!(fold("  Gölcük "), "golcuk");
    }

    #[test]
    fn slugs_are_ascii_and_hyphenated() {
        assert_eq!(slugify("Büyükçekmece"), "buyukcekmece");
        assert_eq!(slugify("Energy Cities"), "energy-cities");
        assert_eq!(slugify("UCLG-MEWA"), "uclg-mewa");
        assert_eq!(slugify(" Çanakkale / Merkez "), "canakkale-merkez");
    }

    #[test]
    fn turkish_collation_orders_the_alphabet() {
        let mut names = vec![
            "Edirne",
            "Çanakkale",
            "Bursa",
            "İzmit",
            "Iğdır",
            "Şile",
            "Sakarya",
            "Tekirdağ",
            "Ödemiş",
            "Ordu",
            "Üsküdar",
            "Uşak",
        ];
        names.sort_by_key(|n| collation_key(n));
        assert_eq!(
            names,
            [
                "Bursa",
                "Çanakkale",
                "Edirne",
                "Iğdır",
                "İzmit",
                "Ordu",
                "Ödemiş",
                "Sakarya",
                "Şile",
                "Tekirdağ",
                "Uşak",
                "Üsküdar"
            ]
        );
    }

    #[test]
    fn collation_ignores_case_and_circumflex() {
        assert_eq!(collation_key("KADIKÖY"), collation_key("Kadıköy"));
        assert_eq!(collation_key("Kâğıthane"), collation_key("Kağıthane"));
        assert!(collation_key("Ayvalık") < collation_key("Ayvalık Merkez"));
    }
}
