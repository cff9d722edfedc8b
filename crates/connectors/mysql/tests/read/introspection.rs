//! Introspection through information_schema: tables and views, types, keys, defaults,
//! relationships.

use sluice_connector_core::DfType;

use crate::helpers::*;

#[tokio::test]
async fn tables_and_views_of_the_database_are_listed_sorted() {
    let fixture = fixture().await;
    let names = fixture.database.table_names(false).await.expect("names");
    assert_eq!(
        *names,
        vec![
            "departments",
            "employee_projects",
            "employees",
            "high_earners",
            "pairs",
            "projects",
            "typed",
            "we`ird name"
        ]
    );
    let schema = fixture.database.schema(false).await.expect("schema");
    let view = schema.table("high_earners").expect("view");
    assert!(view.is_view());
    assert!(view.primary_key().is_empty());
    assert!(!schema.table("employees").expect("table").is_view());
}

#[tokio::test]
async fn every_type_maps_to_its_dreamfactory_type() {
    let fixture = fixture().await;
    let schema = fixture.database.schema(false).await.expect("schema");
    let typed = schema.table("typed").expect("typed");
    let described: Vec<(&str, &str, DfType)> = typed
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.db_type.as_str(), c.df_type))
        .collect();
    assert_eq!(
        described,
        vec![
            ("id", "bigint(20)", DfType::Id),
            ("small", "smallint(6)", DfType::Integer),
            ("i", "int(11)", DfType::Integer),
            ("big", "bigint(20)", DfType::BigInt),
            ("n", "decimal(12,3)", DfType::Decimal),
            ("f", "float", DfType::Float),
            ("dp", "double", DfType::Double),
            ("b", "tinyint(1)", DfType::Boolean),
            ("s", "varchar(10)", DfType::String),
            ("c", "char(3)", DfType::String),
            ("t", "text", DfType::Text),
            ("dt", "datetime", DfType::DateTime),
            ("ts", "timestamp", DfType::Timestamp),
            ("d", "date", DfType::Date),
            ("tm", "time", DfType::Time),
            ("u", "char(36)", DfType::String),
            ("j", "longtext", DfType::Text),
            ("bin", "varbinary(16)", DfType::Binary),
            ("bl", "blob", DfType::Binary),
            ("feeling", "enum('happy','sad')", DfType::String),
            ("yr", "year(4)", DfType::Integer),
        ]
    );
    let column = |name: &str| {
        typed
            .column(typed.column_ref(name).expect("column"))
            .clone()
    };
    let id = column("id");
    assert!(id.is_primary_key && id.auto_increment && !id.allow_null);
    assert_eq!(id.default, None);
    let s = column("s");
    assert_eq!((s.length, s.fixed_length), (Some(10), false));
    assert_eq!(s.default.as_deref(), Some("'x''y'"));
    assert!(column("c").fixed_length);
    let n = column("n");
    assert_eq!((n.precision, n.scale), (Some(12), Some(3)));
    assert_eq!(column("i").default, None);
    assert!(column("u").is_unique);
    let feeling = column("feeling");
    assert!(!feeling.allow_null);
    assert_eq!(
        feeling.picklist,
        Some(vec!["happy".to_owned(), "sad".to_owned()])
    );
}

#[tokio::test]
async fn keys_and_foreign_keys_become_dreamfactory_relationships() {
    let fixture = fixture().await;
    let schema = fixture.database.schema(false).await.expect("schema");
    let employees = schema.table("employees").expect("employees");
    let dept = employees.column(employees.column_ref("dept_id").expect("dept_id"));
    assert_eq!(dept.df_type, DfType::Reference);
    let key = &employees.foreign_keys()[0];
    assert_eq!(
        (
            key.columns.clone(),
            key.ref_table.as_str(),
            key.ref_columns.clone()
        ),
        (
            vec!["dept_id".to_owned()],
            "departments",
            vec!["id".to_owned()]
        )
    );
    assert_eq!(
        (key.on_update.as_str(), key.on_delete.as_str()),
        ("RESTRICT", "SET NULL")
    );
    let names = |table: &str| -> Vec<String> {
        schema
            .table(table)
            .expect("table")
            .relations()
            .iter()
            .map(|r| r.name.clone())
            .collect()
    };
    assert_eq!(
        names("employees"),
        vec![
            "departments_by_dept_id",
            "projects_by_employee_projects",
            "employee_projects_by_employee_id"
        ]
    );
    assert_eq!(names("departments"), vec!["employees_by_dept_id"]);
    let departments = schema.table("departments").expect("departments");
    let name = departments.column(departments.column_ref("name").expect("name"));
    assert!(name.is_unique && !name.allow_null);
    let pairs = schema.table("pairs").expect("pairs");
    assert_eq!(pairs.primary_key().len(), 2);
    // A composite key is no `id`.
    assert_eq!(
        pairs.column(pairs.primary_key()[0]).df_type,
        DfType::Integer
    );
}
