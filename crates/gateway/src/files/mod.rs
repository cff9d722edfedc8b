//! File services and hosted apps (README "File services and hosted apps", docs/FILES.md):
//! the `local_file` service type with DreamFactory's file API under `/api/v2/{service}`, the
//! web apps and public folders served from such services at `/{service}/{path}`, and the
//! `files` and `logs` services a new instance gets.

pub mod apps;
pub mod config;
mod copy;
pub mod handlers;
mod multipart;
pub(crate) mod ops;
pub mod paths;
pub mod seed;
mod send;
pub mod settings;
pub mod trailing;
mod unzip;
mod zip_folder;

pub use config::{LOCAL_FILE, LocalFileConfig};
pub use handlers::FileStore;
