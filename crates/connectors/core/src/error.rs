/// Everything a connector can fail with. Messages in `BadRequest` are client-facing and
/// use DreamFactory's wording; they never contain SQL, driver messages or file paths.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// 400 with DreamFactory's message, e.g. `Invalid field requested: x`.
    #[error("{message}")]
    BadRequest {
        message: String,
        /// Optional structured detail (e.g. the filter span `{"start":3,"end":7}`).
        context: Option<serde_json::Value>,
    },
    /// 404 `Table "x" does not exist in the database.`
    #[error("Table \"{0}\" does not exist in the database.")]
    TableNotFound(String),
    /// 404 `Record with identifier 'x' not found.`
    #[error("Record with identifier '{0}' not found.")]
    RecordNotFound(String),
    /// 403 with DreamFactory's message, e.g. `Denied access to some of the requested
    /// fields.` when a write would leave a record outside the role's row filter.
    #[error("{0}")]
    Forbidden(String),
    /// 400 / code 1000 batch error (`ids` reads without `continue`); `context` is DF's shape.
    #[error("{message}")]
    Batch {
        message: String,
        context: serde_json::Value,
    },
    /// 501 with DreamFactory's message, e.g. `Relating records with multi-column foreign keys
    /// is not currently supported.`
    #[error("{0}")]
    NotImplemented(String),
    /// 500 `Invalid server-side filter configuration detected.` (DreamFactory's wording): the
    /// role's row filter names a column the table does not have, holds a value that cannot
    /// have its column's type, or uses a `:param`. `reason` is for the server log only and
    /// must not reach the client; the read fails closed (no rows).
    #[error("Invalid server-side filter configuration detected.")]
    ServerFilter { reason: String },
    /// Database busy or locked past the timeout, statement time limit hit, pool exhausted:
    /// 503 with `Retry-After`.
    #[error("database busy")]
    Busy,
    /// Disk full: 507.
    #[error("database full")]
    Full,
    /// Corrupt, unreadable or missing database: 503, the service is unhealthy.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: logged in full by the gateway, opaque 500 to the client.
    #[error("internal connector error: {0}")]
    Internal(String),
}

impl ConnectorError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            context: None,
        }
    }
}
