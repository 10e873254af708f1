//! `ldp partnership …` and `ldp import partnerships`: the write paths of the sister-city registry on the
//! command line. The web forms (with accounts) call the same services.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

use ldp_core::domain::partnership::{PartnershipId, RawEvidence, Stage};
use ldp_core::services::ServiceError;
use ldp_core::services::import::{ImportReport, import_partnerships};
use ldp_core::services::partnerships::{ActivityInput, NewPartnershipInput, Partnerships};
use ldp_core::store::Store;

#[derive(Subcommand)]
pub enum PartnershipCommand {
    /// Propose a new partnership between a member and a partner (a GeoNames city or another member).
    Create(CreateArgs),
    /// Show a partnership with its trail, activities and documents.
    Show { id: i64 },
    /// Record the municipal council's decision (number and date).
    CouncilDecision {
        id: i64,
        #[arg(long)]
        number: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
    },
    /// Record the ministry's prior permission (Law 5393 art. 74).
    Permission {
        id: i64,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        #[arg(long)]
        reference: String,
        /// Defaults to the configured permission authority.
        #[arg(long)]
        authority: Option<String>,
    },
    /// Record that the Ministry of Foreign Affairs was informed (Law 1173).
    MfaInformed {
        id: i64,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
    },
    /// Record the signed protocol.
    Sign {
        id: i64,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        #[arg(long)]
        place: String,
        #[arg(long)]
        signatories: String,
    },
    /// Mark a signed partnership active.
    Activate {
        id: i64,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
    },
    /// End a partnership by council decision.
    Terminate {
        id: i64,
        #[arg(long)]
        number: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        #[arg(long)]
        reason: String,
    },
    /// Log a joint activity.
    Activity {
        id: i64,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        #[arg(long)]
        title_tr: Option<String>,
        #[arg(long)]
        title_en: Option<String>,
        /// visit, delegation, event, project, exchange, meeting or other.
        #[arg(long)]
        kind: Option<String>,
        /// Comma-separated SDG numbers, e.g. 11,13.
        #[arg(long)]
        sdgs: Option<String>,
    },
    /// Attach a PDF or image (council decision, ministry permission, signed protocol, other).
    Attach {
        id: i64,
        file: PathBuf,
        /// council_decision, ministry_permission, signed_protocol or other.
        #[arg(long = "type")]
        kind: String,
    },
}

#[derive(Args)]
pub struct CreateArgs {
    /// The member's slug, e.g. istanbul or bursa-nilufer.
    #[arg(long)]
    municipality: String,
    /// The partner city's GeoNames id (see /api/v1/cities?q=…).
    #[arg(long, conflicts_with = "partner_municipality")]
    city: Option<String>,
    /// A member partner's slug.
    #[arg(long)]
    partner_municipality: Option<String>,
    /// sister_city, friendship or cooperation.
    #[arg(long, default_value = "sister_city")]
    kind: String,
    /// Contacts with foreign missions were involved (the MFA must then be informed before signing).
    #[arg(long)]
    foreign_missions: bool,
    /// Comma-separated themes (culture, education, economy, tourism, environment, climate, …).
    #[arg(long)]
    themes: Option<String>,
    /// Comma-separated SDG numbers.
    #[arg(long)]
    sdgs: Option<String>,
    #[arg(long)]
    notes_tr: Option<String>,
    #[arg(long)]
    notes_en: Option<String>,
    /// Defaults to today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    proposed_on: Option<String>,
}

/// Explains a service error to a person at a terminal.
fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(input) if input.fields.get("file").is_some_and(|c| c == "not_twin_city_format") => {
            anyhow::anyhow!(
                "not a twin-city list: the first line must name the columns {}; nothing was loaded",
                ldp_core::services::import::PAIR_COLUMNS.join(",")
            )
        }
        ServiceError::Invalid(input) => {
            let fields: Vec<String> = input.fields.iter().map(|(f, c)| format!("  {f}: {c}")).collect();
            anyhow::anyhow!("invalid input:\n{}", fields.join("\n"))
        }
        ServiceError::Refused(r) => match r.missing {
            Some(step) => anyhow::anyhow!("refused ({}): record `{}` first", r.code, step),
            None => anyhow::anyhow!("refused: {}", r.code),
        },
        ServiceError::NotFound => anyhow::anyhow!("no such partnership"),
        other => anyhow::anyhow!(other),
    }
}

/// The command line acts with every right: whoever runs it already holds the server.
pub fn actor() -> ldp_core::domain::Actor {
    ldp_core::domain::Actor::system(&format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into())))
}

pub async fn run(
    service: &Partnerships,
    uploads: &dyn ldp_core::services::documents::Uploads,
    cmd: PartnershipCommand,
) -> anyhow::Result<()> {
    let ev = |date: String| RawEvidence { date: Some(date), ..RawEvidence::default() };
    let (id, stage, raw) = match cmd {
        PartnershipCommand::Create(a) => {
            let input = NewPartnershipInput {
                municipality: Some(a.municipality),
                partner_city: a.city,
                partner_municipality: a.partner_municipality,
                kind: Some(a.kind),
                foreign_missions: Some(a.foreign_missions),
                themes: a.themes,
                sdgs: a.sdgs,
                notes_tr: a.notes_tr,
                notes_en: a.notes_en,
                proposed_on: a.proposed_on,
            };
            let id = service.create(&input, &actor()).await.map_err(explain)?;
            println!("created partnership {id} (proposed)");
            return Ok(());
        }
        PartnershipCommand::Show { id } => {
            let detail = service.get(PartnershipId(id)).await.map_err(explain)?;
            println!("{}", serde_json::to_string_pretty(&detail)?);
            return Ok(());
        }
        PartnershipCommand::Activity { id, date, title_tr, title_en, kind, sdgs } => {
            let input = ActivityInput { date: Some(date), title_tr, title_en, kind, sdgs };
            let a = service.add_activity(PartnershipId(id), &input, &actor()).await.map_err(explain)?;
            println!("logged activity {a} on partnership {id}");
            return Ok(());
        }
        PartnershipCommand::Attach { id, file, kind } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("document").to_owned();
            let d = service
                .attach(uploads, PartnershipId(id), Some(&kind), &name, bytes, &actor())
                .await
                .map_err(explain)?;
            println!("attached document {d} to partnership {id}");
            return Ok(());
        }
        PartnershipCommand::CouncilDecision { id, number, date } => {
            (id, Stage::CouncilApproved, RawEvidence { number: Some(number), ..ev(date) })
        }
        PartnershipCommand::Permission { id, date, reference, authority } => {
            (id, Stage::Permitted, RawEvidence { reference: Some(reference), authority, ..ev(date) })
        }
        PartnershipCommand::MfaInformed { id, date } => (id, Stage::MfaInformed, ev(date)),
        PartnershipCommand::Sign { id, date, place, signatories } => {
            (id, Stage::Signed, RawEvidence { place: Some(place), signatories: Some(signatories), ..ev(date) })
        }
        PartnershipCommand::Activate { id, date } => (id, Stage::Active, ev(date)),
        PartnershipCommand::Terminate { id, number, date, reason } => {
            (id, Stage::Terminated, RawEvidence { number: Some(number), reason: Some(reason), ..ev(date) })
        }
    };
    let stage = service.record(PartnershipId(id), stage, &raw, &actor()).await.map_err(explain)?;
    println!("partnership {id} is now {stage}");
    if stage.is_ended() {
        // An ended relation leaves the compliance follow-up; what it lacked stays in its record.
        let missing = service.get(PartnershipId(id)).await.map_err(explain)?.missing;
        if !missing.is_empty() {
            let steps: Vec<&str> = missing.iter().map(|m| m.stage.as_str()).collect();
            println!("ended with these steps not recorded (kept in its record and audit entry): {}", steps.join(", "));
        }
    }
    Ok(())
}

/// `ldp import partnerships FILE`: streams the file, prints progress, writes the unmatched report.
pub async fn import(store: Arc<dyn Store>, file: PathBuf, report_path: Option<PathBuf>) -> anyhow::Result<()> {
    let reader =
        std::io::BufReader::new(std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?);
    let source = format!("import of {}", file.file_name().and_then(|n| n.to_str()).unwrap_or("file"));
    let report = import_partnerships(store, reader, &source, &actor(), &ldp_core::clock::SystemClock, |rows| {
        eprintln!("… {rows} rows read");
    })
    .await
    .map_err(explain)?;
    let report_path = report_path.unwrap_or_else(|| file.with_extension("unmatched.csv"));
    write_report(&report, &report_path)?;
    println!(
        "{} rows: {} partnerships created ({} with a partner place made from its row, {} with a member point known \
         to be wrong in the list), {} partner places made from the list, {} already present, {} rows involving a \
         member could not be matched, {} rows without a member side; report: {}",
        report.rows,
        report.created,
        report.created_with_source_place,
        report.member_point_ignored,
        report.places_created,
        report.existing,
        report.unmatched(),
        report.skipped.len() - report.unmatched(),
        report_path.display()
    );
    Ok(())
}

fn write_report(report: &ImportReport, path: &std::path::Path) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
    out.write_record(["line", "city1", "country1", "city2", "country2", "reason"])?;
    for s in &report.skipped {
        let line = s.line.to_string();
        out.write_record([line.as_str(), &s.city1, &s.country1, &s.city2, &s.country2, s.reason.as_str()])?;
    }
    out.flush()?;
    if report.rows == 0 {
        bail!("the file has no rows");
    }
    Ok(())
}
