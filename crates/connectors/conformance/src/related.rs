//! `related=` on the shared data set with its projects (`projects`, and the junction
//! `employee_projects` linking them to employees): belongs_to, has_many, many_many and nested
//! relationships, each fetched once for the whole page.

use std::sync::Arc;

use serde_json::{Value, json};
use sluice_connector_core::{Database, ReadBounds, ReadRequest, TableAccess};

use crate::read::authorized;

fn related(names: &str) -> ReadRequest {
    ReadRequest {
        related: Some(names.into()),
        ..ReadRequest::default()
    }
}

async fn get(database: &Arc<Database>, table: &str, request: ReadRequest) -> Value {
    crate::values::get(database, table, request)
        .await
        .expect("read")
}

/// Belongs-to, has-many and many-many rows land in their parents, with their own fields and
/// order.
pub async fn check_related_in_parents(database: &Arc<Database>) {
    let body = get(
        database,
        "employees",
        ReadRequest {
            fields: Some("id,first_name".into()),
            filter: Some("id in (1,5)".into()),
            related_options: [
                ("departments_by_dept_id_fields".to_owned(), "name".to_owned()),
                ("projects_by_employee_projects_order".to_owned(), "title desc".to_owned()),
            ]
            .into(),
            ..related("departments_by_dept_id,projects_by_employee_projects,employee_projects_by_employee_id")
        },
    )
    .await;
    assert_eq!(
        body,
        json!({"resource": [
            {
                // The link column is added to the fields, as DreamFactory does.
                "id": 1, "first_name": "John", "dept_id": 1,
                "departments_by_dept_id": {"name": "Engineering"},
                "projects_by_employee_projects": [
                    {"id": 2, "title": "Zephyr"}, {"id": 1, "title": "Apollo"}
                ],
                "employee_projects_by_employee_id": [
                    {"id": 1, "employee_id": 1, "project_id": 1},
                    {"id": 2, "employee_id": 1, "project_id": 2}
                ]
            },
            {
                "id": 5, "first_name": "Mia", "dept_id": null,
                "departments_by_dept_id": null,
                "projects_by_employee_projects": [],
                "employee_projects_by_employee_id": []
            }
        ]})
    );
}

/// A record by id with its has-many rows, and a relationship nested in another.
pub async fn check_nested_related_and_by_id(database: &Arc<Database>) {
    let departments = authorized(
        database,
        "departments",
        TableAccess::unrestricted(),
        ReadBounds::default(),
    );
    let bytes = departments
        .read_record(
            "2",
            &ReadRequest {
                related_options: [
                    (
                        "employees_by_dept_id_fields".to_owned(),
                        "first_name".to_owned(),
                    ),
                    ("employees_by_dept_id_order".to_owned(), "id".to_owned()),
                ]
                .into(),
                ..related("employees_by_dept_id")
            },
        )
        .await
        .expect("found");
    let body: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(
        body,
        json!({"id": 2, "name": "Sales", "employees_by_dept_id": [
            {"first_name": "Zoë"}, {"first_name": "Liam"}, {"first_name": "Ava"}
        ]})
    );
    let body = get(
        database,
        "employee_projects",
        ReadRequest {
            filter: Some("id = 3".into()),
            fields: Some("id".into()),
            ..related("employees_by_employee_id.departments_by_dept_id")
        },
    )
    .await;
    assert_eq!(
        body["resource"][0]["employees_by_employee_id"]["departments_by_dept_id"],
        json!({"id": 1, "name": "Engineering"})
    );
}
