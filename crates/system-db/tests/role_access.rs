//! The access row queries of the `Roles` repository, on SQLite and PostgreSQL.

mod common;

use serde_json::json;
use sluice_system_db::{DbError, NewRoleAccess, RoleAccessPatch, SystemDb};

backend_tests!(
    insert_access_stores_every_field_and_get_access_reads_it_back,
    new_role_access_uses_the_column_defaults,
    insert_access_with_an_unknown_role_is_an_invalid_reference,
    insert_access_with_an_unknown_service_is_an_invalid_reference,
    list_access_and_access_for_role_return_rows_in_id_order,
    update_access_changes_only_the_given_fields_and_stamps_the_modifier,
    update_access_can_widen_to_every_service_and_the_service_root,
    update_access_to_an_unknown_service_is_an_invalid_reference,
    update_access_returns_none_for_an_unknown_id,
    delete_access_removes_the_row_and_reports_whether_it_existed,
    deleting_a_service_deletes_the_access_rows_naming_it,
    serialises_filters_and_hidden_fields_as_json_arrays,
);

fn full_access(role_id: i64, service_id: i64) -> NewRoleAccess {
    NewRoleAccess {
        verb_mask: 1 | 2,
        requestor_mask: 3,
        filters: json!([{"name": "owner_id", "operator": "=", "value": "{user.id}"}]),
        filter_op: "OR".into(),
        hidden_fields: json!(["salary", "ssn"]),
        ..NewRoleAccess::new(role_id, Some(service_id), Some("_table/employees"))
    }
}

async fn insert_access_stores_every_field_and_get_access_reads_it_back(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let role = common::role(&db, "hr").await;
    let service = common::service(&db, "db").await;
    let new = full_access(role.id, service.id);

    let row = db
        .roles()
        .insert_access(&new, Some(admin.id))
        .await
        .unwrap();

    assert!(row.id > 0);
    assert_eq!(row.role_id, role.id);
    assert_eq!(row.service_id, Some(service.id));
    assert_eq!(row.component.as_deref(), Some("_table/employees"));
    assert_eq!(row.verb_mask, 3);
    assert_eq!(row.requestor_mask, 3);
    assert_eq!(row.filters, new.filters);
    assert_eq!(row.filter_op, "OR");
    assert_eq!(row.hidden_fields, json!(["salary", "ssn"]));
    assert_eq!(row.created_date, row.last_modified_date);
    assert_eq!(row.created_by_id, Some(admin.id));
    assert_eq!(row.last_modified_by_id, Some(admin.id));
    assert_eq!(
        db.roles().get_access(row.id).await.unwrap(),
        Some(row.clone())
    );
    assert_eq!(db.roles().get_access(row.id + 1).await.unwrap(), None);
}

async fn new_role_access_uses_the_column_defaults(db: SystemDb) {
    let role = common::role(&db, "hr").await;

    let row = db
        .roles()
        .insert_access(&NewRoleAccess::new(role.id, None, None), None)
        .await
        .unwrap();

    assert_eq!(row.service_id, None);
    assert_eq!(row.component, None);
    assert_eq!(row.verb_mask, 0);
    assert_eq!(row.requestor_mask, 1);
    assert_eq!(row.filters, json!([]));
    assert_eq!(row.filter_op, "AND");
    assert_eq!(row.hidden_fields, json!([]));
    assert_eq!(row.created_by_id, None);
}

async fn insert_access_with_an_unknown_role_is_an_invalid_reference(db: SystemDb) {
    let err = db
        .roles()
        .insert_access(&NewRoleAccess::new(404, None, None), None)
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn insert_access_with_an_unknown_service_is_an_invalid_reference(db: SystemDb) {
    let role = common::role(&db, "hr").await;

    let err = db
        .roles()
        .insert_access(&NewRoleAccess::new(role.id, Some(404), None), None)
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn list_access_and_access_for_role_return_rows_in_id_order(db: SystemDb) {
    let hr = common::role(&db, "hr").await;
    let ops = common::role(&db, "ops").await;
    let mut ids = Vec::new();
    for (role_id, component) in [(hr.id, "a"), (ops.id, "b"), (hr.id, "c")] {
        let row = db
            .roles()
            .insert_access(&NewRoleAccess::new(role_id, None, Some(component)), None)
            .await
            .unwrap();
        ids.push(row.id);
    }

    let all: Vec<i64> = db
        .roles()
        .list_access()
        .await
        .unwrap()
        .iter()
        .map(|row| row.id)
        .collect();
    let of_hr: Vec<Option<String>> = db
        .roles()
        .access_for_role(hr.id)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.component)
        .collect();
    let of_nobody = db.roles().access_for_role(404).await.unwrap();

    assert_eq!(all, ids);
    assert_eq!(of_hr, [Some("a".to_owned()), Some("c".to_owned())]);
    assert_eq!(of_nobody, []);
}

async fn update_access_changes_only_the_given_fields_and_stamps_the_modifier(db: SystemDb) {
    let admin = common::user(&db, "admin@example.com", true).await;
    let role = common::role(&db, "hr").await;
    let service = common::service(&db, "db").await;
    let before = db
        .roles()
        .insert_access(&full_access(role.id, service.id), None)
        .await
        .unwrap();
    let patch = RoleAccessPatch {
        verb_mask: Some(31),
        hidden_fields: Some(json!(["ssn"])),
        ..RoleAccessPatch::default()
    };

    let after = db
        .roles()
        .update_access(before.id, &patch, Some(admin.id))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.verb_mask, 31);
    assert_eq!(after.hidden_fields, json!(["ssn"]));
    assert_eq!(after.service_id, before.service_id);
    assert_eq!(after.component, before.component);
    assert_eq!(after.requestor_mask, before.requestor_mask);
    assert_eq!(after.filters, before.filters);
    assert_eq!(after.filter_op, before.filter_op);
    assert_eq!(after.created_date, before.created_date);
    assert!(after.last_modified_date >= before.last_modified_date);
    assert_eq!(after.created_by_id, None);
    assert_eq!(after.last_modified_by_id, Some(admin.id));
    assert_eq!(db.roles().get_access(before.id).await.unwrap(), Some(after));
}

async fn update_access_can_widen_to_every_service_and_the_service_root(db: SystemDb) {
    let role = common::role(&db, "hr").await;
    let service = common::service(&db, "db").await;
    let before = db
        .roles()
        .insert_access(&full_access(role.id, service.id), None)
        .await
        .unwrap();
    let patch = RoleAccessPatch {
        service_id: Some(None),
        component: Some(None),
        filters: Some(json!([])),
        filter_op: Some("AND".into()),
        requestor_mask: Some(1),
        ..RoleAccessPatch::default()
    };

    let after = db
        .roles()
        .update_access(before.id, &patch, None)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(after.service_id, None);
    assert_eq!(after.component, None);
    assert_eq!(after.filters, json!([]));
    assert_eq!(after.filter_op, "AND");
    assert_eq!(after.requestor_mask, 1);
    assert_eq!(after.verb_mask, before.verb_mask);
    assert_eq!(after.hidden_fields, before.hidden_fields);
}

async fn update_access_to_an_unknown_service_is_an_invalid_reference(db: SystemDb) {
    let role = common::role(&db, "hr").await;
    let row = db
        .roles()
        .insert_access(&NewRoleAccess::new(role.id, None, None), None)
        .await
        .unwrap();
    let patch = RoleAccessPatch {
        service_id: Some(Some(404)),
        ..RoleAccessPatch::default()
    };

    let err = db
        .roles()
        .update_access(row.id, &patch, None)
        .await
        .unwrap_err();

    assert!(matches!(err, DbError::InvalidReference), "{err:?}");
}

async fn update_access_returns_none_for_an_unknown_id(db: SystemDb) {
    let result = db
        .roles()
        .update_access(42, &RoleAccessPatch::default(), None)
        .await
        .unwrap();

    assert_eq!(result, None);
}

async fn delete_access_removes_the_row_and_reports_whether_it_existed(db: SystemDb) {
    let role = common::role(&db, "hr").await;
    let row = db
        .roles()
        .insert_access(&NewRoleAccess::new(role.id, None, None), None)
        .await
        .unwrap();

    let first = db.roles().delete_access(row.id).await.unwrap();
    let second = db.roles().delete_access(row.id).await.unwrap();

    assert!(first);
    assert!(!second);
    assert_eq!(db.roles().get_access(row.id).await.unwrap(), None);
    assert!(db.roles().get(role.id).await.unwrap().is_some());
}

async fn deleting_a_service_deletes_the_access_rows_naming_it(db: SystemDb) {
    let role = common::role(&db, "hr").await;
    let doomed = common::service(&db, "doomed").await;
    let kept = common::service(&db, "kept").await;
    db.roles()
        .insert_access(&NewRoleAccess::new(role.id, Some(doomed.id), None), None)
        .await
        .unwrap();
    let on_kept = db
        .roles()
        .insert_access(&NewRoleAccess::new(role.id, Some(kept.id), None), None)
        .await
        .unwrap();
    let on_all = db
        .roles()
        .insert_access(&NewRoleAccess::new(role.id, None, None), None)
        .await
        .unwrap();

    db.services().delete(doomed.id).await.unwrap();

    assert_eq!(
        db.roles().access_for_role(role.id).await.unwrap(),
        [on_kept, on_all]
    );
}

async fn serialises_filters_and_hidden_fields_as_json_arrays(db: SystemDb) {
    let role = common::role(&db, "hr").await;
    let service = common::service(&db, "db").await;
    let row = db
        .roles()
        .insert_access(&full_access(role.id, service.id), None)
        .await
        .unwrap();

    let value = serde_json::to_value(&row).unwrap();

    assert_eq!(value["hidden_fields"], json!(["salary", "ssn"]));
    assert_eq!(value["filters"][0]["name"], "owner_id");
    assert_eq!(value["filter_op"], "OR");
    assert_eq!(value["service_id"], service.id);
}
