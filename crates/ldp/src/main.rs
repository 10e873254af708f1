//! `ldp`: the Local Diplomacy Platform in one binary. This file only wires the command line to the library crates.

mod backup_cmd;
mod config;
mod funding_cmd;
mod partnership_cmd;
mod user_cmd;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use ldp_core::reference::{EnsureOutcome, ensure_partnership_seed, ensure_reference};
use ldp_core::services::partnerships::{PartnershipSettings, Partnerships};
use ldp_core::store::Store;
use ldp_store::PoolSettings;

use config::{FileConfig, LogFormat, Settings};

/// The Local Diplomacy Platform: the registry, public site and API of a union of municipalities'
/// foreign relations (networks, members, sister cities, SDGs).
#[derive(Parser)]
#[command(name = "ldp", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// TOML configuration file (default: ./ldp.toml if it exists).
    #[arg(long, global = true, env = "LDP_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Log format.
    #[arg(long, global = true, env = "LDP_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the public site, the JSON API and the health endpoints.
    ///
    /// On first start it creates the database (SQLite under the data folder unless --database-url names
    /// PostgreSQL), applies migrations and loads the reference data; later starts only check them.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Load data into the database.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Record sister-city relations and their legal trail (council decision, ministry permission, MFA,
    /// signing, activation, termination), activities and documents.
    Partnership {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: partnership_cmd::PartnershipCommand,
    },
    /// Create users, set their passwords, list them.
    User {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: user_cmd::UserCommand,
    },
    /// Write the database and the uploaded documents to one archive (gzip-compressed tar with a manifest).
    ///
    /// On SQLite it takes an online snapshot while `ldp serve` goes on serving; on PostgreSQL it runs
    /// `pg_dump`, which must be installed (same major version as the server or newer).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The archive to write (replaced only when the new one is complete).
        file: PathBuf,
    },
    /// Restore an archive written by `ldp backup` into an empty data folder (and, on PostgreSQL, an empty
    /// database). Refuses a corrupted archive, one of another schema version or engine, and an occupied
    /// target, leaving nothing behind.
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// The archive to read.
        file: PathBuf,
    },
    /// Create, list and revoke API tokens, which programs use to write through the API
    /// (`Authorization: Bearer …`). A token is shown once and stored only as a hash.
    Token {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a user and print it (once). It acts with the user's role.
    Create {
        /// What the token is for, e.g. "bursa-nilufer sync".
        name: String,
        /// The e-mail of the user the token acts for.
        #[arg(long)]
        user: String,
        /// Let the token only read.
        #[arg(long)]
        read_only: bool,
    },
    /// List every token (never their secrets).
    List,
    /// Revoke a token; requests carrying it are refused from now on.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Load the reference data compiled into this binary (union, networks, municipalities, countries,
    /// GeoNames cities, SDGs). Safe to repeat: a second run adds nothing.
    Reference {
        #[command(flatten)]
        db: DbArgs,
        /// Load even if the database already holds this version of the data.
        #[arg(long)]
        force: bool,
    },
    /// Merge a partner place that an import made from a list's row (negative id) into the GeoNames city it
    /// is: its relations move to the city, and the merge is audited.
    MergePlace {
        #[command(flatten)]
        db: DbArgs,
        /// The place made from the list (its id is negative).
        #[arg(long, allow_hyphen_values = true)]
        place: i64,
        /// The GeoNames id of the city it is.
        #[arg(long)]
        city: i64,
    },
    /// Import funding calls from the JSON the EU Funding & Tenders Portal's search API returns
    /// (`{"totalResults": N, "results": [...]}`). Calls are matched by identifier: new ones are loaded,
    /// changed ones updated, the rest left unchanged; results that cannot be read are skipped with the
    /// reason. A file not in this format is refused and nothing is loaded. Safe to repeat.
    Calls {
        #[command(flatten)]
        db: DbArgs,
        /// The JSON file.
        file: PathBuf,
    },
    /// Import sister-city pairs from a CSV file (`city1,country1,lat1,lng1,city2,country2,lat2,lng2`).
    /// Pairs with a member municipality are loaded; the rest go to a report with the reason. Safe to repeat.
    Partnerships {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV file.
        file: PathBuf,
        /// Where to write the report of rows not loaded (default: FILE.unmatched.csv).
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Folder for the SQLite database and other local data (default: ./ldp-data).
    #[arg(long, global = true, env = "LDP_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data folder).
    #[arg(long, global = true, env = "LDP_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,

    /// Largest number of database connections this node opens (default: 8).
    #[arg(long, global = true, env = "LDP_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<u32>,

    /// Months without logged activity after which an active relation is dormant (default: 24).
    #[arg(long, global = true, env = "LDP_DORMANCY_MONTHS", value_name = "N")]
    dormancy_months: Option<u32>,

    /// The authority whose prior permission relations need (default: Çevre, Şehircilik ve İklim Değişikliği
    /// Bakanlığı, per Law 7153).
    #[arg(long, global = true, env = "LDP_PERMISSION_AUTHORITY", value_name = "NAME")]
    permission_authority: Option<String>,

    /// The map draws one arc per relation up to this many relations, and above it one line per member and
    /// partner country, as wide as its number of relations (default: 1000).
    #[arg(long, global = true, env = "LDP_MAP_AGGREGATE_ABOVE", value_name = "N")]
    map_aggregate_above: Option<u32>,

    /// The address people reach the site at, for links in e-mails; cookies are Secure when it is https
    /// (default: http://127.0.0.1:8080).
    #[arg(long, global = true, env = "LDP_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,

    /// SMTP server for mail, e.g. smtps://user:pass@mail.example.org:465 (default: none; mail is written as
    /// .eml files to the mail folder).
    #[arg(long, global = true, env = "LDP_SMTP_URL", value_name = "URL")]
    smtp_url: Option<String>,

    /// Sender of the platform's mail (default: "Yerel Diplomasi Platformu <noreply@localhost.localdomain>").
    #[arg(long, global = true, env = "LDP_MAIL_FROM", value_name = "ADDRESS")]
    mail_from: Option<String>,

    /// Folder for .eml files when no SMTP server is set (default: DATA_DIR/mail).
    #[arg(long, global = true, env = "LDP_MAIL_DIR", value_name = "DIR")]
    mail_dir: Option<PathBuf>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (default: 127.0.0.1:8080).
    #[arg(long, env = "LDP_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,

    /// Reverse proxies (CIDR blocks or addresses, comma-separated) whose X-Forwarded-For / Forwarded
    /// headers name the client; from any other peer those headers are ignored (default: none).
    #[arg(long, env = "LDP_TRUSTED_PROXIES", value_name = "CIDR,…")]
    trusted_proxies: Option<String>,

    /// Seconds a client has to send its request headers before the connection is closed (default: 10).
    #[arg(long, env = "LDP_HEADER_TIMEOUT_SECS", value_name = "SECONDS")]
    header_timeout_secs: Option<u64>,

    /// Connections served at once; more wait in the listen backlog (default: 512, under the usual limit of
    /// 1,024 open files).
    #[arg(long, env = "LDP_MAX_OPEN_CONNECTIONS", value_name = "N")]
    max_open_connections: Option<usize>,

    /// A separate address that serves only /metrics, without a token, for a scraper on a private network
    /// (default: none).
    #[arg(long, env = "LDP_METRICS_LISTEN", value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,

    /// A bearer token that opens /metrics on the public address (default: none; /metrics answers 404 there).
    #[arg(long, env = "LDP_METRICS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,

    /// Mebibytes of memory for anonymous responses kept ready to send (default: 64; 0 turns the page cache
    /// off).
    #[arg(long, env = "LDP_PAGE_CACHE_MB", value_name = "MB")]
    page_cache_mb: Option<u64>,

    /// Milliseconds between two reads of the data versions, by which a node notices what other nodes and
    /// processes wrote when no notification reached it (default: 1000).
    #[arg(long, env = "LDP_FEED_POLL_MS", value_name = "MS")]
    feed_poll_ms: Option<u64>,

    /// Months after closing at which a contact message is anonymised by the retention job (default: 24;
    /// 1 to 120). The privacy text on the contact form states it.
    #[arg(long, env = "LDP_CONTACT_RETENTION_MONTHS", value_name = "N")]
    contact_retention_months: Option<u32>,

    /// Hours a waitlist offer holds freed seats for the first registration in line before they pass to the
    /// next (default: 48; 1 to 720).
    #[arg(long, env = "LDP_EVENT_OFFER_HOURS", value_name = "N")]
    event_offer_hours: Option<u32>,

    /// Hours before an event starts that its confirmed registrants are reminded by e-mail (default: 48; 1 to
    /// 720).
    #[arg(long, env = "LDP_EVENT_REMINDER_HOURS", value_name = "N")]
    event_reminder_hours: Option<u32>,

    #[command(flatten)]
    db: DbArgs,
}

fn settings(db: &DbArgs, listen: Option<SocketAddr>, file: &FileConfig) -> anyhow::Result<Settings> {
    let data_dir = db
        .data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR));
    let database_url = db.database_url.clone().or_else(|| file.database_url.clone());
    let database_url = match database_url {
        Some(url) => url,
        None => {
            std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
            config::sqlite_url(&data_dir)
        }
    };
    Ok(Settings {
        listen: listen.or(file.listen).unwrap_or_else(|| config::DEFAULT_LISTEN.parse().expect("valid default")),
        database_url,
        max_connections: db.max_connections.or(file.max_connections).unwrap_or(8).max(1),
        partnerships: {
            let mut p = PartnershipSettings::default();
            if let Some(m) = db.dormancy_months.or(file.dormancy_months) {
                p.dormancy_months = m.clamp(1, 240);
            }
            if let Some(a) = db.permission_authority.clone().or_else(|| file.permission_authority.clone()) {
                p.permission_authority = a;
            }
            if let Some(n) = db.map_aggregate_above.or(file.map_aggregate_above) {
                p.map_aggregate_above = n;
            }
            p
        },
        public_url: db.public_url.clone().or_else(|| file.public_url.clone()).unwrap_or_else(|| {
            format!("http://{}", listen.or(file.listen).map_or(config::DEFAULT_LISTEN.to_owned(), |l| l.to_string()))
        }),
        mail: config::MailSettings {
            smtp_url: db.smtp_url.clone().or_else(|| file.smtp_url.clone()),
            from: db
                .mail_from
                .clone()
                .or_else(|| file.mail_from.clone())
                .unwrap_or_else(|| "Yerel Diplomasi Platformu <noreply@localhost.localdomain>".to_owned()),
            dir: db.mail_dir.clone().or_else(|| file.mail_dir.clone()).unwrap_or_else(|| data_dir.join("mail")),
        },
        data_dir,
    })
}

/// The mail transport the settings name.
fn mailer(settings: &Settings) -> anyhow::Result<Arc<dyn ldp_core::services::accounts::Mailer>> {
    let m = &settings.mail;
    Ok(match &m.smtp_url {
        Some(url) => Arc::new(ldp_web::mail::SmtpMailer::new(url, &m.from).map_err(|e| anyhow::anyhow!(e))?),
        None => Arc::new(ldp_web::mail::FileMailer::new(m.dir.clone(), &m.from).map_err(|e| anyhow::anyhow!(e))?),
    })
}

fn account_settings(settings: &Settings) -> ldp_core::services::accounts::AccountSettings {
    ldp_core::services::accounts::AccountSettings { public_url: settings.public_url.clone(), ..Default::default() }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LDP_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal: a log file or collector gets plain lines, without escape codes to store
    // and, per request, to format.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let pool = PoolSettings { max_connections: settings.max_connections, ..PoolSettings::default() };
    let store = ldp_store::connect_shared(&settings.database_url, pool)
        .await
        .with_context(|| format!("opening {}", ldp_store::redact(&settings.database_url)))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn serve(args: ServeArgs, file: FileConfig) -> anyhow::Result<()> {
    let started = Instant::now();
    let settings = settings(&args.db, args.listen, &file)?;
    let trusted_proxies = ldp_web::client::TrustedProxies::parse(
        args.trusted_proxies.as_deref().or(file.trusted_proxies.as_deref()).unwrap_or(""),
    )
    .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?;
    tracing::info!(?settings, ?trusted_proxies, "starting ldp {}", env!("CARGO_PKG_VERSION"));
    let store = open_store(&settings).await?;
    report_reference(
        ensure_reference(store.as_ref(), false, &ldp_core::clock::SystemClock)
            .await
            .context("loading reference data")?,
    );
    ensure_partnership_seed(store.clone(), &ldp_core::clock::SystemClock)
        .await
        .context("loading sister-city relations")?;
    ldp_core::services::funding::ensure_funding_data(store.as_ref(), &ldp_core::clock::SystemClock)
        .await
        .context("loading funding programmes")?;
    let uploads = Arc::new(uploads(&settings)?);
    let config = ldp_web::state::Config {
        clock: ldp_core::clock::system(),
        partnerships: settings.partnerships.clone(),
        uploads,
        accounts: account_settings(&settings),
        mailer: mailer(&settings)?,
        trusted_proxies,
        metrics_token: args
            .metrics_token
            .clone()
            .or_else(|| file.metrics_token.clone())
            .filter(|t| !t.trim().is_empty()),
        page_cache_bytes: page_cache_bytes(args.page_cache_mb.or(file.page_cache_mb)),
        contact: ldp_core::services::contact::ContactSettings {
            retention_months: args
                .contact_retention_months
                .or(file.contact_retention_months)
                .map_or(ldp_core::services::contact::ContactSettings::default().retention_months, |m| m.clamp(1, 120)),
            ..ldp_core::services::contact::ContactSettings::default()
        },
        events: ldp_core::services::events::EventMailSettings {
            public_url: settings.public_url.clone(),
            organiser: settings.mail.from.clone(),
            offer_hours: event_hours(
                "--event-offer-hours",
                args.event_offer_hours.or(file.event_offer_hours),
                ldp_core::services::events::DEFAULT_OFFER_HOURS,
            )?,
            reminder_hours: event_hours(
                "--event-reminder-hours",
                args.event_reminder_hours.or(file.event_reminder_hours),
                ldp_core::services::events::DEFAULT_REMINDER_HOURS,
            )?,
        },
    };
    if state_has_no_admin(store.as_ref()).await? {
        tracing::warn!(
            "no administrator yet: create one with `ldp user add --email … --role admin --password-stdin` (see README)"
        );
    }
    let state = ldp_web::AppState::load(store, config).await.context("reading site facts")?;
    let listener =
        tokio::net::TcpListener::bind(settings.listen).await.with_context(|| format!("binding {}", settings.listen))?;
    tracing::info!(
        address = %listener.local_addr()?,
        ready_ms = started.elapsed().as_millis() as u64,
        "listening on http://{}/",
        listener.local_addr()?
    );
    let defaults = ldp_web::server::Limits::default();
    let limits = ldp_web::server::Limits {
        header_read_timeout: args
            .header_timeout_secs
            .or(file.header_timeout_secs)
            .map_or(defaults.header_read_timeout, |s| std::time::Duration::from_secs(s.clamp(1, 300))),
        max_connections: args.max_open_connections.or(file.max_open_connections).unwrap_or(defaults.max_connections),
    };
    tracing::info!(?limits, "connection limits");
    ldp_web::ops::spawn_pruning(state.clone(), std::time::Duration::from_secs(3600));
    ldp_web::ops::spawn_jobs(state.clone(), std::time::Duration::from_secs(5));
    ldp_web::ops::spawn_call_alerts(state.clone(), std::time::Duration::from_secs(60));
    let feed_poll = args.feed_poll_ms.or(file.feed_poll_ms).unwrap_or(1000).clamp(50, 60_000);
    let feed = ldp_web::ops::spawn_feed(state.clone(), std::time::Duration::from_millis(feed_poll));
    let model = ldp_web::ops::spawn_reference_model(&state);
    if let Some(addr) = args.metrics_listen.or(file.metrics_listen) {
        let metrics = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        tracing::info!(%addr, "metrics on http://{addr}/metrics");
        let for_metrics = state.clone();
        tokio::spawn(async move {
            if let Err(e) = ldp_web::ops::serve_metrics(metrics, for_metrics).await {
                tracing::error!(error = %e, "the metrics address stopped");
            }
        });
    }
    let served = ldp_web::serve(listener, state, limits, shutdown_signal()).await.context("serving");
    feed.abort();
    model.abort();
    served
}

/// A period in hours of the events' mail (the waitlist offer, the reminder): `default` unless given, refused
/// outside 1 to 720 (30 days).
fn event_hours(option: &str, hours: Option<u32>, default: u32) -> anyhow::Result<u32> {
    match hours {
        None => Ok(default),
        Some(h) if (1..=720).contains(&h) => Ok(h),
        Some(h) => anyhow::bail!("{option} must be between 1 and 720, not {h}"),
    }
}

/// The page cache's size in bytes for `--page-cache-mb` (its default when not given).
fn page_cache_bytes(mb: Option<u64>) -> u64 {
    let mb = mb.unwrap_or(ldp_web::cache::DEFAULT_MB);
    tracing::info!(mb, "page cache");
    mb.saturating_mul(1024 * 1024)
}

async fn state_has_no_admin(store: &dyn Store) -> anyhow::Result<bool> {
    let users = store.list_users().await.context("reading users")?;
    Ok(!users.iter().any(|u| u.role == ldp_core::domain::Role::Admin && !u.disabled))
}

fn uploads(settings: &Settings) -> anyhow::Result<ldp_store::LocalUploads> {
    let root = settings.data_dir.join("uploads");
    ldp_store::LocalUploads::open(&root).with_context(|| format!("opening {}", root.display()))
}

fn report_reference(outcome: EnsureOutcome) {
    match outcome {
        EnsureOutcome::UpToDate => tracing::info!("reference data is up to date"),
        EnsureOutcome::Loaded(r) => tracing::info!(
            networks = r.networks_added,
            municipalities = r.municipalities_added,
            countries = r.countries_added,
            cities = r.cities_added,
            goals = r.goals_added,
            targets = r.targets_added,
            "reference data loaded"
        ),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file_cfg = FileConfig::load(cli.config.as_deref())?;
    init_logging(cli.log_format.or(file_cfg.log_format).unwrap_or_default());
    match cli.command {
        Command::Serve(args) => serve(args, file_cfg).await,
        Command::Migrate(db) => {
            let settings = settings(&db, None, &file_cfg)?;
            open_store(&settings).await?;
            println!("migrations applied to {}", ldp_store::redact(&settings.database_url));
            Ok(())
        }
        Command::Backup { db, file } => backup_cmd::backup(&settings(&db, None, &file_cfg)?, &file).await,
        Command::Restore { db, file } => backup_cmd::restore(&settings(&db, None, &file_cfg)?, &file).await,
        Command::Import(ImportCommand::MergePlace { db, place, city }) => {
            let settings = settings(&db, None, &file_cfg)?;
            let store = open_store(&settings).await?;
            ensure_reference(store.as_ref(), false, &ldp_core::clock::SystemClock).await?;
            let actor = ldp_core::domain::Actor::system("cli");
            let moved = ldp_core::services::import::merge_source_place(
                store.as_ref(),
                place,
                city,
                &actor,
                &ldp_core::clock::SystemClock,
            )
            .await?;
            println!("place {place} merged into city {city}: {moved} relations moved");
            Ok(())
        }
        Command::Import(ImportCommand::Calls { db, file }) => {
            let settings = settings(&db, None, &file_cfg)?;
            let store = open_store(&settings).await?;
            ensure_reference(store.as_ref(), false, &ldp_core::clock::SystemClock).await?;
            ldp_core::services::funding::ensure_funding_data(store.as_ref(), &ldp_core::clock::SystemClock).await?;
            let service = ldp_core::services::funding::Funding::new(store, ldp_core::clock::system());
            funding_cmd::import(&service, &file).await
        }
        Command::Import(ImportCommand::Partnerships { db, file, report }) => {
            let settings = settings(&db, None, &file_cfg)?;
            let store = open_store(&settings).await?;
            ensure_reference(store.as_ref(), false, &ldp_core::clock::SystemClock).await?;
            partnership_cmd::import(store, file, report).await
        }
        Command::Partnership { db, command } => {
            let settings = settings(&db, None, &file_cfg)?;
            let store = open_store(&settings).await?;
            ensure_reference(store.as_ref(), false, &ldp_core::clock::SystemClock).await?;
            let service = Partnerships::new(store, ldp_core::clock::system(), settings.partnerships.clone());
            partnership_cmd::run(&service, &uploads(&settings)?, command).await
        }
        Command::User { db, command } => {
            let settings = settings(&db, None, &file_cfg)?;
            let store = open_store(&settings).await?;
            ensure_reference(store.as_ref(), false, &ldp_core::clock::SystemClock).await?;
            let queue = ldp_core::services::jobs::JobQueue::new(store.clone());
            let accounts = ldp_core::services::accounts::Accounts::new(
                store,
                ldp_core::clock::system(),
                mailer(&settings)?,
                queue.clone(),
                account_settings(&settings),
            );
            let jobs = ldp_core::services::jobs::Jobs::new(
                queue,
                ldp_core::clock::system(),
                vec![std::sync::Arc::new(accounts.clone())],
                ldp_core::services::jobs::JobSettings::default(),
            );
            user_cmd::run(&accounts, &jobs, command).await
        }
        Command::Token { db, command } => {
            let settings = settings(&db, None, &file_cfg)?;
            let store = open_store(&settings).await?;
            let tokens = ldp_core::services::tokens::Tokens::new(store.clone(), ldp_core::clock::system());
            let accounts = ldp_core::services::accounts::Accounts::new(
                store.clone(),
                ldp_core::clock::system(),
                mailer(&settings)?,
                ldp_core::services::jobs::JobQueue::new(store),
                account_settings(&settings),
            );
            let actor = partnership_cmd::actor();
            match command {
                TokenCommand::Create { name, user, read_only } => {
                    let owner = accounts
                        .user_by_email(&user)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                        .ok_or_else(|| anyhow::anyhow!("no user {user}; create one with `ldp user add`"))?;
                    let (token, secret) =
                        tokens.create(&actor, &owner, &name, read_only).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!(
                        "token {} ({}) created for {} ({}{}); it is shown only now:\n{secret}",
                        token.id,
                        token.name,
                        owner.email,
                        owner.role,
                        if read_only { ", read-only" } else { "" }
                    );
                }
                TokenCommand::List => {
                    for t in tokens.list(&actor, true).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                        let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                        let owner = t.owner.map_or("-".to_owned(), |o| o.to_string());
                        let scope = if t.read_only { "read" } else { "write" };
                        println!("{}\t{state}\t{scope}\tuser {owner}\t{}\tcreated {}", t.id, t.name, t.created_at);
                    }
                }
                TokenCommand::Revoke { id } => {
                    tokens.revoke(&actor, id).await.map_err(|e| anyhow::anyhow!("token {id}: {e}"))?;
                    println!("token {id} revoked");
                }
            }
            Ok(())
        }
        Command::Import(ImportCommand::Reference { db, force }) => {
            let settings = settings(&db, None, &file_cfg)?;
            let store = open_store(&settings).await?;
            let outcome = ensure_reference(store.as_ref(), force, &ldp_core::clock::SystemClock).await?;
            if let Some(r) = ensure_partnership_seed(store.clone(), &ldp_core::clock::SystemClock).await? {
                println!("sister-city relations loaded: {} created, {} not matched", r.created, r.unmatched());
            }
            match outcome {
                EnsureOutcome::UpToDate => {
                    println!("reference data already up to date (use --force to reload)")
                }
                EnsureOutcome::Loaded(r) => println!(
                    "reference data loaded: {} networks, {} municipalities, {} countries, {} cities, {} goals, {} targets added",
                    r.networks_added,
                    r.municipalities_added,
                    r.countries_added,
                    r.cities_added,
                    r.goals_added,
                    r.targets_added
                ),
            }
            let c = store.reference_counts().await?;
            println!(
                "now stored: {} networks, {} provinces, {} metropolitan + {} provincial + {} district municipalities, \
                 {} countries, {} cities, {} goals, {} targets",
                c.networks,
                c.provinces,
                c.metropolitan,
                c.provincial,
                c.districts,
                c.countries,
                c.cities,
                c.goals,
                c.targets
            );
            Ok(())
        }
    }
}
