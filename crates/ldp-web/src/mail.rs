//! Sending mail with lettre: over SMTP in production, as `.eml` files in a folder in development, or into a
//! list that tests read.

use async_trait::async_trait;
use lettre::message::header::{ContentDisposition, ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ldp_core::services::accounts::{Mail, Mailer};

/// The invitation part's `Content-Type` written as RFC 6047 shows it, `text/calendar; method=…;
/// charset=UTF-8`: calendar programs read the method from it, and it must equal the file's own `METHOD`, so it
/// is taken from the file (lettre's own type lower-cases the charset, which means the same but is not what
/// calendar programs are tested against).
#[derive(Clone)]
struct InvitationType(&'static str);

impl InvitationType {
    /// The type of the calendar file `ics`, from its `METHOD` line (an iTIP method: RFC 5546).
    fn of(ics: &str) -> Result<InvitationType, String> {
        let method = ics.lines().find_map(|l| l.strip_prefix("METHOD:")).map(str::trim);
        match method {
            Some("REQUEST") => Ok(InvitationType("REQUEST")),
            Some("CANCEL") => Ok(InvitationType("CANCEL")),
            Some("PUBLISH") => Ok(InvitationType("PUBLISH")),
            other => Err(format!("a mailed calendar file needs an iTIP METHOD, not {other:?}")),
        }
    }
}

impl Header for InvitationType {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Type")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let method = s.split(';').find_map(|p| p.trim().strip_prefix("method=")).unwrap_or("");
        Ok(InvitationType::of(&format!("METHOD:{method}"))?)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("text/calendar; method={}; charset=UTF-8", self.0))
    }
}

fn message(from: &Mailbox, mail: &Mail) -> Result<Message, String> {
    let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
    let builder = Message::builder().from(from.clone()).to(to).subject(mail.subject.clone());
    match &mail.invitation {
        None => builder.header(ContentType::TEXT_PLAIN).body(mail.body.clone()),
        Some(ics) => builder.multipart(
            MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone())).singlepart(
                SinglePart::builder()
                    .header(InvitationType::of(ics)?)
                    .header(ContentDisposition::attachment("invite.ics"))
                    .body(ics.clone()),
            ),
        ),
    }
    .map_err(|e| e.to_string())
}

/// Writes each mail as an `.eml` file into a folder (development mode).
pub struct FileMailer {
    from: Mailbox,
    transport: AsyncFileTransport<Tokio1Executor>,
    pub dir: PathBuf,
}

impl FileMailer {
    pub fn new(dir: PathBuf, from: &str) -> Result<Self, String> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(FileMailer {
            from: from.parse().map_err(|e| format!("bad sender address {from}: {e}"))?,
            transport: AsyncFileTransport::new(&dir),
            dir,
        })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: Mail) -> Result<(), String> {
        let id = self.transport.send(message(&self.from, &mail)?).await.map_err(|e| e.to_string())?;
        tracing::info!(to = %mail.to, file = %self.dir.join(format!("{id}.eml")).display(), "mail written");
        Ok(())
    }
}

/// Sends over SMTP; the URL names host, port, TLS and credentials (`smtps://user:pass@host:465`,
/// `smtp://host:587?tls=required`).
pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        Ok(SmtpMailer {
            from: from.parse().map_err(|e| format!("bad sender address {from}: {e}"))?,
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| e.to_string())?.build(),
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> Result<(), String> {
        self.transport.send(message(&self.from, &mail)?).await.map_err(|e| e.to_string())?;
        tracing::info!(to = %mail.to, "mail sent");
        Ok(())
    }
}

/// Keeps mails in memory (tests).
#[derive(Default, Clone)]
pub struct MemoryMailer {
    pub sent: Arc<Mutex<Vec<Mail>>>,
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, mail: Mail) -> Result<(), String> {
        self.sent.lock().map_err(|e| e.to_string())?.push(mail);
        Ok(())
    }
}

impl MemoryMailer {
    /// The last mail sent to `to`.
    pub fn last_to(&self, to: &str) -> Option<Mail> {
        self.sent.lock().ok()?.iter().rev().find(|m| m.to == to).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_a_calendar_part_with_its_method() {
        let from: Mailbox = "Birlik <etkinlik@example.org>".parse().unwrap();
        let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
        let mail = Mail {
            to: "ayse@nilufer.bel.tr".into(),
            subject: "Kayıt onayı".into(),
            body: "Merhaba".into(),
            invitation: Some(ics.into()),
        };
        let text = String::from_utf8(message(&from, &mail).unwrap().formatted()).unwrap();
        assert!(text.contains("Content-Type: multipart/mixed"), "{text}");
        assert!(text.contains("Content-Type: text/calendar; method=REQUEST; charset=UTF-8"), "{text}");
        assert!(text.contains("filename=\"invite.ics\""), "{text}");
        // The part's method is the file's own: a cancellation says CANCEL in both places.
        let cancel = Mail { invitation: Some(ics.replace("METHOD:REQUEST", "METHOD:CANCEL")), ..mail.clone() };
        let text = String::from_utf8(message(&from, &cancel).unwrap().formatted()).unwrap();
        assert!(text.contains("Content-Type: text/calendar; method=CANCEL; charset=UTF-8"), "{text}");
        let no_method = Mail { invitation: Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()), ..mail.clone() };
        assert!(message(&from, &no_method).is_err(), "a calendar file without a METHOD is not mailed");
        let plain = Mail { invitation: None, ..mail };
        let text = String::from_utf8(message(&from, &plain).unwrap().formatted()).unwrap();
        assert!(!text.contains("multipart") && text.contains("Content-Type: text/plain"), "{text}");
    }
}
