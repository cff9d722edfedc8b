//! Nested writes on PostgreSQL, the SQLite connector's cases with the same answers:
//! has_many children inserted, adopted, updated and disowned, belongs_to parents created or
//! linked first, many_many junction rows created and removed, the seed's stapler example
//! with and without `rollback`, and `related` on the answer. A nested statement that fails
//! is undone by its savepoint, so what was written before it stays (DreamFactory's rule).

use serde_json::{Value, json};
use sluice_connector_core::{ConnectorError, WriteKind, WriteRequest};

use crate::helpers::*;

/// Supplies with their locations (the seed's example), bins whose foreign key is NOT NULL,
/// codes keyed by text, and tags through a junction.
const SCHEMA: &str = "
CREATE TABLE supplies (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE locations (id serial PRIMARY KEY, name text NOT NULL, supply_id integer REFERENCES supplies (id));
CREATE TABLE bins (id serial PRIMARY KEY, label text, supply_id integer NOT NULL REFERENCES supplies (id));
CREATE TABLE codes (code text PRIMARY KEY, note text, supply_id integer REFERENCES supplies (id));
CREATE TABLE tags (id serial PRIMARY KEY, label text NOT NULL UNIQUE);
CREATE TABLE supply_tags (
    id serial PRIMARY KEY,
    supply_id integer NOT NULL REFERENCES supplies (id),
    tag_id integer NOT NULL REFERENCES tags (id)
);
INSERT INTO supplies (name) VALUES ('Broom');
INSERT INTO locations (name) VALUES ('Hall');
INSERT INTO bins (label, supply_id) VALUES ('b1', 1);
INSERT INTO tags (label) VALUES ('cleaning');
";

async fn supplies() -> Fixture {
    fixture_of(SCHEMA).await
}

fn post(body: Value) -> WriteRequest {
    with_body(WriteKind::Create, body)
}

fn patch(id: &str, body: Value) -> WriteRequest {
    by_id(WriteKind::Update, id, body)
}

fn nested_error(wrapper: &str, participle: &str, related: &str, error: Value) -> Value {
    json!({
        "code": 400,
        "context": {"related": related, "index": 0, "error": error},
        "message": format!("{wrapper}\nBatch Error: Not all requested records could be {participle}."),
        "status_code": 400,
    })
}

const MANY_TO_ONE: &str = "Failed to update many to one assignment.";

#[tokio::test]
async fn the_stapler_and_its_location_are_inserted_together() {
    let fixture = supplies().await;
    let body =
        json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [{"name": "Closet"}]}]});
    let reply = write(&fixture, "supplies", post(body)).await;
    assert_eq!(reply.expect("written"), json!({"resource": [{"id": 2}]}));
    assert_eq!(
        column(
            &fixture,
            "SELECT name || '@' || supply_id FROM locations WHERE id = 2"
        )
        .await,
        [json!("Closet@2")]
    );
}

#[tokio::test]
async fn a_failed_location_leaves_the_stapler_unless_rollback_is_asked_for() {
    // The location fails in PostgreSQL itself (NOT NULL), not in core's checks, so the
    // savepoint is what keeps the stapler.
    let body = json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [{"name": "Closet"}, {"name": null}]}]});
    let fixture = supplies().await;
    let (message, context) = batch(write(&fixture, "supplies", post(body.clone())).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created."
    );
    let failure = &context["resource"][0];
    assert_eq!(
        failure["context"]["related"],
        json!("locations_by_supply_id")
    );
    assert_eq!(
        column(&fixture, "SELECT name FROM supplies ORDER BY id").await,
        [json!("Broom"), json!("Stapler")]
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
        column(&fixture, "SELECT name FROM supplies").await,
        [json!("Broom")]
    );
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM locations").await,
        [json!(1)]
    );
}

#[tokio::test]
async fn a_child_refused_by_core_reports_the_wrapped_error() {
    let fixture = supplies().await;
    let body =
        json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [{"title": "Closet"}]}]});
    let (_, context) = batch(write(&fixture, "supplies", post(body)).await);
    assert_eq!(
        context,
        json!({"error": [0], "resource": [nested_error(MANY_TO_ONE, "created", "locations_by_supply_id",
            record_error(400, "Required field 'name' can not be NULL."))]})
    );
}

#[tokio::test]
async fn children_are_adopted_updated_and_disowned() {
    let fixture = supplies().await;
    let location =
        "SELECT name || '@' || COALESCE(supply_id::text, '-') FROM locations WHERE id = 1";
    let adopt = patch("1", json!({"locations_by_supply_id": [{"id": 1}]}));
    assert_eq!(
        write(&fixture, "supplies", adopt).await.expect("adopted"),
        json!({"id": 1})
    );
    assert_eq!(column(&fixture, location).await, [json!("Hall@1")]);
    let update = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 1, "name": "Attic"}]}),
    );
    write(&fixture, "supplies", update).await.expect("updated");
    assert_eq!(column(&fixture, location).await, [json!("Attic@1")]);
    let disown = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 1, "supply_id": null}]}),
    );
    write(&fixture, "supplies", disown).await.expect("disowned");
    assert_eq!(column(&fixture, location).await, [json!("Attic@-")]);
    let missing = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 99, "name": "x"}]}),
    );
    assert_eq!(
        bad_request(write(&fixture, "supplies", missing).await),
        format!("{MANY_TO_ONE}\nBatch Error: Not all requested records could be updated.")
    );
}

#[tokio::test]
async fn disowning_a_child_that_cannot_stand_alone_deletes_it_only_when_allowed() {
    let fixture = supplies().await;
    let disown = json!({"bins_by_supply_id": [{"id": 1, "supply_id": null}]});
    let refused = write(&fixture, "supplies", patch("1", disown.clone())).await;
    let Err(ConnectorError::BadRequest { context, .. }) = refused else {
        panic!("a 400: {refused:?}");
    };
    assert_eq!(
        context.expect("context")["error"],
        record_error(400, "Field 'supply_id' can not be NULL.")
    );
    let allowed = WriteRequest {
        allow_related_delete: true,
        ..patch("1", disown)
    };
    write(&fixture, "supplies", allowed).await.expect("deleted");
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM bins").await,
        [json!(0)]
    );
}

#[tokio::test]
async fn a_text_keyed_child_is_upserted() {
    let fixture = supplies().await;
    let body = json!({"codes_by_supply_id": [{"code": "A1", "note": "new"}]});
    write(&fixture, "supplies", patch("1", body))
        .await
        .expect("inserted");
    let body = json!({"codes_by_supply_id": [{"code": "A1", "note": "changed"}]});
    write(&fixture, "supplies", patch("1", body))
        .await
        .expect("updated");
    assert_eq!(
        column(
            &fixture,
            "SELECT code || ':' || note || '@' || supply_id FROM codes"
        )
        .await,
        [json!("A1:changed@1")]
    );
}

#[tokio::test]
async fn a_belongs_to_parent_is_created_or_linked_before_the_record() {
    let fixture = supplies().await;
    let created = post(json!([{"name": "Shelf", "supplies_by_supply_id": {"name": "Mop"}}]));
    assert_eq!(
        write(&fixture, "locations", created)
            .await
            .expect("written"),
        json!({"resource": [{"id": 2}]})
    );
    let linked =
        post(json!([{"name": "Desk", "supplies_by_supply_id": {"id": 1, "name": "Big Broom"}}]));
    write(&fixture, "locations", linked).await.expect("written");
    assert_eq!(
        column(
            &fixture,
            "SELECT l.name || '@' || s.name FROM locations l JOIN supplies s ON s.id = l.supply_id ORDER BY l.id"
        )
        .await,
        [json!("Shelf@Mop"), json!("Desk@Big Broom")]
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
    let links = "SELECT supply_id || '-' || tag_id FROM supply_tags ORDER BY id";
    assert_eq!(column(&fixture, links).await, [json!("2-2"), json!("2-1")]);
    let again = patch(
        "2",
        json!({"tags_by_supply_tags": [{"id": 1}, {"id": 2, "supplies.id": null}]}),
    );
    write(&fixture, "supplies", again).await.expect("written");
    assert_eq!(column(&fixture, links).await, [json!("2-1")]);
    assert_eq!(
        column(&fixture, "SELECT COUNT(*) FROM tags").await,
        [json!(2)]
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
