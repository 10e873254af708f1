//! The public verification of certificates: `/{lang}/certificates` asks for a code, `/{lang}/certificates/{code}`
//! says whether the certificate is valid (name, training, dates, hours) or revoked (with the date, never the
//! reason), and `/{lang}/certificates/{code}.pdf` downloads a valid one in the page's language. A code typed in
//! lower case or with spaces is normalised; anything that names no certificate is the 404 page.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use ldp_core::domain::Lang;
use ldp_core::domain::certificate::{Certificate, normalise_code};

use super::{PageCtx, PageError, render};
use crate::certificate_pdf;
use crate::error::AppError;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    ctx: PageCtx,
    title: String,
    /// `None` on the form alone.
    certificate: Option<Certificate>,
    /// What was typed, when it named no certificate.
    typed: String,
    not_found: bool,
}

impl CertificatePage {
    /// The day of an instant in Istanbul.
    fn day(&self, at: &time::OffsetDateTime) -> String {
        crate::i18n::date(self.ctx.lang, at.to_offset(crate::i18n::ISTANBUL).date())
    }

    fn dates(&self, c: &Certificate) -> String {
        certificate_pdf::dates_text(self.ctx.lang, c)
    }

    fn hours(&self, c: &Certificate) -> String {
        format!(
            "{} / {} {}",
            certificate_pdf::hours_text(self.ctx.lang, c.hours()),
            certificate_pdf::hours_text(self.ctx.lang, c.total_hours()),
            self.ctx.t("cert-hours-unit")
        )
    }

    fn topics(&self, c: &Certificate) -> String {
        c.training
            .topics
            .iter()
            .map(|t| self.ctx.t(&format!("event-topic-{}", t.as_str())))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// The public address of a certificate's verification page (always the Turkish one, as printed).
pub fn verify_url(state: &AppState, code: &str) -> String {
    format!("{}/tr/certificates/{code}", state.origin)
}

/// `GET /{lang}/certificates`: the form; with `?code=` it goes to that certificate's page.
pub async fn form(ctx: PageCtx, Query(q): Query<CodeQuery>) -> Result<Response, PageError> {
    let typed = q.code.unwrap_or_default();
    if let Some(code) = normalise_code(&typed) {
        return Ok(Redirect::to(&ctx.href(&format!("/certificates/{code}"))).into_response());
    }
    let not_found = !typed.trim().is_empty();
    let page = CertificatePage { title: ctx.t("cert-verify"), certificate: None, typed, not_found, ctx: ctx.clone() };
    render(&ctx, &page, if not_found { StatusCode::NOT_FOUND } else { StatusCode::OK })
}

/// `GET /{lang}/certificates/{code}` and `…/{code}.pdf`.
pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, raw)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (raw, pdf) = match raw.strip_suffix(".pdf") {
        Some(code) => (code, true),
        None => (raw.as_str(), false),
    };
    let certificate = state.certificates.verify(raw).await.map_err(ctx.fail())?;
    if certificate.code != raw {
        let suffix = if pdf { ".pdf" } else { "" };
        return Ok(
            Redirect::permanent(&ctx.href(&format!("/certificates/{}{suffix}", certificate.code))).into_response()
        );
    }
    if pdf {
        if !certificate.is_valid() {
            return Err(PageError::new(ctx, AppError::not_found()));
        }
        return pdf_response(&state, &certificate, ctx.lang, &ctx.union_name()).map_err(ctx.fail());
    }
    let title = format!("{} {}", ctx.t("cert-title"), certificate.code);
    let page = CertificatePage {
        title,
        certificate: Some(certificate),
        typed: String::new(),
        not_found: false,
        ctx: ctx.clone(),
    };
    render(&ctx, &page, StatusCode::OK)
}

/// The certificate as a PDF download in `lang`.
pub fn pdf_response(state: &AppState, c: &Certificate, lang: Lang, union: &str) -> Result<Response, AppError> {
    let bytes = certificate_pdf::render(c, lang, union, &verify_url(state, &c.code)).map_err(AppError::internal)?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    let name = format!("attachment; filename=\"certificate-{}-{}.pdf\"", c.code, lang.code());
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
