//! Black-box HTTP tests: each test spawns its own Sluice on port 0 over a temp data dir.

mod access;
mod auth;
mod errors;
mod related_read;
mod related_write;
mod row_security;
mod system_services;
mod system_users;
mod table_filters;
mod table_read;
mod table_write;
mod user_service;
