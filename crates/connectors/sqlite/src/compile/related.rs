//! The query of one relationship for a set of parents (see `RelatedQuery`): a plain SELECT
//! for belongs_to / has_many, a join through the junction for many_many, so every
//! relationship costs one statement whatever its kind.

use sluice_connector_core::{RelatedQuery, sql};

use super::CompiledSql;
use crate::dialect::Sqlite;

/// `SELECT "j"."parent", "r"."a", ... FROM "related" AS "r" JOIN "junction" AS "j"
/// ON "j"."related" = "r"."target" WHERE <junction condition> [AND <related condition>]
/// ORDER BY ... LIMIT ? OFFSET ?` for a junction link; `compile_select` otherwise (the link
/// column is already the first of the projection).
pub(crate) fn compile_related(query: &RelatedQuery) -> CompiledSql {
    sql::related(&Sqlite, query)
}

#[cfg(test)]
mod tests {

    use sluice_connector_core::{
        BoundValue, ColumnSchema, ForeignKey, ReadBounds, ReadPlan, ReadRequest, SchemaSnapshot,
        TableAccess, TableSchema,
    };

    use super::*;

    fn table(name: &str, columns: &[&str], keys: &[(&str, &str)]) -> TableSchema {
        let columns = columns
            .iter()
            .map(|c| {
                let mut column = ColumnSchema::from_declared(*c, "INTEGER");
                column.is_primary_key = *c == "id";
                column
            })
            .collect();
        let keys = keys
            .iter()
            .map(|(column, parent)| ForeignKey {
                columns: vec![(*column).into()],
                ref_table: (*parent).into(),
                ref_columns: vec!["id".into()],
                on_update: "NO ACTION".into(),
                on_delete: "NO ACTION".into(),
            })
            .collect();
        TableSchema::new(name, false, columns, keys)
    }

    fn compiled(relation: &str) -> CompiledSql {
        let schema = SchemaSnapshot::new(vec![
            table("post", &["id", "title"], &[]),
            table("tag", &["id", "label"], &[]),
            table(
                "post_tag",
                &["id", "post_id", "tag_id"],
                &[("post_id", "post"), ("tag_id", "tag")],
            ),
        ]);
        let request = ReadRequest {
            related: Some(relation.into()),
            ..ReadRequest::default()
        };
        let post = schema.table("post").cloned().expect("post");
        let plan = ReadPlan::list(
            &schema,
            post,
            &request,
            &TableAccess::unrestricted(),
            &ReadBounds::default(),
        )
        .expect("plan");
        let values = [BoundValue::Integer(1), BoundValue::Integer(2)];
        compile_related(&plan.related.nodes[0].query(&values, 10))
    }

    #[test]
    fn a_many_many_is_one_join_through_the_junction() {
        let sql = compiled("tag_by_post_tag");
        assert_eq!(
            sql.sql,
            r#"SELECT "j"."post_id", "r"."id", "r"."label" FROM "tag" AS "r" JOIN "post_tag" AS "j" ON "j"."tag_id" = "r"."id" WHERE "j"."post_id" IN (?, ?) ORDER BY "r"."id" ASC LIMIT ? OFFSET ?"#
        );
        assert_eq!(sql.binds, [1, 2, 10, 0].map(BoundValue::Integer).to_vec());
    }

    #[test]
    fn a_has_many_selects_its_link_column_first() {
        assert_eq!(
            compiled("post_tag_by_post_id").sql,
            r#"SELECT "post_id", "id", "post_id", "tag_id" FROM "post_tag" WHERE "post_id" IN (?, ?) ORDER BY "id" ASC LIMIT ? OFFSET ?"#
        );
    }
}
