use clap::Parser;
use sluice_gateway::cli::Cli;

/// jemalloc, built to hand freed pages back to the system at once
/// (`dirty_decay_ms:0,muzzy_decay_ms:0`, with one arena: `.cargo/config.toml`): with glibc's
/// malloc each thread that served a burst (a 1,000-record POST, a page cache filling) kept
/// its peak in its own arena, and peak RSS under the benchmark was 69-82 MiB against 61 MiB
/// (docs/PERFORMANCE.md). It serves C's `malloc` too (SQLite's), unprefixed (`Cargo.toml`).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sluice: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(sluice_gateway::run::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sluice: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
