//! Black-box HTTP tests: each test spawns its own Sluice on port 0 over a temp data dir.

mod access;
mod api_docs;
mod auth;
mod errors;
mod related_read;
mod related_write;
mod row_security;
mod schema_alter;
mod schema_read;
mod schema_write;
mod system_services;
mod system_users;
mod table_filters;
mod table_read;
mod table_write;
mod user_service;
mod write_access;
mod write_batches;
mod write_delete;
mod write_errors;
mod write_faults;
mod write_options;
mod write_shapes;
mod write_support;
mod write_upsert;
mod write_values;
