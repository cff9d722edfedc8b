#![doc = include_str!("../README.md")]

pub mod check;
mod common;
mod downgrade;
mod files;
mod merge;
mod schema;
mod script;
mod service;
mod system;
mod table;

pub use files::file_service_document;
pub use merge::combined_document;
pub use script::script_service_document;
pub use service::{DocumentAccess, ServiceInfo, Unrestricted, service_document};
pub use system::system_document;

#[cfg(test)]
mod tests;

/// The OpenAPI version of every document built here.
pub const OPENAPI_VERSION: &str = "3.0.3";

/// The verbs a caller may use on one component (`_table`, `_table/{name}`): decides which
/// operations a document shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verbs {
    pub get: bool,
    pub post: bool,
    pub put: bool,
    pub patch: bool,
    pub delete: bool,
}

impl Verbs {
    pub const ALL: Self = Self {
        get: true,
        post: true,
        put: true,
        patch: true,
        delete: true,
    };
    pub const READ_ONLY: Self = Self {
        get: true,
        post: false,
        put: false,
        patch: false,
        delete: false,
    };
    pub const NONE: Self = Self {
        get: false,
        post: false,
        put: false,
        patch: false,
        delete: false,
    };

    /// The verbs either allows.
    pub fn union(self, other: Self) -> Self {
        Self {
            get: self.get || other.get,
            post: self.post || other.post,
            put: self.put || other.put,
            patch: self.patch || other.patch,
            delete: self.delete || other.delete,
        }
    }

    pub fn is_empty(self) -> bool {
        self == Self::NONE
    }

    /// The allowed verbs as lower-case OpenAPI operation keys, in document order.
    pub fn operations(self) -> impl Iterator<Item = &'static str> {
        [
            (self.get, "get"),
            (self.post, "post"),
            (self.put, "put"),
            (self.patch, "patch"),
            (self.delete, "delete"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
    }
}
