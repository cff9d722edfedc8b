//! `/system/service`: create, read, update and delete services.
//! Every change is applied to the registry at once, so it takes effect on the next request.

use serde::Deserialize;
use serde_json::{Map, Value};
use sluice_system_db::{DbError, NewService, ServicePatch, ServiceRow};
use utoipa::ToSchema;

use super::input::{flag, nullable_text, parse, text};
use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::service_types::remote::{Engine, masked_config, validate_remote_config};
use crate::service_types::user::{USER, parse_user_config};
use crate::service_types::{
    RESERVED_NAMES, SQLITE, config_object, merged_config, parse_sqlite_config, resolve_database,
};
use crate::state::AppState;
use crate::system::fields::{Body, invalid_field, not_found, required, to_record};
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

/// A service record as written (POST creates, PUT and PATCH change what is given).
#[derive(Deserialize, ToSchema)]
pub(crate) struct ServiceInput {
    /// The URL segment: 1 to 40 characters of lower-case letters, digits, `_` or `-`.
    /// Required on create.
    #[serde(default, deserialize_with = "text")]
    name: Option<String>,
    /// Defaults to the name.
    #[serde(default, deserialize_with = "text")]
    label: Option<String>,
    #[serde(default, deserialize_with = "nullable_text")]
    description: Option<Option<String>>,
    /// Defaults to true.
    #[serde(default, deserialize_with = "flag")]
    is_active: Option<bool>,
    /// `sqlite`, `pgsql` or `mysql` (the `user` service is built in). Required on create; cannot change.
    #[serde(rename = "type", default, deserialize_with = "text")]
    service_type: Option<String>,
    /// The type's settings (`GET /system/service_type` lists them). An update merges the keys
    /// given into the stored config; a key given as `null` goes back to its default.
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    config: Option<Value>,
}

/// DreamFactory's relation to a service's stored OpenAPI document (`service_doc`).
const SERVICE_DOC: &str = "service_doc_by_service_id";

/// A service as clients read it: a `pgsql` or `mysql` service's password is masked. Sluice
/// stores no OpenAPI document for a service (every document is generated), so the related
/// document, when asked for, is `null`, as DreamFactory's is for a service without one.
pub(super) fn record(row: &ServiceRow, related: &[&str]) -> Record {
    let mut record = to_record(row);
    if Engine::of_type(&row.service_type).is_some() {
        record.insert("config".into(), masked_config(&row.config));
    }
    if related.contains(&SERVICE_DOC) {
        record.insert(SERVICE_DOC.into(), Value::Null);
    }
    record
}

impl SystemResource for Services {
    const NAME: &'static str = "service";
    const COLUMNS: &'static [&'static str] = COLUMNS;
    const RELATIONS: &'static [&'static str] = &[SERVICE_DOC];
    type Input = ServiceInput;
    type ReadOnly = crate::routes::doc_schemas::ServiceReadOnly;

    async fn load_all(state: &AppState, related: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        Ok(state
            .db
            .services()
            .list()
            .await?
            .iter()
            .map(|row| record(row, related))
            .collect())
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        related: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        let row = state.db.services().get(id).await?;
        Ok(row.as_ref().map(|row| record(row, related)))
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        map: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let input: ServiceInput = parse(map)?;
        let name = input.name.ok_or_else(|| required("name"))?;
        let service_type = input.service_type.ok_or_else(|| required("type"))?;
        if service_type == USER {
            return Err(invalid_field(
                "type",
                "A service of type 'user' already exists: it is built in and there can be only one.",
            ));
        }
        validate_name(&name)?;
        let given = config_object(&service_type, input.config.as_ref())?;
        let config = validate_config(state, &service_type, given, None).await?;
        let new = NewService {
            label: Some(input.label.unwrap_or_else(|| name.clone())),
            description: input.description.flatten(),
            is_active: input.is_active.unwrap_or(true),
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
        Ok(row.id)
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
        let input: ServiceInput = parse(map)?;
        let name = input.name.filter(|name| *name != current.name);
        if let Some(name) = &name {
            if current.service_type == USER {
                return Err(invalid_field(
                    "name",
                    "The name of the 'user' service cannot be changed.",
                ));
            }
            validate_name(name)?;
        }
        if input
            .service_type
            .is_some_and(|t| t != current.service_type)
        {
            return Err(invalid_field(
                "type",
                "The type of a service cannot be changed.",
            ));
        }
        let config = match config_object(&current.service_type, input.config.as_ref())? {
            None => None,
            Some(given) => Some(
                validate_config(
                    state,
                    &current.service_type,
                    Some(given),
                    Some(&current.config),
                )
                .await?,
            ),
        };
        let patch = ServicePatch {
            name,
            label: input.label,
            description: input.description,
            is_active: input.is_active,
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

/// Validates a service's type and config (for `sqlite`, resolves its database; for `pgsql` and
/// `mysql`, checks its destination and that the database accepts the login) and returns
/// the config to store (normalised, without the `create` instruction). On an update the keys
/// `given` are merged into the `stored` config first.
pub(crate) async fn validate_config(
    state: &AppState,
    service_type: &str,
    given: Option<&Map<String, Value>>,
    stored: Option<&Value>,
) -> Result<Value, ApiError> {
    let empty = Map::new();
    let given = given.unwrap_or(&empty);
    let config = Value::Object(match stored {
        Some(stored) => merged_config(stored, given),
        None => given.clone(),
    });
    if service_type == USER {
        let config = parse_user_config(&config)?;
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
    if service_type == crate::scripts::NODEJS {
        let script = crate::scripts::service::parse_script_config(&config)?;
        let engine = &state.scripts.engine;
        crate::scripts::check_syntax(engine, service_type, "content", &script.content).await?;
        return Ok(script.to_json());
    }
    if service_type == crate::files::LOCAL_FILE {
        use crate::files::config::{parse_local_file_config, resolve_container};
        let config = parse_local_file_config(&config)?;
        let (probe, settings) = (config.clone(), state.settings.clone());
        actix_web::web::block(move || resolve_container(&probe, &settings))
            .await
            .map_err(ApiError::internal)?
            .map_err(|reason| invalid_field("container", &reason))?;
        return Ok(config.to_json());
    }
    if let Some(engine) = Engine::of_type(service_type) {
        return validate_remote_config(engine, &state.settings, &state.secrets, given, stored)
            .await;
    }
    if service_type != SQLITE {
        return Err(invalid_field(
            "type",
            &format!("Service type '{service_type}' is not supported."),
        ));
    }
    let (config, create) = parse_sqlite_config(&config)?;
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
