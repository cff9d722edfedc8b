//! Repository for the `app` table: the API keys clients send, each with a default role.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::{bind_nullable, get_flag, now_timestamp, text_patch};
use crate::db::Handle;

macro_rules! app_columns {
    () => {
        "id, name, api_key, description, is_active, type, path, url, storage_service_id, \
         storage_container, requires_fullscreen, allow_fullscreen_toggle, toggle_location, \
         role_id, created_date, last_modified_date, created_by_id, last_modified_by_id"
    };
}

/// A stored app, serialised with DreamFactory's field names (`api_key` included, as
/// DreamFactory shows it to admins). `Debug` redacts the key, which is a credential.
#[derive(Clone, PartialEq, Serialize)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    pub api_key: String,
    pub description: Option<String>,
    pub is_active: bool,
    /// 0 none, 1 storage service, 2 URL, 3 path, 4 git (spec 10.2).
    #[serde(rename = "type")]
    pub app_type: i64,
    pub path: Option<String>,
    pub url: Option<String>,
    pub storage_service_id: Option<i64>,
    pub storage_container: Option<String>,
    pub requires_fullscreen: bool,
    pub allow_fullscreen_toggle: bool,
    pub toggle_location: String,
    /// The role a request with this app's key gets when the user has no override for the app.
    pub role_id: Option<i64>,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

impl std::fmt::Debug for AppRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("api_key", &"<redacted>")
            .field("is_active", &self.is_active)
            .field("app_type", &self.app_type)
            .field("role_id", &self.role_id)
            .finish_non_exhaustive()
    }
}

/// An app to create. The caller generates `api_key` (DreamFactory: 64 hex characters) and
/// validates the rest.
#[derive(Clone, PartialEq)]
pub struct NewApp {
    pub name: String,
    pub api_key: String,
    pub description: Option<String>,
    pub is_active: bool,
    pub app_type: i64,
    pub path: Option<String>,
    pub url: Option<String>,
    pub storage_service_id: Option<i64>,
    pub storage_container: Option<String>,
    pub requires_fullscreen: bool,
    pub allow_fullscreen_toggle: bool,
    pub toggle_location: String,
    pub role_id: Option<i64>,
}

impl NewApp {
    /// An active app of type 0 (no hosted files), without a role, with DreamFactory's
    /// fullscreen defaults.
    pub fn new(name: impl Into<String>, api_key: impl Into<String>) -> NewApp {
        NewApp {
            name: name.into(),
            api_key: api_key.into(),
            description: None,
            is_active: true,
            app_type: 0,
            path: None,
            url: None,
            storage_service_id: None,
            storage_container: None,
            requires_fullscreen: false,
            allow_fullscreen_toggle: true,
            toggle_location: "top".to_owned(),
            role_id: None,
        }
    }
}

impl std::fmt::Debug for NewApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApp")
            .field("name", &self.name)
            .field("api_key", &"<redacted>")
            .field("is_active", &self.is_active)
            .field("app_type", &self.app_type)
            .field("role_id", &self.role_id)
            .finish_non_exhaustive()
    }
}

/// A partial update: only the `Some` fields change; for nullable columns `Some(None)` clears.
/// `api_key: Some(..)` regenerates the key (the old one stops working at once).
#[derive(Clone, Default, PartialEq)]
pub struct AppPatch {
    pub name: Option<String>,
    pub api_key: Option<String>,
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
    pub app_type: Option<i64>,
    pub path: Option<Option<String>>,
    pub url: Option<Option<String>>,
    pub storage_service_id: Option<Option<i64>>,
    pub storage_container: Option<Option<String>>,
    pub requires_fullscreen: Option<bool>,
    pub allow_fullscreen_toggle: Option<bool>,
    pub toggle_location: Option<String>,
    pub role_id: Option<Option<i64>>,
}

impl std::fmt::Debug for AppPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppPatch")
            .field("name", &self.name)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("is_active", &self.is_active)
            .field("role_id", &self.role_id)
            .finish_non_exhaustive()
    }
}

/// App queries; get one from [`crate::SystemDb::apps`] or [`crate::SystemTx::apps`].
pub struct Apps<'a> {
    handle: Handle<'a>,
}

impl<'a> Apps<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        Apps { handle }
    }

    /// All apps, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<AppRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!("SELECT ", app_columns!(), " FROM app ORDER BY id"))
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(app_from_row).collect()
    }

    /// The app with this id, if any.
    ///
    /// # Errors
    /// As [`Apps::list`].
    pub async fn get(self, id: i64) -> Result<Option<AppRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            app_columns!(),
            " FROM app WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(app_from_row).transpose()
    }

    /// The app whose key is exactly `api_key` (keys are compared case-sensitively), active or
    /// not: deciding what an inactive app's key may do is the caller's.
    ///
    /// # Errors
    /// As [`Apps::list`].
    pub async fn get_by_api_key(self, api_key: &str) -> Result<Option<AppRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            app_columns!(),
            " FROM app WHERE api_key = $1"
        ))
        .bind(api_key)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(app_from_row).transpose()
    }

    /// Creates an app; `actor` is the acting user's id for the audit columns.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`name` in any letter case, or `api_key`),
    /// [`DbError::InvalidReference`] for an unknown role, storage service or `actor`, and as
    /// [`Apps::list`].
    pub async fn insert(self, app: &NewApp, actor: Option<i64>) -> Result<AppRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let row = sqlx::query(concat!(
            "INSERT INTO app (name, api_key, description, is_active, type, path, url, \
             storage_service_id, storage_container, requires_fullscreen, \
             allow_fullscreen_toggle, toggle_location, role_id, created_date, \
             last_modified_date, created_by_id, last_modified_by_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $15) \
             RETURNING ",
            app_columns!()
        ))
        .bind(&app.name)
        .bind(&app.api_key)
        .bind(app.description.as_deref())
        .bind(app.is_active)
        .bind(app.app_type)
        .bind(app.path.as_deref())
        .bind(app.url.as_deref())
        .bind(app.storage_service_id)
        .bind(app.storage_container.as_deref())
        .bind(app.requires_fullscreen)
        .bind(app.allow_fullscreen_toggle)
        .bind(&app.toggle_location)
        .bind(app.role_id)
        .bind(&now)
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(app_from_row(&row)).await
    }

    /// Applies `patch` and stamps `last_modified_date`/`last_modified_by_id`; `None` if there is
    /// no such app.
    ///
    /// # Errors
    /// As [`Apps::insert`].
    pub async fn update(
        self,
        id: i64,
        patch: &AppPatch,
        actor: Option<i64>,
    ) -> Result<Option<AppRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE app SET \
             name = COALESCE($2, name), \
             api_key = COALESCE($3, api_key), \
             description = CASE WHEN $4 THEN $5 ELSE description END, \
             is_active = COALESCE($6, is_active), \
             type = COALESCE($7, type), \
             path = CASE WHEN $8 THEN $9 ELSE path END, \
             url = CASE WHEN $10 THEN $11 ELSE url END, \
             storage_service_id = CASE WHEN $12 THEN $13 ELSE storage_service_id END, \
             storage_container = CASE WHEN $14 THEN $15 ELSE storage_container END, \
             requires_fullscreen = COALESCE($16, requires_fullscreen), \
             allow_fullscreen_toggle = COALESCE($17, allow_fullscreen_toggle), \
             toggle_location = COALESCE($18, toggle_location), \
             role_id = CASE WHEN $19 THEN $20 ELSE role_id END, \
             last_modified_date = $21, \
             last_modified_by_id = $22 \
             WHERE id = $1 RETURNING ",
            app_columns!()
        ))
        .bind(id)
        .bind(patch.name.as_deref())
        .bind(patch.api_key.as_deref());
        let query = bind_nullable(query, text_patch(&patch.description))
            .bind(patch.is_active)
            .bind(patch.app_type);
        let query = bind_nullable(query, text_patch(&patch.path));
        let query = bind_nullable(query, text_patch(&patch.url));
        let query = bind_nullable(query, patch.storage_service_id);
        let query = bind_nullable(query, text_patch(&patch.storage_container))
            .bind(patch.requires_fullscreen)
            .bind(patch.allow_fullscreen_toggle)
            .bind(patch.toggle_location.as_deref());
        let row = bind_nullable(query, patch.role_id)
            .bind(now_timestamp())
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(app_from_row).transpose())
            .await
    }

    /// Deletes an app; `false` if there was none.
    ///
    /// Its app lookups, user-to-role assignments and issued-token records go with it
    /// (cascades); users who had it as `default_app_id` keep existing without one. The role it
    /// pointed at is not touched. To end the app's sessions, read them with
    /// [`crate::TokenMap::live_for_app`] *before* deleting.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM app WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

fn app_from_row(row: &AnyRow) -> Result<AppRow, DbError> {
    Ok(AppRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        api_key: row.try_get("api_key")?,
        description: row.try_get("description")?,
        is_active: get_flag(row, "is_active")?,
        app_type: row.try_get("type")?,
        path: row.try_get("path")?,
        url: row.try_get("url")?,
        storage_service_id: row.try_get("storage_service_id")?,
        storage_container: row.try_get("storage_container")?,
        requires_fullscreen: get_flag(row, "requires_fullscreen")?,
        allow_fullscreen_toggle: get_flag(row, "allow_fullscreen_toggle")?,
        toggle_location: row.try_get("toggle_location")?,
        role_id: row.try_get("role_id")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
