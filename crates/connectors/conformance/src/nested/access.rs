//! Nested writes under a role: the related table's permission for the nested verb and its
//! row filter apply to every relationship kind, a failure is wrapped in DreamFactory's
//! message, and `rollback` undoes the parent along with it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use sluice_connector_core::{
    ConnectorError, Database, RelatedAccess, RowAccess, TableAccess, TableVerb, WriteRequest,
};

use super::{
    BELONGS_TO, Check, MANY_MANY, MANY_TO_ONE, named_checks, nested_error, not_all, patch, post,
    rows,
};
use crate::write::{Write, batch, record_error, write_to};

pub(super) fn checks() -> Vec<Check> {
    named_checks![
        a_nested_insert_needs_post_on_the_related_table,
        with_rollback_a_refused_nested_insert_undoes_its_parent,
        a_nested_update_needs_patch_on_the_related_table,
        a_nested_record_outside_the_related_row_filter_is_not_written,
        adopting_a_child_outside_the_related_row_filter_is_not_found,
        a_belongs_to_parent_needs_post_on_its_table,
        a_many_many_record_needs_post_on_the_far_table,
        a_many_many_link_needs_post_on_the_junction,
    ]
}

/// Denies some (table, verb) pairs and restricts tables with a row filter.
#[derive(Default)]
struct Role {
    denied: Vec<(&'static str, TableVerb)>,
    filters: HashMap<&'static str, &'static str>,
}

impl RelatedAccess for Role {
    fn table_access(&self, table: &str, verb: TableVerb) -> Result<Arc<RowAccess>, ConnectorError> {
        if self.denied.iter().any(|(t, v)| *t == table && *v == verb) {
            return Err(ConnectorError::Forbidden(denial(verb, table)));
        }
        Ok(match self.filters.get(table) {
            Some(filter) => {
                let row_filter = sluice_filter::parse(filter, &sluice_filter::Limits::default())
                    .expect("filter parses");
                Arc::new(RowAccess::restricted(Some(row_filter), Vec::new()))
            }
            None => RowAccess::unrestricted(),
        })
    }
}

/// The gateway's message for a verb the role does not grant on a table.
fn denial(verb: TableVerb, table: &str) -> String {
    format!(
        "{verb} access to component '_table/{table}' of service 'db' is not allowed by this user's role."
    )
}

fn denying(table: &'static str, verb: TableVerb) -> Role {
    Role {
        denied: vec![(table, verb)],
        ..Role::default()
    }
}

fn filtering(table: &'static str, filter: &'static str) -> Role {
    Role {
        filters: HashMap::from([(table, filter)]),
        ..Role::default()
    }
}

/// `request` by a caller who may use the written table freely and the others as `role`
/// says.
fn as_role(role: Role, request: WriteRequest) -> Write {
    let access = TableAccess::restricted(RowAccess::unrestricted(), Arc::new(role));
    Write::from(request).with_access(access)
}

/// A denied nested statement as it appears in a batch error's `context.resource`.
fn denied(wrapper: &str, related: &str, index: Option<usize>, message: &str) -> Value {
    nested_error(wrapper, message, related, index, record_error(403, message))
}

fn stapler(location: &str) -> WriteRequest {
    post(json!([{"name": "Stapler", "locations_by_supply_id": [{"name": location}]}]))
}

async fn a_nested_insert_needs_post_on_the_related_table(db: Arc<Database>) {
    insert_needs_post(db, false).await;
}

async fn with_rollback_a_refused_nested_insert_undoes_its_parent(db: Arc<Database>) {
    insert_needs_post(db, true).await;
}

async fn insert_needs_post(db: Arc<Database>, rollback: bool) {
    let request = WriteRequest {
        rollback,
        ..stapler("Closet")
    };
    let role = denying("locations", TableVerb::Post);
    let (_, context) = batch(write_to(&db, "supplies", as_role(role, request)).await);
    let message = denial(TableVerb::Post, "locations");
    assert_eq!(
        context,
        json!({"error": [0], "resource": [denied(MANY_TO_ONE, "locations_by_supply_id", Some(0), &message)]})
    );
    assert_eq!(rows(&db, "locations", "id").await, json!([{"id": 1}]));
    let supplies = if rollback {
        json!([{"id": 1}])
    } else {
        json!([{"id": 1}, {"id": 2}])
    };
    assert_eq!(rows(&db, "supplies", "id").await, supplies);
}

async fn a_nested_update_needs_patch_on_the_related_table(db: Arc<Database>) {
    let role = denying("locations", TableVerb::Patch);
    let body = json!({"locations_by_supply_id": [{"id": 1, "name": "Attic"}]});
    let result = write_to(&db, "supplies", as_role(role, patch("1", body))).await;
    let Err(ConnectorError::BadRequest { message, context }) = result else {
        panic!("a 400: {result:?}");
    };
    let denial = denial(TableVerb::Patch, "locations");
    assert_eq!(message, format!("{MANY_TO_ONE}\n{denial}"));
    assert_eq!(
        context.expect("context")["error"],
        record_error(403, &denial)
    );
    assert_eq!(
        rows(&db, "locations", "id,name,supply_id").await,
        json!([{"id": 1, "name": "Hall", "supply_id": null}])
    );
}

async fn a_nested_record_outside_the_related_row_filter_is_not_written(db: Arc<Database>) {
    let role = filtering("locations", "name starts with 'A'");
    let (_, context) = batch(write_to(&db, "supplies", as_role(role, stapler("Closet"))).await);
    assert_eq!(
        context["resource"][0],
        nested_error(
            MANY_TO_ONE,
            &not_all("created"),
            "locations_by_supply_id",
            Some(0),
            record_error(403, "Denied access to some of the requested fields.")
        )
    );
    assert_eq!(
        rows(&db, "locations", "name").await,
        json!([{"name": "Hall"}])
    );
    // Inside the filter it is written.
    let role = filtering("locations", "name starts with 'A'");
    write_to(&db, "supplies", as_role(role, stapler("Attic")))
        .await
        .expect("written");
    assert_eq!(
        rows(&db, "locations", "name").await,
        json!([{"name": "Attic"}, {"name": "Hall"}])
    );
}

async fn adopting_a_child_outside_the_related_row_filter_is_not_found(db: Arc<Database>) {
    let role = filtering("locations", "name = 'Nowhere'");
    let adopt = patch("1", json!({"locations_by_supply_id": [{"id": 1}]}));
    let result = write_to(&db, "supplies", as_role(role, adopt)).await;
    let Err(ConnectorError::BadRequest { message, context }) = result else {
        panic!("a 400: {result:?}");
    };
    assert_eq!(message, format!("{MANY_TO_ONE}\n{}", not_all("updated")));
    assert_eq!(
        context.expect("context")["error"],
        record_error(404, "Record with identifier '1' not found.")
    );
    assert_eq!(
        rows(&db, "locations", "id,supply_id").await,
        json!([{"id": 1, "supply_id": null}])
    );
}

async fn a_belongs_to_parent_needs_post_on_its_table(db: Arc<Database>) {
    let role = denying("supplies", TableVerb::Post);
    let shelf = post(json!([{"name": "Shelf", "supplies_by_supply_id": {"name": "Mop"}}]));
    let (_, context) = batch(write_to(&db, "locations", as_role(role, shelf)).await);
    let message = denial(TableVerb::Post, "supplies");
    assert_eq!(
        context,
        json!({"error": [0], "resource": [denied(BELONGS_TO, "supplies_by_supply_id", None, &message)]})
    );
    // The parent comes first, so the record is not written either.
    assert_eq!(rows(&db, "locations", "id").await, json!([{"id": 1}]));
    assert_eq!(rows(&db, "supplies", "id").await, json!([{"id": 1}]));
}

async fn a_many_many_record_needs_post_on_the_far_table(db: Arc<Database>) {
    many_many_needs_post(db, "tags", json!({"label": "plastic"})).await;
}

async fn a_many_many_link_needs_post_on_the_junction(db: Arc<Database>) {
    many_many_needs_post(db, "supply_tags", json!({"id": 1})).await;
}

/// `tag` linked to a new supply while the role may not POST to `table`; with `rollback`,
/// nothing stays.
async fn many_many_needs_post(db: Arc<Database>, table: &'static str, tag: Value) {
    let role = denying(table, TableVerb::Post);
    let bucket = WriteRequest {
        rollback: true,
        ..post(json!([{"name": "Bucket", "tags_by_supply_tags": [tag]}]))
    };
    let (_, context) = batch(write_to(&db, "supplies", as_role(role, bucket)).await);
    let message = denial(TableVerb::Post, table);
    assert_eq!(
        context,
        json!({"error": [0], "resource": [denied(MANY_MANY, "tags_by_supply_tags", Some(0), &message)]})
    );
    assert_eq!(rows(&db, "supplies", "id").await, json!([{"id": 1}]));
    assert_eq!(rows(&db, "tags", "id").await, json!([{"id": 1}]));
    assert_eq!(rows(&db, "supply_tags", "id").await, json!([]));
}
