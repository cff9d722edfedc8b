//! The `role_service_access` queries of [`Roles`]: which verbs a role may use on which service
//! components, under which record filters, and (a Sluice extension) which columns it may not
//! read. They live on `Roles` because an access row belongs to its role (deleting the role
//! deletes them); the file is separate only to keep each one short.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::codec::{bind_nullable, get_json, now_timestamp};
use crate::{DbError, Roles};

macro_rules! access_columns {
    () => {
        "id, role_id, service_id, component, verb_mask, requestor_mask, filters, filter_op, \
         hidden_fields, created_date, last_modified_date, created_by_id, last_modified_by_id"
    };
}

/// A stored access row, serialised with DreamFactory's field names (plus `hidden_fields`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleAccessRow {
    pub id: i64,
    pub role_id: i64,
    /// `None` = every service.
    pub service_id: Option<i64>,
    /// `None` or `""` = the service root; `*` and `prefix/*` are wildcards (spec 9.1).
    pub component: Option<String>,
    /// DreamFactory's verb bits (GET 1, POST 2, PUT 4, PATCH 8, DELETE 16).
    pub verb_mask: i64,
    /// DreamFactory's requestor bits (API 1, script 2).
    pub requestor_mask: i64,
    /// The record filters, a JSON array as stored (`[{"name", "operator", "value"}, …]`).
    pub filters: serde_json::Value,
    /// How `filters` combine: `AND` or `OR`.
    pub filter_op: String,
    /// Sluice extension: a JSON array of column names the role may not read on the matching
    /// tables (`[]` hides nothing).
    pub hidden_fields: serde_json::Value,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// An access row to create. The caller validates masks, filters and `hidden_fields`; the
/// database only checks that the role and service exist.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRoleAccess {
    pub role_id: i64,
    pub service_id: Option<i64>,
    pub component: Option<String>,
    pub verb_mask: i64,
    pub requestor_mask: i64,
    pub filters: serde_json::Value,
    pub filter_op: String,
    pub hidden_fields: serde_json::Value,
}

impl NewRoleAccess {
    /// An access row with the column defaults: no verbs, API requestors only, no filters
    /// (`AND`), nothing hidden.
    pub fn new(role_id: i64, service_id: Option<i64>, component: Option<&str>) -> NewRoleAccess {
        NewRoleAccess {
            role_id,
            service_id,
            component: component.map(str::to_owned),
            verb_mask: 0,
            requestor_mask: 1,
            filters: serde_json::Value::Array(Vec::new()),
            filter_op: "AND".to_owned(),
            hidden_fields: serde_json::Value::Array(Vec::new()),
        }
    }
}

/// A partial update: only the `Some` fields change; `Some(None)` makes the row apply to every
/// service (`service_id`) or to the service root (`component`). An access row never moves to
/// another role: delete it and insert a new one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleAccessPatch {
    pub service_id: Option<Option<i64>>,
    pub component: Option<Option<String>>,
    pub verb_mask: Option<i64>,
    pub requestor_mask: Option<i64>,
    /// Replaces the whole array.
    pub filters: Option<serde_json::Value>,
    pub filter_op: Option<String>,
    /// Replaces the whole array.
    pub hidden_fields: Option<serde_json::Value>,
}

impl Roles<'_> {
    /// Every access row of every role, by id: what the gateway loads to build its grants.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`], [`DbError::CorruptJson`].
    pub async fn list_access(self) -> Result<Vec<RoleAccessRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            access_columns!(),
            " FROM role_service_access ORDER BY id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(access_from_row).collect()
    }

    /// The access rows of one role, by id (empty for an unknown role).
    ///
    /// # Errors
    /// As [`Roles::list_access`].
    pub async fn access_for_role(self, role_id: i64) -> Result<Vec<RoleAccessRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            access_columns!(),
            " FROM role_service_access WHERE role_id = $1 ORDER BY id"
        ))
        .bind(role_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(access_from_row).collect()
    }

    /// The access row with this id, if any.
    ///
    /// # Errors
    /// As [`Roles::list_access`].
    pub async fn get_access(self, id: i64) -> Result<Option<RoleAccessRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            access_columns!(),
            " FROM role_service_access WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(access_from_row).transpose()
    }

    /// Creates an access row; `actor` is the acting user's id for the audit columns.
    ///
    /// # Errors
    /// [`DbError::InvalidReference`] if the role, the service or `actor` does not exist, and as
    /// [`Roles::list_access`].
    pub async fn insert_access(
        self,
        access: &NewRoleAccess,
        actor: Option<i64>,
    ) -> Result<RoleAccessRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO role_service_access (role_id, service_id, component, verb_mask, \
             requestor_mask, filters, filter_op, hidden_fields, created_date, \
             last_modified_date, created_by_id, last_modified_by_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10) RETURNING ",
            access_columns!()
        ))
        .bind(access.role_id)
        .bind(access.service_id)
        .bind(access.component.as_deref())
        .bind(access.verb_mask)
        .bind(access.requestor_mask)
        .bind(access.filters.to_string())
        .bind(&access.filter_op)
        .bind(access.hidden_fields.to_string())
        .bind(&now)
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(access_from_row(&row)).await
    }

    /// Applies `patch` and stamps `last_modified_date`/`last_modified_by_id`; `None` if there is
    /// no such access row.
    ///
    /// # Errors
    /// As [`Roles::insert_access`].
    pub async fn update_access(
        self,
        id: i64,
        patch: &RoleAccessPatch,
        actor: Option<i64>,
    ) -> Result<Option<RoleAccessRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE role_service_access SET \
             service_id = CASE WHEN $2 THEN $3 ELSE service_id END, \
             component = CASE WHEN $4 THEN $5 ELSE component END, \
             verb_mask = COALESCE($6, verb_mask), \
             requestor_mask = COALESCE($7, requestor_mask), \
             filters = COALESCE($8, filters), \
             filter_op = COALESCE($9, filter_op), \
             hidden_fields = COALESCE($10, hidden_fields), \
             last_modified_date = $11, \
             last_modified_by_id = $12 \
             WHERE id = $1 RETURNING ",
            access_columns!()
        ))
        .bind(id);
        let query = bind_nullable(query, patch.service_id);
        let row = bind_nullable(query, patch.component.as_ref().map(Option::as_deref))
            .bind(patch.verb_mask)
            .bind(patch.requestor_mask)
            .bind(patch.filters.as_ref().map(serde_json::Value::to_string))
            .bind(patch.filter_op.as_deref())
            .bind(
                patch
                    .hidden_fields
                    .as_ref()
                    .map(serde_json::Value::to_string),
            )
            .bind(now_timestamp())
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(access_from_row).transpose())
            .await
    }

    /// Deletes an access row; `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete_access(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM role_service_access WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn access_from_row(row: &AnyRow) -> Result<RoleAccessRow, DbError> {
    Ok(RoleAccessRow {
        id: row.try_get("id")?,
        role_id: row.try_get("role_id")?,
        service_id: row.try_get("service_id")?,
        component: row.try_get("component")?,
        verb_mask: row.try_get("verb_mask")?,
        requestor_mask: row.try_get("requestor_mask")?,
        filters: get_json(row, "filters")?,
        filter_op: row.try_get("filter_op")?,
        hidden_fields: get_json(row, "hidden_fields")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
