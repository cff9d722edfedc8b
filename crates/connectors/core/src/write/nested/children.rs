//! has_many and many_many: related records written after the record they belong to.

use serde_json::{Map, Value};

use super::parent::{multi_column, no_key_value};
use super::save::Save;
use super::{
    Failure, NestedWriter, ParentRow, RecordRelations, RecordStore, Step, attempt, check, equals,
    guarded, primary_key, raw, visible, wrap, written,
};
use crate::condition::Condition;
use crate::error::ConnectorError;
use crate::related::TableVerb;
use crate::relation::{Relation, RelationKind};
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;
use crate::write::outcome::RecordError;
use crate::write::plan::ColumnValue;

impl NestedWriter<'_> {
    /// Writes the has_many and many_many records of `parent`, a record of `table`
    /// identified by `key_columns`. `depth` is the level of these relationships.
    pub(super) fn children(
        &mut self,
        store: &mut dyn RecordStore,
        table: &TableSchema,
        key_columns: &[ColumnRef],
        relations: &RecordRelations,
        parent: ParentRow<'_>,
        depth: usize,
    ) -> Result<Result<(), RecordError>, ConnectorError> {
        for (relation, items) in &relations.children {
            let Some(column) = table.column_ref(&relation.field[0]) else {
                continue;
            };
            let Some(one) = self.parent_value(store, table, key_columns, parent, column)? else {
                // DreamFactory's message, outside the relationship's wrapper as there.
                return Ok(Err(RecordError::bad_request(format!(
                    "The {} referencing field {} can not be empty.",
                    table.name(),
                    relation.field[0]
                ))));
            };
            for (index, item) in items.iter().enumerate() {
                let step = match relation.kind {
                    RelationKind::HasMany => self.child(store, relation, item, &one, depth),
                    RelationKind::ManyMany => self.far(store, table, relation, item, &one, depth),
                    RelationKind::BelongsTo => Ok(Ok(())),
                };
                if let Err(failure) = step? {
                    return Ok(Err(wrap(relation, Some(index), failure)));
                }
            }
        }
        Ok(Ok(()))
    }

    /// The parent's value of the column its related records link on: as written, its key,
    /// its assigned rowid, or read back by its key.
    fn parent_value(
        &mut self,
        store: &mut dyn RecordStore,
        table: &TableSchema,
        key_columns: &[ColumnRef],
        parent: ParentRow<'_>,
        column: ColumnRef,
    ) -> Result<Option<BoundValue>, ConnectorError> {
        if let Some(value) = written(parent.values, column) {
            return Ok(Some(value));
        }
        let key_value = key_columns
            .iter()
            .position(|&c| c == column)
            .and_then(|index| parent.key.get(index))
            .filter(|value| **value != BoundValue::Null);
        if let Some(value) = key_value {
            return Ok(Some(value.clone()));
        }
        if table.column(column).auto_increment
            && let Some(rowid) = parent.rowid
        {
            return Ok(Some(BoundValue::Integer(rowid)));
        }
        if key_columns.is_empty() || parent.key.contains(&BoundValue::Null) {
            return Ok(None);
        }
        let by_key = Condition::And(
            key_columns
                .iter()
                .zip(parent.key)
                .map(|(&c, value)| equals(c, value.clone()))
                .collect(),
        );
        let found = store.select(table, &[column], &by_key, 1)?;
        Ok(found
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next())
            .filter(|value| *value != BoundValue::Null))
    }

    /// One has_many `item` of the parent whose link value is `one`.
    fn child(
        &mut self,
        store: &mut dyn RecordStore,
        relation: &Relation,
        item: &Map<String, Value>,
        one: &BoundValue,
        depth: usize,
    ) -> Step<()> {
        if relation.is_multi_column() {
            return Ok(Err(multi_column()));
        }
        let table = &relation.ref_table;
        let full = self.full_table(table)?;
        let key = check!(primary_key(&full));
        let foreign_key = check!(visible(&full, &relation.ref_field[0], relation));
        let reader = self.reader(&full);
        let id = check!(
            reader
                .id(item, key)
                .map_err(|error| Failure::check(400, error.message()))
        );
        let disowned = reader.is_null(item, foreign_key);
        let fixed = [(relation.ref_field[0].as_str(), one.clone())];
        let auto_key = full.column(key).auto_increment;
        let next = depth + 1;
        let Some(id) = id else {
            if !auto_key {
                return Ok(Err(no_key_value(&full, key)));
            }
            attempt!(self.save(store, table, item, Save::Insert, &fixed, next));
            return Ok(Ok(()));
        };
        if disowned {
            let can_delete = !full.column(foreign_key).allow_null;
            if can_delete && self.context().allow_related_delete {
                return self.delete_by_key(store, table, id);
            }
            attempt!(self.save(store, table, item, Save::Update(id), &[], next));
        } else if item.len() > 1 && !auto_key && !attempt!(self.exists(store, table, &id)) {
            attempt!(self.save(store, table, item, Save::Insert, &fixed, next));
        } else {
            // Update (with other fields) or adopt (the key alone): either way linked to
            // the parent.
            attempt!(self.save(store, table, item, Save::Update(id), &fixed, next));
        }
        Ok(Ok(()))
    }

    /// Whether the caller can read the record of `table` with primary key `id`.
    fn exists(&mut self, store: &mut dyn RecordStore, table: &str, id: &BoundValue) -> Step<bool> {
        let get = attempt!(self.view(table, TableVerb::Get));
        let key = check!(primary_key(&get.table));
        let condition = guarded(equals(key, id.clone()), get.role.as_ref());
        Ok(Ok(!store
            .select(&get.table, &[key], &condition, 1)?
            .is_empty()))
    }

    fn delete_by_key(
        &mut self,
        store: &mut dyn RecordStore,
        table: &str,
        id: BoundValue,
    ) -> Step<()> {
        let view = attempt!(self.view(table, TableVerb::Delete));
        let key = check!(primary_key(&view.table));
        let condition = guarded(equals(key, id.clone()), view.role.as_ref());
        Ok(match store.delete(&view.table, &condition)? {
            Ok(0) => Err(Failure::statement(
                "deleted",
                &RecordError::NotFound(raw(&id)),
            )),
            Ok(_) => Ok(()),
            Err(error) => Err(Failure::statement("deleted", &error)),
        })
    }

    /// One many_many `item` of the parent (a record of `table`) whose link value is `one`:
    /// the far record is inserted or updated, then linked through the junction unless it
    /// already is; `"{table}.{key}": null` in the item removes the link instead.
    fn far(
        &mut self,
        store: &mut dyn RecordStore,
        table: &TableSchema,
        relation: &Relation,
        item: &Map<String, Value>,
        one: &BoundValue,
        depth: usize,
    ) -> Step<()> {
        let Some(junction) = relation
            .junction
            .as_ref()
            .filter(|_| !relation.is_multi_column())
        else {
            return Ok(Err(multi_column()));
        };
        let far_table = &relation.ref_table;
        let full = self.full_table(far_table)?;
        let key = check!(primary_key(&full));
        let target = check!(visible(&full, &relation.ref_field[0], relation));
        let id = check!(
            self.reader(&full)
                .id(item, key)
                .map_err(|error| Failure::check(400, error.message()))
        );
        let next = depth + 1;
        let value = match id {
            None => {
                if !full.column(key).auto_increment {
                    return Ok(Err(no_key_value(&full, key)));
                }
                let saved = attempt!(self.save(store, far_table, item, Save::Insert, &[], next));
                if target == key {
                    saved.key
                } else {
                    written(&saved.values, target).unwrap_or(BoundValue::Null)
                }
            }
            Some(id) => {
                let parent_key = match table.primary_key() {
                    [key] => table.column(*key).name.clone(),
                    _ => relation.field[0].clone(),
                };
                let unlink = format!("{}.{parent_key}", table.name());
                let unlinking = item
                    .iter()
                    .any(|(name, value)| name.eq_ignore_ascii_case(&unlink) && value.is_null());
                if !unlinking && item.len() > 1 {
                    let save = if full.column(key).auto_increment
                        || attempt!(self.exists(store, far_table, &id))
                    {
                        Save::Update(id.clone())
                    } else {
                        Save::Insert
                    };
                    attempt!(self.save(store, far_table, item, save, &[], next));
                }
                let value = if target == key {
                    id
                } else {
                    attempt!(self.far_value(store, far_table, key, target, id))
                };
                if unlinking {
                    return self.unlink(store, relation, &junction.table, one, value);
                }
                value
            }
        };
        self.link(store, relation, &junction.table, one, value)
    }

    /// The far record's value of `target` (the column the junction refers to).
    fn far_value(
        &mut self,
        store: &mut dyn RecordStore,
        table: &str,
        key: ColumnRef,
        target: ColumnRef,
        id: BoundValue,
    ) -> Step<BoundValue> {
        let get = attempt!(self.view(table, TableVerb::Get));
        let condition = guarded(equals(key, id.clone()), get.role.as_ref());
        let found = store.select(&get.table, &[target], &condition, 1)?;
        Ok(
            match found
                .into_iter()
                .next()
                .and_then(|row| row.into_iter().next())
            {
                Some(value) => Ok(value),
                None => Err(Failure::statement(
                    "updated",
                    &RecordError::NotFound(raw(&id)),
                )),
            },
        )
    }

    /// The junction's columns for the parent and the far record, as `view` sees them.
    fn junction_columns(
        relation: &Relation,
        table: &TableSchema,
    ) -> Result<(ColumnRef, ColumnRef), Failure> {
        let junction = relation.junction.as_ref().ok_or_else(multi_column)?;
        Ok((
            visible(table, &junction.field[0], relation)?,
            visible(table, &junction.ref_field[0], relation)?,
        ))
    }

    /// Creates the junction row linking `one` to `value`, unless the caller can already
    /// see one.
    fn link(
        &mut self,
        store: &mut dyn RecordStore,
        relation: &Relation,
        junction: &str,
        one: &BoundValue,
        value: BoundValue,
    ) -> Step<()> {
        let get = attempt!(self.view(junction, TableVerb::Get));
        let (parent, far) = check!(Self::junction_columns(relation, &get.table));
        let both = Condition::And(vec![
            equals(parent, one.clone()),
            equals(far, value.clone()),
        ]);
        let condition = guarded(both, get.role.as_ref());
        if !store.select(&get.table, &[far], &condition, 1)?.is_empty() {
            return Ok(Ok(()));
        }
        let post = attempt!(self.view(junction, TableVerb::Post));
        let (parent, far) = check!(Self::junction_columns(relation, &post.table));
        let mut values = vec![
            ColumnValue {
                column: parent,
                value: one.clone(),
            },
            ColumnValue { column: far, value },
        ];
        values.sort_by_key(|v| v.column.index());
        Ok(
            match store.insert(&post.table, &values, post.role.as_ref())? {
                Ok(_) => Ok(()),
                Err(error) => Err(Failure::statement("created", &error)),
            },
        )
    }

    /// Deletes the junction rows linking `one` to `value` that the caller may delete.
    fn unlink(
        &mut self,
        store: &mut dyn RecordStore,
        relation: &Relation,
        junction: &str,
        one: &BoundValue,
        value: BoundValue,
    ) -> Step<()> {
        let view = attempt!(self.view(junction, TableVerb::Delete));
        let (parent, far) = check!(Self::junction_columns(relation, &view.table));
        let both = Condition::And(vec![equals(parent, one.clone()), equals(far, value)]);
        let condition = guarded(both, view.role.as_ref());
        Ok(match store.delete(&view.table, &condition)? {
            Ok(_) => Ok(()),
            Err(error) => Err(Failure::statement("deleted", &error)),
        })
    }
}
