//! The mails of saved searches, written in the search's language when the job runs: a new call, a digest of
//! new calls, a deadline reminder. Each ends with the link to the user's saved searches, where they change
//! the frequency or delete the search (unsubscribe).

use time::OffsetDateTime;

use super::{ALERT_JOB, DIGEST_JOB, REMINDER_JOB, SavedSearches};
use crate::clock::ISTANBUL;
use crate::domain::funding::{Call, CallId};
use crate::domain::saved_search::SavedSearchId;
use crate::domain::{Lang, UserId};
use crate::jobs::Job;
use crate::services::accounts::Mail;
use crate::services::jobs::JobHandler;

/// `dd.mm.yyyy HH:MM` in Istanbul time.
fn istanbul(at: OffsetDateTime) -> String {
    let t = at.to_offset(ISTANBUL);
    format!("{:02}.{:02}.{} {:02}:{:02}", t.day(), u8::from(t.month()), t.year(), t.hour(), t.minute())
}

/// A call as a mail shows it: title, identifier, next deadline (as stated and in Istanbul time), link.
fn call_block(call: &Call, lang: Lang, base: &str, now: OffsetDateTime) -> String {
    let f = &call.fields;
    let deadline = match call.next_deadline(now) {
        Some(d) => match lang {
            Lang::Tr => {
                format!("Son başvuru: {} {} ({} İstanbul saati)", d.local_display(), d.zone_city(), istanbul(d.at))
            }
            Lang::En => {
                format!("Deadline: {} {} ({} Istanbul time)", d.local_display(), d.zone_city(), istanbul(d.at))
            }
        },
        None => match lang {
            Lang::Tr => "Son başvuru tarihi yok".to_owned(),
            Lang::En => "No deadline".to_owned(),
        },
    };
    format!("{}\n{} · {deadline}\n{base}/{}/funding/calls/{}", f.title.get(lang), f.identifier, lang.code(), call.id.0)
}

/// The closing lines: where to change or stop the alerts.
fn footer(lang: Lang, base: &str) -> String {
    let link = format!("{base}/{}/workspace/saved-searches", lang.code());
    match lang {
        Lang::Tr => format!(
            "\n\n---\nBu iletiyi kayıtlı bir fon çağrısı aramanız nedeniyle aldınız. Sıklığı değiştirmek ya da \
             aramayı silerek bildirimleri durdurmak için:\n{link}\n"
        ),
        Lang::En => format!(
            "\n\n---\nYou receive this because of a saved search of funding calls. To change how often you hear \
             from it, or to stop these mails by deleting the search:\n{link}\n"
        ),
    }
}

fn greeting(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Tr => format!("Merhaba {name},\n\n"),
        Lang::En => format!("Hello {name},\n\n"),
    }
}

fn id_of(job: &Job, key: &str) -> i64 {
    job.payload.get(key).and_then(serde_json::Value::as_i64).unwrap_or_default()
}

impl SavedSearches {
    /// The address, name and language to write to for a job about search `search` (or, for a reminder, for
    /// `user` in `lang` when the search went meanwhile). `Err` names the outcome when there is nobody to write to.
    async fn recipient(&self, job: &Job) -> Result<Result<(String, String, Lang), String>, String> {
        let search = self.store.saved_search(SavedSearchId(id_of(job, "search"))).await.map_err(|e| e.to_string())?;
        let (user, lang) = match (search, job.kind.as_str()) {
            (Some(s), _) => (s.user, s.lang),
            (None, REMINDER_JOB) => {
                let lang = job.payload.get("lang").and_then(|l| l.as_str()).and_then(Lang::parse).unwrap_or_default();
                (UserId(id_of(job, "user")), lang)
            }
            (None, _) => return Ok(Err("search_deleted".into())),
        };
        match self.accounts.user(user).await.map_err(|e| e.to_string())? {
            Some(u) if !u.user.disabled => Ok(Ok((u.user.email, u.user.name, lang))),
            _ => Ok(Err("no_active_account".into())),
        }
    }

    async fn call_of(&self, id: i64) -> Result<Option<Call>, String> {
        let call = self.funding.call(CallId(id)).await.map_err(|e| e.to_string())?;
        Ok(call.filter(|c| c.published))
    }

    /// The mail a job sends, or the outcome that says why there is none.
    async fn mail_for(&self, job: &Job, base: &str) -> Result<Result<Mail, String>, String> {
        let (to, name, lang) = match self.recipient(job).await? {
            Ok(r) => r,
            Err(outcome) => return Ok(Err(outcome)),
        };
        let now = self.clock.now();
        let (subject, text) = match job.kind.as_str() {
            ALERT_JOB => {
                let Some(call) = self.call_of(id_of(job, "call")).await? else { return Ok(Err("no_call".into())) };
                let title = call.fields.title.get(lang);
                match lang {
                    Lang::Tr => (
                        format!("Yeni fon çağrısı: {title}"),
                        format!(
                            "Kayıtlı aramanıza uyan yeni bir çağrı yayımlandı:\n\n{}",
                            call_block(&call, lang, base, now)
                        ),
                    ),
                    Lang::En => (
                        format!("New funding call: {title}"),
                        format!(
                            "A new call matching your saved search was published:\n\n{}",
                            call_block(&call, lang, base, now)
                        ),
                    ),
                }
            }
            DIGEST_JOB => {
                let ids: Vec<i64> = job
                    .payload
                    .get("calls")
                    .and_then(serde_json::Value::as_array)
                    .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
                    .unwrap_or_default();
                let mut blocks = Vec::new();
                for id in ids {
                    if let Some(call) = self.call_of(id).await? {
                        blocks.push(call_block(&call, lang, base, now));
                    }
                }
                if blocks.is_empty() {
                    return Ok(Err("no_call".into()));
                }
                let n = blocks.len();
                let list = blocks.join("\n\n");
                match lang {
                    Lang::Tr => (
                        format!("Kayıtlı aramanıza uyan {n} yeni fon çağrısı"),
                        format!("Son özetten bu yana kayıtlı aramanıza uyan yeni çağrılar:\n\n{list}"),
                    ),
                    Lang::En => (
                        format!("{n} new funding call(s) matching your saved search"),
                        format!("New calls matching your saved search since the last digest:\n\n{list}"),
                    ),
                }
            }
            _ => {
                let Some(call) = self.call_of(id_of(job, "call")).await? else { return Ok(Err("no_call".into())) };
                let deadline = job
                    .payload
                    .get("deadline")
                    .and_then(|d| d.as_str())
                    .and_then(|d| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok());
                // The deadline moved or went since the reminder was queued: that reminder is void.
                let Some(d) = call.fields.deadlines.iter().find(|d| Some(d.at) == deadline) else {
                    return Ok(Err("deadline_moved".into()));
                };
                if d.at <= now {
                    return Ok(Err("deadline_passed".into()));
                }
                let days = id_of(job, "days");
                let title = call.fields.title.get(lang);
                let when = format!("{} {} ({})", d.local_display(), d.zone_city(), istanbul(d.at));
                match lang {
                    Lang::Tr => (
                        format!("Son başvuruya {days} gün: {title}"),
                        format!(
                            "Kayıtlı aramanıza uyan çağrının son başvuru tarihine {days} gün kaldı ({when}, \
                             İstanbul saati parantez içinde):\n\n{}",
                            call_block(&call, lang, base, now)
                        ),
                    ),
                    Lang::En => (
                        format!("{days} day(s) to the deadline: {title}"),
                        format!(
                            "The deadline of a call matching your saved search is {days} day(s) away ({when}, \
                             Istanbul time in brackets):\n\n{}",
                            call_block(&call, lang, base, now)
                        ),
                    ),
                }
            }
        };
        let body = format!("{}{text}{}", greeting(lang, &name), footer(lang, base));
        Ok(Ok(Mail { to, subject, body, invitation: None }))
    }
}

#[async_trait::async_trait]
impl JobHandler for SavedSearches {
    fn handles(&self, kind: &str) -> bool {
        kind == ALERT_JOB || kind == DIGEST_JOB || kind == REMINDER_JOB
    }

    async fn run(&self, job: &Job) -> Result<String, String> {
        let Some((mailer, _, base)) = &self.mail else { return Err("no mailer for saved search mail".into()) };
        match self.mail_for(job, base).await? {
            Ok(mail) => {
                mailer.send(mail).await?;
                Ok("sent".into())
            }
            Err(outcome) => Ok(outcome),
        }
    }
}
