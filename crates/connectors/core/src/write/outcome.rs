//! What happened to each record, and DreamFactory's response for it:
//! the identifier objects or read-back rows, or the 400 / code 1000 batch error.

use serde_json::{Value, json};

use crate::error::ConnectorError;
use crate::json::{Meta, ResourceWriter};
use crate::write::WriteOutput;
use crate::write::plan::{BatchMode, WritePlan};

/// DreamFactory's 403 for a write whose row would not satisfy the role's row filter.
pub(crate) const DENIED_MESSAGE: &str = "Denied access to some of the requested fields.";

/// Why one record was not written. Client-facing: messages use DreamFactory's wording and
/// never contain SQL, driver text or paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// 400 with DreamFactory's message, e.g. `Field 'name' can not be NULL.`
    BadRequest(String),
    /// 404 `Record with identifier 'x' not found.`, holding the identifier as written:
    /// the record does not exist or is outside the role's row filter.
    NotFound(String),
    /// 403 `Denied access to some of the requested fields.`: the row the write would leave
    /// behind is outside the role's row filter. Nothing of the record was written.
    Forbidden,
    /// 400: a nested write of the record failed, with DreamFactory's wrapped message
    /// (`Failed to update many to one assignment.\nBatch Error: ...`) and, in `context`,
    /// the relationship, the index of the related record and its own error.
    Related { message: String, context: Value },
}

/// One record's result: its response object as JSON bytes (`{"id":7}`, or the row read
/// before a delete), or why it failed.
pub type RecordResult = Result<Vec<u8>, RecordError>;

impl RecordError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// A unique constraint's 400: `Duplicate value for unique field 'email'.`, or every
    /// field of a composite constraint. `columns` is `None` (a generic message) when the
    /// database did not name them or names one the caller may not see.
    pub fn duplicate(columns: Option<&[String]>) -> Self {
        Self::BadRequest(match columns {
            Some([column]) => format!("Duplicate value for unique field '{column}'."),
            Some(columns) if !columns.is_empty() => format!(
                "Duplicate value for unique fields {}.",
                columns
                    .iter()
                    .map(|column| format!("'{column}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "Duplicate value for a unique field.".to_owned(),
        })
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) | Self::Related { .. } => 400,
            Self::NotFound(_) => 404,
            Self::Forbidden => 403,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::BadRequest(message) => message.clone(),
            Self::NotFound(id) => format!("Record with identifier '{id}' not found."),
            Self::Forbidden => DENIED_MESSAGE.to_owned(),
            Self::Related { message, .. } => message.clone(),
        }
    }

    /// The error object DreamFactory puts in a batch error's `context.resource`.
    pub fn to_json(&self) -> Value {
        let context = match self {
            Self::Related { context, .. } => context.clone(),
            _ => Value::Null,
        };
        json!({
            "code": self.status(),
            "context": context,
            "message": self.message(),
            "status_code": self.status(),
        })
    }

    /// The error on its own, as the `/{id}` forms answer it.
    pub fn into_connector_error(self) -> ConnectorError {
        match self {
            Self::BadRequest(message) => ConnectorError::bad_request(message),
            Self::NotFound(id) => ConnectorError::RecordNotFound(id),
            Self::Forbidden => ConnectorError::Forbidden(DENIED_MESSAGE.to_owned()),
            Self::Related { message, context } => ConnectorError::BadRequest {
                message,
                context: Some(context),
            },
        }
    }

    /// A checking error of one record (typing, NULL, lookups) from the shared resolvers,
    /// which only produce `BadRequest`s.
    pub(crate) fn from_check(error: ConnectorError) -> Self {
        match error {
            ConnectorError::BadRequest { message, .. } => Self::BadRequest(message),
            other => Self::BadRequest(other.to_string()),
        }
    }
}

impl WritePlan {
    /// The response, once a connector has run the plan.
    ///
    /// `results` holds one entry per record processed, in request order (with
    /// [`BatchMode::StopOnError`] and [`BatchMode::Rollback`] none after the first
    /// failure). `reselected` holds the rows read back for `fields` after a batch without
    /// failures, in database order; `None` answers with `results` themselves.
    ///
    /// # Errors
    ///
    /// For the `/{id}` forms the record's own error ([`RecordError::into_connector_error`]);
    /// otherwise, when any record failed, `ConnectorError::Batch` (400, code 1000):
    /// `Batch Error: Not all requested records could be created.` (`updated`, `deleted`),
    /// with ` All changes rolled back.` appended in rollback mode, and `context`
    /// `{"error":[failed indexes],"resource":[per-index results or error objects]}`.
    pub fn finish(
        &self,
        results: Vec<RecordResult>,
        reselected: Option<Vec<Vec<u8>>>,
    ) -> Result<WriteOutput, ConnectorError> {
        if results.iter().any(Result::is_err) {
            return Err(self.failure(results, self.mode == BatchMode::Rollback));
        }
        let rows: Vec<Vec<u8>> = match reselected {
            Some(rows) => rows,
            None => results.into_iter().flatten().collect(),
        };
        if self.single {
            return rows
                .into_iter()
                .next()
                .map(|body| WriteOutput { body })
                .ok_or_else(|| ConnectorError::RecordNotFound(self.single_id()));
        }
        let capacity = rows.iter().map(|row| row.len() + 1).sum::<usize>() + 16;
        let mut writer = ResourceWriter::with_capacity(capacity);
        rows.iter().for_each(|row| writer.push_raw(row));
        Ok(WriteOutput {
            body: writer.finish(&Meta::default()),
        })
    }

    /// The error of a batch whose transaction was rolled back as a whole: in rollback mode,
    /// or in any mode when the database itself ended the transaction (a trigger's
    /// `RAISE(ROLLBACK)`). `results` must hold the failure.
    pub fn rolled_back(&self, results: Vec<RecordResult>) -> ConnectorError {
        self.failure(results, true)
    }

    fn failure(&self, results: Vec<RecordResult>, rolled_back: bool) -> ConnectorError {
        if self.single {
            if let Some(Err(error)) = results.into_iter().find(Result::is_err) {
                return error.into_connector_error();
            }
            return ConnectorError::Internal("a failed write lost its error".to_owned());
        }
        let mut failed = Vec::new();
        let mut resource = Vec::with_capacity(results.len());
        for (index, result) in results.into_iter().enumerate() {
            match result {
                // Written by us, so it parses; a writer bug shows as null, not a panic.
                Ok(json) => resource.push(serde_json::from_slice(&json).unwrap_or(Value::Null)),
                Err(error) => {
                    failed.push(index);
                    resource.push(error.to_json());
                }
            }
        }
        let mut message = format!(
            "Batch Error: Not all requested records could be {}.",
            self.kind.participle()
        );
        if rolled_back {
            message.push_str(" All changes rolled back.");
        }
        ConnectorError::Batch {
            message,
            context: json!({ "error": failed, "resource": resource }),
        }
    }

    fn single_id(&self) -> String {
        match &self.action {
            crate::write::WriteAction::Update { records, .. } => records
                .first()
                .and_then(|record| record.as_ref().ok())
                .map(|record| record.key.raw.clone()),
            crate::write::WriteAction::Delete(keys) => keys
                .first()
                .and_then(|key| key.as_ref().ok())
                .map(|key| key.raw.clone()),
            _ => None,
        }
        .unwrap_or_default()
    }
}
