//! `/system/service`: create, read, update and delete services (wire reference 10.1, 10.2).
//! Every change is applied to the registry at once, so it takes effect on the next request.

use serde_json::Value;
use sluice_system_db::{DbError, NewService, ServicePatch, ServiceRow};

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::service_types::user::{USER, parse_user_config};
use crate::service_types::{
    RESERVED_NAMES, SQLITE, build_entry, parse_sqlite_config, resolve_database,
};
use crate::state::AppState;
use crate::system::fields::{
    Body, flag, invalid_field, not_found, nullable_text, required, text, to_record,
};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "label",
    "description",
    "is_active",
    "type",
    "mutable",
    "deletable",
    "config",
    "created_date",
    "last_modified_date",
    "created_by_id",
    "last_modified_by_id",
];

pub struct Services;

fn record(row: &ServiceRow) -> Record {
    to_record(row)
}

impl SystemResource for Services {
    const NAME: &'static str = "service";
    const COLUMNS: &'static [&'static str] = COLUMNS;
    const RELATIONS: &'static [&'static str] = &[];

    async fn load_all(state: &AppState, _: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        Ok(state
            .db
            .services()
            .list()
            .await?
            .iter()
            .map(record)
            .collect())
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        _: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        Ok(state.db.services().get(id).await?.as_ref().map(record))
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        map: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let name = text(map, "name")?.ok_or_else(|| required("name"))?;
        let service_type = text(map, "type")?.ok_or_else(|| required("type"))?;
        if service_type == USER {
            return Err(invalid_field(
                "type",
                "A service of type 'user' already exists: it is built in and there can be only one.",
            ));
        }
        validate_name(&name)?;
        let config = validate_config(
            state,
            &service_type,
            map.get("config").unwrap_or(&Value::Null),
        )
        .await?;
        let new = NewService {
            label: Some(text(map, "label")?.unwrap_or_else(|| name.clone())),
            description: text(map, "description")?,
            is_active: flag(map, "is_active")?.unwrap_or(true),
            config,
            ..NewService::new(name, service_type)
        };
        let row = state
            .db
            .services()
            .insert(&new, Some(admin.user_id()))
            .await
            .map_err(conflict)?;
        tracing::info!(service.name = %row.name, "service created");
        let id = row.id;
        register(state, row).await;
        Ok(id)
    }

    async fn update(
        state: &AppState,
        admin: &SystemAdmin,
        id: i64,
        map: &Body,
        _: &Params,
    ) -> Result<(), ApiError> {
        let current = state
            .db
            .services()
            .get(id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let name = text(map, "name")?.filter(|name| *name != current.name);
        if let Some(name) = &name {
            if current.service_type == USER {
                return Err(invalid_field(
                    "name",
                    "The name of the 'user' service cannot be changed.",
                ));
            }
            validate_name(name)?;
        }
        if text(map, "type")?.is_some_and(|t| t != current.service_type) {
            return Err(invalid_field(
                "type",
                "The type of a service cannot be changed.",
            ));
        }
        let config = match map.get("config") {
            None => None,
            Some(config) => Some(validate_config(state, &current.service_type, config).await?),
        };
        let patch = ServicePatch {
            name,
            label: text(map, "label")?,
            description: nullable_text(map, "description")?,
            is_active: flag(map, "is_active")?,
            config,
            ..ServicePatch::default()
        };
        let row = state
            .db
            .services()
            .update(id, &patch, Some(admin.user_id()))
            .await
            .map_err(conflict)?
            .ok_or_else(|| not_found(id))?;
        tracing::info!(service.name = %row.name, "service updated");
        register(state, row).await;
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        let row = state
            .db
            .services()
            .get(id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if !row.deletable {
            return Err(ApiError::bad_request(format!(
                "Service '{}' is built in and cannot be deleted.",
                row.name
            )));
        }
        state.db.services().delete(id).await?;
        state.services.remove_id(id);
        // Roles' access rows for the service are deleted with it.
        state.access.invalidate_roles();
        tracing::info!(service.id = id, "service deleted");
        Ok(())
    }
}

pub(crate) fn validate_name(name: &str) -> Result<(), ApiError> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if name.is_empty() || name.len() > 40 || !valid_chars {
        return Err(invalid_field(
            "name",
            "The name must be 1 to 40 characters of lower-case letters, digits, '_' or '-'.",
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(invalid_field(
            "name",
            &format!("The name '{name}' is reserved."),
        ));
    }
    Ok(())
}

/// Validates a service's type and config (for `sqlite`, resolves its database) and returns
/// the config to store (normalised, without the `create` instruction).
async fn validate_config(
    state: &AppState,
    service_type: &str,
    config: &Value,
) -> Result<Value, ApiError> {
    if service_type == USER {
        let config = parse_user_config(config)?;
        if let Some(role_id) = config.open_reg_role_id
            && state.access.roles(&state.db).await?.get(role_id).is_none()
        {
            return Err(invalid_field(
                "open_reg_role_id",
                &format!("The role id {role_id} does not exist."),
            ));
        }
        return Ok(config.to_json());
    }
    if service_type != SQLITE {
        return Err(invalid_field(
            "type",
            &format!("Service type '{service_type}' is not supported."),
        ));
    }
    let (config, create) = parse_sqlite_config(config)?;
    resolve_database(
        &config,
        create,
        &state.settings,
        state.system_db_file.as_deref(),
    )?;
    Ok(config.to_json())
}

fn conflict(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => invalid_field("name", "The name has already been taken."),
        other => ApiError::from(other),
    }
}

async fn register(state: &AppState, row: ServiceRow) {
    state.services.remove_id(row.id);
    let entry = build_entry(row, &state.settings, state.system_db_file.as_deref()).await;
    state.services.insert(entry);
}
