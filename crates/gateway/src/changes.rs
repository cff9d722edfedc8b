//! The one place where this node's caches change: the change feed's sink (system-db
//! `changes.rs` says how changes reach every node). Handlers never invalidate a cache: a write
//! records its changes in the system database, and the feed brings them here, on this node
//! before the write returns and on every other node within milliseconds.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sluice_system_db::{Applying, Change, ChangeSet, ChangeSink, DbError, ServiceRow, Topic};

use crate::clock;
use crate::service_types::build_entry;
use crate::state::AppState;

/// Applies changes to the state of one node. Holds the state weakly: the state owns the
/// system database handle, which owns this sink.
pub struct NodeChanges {
    state: Weak<AppState>,
}

impl NodeChanges {
    /// Attaches the sink to `state`'s system database and applies what changed since the
    /// state was loaded, then follows other nodes' changes in a background task.
    ///
    /// # Errors
    ///
    /// The system database cannot be read.
    pub async fn attach(state: &Arc<AppState>) -> anyhow::Result<()> {
        let sink = Arc::new(NodeChanges {
            state: Arc::downgrade(state),
        });
        state.db.attach(sink).await?;
        let db = state.db.clone();
        let poll_every = Duration::from_millis(state.settings.change_feed.poll_interval_ms);
        // Lives as long as the runtime: the process, or a test.
        tokio::spawn(async move { db.follow_changes(poll_every).await });
        Ok(())
    }
}

impl ChangeSink for NodeChanges {
    fn apply<'a>(&'a self, changes: ChangeSet<'a>) -> Applying<'a> {
        Box::pin(async move {
            let Some(state) = self.state.upgrade() else {
                return Ok(());
            };
            match changes {
                ChangeSet::Changes(changes) => apply(&state, changes).await,
                ChangeSet::Everything => reload_everything(&state).await,
            }
        })
    }
}

/// Fails when the system database cannot be read: the feed then applies the same changes
/// again later (every step is safe to repeat).
async fn apply(state: &AppState, changes: &[Change]) -> Result<(), DbError> {
    let mut services = BTreeSet::new();
    let mut schemas = BTreeSet::new();
    let mut data = BTreeSet::new();
    // Roles, apps and lookups decide what callers see in cached reads.
    let mut access_changed = false;
    let mut revoked = Vec::new();
    let mut scripts_changed = false;
    for change in changes {
        tracing::debug!(version = change.version, topic = ?change.topic, "applying a change");
        match (&change.topic, change.id()) {
            (Topic::User, Some(id)) => state.users.invalidate(id).await,
            (Topic::UserAppRole, Some(id)) => state.access.invalidate_user(id).await,
            (Topic::Service, Some(id)) => {
                services.insert(id);
            }
            (Topic::Schema, Some(id)) => {
                schemas.insert(id);
            }
            (Topic::Data, Some(id)) => {
                data.insert(id);
            }
            (Topic::Role, _) => {
                state.access.invalidate_roles();
                access_changed = true;
            }
            (Topic::App, _) => {
                state.access.invalidate_apps();
                access_changed = true;
            }
            (Topic::Lookup, _) => {
                state.access.invalidate_lookups();
                access_changed = true;
            }
            (Topic::Cors, _) => state.cors.invalidate(),
            (Topic::Revocation, _) => revoked.extend(change.key.as_deref()),
            (Topic::Limits, _) => state.rate_limits.invalidate(),
            (Topic::EventScript, _) => scripts_changed = true,
            // A topic from a newer node, or a key that does not read: reload it all.
            (Topic::Unknown(_) | Topic::User | Topic::UserAppRole, _)
            | (Topic::Service | Topic::Schema | Topic::Data, None) => {
                return reload_everything(state).await;
            }
        }
    }
    // Cached reads are dropped after what they were derived from changed, never before: a
    // read that starts in between would store what it found under the new stamp.
    for id in &services {
        reload_service(state, *id).await?;
    }
    for id in &schemas {
        forget_schema(state, *id);
    }
    if access_changed {
        state.data_cache.invalidate_all();
    }
    for id in services.iter().chain(&schemas).chain(&data) {
        state.data_cache.invalidate_service(*id);
    }
    if scripts_changed {
        state.scripts.directory.reload(&state.db).await?;
    }
    remember_revoked(state, &revoked).await
}

/// Puts a fresh entry for `row` in the place of the service's current one.
async fn rebuild_service(state: &AppState, row: ServiceRow) {
    let id = row.id;
    let system_db_file = state.system_db_file.as_deref();
    let entry = build_entry(row, &state.settings, system_db_file, &state.secrets).await;
    state.services.replace(id, entry);
}

/// Rebuilds one service's entry from its row, or drops it when the row is gone.
async fn reload_service(state: &AppState, id: i64) -> Result<(), DbError> {
    match state.db.services().get(id).await? {
        Some(row) => {
            rebuild_service(state, row).await;
        }
        None => state.services.remove_id(id),
    }
    Ok(())
}

fn forget_schema(state: &AppState, id: i64) {
    if let Some(service) = state.services.by_id(id)
        && let Some((database, _)) = service.backend.database()
    {
        database.invalidate();
    }
}

async fn remember_revoked(state: &AppState, jtis: &[&str]) -> Result<(), DbError> {
    let now = clock::now_unix();
    for jti in jtis {
        if let Some(until) = state.db.revocations().expiry(jti).await? {
            state.tokens.remember_revoked((*jti).to_owned(), until, now);
        }
    }
    Ok(())
}

/// Everything this node derived from the system database, reloaded: caches are dropped,
/// revocations read again, services whose row changed rebuilt (the others keep their open
/// databases, with their schema dropped).
async fn reload_everything(state: &AppState) -> Result<(), DbError> {
    tracing::info!("reloading everything derived from the system database");
    state.access.invalidate_all();
    state.users.invalidate_all();
    state.cors.invalidate();
    state.rate_limits.invalidate();
    let now = clock::now_unix();
    for (jti, until) in state.db.revocations().active(now).await? {
        state.tokens.remember_revoked(jti, until, now);
    }
    reload_services(state).await?;
    state.scripts.directory.reload(&state.db).await?;
    state.data_cache.invalidate_all();
    Ok(())
}

async fn reload_services(state: &AppState) -> Result<(), DbError> {
    let rows = state.db.services().list().await?;
    let ids: BTreeSet<i64> = rows.iter().map(|row| row.id).collect();
    for gone in state
        .services
        .all()
        .iter()
        .filter(|s| !ids.contains(&s.row.id))
    {
        state.services.remove_id(gone.row.id);
    }
    for row in rows {
        let id = row.id;
        match state.services.by_id(id) {
            Some(current) if current.row == row => forget_schema(state, id),
            _ => {
                rebuild_service(state, row).await;
            }
        }
    }
    Ok(())
}
