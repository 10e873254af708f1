//! Form state shared by the workspace pages: what the user typed, echoed back, and a translated message
//! beside each field that was refused.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

use ldp_core::domain::Lang;

use super::{PageCtx, PageError, render};
use crate::error::{AppError, field_message};

/// The values and errors of one form.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
    /// A message about the whole form (a refused transition, a conflict), shown above it.
    pub message: Option<String>,
}

impl FormState {
    /// The form filled with `input`'s fields (any serialisable struct of optional strings and values).
    pub fn of<T: Serialize>(input: &T) -> FormState {
        let mut values = BTreeMap::new();
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(input) {
            for (k, v) in map {
                let text = match v {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                values.insert(k, text);
            }
        }
        FormState { values, ..FormState::default() }
    }

    pub fn set(mut self, name: &str, value: impl Into<String>) -> FormState {
        self.values.insert(name.to_owned(), value.into());
        self
    }

    /// Sets a repeated row's fields under `{list}[{i}].{name}`, as the services name their errors; an absent
    /// value is an empty field.
    pub fn with_row(self, list: &str, i: usize, fields: &[(&str, &Option<String>)]) -> FormState {
        fields.iter().fold(self, |form, (name, value)| {
            form.set(&format!("{list}[{i}].{name}"), value.as_deref().unwrap_or_default())
        })
    }

    /// Adds the messages of `error` in `lang`: field errors beside their fields, the rest above the form.
    /// Each message is printed once: a refusal's rule goes above the form unless a field already says it.
    pub fn with_error(mut self, lang: Lang, error: &AppError) -> FormState {
        for (field, code) in &error.fields {
            self.errors.insert(field.clone(), field_message(lang, code));
        }
        if error.fields.is_empty() || error.status != StatusCode::BAD_REQUEST {
            let message = error.message(lang);
            if !self.errors.values().any(|m| *m == message) {
                self.message = Some(message);
            }
        }
        self
    }

    /// Like [`FormState::with_error`], for a form that shows only the fields in `shown`: a problem with a
    /// field the form does not show (the step a refused one must follow, say) is printed above the form
    /// instead of the generic rule, so every problem appears once, and all of them at once.
    pub fn with_error_shown(mut self, lang: Lang, error: &AppError, shown: &[&str]) -> FormState {
        let mut above = Vec::new();
        for (field, code) in &error.fields {
            let message = field_message(lang, code);
            if shown.contains(&field.as_str()) {
                self.errors.insert(field.clone(), message);
            } else if !above.contains(&message) {
                above.push(message);
            }
        }
        if above.is_empty() && self.errors.is_empty() {
            // Nothing is said beside a field: the rule (or the failure) itself goes above the form.
            above.push(error.message(lang));
        }
        if !above.is_empty() {
            self.message = Some(above.join(" "));
        }
        self
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn error(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }

    /// Whether a comma-separated field holds `value`.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.value(name).split(',').any(|v| v.trim() == value)
    }

    /// The errors that belong to no field shown by the form.
    pub fn other_errors(&self, shown: &[&str]) -> Vec<(String, String)> {
        self.errors.iter().filter(|(k, _)| !shown.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// A form with repeated rows (partners, outputs) sends each column as a list, one entry per row
/// (`partner_name`, `partner_country`, …). How many rows `columns` hold: the longest one's length.
pub fn row_count(columns: &[&Vec<String>]) -> usize {
    columns.iter().map(|c| c.len()).max().unwrap_or(0)
}

/// Row `i` of a `column` (see [`row_count`]), trimmed; `None` when it is missing or blank.
pub fn row_cell(column: &[String], i: usize) -> Option<String> {
    column.get(i).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A checkbox group's values: one field per ticked box. Needed where the form's struct also has a
/// `#[serde(flatten)]` part, because flattening buffers a single value as a plain string.
pub fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match serde::Deserialize::deserialize(d)? {
        OneOrMany::One(v) => vec![v],
        OneOrMany::Many(v) => v,
    })
}

/// The query of a page a successful form redirects to (`?saved=1` shows "Saved.").
#[derive(Debug, Default, serde::Deserialize)]
pub struct Saved {
    pub saved: Option<String>,
}

/// The status a form re-rendered for `error` answers with: 400 for bad fields, the error's own otherwise.
pub fn form_status(error: &AppError) -> StatusCode {
    error.status
}

/// Whether an error can be shown beside the form (bad input, refusals, conflicts, lockout), rather than as an
/// error page (not found, forbidden, failures).
pub fn shows_in_form(error: &AppError) -> bool {
    matches!(
        error.status,
        StatusCode::BAD_REQUEST | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS | StatusCode::PAYLOAD_TOO_LARGE
    )
}

/// The error of a refused form when it can be shown beside the form; any other error becomes its own page.
pub fn in_form(ctx: &PageCtx, error: impl Into<AppError>) -> Result<AppError, PageError> {
    let error = error.into();
    if shows_in_form(&error) { Ok(error) } else { Err(PageError::new(ctx.clone(), error)) }
}

/// Renders a page that must not be cached anywhere (it shows one person's data or a form with a token).
pub fn render_private<T: askama::Template>(ctx: &PageCtx, page: &T, status: StatusCode) -> Result<Response, PageError> {
    let mut response = render(ctx, page, status)?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// A 303 redirect after a successful form (so reloading does not post again).
pub fn see_other(location: &str) -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// An upload form (`multipart/form-data`) as read: the text fields asked for, its one file (name and bytes),
/// and whether the request passed its body limit on the way (then the rest is not read).
#[derive(Debug, Default)]
pub struct UploadForm {
    pub text: BTreeMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
    pub too_large: bool,
}

impl UploadForm {
    /// A text field as sent (empty when absent).
    pub fn text(&self, name: &str) -> String {
        self.text.get(name).cloned().unwrap_or_default()
    }

    /// Reads the text fields named in `text` and the file field `file_field` (its name defaulting to
    /// `document`); an unreadable body is a 400.
    pub async fn read(
        ctx: &PageCtx,
        multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
        text: &[&str],
        file_field: &str,
    ) -> Result<UploadForm, PageError> {
        UploadForm::parse(multipart, text, file_field).await.map_err(|e| PageError::new(ctx.clone(), e))
    }

    /// [`UploadForm::read`] for the API: an unreadable body is a 400 in the API's error shape.
    pub async fn parse(
        multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
        text: &[&str],
        file_field: &str,
    ) -> Result<UploadForm, AppError> {
        let bad = || AppError::bad_request("invalid_body");
        let mut multipart = multipart.map_err(|_| bad())?;
        let mut form = UploadForm::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    form.too_large = true;
                    break;
                }
                Err(_) => return Err(bad()),
            };
            let Some(name) = field.name().map(str::to_owned) else { continue };
            if name == file_field {
                let filename = field.file_name().unwrap_or("document").to_owned();
                match field.bytes().await {
                    Ok(b) => form.file = Some((filename, b.to_vec())),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        form.too_large = true;
                        break;
                    }
                    Err(_) => return Err(bad()),
                }
            } else if text.contains(&name.as_str()) {
                let value = field.text().await.map_err(|_| bad())?;
                form.text.insert(name, value);
            }
        }
        Ok(form)
    }
}
