//! Response bodies of the system and user APIs, for their OpenAPI document only. Handlers
//! build these bodies as JSON in DreamFactory's shapes; these types
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
    /// Whether this is the root administrator (the first one created); false for users.
    is_root_admin: bool,
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

/// A listing's answer: the records, or with `count_only=true` a bare number.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Listing {
    Records(Resources),
    Count(u64),
}

/// `DELETE /system/limit_cache`: the limits whose counters were reset (`ids=`), or a
/// success when every counter was (`force=true`).
#[derive(ToSchema)]
#[serde(untagged)]
pub enum CountersReset {
    Limits(Resources),
    All(Success),
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

/// The columns every system record has and no body writes.
#[derive(ToSchema)]
pub struct StoredColumns {
    id: i64,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    last_modified_date: String,
    created_by_id: Option<i64>,
    last_modified_by_id: Option<i64>,
}

/// A service's read-only fields.
#[derive(ToSchema)]
pub struct ServiceReadOnly {
    /// False for the built-in `user` service's type and name.
    mutable: bool,
    /// False for the built-in `user` service.
    deletable: bool,
    /// With `related=service_doc_by_service_id`: the service's stored OpenAPI document,
    /// always `null` (Sluice generates every document).
    #[schema(value_type = Option<Object>)]
    service_doc_by_service_id: Option<Value>,
}

/// A role's relations.
#[derive(ToSchema)]
pub struct RoleReadOnly {
    /// The role's access rows, each with `id`, `role_id`, `service_id`, `component`,
    /// `verb_mask`, `requestor_mask`, `filters`, `filter_op` and `hidden_fields`.
    #[schema(value_type = Vec<Object>)]
    role_service_access_by_role_id: Vec<Value>,
    /// The lookups scoped to the role.
    #[schema(value_type = Vec<Object>)]
    lookup_by_role_id: Vec<Value>,
}

/// An app's read-only field and relation.
#[derive(ToSchema)]
pub struct AppReadOnly {
    /// Always empty: apps here are API keys only, never hosted pages.
    launch_url: String,
    /// The app's role, or null.
    #[schema(value_type = Option<Object>)]
    role_by_role_id: Option<Value>,
}

/// A lookup has only the fields it is written with and the stored columns.
#[derive(ToSchema)]
pub struct LookupReadOnly {}

/// A CORS rule has only the fields it is written with and the stored columns.
#[derive(ToSchema)]
pub struct CorsReadOnly {}

/// An email template has only the fields it is written with and the stored columns.
#[derive(ToSchema)]
pub struct EmailTemplateReadOnly {}

/// A limit's computed key: the type with its ids, the verb if any and the period name.
#[derive(ToSchema)]
pub struct LimitReadOnly {
    /// As `instance.service:3.endpoint:_table/todo.verb:GET.minute`; unique.
    key_text: String,
    /// With `related=limit_cache_by_limit_id`: the limit's counters, as
    /// `/system/limit_cache` lists them (`id`, `key`, `max`, `attempts`, `remaining`).
    #[schema(value_type = Vec<Object>)]
    limit_cache_by_limit_id: Vec<Value>,
    /// With `related=service_by_service_id`: the limit's service as `/system/service` shows
    /// it, or null.
    #[schema(value_type = Option<Object>)]
    service_by_service_id: Option<Value>,
    /// With `related=role_by_role_id`: the limit's role, or null.
    #[schema(value_type = Option<Object>)]
    role_by_role_id: Option<Value>,
    /// With `related=user_by_user_id`: the limit's user as `/system/user` shows it, or null.
    #[schema(value_type = Option<Object>)]
    user_by_user_id: Option<Value>,
}

/// A user's or administrator's read-only fields and relations.
#[derive(ToSchema)]
pub struct UserReadOnly {
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    last_login_date: Option<String>,
    /// False while an invitation is pending.
    confirmed: bool,
    /// Always false: Sluice issues no invitations.
    expired: bool,
    /// The user's role per app, each with `id`, `user_id`, `app_id` and `role_id`.
    #[schema(value_type = Vec<Object>)]
    user_to_app_to_role_by_user_id: Vec<Value>,
    /// The lookups scoped to the user.
    #[schema(value_type = Vec<Object>)]
    lookup_by_user_id: Vec<Value>,
}
