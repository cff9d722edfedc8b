//! Packages (`/system/package`, docs/PACKAGES.md): a whole instance, or the chosen part of
//! it, exported as one zip and imported into another in one system-database transaction.
//! The format is DreamFactory's (`package.json` plus `system/{kind}.json`), so its packages
//! import too, as far as Sluice has what they hold.

pub mod archive;
mod content;
pub mod export;
mod files;
pub mod import;
pub mod kinds;
mod records;
pub mod report;
mod services;
pub mod upload;
