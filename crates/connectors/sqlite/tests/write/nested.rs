//! Nested writes through relationships: has_many children inserted,
//! adopted, updated and disowned, belongs_to parents created or linked first, many_many
//! junction rows created and removed, the seed's stapler example with and without
//! `rollback`, and `related` on the answer.

use serde_json::{Value, json};
use sluice_connector_core::{WriteKind, WriteRequest};
use sluice_connector_sqlite::SqliteOptions;

use crate::helpers::{
    Fixture, bad_request, batch, by_id, column, fixture_of, record_error, with_body, write,
};

/// Supplies with their locations (the seed's example), bins whose foreign key is NOT NULL,
/// codes keyed by text, and tags through a junction.
pub const SCHEMA: &str = "
CREATE TABLE supplies (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    supply_id INTEGER REFERENCES supplies (id)
);
CREATE TABLE bins (
    id INTEGER PRIMARY KEY,
    label TEXT,
    supply_id INTEGER NOT NULL REFERENCES supplies (id)
);
CREATE TABLE codes (code TEXT PRIMARY KEY, note TEXT, supply_id INTEGER REFERENCES supplies (id));
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE supply_tags (
    id INTEGER PRIMARY KEY,
    supply_id INTEGER NOT NULL REFERENCES supplies (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id)
);
INSERT INTO supplies VALUES (1, 'Broom');
INSERT INTO locations VALUES (1, 'Hall', NULL);
INSERT INTO bins VALUES (1, 'b1', 1);
INSERT INTO tags VALUES (1, 'cleaning');
";

pub fn supplies() -> Fixture {
    fixture_of(SCHEMA, SqliteOptions::default())
}

fn post(body: Value) -> WriteRequest {
    with_body(WriteKind::Create, body)
}

fn patch(id: &str, body: Value) -> WriteRequest {
    by_id(WriteKind::Update, id, body)
}

/// A nested failure as it appears in a batch error's `context.resource`.
pub fn nested_error(wrapper: &str, participle: &str, related: &str, error: Value) -> Value {
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
    let fixture = supplies();
    let body =
        json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [{"name": "Closet"}]}]});
    let reply = write(&fixture, "supplies", post(body)).await;
    assert_eq!(reply.expect("written"), json!({"resource": [{"id": 2}]}));
    assert_eq!(
        column(
            &fixture,
            "SELECT name || '@' || supply_id FROM locations WHERE id = 2"
        ),
        [json!("Closet@2")]
    );
}

#[tokio::test]
async fn a_failed_location_leaves_the_stapler_unless_rollback_is_asked_for() {
    let fixture = supplies();
    let body =
        json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [{"title": "Closet"}]}]});
    let expected = json!({
        "error": [0],
        "resource": [nested_error(MANY_TO_ONE, "created", "locations_by_supply_id",
            record_error(400, "Required field 'name' can not be NULL."))]
    });
    let (message, context) = batch(write(&fixture, "supplies", post(body.clone())).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created."
    );
    assert_eq!(context, expected);
    // As DreamFactory (and its guide) say: without rollback the stapler stays, orphaned.
    assert_eq!(
        column(&fixture, "SELECT name FROM supplies ORDER BY id"),
        [json!("Broom"), json!("Stapler")]
    );

    let fixture = supplies();
    let request = WriteRequest {
        rollback: true,
        ..post(body)
    };
    let (message, context) = batch(write(&fixture, "supplies", request).await);
    assert_eq!(
        message,
        "Batch Error: Not all requested records could be created. All changes rolled back."
    );
    assert_eq!(context, expected);
    assert_eq!(
        column(&fixture, "SELECT name FROM supplies"),
        [json!("Broom")]
    );
}

#[tokio::test]
async fn children_are_adopted_updated_and_disowned() {
    let fixture = supplies();
    let locations = |fixture: &Fixture| {
        column(
            fixture,
            "SELECT name || '@' || IFNULL(supply_id, '-') FROM locations WHERE id = 1",
        )
    };
    let adopt = patch("1", json!({"locations_by_supply_id": [{"id": 1}]}));
    assert_eq!(
        write(&fixture, "supplies", adopt).await.expect("adopted"),
        json!({"id": 1})
    );
    assert_eq!(locations(&fixture), [json!("Hall@1")]);

    let update = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 1, "name": "Attic"}]}),
    );
    write(&fixture, "supplies", update).await.expect("updated");
    assert_eq!(locations(&fixture), [json!("Attic@1")]);

    let disown = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 1, "supply_id": null}]}),
    );
    write(&fixture, "supplies", disown).await.expect("disowned");
    assert_eq!(locations(&fixture), [json!("Attic@-")]);

    let missing = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 99, "name": "x"}]}),
    );
    let error = write(&fixture, "supplies", missing).await;
    assert_eq!(
        bad_request(error),
        format!("{MANY_TO_ONE}\nBatch Error: Not all requested records could be updated.")
    );
}

#[tokio::test]
async fn disowning_a_child_that_cannot_stand_alone_deletes_it_only_when_allowed() {
    let fixture = supplies();
    let disown = json!({"bins_by_supply_id": [{"id": 1, "supply_id": null}]});
    let refused = write(&fixture, "supplies", patch("1", disown.clone())).await;
    let Err(sluice_connector_core::ConnectorError::BadRequest { context, .. }) = refused else {
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
    assert_eq!(column(&fixture, "SELECT COUNT(*) FROM bins"), [json!(0)]);
}

#[tokio::test]
async fn a_text_keyed_child_is_upserted() {
    let fixture = supplies();
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
        ),
        [json!("A1:changed@1")]
    );
    let no_key = json!({"codes_by_supply_id": [{"note": "keyless"}]});
    let error = write(&fixture, "supplies", patch("1", no_key)).await;
    let Err(sluice_connector_core::ConnectorError::BadRequest { message, .. }) = error else {
        panic!("a 400: {error:?}");
    };
    assert_eq!(
        message,
        format!("{MANY_TO_ONE}\nRelated record has no primary key value for 'code'.")
    );
}

#[tokio::test]
async fn a_belongs_to_parent_is_created_or_linked_before_the_record() {
    let fixture = supplies();
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
        ),
        [json!("Shelf@Mop"), json!("Desk@Big Broom")]
    );
    let keyless = post(json!([{"name": "Nook", "codes_by_supply_id": []}]));
    write(&fixture, "locations", keyless)
        .await
        .expect("an empty list asks for nothing");
}

#[tokio::test]
async fn many_many_links_are_created_and_removed_through_the_junction() {
    let fixture = supplies();
    let body =
        json!([{"name": "Bucket", "tags_by_supply_tags": [{"label": "plastic"}, {"id": 1}]}]);
    write(&fixture, "supplies", post(body))
        .await
        .expect("written");
    let links = |fixture: &Fixture| {
        column(
            fixture,
            "SELECT supply_id || '-' || tag_id FROM supply_tags ORDER BY id",
        )
    };
    assert_eq!(links(&fixture), [json!("2-2"), json!("2-1")]);
    // Linking again adds nothing; `"supplies.id": null` removes the link, not the tag.
    let again = patch(
        "2",
        json!({"tags_by_supply_tags": [{"id": 1}, {"id": 2, "supplies.id": null}]}),
    );
    write(&fixture, "supplies", again).await.expect("written");
    assert_eq!(links(&fixture), [json!("2-1")]);
    assert_eq!(column(&fixture, "SELECT COUNT(*) FROM tags"), [json!(2)]);
    let duplicate = patch("2", json!({"tags_by_supply_tags": [{"label": "cleaning"}]}));
    let error = write(&fixture, "supplies", duplicate).await;
    assert_eq!(
        bad_request(error),
        "Failed to update many to one map assignment.\nBatch Error: Not all requested records could be created."
    );
}

#[tokio::test]
async fn related_on_a_write_reads_the_nested_records_back() {
    let fixture = supplies();
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

#[tokio::test]
async fn shapes_depth_and_filter_updates_are_checked() {
    let fixture = supplies();
    let not_a_list = post(json!([{"name": "x", "locations_by_supply_id": {"name": "y"}}]));
    let (_, context) = batch(write(&fixture, "supplies", not_a_list).await);
    assert_eq!(
        context["resource"][0],
        record_error(
            400,
            "The value of relationship 'locations_by_supply_id' must be a list of records."
        )
    );
    // supplies -> locations -> supplies -> locations -> supplies: four levels.
    let deep = json!([{"name": "a", "locations_by_supply_id": [{"name": "b",
        "supplies_by_supply_id": {"name": "c", "locations_by_supply_id": [{"name": "d",
            "supplies_by_supply_id": {"name": "e"}}]}}]}]);
    let (_, context) = batch(write(&fixture, "supplies", post(deep)).await);
    assert_eq!(
        context["resource"][0]["message"],
        format!("{MANY_TO_ONE}\nBatch Error: Not all requested records could be created.")
    );
    let text = context.to_string();
    assert!(
        text.contains("Related records can be nested at most 3 levels deep."),
        "{text}"
    );
    // Three levels are written (a, then c inside b); the fourth (e inside d) is refused, and
    // without rollback what was written before stays, as in DreamFactory.
    assert_eq!(
        column(&fixture, "SELECT name FROM supplies ORDER BY id"),
        [json!("Broom"), json!("a"), json!("c")]
    );
    let filter = WriteRequest {
        filter: Some("id = 1".into()),
        ..with_body(
            WriteKind::Update,
            json!([{"locations_by_supply_id": [{"id": 1}]}]),
        )
    };
    assert_eq!(
        bad_request(write(&fixture, "supplies", filter).await),
        "Related records can not be written by an update with a filter."
    );
}
