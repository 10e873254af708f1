//! Settings: command-line flags win over `LDP_*` environment variables, which win over the optional TOML
//! file (`--config`, `LDP_CONFIG`, or `./ldp.toml` when present), which wins over the defaults.

use anyhow::Context;
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The optional configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub max_connections: Option<u32>,
    pub log_format: Option<LogFormat>,
    pub dormancy_months: Option<u32>,
    pub permission_authority: Option<String>,
    pub map_aggregate_above: Option<u32>,
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub mail_dir: Option<PathBuf>,
    pub trusted_proxies: Option<String>,
    pub header_timeout_secs: Option<u64>,
    pub max_open_connections: Option<usize>,
    pub metrics_listen: Option<SocketAddr>,
    pub metrics_token: Option<String>,
    pub page_cache_mb: Option<u64>,
    pub feed_poll_ms: Option<u64>,
    pub contact_retention_months: Option<u32>,
    pub event_offer_hours: Option<u32>,
    pub event_reminder_hours: Option<u32>,
}

impl FileConfig {
    /// Reads `path`, or `./ldp.toml` when no path is given and that file exists.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("ldp.toml"), false),
        };
        if !required && !path.exists() {
            return Ok(FileConfig::default());
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The settings in force, after merging.
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub max_connections: u32,
    pub partnerships: ldp_core::services::partnerships::PartnershipSettings,
    /// The address people reach the site at; links in e-mails point here, and cookies are Secure when https.
    pub public_url: String,
    pub mail: MailSettings,
}

/// Where mail goes: SMTP when a URL is set, otherwise `.eml` files in a folder (development).
#[derive(Clone)]
pub struct MailSettings {
    pub smtp_url: Option<String>,
    pub from: String,
    pub dir: PathBuf,
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(ldp_store::redact))
            .field("from", &self.from)
            .field("dir", &self.dir)
            .finish()
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &ldp_store::redact(&self.database_url))
            .field("max_connections", &self.max_connections)
            .field("partnerships", &self.partnerships)
            .field("public_url", &self.public_url)
            .field("mail", &self.mail)
            .finish()
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "ldp-data";

/// The SQLite URL for a data folder.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("ldp.sqlite3").display())
}
