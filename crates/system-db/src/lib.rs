#![doc = include_str!("../README.md")]

mod apps;
mod codec;
mod copy;
mod db;
mod error;
mod lookups;
mod repositories;
mod revocations;
mod role_access;
mod roles;
mod services;
mod settings;
mod storage;
mod token_map;
mod user_app_roles;
mod user_custom;
mod user_row;
mod users;

pub use apps::{AppPatch, AppRow, Apps, NewApp};
pub use copy::{CopyError, CopyReport, DATA_TABLES, NODE_TABLES, copy_into};
pub use db::{Backend, SystemDb, SystemTx};
pub use error::DbError;
pub use lookups::{LookupPatch, LookupRow, Lookups, NewLookup};
pub use revocations::Revocations;
pub use role_access::{NewRoleAccess, RoleAccessPatch, RoleAccessRow};
pub use roles::{NewRole, RolePatch, RoleRow, Roles};
pub use services::{NewService, ServicePatch, ServiceRow, Services};
pub use settings::Settings;
pub use storage::StorageFault;
pub use token_map::{LiveToken, TokenMap};
pub use user_app_roles::{UserAppRoleRow, UserAppRoles};
pub use user_custom::{UserCustom, UserCustomRow};
pub use user_row::UserRow;
pub use users::{NewUser, UserPatch, Users};
