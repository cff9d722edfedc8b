//! What introspection finds in the shared read data set: tables and views, the columns of
//! each engine's `typed` table (a per-engine list of expected types), and foreign keys as
//! DreamFactory's relationships.

use std::sync::Arc;

use sluice_connector_core::{Database, DfType, TableSchema};

/// The tables and views of the shared read data set.
const SHARED_TABLES: [&str; 6] = [
    "departments",
    "employee_projects",
    "employees",
    "high_earners",
    "pairs",
    "projects",
];

/// The tables and views are the shared ones and the engine's `own`, sorted; `high_earners`
/// is a view without a key.
///
/// # Panics
///
/// When introspection answers otherwise.
pub async fn check_tables_and_views(database: &Arc<Database>, own: &[&str]) {
    let mut expected: Vec<&str> = SHARED_TABLES.iter().chain(own).copied().collect();
    expected.sort_unstable();
    let names = database.table_names(false).await.expect("names");
    assert_eq!(*names, expected);
    let schema = database.schema(false).await.expect("schema");
    let view = schema.table("high_earners").expect("view");
    assert!(view.is_view());
    assert!(view.primary_key().is_empty());
    assert!(!schema.table("employees").expect("table").is_view());
}

/// One column of `table`.
fn column(table: &TableSchema, name: &str) -> sluice_connector_core::ColumnSchema {
    table
        .column(table.column_ref(name).expect("column"))
        .clone()
}

/// The engine's `typed` table has the columns `expected` (name, the engine's type,
/// DreamFactory's type), in order, and what every such table has: `id` an auto-increment
/// key without default, `s` varchar(10) with the default `'x''y'`, `c` a fixed-length
/// char, `n` of precision 12 and scale 3, `u` unique, `feeling` a NOT NULL enum of
/// `happy` and `sad`.
///
/// # Panics
///
/// When introspection answers otherwise.
pub async fn check_typed_columns(database: &Arc<Database>, expected: &[(&str, &str, DfType)]) {
    let schema = database.schema(false).await.expect("schema");
    let typed = schema.table("typed").expect("typed");
    let described: Vec<(&str, &str, DfType)> = typed
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.db_type.as_str(), c.df_type))
        .collect();
    assert_eq!(described, expected);
    let id = column(typed, "id");
    assert!(id.is_primary_key && id.auto_increment && !id.allow_null);
    assert_eq!(id.default, None);
    let s = column(typed, "s");
    assert_eq!((s.length, s.fixed_length), (Some(10), false));
    assert_eq!(s.default.as_deref(), Some("'x''y'"));
    assert!(column(typed, "c").fixed_length);
    let n = column(typed, "n");
    assert_eq!((n.precision, n.scale), (Some(12), Some(3)));
    assert!(column(typed, "u").is_unique);
    let feeling = column(typed, "feeling");
    assert!(!feeling.allow_null);
    assert_eq!(
        feeling.picklist,
        Some(vec!["happy".to_owned(), "sad".to_owned()])
    );
}

/// `employees.dept_id` is a reference to `departments.id` whose ON UPDATE and ON DELETE
/// actions are `actions` (engines name the default differently), the foreign keys become
/// DreamFactory's relationships among the shared tables (belongs_to, many_many through
/// `employee_projects`, has_many), `departments.name` is unique and NOT NULL, and the
/// composite key of `pairs` is no `id`.
///
/// # Panics
///
/// When introspection answers otherwise.
pub async fn check_relationships(database: &Arc<Database>, actions: (&str, &str)) {
    let schema = database.schema(false).await.expect("schema");
    let employees = schema.table("employees").expect("employees");
    assert_eq!(column(employees, "dept_id").df_type, DfType::Reference);
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
    assert_eq!((key.on_update.as_str(), key.on_delete.as_str()), actions);
    // An engine's own tables may reference the shared ones (SQLite's `legacy` does).
    let names = |table: &str| -> Vec<String> {
        schema
            .table(table)
            .expect("table")
            .relations()
            .iter()
            .filter(|r| SHARED_TABLES.contains(&r.ref_table.as_str()))
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
    let name = column(schema.table("departments").expect("departments"), "name");
    assert!(name.is_unique && !name.allow_null);
    let pairs = schema.table("pairs").expect("pairs");
    assert_eq!(pairs.primary_key().len(), 2);
    // A composite key is no `id`.
    assert_eq!(
        pairs.column(pairs.primary_key()[0]).df_type,
        DfType::Integer
    );
}
