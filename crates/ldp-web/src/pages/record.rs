//! How a relation's record reads to people: where it came from and what is not recorded yet. Every banner and
//! "not yet recorded" list is built from the same `missing` steps the compliance view uses
//! (`lifecycle::missing_steps`), so the two cannot disagree.

use ldp_core::domain::partnership::{MissingStep, Partnership};
use ldp_core::services::import::WIKIPEDIA_SOURCE;

use super::PageCtx;
use crate::i18n::{self, FluentArg};

impl PageCtx {
    /// A source as readers of this language say it: the shipped Wikipedia list by its translated name.
    pub fn source_label(&self, source: &str) -> String {
        if source == WIKIPEDIA_SOURCE { self.t("source-wikipedia") } else { source.to_owned() }
    }

    /// The web addresses in a stored source line, in order and without repeats.
    pub fn source_links(&self, source: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for word in source.split(|c: char| c.is_whitespace() || c == ';' || c == ',') {
            let url = word.trim_end_matches(['.', ')']);
            if (url.starts_with("https://") || url.starts_with("http://")) && !out.iter().any(|u| u == url) {
                out.push(url.to_owned());
            }
        }
        out
    }

    /// A link's text: the host without `www.` (`marmara.gov.tr`).
    pub fn host_of(&self, url: &str) -> String {
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        rest.split('/').next().unwrap_or(rest).trim_start_matches("www.").to_owned()
    }

    /// The steps not recorded yet as one phrase ("meclis kararı, bakanlık izni ve imzalı protokol").
    pub fn steps_phrase(&self, missing: &[MissingStep]) -> String {
        let names: Vec<String> = missing.iter().map(|m| self.t(&format!("record-{}", m.stage.as_str()))).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} {} {last}", rest.join(", "), self.t("word-and")),
        }
    }

    /// The neutral note above a relation whose record has gaps: where it came from, and what is not recorded
    /// yet. Empty when nothing is missing.
    pub fn record_note(&self, p: &Partnership, missing: &[MissingStep]) -> String {
        if missing.is_empty() {
            return String::new();
        }
        let steps = FluentArg::Text(self.steps_phrase(missing));
        // An ended relation's gaps are closed, not pending: it says so instead of "not recorded yet".
        let key = match (p.source.as_deref(), p.stage.is_ended()) {
            (Some(WIKIPEDIA_SOURCE), false) => "record-note-wikipedia",
            (Some(_), false) => "record-note-imported",
            (None, false) => "record-note",
            (Some(WIKIPEDIA_SOURCE), true) => "record-note-ended-wikipedia",
            (Some(_), true) => "record-note-ended-imported",
            (None, true) => "record-note-ended",
        };
        i18n::t_args(self.lang, key, &[("steps", steps)])
    }

    /// What ending a relation with gaps does, said above the termination form: it leaves the follow-up list
    /// with these steps closed as not recorded.
    pub fn ending_note(&self, missing: &[MissingStep]) -> String {
        let steps = FluentArg::Text(self.steps_phrase(missing));
        i18n::t_args(self.lang, "ws-ending-with-gaps", &[("steps", steps)])
    }
}
