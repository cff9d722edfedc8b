//! Multi-node tests: two gateway nodes sharing one system database, behind a load balancer.
//! `.ci/cluster-test` runs them against the real topology (separate `sluice` processes,
//! haproxy); `cargo test --workspace` against two in-process nodes per test (see
//! `harness.rs`).

mod basics;
mod cors;
mod data_cache;
mod default_apps;
mod harness;
mod limits;
mod outage;
mod propagation;
mod scripts;
mod system_db_copy;
