//! How the record routes use the data cache: a [`CacheTicket`] taken as a request starts, a
//! [`CacheableRead`] (its key) for reads of services with `cache_enabled`, and the
//! announcement of record writes to them.

use std::fmt::Write;
use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use bytes::Bytes;
use sluice_connector_core::ReadRequest;
use sluice_system_db::Topic;

use super::DataCache;
use super::key::{write_identity, write_request};
use crate::auth::access::ServiceAccess;
use crate::registry::ServiceEntry;
use crate::state::AppState;

/// Where the invalidation sequence stood when a request started, before its caller's role
/// and the service were looked up. A read stores its answer only when nothing it depends on
/// was invalidated since: otherwise a read that began with a role, lookup or service config
/// from before a change could store its answer under the new stamp.
///
/// Taken by the record routes as their first extractor, so it is read before the caller's
/// [`Principal`](crate::auth::Principal) is resolved.
#[derive(Debug, Clone, Copy)]
pub struct CacheTicket(Option<u64>);

impl FromRequest for CacheTicket {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ticket = request
            .app_data::<web::Data<AppState>>()
            .map_or(CacheTicket(None), |state| Self::now(state));
        ready(Ok(ticket))
    }
}

impl CacheTicket {
    /// The ticket of a request starting now on `state`'s node, for a route that takes it
    /// without an extractor.
    pub fn now(state: &AppState) -> Self {
        CacheTicket(Some(state.data_cache.sequence()))
    }
}

/// The cache's time to live of the service of `access` in milliseconds, when its reads are
/// cached: `cache_enabled` and a `cache_ttl` (minutes) above 0.
fn cache_ttl_ms(access: &ServiceAccess) -> Option<i64> {
    service_cache_ttl_ms(access.service())
}

fn service_cache_ttl_ms(service: &ServiceEntry) -> Option<i64> {
    let (_, options) = service.backend.database()?;
    if !options.cache_enabled || options.cache_ttl == 0 {
        return None;
    }
    let ms = options.cache_ttl.saturating_mul(60_000);
    Some(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// A cached read in progress: its key, and what the request allows.
pub struct CacheableRead {
    key: String,
    ttl_ms: i64,
    /// `refresh=true`: answer from the database, then store.
    refresh: bool,
    /// Nothing it depends on was invalidated since the request started.
    may_store: bool,
}

impl DataCache {
    /// The cached read of `table` (and `id`) with `read` for the caller of `access`; `None`
    /// when the service's reads are not cached (one check of its config).
    /// `lookups_in_play`: a filter of this read may name a lookup.
    pub fn read_for(
        &self,
        ticket: CacheTicket,
        access: &ServiceAccess,
        target: (&str, Option<&str>),
        read: &ReadRequest,
        lookups_in_play: bool,
    ) -> Option<CacheableRead> {
        let ttl_ms = cache_ttl_ms(access)?;
        let service_id = access.service().row.id;
        let stamp = self.stamp(service_id);
        let mut text = String::with_capacity(160);
        let _ = write!(text, "{service_id}#{stamp}#");
        write_identity(&mut text, access.principal(), lookups_in_play);
        write_request(&mut text, target.0, target.1, read);
        Some(CacheableRead {
            key: text,
            ttl_ms,
            refresh: read.refresh,
            may_store: ticket.0.is_some_and(|started| stamp <= started),
        })
    }

    /// The stored answer of `read`, unless it asked for a refresh or has none fresh.
    pub fn answer(&self, read: &CacheableRead) -> Option<Bytes> {
        if read.refresh {
            self.count_miss();
            return None;
        }
        self.get(&read.key, read.ttl_ms)
    }

    /// Stores the answer the database gave for `read`.
    pub fn store(&self, read: CacheableRead, body: Bytes) {
        if read.may_store {
            self.insert(read.key, body);
        }
    }
}

/// After a record write to a service whose reads are cached, successful or not (a failed
/// batch may have written its first records): every node drops the service's cached reads,
/// through the change feed, this node before the write answers. Services without caching
/// announce nothing.
///
/// The write has happened whatever the announcement does, so its failure (the system
/// database unreachable) does not fail the request: this node drops its own cached reads of
/// the service, and other nodes, which cannot learn of it, keep theirs until their TTL.
pub async fn announce_write(state: &AppState, access: &ServiceAccess) {
    announce_service_write(state, access.service()).await;
}

/// [`announce_write`] for a write that reached `service` without a `ServiceAccess` (raw SQL).
pub async fn announce_service_write(state: &AppState, service: &ServiceEntry) {
    if service_cache_ttl_ms(service).is_none() {
        return;
    }
    let service_id = service.row.id;
    if let Err(error) = state
        .db
        .announce(Topic::Data, &service_id.to_string())
        .await
    {
        tracing::warn!(
            service.id = service_id,
            %error,
            "cannot announce a record write; only this node's cached reads are dropped"
        );
        state.data_cache.invalidate_service(service_id);
    }
}
