//! One error type for every response that is not a success, serialised in DreamFactory's
//! envelope `{"error":{"code","context","message","status_code"}}`.
//!
//! Client errors carry DreamFactory's wording. Server errors are opaque: the client gets a
//! generic sentence with the request id, the cause is logged once here, at the boundary.

use std::borrow::Cow;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};
use sluice_connector_core::ConnectorError;

/// DreamFactory's code for batch errors (400 status).
pub const BATCH_ERROR_CODE: u16 = 1000;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub message: Cow<'static, str>,
    pub context: Value,
    retry_after_seconds: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            code: status.as_u16().into(),
            message: message.into(),
            context: Value::Null,
            retry_after_seconds: None,
        }
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn not_implemented(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, message)
    }

    pub fn too_many_requests(message: impl Into<Cow<'static, str>>, retry_after: u32) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, message).with_retry_after(retry_after)
    }

    /// 503 with `Retry-After`: the database is busy or locked, or the pool is exhausted.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message).with_retry_after(1)
    }

    /// 500 for anything unexpected. `cause` is logged here, once, and never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed with an internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An internal error occurred. Quote the x-request-id response header when reporting it.",
        )
    }

    pub fn with_context(mut self, context: Value) -> Self {
        self.context = context;
        self
    }

    pub fn with_code(mut self, code: u32) -> Self {
        self.code = code;
        self
    }

    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    pub fn body(&self) -> Value {
        json!({
            "error": {
                "code": self.code,
                "context": self.context,
                "message": self.message,
                "status_code": self.status.as_u16(),
            }
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(self.body())
    }
}

/// DreamFactory's answer when a role's row filter cannot be used.
pub const MSG_BAD_SERVER_FILTER: &str = "Invalid server-side filter configuration detected.";

impl From<ConnectorError> for ApiError {
    fn from(error: ConnectorError) -> Self {
        match error {
            ConnectorError::BadRequest { message, context } => {
                Self::bad_request(message).with_context(context.unwrap_or(Value::Null))
            }
            ConnectorError::TableNotFound(_) | ConnectorError::RecordNotFound(_) => {
                Self::not_found(error.to_string())
            }
            ConnectorError::Batch { message, context } => Self::bad_request(message)
                .with_code(BATCH_ERROR_CODE.into())
                .with_context(context),
            ConnectorError::Busy => Self::unavailable(
                "The database is busy. Retry the request after the time in Retry-After.",
            ),
            ConnectorError::Full => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "The database is full. No changes were made.",
            ),
            ConnectorError::Unavailable(cause) => {
                tracing::error!(error = %cause, "service database unavailable");
                Self::unavailable("The service's database is unavailable.")
            }
            ConnectorError::ServerFilter { reason } => {
                tracing::warn!(%reason, "unusable role row filter");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, MSG_BAD_SERVER_FILTER)
            }
            ConnectorError::Forbidden(message) => Self::forbidden(message),
            ConnectorError::NotImplemented(message) => Self::not_implemented(message),
            ConnectorError::Internal(cause) => Self::internal(cause),
        }
    }
}

/// The answer (503, with `Retry-After`) while the system database cannot be used.
pub const MSG_SYSTEM_DB_UNAVAILABLE: &str = "The system database is unavailable.";

/// A load shared by concurrent callers (a cache's) failed: each of them gets the answer.
impl From<std::sync::Arc<sluice_system_db::DbError>> for ApiError {
    fn from(error: std::sync::Arc<sluice_system_db::DbError>) -> Self {
        match std::sync::Arc::try_unwrap(error) {
            Ok(error) => Self::from(error),
            Err(shared) => match *shared {
                sluice_system_db::DbError::Unavailable(_)
                | sluice_system_db::DbError::Storage(_) => {
                    Self::unavailable(MSG_SYSTEM_DB_UNAVAILABLE)
                }
                _ => Self::internal(shared),
            },
        }
    }
}

impl From<sluice_system_db::DbError> for ApiError {
    fn from(error: sluice_system_db::DbError) -> Self {
        match error {
            sluice_system_db::DbError::Unavailable(cause) => {
                tracing::error!(error = %cause, "system database unavailable");
                Self::unavailable(MSG_SYSTEM_DB_UNAVAILABLE)
            }
            // The file was deleted, replaced or made read-only: refused, never acknowledged
            // (the change is logged once by the system database's file watch).
            sluice_system_db::DbError::Storage(fault) => {
                tracing::debug!(%fault, "system database call refused");
                Self::unavailable(MSG_SYSTEM_DB_UNAVAILABLE)
            }
            // Callers that know which field was meant map these themselves; these are the
            // fallbacks, still 4xx: a client's write should never become a 500.
            sluice_system_db::DbError::Conflict { field } => {
                let message = format!("The {field} has already been taken.");
                Self::bad_request(format!("Invalid data supplied. {message}"))
                    .with_context(serde_json::json!({ field: [message] }))
            }
            sluice_system_db::DbError::InvalidReference => {
                Self::bad_request("Invalid data supplied. A referenced record does not exist.")
            }
            sluice_system_db::DbError::ConstraintViolation => {
                Self::bad_request("Invalid data supplied. A value is not allowed.")
            }
            sluice_system_db::DbError::NotFound => Self::not_found("Record not found."),
            other => Self::internal(format!("{other}: {:?}", std::error::Error::source(&other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connector_error_maps_to_its_status() {
        let cases = [
            (ConnectorError::bad_request("x"), 400),
            (ConnectorError::TableNotFound("t".into()), 404),
            (ConnectorError::RecordNotFound("1".into()), 404),
            (
                ConnectorError::Batch {
                    message: "b".into(),
                    context: Value::Null,
                },
                400,
            ),
            (ConnectorError::Forbidden("f".into()), 403),
            (ConnectorError::NotImplemented("n".into()), 501),
            (ConnectorError::Busy, 503),
            (ConnectorError::Full, 507),
            (ConnectorError::Unavailable("gone".into()), 503),
            (ConnectorError::Internal("boom".into()), 500),
        ];
        for (error, status) in cases {
            assert_eq!(ApiError::from(error).status.as_u16(), status);
        }
    }

    #[test]
    fn table_not_found_message_is_not_html_escaped() {
        let error = ApiError::from(ConnectorError::TableNotFound("x".into()));
        assert_eq!(
            error.body(),
            json!({"error":{"code":404,"context":null,
                "message":"Table \"x\" does not exist in the database.","status_code":404}})
        );
    }

    #[test]
    fn internal_errors_never_carry_the_cause() {
        let error = ApiError::internal("SELECT secret FROM /etc/passwd");
        assert!(!error.message.contains("SELECT"));
        assert_eq!(error.status.as_u16(), 500);
    }

    #[test]
    fn a_system_database_storage_fault_is_503_with_retry_after() {
        for fault in [
            sluice_system_db::StorageFault::Missing,
            sluice_system_db::StorageFault::Replaced,
            sluice_system_db::StorageFault::ReadOnly,
        ] {
            let error = ApiError::from(sluice_system_db::DbError::Storage(fault));
            assert_eq!(
                error.body(),
                json!({"error":{"code":503,"context":null,
                    "message":"The system database is unavailable.","status_code":503}})
            );
            let response = error.error_response();
            assert_eq!(response.headers().get("retry-after").unwrap(), "1");
        }
    }

    #[test]
    fn busy_sets_retry_after() {
        let response = ApiError::from(ConnectorError::Busy).error_response();
        assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    }
}
