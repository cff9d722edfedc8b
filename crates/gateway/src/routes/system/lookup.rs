//! `/system/lookup`: lookup values for filters. A lookup is
//! system-wide, or scoped to one app, role or user; `private` values are never read back.

use serde::Deserialize;
use serde_json::json;
use sluice_system_db::{DbError, LookupPatch, LookupRow, NewLookup};
use utoipa::ToSchema;

use super::input::{flag, nullable_integer, nullable_text, parse, text};
use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::secrets::MASK;
use crate::state::AppState;
use crate::system::fields::{Body, invalid_field, not_found, required, to_record};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

pub struct Lookups;

/// A lookup as written (POST creates, PUT and PATCH change what is given). At most one of
/// `app_id`, `role_id` and `user_id` scopes it; none makes it system-wide.
#[derive(Deserialize, ToSchema)]
pub(crate) struct LookupInput {
    #[serde(default, deserialize_with = "nullable_integer")]
    app_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable_integer")]
    role_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable_integer")]
    user_id: Option<Option<i64>>,
    /// What filters write between braces: 1 to 64 letters, digits, `_`, `.` or `-`.
    /// Required on create.
    #[serde(default, deserialize_with = "text")]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable_text")]
    value: Option<Option<String>>,
    /// A private value is never read back (it reads as `**********`).
    #[serde(default, deserialize_with = "flag")]
    private: Option<bool>,
    #[serde(default, deserialize_with = "nullable_text")]
    description: Option<Option<String>>,
}

/// A lookup as clients see it: a private value reads back as `**********`.
pub fn masked(row: &LookupRow) -> Record {
    let mut record = to_record(row);
    if row.private {
        record.insert("value".into(), json!(MASK));
    }
    record
}

impl SystemResource for Lookups {
    const NAME: &'static str = "lookup";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "app_id",
        "role_id",
        "user_id",
        "name",
        "value",
        "private",
        "description",
        "created_date",
        "last_modified_date",
        "created_by_id",
        "last_modified_by_id",
    ];
    const RELATIONS: &'static [&'static str] = &[];
    type Input = LookupInput;
    type ReadOnly = crate::routes::doc_schemas::LookupReadOnly;

    async fn load_all(state: &AppState, _: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        Ok(state
            .db
            .lookups()
            .list()
            .await?
            .iter()
            .map(masked)
            .collect())
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        _: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        Ok(state.db.lookups().get(id).await?.as_ref().map(masked))
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        body: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let input: LookupInput = parse(body)?;
        let name = input.name.ok_or_else(|| required("name"))?;
        validate_name(&name)?;
        let new = NewLookup {
            app_id: input.app_id.flatten(),
            role_id: input.role_id.flatten(),
            user_id: input.user_id.flatten(),
            name,
            value: input.value.flatten(),
            private: input.private.unwrap_or(false),
            description: input.description.flatten(),
        };
        let row = state
            .db
            .lookups()
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
        let input: LookupInput = parse(body)?;
        if let Some(name) = &input.name {
            validate_name(name)?;
        }
        let patch = LookupPatch {
            app_id: input.app_id,
            role_id: input.role_id,
            user_id: input.user_id,
            name: input.name,
            value: input.value,
            private: input.private,
            description: input.description,
        };
        state
            .db
            .lookups()
            .update(id, &patch, Some(admin.user_id()))
            .await
            .map_err(write_error)?
            .ok_or_else(|| not_found(id))?;
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        state.db.lookups().delete(id).await?;
        Ok(())
    }
}

/// Lookup names are what filters write between braces: `{tenant}`, `{region.code}`.
fn validate_name(name: &str) -> Result<(), ApiError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        return Err(invalid_field(
            "name",
            "The name must be 1 to 64 letters, digits, '_', '.' or '-'.",
        ));
    }
    Ok(())
}

fn write_error(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => invalid_field(
            "name",
            "A lookup with this name already exists in this scope.",
        ),
        DbError::InvalidReference => invalid_field(
            "app_id",
            "The app, role or user of the lookup does not exist.",
        ),
        DbError::ConstraintViolation => invalid_field(
            "app_id",
            "A lookup belongs to at most one of app_id, role_id and user_id.",
        ),
        other => ApiError::from(other),
    }
}
