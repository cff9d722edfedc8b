#![doc = include_str!("../README.md")]

mod blocking;
mod read;

pub use blocking::{Retry, run_blocking};
pub use read::{SqlConnection, fetch_reselected, lookup, read, read_with_related};
