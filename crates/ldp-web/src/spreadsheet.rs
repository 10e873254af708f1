//! Cells for files that people open in spreadsheet programs.

use std::borrow::Cow;

/// A text cell that a spreadsheet will show as text. Excel, LibreOffice and Google Sheets run a cell that
/// starts with `=`, `+`, `-` or `@` (and, after trimming, tab or carriage return) as a formula, so a value
/// somebody typed (`=HYPERLINK(…)` as a name, `=1+2@evil.example` as an address) would run on the reader's
/// machine. Such values get a leading apostrophe, which the programs hide and which keeps the text intact.
pub fn text_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_untouched() {
        for formula in ["=1+2@evil.example", "=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"] {
            assert_eq!(text_cell(formula), format!("'{formula}"));
        }
        for plain in ["Nilüfer", "İstanbul", "staff@mmu.org.tr", "", "2026/41", " =x", "{\"a\":1}"] {
            assert!(matches!(text_cell(plain), Cow::Borrowed(p) if p == plain));
        }
    }
}
