//! System-resource helpers shared by the `/system` routes: in-memory listing and filtering.

pub mod listing;
pub mod matcher;
