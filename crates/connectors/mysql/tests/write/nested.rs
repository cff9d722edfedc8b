//! Nested writes on MySQL, the other engines' cases with the same answers: the seed's
//! stapler example with and without `rollback`, many_many junction rows created and
//! removed, and `related` on the answer. A nested statement that fails undoes only itself
//! in MySQL, so what was written before it stays (DreamFactory's rule) without savepoints.

use serde_json::{Value, json};
use sluice_connector_core::{ReadRequest, WriteKind, WriteRequest};

use crate::helpers::*;
use crate::my::get;

/// Supplies with their locations (the seed's example) and tags through a junction.
const SCHEMA: &str = "
CREATE TABLE supplies (id int AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL);
CREATE TABLE locations (id int AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL, supply_id int, FOREIGN KEY (supply_id) REFERENCES supplies (id));
CREATE TABLE tags (id int AUTO_INCREMENT PRIMARY KEY, label varchar(40) NOT NULL UNIQUE);
CREATE TABLE supply_tags (
    id int AUTO_INCREMENT PRIMARY KEY,
    supply_id int NOT NULL,
    tag_id int NOT NULL,
    FOREIGN KEY (supply_id) REFERENCES supplies (id),
    FOREIGN KEY (tag_id) REFERENCES tags (id)
);
INSERT INTO supplies (name) VALUES ('Broom');
INSERT INTO locations (name) VALUES ('Hall');
INSERT INTO tags (label) VALUES ('cleaning')
";

async fn supplies() -> Fixture {
    fixture_of(SCHEMA).await
}

fn post(body: Value) -> WriteRequest {
    with_body(WriteKind::Create, body)
}

/// The table's rows with `fields`, ordered by `id`.
async fn rows(fixture: &Fixture, table: &str, fields: &str) -> Value {
    let read = ReadRequest {
        fields: Some(fields.into()),
        order: Some("id".into()),
        ..ReadRequest::default()
    };
    get(fixture, table, read).await.expect("read")["resource"].clone()
}

#[tokio::test]
async fn a_failed_location_leaves_the_stapler_unless_rollback_is_asked_for() {
    // The location fails in MySQL itself (NOT NULL), not in core's checks.
    let body = json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [{"name": "Closet"}, {"name": null}]}]});
    let fixture = supplies().await;
    let (message, context) = batch(write(&fixture, "supplies", post(body.clone())).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created."
    );
    assert_eq!(
        context["resource"][0]["context"]["related"],
        json!("locations_by_supply_id")
    );
    assert_eq!(
        rows(&fixture, "supplies", "name").await,
        json!([{"name": "Broom"}, {"name": "Stapler"}])
    );
    assert_eq!(
        rows(&fixture, "locations", "name,supply_id").await,
        json!([{"name": "Hall", "supply_id": null}, {"name": "Closet", "supply_id": 2}])
    );

    let fixture = supplies().await;
    let request = WriteRequest {
        rollback: true,
        ..post(body)
    };
    let (message, rolled_back) = batch(write(&fixture, "supplies", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created. All changes rolled back."
    );
    assert_eq!(rolled_back, context);
    assert_eq!(
        rows(&fixture, "supplies", "name").await,
        json!([{"name": "Broom"}])
    );
    assert_eq!(
        rows(&fixture, "locations", "name").await,
        json!([{"name": "Hall"}])
    );
}

#[tokio::test]
async fn many_many_links_are_created_and_removed_through_the_junction() {
    let fixture = supplies().await;
    let body =
        json!([{"name": "Bucket", "tags_by_supply_tags": [{"label": "plastic"}, {"id": 1}]}]);
    write(&fixture, "supplies", post(body))
        .await
        .expect("written");
    assert_eq!(
        rows(&fixture, "supply_tags", "supply_id,tag_id").await,
        json!([{"supply_id": 2, "tag_id": 2}, {"supply_id": 2, "tag_id": 1}])
    );
    let again = by_id(
        WriteKind::Update,
        "2",
        json!({"tags_by_supply_tags": [{"id": 1}, {"id": 2, "supplies.id": null}]}),
    );
    write(&fixture, "supplies", again).await.expect("written");
    assert_eq!(
        rows(&fixture, "supply_tags", "supply_id,tag_id").await,
        json!([{"supply_id": 2, "tag_id": 1}])
    );
    assert_eq!(
        rows(&fixture, "tags", "label").await,
        json!([{"label": "cleaning"}, {"label": "plastic"}])
    );
}

#[tokio::test]
async fn related_on_a_write_reads_the_nested_records_back() {
    let fixture = supplies().await;
    let request = WriteRequest {
        fields: Some("name".into()),
        related: Some("locations_by_supply_id,tags_by_supply_tags".into()),
        related_options: [(
            "locations_by_supply_id_fields".to_owned(),
            "name".to_owned(),
        )]
        .into(),
        ..post(
            json!([{"name": "Stapler", "locations_by_supply_id": [{"name": "Closet"}],
                       "tags_by_supply_tags": [{"id": 1}]}]),
        )
    };
    assert_eq!(
        write(&fixture, "supplies", request).await.expect("written"),
        json!({"resource": [{"name": "Stapler", "id": 2,
            "locations_by_supply_id": [{"name": "Closet"}],
            "tags_by_supply_tags": [{"id": 1, "label": "cleaning"}]}]})
    );
}
