//! The engine-level guard of security rule R9: whatever SQL reaches a connection, SQLite
//! itself refuses ATTACH/DETACH, PRAGMAs outside the introspection allowlist,
//! `load_extension`, and writes to its own `sqlite_*` tables.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};

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

pub(crate) fn authorize(context: AuthContext<'_>) -> Authorization {
    let allowed = match context.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => false,
        AuthAction::Pragma { pragma_name, .. } => INTERNAL_PRAGMAS
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(pragma_name)),
        AuthAction::Function { function_name } => {
            !function_name.eq_ignore_ascii_case("load_extension")
        }
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. } => !is_sqlite_internal(table_name),
        _ => true,
    };
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
