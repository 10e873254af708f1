//! Editable pages: staff (admins and staff) write the Local Diplomacy page, the union's about text and each
//! network's summary as Markdown. Every save is a revision with its author and time; a save either stays a
//! draft or is published; any older revision can be compared with another and restored (a new revision with
//! its text, published at once). Staff and auditors read the revisions; the public reads what is published,
//! in its language or, while a translation is missing, in the other one with a notice.

use std::sync::Arc;

use super::ServiceError;
use super::workspace::field;
use crate::clock::Clock;
use crate::domain::content::{
    BODY_MAX, ContentPage, ContentState, ContentStore, NewRevision, Revision, RevisionId, TITLE_MAX, render_markdown,
};
use crate::domain::{Actor, Change, InputError, Lang};
use crate::store::{ReferenceStore, Store, StoreError};

/// The raw fields of the editor (also the API's request body).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct ContentInput {
    pub title: Option<String>,
    /// Markdown; raw HTML is allowed but sanitised when shown.
    pub body: Option<String>,
}

/// A published text as a public page shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub revision: Revision,
    /// The sanitised HTML of the body.
    pub html: String,
    /// Set when the page's language has no published text and this is the other language's.
    pub fallback_from: Option<Lang>,
}

/// One line of a comparison between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DiffLine {
    /// `same`, `added` or `removed`.
    pub kind: &'static str,
    pub text: String,
}

/// A page lacking its text in one language while the other has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTranslation {
    pub page: ContentPage,
    pub missing: Lang,
    /// The title in the language that has one.
    pub title: String,
}

#[derive(Clone)]
pub struct Content {
    store: Arc<dyn ContentStore>,
    /// Networks, to check a network page's slug.
    reference: Arc<dyn ReferenceStore>,
    clock: Arc<dyn Clock>,
}

impl Content {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Content { store: store.clone(), reference: store, clock }
    }

    /// The page a key names: `NotFound` for an unknown key or a network that does not exist.
    pub async fn page(&self, key: &str) -> Result<ContentPage, ServiceError> {
        let page = ContentPage::parse(key).ok_or(ServiceError::NotFound)?;
        if let ContentPage::Network(slug) = &page
            && self.reference.network_by_slug(slug).await?.is_none()
        {
            return Err(ServiceError::NotFound);
        }
        Ok(page)
    }

    /// What the public sees of `page` in `lang`: its published text, or the other language's with
    /// `fallback_from` set, or nothing.
    pub async fn shown(&self, page: &ContentPage, lang: Lang) -> Result<Option<Shown>, ServiceError> {
        for (candidate, fallback_from) in [(lang, None), (lang.other(), Some(lang))] {
            if let Some(revision) = self.store.published_content(page, candidate).await? {
                let html = render_markdown(&revision.body);
                return Ok(Some(Shown { revision, html, fallback_from }));
            }
        }
        Ok(None)
    }

    fn reads(actor: &Actor) -> Result<(), ServiceError> {
        if actor.reads_everything() { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    fn edits(actor: &Actor) -> Result<(), ServiceError> {
        if actor.edits_all_content() { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// Whether `actor` may write pages.
    pub fn may_edit(&self, actor: &Actor) -> bool {
        actor.edits_all_content()
    }

    /// Every revision of `page`, newest first (staff and auditors).
    pub async fn revisions(&self, actor: &Actor, page: &ContentPage) -> Result<Vec<Revision>, ServiceError> {
        Self::reads(actor)?;
        Ok(self.store.content_revisions(page).await?)
    }

    /// The newest and published revision of every page and language (staff and auditors).
    pub async fn states(&self, actor: &Actor) -> Result<Vec<ContentState>, ServiceError> {
        Self::reads(actor)?;
        Ok(self.store.content_states().await?)
    }

    /// One revision (staff and auditors).
    pub async fn revision(&self, actor: &Actor, id: RevisionId) -> Result<Revision, ServiceError> {
        Self::reads(actor)?;
        self.store.content_revision(id).await?.ok_or(ServiceError::NotFound)
    }

    fn parse(input: &ContentInput) -> Result<(String, String), InputError> {
        let mut errors = InputError::default();
        let title = field(&input.title, "title", TITLE_MAX, &mut errors);
        if title.is_empty() {
            errors.add("title", "required");
        }
        let body = field(&input.body, "body", BODY_MAX, &mut errors).replace("\r\n", "\n");
        if body.is_empty() {
            errors.add("body", "required");
        }
        if errors.is_empty() { Ok((title, body)) } else { Err(errors) }
    }

    /// Saves a new revision of `page` in `lang` (staff), published at once with `publish`, else a draft.
    pub async fn save(
        &self,
        actor: &Actor,
        page: &ContentPage,
        lang: Lang,
        input: &ContentInput,
        publish: bool,
    ) -> Result<RevisionId, ServiceError> {
        Self::edits(actor)?;
        let (title, body) = Self::parse(input)?;
        let now = self.clock.now();
        let action = if publish { "save_publish" } else { "save_draft" };
        let change = Change::new(actor, now, action, "content").after(serde_json::json!({
            "page": page.key(), "lang": lang.code(), "title": title, "body_chars": body.chars().count(),
        }));
        let revision = NewRevision {
            page: page.clone(),
            lang,
            title,
            body,
            author: actor.label.clone(),
            author_id: actor.user,
            created_at: now,
            restored_from: None,
        };
        Ok(self.store.save_content_revision(&revision, publish, &change).await?)
    }

    /// Publishes a saved revision (a draft, or an older one put back as it was).
    pub async fn publish(&self, actor: &Actor, id: RevisionId) -> Result<Revision, ServiceError> {
        Self::edits(actor)?;
        let revision = self.store.content_revision(id).await?.ok_or(ServiceError::NotFound)?;
        let before = self.store.published_content(&revision.page, revision.lang).await?;
        let change = Change::new(actor, self.clock.now(), "publish", "content")
            .record(id.0)
            .before(serde_json::json!({ "published": before.map(|r| r.id.0) }))
            .after(serde_json::json!({ "page": revision.page.key(), "lang": revision.lang.code(), "published": id.0 }));
        match self.store.publish_content_revision(id, &change).await {
            Err(StoreError::Conflict(_)) => Err(ServiceError::NotFound),
            other => other.map_err(ServiceError::from),
        }?;
        Ok(revision)
    }

    /// Restores an older revision: a new revision with its title and body, published at once.
    pub async fn restore(&self, actor: &Actor, id: RevisionId) -> Result<RevisionId, ServiceError> {
        Self::edits(actor)?;
        let old = self.store.content_revision(id).await?.ok_or(ServiceError::NotFound)?;
        let now = self.clock.now();
        let change = Change::new(actor, now, "restore", "content").after(serde_json::json!({
            "page": old.page.key(), "lang": old.lang.code(), "restored_from": id.0, "title": old.title,
        }));
        let revision = NewRevision {
            page: old.page,
            lang: old.lang,
            title: old.title,
            body: old.body,
            author: actor.label.clone(),
            author_id: actor.user,
            created_at: now,
            restored_from: Some(id),
        };
        Ok(self.store.save_content_revision(&revision, true, &change).await?)
    }

    /// The line-by-line difference from revision `from` to revision `to` (staff and auditors).
    pub async fn diff(&self, actor: &Actor, from: RevisionId, to: RevisionId) -> Result<Vec<DiffLine>, ServiceError> {
        let (a, b) = (self.revision(actor, from).await?, self.revision(actor, to).await?);
        Ok(diff_lines(&format!("# {}\n\n{}", a.title, a.body), &format!("# {}\n\n{}", b.title, b.body)))
    }

    /// Every page with a published text in one language and none in the other (staff and auditors).
    pub async fn missing_translations(&self, actor: &Actor) -> Result<Vec<MissingTranslation>, ServiceError> {
        let states = self.states(actor).await?;
        let mut out = Vec::new();
        let mut pages: Vec<&ContentPage> = states.iter().map(|s| &s.page).collect();
        pages.dedup();
        for page in pages {
            let published =
                |lang: Lang| states.iter().any(|s| &s.page == page && s.lang == lang && s.published.is_some());
            for lang in Lang::ALL {
                if !published(lang) && published(lang.other()) {
                    let title = match self.store.published_content(page, lang.other()).await? {
                        Some(r) => r.title,
                        None => page.key(),
                    };
                    out.push(MissingTranslation { page: page.clone(), missing: lang, title });
                }
            }
        }
        Ok(out)
    }
}

/// Lines of `old` and `new` compared (with `similar`'s Myers diff), in order.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| DiffLine {
            kind: match change.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Insert => "added",
                similar::ChangeTag::Delete => "removed",
            },
            text: change.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_shows_removed_and_added_lines_in_order() {
        let lines = diff_lines("bir\niki\nüç\n", "bir\nİKİ\nüç\ndört\n");
        let kinds: Vec<(&str, &str)> = lines.iter().map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(kinds, [("same", "bir"), ("removed", "iki"), ("added", "İKİ"), ("same", "üç"), ("added", "dört")]);
    }
}
