//! Repository for the `event_script` table: DreamFactory's event scripts, keyed by the event
//! name they run on.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::{AnyQuery, get_flag, now_timestamp};
use crate::db::Handle;

macro_rules! event_script_columns {
    () => {
        "name, type, content, config, is_active, allow_event_modification, storage_service_id, \
         storage_path, scm_repository, scm_reference, created_date, last_modified_date, \
         created_by_id, last_modified_by_id"
    };
}

/// A stored event script, serialised with DreamFactory's field names. `config` is the JSON
/// text as stored (`None` when there is none).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventScriptRow {
    pub name: String,
    #[serde(rename = "type")]
    pub script_type: String,
    pub content: Option<String>,
    pub config: Option<String>,
    pub is_active: bool,
    pub allow_event_modification: bool,
    pub storage_service_id: Option<i64>,
    pub storage_path: Option<String>,
    pub scm_repository: Option<String>,
    pub scm_reference: Option<String>,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// The writable fields of a script, all of them: an update writes the merged record.
#[derive(Clone, Debug, PartialEq)]
pub struct EventScriptWrite {
    pub script_type: String,
    pub content: Option<String>,
    pub config: Option<String>,
    pub is_active: bool,
    pub allow_event_modification: bool,
}

/// Event script queries; get one from [`crate::SystemDb::event_scripts`] or
/// [`crate::SystemTx::event_scripts`].
pub struct EventScripts<'a> {
    handle: Handle<'a>,
}

impl<'a> EventScripts<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        EventScripts { handle }
    }

    /// Every script, by name.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<EventScriptRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_script_columns!(),
            " FROM event_script ORDER BY name"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(event_script_from_row).collect()
    }

    /// The script of this event, if any.
    ///
    /// # Errors
    /// As [`EventScripts::list`].
    pub async fn get(self, name: &str) -> Result<Option<EventScriptRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            event_script_columns!(),
            " FROM event_script WHERE name = $1"
        ))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(event_script_from_row).transpose()
    }

    /// Creates the script of event `name`; `actor` is the acting user's id.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`name`) if the event has a script, and as
    /// [`EventScripts::list`].
    pub async fn insert(
        self,
        name: &str,
        script: &EventScriptWrite,
        actor: Option<i64>,
    ) -> Result<EventScriptRow, DbError> {
        let now = now_timestamp();
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "INSERT INTO event_script (name, type, content, config, is_active, \
             allow_event_modification, created_date, last_modified_date, created_by_id, \
             last_modified_by_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $8) RETURNING ",
            event_script_columns!()
        ));
        let row = bind_script(query, name, script)
            .bind(&now)
            .bind(actor)
            .fetch_one(&mut *conn)
            .await?;
        conn.confirm(event_script_from_row(&row)).await
    }

    /// Replaces the writable fields of event `name`'s script; `None` if it has none.
    ///
    /// # Errors
    /// As [`EventScripts::list`].
    pub async fn update(
        self,
        name: &str,
        script: &EventScriptWrite,
        actor: Option<i64>,
    ) -> Result<Option<EventScriptRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let query = sqlx::query(concat!(
            "UPDATE event_script SET type = $2, content = $3, config = $4, is_active = $5, \
             allow_event_modification = $6, last_modified_date = $7, last_modified_by_id = $8 \
             WHERE name = $1 RETURNING ",
            event_script_columns!()
        ));
        let row = bind_script(query, name, script)
            .bind(now_timestamp())
            .bind(actor)
            .fetch_optional(&mut *conn)
            .await?;
        conn.confirm(row.as_ref().map(event_script_from_row).transpose())
            .await
    }

    /// Deletes event `name`'s script; `false` if it had none.
    ///
    /// # Errors
    /// As [`EventScripts::list`].
    pub async fn delete(self, name: &str) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM event_script WHERE name = $1")
            .bind(name)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

/// Binds `$1` to `$6`: the name, then the writable fields in the order both writes use.
fn bind_script<'q>(
    query: AnyQuery<'q>,
    name: &'q str,
    script: &'q EventScriptWrite,
) -> AnyQuery<'q> {
    query
        .bind(name)
        .bind(&script.script_type)
        .bind(script.content.as_deref())
        .bind(script.config.as_deref())
        .bind(script.is_active)
        .bind(script.allow_event_modification)
}

fn event_script_from_row(row: &AnyRow) -> Result<EventScriptRow, DbError> {
    Ok(EventScriptRow {
        name: row.try_get("name")?,
        script_type: row.try_get("type")?,
        content: row.try_get("content")?,
        config: row.try_get("config")?,
        is_active: get_flag(row, "is_active")?,
        allow_event_modification: get_flag(row, "allow_event_modification")?,
        storage_service_id: row.try_get("storage_service_id")?,
        storage_path: row.try_get("storage_path")?,
        scm_repository: row.try_get("scm_repository")?,
        scm_reference: row.try_get("scm_reference")?,
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
