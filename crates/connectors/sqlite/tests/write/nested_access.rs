//! Nested writes under a role: the related table's permission for the nested verb and its
//! row filter apply, and a failure is wrapped in DreamFactory's message.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use sluice_connector_core::{
    ConnectorError, RelatedAccess, RowAccess, TableAccess, TableVerb, WriteKind, WriteRequest,
};

use crate::helpers::{Write, column, record_error, with_body, write};
use crate::nested::{nested_error, supplies};

/// Denies some (table, verb) pairs and restricts tables with a row filter.
#[derive(Default)]
struct Role {
    denied: Vec<(&'static str, TableVerb)>,
    filters: HashMap<&'static str, &'static str>,
}

impl RelatedAccess for Role {
    fn table_access(&self, table: &str, verb: TableVerb) -> Result<Arc<RowAccess>, ConnectorError> {
        if self.denied.iter().any(|(t, v)| *t == table && *v == verb) {
            return Err(ConnectorError::Forbidden(format!(
                "{verb} access to component '_table/{table}' of service 'db' is not allowed by this user's role."
            )));
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

/// The caller may use the written table freely and the others as `role` says.
fn access_of(role: Role) -> TableAccess {
    TableAccess::restricted(RowAccess::unrestricted(), Arc::new(role))
}

fn as_role(role: Role, body: Value) -> Write {
    Write::from(with_body(WriteKind::Create, body)).with_access(access_of(role))
}

fn stapler() -> Value {
    json!([{"name": "Stapler", "locations_by_supply_id": [{"name": "Closet"}]}])
}

#[tokio::test]
async fn a_nested_insert_needs_post_on_the_related_table() {
    let fixture = supplies();
    let role = Role {
        denied: vec![("locations", TableVerb::Post)],
        ..Role::default()
    };
    let result = write(&fixture, "supplies", as_role(role, stapler())).await;
    let Err(ConnectorError::Batch { context, .. }) = result else {
        panic!("a batch error: {result:?}");
    };
    let denial = "POST access to component '_table/locations' of service 'db' is not allowed by this user's role.";
    assert_eq!(
        context["resource"][0],
        json!({
            "code": 400,
            "context": {"related": "locations_by_supply_id", "index": 0,
                        "error": record_error(403, denial)},
            "message": format!("Failed to update many to one assignment.\n{denial}"),
            "status_code": 400,
        })
    );
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM locations"),
        [json!(1)]
    );
}

#[tokio::test]
async fn a_nested_record_outside_the_related_row_filter_is_not_written() {
    let fixture = supplies();
    let role = Role {
        filters: HashMap::from([("locations", "name starts with 'A'")]),
        ..Role::default()
    };
    let result = write(&fixture, "supplies", as_role(role, stapler())).await;
    let Err(ConnectorError::Batch { context, .. }) = result else {
        panic!("a batch error: {result:?}");
    };
    assert_eq!(
        context["resource"][0],
        nested_error(
            "Failed to update many to one assignment.",
            "created",
            "locations_by_supply_id",
            record_error(403, "Denied access to some of the requested fields.")
        )
    );
    assert_eq!(
        column(
            &fixture,
            "SELECT COUNT(*) FROM locations WHERE name = 'Closet'"
        ),
        [json!(0)]
    );
    // Inside the filter it is written.
    let role = Role {
        filters: HashMap::from([("locations", "name starts with 'A'")]),
        ..Role::default()
    };
    let attic = json!([{"name": "Stapler", "locations_by_supply_id": [{"name": "Attic"}]}]);
    write(&fixture, "supplies", as_role(role, attic))
        .await
        .expect("written");
}

#[tokio::test]
async fn adopting_a_child_outside_the_related_row_filter_is_not_found() {
    let fixture = supplies();
    let role = Role {
        filters: HashMap::from([("locations", "name = 'Nowhere'")]),
        ..Role::default()
    };
    let request = WriteRequest {
        id: Some("1".into()),
        records: vec![
            json!({"locations_by_supply_id": [{"id": 1}]})
                .as_object()
                .cloned()
                .expect("object"),
        ],
        ..WriteRequest::new(WriteKind::Update)
    };
    let result = write(
        &fixture,
        "supplies",
        Write::from(request).with_access(access_of(role)),
    )
    .await;
    let Err(ConnectorError::BadRequest { message, context }) = result else {
        panic!("a 400: {result:?}");
    };
    assert_eq!(
        message,
        "Failed to update many to one assignment.\nBatch Error: Not all requested records could be updated."
    );
    assert_eq!(
        context.expect("context")["error"],
        record_error(404, "Record with identifier '1' not found.")
    );
    assert_eq!(
        column(&fixture, "SELECT IFNULL(supply_id, '-') FROM locations"),
        [json!("-")]
    );
}
