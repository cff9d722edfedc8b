//! Core's related loading and writer are synchronous: they run on a blocking thread, which
//! awaits each statement with the runtime's handle.

use sluice_connector_core::ConnectorError;
use tokio::runtime::Handle;

/// Runs `job` on a blocking thread of the current runtime (never on one of its async
/// workers), handing it the runtime's handle to await statements with `Handle::block_on`.
///
/// # Errors
///
/// `ConnectorError::Internal` ("`what` was stopped") when the job panicked or the runtime
/// is shutting down; the job's own result otherwise, as it returned it.
pub async fn run_blocking<T, F>(what: &'static str, job: F) -> Result<T, ConnectorError>
where
    F: FnOnce(&Handle) -> T + Send + 'static,
    T: Send + 'static,
{
    let handle = Handle::current();
    tokio::task::spawn_blocking(move || job(&handle))
        .await
        .map_err(|_| ConnectorError::Internal(format!("{what} was stopped")))
}

/// Why a write failed: `Again` when running it once more at once may succeed because
/// nothing of it was committed (its transaction never began), `Failed` otherwise.
pub enum Retry {
    Again(ConnectorError),
    Failed(ConnectorError),
}

impl Retry {
    pub fn into_error(self) -> ConnectorError {
        match self {
            Self::Again(error) | Self::Failed(error) => error,
        }
    }
}
