//! Repository for the `service` table.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::{bind_nullable, get_flag, get_json, now_timestamp};
use crate::db::Handle;

macro_rules! service_columns {
    () => {
        "id, name, label, description, is_active, type, mutable, deletable, config, \
         created_date, last_modified_date, created_by_id, last_modified_by_id"
    };
}

/// A stored service, serialised with DreamFactory's field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRow {
    pub id: i64,
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    pub is_active: bool,
    #[serde(rename = "type")]
    pub service_type: String,
    pub mutable: bool,
    pub deletable: bool,
    /// Type-specific configuration object (spec 10.4).
    pub config: serde_json::Value,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// A service to create. Validation (name pattern, known type, config shape) is the caller's.
#[derive(Debug, Clone, PartialEq)]
pub struct NewService {
    pub name: String,
    /// Defaults to `name`, as in DreamFactory.
    pub label: Option<String>,
    pub description: Option<String>,
    pub is_active: bool,
    pub service_type: String,
    pub mutable: bool,
    pub deletable: bool,
    pub config: serde_json::Value,
}

impl NewService {
    /// An active, mutable, deletable service with an empty config object.
    pub fn new(name: impl Into<String>, service_type: impl Into<String>) -> NewService {
        NewService {
            name: name.into(),
            label: None,
            description: None,
            is_active: true,
            service_type: service_type.into(),
            mutable: true,
            deletable: true,
            config: serde_json::Value::Object(serde_json::Map::new()),
        }
    }
}

/// A partial update: only the `Some` fields change. `description` is nullable, so
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServicePatch {
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
    pub service_type: Option<String>,
    pub mutable: Option<bool>,
    pub deletable: Option<bool>,
    /// Replaces the whole config object (merging is the caller's decision).
    pub config: Option<serde_json::Value>,
}

/// Service queries; get one from [`crate::SystemDb::services`] or [`crate::SystemTx::services`].
pub struct Services<'a> {
    handle: Handle<'a>,
}

impl<'a> Services<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Services { handle }
    }

    /// All services, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`], [`DbError::CorruptJson`].
    pub async fn list(self) -> Result<Vec<ServiceRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            service_columns!(),
            " FROM service ORDER BY id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(service_from_row).collect()
    }

    /// The service with this id, if any.
    ///
    /// # Errors
    /// As [`Services::list`].
    pub async fn get(self, id: i64) -> Result<Option<ServiceRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            service_columns!(),
            " FROM service WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(service_from_row).transpose()
    }

    /// The service with this name, compared case-insensitively (names are unique that way).
    ///
    /// # Errors
    /// As [`Services::list`].
    pub async fn get_by_name(self, name: &str) -> Result<Option<ServiceRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            service_columns!(),
            " FROM service WHERE lower(name) = lower($1)"
        ))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(service_from_row).transpose()
    }

    /// Creates a service; `actor` is the acting user's id for the audit columns.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`name`) if the name is taken in any letter case,
    /// [`DbError::InvalidReference`] if `actor` is not a user, and as [`Services::list`].
    pub async fn insert(
        self,
        service: &NewService,
        actor: Option<i64>,
    ) -> Result<ServiceRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO service (name, label, description, is_active, type, mutable, deletable, \
             config, created_date, last_modified_date, created_by_id, last_modified_by_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10) RETURNING ",
            service_columns!()
        ))
        .bind(&service.name)
        .bind(service.label.as_deref().unwrap_or(&service.name))
        .bind(service.description.as_deref())
        .bind(service.is_active)
        .bind(&service.service_type)
        .bind(service.mutable)
        .bind(service.deletable)
        .bind(service.config.to_string())
        .bind(&now)
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(service_from_row(&row)).await
    }

    /// Applies `patch` and stamps `last_modified_date`/`last_modified_by_id`; `None` if there is
    /// no such service.
    ///
    /// # Errors
    /// As [`Services::insert`].
    pub async fn update(
        self,
        id: i64,
        patch: &ServicePatch,
        actor: Option<i64>,
    ) -> Result<Option<ServiceRow>, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE service SET \
             name = COALESCE($2, name), \
             label = COALESCE($3, label), \
             description = CASE WHEN $4 THEN $5 ELSE description END, \
             is_active = COALESCE($6, is_active), \
             type = COALESCE($7, type), \
             mutable = COALESCE($8, mutable), \
             deletable = COALESCE($9, deletable), \
             config = COALESCE($10, config), \
             last_modified_date = $11, \
             last_modified_by_id = $12 \
             WHERE id = $1 RETURNING ",
            service_columns!()
        ))
        .bind(id)
        .bind(patch.name.as_deref())
        .bind(patch.label.as_deref());
        let row = bind_nullable(query, patch.description.as_ref().map(Option::as_deref))
            .bind(patch.is_active)
            .bind(patch.service_type.as_deref())
            .bind(patch.mutable)
            .bind(patch.deletable)
            .bind(patch.config.as_ref().map(serde_json::Value::to_string))
            .bind(&now)
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(service_from_row).transpose())
            .await
    }

    /// Deletes a service (its role accesses and limits go with it); `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM service WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn service_from_row(row: &AnyRow) -> Result<ServiceRow, DbError> {
    Ok(ServiceRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        label: row.try_get("label")?,
        description: row.try_get("description")?,
        is_active: get_flag(row, "is_active")?,
        service_type: row.try_get("type")?,
        mutable: get_flag(row, "mutable")?,
        deletable: get_flag(row, "deletable")?,
        config: get_json(row, "config")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
