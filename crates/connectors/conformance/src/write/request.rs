//! Writes as a caller makes them (the client's request, the access the gateway decided,
//! the service's bounds), shared by the conformance cases and each connector's own write
//! tests.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use sluice_connector_core::{
    AuthorizedTable, ConnectorError, Database, LookupSource, LookupValue, RowAccess, TableAccess,
    Unrestricted, WriteBounds, WriteKind, WriteRequest, unwrap_records,
};

use crate::Fixture;

/// A write as a caller makes it: the client's request, the access the gateway decided for
/// the caller (an administrator's unless a test says otherwise) and the service's
/// configuration.
#[derive(Debug, Clone)]
pub struct Write {
    pub request: WriteRequest,
    pub access: TableAccess,
    pub bounds: WriteBounds,
}

impl From<WriteRequest> for Write {
    fn from(request: WriteRequest) -> Self {
        Self {
            request,
            access: TableAccess::unrestricted(),
            bounds: WriteBounds::default(),
        }
    }
}

impl Write {
    /// The service allows upserts.
    pub fn upsert(mut self) -> Self {
        self.bounds.allow_upsert = true;
        self
    }

    pub fn with_access(mut self, access: TableAccess) -> Self {
        self.access = access;
        self
    }

    pub fn with_bounds(mut self, bounds: WriteBounds) -> Self {
        self.bounds = bounds;
        self
    }
}

pub fn blank(kind: WriteKind) -> WriteRequest {
    WriteRequest::new(kind)
}

/// A request with the records of a collection body (`{"resource":[...]}`, `[...]`, ...).
///
/// # Panics
///
/// When `body` holds no records (a mistake in the test).
pub fn with_body(kind: WriteKind, body: Value) -> WriteRequest {
    WriteRequest {
        records: unwrap_records(body).expect("records"),
        ..blank(kind)
    }
}

/// A `/{id}` request whose body object is the record.
pub fn by_id(kind: WriteKind, id: &str, body: Value) -> WriteRequest {
    let records = match body {
        Value::Object(record) => vec![record],
        _ => Vec::new(),
    };
    WriteRequest {
        id: Some(id.to_owned()),
        records,
        ..blank(kind)
    }
}

/// Runs the write on `database`; the body parsed as JSON.
///
/// # Errors
///
/// The write's error, as the connector answered it.
///
/// # Panics
///
/// When the body is not JSON.
pub async fn write_to(
    database: &Arc<Database>,
    table: &str,
    write: impl Into<Write>,
) -> Result<Value, ConnectorError> {
    let Write {
        request,
        access,
        bounds,
    } = write.into();
    let authorized = AuthorizedTable::new(Arc::clone(database), table.to_owned(), access, bounds);
    let output = authorized.write(&request).await?;
    Ok(serde_json::from_slice(&output.body).expect("valid JSON"))
}

/// Runs the write on the database of `fixture`; the body parsed as JSON.
///
/// # Errors
///
/// The write's error, as the connector answered it.
///
/// # Panics
///
/// When the body is not JSON.
pub async fn write(
    fixture: &impl Fixture,
    table: &str,
    write: impl Into<Write>,
) -> Result<Value, ConnectorError> {
    write_to(&fixture.database(), table, write).await
}

/// The message of a 400.
///
/// # Panics
///
/// When `result` is anything else.
pub fn bad_request(result: Result<Value, ConnectorError>) -> String {
    match result {
        Err(ConnectorError::BadRequest { message, .. }) => message,
        other => panic!("expected a 400, got {other:?}"),
    }
}

/// The message and context of a batch error.
///
/// # Panics
///
/// When `result` is anything else.
pub fn batch(result: Result<Value, ConnectorError>) -> (String, Value) {
    match result {
        Err(ConnectorError::Batch { message, context }) => (message, context),
        other => panic!("expected a batch error, got {other:?}"),
    }
}

/// The caller's session as the gateway would expose it.
pub struct Session(pub HashMap<&'static str, LookupValue>);

impl LookupSource for Session {
    fn lookup(&self, name: &str) -> Option<LookupValue> {
        self.0.get(name).cloned()
    }
}

/// A user with `user.id`.
pub fn session(user_id: i64) -> Arc<dyn LookupSource> {
    Arc::new(Session(HashMap::from([(
        "user.id",
        LookupValue {
            value: Value::from(user_id),
            private: false,
        },
    )])))
}

/// `request` as user `user_id` whose role sees `owner_id = {user.id}` and may not read
/// `hidden`.
///
/// # Panics
///
/// Never: the role filter is a constant that parses.
pub fn as_owner(user_id: i64, hidden: &[&str], request: WriteRequest) -> Write {
    let row_filter =
        sluice_filter::parse("owner_id = {user.id}", &sluice_filter::Limits::default())
            .expect("role filter parses");
    let row = RowAccess::restricted(
        Some(row_filter),
        hidden.iter().map(|name| (*name).to_owned()).collect(),
    );
    let access = TableAccess::restricted(Arc::new(row), Arc::new(Unrestricted))
        .with_lookups(session(user_id));
    Write::from(request).with_access(access)
}

/// The error object of one record inside a batch error.
pub fn record_error(status: u16, message: &str) -> Value {
    serde_json::json!({
        "code": status,
        "context": null,
        "message": message,
        "status_code": status,
    })
}
