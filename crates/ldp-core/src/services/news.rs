//! News posts: staff and admins write them (others are refused, whatever the page or token), everyone reads
//! those published whose time has passed, staff and auditors every post in the workspace. A post is saved as
//! a draft or published with a publish time (Istanbul time on the form, UTC in the store); a time ahead
//! schedules it. Its image is checked by content (JPEG, PNG, WebP), size-limited and stored like relation
//! documents; its alt text is required in each language the post is written in. Every write is audited.

use sha2::{Digest, Sha256};
use std::sync::Arc;
use time::OffsetDateTime;

use super::ServiceError;
use super::documents::{Uploads, sniff};
use super::events::local_instant;
use super::workspace::field;
use crate::clock::{Clock, ISTANBUL};
use crate::domain::partnership::PartnershipId;
use crate::domain::{
    Actor, Change, EventId, InputError, Lang, Localized, NewsFields, NewsFilter, NewsId, NewsImage, NewsPost,
    NewsStatus, Page, Paged,
};
use crate::store::{EventStore, NewsStore, PartnershipStore, ReferenceStore, Store};

/// The largest image accepted.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// The raw fields of the post form (also the API's request body). Lists are comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct NewsInput {
    pub title_tr: Option<String>,
    pub title_en: Option<String>,
    pub summary_tr: Option<String>,
    pub summary_en: Option<String>,
    /// Markdown.
    pub body_tr: Option<String>,
    /// Markdown.
    pub body_en: Option<String>,
    /// `draft` (default) or `published`.
    pub status: Option<String>,
    /// When the post becomes public, Istanbul time: `2026-12-10 09:00`. Empty for now.
    pub publish_at: Option<String>,
    /// Comma-separated network slugs.
    pub networks: Option<String>,
    /// Comma-separated member municipality slugs.
    pub municipalities: Option<String>,
    /// Comma-separated event ids.
    pub events: Option<String>,
    /// Comma-separated sister-city relation ids.
    pub partnerships: Option<String>,
    /// The image's alt text (required in each language the post has, once it has an image).
    pub image_alt_tr: Option<String>,
    pub image_alt_en: Option<String>,
}

#[derive(Clone)]
pub struct News {
    store: Arc<dyn NewsStore>,
    reference: Arc<dyn ReferenceStore>,
    partnerships: Arc<dyn PartnershipStore>,
    events: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
}

fn list(raw: &Option<String>) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in raw.as_deref().unwrap_or("").split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
        if !items.iter().any(|i| i == item) {
            items.push(item.to_owned());
        }
    }
    items
}

/// The most records of one kind a post names.
const MAX_RELATED: usize = 100;

/// The text in exactly `lang` (no fallback).
fn exact(text: &Localized, lang: Lang) -> &str {
    match lang {
        Lang::Tr => &text.tr,
        Lang::En => &text.en,
    }
}

/// A post's time as the form shows it: `YYYY-MM-DD HH:MM` in Istanbul.
pub fn local_text(at: OffsetDateTime) -> String {
    let t = at.to_offset(ISTANBUL);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// Alt text for each language the post is written in: what is missing is named on its field.
fn check_alt(fields: &NewsFields, alt: &Localized, errors: &mut InputError) {
    for lang in fields.languages() {
        let (text, name) = match lang {
            Lang::Tr => (&alt.tr, "image_alt_tr"),
            Lang::En => (&alt.en, "image_alt_en"),
        };
        if text.is_empty() && !errors.fields.contains_key(name) {
            errors.add(name, "alt_required");
        }
    }
}

impl News {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        News { store: store.clone(), reference: store.clone(), partnerships: store.clone(), events: store, clock }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// A page of the posts public now, newest first.
    pub async fn public(&self, page: Page) -> Result<Paged<NewsPost>, ServiceError> {
        Ok(self.store.news_posts(&NewsFilter { public_at: Some(self.clock.now()) }, page).await?)
    }

    /// The `n` newest public posts (for the home page).
    pub async fn latest(&self, n: u32) -> Result<Vec<NewsPost>, ServiceError> {
        Ok(self.public(Page::first(n)).await?.items)
    }

    /// A page of posts as `actor` may list them: every post for staff and auditors, the public ones for others.
    pub async fn list(&self, actor: &Actor, page: Page) -> Result<Paged<NewsPost>, ServiceError> {
        if actor.reads_everything() {
            Ok(self.store.news_posts(&NewsFilter::default(), page).await?)
        } else {
            self.public(page).await
        }
    }

    /// When the public list next changes by itself (the earliest scheduled time still ahead), if ever.
    pub async fn next_publication(&self) -> Result<Option<OffsetDateTime>, ServiceError> {
        Ok(self.store.next_news_publication(self.clock.now()).await?)
    }

    /// One post, if `actor` may see it: public ones for everyone, drafts and scheduled ones for staff and
    /// auditors (`NotFound` otherwise, so a scheduled post does not leak before its time).
    pub async fn get(&self, actor: &Actor, id: NewsId) -> Result<NewsPost, ServiceError> {
        match self.store.news_post(id).await? {
            Some(p) if p.is_public(self.clock.now()) || actor.reads_everything() => Ok(p),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// A public post's image (for the file address `…/{file_name}`), `NotFound` for anything else.
    pub async fn image(&self, actor: &Actor, id: NewsId, file_name: &str) -> Result<NewsImage, ServiceError> {
        let post = self.get(actor, id).await?;
        match post.image {
            Some(image) if image.file_name() == file_name => Ok(image),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Parses the form, reporting every bad field. `has_image` asks for the image's alt text.
    pub async fn parse(&self, input: &NewsInput, has_image: bool) -> Result<(NewsFields, NewsStatus), ServiceError> {
        let mut errors = InputError::default();
        let title = Localized::new(
            field(&input.title_tr, "title_tr", 200, &mut errors),
            field(&input.title_en, "title_en", 200, &mut errors),
        );
        if title.tr.is_empty() && title.en.is_empty() {
            errors.add("title_tr", "required");
        }
        let summary = Localized::new(
            field(&input.summary_tr, "summary_tr", 600, &mut errors),
            field(&input.summary_en, "summary_en", 600, &mut errors),
        );
        let body = Localized::new(
            field(&input.body_tr, "body_tr", 50_000, &mut errors),
            field(&input.body_en, "body_en", 50_000, &mut errors),
        );
        // A language's summary or body without its title would be shown under the other language's title.
        for (lang, name) in [(Lang::Tr, "title_tr"), (Lang::En, "title_en")] {
            if exact(&title, lang).is_empty()
                && (!exact(&summary, lang).is_empty() || !exact(&body, lang).is_empty())
                && !errors.fields.contains_key(name)
            {
                errors.add(name, "required");
            }
        }
        let status_raw = field(&input.status, "status", 20, &mut errors);
        let status = if status_raw.is_empty() { Some(NewsStatus::Draft) } else { NewsStatus::parse(&status_raw) };
        if status.is_none() {
            errors.add("status", "unknown_status");
        }
        let at_raw = field(&input.publish_at, "publish_at", 20, &mut errors);
        let publish_at = if at_raw.is_empty() {
            self.clock.now()
        } else {
            local_instant(&at_raw).unwrap_or_else(|| {
                errors.add("publish_at", "invalid_datetime");
                self.clock.now()
            })
        };
        let mut networks = Vec::new();
        for slug in list(&input.networks) {
            match self.reference.network_by_slug(&slug).await? {
                Some(n) if !networks.contains(&n.id) => networks.push(n.id),
                Some(_) => {}
                None => errors.add("networks", "unknown_network"),
            }
        }
        let mut municipalities = Vec::new();
        for slug in list(&input.municipalities) {
            match self.reference.municipality_by_slug(&slug).await? {
                Some(m) if !municipalities.contains(&m.id) => municipalities.push(m.id),
                Some(_) => {}
                None => errors.add("municipalities", "unknown_municipality"),
            }
        }
        let mut events = Vec::new();
        for raw in list(&input.events) {
            match raw.parse::<i64>() {
                Ok(id) if self.events.event(EventId(id)).await?.is_some() => {
                    if !events.contains(&EventId(id)) {
                        events.push(EventId(id));
                    }
                }
                _ => errors.add("events", "unknown_event"),
            }
        }
        let mut partnerships = Vec::new();
        let today = self.clock.today();
        for raw in list(&input.partnerships) {
            match raw.parse::<i64>() {
                Ok(id) if self.partnerships.partnership(PartnershipId(id), today).await?.is_some() => {
                    if !partnerships.contains(&id) {
                        partnerships.push(id);
                    }
                }
                _ => errors.add("partnerships", "unknown_partnership"),
            }
        }
        for (name, n) in [
            ("networks", networks.len()),
            ("municipalities", municipalities.len()),
            ("events", events.len()),
            ("partnerships", partnerships.len()),
        ] {
            if n > MAX_RELATED {
                errors.add(name, "too_many");
            }
        }
        let image_alt = Localized::new(
            field(&input.image_alt_tr, "image_alt_tr", 300, &mut errors),
            field(&input.image_alt_en, "image_alt_en", 300, &mut errors),
        );
        let fields =
            NewsFields { title, summary, body, publish_at, networks, municipalities, events, partnerships, image_alt };
        if has_image {
            check_alt(&fields, &fields.image_alt, &mut errors);
        }
        match status {
            Some(status) if errors.is_empty() => Ok((fields, status)),
            _ => Err(errors.into()),
        }
    }

    /// The audit record of a post's fields: what they say, with the publish time in UTC.
    fn record(fields: &NewsFields, status: NewsStatus) -> serde_json::Value {
        let mut value = serde_json::to_value(fields).unwrap_or_default();
        value["status"] = serde_json::json!(status.as_str());
        value
    }

    /// Creates a post (staff and admins): a draft, or published from its time on.
    pub async fn create(&self, actor: &Actor, input: &NewsInput) -> Result<NewsPost, ServiceError> {
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let (fields, status) = self.parse(input, false).await?;
        let action = match status {
            NewsStatus::Draft => "create",
            NewsStatus::Published if fields.publish_at > now => "schedule",
            NewsStatus::Published => "publish",
        };
        let change = Change::new(actor, now, action, "news_post").after(Self::record(&fields, status));
        let id = self.store.create_news_post(&fields, status, now, &change).await?;
        self.store.news_post(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Saves a post's fields and status (staff and admins).
    pub async fn update(&self, actor: &Actor, id: NewsId, input: &NewsInput) -> Result<NewsPost, ServiceError> {
        if !actor.edits_all_content() {
            return Err(if actor.reads_everything() { ServiceError::Forbidden } else { self.hidden(actor, id).await });
        }
        let now = self.clock.now();
        let before = self.get(actor, id).await?;
        // The alt text is edited with the image; a form or request that leaves it out keeps it.
        let mut input = input.clone();
        if input.image_alt_tr.is_none() && input.image_alt_en.is_none() {
            input.image_alt_tr = Some(before.fields.image_alt.tr.clone());
            input.image_alt_en = Some(before.fields.image_alt.en.clone());
        }
        let (fields, status) = self.parse(&input, before.image.is_some()).await?;
        let action = match status {
            NewsStatus::Draft if before.status == NewsStatus::Published => "unpublish",
            NewsStatus::Draft => "update",
            NewsStatus::Published if fields.publish_at > now => "schedule",
            NewsStatus::Published if before.status == NewsStatus::Draft => "publish",
            NewsStatus::Published => "update",
        };
        let change = Change::new(actor, now, action, "news_post")
            .record(id)
            .before(Self::record(&before.fields, before.status))
            .after(Self::record(&fields, status));
        self.store.update_news_post(id, &fields, status, now, &change).await?;
        self.store.news_post(id).await?.ok_or(ServiceError::NotFound)
    }

    /// For a writer without the right: a post they cannot see is not found, one they can is forbidden.
    async fn hidden(&self, actor: &Actor, id: NewsId) -> ServiceError {
        match self.get(actor, id).await {
            Ok(_) => ServiceError::Forbidden,
            Err(e) => e,
        }
    }

    /// Checks and stores an image with its alt text, replacing the post's former image (staff and admins).
    /// Without bytes, a post that has an image gets only its alt text changed.
    pub async fn attach_image(
        &self,
        uploads: &dyn Uploads,
        actor: &Actor,
        id: NewsId,
        bytes: Vec<u8>,
        alt: (Option<String>, Option<String>),
    ) -> Result<NewsPost, ServiceError> {
        if !actor.edits_all_content() {
            return Err(if actor.reads_everything() { ServiceError::Forbidden } else { self.hidden(actor, id).await });
        }
        let now = self.clock.now();
        let post = self.get(actor, id).await?;
        let mut errors = InputError::default();
        let alt = Localized::new(
            field(&alt.0, "image_alt_tr", 300, &mut errors),
            field(&alt.1, "image_alt_en", 300, &mut errors),
        );
        check_alt(&post.fields, &alt, &mut errors);
        if let (true, Some(image)) = (bytes.is_empty(), &post.image) {
            if !errors.is_empty() {
                return Err(errors.into());
            }
            let change = Change::new(actor, now, "set_image_alt", "news_post")
                .record(id)
                .before(serde_json::json!({ "image_alt": post.fields.image_alt }))
                .after(serde_json::json!({ "image_alt": alt }));
            self.store.set_news_image(id, Some(image), &alt, now, &change).await?;
            return self.store.news_post(id).await?.ok_or(ServiceError::NotFound);
        }
        if bytes.is_empty() {
            errors.add("image", "empty_file");
        } else if bytes.len() > MAX_IMAGE_BYTES {
            errors.add("image", "image_too_large");
        }
        let sniffed = sniff(&bytes).filter(|(content_type, _)| content_type.starts_with("image/"));
        if sniffed.is_none() && !bytes.is_empty() && !errors.fields.contains_key("image") {
            errors.add("image", "unsupported_image_type");
        }
        let Some((content_type, ext)) = sniffed else { return Err(errors.into()) };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let sha256 = hex::encode(Sha256::digest(&bytes));
        // A random part keeps two uploads of the same bytes apart; the key never depends on the clock.
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
        let storage_key = format!("news/{}/{}-{}.{ext}", id.0, &sha256[..16], hex::encode(nonce));
        let size = bytes.len() as i64;
        // The file is written before its row, so a backup that names it also holds it.
        uploads.put(&storage_key, bytes).await.map_err(ServiceError::Uploads)?;
        let image = NewsImage { storage_key, content_type: content_type.to_owned(), size, sha256 };
        let change = Change::new(actor, now, "set_image", "news_post")
            .record(id)
            .before(serde_json::json!({
                "image": post.image.as_ref().map(|i| &i.sha256),
                "image_alt": post.fields.image_alt,
            }))
            .after(serde_json::json!({
                "image": image.sha256,
                "content_type": image.content_type,
                "size": image.size,
                "image_alt": alt,
            }));
        self.store.set_news_image(id, Some(&image), &alt, now, &change).await?;
        self.store.news_post(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Removes a post's image and its alt text (staff and admins); the file stays for backups and the trail.
    pub async fn remove_image(&self, actor: &Actor, id: NewsId) -> Result<NewsPost, ServiceError> {
        if !actor.edits_all_content() {
            return Err(if actor.reads_everything() { ServiceError::Forbidden } else { self.hidden(actor, id).await });
        }
        let now = self.clock.now();
        let post = self.get(actor, id).await?;
        let Some(before) = post.image else { return Err(ServiceError::Conflict("news_without_image".into())) };
        let change = Change::new(actor, now, "remove_image", "news_post")
            .record(id)
            .before(serde_json::json!({ "image": before.sha256, "image_alt": post.fields.image_alt }))
            .after(serde_json::json!({ "image": null }));
        self.store.set_news_image(id, None, &Localized::default(), now, &change).await?;
        self.store.news_post(id).await?.ok_or(ServiceError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_trimmed_and_deduplicated() {
        assert_eq!(list(&Some(" a, b,,a\nc ".into())), vec!["a", "b", "c"]);
        assert!(list(&None).is_empty());
    }

    #[test]
    fn times_are_shown_in_istanbul() {
        let at = time::macros::datetime!(2026-12-10 06:00 UTC);
        assert_eq!(local_text(at), "2026-12-10 09:00");
        assert_eq!(local_instant("2026-12-10 09:00"), Some(at));
    }
}
