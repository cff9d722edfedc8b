//! `/system/limit`: DreamFactory's API rate limits, stored and served as DreamFactory has them
//! (`period` by name, `key_text` computed here). `rate_limits` enforces them.

use serde::Deserialize;
use serde_json::Value;
use sluice_system_db::{DbError, LimitRow, NewLimit};
use utoipa::ToSchema;

use super::input::{flag, integer, nullable_text, parse, text};
use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::rate_limits::cache_view::{self, CacheEntry};
use crate::rate_limits::kinds::{LimitType, PERIODS, Scope, limit_type, period_name};
use crate::rate_limits::limit_object;
use crate::state::AppState;
use crate::system::fields::{Body, invalid_field, not_found, required};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

const VERBS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

pub struct Limits;

/// A limit as written (POST creates; PUT and PATCH merge what is given into the stored limit
/// and check the result as a whole).
#[derive(Deserialize, ToSchema)]
pub(crate) struct LimitInput {
    /// `instance`, `instance.user`, `instance.each_user`, `instance.user.service`,
    /// `instance.each_user.service`, `instance.service`, `instance.service.endpoint`,
    /// `instance.user.service.endpoint`, `instance.each_user.service.endpoint` or
    /// `instance.role`. Required on create.
    #[serde(default, rename = "type", deserialize_with = "text")]
    kind: Option<String>,
    /// Requests allowed per period, 1 or more. Required on create.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    rate: Option<Value>,
    /// `minute`, `hour`, `day`, `7-day` or `30-day` (or its index, 0 to 4); returned by name.
    /// Required on create.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    period: Option<Value>,
    /// The user of the `instance.user*` types.
    #[serde(default, deserialize_with = "integer")]
    user_id: Option<i64>,
    /// The role of `instance.role`.
    #[serde(default, deserialize_with = "integer")]
    role_id: Option<i64>,
    /// The service of the `*.service*` types.
    #[serde(default, deserialize_with = "integer")]
    service_id: Option<i64>,
    /// The resource path within the service, of the `*.endpoint` types, as `_table/todo`.
    #[serde(default, deserialize_with = "nullable_text")]
    endpoint: Option<Option<String>>,
    /// Limits only this verb (GET, POST, PUT, PATCH or DELETE); all verbs when absent.
    #[serde(default, deserialize_with = "nullable_text")]
    verb: Option<Option<String>>,
    /// Required on create.
    #[serde(default, deserialize_with = "text")]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable_text")]
    description: Option<Option<String>>,
    /// Inactive limits are kept but not applied (default true).
    #[serde(default, deserialize_with = "flag")]
    is_active: Option<bool>,
}

impl SystemResource for Limits {
    const NAME: &'static str = "limit";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "type",
        "key_text",
        "rate",
        "period",
        "user_id",
        "role_id",
        "service_id",
        "endpoint",
        "verb",
        "name",
        "description",
        "is_active",
        "created_date",
        "last_modified_date",
    ];
    const RELATIONS: &'static [&'static str] = &[
        CACHE_RELATION,
        SERVICE_RELATION,
        ROLE_RELATION,
        USER_RELATION,
    ];
    type Input = LimitInput;
    type ReadOnly = crate::routes::doc_schemas::LimitReadOnly;

    async fn load_all(state: &AppState, related: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        let rows = state.db.limits().list().await?;
        with_related(state, &rows, related).await
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        related: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        let Some(row) = state.db.limits().get(id).await? else {
            return Ok(None);
        };
        Ok(with_related(state, &[row], related).await?.pop())
    }

    async fn create(
        state: &AppState,
        _: &SystemAdmin,
        body: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let input: LimitInput = parse(body)?;
        let limit = resolve(state, input, None).await?;
        let row = state
            .db
            .limits()
            .insert(&limit)
            .await
            .map_err(write_error)?;
        Ok(row.id)
    }

    async fn update(
        state: &AppState,
        _: &SystemAdmin,
        id: i64,
        body: &Body,
        _: &Params,
    ) -> Result<(), ApiError> {
        let input: LimitInput = parse(body)?;
        let current = state
            .db
            .limits()
            .get(id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let limit = resolve(state, input, Some(current.limit)).await?;
        state
            .db
            .limits()
            .update(id, &limit)
            .await
            .map_err(write_error)?
            .ok_or_else(|| not_found(id))?;
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        state.db.limits().delete(id).await?;
        Ok(())
    }
}

/// The relation embedding a limit's `/system/limit_cache` entries.
const CACHE_RELATION: &str = "limit_cache_by_limit_id";
/// DreamFactory's `belongsTo` relations of a limit: the record its id names, or `null`.
/// Both of its admin apps ask for all three on the limits page.
const SERVICE_RELATION: &str = "service_by_service_id";
const ROLE_RELATION: &str = "role_by_role_id";
const USER_RELATION: &str = "user_by_user_id";

/// Stored limits as DreamFactory returns them (`period` by name), with the relations
/// `related` asks for: the counters under `limit_cache_by_limit_id`, the service, role and
/// user as `/system/service`, `/system/role` and `/system/user` show them.
async fn with_related(
    state: &AppState,
    rows: &[LimitRow],
    related: &[&'static str],
) -> Result<Vec<Record>, ApiError> {
    let entries = if related.contains(&CACHE_RELATION) {
        Some(cache_view::entries(state, rows).await?)
    } else {
        None
    };
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        let mut record = limit_object(row);
        if let Some(entries) = &entries {
            let own: Vec<&CacheEntry> = entries.iter().filter(|e| e.id == row.id).collect();
            record.insert(CACHE_RELATION.into(), serde_json::json!(own));
        }
        let limit = &row.limit;
        if related.contains(&SERVICE_RELATION) {
            let service = match limit.service_id {
                Some(id) => state.db.services().get(id).await?,
                None => None,
            };
            let value = service.map(|service| Value::Object(super::service::record(&service, &[])));
            record.insert(SERVICE_RELATION.into(), value.unwrap_or_default());
        }
        if related.contains(&ROLE_RELATION) {
            let role = match limit.role_id {
                Some(id) => state.db.roles().get(id).await?,
                None => None,
            };
            record.insert(
                ROLE_RELATION.into(),
                serde_json::to_value(role).unwrap_or_default(),
            );
        }
        if related.contains(&USER_RELATION) {
            let user = match limit.user_id {
                Some(id) => state.db.users().get(id).await?,
                None => None,
            };
            let value = user.map(|user| Value::Object(super::user::record(&user)));
            record.insert(USER_RELATION.into(), value.unwrap_or_default());
        }
        records.push(record);
    }
    Ok(records)
}

/// The limit `input` describes, merged over `current` on updates: checked as DreamFactory
/// checks it, with the ids its type does not use cleared and `key_text` computed.
async fn resolve(
    state: &AppState,
    input: LimitInput,
    current: Option<NewLimit>,
) -> Result<NewLimit, ApiError> {
    let kind = input
        .kind
        .or_else(|| current.as_ref().map(|c| c.kind.clone()))
        .ok_or_else(|| required("type"))?;
    let name = input
        .name
        .or_else(|| current.as_ref().map(|c| c.name.clone()))
        .ok_or_else(|| required("name"))?;
    let rate = match input.rate {
        Some(rate) => parse_rate(&rate)?,
        None => current
            .as_ref()
            .map(|c| c.rate)
            .ok_or_else(|| required("rate"))?,
    };
    let period = match input.period {
        Some(period) => parse_period(&period)?,
        None => current
            .as_ref()
            .map(|c| c.period)
            .ok_or_else(|| required("period"))?,
    };
    let limit_type =
        limit_type(&kind).ok_or_else(|| invalid_field("type", "The selected type is invalid."))?;
    let verb = merged(input.verb, current.as_ref().map(|c| c.verb.clone()))
        .map(|verb| verb.to_ascii_uppercase());
    if verb.as_deref().is_some_and(|verb| !VERBS.contains(&verb)) {
        return Err(ApiError::bad_request("Verb is invalid or not allowed."));
    }
    let user_id = input.user_id.or(current.as_ref().and_then(|c| c.user_id));
    let role_id = input.role_id.or(current.as_ref().and_then(|c| c.role_id));
    let service_id = input
        .service_id
        .or(current.as_ref().and_then(|c| c.service_id));
    let endpoint = merged(input.endpoint, current.as_ref().map(|c| c.endpoint.clone()))
        .map(|endpoint| endpoint.trim_matches('/').to_string())
        .filter(|endpoint| !endpoint.is_empty());
    let description = merged(
        input.description,
        current.as_ref().map(|c| c.description.clone()),
    );
    let is_active = input
        .is_active
        .or(current.as_ref().map(|c| c.is_active))
        .unwrap_or(true);

    let user_id = match limit_type.user {
        Scope::OneUser => {
            let id = user_id.ok_or_else(|| {
                ApiError::bad_request(format!(
                    "user_id must be specified with this limit type. Limit: {name}"
                ))
            })?;
            if state.db.users().get(id).await?.is_none() {
                // DreamFactory words this one differently for the plain user type.
                return Err(ApiError::bad_request(if limit_type.service {
                    format!("No user_id exists for {name} limit.")
                } else {
                    format!("user_id does not exist for {name} limit.")
                }));
            }
            Some(id)
        }
        Scope::Nobody | Scope::EachUser => None,
    };
    let role_id = if limit_type.role {
        let id = role_id.ok_or_else(|| {
            ApiError::bad_request(format!(
                "role_id must be specified with this limit type. Limit: {name}"
            ))
        })?;
        if state.db.roles().get(id).await?.is_none() {
            return Err(ApiError::bad_request(format!(
                "No role_id exists for {name} limit."
            )));
        }
        Some(id)
    } else {
        None
    };
    let service_id = if limit_type.service {
        // DreamFactory requires the id by name only for the types not keyed by one user; for
        // those, a missing id reads as a service that does not exist.
        let id = service_id.ok_or_else(|| match limit_type.user {
            Scope::OneUser => ApiError::bad_request(format!("No service exists for {name} limit.")),
            Scope::Nobody | Scope::EachUser => {
                ApiError::bad_request("service_id must be specified with this limit type.")
            }
        })?;
        if state.db.services().get(id).await?.is_none() {
            return Err(ApiError::bad_request(format!(
                "No service exists for {name} limit."
            )));
        }
        Some(id)
    } else {
        None
    };
    let endpoint = if limit_type.endpoint {
        Some(endpoint.ok_or_else(|| {
            ApiError::bad_request("endpoint must be specified with this limit type.")
        })?)
    } else {
        None
    };

    let key_text = key_text(
        limit_type,
        user_id,
        role_id,
        service_id,
        endpoint.as_deref(),
        verb.as_deref(),
        period,
    );
    Ok(NewLimit {
        kind,
        key_text,
        rate,
        period,
        user_id,
        role_id,
        service_id,
        endpoint,
        verb,
        name,
        description,
        is_active,
    })
}

/// A nullable field of a merge: the input's when given (`null` clears), else the stored one.
fn merged(input: Option<Option<String>>, current: Option<Option<String>>) -> Option<String> {
    input.or(current).flatten()
}

/// The `key_text` of a stored limit whose ids were changed (a package import maps them to
/// this instance's); `None` for a type this build does not know.
pub(crate) fn rekey(limit: &NewLimit) -> Option<String> {
    let limit_type = limit_type(&limit.kind)?;
    Some(key_text(
        limit_type,
        limit.user_id,
        limit.role_id,
        limit.service_id,
        limit.endpoint.as_deref(),
        limit.verb.as_deref(),
        limit.period,
    ))
}

/// DreamFactory's key: the type's template with its ids, `.verb:VERB` for a verb-specific
/// limit, then the period name; each-user types leave the user id empty.
fn key_text(
    limit_type: &LimitType,
    user_id: Option<i64>,
    role_id: Option<i64>,
    service_id: Option<i64>,
    endpoint: Option<&str>,
    verb: Option<&str>,
    period: i64,
) -> String {
    let id = |id: Option<i64>| id.map(|id| id.to_string()).unwrap_or_default();
    let mut key = String::from("instance");
    match limit_type.user {
        Scope::OneUser => key.push_str(&format!(".user:{}", id(user_id))),
        Scope::EachUser => key.push_str(".each_user:"),
        Scope::Nobody => {}
    }
    if limit_type.service {
        key.push_str(&format!(".service:{}", id(service_id)));
    }
    if limit_type.endpoint {
        key.push_str(&format!(".endpoint:{}", endpoint.unwrap_or_default()));
    }
    if limit_type.role {
        key.push_str(&format!(".role:{}", id(role_id)));
    }
    if let Some(verb) = verb {
        key.push_str(&format!(".verb:{verb}"));
    }
    format!("{key}.{}", period_name(period).unwrap_or_default())
}

/// A rate: a whole number of requests, 1 or more (a JSON number or a string of digits), and at
/// most what the column holds on every backend (a 32-bit integer on PostgreSQL).
fn parse_rate(value: &Value) -> Result<i64, ApiError> {
    let rate = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    rate.filter(|rate| (1..=i64::from(i32::MAX)).contains(rate))
        .ok_or_else(|| ApiError::bad_request("Limit rate must be an integer. Limit not saved."))
}

/// A period: its name or its index.
fn parse_period(value: &Value) -> Result<i64, ApiError> {
    let index = match value {
        Value::Number(n) => n
            .as_i64()
            .filter(|index| usize::try_from(*index).is_ok_and(|i| i < PERIODS.len())),
        Value::String(s) => PERIODS
            .iter()
            .position(|name| *name == s.as_str())
            .and_then(|i| i64::try_from(i).ok()),
        _ => None,
    };
    index.ok_or_else(|| invalid_field("period", "The selected period is invalid."))
}

fn write_error(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => {
            ApiError::bad_request("A limit already exists with those parameters. No records added.")
        }
        other => ApiError::from(other),
    }
}
