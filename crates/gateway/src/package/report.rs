//! What an import did, per item: DreamFactory's `{"success", "log"}` answer, with Sluice's
//! list of every item, its status and why it was skipped.

use serde_json::{Value, json};

use super::archive::Entries;
use super::export::DATABASE_ENTRY;
use super::kinds::Kind;

/// What the import of one item came to.
#[derive(Debug)]
pub enum Outcome {
    Imported,
    /// Imported, with something left behind (a password hash that was not one).
    ImportedWithNote(String),
    Skipped(String),
}

struct Item {
    kind: String,
    name: String,
    outcome: Outcome,
}

#[derive(Default)]
pub struct Report {
    items: Vec<Item>,
}

impl Report {
    pub fn add(&mut self, kind: Kind, name: &str, outcome: Outcome) {
        self.add_part(kind.name(), name, outcome);
    }

    /// An item that is not a record of its own kind (an access row, a user's app role, a
    /// zip entry).
    pub fn add_part(&mut self, kind: &str, name: &str, outcome: Outcome) {
        self.items.push(Item {
            kind: kind.to_owned(),
            name: name.to_owned(),
            outcome,
        });
    }

    pub fn imported(&self) -> usize {
        self.items
            .iter()
            .filter(|i| !matches!(i.outcome, Outcome::Skipped(_)))
            .count()
    }

    pub fn skipped(&self) -> usize {
        self.items.len() - self.imported()
    }

    /// Reports the entries no kind reads (DreamFactory's `_schema`, its zipped file folders),
    /// so nothing in a package is passed over silently.
    pub fn unread_entries(&mut self, entries: &Entries) {
        let known: Vec<String> = Kind::ALL.iter().map(|k| k.entry()).collect();
        for name in entries.keys() {
            let is_database = name
                .split_once('/')
                .is_some_and(|(service, file)| !service.is_empty() && file == DATABASE_ENTRY);
            if name == "package.json" || known.contains(name) || is_database {
                continue;
            }
            self.add_part(
                "entry",
                name,
                Outcome::Skipped("Sluice does not import this part of a package.".into()),
            );
        }
    }

    /// The answer: DreamFactory's `success` and `log` (`notice` and `warning` lines), then
    /// the counts and every item.
    pub fn to_json(&self) -> Value {
        let mut notices = Vec::new();
        let mut warnings = Vec::new();
        let mut items = Vec::new();
        for item in &self.items {
            let (kind, name) = (&item.kind, &item.name);
            match &item.outcome {
                Outcome::Imported => {
                    notices.push(format!("Imported {kind} '{name}'."));
                    items.push(json!({"kind": kind, "name": name, "status": "imported"}));
                }
                Outcome::ImportedWithNote(note) => {
                    warnings.push(format!("Imported {kind} '{name}': {note}"));
                    items.push(
                        json!({"kind": kind, "name": name, "status": "imported", "note": note}),
                    );
                }
                Outcome::Skipped(reason) => {
                    warnings.push(format!("Skipped {kind} '{name}': {reason}"));
                    items.push(
                        json!({"kind": kind, "name": name, "status": "skipped", "reason": reason}),
                    );
                }
            }
        }
        json!({
            "success": true,
            "imported": self.imported(),
            "skipped": self.skipped(),
            "log": {"notice": notices, "warning": warnings},
            "resource": items,
        })
    }
}
