//! `/system/role`: roles and their access rows, nested as `role_service_access_by_role_id`.
//! In a nested list a row without `id` is created, a row with `id` is updated, and a row with
//! `id` and `"role_id": null` is deleted.
//! Every change reaches the role cache at once; deactivating or deleting a role revokes the
//! sessions that use it.

use serde::Deserialize;
use serde_json::{Value, json};
use sluice_rbac::{FilterOp, RequestorMask, RoleGrants, VerbMask, sql_conflicts, validate_filters};
use sluice_system_db::{
    DbError, NewRole, NewRoleAccess, RoleAccessPatch, RoleAccessRow, RolePatch, RoleRow, SystemTx,
};
use utoipa::ToSchema;

use super::input::{
    access_rows, field_names, filters, flag, integer, is_null, nullable_integer, nullable_text,
    parse, parse_value, text,
};
use crate::auth::SystemAdmin;
use crate::auth::directory::{grant_of, row_filter_of};
use crate::auth::sessions::revoke_role_sessions;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use crate::system::fields::{
    Body, invalid_field, not_found, required, to_record, validate_display_name,
};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

const ACCESS: &str = "role_service_access_by_role_id";
const LOOKUPS: &str = "lookup_by_role_id";

pub struct Roles;

/// A role as written (POST creates, PUT and PATCH change what is given).
#[derive(Deserialize, ToSchema)]
pub(crate) struct RoleInput {
    /// 1 to 64 characters. Required on create.
    #[serde(default, deserialize_with = "text")]
    name: Option<String>,
    /// Cut to 255 characters, as DreamFactory does.
    #[serde(default, deserialize_with = "nullable_text")]
    description: Option<Option<String>>,
    /// Defaults to false.
    #[serde(default, deserialize_with = "flag")]
    is_active: Option<bool>,
    /// Access rows to create (no `id`), update (`id`) or delete (`id` and `"role_id": null`).
    #[schema(value_type = Option<Vec<AccessRowInput>>)]
    #[serde(default, deserialize_with = "access_rows")]
    role_service_access_by_role_id: Option<Vec<Value>>,
}

/// One row of `role_service_access_by_role_id` as written.
#[derive(Deserialize, ToSchema)]
pub(crate) struct AccessRowInput {
    /// The row to update or delete; absent to create one.
    #[serde(default, deserialize_with = "integer")]
    id: Option<i64>,
    /// Given as `null` together with `id`, deletes the row.
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "is_null")]
    role_id: bool,
    /// The service the row grants access to.
    #[serde(default, deserialize_with = "nullable_integer")]
    service_id: Option<Option<i64>>,
    /// `*`, `_table/*`, `_table/contact`, ...
    #[serde(default, deserialize_with = "nullable_text")]
    component: Option<Option<String>>,
    /// GET 1, POST 2, PUT 4, PATCH 8, DELETE 16, added up.
    #[serde(default, deserialize_with = "integer")]
    verb_mask: Option<i64>,
    /// API 1, SCRIPT 2, both 3. Defaults to 1.
    #[serde(default, deserialize_with = "integer")]
    requestor_mask: Option<i64>,
    /// Row filters, each `{"name", "operator", "value"}`; `null` clears them.
    #[schema(value_type = Option<Vec<Object>>)]
    #[serde(default, deserialize_with = "filters")]
    filters: Option<Vec<Value>>,
    /// `AND` (the default) or `OR`.
    #[serde(default, deserialize_with = "text")]
    filter_op: Option<String>,
    /// Columns the role may not see or write (a Sluice extension); `null` clears them.
    #[serde(default, deserialize_with = "field_names")]
    hidden_fields: Option<Vec<String>>,
}

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
    type Input = RoleInput;
    type ReadOnly = crate::routes::doc_schemas::RoleReadOnly;

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
        let input: RoleInput = parse(body)?;
        let name = input.name.ok_or_else(|| required("name"))?;
        validate_display_name(&name)?;
        let new = NewRole {
            name,
            description: input.description.flatten().map(truncate_description),
            is_active: input.is_active.unwrap_or(false),
        };
        let changes = access_changes(state, input.role_service_access_by_role_id)?;
        let by = Some(admin.user_id());
        let mut tx = state.db.begin().await?;
        let row = tx.roles().insert(&new, by).await.map_err(conflict)?;
        apply_access_changes(&mut tx, row.id, changes, by).await?;
        refuse_sql_with_record_rules(&mut tx, row.id).await?;
        tx.commit().await?;
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
        let input: RoleInput = parse(body)?;
        if let Some(name) = &input.name {
            validate_display_name(name)?;
        }
        let patch = RolePatch {
            name: input.name,
            description: input.description.map(|d| d.map(truncate_description)),
            is_active: input.is_active,
        };
        let changes = access_changes(state, input.role_service_access_by_role_id)?;
        let by = Some(admin.user_id());
        let mut tx = state.db.begin().await?;
        let row: RoleRow = tx
            .roles()
            .update(id, &patch, by)
            .await
            .map_err(conflict)?
            .ok_or_else(|| not_found(id))?;
        apply_access_changes(&mut tx, id, changes, by).await?;
        refuse_sql_with_record_rules(&mut tx, id).await?;
        tx.commit().await?;
        if !row.is_active {
            revoke_role_sessions(state, id).await?;
        }
        tracing::info!(role.id = id, "role updated");
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        revoke_role_sessions(state, id).await?;
        state.db.roles().delete(id).await?;
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

fn access_changes(
    state: &AppState,
    rows: Option<Vec<Value>>,
) -> Result<Vec<AccessChange>, ApiError> {
    rows.unwrap_or_default()
        .iter()
        .map(|item| {
            let row = parse_value(item, ACCESS, "Each access row must be an object.")?;
            access_change(state, row)
        })
        .collect()
}

fn access_change(state: &AppState, row: AccessRowInput) -> Result<AccessChange, ApiError> {
    if let Some(id) = row.id
        && row.role_id
    {
        return Ok(AccessChange::Delete(id));
    }
    if let Some(Some(service_id)) = row.service_id
        && !state.services.all().iter().any(|s| s.row.id == service_id)
    {
        return Err(invalid_field(
            "service_id",
            &format!("The service id {service_id} does not exist."),
        ));
    }
    checked_change(row)
}

/// An access row of a package (`system/package`), checked as a written one is and always
/// created; `service_id` is already this instance's (the import mapped it, and the service
/// may exist only in the import's transaction, so the registry is not asked).
pub(crate) fn imported_access(
    item: &Value,
    service_id: Option<i64>,
) -> Result<NewRoleAccess, ApiError> {
    let mut row: AccessRowInput = parse_value(item, ACCESS, "Each access row must be an object.")?;
    row.id = None;
    row.service_id = Some(service_id);
    match checked_change(row)? {
        AccessChange::Create(new) => Ok(new),
        AccessChange::Update(..) | AccessChange::Delete(_) => Err(ApiError::internal(
            "an imported access row was not a creation",
        )),
    }
}

/// The change an access row asks for, its values checked (not its service).
fn checked_change(row: AccessRowInput) -> Result<AccessChange, ApiError> {
    if let Some(bits) = row.verb_mask {
        VerbMask::try_from(bits).map_err(|e| invalid_field("verb_mask", &e.to_string()))?;
    }
    if let Some(bits) = row.requestor_mask {
        RequestorMask::try_from(bits)
            .map_err(|e| invalid_field("requestor_mask", &e.to_string()))?;
    }
    let filters = row.filters.map(checked_filters).transpose()?;
    let filter_op = match row.filter_op {
        Some(op) => Some(
            op.parse::<FilterOp>()
                .map_err(|e| invalid_field("filter_op", &e.to_string()))?
                .as_str()
                .to_string(),
        ),
        None => None,
    };
    let hidden_fields = row.hidden_fields.map(|names| json!(names));
    Ok(match row.id {
        Some(id) => AccessChange::Update(
            id,
            RoleAccessPatch {
                service_id: row.service_id,
                component: row.component,
                verb_mask: row.verb_mask,
                requestor_mask: row.requestor_mask,
                filters,
                filter_op,
                hidden_fields,
            },
        ),
        None => AccessChange::Create(NewRoleAccess {
            role_id: 0,
            service_id: row.service_id.flatten(),
            component: row.component.flatten(),
            verb_mask: row.verb_mask.unwrap_or(0),
            requestor_mask: row.requestor_mask.unwrap_or(1),
            filters: filters.unwrap_or_else(|| json!([])),
            filter_op: filter_op.unwrap_or_else(|| "AND".to_string()),
            hidden_fields: hidden_fields.unwrap_or_else(|| json!([])),
        }),
    })
}

/// `filters`: objects of `{name, operator, value}`, validated as the row filter compiler
/// will read them, and stored as given.
fn checked_filters(items: Vec<Value>) -> Result<Value, ApiError> {
    if items.iter().any(|item| !item.is_object()) {
        return Err(invalid_field(
            "filters",
            "Each filter must be an object with name, operator and value.",
        ));
    }
    let parsed: Vec<_> = items.iter().map(row_filter_of).collect();
    validate_filters(&parsed).map_err(|e| invalid_field("filters", &e.to_string()))?;
    Ok(Value::Array(items))
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

/// Raw SQL (`_sql`) would bypass row filters and hidden fields, so a role may not have both
/// on one service (rows for every service count for each). Checked on the rows as they
/// will be stored; the transaction is dropped (nothing saved) when refused.
pub(crate) async fn refuse_sql_with_record_rules(
    tx: &mut SystemTx,
    role_id: i64,
) -> Result<(), ApiError> {
    let rows = tx.roles().access_for_role(role_id).await?;
    let grants = RoleGrants {
        role_id,
        is_active: true,
        grants: rows.iter().map(grant_of).collect(),
    };
    match sql_conflicts(&grants).first() {
        None => Ok(()),
        Some(service_id) => Err(invalid_field(
            ACCESS,
            &format!(
                "The role grants _sql on service {service_id} and has row filters or hidden \
                 fields there: raw SQL would bypass them. Remove the _sql row or the record rules."
            ),
        )),
    }
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
