//! `sluice system-db copy --to postgres://...`: this node's system database into an empty
//! PostgreSQL one that several nodes can share. crates/system-db does the copying; this
//! checks what the operator asked for and says what happened, never with the URL's password.

use anyhow::Context;
use secrecy::ExposeSecret;
use sluice_system_db::{CopyReport, SystemDb, copy_into};

use crate::run::without_password;
use crate::settings::Settings;
use crate::state::open_system_db;

/// Copies the system database `settings` name into the PostgreSQL database at `to`, and
/// returns the report for the operator.
///
/// # Errors
///
/// Messages for the person at the terminal: `to` is not PostgreSQL, there is no system
/// database where the settings point, either database cannot be reached, or the target is
/// not empty (nothing is written then).
pub async fn copy_system_db(settings: &Settings, to: &str) -> anyhow::Result<String> {
    let shown = without_password(to);
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        anyhow::bail!(
            "--to must be a PostgreSQL URL, postgres://user:password@host:port/dbname; \
             {shown} is not one"
        );
    }
    let embedded = settings.data_dir.join("system.sqlite");
    if settings.system_db.url.expose_secret().is_empty() && !embedded.is_file() {
        anyhow::bail!(
            "there is no system database at {}: pass the --data-dir (and --config) the node \
             runs with",
            embedded.display()
        );
    }
    let source = open_system_db(settings).await?;
    let target = SystemDb::connect(to)
        .await
        .with_context(|| format!("cannot connect to the target database {shown}"))?;
    let copied = copy_into(&source, &target).await;
    target.close().await;
    source.close().await;
    let report = copied.with_context(|| format!("nothing was copied to {shown}"))?;
    Ok(describe(&shown, &report))
}

fn describe(shown: &str, report: &CopyReport) -> String {
    let mut text = format!("copied the system database into {shown}:\n");
    for (table, rows) in &report.tables {
        let noun = if *rows == 1 { "row" } else { "rows" };
        text.push_str(&format!("  {table:<20} {rows:>7} {noun}\n"));
    }
    text.push_str(
        "next: start every node with system_db.url (SLUICE__SYSTEM_DB__URL) set to this \
         database and one auth.jwt_secret for all of them; to keep today's sessions signed \
         in, use the secret this node signs with (auth.jwt_secret, or the jwt_secret file \
         in its data directory)",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_target_without_its_password() {
        let report = CopyReport {
            tables: vec![("user".into(), 1), ("service".into(), 12)],
        };

        let text = describe(
            &without_password("postgres://sluice:hunter2@db:5432/sluice"),
            &report,
        );

        assert_eq!(
            text.lines().take(3).collect::<Vec<_>>(),
            [
                "copied the system database into postgres://sluice@db:5432/sluice:",
                "  user                       1 row",
                "  service                   12 rows",
            ]
        );
        assert!(!text.contains("hunter2"));
    }
}
