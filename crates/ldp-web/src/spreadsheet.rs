//! Cells for files that people open in spreadsheet programs.

use std::borrow::Cow;

use ldp_core::domain::Lang;

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

/// One cell of a [`Sheet`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    /// Hours to a quarter: a number in the XLSX, written with the language's decimal sign in the CSV.
    Hours(f64),
    /// A whole number (a year, a count).
    Count(i64),
}

/// A table to download as CSV or XLSX: each column's stable CSV name and its translated XLSX header.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The worksheet's name (at most 31 characters, no `[]:*?/\`).
    pub name: String,
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Value>>,
}

impl Sheet {
    /// The CSV: UTF-8 with a byte-order mark (so Excel reads "Nilüfer" right), the stable column names,
    /// separated by `;` in Turkish (where Excel expects it, as the decimal sign is a comma) and `,` in English.
    pub fn csv(&self, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        let delimiter = if lang == Lang::Tr { b';' } else { b',' };
        let mut body = "\u{feff}".as_bytes().to_vec();
        let mut out = csv::WriterBuilder::new().delimiter(delimiter).from_writer(&mut body);
        out.write_record(self.columns.iter().map(|(name, _)| name.as_str()))?;
        for row in &self.rows {
            out.write_record(row.iter().map(|v| match v {
                Value::Text(t) => text_cell(t).into_owned(),
                Value::Hours(h) => hours_text(lang, *h),
                Value::Count(n) => n.to_string(),
            }))?;
        }
        out.flush()?;
        drop(out);
        Ok(body)
    }

    /// The XLSX: translated headers in bold, numbers as numbers, frozen header row and a filter.
    pub fn xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = book.add_worksheet();
        sheet.set_name(&self.name)?;
        for (col, (_, header)) in self.columns.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, header, &bold)?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            let r = i as u32 + 1;
            for (col, value) in row.iter().enumerate() {
                let col = col as u16;
                match value {
                    Value::Text(t) if !t.is_empty() => {
                        sheet.write_string(r, col, text_cell(t))?;
                    }
                    Value::Text(_) => {}
                    Value::Hours(h) => {
                        sheet.write_number(r, col, *h)?;
                    }
                    Value::Count(n) => {
                        sheet.write_number(r, col, *n as f64)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        if !self.columns.is_empty() {
            sheet.autofilter(0, 0, self.rows.len() as u32, self.columns.len() as u16 - 1)?;
        }
        sheet.autofit();
        book.save_to_buffer()
    }
}

/// Hours as people write them: `8`, `7,5` in Turkish, `7.5` in English.
pub fn hours_text(lang: Lang, hours: f64) -> String {
    let text = if hours.fract() == 0.0 { format!("{hours:.0}") } else { format!("{hours}") };
    if lang == Lang::Tr { text.replace('.', ",") } else { text }
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

    #[test]
    fn a_sheet_writes_hours_with_the_languages_decimal_sign_and_neutralises_formulas() {
        let sheet = Sheet {
            name: "x".into(),
            columns: vec![("name".into(), "Ad".into()), ("hours".into(), "Saat".into()), ("n".into(), "N".into())],
            rows: vec![vec![Value::Text("=cmd".into()), Value::Hours(7.5), Value::Count(3)]],
        };
        let tr = String::from_utf8(sheet.csv(Lang::Tr).unwrap()).unwrap();
        assert_eq!(tr, "\u{feff}name;hours;n\n'=cmd;7,5;3\n");
        let en = String::from_utf8(sheet.csv(Lang::En).unwrap()).unwrap();
        assert_eq!(en, "\u{feff}name,hours,n\n'=cmd,7.5,3\n");
        assert_eq!(hours_text(Lang::Tr, 8.0), "8");
    }
}
