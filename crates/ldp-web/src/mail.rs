//! Sending mail with lettre: over SMTP in production, as `.eml` files in a folder in development, or into a
//! list that tests read.

use async_trait::async_trait;
use lettre::message::header::{ContentDisposition, ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ldp_core::services::accounts::{Mail, Mailer};

/// The `Content-Type` of an invitation's part: calendar programs read the method from it (RFC 6047).
const INVITATION_TYPE: &str = "text/calendar; method=REQUEST; charset=UTF-8";

/// The invitation part's `Content-Type` written as RFC 6047 shows it (lettre's own type lower-cases the
/// charset, which means the same but is not what calendar programs are tested against).
#[derive(Clone)]
struct InvitationType;

impl Header for InvitationType {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Type")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(InvitationType)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), INVITATION_TYPE.to_owned())
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
                    .header(InvitationType)
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
        let plain = Mail { invitation: None, ..mail };
        let text = String::from_utf8(message(&from, &plain).unwrap().formatted()).unwrap();
        assert!(!text.contains("multipart") && text.contains("Content-Type: text/plain"), "{text}");
    }
}
