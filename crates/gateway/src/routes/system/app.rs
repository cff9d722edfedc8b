//! `/system/app`: apps and their API keys.
//! A key is 64 lowercase hex characters from the operating system's CSPRNG (DreamFactory
//! hashes the host name, app name and time, which is guessable); `PATCH ?regenerate=true`
//! issues a new one. Deactivating or deleting an app revokes the sessions opened through it.

use rand::RngCore;
use rand::rngs::OsRng;
use serde::Deserialize;
use serde_json::json;
use sluice_system_db::{AppPatch, AppRow, DbError, NewApp};
use utoipa::ToSchema;

use super::input::{flag, integer, nullable_integer, nullable_text, parse, text};
use crate::auth::SystemAdmin;
use crate::auth::sessions::revoke_app_sessions;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use crate::system::fields::{
    Body, invalid_field, not_found, required, to_record, validate_display_name,
};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

const ROLE: &str = "role_by_role_id";

pub struct Apps;

/// An app as written (POST creates, PUT and PATCH change what is given).
#[derive(Deserialize, ToSchema)]
pub(crate) struct AppInput {
    /// 1 to 64 characters. Required on create.
    #[serde(default, deserialize_with = "text")]
    name: Option<String>,
    /// Generated when absent: 64 lowercase hex characters. One supplied (importing apps from
    /// another instance) must be at least 64 letters and digits.
    #[serde(default, deserialize_with = "text")]
    api_key: Option<String>,
    #[serde(default, deserialize_with = "nullable_text")]
    description: Option<Option<String>>,
    /// Defaults to false.
    #[serde(default, deserialize_with = "flag")]
    is_active: Option<bool>,
    /// 0 none (the default), 1 storage service, 2 URL, 3 path, 4 git.
    #[serde(rename = "type", default, deserialize_with = "integer")]
    app_type: Option<i64>,
    #[serde(default, deserialize_with = "nullable_text")]
    path: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_text")]
    url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_integer")]
    storage_service_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable_text")]
    storage_container: Option<Option<String>>,
    /// Defaults to false.
    #[serde(default, deserialize_with = "flag")]
    requires_fullscreen: Option<bool>,
    /// Defaults to true.
    #[serde(default, deserialize_with = "flag")]
    allow_fullscreen_toggle: Option<bool>,
    /// Defaults to `top`.
    #[serde(default, deserialize_with = "text")]
    toggle_location: Option<String>,
    /// The role callers get through the app's API key.
    #[serde(default, deserialize_with = "nullable_integer")]
    role_id: Option<Option<i64>>,
}

fn record(row: &AppRow) -> Record {
    let mut record = to_record(row);
    // DreamFactory always appends it; only apps hosted on a file service have one
    // (`with_related` sets it).
    record.insert("launch_url".into(), json!(""));
    record
}

async fn with_related(
    state: &AppState,
    row: &AppRow,
    related: &[&str],
) -> Result<Record, ApiError> {
    let mut out = record(row);
    let service = (row.storage_service_id).and_then(|id| state.services.by_id(id));
    let url = crate::files::apps::launch_url(row, service.as_ref().map(|s| s.name.as_str()));
    out.insert("launch_url".into(), json!(url));
    if related.contains(&ROLE) {
        let role = match row.role_id {
            Some(id) => state.db.roles().get(id).await?,
            None => None,
        };
        out.insert(ROLE.into(), serde_json::to_value(role).unwrap_or_default());
    }
    Ok(out)
}

impl SystemResource for Apps {
    const NAME: &'static str = "app";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "api_key",
        "description",
        "is_active",
        "type",
        "path",
        "url",
        "storage_service_id",
        "storage_container",
        "requires_fullscreen",
        "allow_fullscreen_toggle",
        "toggle_location",
        "role_id",
        "created_date",
        "last_modified_date",
        "created_by_id",
        "last_modified_by_id",
        "launch_url",
    ];
    const RELATIONS: &'static [&'static str] = &[ROLE];
    type Input = AppInput;
    type ReadOnly = crate::routes::doc_schemas::AppReadOnly;

    async fn load_all(state: &AppState, related: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        let mut records = Vec::new();
        for row in state.db.apps().list().await? {
            records.push(with_related(state, &row, related).await?);
        }
        Ok(records)
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        related: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        match state.db.apps().get(id).await? {
            Some(row) => Ok(Some(with_related(state, &row, related).await?)),
            None => Ok(None),
        }
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        body: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let input: AppInput = parse(body)?;
        let name = input.name.ok_or_else(|| required("name"))?;
        validate_display_name(&name)?;
        let role_id = input.role_id.flatten();
        check_role(state, role_id).await?;
        let api_key = match input.api_key {
            Some(key) => validate_key(key)?,
            None => generate_key(),
        };
        let new = NewApp {
            name,
            api_key,
            description: input.description.flatten(),
            is_active: input.is_active.unwrap_or(false),
            app_type: checked_type(input.app_type)?.unwrap_or(0),
            path: input.path.flatten(),
            url: input.url.flatten(),
            storage_service_id: input.storage_service_id.flatten(),
            storage_container: input.storage_container.flatten(),
            requires_fullscreen: input.requires_fullscreen.unwrap_or(false),
            allow_fullscreen_toggle: input.allow_fullscreen_toggle.unwrap_or(true),
            toggle_location: input.toggle_location.unwrap_or_else(|| "top".into()),
            role_id,
        };
        let row = state
            .db
            .apps()
            .insert(&new, Some(admin.user_id()))
            .await
            .map_err(write_error)?;
        tracing::info!(app.id = row.id, "app created");
        Ok(row.id)
    }

    async fn update(
        state: &AppState,
        admin: &SystemAdmin,
        id: i64,
        body: &Body,
        params: &Params,
    ) -> Result<(), ApiError> {
        let input: AppInput = parse(body)?;
        if let Some(name) = &input.name {
            validate_display_name(name)?;
        }
        check_role(state, input.role_id.flatten()).await?;
        let api_key = if params.flag("regenerate") {
            Some(generate_key())
        } else {
            input.api_key.map(validate_key).transpose()?
        };
        let patch = AppPatch {
            name: input.name,
            api_key,
            description: input.description,
            is_active: input.is_active,
            app_type: checked_type(input.app_type)?,
            path: input.path,
            url: input.url,
            storage_service_id: input.storage_service_id,
            storage_container: input.storage_container,
            requires_fullscreen: input.requires_fullscreen,
            allow_fullscreen_toggle: input.allow_fullscreen_toggle,
            toggle_location: input.toggle_location,
            role_id: input.role_id,
        };
        let row = state
            .db
            .apps()
            .update(id, &patch, Some(admin.user_id()))
            .await
            .map_err(write_error)?
            .ok_or_else(|| not_found(id))?;
        if !row.is_active {
            revoke_app_sessions(state, id).await?;
        }
        tracing::info!(app.id = id, "app updated");
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        revoke_app_sessions(state, id).await?;
        state.db.apps().delete(id).await?;
        tracing::info!(app.id = id, "app deleted");
        Ok(())
    }
}

/// 32 bytes from the operating system's CSPRNG, as 64 lowercase hex characters.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A key supplied by the client (importing apps from another instance): DreamFactory's rule,
/// at least 64 letters and digits.
pub(crate) fn validate_key(key: String) -> Result<String, ApiError> {
    if key.len() >= 64 && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(key)
    } else {
        Err(invalid_field(
            "api_key",
            "The api key must be at least 64 letters and digits.",
        ))
    }
}

/// `type`: 0 none, 1 storage service, 2 URL, 3 path, 4 git.
fn checked_type(app_type: Option<i64>) -> Result<Option<i64>, ApiError> {
    match app_type {
        Some(t) if !(0..=4).contains(&t) => Err(invalid_field(
            "type",
            "The type must be 0 (none), 1 (storage), 2 (URL), 3 (path) or 4 (git).",
        )),
        other => Ok(other),
    }
}

async fn check_role(state: &AppState, role_id: Option<i64>) -> Result<(), ApiError> {
    if let Some(id) = role_id
        && state.db.roles().get(id).await?.is_none()
    {
        return Err(invalid_field(
            "role_id",
            &format!("The role id {id} does not exist."),
        ));
    }
    Ok(())
}

fn write_error(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { field } if field.contains("api_key") => {
            invalid_field("api_key", "The api key has already been taken.")
        }
        DbError::Conflict { .. } => invalid_field("name", "The name has already been taken."),
        DbError::InvalidReference => invalid_field(
            "storage_service_id",
            "A referenced service or role does not exist.",
        ),
        other => ApiError::from(other),
    }
}
