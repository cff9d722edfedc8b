//! `/system/cors`: the CORS rules the CORS middleware (`crate::cors`) answers with. Origins
//! are checked here, when a rule is written, so the middleware never meets one it cannot
//! compare exactly; `*` with credentials is refused, as browsers refuse it.

use serde::Deserialize;
use sluice_rbac::VerbMask;
use sluice_system_db::{CorsPatch, CorsRow, DbError, NewCors};
use utoipa::ToSchema;

use super::input::{flag, integer, nullable_text, parse, text};
use crate::auth::SystemAdmin;
use crate::cors::{list_entries, parse_origin};
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use crate::system::fields::{Body, invalid_field, not_found, required, to_record};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

const DEFAULT_MAX_AGE: i64 = 3600;

pub struct CorsRules;

/// A CORS rule as written (POST creates, PUT and PATCH change what is given).
#[derive(Deserialize, ToSchema)]
pub(crate) struct CorsInput {
    /// The request paths the rule is for, without the leading `/`: `*`, `api/v2/*`,
    /// `api/v2/db/_table/todo`; `*` stands for any characters. When several rules match, the
    /// longest path decides. Required on create.
    #[serde(default, deserialize_with = "text")]
    path: Option<String>,
    #[serde(default, deserialize_with = "nullable_text")]
    description: Option<Option<String>>,
    /// Allowed origins, a comma list of `scheme://host[:port]` or `*`. Required on create.
    #[serde(default, deserialize_with = "text")]
    origin: Option<String>,
    /// Request headers a preflight allows, a comma list (or `*`).
    #[serde(default, deserialize_with = "nullable_text")]
    header: Option<Option<String>>,
    /// Response headers the browser may show the page, a comma list.
    #[serde(default, deserialize_with = "nullable_text")]
    exposed_header: Option<Option<String>>,
    /// Allowed methods as a verb mask: GET 1, POST 2, PUT 4, PATCH 8, DELETE 16 (0 to 31).
    #[serde(default, deserialize_with = "integer")]
    method: Option<i64>,
    /// How long, in seconds, browsers may keep a preflight's answer (default 3600).
    #[serde(default, deserialize_with = "integer")]
    max_age: Option<i64>,
    /// Allows cookies and `Authorization` on cross-origin requests; not with origin `*`.
    #[serde(default, deserialize_with = "flag")]
    supports_credentials: Option<bool>,
    /// Disabled rules are kept but not applied (default true).
    #[serde(default, deserialize_with = "flag")]
    enabled: Option<bool>,
}

impl SystemResource for CorsRules {
    const NAME: &'static str = "cors";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "path",
        "description",
        "origin",
        "header",
        "exposed_header",
        "method",
        "max_age",
        "supports_credentials",
        "enabled",
        "created_date",
        "last_modified_date",
        "created_by_id",
        "last_modified_by_id",
    ];
    const RELATIONS: &'static [&'static str] = &[];
    type Input = CorsInput;
    type ReadOnly = crate::routes::doc_schemas::CorsReadOnly;

    async fn load_all(state: &AppState, _: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        Ok(state
            .db
            .cors()
            .list()
            .await?
            .iter()
            .map(to_record)
            .collect())
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        _: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        Ok(state.db.cors().get(id).await?.as_ref().map(to_record))
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        body: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let new = new_cors(body)?;
        let row = state
            .db
            .cors()
            .insert(&new, Some(admin.user_id()))
            .await
            .map_err(write_error)?;
        Ok(row.id)
    }

    async fn update(
        state: &AppState,
        admin: &SystemAdmin,
        id: i64,
        body: &Body,
        _: &Params,
    ) -> Result<(), ApiError> {
        let input: CorsInput = parse(body)?;
        let current: CorsRow = state
            .db
            .cors()
            .get(id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let origin = input.origin.as_deref().unwrap_or(&current.origin);
        let credentials = input
            .supports_credentials
            .unwrap_or(current.supports_credentials);
        validate(&input, origin, credentials)?;
        let patch = CorsPatch {
            path: input.path,
            description: input.description,
            origin: input.origin,
            header: input.header,
            exposed_header: input.exposed_header,
            method: input.method,
            max_age: input.max_age,
            supports_credentials: input.supports_credentials,
            enabled: input.enabled,
        };
        state
            .db
            .cors()
            .update(id, &patch, Some(admin.user_id()))
            .await
            .map_err(write_error)?
            .ok_or_else(|| not_found(id))?;
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        state.db.cors().delete(id).await?;
        Ok(())
    }
}

/// Checks the fields given, and the origin list with the credentials flag the rule will have.
/// A new rule from a written record (a POST's, or a package's), checked.
pub(crate) fn new_cors(body: &Body) -> Result<NewCors, ApiError> {
    let input: CorsInput = parse(body)?;
    let new = NewCors {
        path: input.path.clone().ok_or_else(|| required("path"))?,
        description: input.description.clone().flatten(),
        origin: input.origin.clone().ok_or_else(|| required("origin"))?,
        header: input.header.clone().flatten(),
        exposed_header: input.exposed_header.clone().flatten(),
        method: input.method.unwrap_or(0),
        max_age: input.max_age.unwrap_or(DEFAULT_MAX_AGE),
        supports_credentials: input.supports_credentials.unwrap_or(false),
        enabled: input.enabled.unwrap_or(true),
    };
    validate(&input, &new.origin, new.supports_credentials)?;
    Ok(new)
}

fn validate(input: &CorsInput, origin: &str, credentials: bool) -> Result<(), ApiError> {
    if let Some(path) = &input.path {
        validate_path(path)?;
    }
    validate_origins(origin, credentials)?;
    if let Some(Some(header)) = &input.header {
        validate_header_names("header", header, true)?;
    }
    if let Some(Some(exposed)) = &input.exposed_header {
        validate_header_names("exposed_header", exposed, false)?;
    }
    if let Some(method) = input.method {
        VerbMask::try_from(method).map_err(|_| {
            invalid_field(
                "method",
                "The method must be a verb mask from 0 to 31 (GET 1, POST 2, PUT 4, PATCH 8, DELETE 16).",
            )
        })?;
    }
    if input
        .max_age
        .is_some_and(|age| !(0..=i64::from(i32::MAX)).contains(&age))
    {
        return Err(invalid_field(
            "max_age",
            "The max_age must be a number of seconds, 0 or more.",
        ));
    }
    Ok(())
}

fn validate_path(path: &str) -> Result<(), ApiError> {
    let path = path.trim();
    if path.is_empty() {
        return Err(required("path"));
    }
    if path.starts_with('^') {
        return Err(invalid_field(
            "path",
            "Regular-expression paths are not supported; use * as a wildcard, as in api/v2/*.",
        ));
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid_field("path", "The path must not contain spaces."));
    }
    Ok(())
}

fn validate_origins(origins: &str, credentials: bool) -> Result<(), ApiError> {
    let mut any = false;
    let mut count = 0;
    for entry in list_entries(origins) {
        count += 1;
        if entry == "*" {
            any = true;
        } else if parse_origin(entry).is_none() {
            return Err(invalid_field(
                "origin",
                &format!(
                    "'{entry}' is not an origin: write scheme://host[:port] (as https://app.example) or *."
                ),
            ));
        }
    }
    if count == 0 {
        return Err(required("origin"));
    }
    if any && credentials {
        return Err(invalid_field(
            "origin",
            "The origin * cannot be used with supports_credentials: browsers refuse credentials for any origin; list the origins instead.",
        ));
    }
    Ok(())
}

fn validate_header_names(field: &str, list: &str, wildcard: bool) -> Result<(), ApiError> {
    let is_token = |name: &str| {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
    };
    for name in list_entries(list) {
        if !(is_token(name) && (wildcard || name != "*")) {
            return Err(invalid_field(
                field,
                &format!("'{name}' is not a header name."),
            ));
        }
    }
    Ok(())
}

fn write_error(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => {
            invalid_field("path", "A CORS rule for this path already exists.")
        }
        other => ApiError::from(other),
    }
}
