#![doc = include_str!("../README.md")]

pub mod introspection;
pub mod nested;
pub mod read;
pub mod related;
mod suite;
pub mod values;
pub mod write;

use std::sync::Arc;

use sluice_connector_core::Database;

/// A throwaway database an engine's tests created for one case (a file, a schema or a
/// database of its own, dropped with the value), served by the engine's connector.
pub trait Fixture {
    fn database(&self) -> Arc<Database>;
}

/// A fixture shared between tasks is still the one fixture.
impl<T: Fixture + ?Sized> Fixture for Arc<T> {
    fn database(&self) -> Arc<Database> {
        T::database(self)
    }
}
