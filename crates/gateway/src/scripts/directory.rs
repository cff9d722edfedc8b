//! The active event scripts of this node, by event name, derived from the `event_script`
//! table and replaced whole by the change feed (`changes.rs`) whenever a script changes on
//! any node. Requests read it without touching the system database; a node with no active
//! script answers [`ScriptDirectory::is_empty`] from one atomic load.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use sluice_system_db::{DbError, EventScriptRow, SystemDb};

use super::NODEJS;

/// An active script, ready to run.
#[derive(Debug)]
pub struct EventScript {
    /// The event name as stored.
    pub name: String,
    pub source: Arc<str>,
    pub allow_event_modification: bool,
}

#[derive(Default)]
struct Scripts {
    /// Lower-cased event name to script: URLs' service and table names are matched without
    /// regard to case, so are the events they fire.
    by_event: HashMap<String, Arc<EventScript>>,
    /// Lower-cased names of the services some script is for (the event name's first part).
    services: HashSet<String>,
}

#[derive(Default)]
pub struct ScriptDirectory {
    scripts: RwLock<Arc<Scripts>>,
    /// Some script is active; without one the request path skips scripting without a lock.
    any: AtomicBool,
}

impl ScriptDirectory {
    pub fn is_empty(&self) -> bool {
        !self.any.load(Ordering::Acquire)
    }

    /// Whether a script is for an event of `service` (lower-cased).
    pub fn has_service(&self, service: &str) -> bool {
        !self.is_empty() && self.current().services.contains(service)
    }

    /// The active script of `event` (lower-cased), if any.
    pub fn get(&self, event: &str) -> Option<Arc<EventScript>> {
        if self.is_empty() {
            return None;
        }
        self.current().by_event.get(event).cloned()
    }

    fn current(&self) -> Arc<Scripts> {
        Arc::clone(&self.scripts.read().expect("script directory lock poisoned"))
    }

    /// Reads every script from the system database and replaces what is held.
    ///
    /// # Errors
    ///
    /// The system database cannot be read; what is held stays.
    pub async fn reload(&self, db: &SystemDb) -> Result<(), DbError> {
        let rows = db.event_scripts().list().await?;
        self.replace(rows);
        Ok(())
    }

    pub fn replace(&self, rows: Vec<EventScriptRow>) {
        let mut scripts = Scripts::default();
        for row in rows {
            let Some(source) = row
                .content
                .filter(|_| row.is_active && row.script_type == NODEJS)
            else {
                continue;
            };
            let key = row.name.to_ascii_lowercase();
            if let Some((service, _)) = key.split_once('.') {
                scripts.services.insert(service.to_owned());
            }
            let script = EventScript {
                name: row.name,
                source: Arc::from(source),
                allow_event_modification: row.allow_event_modification,
            };
            scripts.by_event.insert(key, Arc::new(script));
        }
        let any = !scripts.by_event.is_empty();
        *self
            .scripts
            .write()
            .expect("script directory lock poisoned") = Arc::new(scripts);
        self.any.store(any, Ordering::Release);
    }
}
