//! System-resource helpers shared by the `/system` routes: in-memory listing and filtering,
//! body fields, and the common CRUD behaviour of model-backed resources.

pub mod custom_values;
pub mod fields;
pub mod listing;
pub mod matcher;
pub mod resource;
pub mod resource_doc;
