//! What each CLI command does.

use std::io::Write;

use secrecy::ExposeSecret;

use crate::admins::{AdminOutcome, bootstrap_from_env, create_or_reset};
use crate::cli::{AdminCommand, Cli, Command, ServeArgs, ServiceCommand, SystemDbCommand};
use crate::nsqlite::{NsqliteConfig, NsqliteServer};
use crate::settings::{Overrides, Settings};
use crate::startup::Application;
use crate::state::{AppState, migrate_system_db, open_system_db};
use crate::{demo, service_add, system_db_copy, telemetry};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let load = |args: Option<&ServeArgs>| {
        let overrides = args.map_or_else(Overrides::default, |a| Overrides {
            host: a.host.clone(),
            port: a.port,
            workers: a.workers,
        });
        Settings::load(
            cli.config.as_deref(),
            &cli.data_dir,
            env.clone(),
            &overrides,
        )
    };
    match &cli.command {
        Command::Serve(args) => {
            let settings = load(Some(args))?;
            settings.check_sqlite_roots()?;
            let _log = telemetry::init(&settings.log)?;
            let state = AppState::init(settings).await?;
            bootstrap_from_env(&state.db, &env, state.settings.auth.password_min_length).await?;
            let notes = startup_notes(&state, &cli).await?;
            let app = Application::serve(state).await?;
            announce(&format!("listening on {}", app.url()));
            announce(&notes);
            app.run_until_stopped().await?;
        }
        Command::Demo(args) => {
            let settings = load(Some(args))?;
            settings.check_sqlite_roots()?;
            let _log = telemetry::init(&settings.log)?;
            demo::ensure_database(&settings.data_dir).await?;
            let state = AppState::init(settings).await?;
            let access = demo::ensure_service_and_admin(&state).await?;
            let app = Application::serve(state).await?;
            announce(&format!("listening on {}", app.url()));
            announce(&demo::banner(&app.url(), &access));
            app.run_until_stopped().await?;
        }
        Command::Openapi { out } => crate::openapi::write(out).await?,
        Command::Migrate => {
            let settings = load(None)?;
            let _log = telemetry::init(&settings.log)?;
            std::fs::create_dir_all(&settings.data_dir)?;
            let (_, applied) = migrate_system_db(&settings).await?;
            if applied.is_empty() {
                announce("system database is already up to date");
            }
            for migration in applied {
                announce(&format!("applied migration {migration}"));
            }
        }
        Command::Service {
            action: ServiceCommand::Add { name, path, label },
        } => {
            let settings = load(None)?;
            settings.check_sqlite_roots()?;
            let _log = telemetry::init(&settings.log)?;
            let added =
                service_add::add_sqlite_service(&settings, name, path, label.as_deref()).await?;
            announce(&added.report());
        }
        Command::Admin {
            action:
                AdminCommand::Create {
                    email,
                    password,
                    name,
                },
        } => {
            let settings = load(None)?;
            let _log = telemetry::init(&settings.log)?;
            std::fs::create_dir_all(&settings.data_dir)?;
            let db = open_system_db(&settings).await?;
            let min = settings.auth.password_min_length;
            match create_or_reset(&db, email, password, name.as_deref(), min).await? {
                AdminOutcome::Created(id) => {
                    announce(&format!("administrator {email} created (id {id})"))
                }
                AdminOutcome::Reset(id) => {
                    announce(&format!("administrator {email} updated (id {id})"))
                }
            }
        }
        Command::Nsqlite(args) => {
            let settings = load(None)?;
            let _log = telemetry::init(&settings.log)?;
            let config = NsqliteConfig::from_env(
                args.database.clone(),
                args.host.clone(),
                args.port,
                &env,
                settings.sqlite_options(),
            )?;
            let server = NsqliteServer::start(config).await?;
            announce(&format!("listening on {}", server.url()));
            server.run_until_stopped().await?;
        }
        Command::SystemDb {
            action: SystemDbCommand::Copy { to },
        } => {
            let settings = load(None)?;
            let _log = telemetry::init(&settings.log)?;
            let report = system_db_copy::copy_system_db(&settings, to.expose_secret()).await?;
            announce(&report);
        }
    }
    Ok(())
}

/// What `serve` prints after its `listening on` line: the data directory and system database
/// it uses, and how to create an administrator when none can use the system API yet.
async fn startup_notes(state: &AppState, cli: &Cli) -> anyhow::Result<String> {
    let data_dir = state.settings.data_dir.canonicalize()?;
    let system_db = match &state.system_db_file {
        Some(file) => file.display().to_string(),
        None => without_password(&state.settings.system_db_url()),
    };
    let mut notes = format!(
        "data directory:  {}\nsystem database: {system_db}",
        data_dir.display()
    );
    if state.db.users().count_unrestricted_admins().await? == 0 {
        let config = cli
            .config
            .as_ref()
            .map(|file| format!(" --config {}", file.display()))
            .unwrap_or_default();
        notes.push_str(&format!(
            "\nno administrator can sign in yet: create one with\n  \
             sluice{config} --data-dir {} admin create --email you@example.com --password \
             'at least {} characters'\n\
             or start serve with SLUICE_ADMIN_EMAIL and SLUICE_ADMIN_PASSWORD set",
            data_dir.display(),
            state.settings.auth.password_min_length,
        ));
    }
    Ok(notes)
}

/// A database URL without the password of its user info (`postgres://u:secret@h/db` ->
/// `postgres://u@h/db`).
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            format!("{scheme}://{user}@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// Prints a line for people and scripts on stdout, flushed at once (scripts wait for it).
fn announce(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn database_urls_are_shown_without_their_password() {
        assert_eq!(
            without_password("postgres://sluice:s3cret@db.internal:5432/system"),
            "postgres://sluice@db.internal:5432/system"
        );
        assert_eq!(
            without_password("postgres://db.internal/system"),
            "postgres://db.internal/system"
        );
        assert_eq!(without_password("sqlite::memory:"), "sqlite::memory:");
    }
}
