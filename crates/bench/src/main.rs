#![doc = include_str!("../README.md")]

mod cli;
mod cluster;
mod cluster_report;
mod engines;
mod floor;
mod haproxy;
mod load;
mod machine;
mod measure;
mod postgres;
mod process;
mod propagation;
mod query_plan;
mod report;
mod run;
mod same_rows;
mod scenarios;
mod setup;
mod soul;
mod soul_report;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Some(Command::Floor { db, workers, pool }) => {
            floor::serve(db, workers, pool).map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Cluster(args)) => cluster::run(args),
        Some(Command::Engines(args)) => engines::run(args),
        Some(Command::EngineFloor {
            engine,
            url,
            workers,
            pool,
        }) => engines::floor::serve(engine, &url, workers, pool).map(|()| ExitCode::SUCCESS),
        None => run::run(cli.run),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("sluice-bench: {error:#}");
        ExitCode::FAILURE
    })
}
