//! `ldp import calls FILE.json`: the Funding & Tenders Portal's search JSON through the funding service.

use std::path::Path;

use anyhow::Context;
use ldp_core::services::ServiceError;
use ldp_core::services::funding::Funding;

/// Imports the file and prints what was loaded, updated, unchanged and skipped (with the reason).
pub async fn import(service: &Funding, file: &Path) -> anyhow::Result<()> {
    let report = match service.import_portal(&crate::partnership_cmd::actor(), file).await {
        Ok(r) => r,
        Err(ServiceError::Invalid(input)) => {
            let why = input.fields.values().cloned().collect::<Vec<_>>().join("; ");
            anyhow::bail!("{}: {why}; nothing was loaded", file.display());
        }
        Err(e) => return Err(anyhow::anyhow!(e)).with_context(|| format!("importing {}", file.display())),
    };
    for (n, id, why) in &report.skipped {
        let id = if id.is_empty() { "(no identifier)" } else { id.as_str() };
        println!("skipped result {n} {id}: {why}");
    }
    println!(
        "{} calls loaded, {} updated, {} unchanged, {} skipped (the file states {} results in all)",
        report.loaded,
        report.updated,
        report.unchanged,
        report.skipped.len(),
        report.total_results
    );
    Ok(())
}
