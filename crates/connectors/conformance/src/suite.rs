//! The shared read checks as test functions, so every connector runs the same list under
//! the same names and a new check reaches every engine at once.

/// Expands to one `#[tokio::test]` per shared read check, each on a fresh read fixture.
///
/// - `fixture`: an expression giving a fresh fixture that serves the shared read data set
///   (it may `.await`); its type implements [`Fixture`](crate::Fixture).
/// - `own_tables`: the engine's own tables and views besides the shared ones.
/// - `foreign_key_actions`: ON UPDATE and ON DELETE of `employees.dept_id` as the engine's
///   catalogue names them.
/// - `key_db_type`: the engine's type name for `departments.id`.
#[macro_export]
macro_rules! read_tests {
    (
        fixture: $fixture:expr,
        own_tables: $own:expr,
        foreign_key_actions: $actions:expr,
        key_db_type: $key_db_type:expr $(,)?
    ) => {
        $crate::read_tests!(@test shared_cases_answer_the_same_json, $fixture, $crate::read::check_cases);
        $crate::read_tests!(@test a_role_sees_its_rows_without_its_hidden_fields, $fixture, $crate::read::check_role_case);
        $crate::read_tests!(@test a_record_by_id_and_a_missing_one, $fixture, $crate::read::check_record_by_id);
        $crate::read_tests!(@test ids_by_a_decimal_column_match_whatever_its_scale, $fixture, $crate::read::check_ids_by_a_decimal_column);
        $crate::read_tests!(@test include_schema_describes_the_table, $fixture, $crate::read::check_include_schema, $key_db_type);
        $crate::read_tests!(@test grouped_aggregates_are_json_numbers, $fixture, $crate::values::check_aggregates_are_numbers);
        $crate::read_tests!(@test tables_and_views_are_listed_sorted, $fixture, $crate::introspection::check_tables_and_views, &$own);
        $crate::read_tests!(@test keys_and_foreign_keys_become_dreamfactory_relationships, $fixture, $crate::introspection::check_relationships, $actions);
        $crate::read_tests!(@test belongs_to_has_many_and_many_many_land_in_their_parents, $fixture, $crate::related::check_related_in_parents);

        /// On the gateway's multi-threaded runtime, as on the tests' single thread above.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn nested_relationships_and_a_record_by_id() {
            let fixture = $fixture;
            let database = $crate::Fixture::database(&fixture);
            $crate::related::check_nested_related_and_by_id(&database).await;
        }
    };
    (@test $name:ident, $fixture:expr, $check:path $(, $argument:expr)*) => {
        #[tokio::test]
        async fn $name() {
            // The fixture lives to the end of the test: dropping it drops its database.
            let fixture = $fixture;
            let database = $crate::Fixture::database(&fixture);
            $check(&database $(, $argument)*).await;
        }
    };
}
