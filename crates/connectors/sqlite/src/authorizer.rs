//! The engine-level guard that the gateway never runs client SQL: whatever SQL reaches a
//! connection, SQLite itself refuses ATTACH/DETACH, PRAGMAs outside the introspection
//! allowlist, `load_extension`, and writes to its own `sqlite_*` tables.
//!
//! There is one policy per kind of connection. Read connections are opened read-only, so
//! the engine refuses every write whatever the policy says. The writer is read-write and
//! gets an allowlist of what record writes need: DML on user tables, transactions and
//! savepoints. `_schema` writes swap in `authorize_ddl` on the writer for their job only
//! (and restore this policy after), rather than widening this one.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use sluice_connector_core::ConnectorError;

use crate::error::map_error;

/// The PRAGMAs introspection reads through their table-valued forms
/// (`pragma_table_xinfo(?)` ...). Settings such as `journal_mode` or `foreign_keys` are
/// applied before the authorizer is installed and are refused afterwards.
pub(crate) const INTERNAL_PRAGMAS: &[&str] = &[
    "table_list",
    "table_xinfo",
    "index_list",
    "index_info",
    "foreign_key_list",
];

/// The policy of read connections.
pub(crate) fn authorize(context: AuthContext<'_>) -> Authorization {
    let allowed = match context.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => false,
        AuthAction::Pragma { pragma_name, .. } => internal_pragma(pragma_name),
        AuthAction::Function { function_name } => allowed_function(function_name),
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. } => !is_sqlite_internal(table_name),
        _ => true,
    };
    verdict(allowed)
}

/// The policy of the writer: an allowlist, never a blocklist. Everything not named here, including
/// every CREATE / DROP / ALTER, PRAGMA, ATTACH, ANALYZE, REINDEX and any action a newer
/// SQLite adds, is refused.
pub(crate) fn authorize_dml(context: AuthContext<'_>) -> Authorization {
    let allowed = match context.action {
        AuthAction::Select
        | AuthAction::Read { .. }
        | AuthAction::Recursive
        | AuthAction::Transaction { .. }
        | AuthAction::Savepoint { .. } => true,
        AuthAction::Function { function_name } => allowed_function(function_name),
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. } => !is_sqlite_internal(table_name),
        _ => false,
    };
    verdict(allowed)
}

/// The policy of `_schema` writes, installed on the writer only while one runs: the DML
/// allowlist plus CREATE / DROP / ALTER of tables and indexes on user tables. SQLite
/// records DDL by writing its own `sqlite_master` (and creating `sqlite_sequence` for
/// AUTOINCREMENT, deleting its row on DROP), so those writes are allowed here; the SQL is generated from validated
/// names, and `SQLITE_DBCONFIG_DEFENSIVE` still refuses direct writes to the schema. No
/// ATTACH, PRAGMA, triggers, views or virtual tables.
pub(crate) fn authorize_ddl(context: AuthContext<'_>) -> Authorization {
    let allowed = match context.action {
        // The first AUTOINCREMENT column creates `sqlite_sequence`.
        AuthAction::CreateTable { table_name } => {
            !is_sqlite_internal(table_name) || table_name.eq_ignore_ascii_case("sqlite_sequence")
        }
        AuthAction::DropTable { table_name }
        | AuthAction::CreateIndex { table_name, .. }
        | AuthAction::DropIndex { table_name, .. }
        | AuthAction::AlterTable { table_name, .. } => !is_sqlite_internal(table_name),
        // Dropping an AUTOINCREMENT table deletes its `sqlite_sequence` row.
        AuthAction::Delete { table_name } if table_name.eq_ignore_ascii_case("sqlite_sequence") => {
            true
        }
        // Renaming an AUTOINCREMENT table (the last step of a rebuild) renames its row.
        AuthAction::Update {
            table_name,
            column_name,
        } if table_name.eq_ignore_ascii_case("sqlite_sequence") && column_name == "name" => true,
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. } => {
            !is_sqlite_internal(table_name) || is_schema_bookkeeping(table_name)
        }
        _ => return authorize_dml(context),
    };
    verdict(allowed)
}

/// The policy of `_sql` statements that write (client SQL of a role granted `_sql` with a
/// write verb): the `_schema` policy plus CREATE / DROP of views and of triggers on user
/// tables. Still no ATTACH, PRAGMA beyond the allowlist, virtual tables, temporary objects
/// (they would outlive the statement on a shared connection and shadow the tables the
/// gateway writes), ANALYZE or REINDEX. The bookkeeping writes to `sqlite_master` and
/// `sqlite_sequence` this allows are only allowed to DDL: the `_sql` classifier refuses a
/// statement that writes a `sqlite_*` table without being DDL (`sql::statement`).
pub(crate) fn authorize_sql(context: AuthContext<'_>) -> Authorization {
    let allowed = match context.action {
        AuthAction::CreateView { .. } | AuthAction::DropView { .. } => true,
        // The introspection PRAGMAs reads allow (`pragma_table_xinfo('t')`).
        AuthAction::Pragma { pragma_name, .. } => internal_pragma(pragma_name),
        AuthAction::CreateTrigger { table_name, .. }
        | AuthAction::DropTrigger { table_name, .. } => !is_sqlite_internal(table_name),
        _ => return authorize_ddl(context),
    };
    verdict(allowed)
}

/// One of the policies above.
pub(crate) type Policy = fn(AuthContext<'_>) -> Authorization;

/// Runs `job` under `policy` (`None`: no authorizer, for fixed SQL of ours such as a
/// PRAGMA) and then installs `restore`, whatever `job` returned.
pub(crate) fn under_policy<T>(
    connection: &rusqlite::Connection,
    policy: Option<Policy>,
    restore: Policy,
    job: impl FnOnce() -> Result<T, ConnectorError>,
) -> Result<T, ConnectorError> {
    connection.authorizer(policy).map_err(map_error)?;
    let result = job();
    let restored = connection.authorizer(Some(restore)).map_err(map_error);
    result.and_then(|value| restored.map(|()| value))
}

fn is_schema_bookkeeping(name: &str) -> bool {
    [
        "sqlite_master",
        "sqlite_schema",
        "sqlite_temp_master",
        "sqlite_temp_schema",
    ]
    .iter()
    .any(|table| table.eq_ignore_ascii_case(name))
}

fn internal_pragma(name: &str) -> bool {
    INTERNAL_PRAGMAS
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(name))
}

fn allowed_function(name: &str) -> bool {
    !name.eq_ignore_ascii_case("load_extension")
}

fn verdict(allowed: bool) -> Authorization {
    if allowed {
        Authorization::Allow
    } else {
        Authorization::Deny
    }
}

/// `sqlite_master`, `sqlite_sequence`, `sqlite_stat1`, ... (SQLite reserves the prefix,
/// case-insensitively).
pub(crate) fn is_sqlite_internal(name: &str) -> bool {
    name.get(..7)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("sqlite_"))
}
