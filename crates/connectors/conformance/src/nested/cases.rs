//! Nested writes as an administrator makes them: every relationship kind, created,
//! updated and unlinked, and what a failure leaves behind.

use std::sync::Arc;

use serde_json::{Value, json};
use sluice_connector_core::{ConnectorError, Database, WriteKind, WriteRequest};

use super::{
    Check, MANY_MANY, MANY_TO_ONE, named_checks, nested_error, not_all, patch, post, rows,
};
use crate::write::{bad_request, batch, record_error, with_body, write_to};

pub(super) fn checks() -> Vec<Check> {
    named_checks![
        the_stapler_and_its_location_are_inserted_together,
        a_child_refused_by_core_leaves_the_stapler,
        with_rollback_a_child_refused_by_core_leaves_nothing,
        a_child_the_database_refuses_leaves_what_came_before,
        with_rollback_a_child_the_database_refuses_leaves_nothing,
        children_are_adopted_updated_and_disowned,
        disowning_a_child_that_cannot_stand_alone_deletes_it_only_when_allowed,
        a_text_keyed_child_is_upserted,
        a_belongs_to_parent_is_created_or_linked_before_the_record,
        many_many_links_are_created_and_removed_through_the_junction,
        related_on_a_write_reads_the_nested_records_back,
        shapes_depth_and_filter_updates_are_checked,
    ]
}

fn rolled_back(request: WriteRequest, rollback: bool) -> WriteRequest {
    WriteRequest {
        rollback,
        ..request
    }
}

/// The message of a batch whose records could not all be created.
fn not_all_created(rollback: bool) -> String {
    let mut message = not_all("created");
    if rollback {
        message.push_str(" All changes rolled back.");
    }
    message
}

async fn the_stapler_and_its_location_are_inserted_together(db: Arc<Database>) {
    let body =
        json!({"resource": [{"name": "Stapler", "locations_by_supply_id": [{"name": "Closet"}]}]});
    let reply = write_to(&db, "supplies", post(body)).await;
    assert_eq!(reply.expect("written"), json!({"resource": [{"id": 2}]}));
    assert_eq!(
        rows(&db, "locations", "id,name,supply_id").await,
        json!([{"id": 1, "name": "Hall", "supply_id": null},
               {"id": 2, "name": "Closet", "supply_id": 2}])
    );
}

/// As DreamFactory (and its guide) say: without rollback the stapler stays, orphaned.
async fn a_child_refused_by_core_leaves_the_stapler(db: Arc<Database>) {
    let missing_name = json!([{"title": "Closet"}]);
    let required = "Required field 'name' can not be NULL.";
    refused_child(db, missing_name, required, false).await;
}

async fn with_rollback_a_child_refused_by_core_leaves_nothing(db: Arc<Database>) {
    let missing_name = json!([{"title": "Closet"}]);
    let required = "Required field 'name' can not be NULL.";
    refused_child(db, missing_name, required, true).await;
}

/// The first location stays with the stapler unless `rollback` is asked for.
async fn a_child_the_database_refuses_leaves_what_came_before(db: Arc<Database>) {
    let null_name = json!([{"name": "Closet"}, {"name": null}]);
    refused_child(db, null_name, "Field 'name' can not be NULL.", false).await;
}

async fn with_rollback_a_child_the_database_refuses_leaves_nothing(db: Arc<Database>) {
    let null_name = json!([{"name": "Closet"}, {"name": null}]);
    refused_child(db, null_name, "Field 'name' can not be NULL.", true).await;
}

/// A new stapler with `locations`, of which the last is refused with `error`: the ones
/// before it are written, and stay with the stapler unless `rollback` is asked for.
async fn refused_child(db: Arc<Database>, locations: Value, error: &str, rollback: bool) {
    let locations = locations.as_array().cloned().expect("locations");
    let refused = locations.len() - 1;
    let body = json!({"resource": [{"name": "Stapler", "locations_by_supply_id": locations}]});
    let (message, context) =
        batch(write_to(&db, "supplies", rolled_back(post(body), rollback)).await);
    assert_eq!(message, not_all_created(rollback));
    assert_eq!(
        context,
        json!({"error": [0], "resource": [nested_error(MANY_TO_ONE, &not_all("created"),
            "locations_by_supply_id", Some(refused), record_error(400, error))]})
    );
    let mut supplies = vec![json!({"id": 1, "name": "Broom"})];
    let mut kept = vec![json!({"id": 1, "name": "Hall", "supply_id": null})];
    if !rollback {
        supplies.push(json!({"id": 2, "name": "Stapler"}));
        kept.extend(
            locations[..refused]
                .iter()
                .zip(2..)
                .map(|(location, id)| json!({"id": id, "name": location["name"], "supply_id": 2})),
        );
    }
    assert_eq!(
        rows(&db, "supplies", "id,name").await,
        Value::from(supplies)
    );
    assert_eq!(
        rows(&db, "locations", "id,name,supply_id").await,
        Value::from(kept)
    );
}

async fn children_are_adopted_updated_and_disowned(db: Arc<Database>) {
    let hall =
        |name: &str, supply_id: Value| json!([{"id": 1, "name": name, "supply_id": supply_id}]);
    let adopt = patch("1", json!({"locations_by_supply_id": [{"id": 1}]}));
    assert_eq!(
        write_to(&db, "supplies", adopt).await.expect("adopted"),
        json!({"id": 1})
    );
    assert_eq!(
        rows(&db, "locations", "id,name,supply_id").await,
        hall("Hall", json!(1))
    );
    let update = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 1, "name": "Attic"}]}),
    );
    write_to(&db, "supplies", update).await.expect("updated");
    assert_eq!(
        rows(&db, "locations", "id,name,supply_id").await,
        hall("Attic", json!(1))
    );
    let disown = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 1, "supply_id": null}]}),
    );
    write_to(&db, "supplies", disown).await.expect("disowned");
    assert_eq!(
        rows(&db, "locations", "id,name,supply_id").await,
        hall("Attic", Value::Null)
    );
    let missing = patch(
        "1",
        json!({"locations_by_supply_id": [{"id": 99, "name": "x"}]}),
    );
    assert_eq!(
        bad_request(write_to(&db, "supplies", missing).await),
        format!("{MANY_TO_ONE}\n{}", not_all("updated"))
    );
}

async fn disowning_a_child_that_cannot_stand_alone_deletes_it_only_when_allowed(db: Arc<Database>) {
    let disown = json!({"bins_by_supply_id": [{"id": 1, "supply_id": null}]});
    let refused = write_to(&db, "supplies", patch("1", disown.clone())).await;
    let Err(ConnectorError::BadRequest { context, .. }) = refused else {
        panic!("a 400: {refused:?}");
    };
    assert_eq!(
        context.expect("context")["error"],
        record_error(400, "Field 'supply_id' can not be NULL.")
    );
    assert_eq!(
        rows(&db, "bins", "id,label,supply_id").await,
        json!([{"id": 1, "label": "b1", "supply_id": 1}])
    );
    let allowed = WriteRequest {
        allow_related_delete: true,
        ..patch("1", disown)
    };
    write_to(&db, "supplies", allowed).await.expect("deleted");
    assert_eq!(rows(&db, "bins", "id").await, json!([]));
}

async fn a_text_keyed_child_is_upserted(db: Arc<Database>) {
    let body = json!({"codes_by_supply_id": [{"code": "A1", "note": "new"}]});
    write_to(&db, "supplies", patch("1", body))
        .await
        .expect("inserted");
    let body = json!({"codes_by_supply_id": [{"code": "A1", "note": "changed"}]});
    write_to(&db, "supplies", patch("1", body))
        .await
        .expect("updated");
    assert_eq!(
        rows(&db, "codes", "code,note,supply_id").await,
        json!([{"code": "A1", "note": "changed", "supply_id": 1}])
    );
    let no_key = json!({"codes_by_supply_id": [{"note": "keyless"}]});
    let error = write_to(&db, "supplies", patch("1", no_key)).await;
    assert_eq!(
        bad_request(error),
        format!("{MANY_TO_ONE}\nRelated record has no primary key value for 'code'.")
    );
}

async fn a_belongs_to_parent_is_created_or_linked_before_the_record(db: Arc<Database>) {
    let created = post(json!([{"name": "Shelf", "supplies_by_supply_id": {"name": "Mop"}}]));
    assert_eq!(
        write_to(&db, "locations", created).await.expect("written"),
        json!({"resource": [{"id": 2}]})
    );
    let linked =
        post(json!([{"name": "Desk", "supplies_by_supply_id": {"id": 1, "name": "Big Broom"}}]));
    write_to(&db, "locations", linked).await.expect("written");
    assert_eq!(
        rows(&db, "locations", "id,name,supply_id").await,
        json!([{"id": 1, "name": "Hall", "supply_id": null},
               {"id": 2, "name": "Shelf", "supply_id": 2},
               {"id": 3, "name": "Desk", "supply_id": 1}])
    );
    assert_eq!(
        rows(&db, "supplies", "id,name").await,
        json!([{"id": 1, "name": "Big Broom"}, {"id": 2, "name": "Mop"}])
    );
    let keyless = post(json!([{"name": "Nook", "codes_by_supply_id": []}]));
    write_to(&db, "locations", keyless)
        .await
        .expect("an empty list asks for nothing");
}

async fn many_many_links_are_created_and_removed_through_the_junction(db: Arc<Database>) {
    let body =
        json!([{"name": "Bucket", "tags_by_supply_tags": [{"label": "plastic"}, {"id": 1}]}]);
    write_to(&db, "supplies", post(body))
        .await
        .expect("written");
    let links = || rows(&db, "supply_tags", "id,supply_id,tag_id");
    assert_eq!(
        links().await,
        json!([{"id": 1, "supply_id": 2, "tag_id": 2}, {"id": 2, "supply_id": 2, "tag_id": 1}])
    );
    // Linking again adds nothing; `"supplies.id": null` removes the link, not the tag.
    let again = patch(
        "2",
        json!({"tags_by_supply_tags": [{"id": 1}, {"id": 2, "supplies.id": null}]}),
    );
    write_to(&db, "supplies", again).await.expect("written");
    assert_eq!(
        links().await,
        json!([{"id": 2, "supply_id": 2, "tag_id": 1}])
    );
    assert_eq!(
        rows(&db, "tags", "id,label").await,
        json!([{"id": 1, "label": "cleaning"}, {"id": 2, "label": "plastic"}])
    );
    let duplicate = patch("2", json!({"tags_by_supply_tags": [{"label": "cleaning"}]}));
    assert_eq!(
        bad_request(write_to(&db, "supplies", duplicate).await),
        format!("{MANY_MANY}\n{}", not_all("created"))
    );
}

async fn related_on_a_write_reads_the_nested_records_back(db: Arc<Database>) {
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
        write_to(&db, "supplies", request).await.expect("written"),
        json!({"resource": [{"name": "Stapler", "id": 2,
            "locations_by_supply_id": [{"name": "Closet"}],
            "tags_by_supply_tags": [{"id": 1, "label": "cleaning"}]}]})
    );
}

async fn shapes_depth_and_filter_updates_are_checked(db: Arc<Database>) {
    let not_a_list = post(json!([{"name": "x", "locations_by_supply_id": {"name": "y"}}]));
    let (_, context) = batch(write_to(&db, "supplies", not_a_list).await);
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
    let (_, context) = batch(write_to(&db, "supplies", post(deep)).await);
    assert_eq!(
        context["resource"][0]["message"],
        format!("{MANY_TO_ONE}\n{}", not_all("created"))
    );
    let text = context.to_string();
    assert!(
        text.contains("Related records can be nested at most 3 levels deep."),
        "{text}"
    );
    // Three levels are written (a, then c inside b); the fourth (e inside d) is refused, and
    // without rollback what was written before stays, as in DreamFactory.
    assert_eq!(
        names(&rows(&db, "supplies", "id,name").await),
        json!([{"name": "Broom"}, {"name": "a"}, {"name": "c"}])
    );
    let filter = WriteRequest {
        filter: Some("id = 1".into()),
        ..with_body(
            WriteKind::Update,
            json!([{"locations_by_supply_id": [{"id": 1}]}]),
        )
    };
    assert_eq!(
        bad_request(write_to(&db, "supplies", filter).await),
        "Related records can not be written by an update with a filter."
    );
}

/// The rows with their `name` only, where keys are the engine's to assign (a failed
/// insert may use up a PostgreSQL sequence's value).
fn names(rows: &Value) -> Value {
    let rows = rows.as_array().expect("rows");
    rows.iter()
        .map(|row| json!({"name": row["name"]}))
        .collect()
}
