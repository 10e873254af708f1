//! `ldp user …`: the first admin of a fresh install, password resets, and the list of users.

use clap::Subcommand;
use std::io::BufRead;

use ldp_core::domain::Lang;
use ldp_core::services::accounts::{Accounts, UserInput};
use ldp_core::services::jobs::Jobs;

use crate::partnership_cmd::actor;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin, prints (and mails) a link where they choose their password.
    Add {
        #[arg(long)]
        email: String,
        /// admin, staff, representative or auditor.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        name: String,
        /// A municipality the representative speaks for (slug, e.g. nilufer); repeat for several.
        #[arg(long = "municipality", value_name = "SLUG")]
        municipalities: Vec<String>,
        /// Read the password from the first line of standard input instead of sending a link.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Reset a user's password. Without --password-stdin, prints (and mails) a single-use reset link.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn explain(e: ldp_core::services::ServiceError) -> anyhow::Error {
    match e {
        ldp_core::services::ServiceError::Invalid(input) => anyhow::anyhow!(
            "refused: {}",
            input.fields.iter().map(|(f, c)| format!("{f}: {c}")).collect::<Vec<_>>().join(", ")
        ),
        ldp_core::services::ServiceError::NotFound => anyhow::anyhow!("no such user"),
        other => anyhow::anyhow!(other),
    }
}

pub async fn run(accounts: &Accounts, jobs: &Jobs, cmd: UserCommand) -> anyhow::Result<()> {
    let actor = actor();
    match cmd {
        UserCommand::Add { email, role, name, municipalities, password_stdin } => {
            let input = UserInput {
                email: Some(email),
                name: Some(name),
                role: Some(role),
                municipalities: Some(municipalities.join(",")),
            };
            if password_stdin {
                let user = accounts.add_user(&actor, &input, &read_password()?).await.map_err(explain)?;
                println!("user {} created ({}); they can sign in now", user.email, user.role);
            } else {
                let user = accounts.invite(&actor, &input, Lang::Tr).await.map_err(explain)?;
                // The invitation mail is queued with the account; send it now rather than wait for a server.
                jobs.run_due().await.map_err(explain)?;
                let link = accounts.invitation_link(&user.email, Lang::Tr).await.map_err(explain)?;
                println!(
                    "user {} created ({}); the invitation mail was queued and tried at once (the workspace \
                     outbox shows whether it went out); they can also choose a password at (valid {} days):\n{link}",
                    user.email,
                    user.role,
                    accounts.settings().invite_lifetime.whole_days()
                );
            }
        }
        UserCommand::ResetPassword { email, password_stdin } => {
            if password_stdin {
                let user = accounts.set_password(&actor, &email, &read_password()?).await.map_err(explain)?;
                println!("password of {} set; their other sessions ended", user.email);
            } else {
                let link = accounts.reset_link(&email, Lang::Tr).await.map_err(explain)?;
                println!(
                    "reset link for {email} (single use, valid {} minutes):\n{link}",
                    accounts.settings().reset_lifetime.whole_minutes()
                );
            }
        }
        UserCommand::List => {
            for u in accounts.users(&actor).await.map_err(explain)? {
                let state = if u.disabled {
                    "disabled"
                } else if u.has_password {
                    "active"
                } else {
                    "invited"
                };
                println!("{}\t{}\t{}\t{state}\t{}", u.id, u.email, u.role, u.name);
            }
        }
    }
    Ok(())
}
