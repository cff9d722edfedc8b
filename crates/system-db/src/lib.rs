#![doc = include_str!("../README.md")]

mod codec;
mod db;
mod error;
mod revocations;
mod services;
mod settings;
mod users;

pub use codec::format_timestamp;
pub use db::{Backend, SystemDb, SystemTx};
pub use error::DbError;
pub use revocations::Revocations;
pub use services::{NewService, ServicePatch, ServiceRow, Services};
pub use settings::Settings;
pub use users::{NewUser, UserPatch, UserRow, Users};
