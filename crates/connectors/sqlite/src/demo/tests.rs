//! Tests of the demo database generator.

use super::*;

fn generate() -> (tempfile::TempDir, PathBuf, DemoSummary) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    let started = std::time::Instant::now();
    let summary = generate_demo_database(&path).unwrap();
    eprintln!("demo database generated in {:?}", started.elapsed());
    (dir, path, summary)
}

fn count(conn: &Connection, sql: &str) -> u64 {
    let n: i64 = conn.query_row(sql, [], |row| row.get(0)).unwrap();
    n.unsigned_abs()
}

#[test]
fn generates_a_sound_wal_database_with_the_documented_row_counts() {
    let (_dir, path, summary) = generate();
    let conn = Connection::open(&path).unwrap();

    let expected = [
        ("contact", 100),
        ("contact_info", 300),
        ("contact_group", 9),
        ("contact_group_relationship", 100),
        ("departments", 9),
        ("employees", 100_000),
    ];
    for (table, rows) in expected {
        let reported = summary.tables.iter().find(|(name, _)| name == table);
        assert_eq!(reported.map(|(_, n)| *n), Some(rows), "{table}");
        assert_eq!(count(&conn, &format!("SELECT COUNT(*) FROM {table}")), rows);
    }
    let managers = count(&conn, "SELECT COUNT(*) FROM dept_manager");
    assert!((18..=27).contains(&managers), "{managers}");
    assert_eq!(summary.tables.len(), 7);
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(integrity, "ok");
    assert_eq!(mode, "wal");
    assert!(!partial_path(&path).exists());
    let dates: (String, String, String) = conn
        .query_row(
            "SELECT MIN(birth_date), MAX(birth_date), \
             (SELECT MAX(to_date) FROM dept_manager) FROM employees",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(
        dates.0.as_str() >= "1952-02-01" && dates.1.as_str() < "1965-02-01",
        "{dates:?}"
    );
    assert_eq!(dates.2, "9999-01-01");
}

#[test]
fn two_generations_are_identical() {
    let (_a, first, _) = generate();
    let (_b, second, _) = generate();
    let sample = |path: &Path| -> Vec<String> {
        let conn = Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT id || first_name || last_name || gender || birth_date || hire_date \
                 || salary || dept_no FROM employees WHERE id IN (1, 777, 50000, 100000) \
                 UNION ALL SELECT contact_id || info_type || phone || email || address \
                 FROM contact_info WHERE id IN (1, 150, 300) \
                 UNION ALL SELECT employee_id || dept_no || from_date || to_date \
                 FROM dept_manager",
            )
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };

    assert_eq!(sample(&first), sample(&second));
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
}

#[test]
fn last_names_are_selective_and_some_start_with_g() {
    let (_dir, path, _) = generate();
    let conn = Connection::open(&path).unwrap();

    let busiest = count(
        &conn,
        "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM employees GROUP BY last_name)",
    );
    let greenwood = count(
        &conn,
        "SELECT COUNT(*) FROM employees WHERE last_name = 'Greenwood'",
    );
    let starting_with_g = count(
        &conn,
        "SELECT COUNT(DISTINCT last_name) FROM employees WHERE last_name LIKE 'G%'",
    );

    assert!(busiest < 150, "{busiest}");
    assert!((20..150).contains(&greenwood), "{greenwood}");
    assert!(starting_with_g > 50, "{starting_with_g}");
}

#[test]
fn refuses_to_overwrite_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.sqlite");
    std::fs::write(&path, b"keep me").unwrap();

    let err = generate_demo_database(&path).unwrap_err();

    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen)
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    assert!(!partial_path(&path).exists());
}

#[test]
fn the_demo_schema_has_dreamfactorys_relationship_names() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    let snapshot = crate::introspect::introspect(&conn).unwrap();
    let relations = |table: &str| -> Vec<String> {
        snapshot
            .table(table)
            .unwrap()
            .relations()
            .iter()
            .map(|r| format!("{} {}", r.kind.as_str(), r.name))
            .collect()
    };
    assert_eq!(
        relations("contact"),
        [
            "many_many contact_group_by_contact_group_relationship",
            "has_many contact_group_relationship_by_contact_id",
            "has_many contact_info_by_contact_id",
        ]
    );
    assert_eq!(
        relations("contact_info"),
        ["belongs_to contact_by_contact_id"]
    );
    assert_eq!(
        relations("contact_group"),
        [
            "many_many contact_by_contact_group_relationship",
            "has_many contact_group_relationship_by_contact_group_id",
        ]
    );
    assert_eq!(
        relations("contact_group_relationship"),
        [
            "belongs_to contact_group_by_contact_group_id",
            "belongs_to contact_by_contact_id",
        ]
    );
    assert_eq!(
        relations("departments"),
        [
            "many_many employees_by_dept_manager",
            "has_many dept_manager_by_dept_no",
            "has_many employees_by_dept_no",
        ]
    );
    assert_eq!(
        relations("employees"),
        [
            "belongs_to departments_by_dept_no",
            "many_many departments_by_dept_manager",
            "has_many dept_manager_by_employee_id",
        ]
    );
    assert_eq!(
        relations("dept_manager"),
        [
            "belongs_to departments_by_dept_no",
            "belongs_to employees_by_employee_id",
        ]
    );
}
