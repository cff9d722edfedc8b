//! The `_schema` descriptors in their non-alias form: the table object
//! (`alias` first, `access` last as the role's verb mask), field and relation descriptors.

use super::descriptor::{write_constraints, write_field_descriptor};
use super::object::Object;
use super::summary::TableSummary;
use super::{label, write_i64, write_str};
use crate::relation::Relation;
use crate::schema::TableSchema;

/// What the caller may see of a table: the role's hidden fields are left out, and `access`
/// is the verb mask the role grants on `_schema/{table}`.
#[derive(Debug, Clone, Copy)]
pub struct SchemaView<'a> {
    /// Field names hidden by the role (compared case-insensitively).
    pub hidden_fields: &'a [String],
    /// DreamFactory's verb mask (GET 1, POST 2, PUT 4, PATCH 8, DELETE 16).
    pub access: u32,
    /// The service's id, reported as `ref_service_id` / `junction_service_id`.
    pub service_id: i64,
}

impl SchemaView<'_> {
    /// Whether the role hides the field `name`.
    pub fn hides(&self, name: &str) -> bool {
        self.hidden_fields
            .iter()
            .any(|hidden| hidden.eq_ignore_ascii_case(name))
    }
}

/// Writes `GET /_schema/{table}`: `alias, name, label, description, native, plural,
/// is_view, primary_key, name_field, field, related, constraints, access`.
pub fn write_schema_table(buf: &mut Vec<u8>, table: &TableSchema, view: &SchemaView<'_>) {
    let mut object = Object::open(buf);
    object.null("alias");
    TableSummary::new(table.name(), table.is_view()).write_keys(&mut object);
    let names: Vec<&str> = table
        .primary_key()
        .iter()
        .map(|&key| table.column(key).name.as_str())
        .collect();
    write_str_array(object.key("primary_key"), &names);
    object.null("name_field");
    let buf = object.key("field");
    write_fields(buf, table, view);
    let buf = object.key("related");
    buf.push(b'[');
    for (index, relation) in visible_relations(table, view).enumerate() {
        if index > 0 {
            buf.push(b',');
        }
        write_relation_descriptor(buf, relation, view.service_id);
    }
    buf.push(b']');
    write_constraints(object.key("constraints"), table);
    write_i64(object.key("access"), i64::from(view.access));
    object.close();
}

/// The visible field descriptors as a JSON array.
pub fn write_fields(buf: &mut Vec<u8>, table: &TableSchema, view: &SchemaView<'_>) {
    buf.push(b'[');
    let visible = table
        .column_refs()
        .filter(|&column| !view.hides(&table.column(column).name));
    for (index, column) in visible.enumerate() {
        if index > 0 {
            buf.push(b',');
        }
        write_field_descriptor(buf, table, column, true);
    }
    buf.push(b']');
}

/// Relations whose own fields the role may see.
pub fn visible_relations<'t>(
    table: &'t TableSchema,
    view: &SchemaView<'_>,
) -> impl Iterator<Item = &'t Relation> {
    let view = *view;
    table
        .relations()
        .iter()
        .filter(move |relation| !relation.field.iter().any(|field| view.hides(field)))
}

/// One relation descriptor (RelationSchema::toArray), multi-column lists joined by commas.
pub fn write_relation_descriptor(buf: &mut Vec<u8>, relation: &Relation, service_id: i64) {
    let mut object = Object::open(buf);
    object.null("alias");
    object.string("name", &relation.name);
    object.string("label", &label(&relation.name));
    object.null("description");
    object.raw("native", b"[]");
    object.string("type", relation.kind.as_str());
    object.string("field", &relation.field.join(","));
    object.boolean("is_virtual", false);
    write_i64(object.key("ref_service_id"), service_id);
    object.string("ref_table", &relation.ref_table);
    object.string("ref_field", &relation.ref_field.join(","));
    object.string("ref_on_update", &relation.on_update);
    object.string("ref_on_delete", &relation.on_delete);
    match &relation.junction {
        Some(junction) => {
            write_i64(object.key("junction_service_id"), service_id);
            object.string("junction_table", &junction.table);
            object.string("junction_field", &junction.field.join(","));
            object.string("junction_ref_field", &junction.ref_field.join(","));
        }
        None => {
            object.null("junction_service_id");
            object.null("junction_table");
            object.null("junction_field");
            object.null("junction_ref_field");
        }
    }
    object.boolean("always_fetch", false);
    object.boolean("flatten", false);
    object.boolean("flatten_drop_prefix", false);
    object.close();
}

fn write_str_array(buf: &mut Vec<u8>, items: &[&str]) {
    buf.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            buf.push(b',');
        }
        write_str(buf, item);
    }
    buf.push(b']');
}
