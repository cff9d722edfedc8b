//! What each CLI command does.

use std::io::Write;

use crate::admins::{AdminOutcome, bootstrap_from_env, create_or_reset};
use crate::cli::{AdminCommand, Cli, Command, ServeArgs};
use crate::settings::{Overrides, Settings};
use crate::startup::Application;
use crate::state::{AppState, open_system_db};
use crate::{demo, telemetry};

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
            telemetry::init(&settings.log);
            let state = AppState::init(settings).await?;
            bootstrap_from_env(&state.db, &env, state.settings.auth.password_min_length).await?;
            let app = Application::serve(state)?;
            announce(&format!("listening on {}", app.url()));
            app.run_until_stopped().await?;
        }
        Command::Demo(args) => {
            let settings = load(Some(args))?;
            telemetry::init(&settings.log);
            demo::ensure_database(&settings.data_dir).await?;
            let state = AppState::init(settings).await?;
            let access = demo::ensure_service_and_admin(&state).await?;
            let app = Application::serve(state)?;
            announce(&format!("listening on {}", app.url()));
            announce(&demo::banner(&app.url(), &access));
            app.run_until_stopped().await?;
        }
        Command::Openapi { out } => crate::openapi::write(out).await?,
        Command::Migrate => {
            let settings = load(None)?;
            telemetry::init(&settings.log);
            std::fs::create_dir_all(&settings.data_dir)?;
            open_system_db(&settings).await?;
            announce("system database is up to date");
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
            telemetry::init(&settings.log);
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
    }
    Ok(())
}

/// Prints a line for people and scripts on stdout, flushed at once (scripts wait for it).
fn announce(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
