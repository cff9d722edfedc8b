//! Authentication (who is calling) and access decisions (what they may do).

pub mod access;
pub mod caller;
pub mod credentials;
pub mod directory;
pub mod login;
pub mod lookups;
pub mod password;
pub mod principal;
pub mod related;
pub mod sessions;
pub mod snapshot;
pub mod sql_access;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use access::{ServiceAccess, SystemAdmin, authorize_service};
pub use caller::{Caller, Session};
pub use principal::Principal;
