//! What every document shares: the security schemes, DreamFactory's error envelope,
//! and the query parameters of the table API.

use serde_json::{Map, Value, json};

/// `components.securitySchemes`: API key and session token, each as header or query, plus
/// a bearer JWT and basic auth, as DreamFactory documents them.
pub fn security_schemes() -> Value {
    json!({
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-DreamFactory-API-Key"},
        "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
        "SessionTokenHeader": {"type": "apiKey", "in": "header", "name": "X-DreamFactory-Session-Token"},
        "SessionTokenQuery": {"type": "apiKey", "in": "query", "name": "session_token"},
        "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "BasicAuth": {"type": "http", "scheme": "basic"},
    })
}

/// Top-level `security`: each scheme alone is enough.
pub fn security() -> Value {
    json!([
        {"ApiKeyHeader": []}, {"ApiKeyQuery": []}, {"SessionTokenHeader": []},
        {"SessionTokenQuery": []}, {"BearerAuth": []}, {"BasicAuth": []}
    ])
}

/// The schemas every document uses: the error envelope, the count metadata and the
/// identifiers `as_list=true` answers with instead of records.
pub fn shared_schemas() -> Map<String, Value> {
    let mut schemas = Map::new();
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "description": "DreamFactory's error envelope, on every non-2xx response.",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["code", "message", "status_code"],
                "properties": {
                    "code": {"type": "integer", "description": "Usually the HTTP status."},
                    "message": {"type": "string"},
                    "context": {
                        "nullable": true,
                        "description": "Per-record errors of a batch, or details of the failure."
                    },
                    "status_code": {"type": "integer"}
                }
            }}
        }),
    );
    schemas.insert(
        "Identifier".into(),
        json!({
            "description": "A record's identifier, as `as_list=true` lists them.",
            "anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "string", "nullable": true}]
        }),
    );
    schemas.insert(
        "Meta".into(),
        json!({
            "type": "object",
            "properties": {
                "count": {"type": "integer", "description": "With include_count=true."},
                "schema": {"type": "object", "description": "With include_schema=true."},
                "next": {"type": "integer", "description": "Offset of the next page, when one exists."}
            }
        }),
    );
    schemas
}

/// `components.responses`: the error response every operation falls back to.
pub fn shared_responses() -> Value {
    json!({
        "Error": {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        }
    })
}

/// The non-2xx responses every operation lists, each with the error envelope.
pub fn error_responses(responses: &mut Map<String, Value>) {
    for (code, why) in [
        ("400", "Bad request: malformed parameters or body."),
        ("401", "Not authenticated."),
        ("403", "The role does not allow this."),
        ("404", "Unknown table or record."),
        ("500", "Server error."),
    ] {
        responses.insert(
            code.into(),
            json!({"description": why,
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    responses.insert(
        "default".into(),
        json!({"$ref": "#/components/responses/Error"}),
    );
}

/// One table-API query parameter: `(name, schema type, description)`.
type Param = (&'static str, &'static str, &'static str);

/// Every query parameter of the table API (reads and write read-backs), as
/// `components.parameters`, keyed by name.
pub const TABLE_PARAMS: &[Param] = &[
    (
        "fields",
        "string",
        "Comma-separated fields to return; `*` for all (default on reads).",
    ),
    (
        "filter",
        "string",
        "SQL-like filter, e.g. `(age > 30) and (name like 'J%')`.",
    ),
    ("limit", "integer", "Maximum number of records to return."),
    ("offset", "integer", "Records to skip, for paging."),
    ("order", "string", "Sort order, e.g. `name ASC, id DESC`."),
    ("group", "string", "Comma-separated fields to group by."),
    (
        "ids",
        "string",
        "Comma-separated identifiers of the records to act on.",
    ),
    (
        "id_field",
        "string",
        "Comma-separated fields identifying records (composite keys).",
    ),
    (
        "id_type",
        "string",
        "Comma-separated types of the id fields.",
    ),
    (
        "include_count",
        "boolean",
        "Add `meta.count`, the number of matching records.",
    ),
    (
        "count_only",
        "boolean",
        "Return only the number of matching records, a bare number.",
    ),
    (
        "include_schema",
        "boolean",
        "Add `meta.schema`, the table's schema.",
    ),
    ("as_list", "boolean", "Return identifiers only, as a list."),
    (
        "related",
        "string",
        "Comma-separated relationships to fetch with each record; `*` for all.",
    ),
    (
        "continue",
        "boolean",
        "On a batch error, go on with the other records.",
    ),
    (
        "rollback",
        "boolean",
        "On a batch error, undo the whole request.",
    ),
    ("refresh", "boolean", "Re-read the schema before answering."),
];

/// The options of the table listings (`GET /_table`, `GET /_schema`), which are evaluated
/// in memory like those of the system resources.
pub const TABLE_LIST: &[&str] = &[
    "fields",
    "filter",
    "ids",
    "order",
    "limit",
    "offset",
    "include_count",
    "count_only",
    "as_list",
    "refresh",
];

/// Which parameters apply to which operation.
pub const LIST_READ: &[&str] = &[
    "fields",
    "filter",
    "limit",
    "offset",
    "order",
    "group",
    "ids",
    "id_field",
    "id_type",
    "include_count",
    "count_only",
    "include_schema",
    "as_list",
    "related",
    "refresh",
];
pub const LIST_WRITE: &[&str] = &[
    "fields", "ids", "filter", "id_field", "id_type", "related", "continue", "rollback",
];
pub const RECORD_READ: &[&str] = &["fields", "id_field", "id_type", "related", "refresh"];
pub const RECORD_WRITE: &[&str] = &["fields", "id_field", "id_type", "related"];

pub fn table_parameters() -> Map<String, Value> {
    TABLE_PARAMS
        .iter()
        .map(|(name, ty, description)| {
            (
                (*name).to_string(),
                json!({"name": name, "in": "query", "required": false,
                       "description": description, "style": "form", "explode": false,
                       "schema": {"type": ty}}),
            )
        })
        .collect()
}

/// `$ref`s to the named parameters.
pub fn param_refs(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|n| json!({"$ref": format!("#/components/parameters/{n}")}))
        .collect()
}

/// A listing's answer: `schema`, or with `count_only=true` a bare number.
pub(crate) fn or_count(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "integer", "description": "With `count_only=true`."}]})
}
