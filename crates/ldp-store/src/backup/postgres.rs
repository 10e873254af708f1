//! PostgreSQL through its own tools: `pg_dump --format=custom` for the backup, `pg_restore
//! --single-transaction` for the restore (all or nothing). The password travels in `PGPASSWORD`, never on a
//! command line that `ps` shows.

use std::path::Path;
use tokio::process::Command;

use super::BackupError;

/// The URL without its password, and the password.
fn split_password(url: &str) -> (String, Option<String>) {
    if let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > scheme
    {
        let userinfo = &url[scheme + 3..at];
        if let Some((user, password)) = userinfo.split_once(':') {
            return (format!("{}://{}@{}", &url[..scheme], user, &url[at + 1..]), Some(password.to_owned()));
        }
    }
    (url.to_owned(), None)
}

fn command(tool: &str, url: &str) -> (Command, String) {
    let (url, password) = split_password(url);
    let mut cmd = Command::new(tool);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.stdin(std::process::Stdio::null());
    (cmd, url)
}

async fn run(tool: &'static str, mut cmd: Command) -> Result<(), BackupError> {
    let output = cmd.output().await.map_err(|e| BackupError::Tool {
        tool,
        message: if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "{tool} is not installed: install the PostgreSQL client tools (the same major version as the \
                 server or newer, e.g. `apt-get install postgresql-client`)"
            )
        } else {
            e.to_string()
        },
    })?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(BackupError::Tool { tool, message: format!("{} ({})", stderr.trim(), output.status) })
    }
}

/// Dumps the database at `url` to `dest` in pg_dump's custom format.
pub(super) async fn dump(url: &str, dest: &Path) -> Result<(), BackupError> {
    let (mut cmd, url) = command("pg_dump", url);
    cmd.arg("--format=custom")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--file")
        .arg(dest)
        .arg("--dbname")
        .arg(url);
    run("pg_dump", cmd).await
}

/// Restores `dump` into the (empty) database at `url` in one transaction.
pub(super) async fn restore(url: &str, dump: &Path) -> Result<(), BackupError> {
    let (mut cmd, url) = command("pg_restore", url);
    cmd.arg("--single-transaction")
        .arg("--exit-on-error")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--dbname")
        .arg(url)
        .arg(dump);
    run("pg_restore", cmd).await
}

#[cfg(test)]
mod tests {
    use super::split_password;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://ldp:s3cret@db:5432/ldp"),
            ("postgres://ldp@db:5432/ldp".to_owned(), Some("s3cret".to_owned()))
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1/x"),
            ("postgres://postgres@127.0.0.1/x".to_owned(), None)
        );
    }
}
