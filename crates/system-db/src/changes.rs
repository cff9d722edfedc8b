//! The change feed: how every node learns what changed in the system database.
//!
//! Triggers (migration `0003_change_feed`) record each write to a table a node caches in
//! `change_log`, inside the writing transaction, under a version that grows by one in commit
//! order. A node keeps the version it has applied and reads what came after it:
//!
//! - after each of its own writes (a committed transaction, or a single-statement write), before
//!   the write returns, so the node that made a change never answers from a cache that
//!   predates it;
//! - when PostgreSQL delivers a `NOTIFY sluice_change` (sent by the triggers, delivered if and
//!   only if the writing transaction commits): other nodes learn within milliseconds;
//! - on a poll every few seconds, the safety net for a lost notification.
//!
//! What a change means for a node's caches is the gateway's business: it attaches one
//! [`ChangeSink`], the one place where caches change.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

use sqlx::Row;

use crate::DbError;
use crate::db::Handle;

/// More changes than this behind, a node reloads everything instead of applying them one by
/// one.
const CATCH_UP_MAX: i64 = 1000;

/// What changed. The key says which one (see [`Change::id`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// A user (key: its id), including its password and active flag.
    User,
    /// A service (key: its id).
    Service,
    /// A role or its access rows (key: the role id).
    Role,
    /// An app (key: its id).
    App,
    /// A user's per-app role (key: the user id).
    UserAppRole,
    /// A lookup (key: its id).
    Lookup,
    /// A revoked session (key: the token's jti).
    Revocation,
    /// A CORS rule (key: its id).
    Cors,
    /// A rate limit (key: its id).
    Limits,
    /// An event script (key: its name).
    EventScript,
    /// A service's database schema changed (key: the service id), announced by the node that
    /// changed it: no system table holds a schema.
    Schema,
    /// Records of a service's database were written through this gateway (key: the service
    /// id), announced by the node that wrote them, and only for services whose data reads
    /// are cached: no system table holds records.
    Data,
    /// Written by a newer version of Sluice; a node that does not know it reloads everything.
    Unknown(String),
}

impl Topic {
    fn parse(text: &str) -> Self {
        match text {
            "user" => Topic::User,
            "service" => Topic::Service,
            "role" => Topic::Role,
            "app" => Topic::App,
            "user_app_role" => Topic::UserAppRole,
            "lookup" => Topic::Lookup,
            "revocation" => Topic::Revocation,
            "cors" => Topic::Cors,
            "limits" => Topic::Limits,
            "event_script" => Topic::EventScript,
            "schema" => Topic::Schema,
            "data" => Topic::Data,
            other => Topic::Unknown(other.to_owned()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Topic::User => "user",
            Topic::Service => "service",
            Topic::Role => "role",
            Topic::App => "app",
            Topic::UserAppRole => "user_app_role",
            Topic::Lookup => "lookup",
            Topic::Revocation => "revocation",
            Topic::Cors => "cors",
            Topic::Limits => "limits",
            Topic::EventScript => "event_script",
            Topic::Schema => "schema",
            Topic::Data => "data",
            Topic::Unknown(other) => other,
        }
    }
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub version: i64,
    pub topic: Topic,
    pub key: Option<String>,
}

impl Change {
    /// The key as a row id, for the topics keyed by one.
    pub fn id(&self) -> Option<i64> {
        self.key.as_deref().and_then(|key| key.parse().ok())
    }
}

/// What a node must bring up to date.
#[derive(Debug, Clone, Copy)]
pub enum ChangeSet<'a> {
    /// These changes, in commit order.
    Changes(&'a [Change]),
    /// Everything: the node may have missed changes (a lost connection, a version that went
    /// backwards after a restore, more changes than are worth applying one by one).
    Everything,
}

/// The future a sink returns. An error leaves the changes unapplied: they are offered again.
pub type Applying<'a> = Pin<Box<dyn Future<Output = Result<(), DbError>> + Send + 'a>>;

/// Where a node applies changes to what it derived from the system database. It may read the
/// system database but must not write it, and applying a change twice must be harmless.
pub trait ChangeSink: Send + Sync {
    fn apply<'a>(&'a self, changes: ChangeSet<'a>) -> Applying<'a>;
}

/// A node's place in the feed. Shared by every clone of a [`crate::SystemDb`].
#[derive(Default)]
pub(crate) struct ChangeFeed {
    sink: OnceLock<Arc<dyn ChangeSink>>,
    /// The last version applied, held while applying so changes apply once and in order.
    applied: tokio::sync::Mutex<i64>,
    /// When the node last knew it was up to date, as unix milliseconds (0 = never).
    synced_at_ms: AtomicI64,
}

impl ChangeFeed {
    /// Starts following from `version`: what a node loads at start is as of that version.
    pub(crate) async fn start_at(&self, version: i64) {
        *self.applied.lock().await = version;
        self.mark_synced();
    }

    /// Attaches the node's sink. Only the first one counts.
    pub(crate) fn attach(&self, sink: Arc<dyn ChangeSink>) {
        let _ = self.sink.set(sink);
    }

    pub(crate) fn synced_at_ms(&self) -> i64 {
        self.synced_at_ms.load(Ordering::Acquire)
    }

    /// Applies what was recorded after the applied version. A node with no sink yet has
    /// nothing to apply to: what it loads later is current anyway.
    pub(crate) async fn catch_up(&self, handle: Handle<'_>) -> Result<(), DbError> {
        let Some(sink) = self.sink.get() else {
            return Ok(());
        };
        let mut applied = self.applied.lock().await;
        let mut conn = handle.acquire().await?;
        let current = current_version(&mut conn).await?;
        if current == *applied {
            self.mark_synced();
            return Ok(());
        }
        let changes = if current < *applied {
            None
        } else {
            let rows = sqlx::query(
                "SELECT version, topic, key FROM change_log WHERE version > $1 \
                 ORDER BY version LIMIT $2",
            )
            .bind(*applied)
            .bind(CATCH_UP_MAX)
            .fetch_all(&mut *conn)
            .await?;
            let changes = rows.iter().map(change_of).collect::<Result<Vec<_>, _>>()?;
            // Versions have no gaps, so a first row past the next version means the rows in
            // between were pruned.
            let complete = changes.first().is_some_and(|c| c.version == *applied + 1)
                && (changes.len() as i64) < CATCH_UP_MAX;
            complete.then_some(changes)
        };
        drop(conn);
        match changes {
            Some(changes) => {
                sink.apply(ChangeSet::Changes(&changes)).await?;
                *applied = changes.last().map_or(current, |c| c.version);
            }
            None => {
                sink.apply(ChangeSet::Everything).await?;
                *applied = current;
            }
        }
        self.mark_synced();
        Ok(())
    }

    /// Reloads everything and continues from the current version: after a lost connection,
    /// when notifications may have been missed.
    pub(crate) async fn resync(&self, handle: Handle<'_>) -> Result<(), DbError> {
        let Some(sink) = self.sink.get() else {
            return Ok(());
        };
        let mut applied = self.applied.lock().await;
        let current = current_version(&mut *handle.acquire().await?).await?;
        sink.apply(ChangeSet::Everything).await?;
        *applied = current;
        self.mark_synced();
        Ok(())
    }

    fn mark_synced(&self) {
        let now = chrono::Utc::now().timestamp_millis();
        self.synced_at_ms.store(now, Ordering::Release);
    }
}

pub(crate) async fn current_version(conn: &mut sqlx::AnyConnection) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT version FROM change_version WHERE id = 1")
            .fetch_one(conn)
            .await?,
    )
}

/// Records a change no table write carries (see [`Topic::Schema`], [`Topic::Data`]), as the
/// triggers do.
pub(crate) async fn record(
    conn: &mut sqlx::AnyConnection,
    postgres: bool,
    topic: &Topic,
    key: &str,
) -> Result<(), DbError> {
    if postgres {
        sqlx::query("SELECT sluice_record_change($1, $2)")
            .bind(topic.as_str())
            .bind(key)
            .execute(conn)
            .await?;
        return Ok(());
    }
    sqlx::query("UPDATE change_version SET version = version + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO change_log (version, topic, key, created_at) \
         SELECT version, $1, $2, $3 FROM change_version WHERE id = 1",
    )
    .bind(topic.as_str())
    .bind(key)
    .bind(chrono::Utc::now().timestamp())
    .execute(conn)
    .await?;
    Ok(())
}

fn change_of(row: &sqlx::any::AnyRow) -> Result<Change, DbError> {
    let topic: String = row.try_get("topic")?;
    Ok(Change {
        version: row.try_get("version")?,
        topic: Topic::parse(&topic),
        key: row.try_get("key")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_read_back_as_written() {
        for topic in [
            Topic::User,
            Topic::Service,
            Topic::Role,
            Topic::App,
            Topic::UserAppRole,
            Topic::Lookup,
            Topic::Revocation,
            Topic::Cors,
            Topic::Limits,
            Topic::EventScript,
            Topic::Schema,
            Topic::Data,
        ] {
            assert_eq!(Topic::parse(topic.as_str()), topic);
        }
        assert_eq!(
            Topic::parse("webhook"),
            Topic::Unknown("webhook".to_owned())
        );
    }
}
