//! `related=`: one statement per relationship for the whole page, in one snapshot.

use serde_json::json;
use sluice_connector_core::ReadRequest;

use crate::helpers::*;

fn related(names: &str) -> ReadRequest {
    ReadRequest {
        related: Some(names.into()),
        ..request()
    }
}

#[tokio::test]
async fn belongs_to_has_many_and_many_many_land_in_their_parents() {
    let fixture = fixture().await;
    let body = get(
        &fixture,
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
    .await
    .expect("read");
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

/// On the gateway's multi-threaded runtime, as on the tests' single thread above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_relationships_and_a_record_by_id() {
    let fixture = fixture().await;
    let bytes = fixture
        .admin("departments")
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
        &fixture,
        "employee_projects",
        ReadRequest {
            filter: Some("id = 3".into()),
            fields: Some("id".into()),
            ..related("employees_by_employee_id.departments_by_dept_id")
        },
    )
    .await
    .expect("read");
    assert_eq!(
        body["resource"][0]["employees_by_employee_id"]["departments_by_dept_id"],
        json!({"id": 1, "name": "Engineering"})
    );
}
