//! Response bodies of the system and user APIs, for their OpenAPI document only. Handlers
//! build these bodies as JSON in DreamFactory's shapes (wire reference 8, 10); these types
//! describe them to utoipa, and the schemathesis run in `.ci/openapi-check` checks that the
//! server's answers match.

#![expect(
    dead_code,
    reason = "never constructed: utoipa reads only their types, the handlers build JSON"
)]

use serde_json::Value;
use utoipa::ToSchema;

/// DreamFactory's session object, answered by logins, refreshes and `GET .../session`.
#[derive(ToSchema)]
pub struct Session {
    /// The JWT to send as `X-DreamFactory-Session-Token` (or a bearer token).
    session_token: String,
    /// The same token, as DreamFactory also sends it.
    session_id: String,
    id: i64,
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: String,
    is_sys_admin: bool,
    last_login_date: Option<String>,
    host: String,
    token_expiry_date: String,
    /// The role the session has through the app of the API key sent along (user sessions).
    role: Option<String>,
    role_id: Option<i64>,
}

/// `{"success": true}`, with a new session token when the request asked for one
/// (`login=true`) or when the change ended the caller's sessions.
#[derive(ToSchema)]
pub struct Success {
    success: bool,
    session_token: Option<String>,
}

/// `POST /user/password`: `{"security_question"}` for `reset=true`, otherwise a success.
#[derive(ToSchema)]
pub struct PasswordOutcome {
    success: Option<bool>,
    session_token: Option<String>,
    security_question: Option<String>,
}

/// The signed-in user's own profile.
#[derive(ToSchema)]
pub struct Profile {
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    email: String,
    phone: Option<String>,
    security_question: Option<String>,
    default_app_id: Option<i64>,
    oauth_provider: String,
    adldap: String,
}

/// A list of records (or, with `as_list=true`, of their identifiers), with `meta` when
/// `include_count=true`.
#[derive(ToSchema)]
pub struct Resources {
    resource: Vec<Value>,
    meta: Option<Value>,
}

/// One stored value of `/user/custom`; writes answer with `name` only unless `fields` asks
/// for more, and `fields` may leave out any field, `name` included.
#[derive(ToSchema)]
pub struct CustomValue {
    name: Option<String>,
    value: Option<String>,
    created_date: Option<String>,
    last_modified_date: Option<String>,
}
