//! Tables for files that people open in spreadsheet programs: every CSV and XLSX download (the relations,
//! the project portfolio, the training record) is a [`Sheet`] written here, as an [`attachment`].

use std::borrow::Cow;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::Date;

use ldp_core::domain::Lang;

use crate::pages::PageCtx;

/// The media type of a CSV download.
pub const CSV: &str = "text/csv; charset=utf-8";
/// The media type of an XLSX download.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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
    /// A day: ISO 8601 in the CSV, a real date in the XLSX (shown `dd.mm.yyyy` in Turkish).
    Date(Option<Date>),
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
    /// A sheet named by the message `name_key`, with `columns` as (CSV name, message key of the header).
    pub fn translated(ctx: &PageCtx, name_key: &str, columns: &[(&str, &str)], rows: Vec<Vec<Value>>) -> Sheet {
        Sheet {
            name: ctx.t(name_key),
            columns: columns.iter().map(|(name, key)| ((*name).to_owned(), ctx.t(key))).collect(),
            rows,
        }
    }

    /// The CSV: UTF-8 with a byte-order mark (so Excel reads "Nilüfer" right), the stable column names,
    /// separated by `;` in Turkish (where Excel expects it, as the decimal sign is a comma) and `,` in English.
    pub fn csv(&self, lang: Lang) -> Result<Vec<u8>, csv::Error> {
        self.csv_part(lang, true)
    }

    /// The CSV's lines for these rows, led by the byte-order mark and the header only when `first`: each
    /// record is written on its own, so parts joined end to end are the same bytes as one file written whole
    /// (a download streamed in batches).
    pub fn csv_part(&self, lang: Lang, first: bool) -> Result<Vec<u8>, csv::Error> {
        let delimiter = if lang == Lang::Tr { b';' } else { b',' };
        let mut body = if first { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
        let mut out = csv::WriterBuilder::new().delimiter(delimiter).from_writer(&mut body);
        if first {
            out.write_record(self.columns.iter().map(|(name, _)| name.as_str()))?;
        }
        for row in &self.rows {
            out.write_record(row.iter().map(|v| match v {
                Value::Text(t) => text_cell(t).into_owned(),
                Value::Hours(h) => hours_text(lang, *h),
                Value::Count(n) => n.to_string(),
                Value::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
            }))?;
        }
        out.flush()?;
        drop(out);
        Ok(body)
    }

    /// The XLSX: translated headers in bold, numbers as numbers, dates as dates in `lang`'s order, frozen
    /// header row and a filter.
    pub fn xlsx(&self, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let date_format = Format::new().set_num_format(if lang == Lang::Tr { "dd.mm.yyyy" } else { "yyyy-mm-dd" });
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
                    Value::Date(Some(d)) => {
                        let excel = ExcelDateTime::from_ymd(d.year() as u16, u8::from(d.month()), d.day())?;
                        sheet.write_datetime_with_format(r, col, &excel, &date_format)?;
                    }
                    Value::Date(None) => {}
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

/// A download of `body` as `filename` (ASCII; anything else becomes `_`).
pub fn attachment(body: impl Into<Body>, content_type: &'static str, filename: &str) -> Response {
    let filename = filename.replace(|c: char| !c.is_ascii_graphic() || c == '"' || c == '\\', "_");
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut response = (StatusCode::OK, body.into()).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, disposition);
    response
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

    #[test]
    fn dates_are_iso_in_the_csv_and_parts_join_into_the_whole_file() {
        let day = Date::from_calendar_date(2026, time::Month::December, 10).unwrap();
        let sheet = Sheet {
            name: "x".into(),
            columns: vec![("day".into(), "Gün".into()), ("n".into(), "N".into())],
            rows: vec![vec![Value::Date(Some(day)), Value::Count(1)], vec![Value::Date(None), Value::Count(2)]],
        };
        let whole = sheet.csv(Lang::Tr).unwrap();
        assert_eq!(String::from_utf8(whole.clone()).unwrap(), "\u{feff}day;n\n2026-12-10;1\n;2\n");
        let (a, b) = sheet.rows.split_at(1);
        let part =
            |rows: &[Vec<Value>], first| Sheet { rows: rows.to_vec(), ..sheet.clone() }.csv_part(Lang::Tr, first);
        assert_eq!([part(a, true).unwrap(), part(b, false).unwrap()].concat(), whole);
        assert!(sheet.xlsx(Lang::Tr).unwrap().starts_with(b"PK"));
    }

    #[test]
    fn attachment_names_are_ascii() {
        let response = attachment(Vec::new(), CSV, "eğitim \"saatleri\".csv");
        assert_eq!(response.headers()[header::CONTENT_DISPOSITION], "attachment; filename=\"e_itim__saatleri_.csv\"");
    }
}
