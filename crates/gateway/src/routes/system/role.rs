//! `/system/role`: roles and their access rows, nested as `role_service_access_by_role_id`
//! (wire reference 9.1, 10.2; seed "Managing Roles"). In a nested list a row without `id` is
//! created, a row with `id` is updated, and a row with `id` and `"role_id": null` is deleted.
//! Every change reaches the role cache at once; deactivating or deleting a role revokes the
//! sessions that use it.

use serde_json::{Value, json};
use sluice_rbac::{FilterOp, RequestorMask, VerbMask, validate_filters};
use sluice_system_db::{
    DbError, NewRole, NewRoleAccess, RoleAccessPatch, RoleAccessRow, RolePatch, RoleRow, SystemTx,
};

use crate::auth::SystemAdmin;
use crate::auth::directory::row_filter_of;
use crate::auth::sessions::revoke_role_sessions;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use crate::system::fields::{
    Body, flag, integer, invalid_field, not_found, nullable_integer, nullable_text, required, text,
    to_record, validate_display_name,
};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

const ACCESS: &str = "role_service_access_by_role_id";
const LOOKUPS: &str = "lookup_by_role_id";

pub struct Roles;

async fn attach(
    state: &AppState,
    record: &mut Record,
    id: i64,
    related: &[&str],
) -> Result<(), ApiError> {
    if related.contains(&ACCESS) {
        let rows = state.db.roles().access_for_role(id).await?;
        let rows: Vec<Value> = rows.iter().map(|r| Value::Object(to_record(r))).collect();
        record.insert(ACCESS.into(), Value::Array(rows));
    }
    if related.contains(&LOOKUPS) {
        let rows = state.db.lookups().list().await?;
        let rows: Vec<Value> = rows
            .iter()
            .filter(|r| r.role_id == Some(id))
            .map(|r| Value::Object(super::lookup::masked(r)))
            .collect();
        record.insert(LOOKUPS.into(), Value::Array(rows));
    }
    Ok(())
}

impl SystemResource for Roles {
    const NAME: &'static str = "role";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "description",
        "is_active",
        "created_date",
        "last_modified_date",
        "created_by_id",
        "last_modified_by_id",
    ];
    const RELATIONS: &'static [&'static str] = &[ACCESS, LOOKUPS];

    async fn load_all(state: &AppState, related: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        let mut records = Vec::new();
        for row in state.db.roles().list().await? {
            let mut record = to_record(&row);
            attach(state, &mut record, row.id, related).await?;
            records.push(record);
        }
        Ok(records)
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        related: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        let Some(row) = state.db.roles().get(id).await? else {
            return Ok(None);
        };
        let mut record = to_record(&row);
        attach(state, &mut record, id, related).await?;
        Ok(Some(record))
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        body: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let name = text(body, "name")?.ok_or_else(|| required("name"))?;
        validate_display_name(&name)?;
        let new = NewRole {
            name,
            description: text(body, "description")?.map(truncate_description),
            is_active: flag(body, "is_active")?.unwrap_or(false),
        };
        let changes = access_changes(state, body)?;
        let by = Some(admin.user_id());
        let mut tx = state.db.begin().await?;
        let row = tx.roles().insert(&new, by).await.map_err(conflict)?;
        apply_access_changes(&mut tx, row.id, changes, by).await?;
        tx.commit().await?;
        state.access.invalidate_roles();
        tracing::info!(role.id = row.id, "role created");
        Ok(row.id)
    }

    async fn update(
        state: &AppState,
        admin: &SystemAdmin,
        id: i64,
        body: &Body,
        _: &Params,
    ) -> Result<(), ApiError> {
        let name = text(body, "name")?;
        if let Some(name) = &name {
            validate_display_name(name)?;
        }
        let patch = RolePatch {
            name,
            description: nullable_text(body, "description")?.map(|d| d.map(truncate_description)),
            is_active: flag(body, "is_active")?,
        };
        let changes = access_changes(state, body)?;
        let by = Some(admin.user_id());
        let mut tx = state.db.begin().await?;
        let row: RoleRow = tx
            .roles()
            .update(id, &patch, by)
            .await
            .map_err(conflict)?
            .ok_or_else(|| not_found(id))?;
        apply_access_changes(&mut tx, id, changes, by).await?;
        tx.commit().await?;
        if !row.is_active {
            revoke_role_sessions(state, id).await?;
        }
        state.access.invalidate_roles();
        tracing::info!(role.id = id, "role updated");
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        revoke_role_sessions(state, id).await?;
        state.db.roles().delete(id).await?;
        state.access.invalidate_all();
        tracing::info!(role.id = id, "role deleted");
        Ok(())
    }
}

/// DreamFactory truncates descriptions to 255 characters.
fn truncate_description(description: String) -> String {
    description.chars().take(255).collect()
}

fn conflict(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => invalid_field("name", "The name has already been taken."),
        other => ApiError::from(other),
    }
}

/// What a nested `role_service_access_by_role_id` list asks for, validated before anything
/// is written.
enum AccessChange {
    Create(NewRoleAccess),
    Update(i64, RoleAccessPatch),
    Delete(i64),
}

fn access_changes(state: &AppState, body: &Body) -> Result<Vec<AccessChange>, ApiError> {
    let items = match body.get(ACCESS) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid_field(ACCESS, "The access rows must be an array.")),
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(row) = item else {
                return Err(invalid_field(ACCESS, "Each access row must be an object."));
            };
            access_change(state, row)
        })
        .collect()
}

fn access_change(state: &AppState, row: &Body) -> Result<AccessChange, ApiError> {
    let id = integer(row, "id")?;
    if let Some(id) = id
        && matches!(row.get("role_id"), Some(Value::Null))
    {
        return Ok(AccessChange::Delete(id));
    }
    let service_id = nullable_integer(row, "service_id")?;
    if let Some(Some(service_id)) = service_id
        && !state.services.all().iter().any(|s| s.row.id == service_id)
    {
        return Err(invalid_field(
            "service_id",
            &format!("The service id {service_id} does not exist."),
        ));
    }
    let verb_mask = integer(row, "verb_mask")?;
    if let Some(bits) = verb_mask {
        VerbMask::try_from(bits).map_err(|e| invalid_field("verb_mask", &e.to_string()))?;
    }
    let requestor_mask = integer(row, "requestor_mask")?;
    if let Some(bits) = requestor_mask {
        RequestorMask::try_from(bits)
            .map_err(|e| invalid_field("requestor_mask", &e.to_string()))?;
    }
    let filters = filters_of(row)?;
    let filter_op = match text(row, "filter_op")? {
        Some(op) => Some(
            op.parse::<FilterOp>()
                .map_err(|e| invalid_field("filter_op", &e.to_string()))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let hidden_fields = hidden_fields_of(row)?;
    let component = nullable_text(row, "component")?;
    Ok(match id {
        Some(id) => AccessChange::Update(
            id,
            RoleAccessPatch {
                service_id,
                component,
                verb_mask,
                requestor_mask,
                filters,
                filter_op,
                hidden_fields,
            },
        ),
        None => AccessChange::Create(NewRoleAccess {
            role_id: 0,
            service_id: service_id.flatten(),
            component: component.flatten(),
            verb_mask: verb_mask.unwrap_or(0),
            requestor_mask: requestor_mask.unwrap_or(1),
            filters: filters.unwrap_or_else(|| json!([])),
            filter_op: filter_op.unwrap_or_else(|| "AND".to_string()),
            hidden_fields: hidden_fields.unwrap_or_else(|| json!([])),
        }),
    })
}

/// `filters`: an array of `{name, operator, value}`, validated as the row filter compiler
/// will read it, and stored as given.
fn filters_of(row: &Body) -> Result<Option<Value>, ApiError> {
    let items = match row.get("filters") {
        None => return Ok(None),
        Some(Value::Null) => return Ok(Some(json!([]))),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid_field("filters", "The filters must be an array.")),
    };
    if items.iter().any(|item| !item.is_object()) {
        return Err(invalid_field(
            "filters",
            "Each filter must be an object with name, operator and value.",
        ));
    }
    let parsed: Vec<_> = items.iter().map(row_filter_of).collect();
    validate_filters(&parsed).map_err(|e| invalid_field("filters", &e.to_string()))?;
    Ok(Some(Value::Array(items.clone())))
}

/// `hidden_fields` (a Sluice extension): an array of column names.
fn hidden_fields_of(row: &Body) -> Result<Option<Value>, ApiError> {
    match row.get("hidden_fields") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(json!([]))),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            Ok(Some(Value::Array(items.clone())))
        }
        Some(_) => Err(invalid_field(
            "hidden_fields",
            "The hidden_fields must be an array of field names.",
        )),
    }
}

async fn apply_access_changes(
    tx: &mut SystemTx,
    role_id: i64,
    changes: Vec<AccessChange>,
    by: Option<i64>,
) -> Result<(), ApiError> {
    for change in changes {
        match change {
            AccessChange::Create(mut new) => {
                new.role_id = role_id;
                tx.roles().insert_access(&new, by).await?;
            }
            AccessChange::Update(id, patch) => {
                owned_access(tx, role_id, id).await?;
                tx.roles().update_access(id, &patch, by).await?;
            }
            AccessChange::Delete(id) => {
                owned_access(tx, role_id, id).await?;
                tx.roles().delete_access(id).await?;
            }
        }
    }
    Ok(())
}

/// An access row of this role: another role's row is as good as missing.
async fn owned_access(tx: &mut SystemTx, role_id: i64, id: i64) -> Result<RoleAccessRow, ApiError> {
    match tx.roles().get_access(id).await? {
        Some(row) if row.role_id == role_id => Ok(row),
        _ => Err(invalid_field(
            ACCESS,
            &format!("The access row {id} does not belong to this role."),
        )),
    }
}
