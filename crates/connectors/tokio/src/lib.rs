#![doc = include_str!("../README.md")]

mod blocking;
mod per_thread;
mod read;

pub use blocking::{Retry, run_blocking};
pub use per_thread::PerThread;
pub use read::{SqlConnection, fetch_reselected, lookup, read, read_with_related};
