//! Authentication (who is calling) and access decisions (what they may do).

pub mod access;
pub mod caller;
pub mod credentials;
pub mod password;
pub mod tokens;
pub mod users;

pub use access::{SystemAdmin, authorize_service};
pub use caller::{Caller, Session};
