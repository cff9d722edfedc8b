//! belongs_to: the parent record, written before the record that refers to it.

use serde_json::{Map, Value};

use super::save::Save;
use super::{
    Failure, NestedWriter, RecordStore, Step, attempt, check, equals, guarded, primary_key,
    visible, wrap, written,
};
use crate::error::ConnectorError;
use crate::related::TableVerb;
use crate::relation::Relation;
use crate::schema::TableSchema;
use crate::value::BoundValue;
use crate::write::outcome::RecordError;
use crate::write::plan::ColumnValue;

impl NestedWriter<'_> {
    /// Writes the parent `item` of a record of `table` and answers the foreign key value
    /// the record gets. `depth` is the level of this relationship.
    pub(super) fn belongs_to(
        &mut self,
        store: &mut dyn RecordStore,
        table: &TableSchema,
        relation: &Relation,
        item: &Map<String, Value>,
        depth: usize,
    ) -> Result<Result<ColumnValue, RecordError>, ConnectorError> {
        let column = match visible(table, &relation.field[0], relation) {
            Ok(column) => column,
            Err(failure) => return Ok(Err(wrap(relation, None, failure))),
        };
        Ok(match self.parent(store, relation, item, depth)? {
            Ok(value) => Ok(ColumnValue { column, value }),
            Err(failure) => Err(wrap(relation, None, failure)),
        })
    }

    /// Without a primary key the parent is inserted (its key must be assigned by the
    /// database). With one it is updated when the caller can read it and `item` has more
    /// than the key, inserted when it does not exist. The link is the parent's referenced
    /// column (DreamFactory sets it only for inserted parents; we also link an existing one,
    /// which is what the request asks for).
    fn parent(
        &mut self,
        store: &mut dyn RecordStore,
        relation: &Relation,
        item: &Map<String, Value>,
        depth: usize,
    ) -> Step<BoundValue> {
        if relation.is_multi_column() {
            return Ok(Err(multi_column()));
        }
        let table = &relation.ref_table;
        let full = self.full_table(table)?;
        let key = check!(primary_key(&full));
        let target = check!(visible(&full, &relation.ref_field[0], relation));
        let id = check!(
            self.reader(&full)
                .id(item, key)
                .map_err(|error| Failure::check(400, error.message()))
        );
        let link = |saved: super::save::Saved| {
            if target == key {
                saved.key
            } else {
                written(&saved.values, target).unwrap_or(BoundValue::Null)
            }
        };
        let Some(id) = id else {
            if !full.column(key).auto_increment {
                return Ok(Err(no_key_value(&full, key)));
            }
            let saved = attempt!(self.save(store, table, item, Save::Insert, &[], depth + 1));
            return Ok(Ok(link(saved)));
        };
        let get = attempt!(self.view(table, TableVerb::Get));
        let condition = guarded(equals(key, id.clone()), get.role.as_ref());
        let existing = store.select(&get.table, &[target], &condition, 1)?;
        Ok(Ok(match existing.into_iter().next() {
            Some(row) if item.len() > 1 => {
                let found = row.into_iter().next().unwrap_or(BoundValue::Null);
                let saved =
                    attempt!(self.save(store, table, item, Save::Update(id), &[], depth + 1));
                written(&saved.values, target).unwrap_or(found)
            }
            Some(row) => row.into_iter().next().unwrap_or(BoundValue::Null),
            None => link(attempt!(self.save(
                store,
                table,
                item,
                Save::Insert,
                &[],
                depth + 1
            ))),
        }))
    }
}

/// DreamFactory's 501 for relationships over multi-column keys.
pub(super) fn multi_column() -> Failure {
    Failure::check(
        501,
        "Relating records with multi-column foreign keys is not currently supported.",
    )
}

/// DreamFactory's 400 for a related record without a key the database would assign.
pub(super) fn no_key_value(table: &TableSchema, key: crate::schema::ColumnRef) -> Failure {
    Failure::check(
        400,
        format!(
            "Related record has no primary key value for '{}'.",
            table.column(key).name
        ),
    )
}
