//! The services this node serves, loaded at start and updated in place by the change feed
//! (`changes.rs`), so a service created, changed or deleted on any node takes effect on the
//! next request without a restart.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use sluice_connector_core::Database;
use sluice_connector_sqlite::sql::SqlEngine;
use sluice_system_db::ServiceRow;

use crate::files::{FileStore, LocalFileConfig};
use crate::scripts::service::ScriptServiceConfig;
use crate::service_types::remote::RemoteConfig;
use crate::service_types::user::UserServiceConfig;
use crate::service_types::{DataOptions, SqliteServiceConfig};

pub struct ServiceEntry {
    pub name: String,
    /// The name again, shared: the metrics label of every request to the service, which
    /// would otherwise be a new allocation per request.
    pub label: Arc<str>,
    pub row: ServiceRow,
    pub backend: Backend,
}

pub enum Backend {
    Sqlite {
        database: Arc<Database>,
        config: SqliteServiceConfig,
        /// `_sql` on the same connections (docs/SQL.md).
        sql: Arc<SqlEngine>,
    },
    /// A PostgreSQL or MySQL/MariaDB database (`config.engine`); its pool connects on
    /// demand and reconnects by itself.
    Remote {
        database: Arc<Database>,
        config: RemoteConfig,
    },
    /// The built-in `user` service: served by `routes::user`, never a database.
    User { config: UserServiceConfig },
    /// A scripted service (`nodejs`): its script answers every request under it.
    Script { config: ScriptServiceConfig },
    /// A `local_file` service: a folder inside the file roots, served with DreamFactory's
    /// file API (`files::handlers`).
    Files {
        config: LocalFileConfig,
        store: FileStore,
    },
    /// The service is configured but cannot be used (its database is gone, or its config no
    /// longer validates). Requests get 503; the system API can still fix or delete it.
    Unavailable { reason: String },
}

impl Backend {
    /// The database of a database service, whatever its engine, with the options its config
    /// sets for serving records; `None` for the `user` service and an unavailable one.
    pub fn database(&self) -> Option<(&Arc<Database>, DataOptions)> {
        match self {
            Self::Sqlite {
                database, config, ..
            } => Some((database, config.data)),
            Self::Remote { database, config } => Some((database, config.data)),
            Self::User { .. }
            | Self::Script { .. }
            | Self::Files { .. }
            | Self::Unavailable { .. } => None,
        }
    }
}

impl ServiceEntry {
    /// The config of the built-in `user` service; `None` for any other service.
    pub fn user_config(&self) -> Option<&UserServiceConfig> {
        match &self.backend {
            Backend::User { config } => Some(config),
            _ => None,
        }
    }
}

#[derive(Default)]
pub struct ServiceRegistry {
    by_name: RwLock<HashMap<String, Arc<ServiceEntry>>>,
    /// Some service is a scripted one: without any, requests skip looking for one.
    any_script: AtomicBool,
    /// Some service is a file service: without any, requests skip looking for one.
    any_files: AtomicBool,
}

impl ServiceRegistry {
    /// Service names are matched lower-cased, as DreamFactory lower-cases them from the URL.
    pub fn get(&self, name: &str) -> Option<Arc<ServiceEntry>> {
        // Most requests name a service in lower case already: no copy for those.
        let lower = match name.bytes().any(|b| b.is_ascii_uppercase()) {
            true => std::borrow::Cow::Owned(name.to_ascii_lowercase()),
            false => std::borrow::Cow::Borrowed(name),
        };
        let services = self.by_name.read().expect("registry lock poisoned");
        services.get(lower.as_ref()).cloned()
    }

    /// Whether any service is a scripted service (`nodejs`): one atomic load.
    pub fn has_script_services(&self) -> bool {
        self.any_script.load(Ordering::Acquire)
    }

    /// Whether any service is a file service (`local_file`): one atomic load.
    pub fn has_file_services(&self) -> bool {
        self.any_files.load(Ordering::Acquire)
    }

    /// Notes whether scripted services and file services remain, after a change (changes are rare; the scan
    /// is under the write lock, so it sees the map as changed).
    fn note_scripts(&self, services: &HashMap<String, Arc<ServiceEntry>>) {
        let any = services
            .values()
            .any(|s| matches!(s.backend, Backend::Script { .. }));
        self.any_script.store(any, Ordering::Release);
        let files = (services.values()).any(|s| matches!(s.backend, Backend::Files { .. }));
        self.any_files.store(files, Ordering::Release);
    }

    pub fn all(&self) -> Vec<Arc<ServiceEntry>> {
        let services = self.by_name.read().expect("registry lock poisoned");
        let mut all: Vec<_> = services.values().cloned().collect();
        all.sort_by_key(|s| s.row.id);
        all
    }

    pub fn insert(&self, entry: ServiceEntry) {
        let mut services = self.by_name.write().expect("registry lock poisoned");
        services.insert(entry.name.to_ascii_lowercase(), Arc::new(entry));
        self.note_scripts(&services);
    }

    pub fn by_id(&self, id: i64) -> Option<Arc<ServiceEntry>> {
        let services = self.by_name.read().expect("registry lock poisoned");
        services.values().find(|s| s.row.id == id).cloned()
    }

    /// Puts `entry` in the place of service `id`, whose name may have changed.
    pub fn replace(&self, id: i64, entry: ServiceEntry) {
        let mut services = self.by_name.write().expect("registry lock poisoned");
        services.retain(|_, s| s.row.id != id);
        services.insert(entry.name.to_ascii_lowercase(), Arc::new(entry));
        self.note_scripts(&services);
    }

    pub fn remove_id(&self, id: i64) {
        let mut services = self.by_name.write().expect("registry lock poisoned");
        services.retain(|_, s| s.row.id != id);
        self.note_scripts(&services);
    }
}
