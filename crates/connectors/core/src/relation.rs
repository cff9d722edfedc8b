//! Relationship discovery from foreign keys, named exactly as DreamFactory names them,
//! so clients written against DreamFactory find the same relations:
//!
//! - **belongs_to**: every foreign key of the table (`T.col -> P.pcol`) is `{P}_by_{col}`;
//! - **has_many**: every foreign key of another table pointing here (`C.fk -> T.tcol`) is
//!   `{C}_by_{fk}`;
//! - **many_many**: for each such child `C`, every *other* foreign key of `C` pointing to a
//!   third table `R` (not back to `T`) is `{R}_by_{C}`, with `C` as the junction.
//!
//! Multi-column keys join their columns with `_`. As in DreamFactory, a later relation with
//! the same (case-insensitive) name replaces an earlier one in its place, so a
//! self-reference (`T.parent_id -> T`) is listed once, as has_many. SQLite never yields
//! DreamFactory's `has_one`. Relations to a table the snapshot does not have (a dangling
//! declaration) are left out.

use crate::schema::{ForeignKey, TableSchema};

/// The three relationship types DreamFactory discovers from SQL foreign keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationKind {
    BelongsTo,
    HasMany,
    ManyMany,
}

impl RelationKind {
    /// DreamFactory's `type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BelongsTo => "belongs_to",
            Self::HasMany => "has_many",
            Self::ManyMany => "many_many",
        }
    }

    /// Whether related data is one object (or `null`) rather than an array.
    pub fn is_single(self) -> bool {
        self == Self::BelongsTo
    }
}

/// One relationship of a table, with DreamFactory's descriptor fields. Table and column
/// names are the database's spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub name: String,
    pub kind: RelationKind,
    /// Columns of this table (`field`): the foreign key of a belongs_to, the referenced
    /// columns of a has_many / many_many.
    pub field: Vec<String>,
    /// The related table (`ref_table`): the parent, the child, or the far table.
    pub ref_table: String,
    /// Columns of `ref_table` (`ref_field`) matching `field`.
    pub ref_field: Vec<String>,
    /// The junction of a many_many.
    pub junction: Option<Junction>,
    /// `ref_on_update` / `ref_on_delete`: the foreign key's rules.
    pub on_update: String,
    pub on_delete: String,
}

/// The junction table of a many_many relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Junction {
    pub table: String,
    /// `junction_field`: columns of the junction pointing at this table.
    pub field: Vec<String>,
    /// `junction_ref_field`: columns of the junction pointing at `ref_table`.
    pub ref_field: Vec<String>,
}

impl Relation {
    /// Whether any side of the relation is a multi-column key, which relating records does
    /// not support (DreamFactory answers 501 for those too).
    pub fn is_multi_column(&self) -> bool {
        self.field.len() != 1
            || self.ref_field.len() != 1
            || self
                .junction
                .as_ref()
                .is_some_and(|j| j.field.len() != 1 || j.ref_field.len() != 1)
    }
}

/// The relations of every table, in the order of `tables`.
pub(crate) fn discover(tables: &[TableSchema]) -> Vec<Vec<Relation>> {
    tables
        .iter()
        .map(|table| relations_of(table, tables))
        .collect()
}

/// The relations of `table`, in DreamFactory's order: its own foreign keys first, then,
/// table by table, the keys of other tables pointing at it (each child's many_many
/// relations before its has_many).
fn relations_of(table: &TableSchema, tables: &[TableSchema]) -> Vec<Relation> {
    let spelled = |name: &str| {
        tables
            .iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
            .map(|t| t.name().to_owned())
    };
    let mut found = Named::default();
    for key in table.foreign_keys() {
        if let Some(parent) = spelled(&key.ref_table) {
            found.add(Relation {
                name: format!("{parent}_by_{}", key.columns.join("_")),
                kind: RelationKind::BelongsTo,
                field: key.columns.clone(),
                ref_table: parent,
                ref_field: key.ref_columns.clone(),
                junction: None,
                on_update: key.on_update.clone(),
                on_delete: key.on_delete.clone(),
            });
        }
    }
    for child in tables {
        for key in child.foreign_keys().iter().filter(|k| points_at(k, table)) {
            for other in child.foreign_keys().iter().filter(|k| !points_at(k, table)) {
                if let Some(far) = spelled(&other.ref_table) {
                    found.add(Relation {
                        name: format!("{far}_by_{}", child.name()),
                        kind: RelationKind::ManyMany,
                        field: key.ref_columns.clone(),
                        ref_table: far,
                        ref_field: other.ref_columns.clone(),
                        junction: Some(Junction {
                            table: child.name().to_owned(),
                            field: key.columns.clone(),
                            ref_field: other.columns.clone(),
                        }),
                        on_update: key.on_update.clone(),
                        on_delete: key.on_delete.clone(),
                    });
                }
            }
            found.add(Relation {
                name: format!("{}_by_{}", child.name(), key.columns.join("_")),
                kind: RelationKind::HasMany,
                field: key.ref_columns.clone(),
                ref_table: child.name().to_owned(),
                ref_field: key.columns.clone(),
                junction: None,
                on_update: key.on_update.clone(),
                on_delete: key.on_delete.clone(),
            });
        }
    }
    found.0
}

fn points_at(key: &ForeignKey, table: &TableSchema) -> bool {
    key.ref_table.eq_ignore_ascii_case(table.name())
}

/// Relations keyed by lower-cased name, keeping first-insertion order, as PHP arrays do.
#[derive(Default)]
struct Named(Vec<Relation>);

impl Named {
    fn add(&mut self, relation: Relation) {
        match self
            .0
            .iter_mut()
            .find(|r| r.name.eq_ignore_ascii_case(&relation.name))
        {
            Some(existing) => *existing = relation,
            None => self.0.push(relation),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnSchema, SchemaSnapshot};

    fn key(columns: &[&str], ref_table: &str, ref_columns: &[&str]) -> ForeignKey {
        ForeignKey {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            ref_table: ref_table.to_owned(),
            ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
            on_update: "NO ACTION".into(),
            on_delete: "CASCADE".into(),
        }
    }

    fn table(name: &str, columns: &[&str], keys: Vec<ForeignKey>) -> TableSchema {
        let columns = columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let mut schema = ColumnSchema::from_declared(*column, "INTEGER");
                schema.is_primary_key = index == 0;
                schema
            })
            .collect();
        TableSchema::new(name, false, columns, keys)
    }

    /// DreamFactory's address book.
    fn address_book() -> SchemaSnapshot {
        SchemaSnapshot::new(vec![
            table("contact", &["id", "first_name"], vec![]),
            table(
                "contact_group_relationship",
                &["id", "contact_id", "contact_group_id"],
                vec![
                    key(&["contact_group_id"], "contact_group", &["id"]),
                    key(&["contact_id"], "CONTACT", &["id"]),
                ],
            ),
            table("contact_group", &["id", "name"], vec![]),
            table(
                "contact_info",
                &["id", "contact_id"],
                vec![key(&["contact_id"], "contact", &["id"])],
            ),
        ])
    }

    fn names(snapshot: &SchemaSnapshot, table: &str) -> Vec<(String, &'static str)> {
        snapshot
            .table(table)
            .expect("table")
            .relations()
            .iter()
            .map(|r| (r.name.clone(), r.kind.as_str()))
            .collect()
    }

    fn pairs(items: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        items.iter().map(|(n, k)| ((*n).to_owned(), *k)).collect()
    }

    #[test]
    fn the_address_book_gets_dreamfactorys_names() {
        let snapshot = address_book();
        assert_eq!(
            names(&snapshot, "contact"),
            pairs(&[
                ("contact_group_by_contact_group_relationship", "many_many"),
                ("contact_group_relationship_by_contact_id", "has_many"),
                ("contact_info_by_contact_id", "has_many"),
            ])
        );
        assert_eq!(
            names(&snapshot, "contact_info"),
            pairs(&[("contact_by_contact_id", "belongs_to")])
        );
        assert_eq!(
            names(&snapshot, "contact_group_relationship"),
            pairs(&[
                ("contact_group_by_contact_group_id", "belongs_to"),
                ("contact_by_contact_id", "belongs_to"),
            ])
        );
        assert_eq!(
            names(&snapshot, "contact_group"),
            pairs(&[
                ("contact_by_contact_group_relationship", "many_many"),
                ("contact_group_relationship_by_contact_group_id", "has_many"),
            ])
        );
    }

    #[test]
    fn descriptors_carry_fields_junction_and_rules() {
        let snapshot = address_book();
        let contact = snapshot.table("contact").expect("table");
        let groups = contact
            .relation("CONTACT_GROUP_by_contact_group_relationship")
            .expect("case-insensitive lookup");
        assert_eq!(groups.field, ["id"]);
        assert_eq!(groups.ref_table, "contact_group");
        assert_eq!(groups.ref_field, ["id"]);
        assert_eq!(
            groups.junction,
            Some(Junction {
                table: "contact_group_relationship".into(),
                field: vec!["contact_id".into()],
                ref_field: vec!["contact_group_id".into()],
            })
        );
        let owner = snapshot
            .table("contact_info")
            .and_then(|t| t.relation("contact_by_contact_id"))
            .expect("belongs_to");
        assert_eq!(
            (owner.field.as_slice(), owner.ref_table.as_str()),
            (&["contact_id".to_owned()][..], "contact")
        );
        assert_eq!(owner.on_delete, "CASCADE");
        assert!(!owner.is_multi_column());
    }

    #[test]
    fn a_self_reference_is_one_has_many_and_dangling_keys_are_skipped() {
        let snapshot = SchemaSnapshot::new(vec![table(
            "node",
            &["id", "parent_id", "ghost_id"],
            vec![
                key(&["parent_id"], "node", &["id"]),
                key(&["ghost_id"], "missing", &["id"]),
            ],
        )]);
        assert_eq!(
            names(&snapshot, "node"),
            pairs(&[("node_by_parent_id", "has_many")])
        );
    }

    #[test]
    fn multi_column_keys_join_their_columns() {
        let snapshot = SchemaSnapshot::new(vec![
            table("a", &["x", "y"], vec![]),
            table(
                "b",
                &["id", "ax", "ay"],
                vec![key(&["ax", "ay"], "a", &["x", "y"])],
            ),
        ]);
        assert_eq!(
            names(&snapshot, "b"),
            pairs(&[("a_by_ax_ay", "belongs_to")])
        );
        assert_eq!(names(&snapshot, "a"), pairs(&[("b_by_ax_ay", "has_many")]));
        assert!(snapshot.table("a").expect("a").relations()[0].is_multi_column());
    }
}
