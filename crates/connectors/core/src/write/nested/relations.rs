//! The related records a written record carries: its keys that name a relationship.

use serde_json::{Map, Value};

use crate::relation::{Relation, RelationKind};
use crate::schema::{ColumnRef, TableSchema};
use crate::write::outcome::RecordError;

/// The related records one written record carries, by relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRelations {
    /// belongs_to: the parent record, written before the record.
    pub(crate) parents: Vec<(Relation, Map<String, Value>)>,
    /// has_many and many_many: the related records, written after it.
    pub(crate) children: Vec<(Relation, Vec<Map<String, Value>>)>,
}

impl RecordRelations {
    /// The record's columns its belongs_to relationships fill in.
    pub(crate) fn filled(&self, table: &TableSchema) -> Vec<ColumnRef> {
        self.parents
            .iter()
            .filter_map(|(relation, _)| table.column_ref(&relation.field[0]))
            .collect()
    }

    pub fn has_children(&self) -> bool {
        !self.children.is_empty()
    }
}

/// The relationship keys of `record` (names of `table`'s relationships, any case), or
/// `None` when it has none with content. `null`, `{}` and `[]` ask for nothing, as in
/// DreamFactory.
///
/// # Errors
///
/// 400 when a belongs_to value is not an object, or a has_many / many_many value is not a
/// list of objects.
pub(crate) fn split_relations(
    table: &TableSchema,
    record: &Map<String, Value>,
) -> Result<Option<RecordRelations>, RecordError> {
    let mut relations = RecordRelations {
        parents: Vec::new(),
        children: Vec::new(),
    };
    for (key, value) in record {
        let Some(relation) = table.relation(key) else {
            continue;
        };
        match (relation.kind, value) {
            (_, Value::Null) => {}
            (RelationKind::BelongsTo, Value::Object(parent)) => {
                if !parent.is_empty() {
                    relations.parents.push((relation.clone(), parent.clone()));
                }
            }
            (RelationKind::BelongsTo, _) => {
                return Err(RecordError::bad_request(format!(
                    "The value of relationship '{}' must be a record.",
                    relation.name
                )));
            }
            (_, Value::Array(items)) => {
                let items = items
                    .iter()
                    .map(|item| item.as_object().cloned())
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| list_required(relation))?;
                if !items.is_empty() {
                    relations.children.push((relation.clone(), items));
                }
            }
            _ => return Err(list_required(relation)),
        }
    }
    Ok((!relations.parents.is_empty() || !relations.children.is_empty()).then_some(relations))
}

fn list_required(relation: &Relation) -> RecordError {
    RecordError::bad_request(format!(
        "The value of relationship '{}' must be a list of records.",
        relation.name
    ))
}
