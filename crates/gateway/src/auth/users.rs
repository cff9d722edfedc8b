//! Users by id, cached so that verifying a session costs no database round trip in the steady
//! state. Every change to a user through the gateway invalidates its entry.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use sluice_system_db::{SystemDb, UserRow};

use crate::error::ApiError;

pub struct UserCache {
    by_id: Cache<i64, Option<Arc<UserRow>>>,
}

impl Default for UserCache {
    fn default() -> Self {
        Self {
            // The TTL bounds staleness should another node change a user (later issue: a
            // shared invalidation channel); this node invalidates on its own changes at once.
            by_id: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
        }
    }
}

impl UserCache {
    pub async fn get(&self, db: &SystemDb, id: i64) -> Result<Option<Arc<UserRow>>, ApiError> {
        self.by_id
            .try_get_with(id, async move {
                db.users().get(id).await.map(|u| u.map(Arc::new))
            })
            .await
            .map_err(ApiError::internal)
    }

    pub async fn invalidate(&self, id: i64) {
        self.by_id.invalidate(&id).await;
    }
}
