//! Inserting or updating one related record, with its own related records around it.

use serde_json::{Map, Value};

use super::{
    Failure, NestedWriter, ParentRow, RecordStore, Step, attempt, check, equals, guarded,
    primary_key, raw, split_relations, written,
};
use crate::related::TableVerb;
use crate::value::BoundValue;
use crate::write::outcome::RecordError;
use crate::write::plan::ColumnValue;
use crate::write::record::{NO_VALID_FIELDS, Purpose};

/// What to do with a related record.
#[derive(Debug, Clone)]
pub(super) enum Save {
    Insert,
    /// Update the record whose primary key has this value.
    Update(BoundValue),
}

/// A saved related record.
#[derive(Debug)]
pub(super) struct Saved {
    /// Its primary key value (`NULL` if the database assigned none that we know of).
    pub(super) key: BoundValue,
    /// The values it was written with.
    pub(super) values: Vec<ColumnValue>,
}

impl NestedWriter<'_> {
    /// Writes `item` into `table`: its belongs_to records first, then the record with
    /// `fixed` set (the foreign key to its parent), then its has_many and many_many
    /// records. `depth` is the level of `item`'s own relationships.
    ///
    /// A failure is DreamFactory's answer to its internal request for the record: a batch
    /// error of one record.
    pub(super) fn save(
        &mut self,
        store: &mut dyn RecordStore,
        table: &str,
        item: &Map<String, Value>,
        save: Save,
        fixed: &[(&str, BoundValue)],
        depth: usize,
    ) -> Step<Saved> {
        let (verb, participle) = match save {
            Save::Insert => (TableVerb::Post, "created"),
            Save::Update(_) => (TableVerb::Patch, "updated"),
        };
        let view = attempt!(self.view(table, verb));
        let key = check!(primary_key(&view.table));
        let failed = |error: &RecordError| Ok(Err(Failure::statement(participle, error)));
        let relations = match split_relations(&view.table, item) {
            Ok(relations) => relations,
            Err(error) => return failed(&error),
        };
        let max_depth = self.context().max_depth;
        if relations.is_some() && depth > max_depth {
            return Ok(Err(Failure::check(
                400,
                format!("Related records can be nested at most {max_depth} levels deep."),
            )));
        }
        let mut preset = Vec::with_capacity(fixed.len());
        for (name, value) in fixed {
            let Some(column) = view.table.column_ref(name) else {
                return Ok(Err(Failure::check(
                    400,
                    format!("Field '{name}' of table '{table}' can not be written."),
                )));
            };
            preset.push(ColumnValue {
                column,
                value: value.clone(),
            });
        }
        if let Some(relations) = &relations {
            for (relation, parent) in &relations.parents {
                match self.belongs_to(store, &view.table, relation, parent, depth)? {
                    Ok(value) => preset.push(value),
                    Err(error) => return failed(&error),
                }
            }
        }
        let preset_columns: Vec<_> = preset.iter().map(|v| v.column).collect();
        let reader = self.reader(&view.table);
        let typed = match save {
            Save::Insert => reader.values(item, Purpose::Insert, &[], &preset_columns),
            Save::Update(_) => reader.values(item, Purpose::Update, &[key], &preset_columns),
        };
        let mut values = match typed {
            Ok(values) => values,
            Err(RecordError::BadRequest(message))
                if message == NO_VALID_FIELDS && relations.is_some() =>
            {
                Vec::new()
            }
            Err(error) => return failed(&error),
        };
        values.retain(|v| !preset_columns.contains(&v.column));
        values.extend(preset);
        values.sort_by_key(|v| v.column.index());
        let (saved_key, rowid) = match &save {
            Save::Insert => match store.insert(&view.table, &values, view.role.as_ref())? {
                Ok(rowid) => {
                    let given = written(&values, key);
                    let assigned = view.table.column(key).auto_increment;
                    let saved_key = match given {
                        Some(value) => value,
                        None if assigned => BoundValue::Integer(rowid),
                        None => BoundValue::Null,
                    };
                    (saved_key, Some(rowid))
                }
                Err(error) => return failed(&error),
            },
            Save::Update(id) => {
                let condition = guarded(equals(key, id.clone()), view.role.as_ref());
                let changed = if values.is_empty() {
                    store.select(&view.table, &[key], &condition, 1)?.len() as u64
                } else {
                    match store.update(&view.table, &values, &condition, view.role.as_ref())? {
                        Ok(changed) => changed,
                        Err(error) => return failed(&error),
                    }
                };
                if changed == 0 {
                    return failed(&RecordError::NotFound(raw(id)));
                }
                (id.clone(), None)
            }
        };
        if let Some(relations) = relations.filter(|r| r.has_children()) {
            let parent = ParentRow {
                values: &values,
                key: std::slice::from_ref(&saved_key),
                rowid,
            };
            let outcome = self.children(store, &view.table, &[key], &relations, parent, depth)?;
            if let Err(error) = outcome {
                return failed(&error);
            }
        }
        Ok(Ok(Saved {
            key: saved_key,
            values,
        }))
    }
}
