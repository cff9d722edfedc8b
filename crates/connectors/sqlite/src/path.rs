//! Where a SQLite service may point: a plain SQLite file inside one of
//! the configured storage directories, resolved after symlinks, never the system database,
//! never a URI, and never created by accident.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read};
use std::path::{Component, Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

const EMPTY: &str = "Database connection information must contain at least database name.";
const URI: &str = "The database must be a file path, not a URI.";
const INVALID: &str = "The database path is not valid.";
const NO_ROOTS: &str = "No storage directory is configured for SQLite databases.";
/// The refusal of a path outside the storage roots; the gateway adds which roots are allowed.
pub const OUTSIDE: &str =
    "The database path must be inside one of the configured storage directories.";
const SYSTEM: &str = "The system database cannot be used as a service database.";
const MISSING: &str = "The database file does not exist. Set \"create\": true to create it.";
const NOT_FILE: &str = "The database path must point to a regular file.";
const NOT_SQLITE: &str = "The file is not a SQLite database.";
const UNREADABLE: &str = "The database file cannot be read.";
const NOT_CREATED: &str = "The database file could not be created.";

/// Checks (and with `create`, creates) the database file of a SQLite service and returns
/// its canonical path.
///
/// - A relative path or bare name is placed under the first root; absolute paths are
///   used as given. Either way the path is resolved after symlinks (for a file that does
///   not exist yet, its nearest existing ancestor is) and must lie inside one of `roots`.
/// - `file:` URIs are refused, whatever follows.
/// - The system database, its `-wal`, `-shm` and `-journal` files, and hard links to it
///   are refused.
/// - The file must exist, be a regular file and start with the SQLite header. With
///   `create`, a missing file (or an empty one) becomes an empty SQLite database in WAL
///   mode; an existing non-SQLite file is still refused. Directories are never created.
///
/// # Errors
///
/// A client-facing message that never contains the path.
pub fn validate_database_path(
    requested: &str,
    roots: &[PathBuf],
    system_db: Option<&Path>,
    create: bool,
) -> Result<PathBuf, String> {
    let requested = requested.trim();
    if requested.is_empty() {
        return Err(EMPTY.to_owned());
    }
    if requested
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:"))
    {
        return Err(URI.to_owned());
    }
    if requested.contains('\0') {
        return Err(INVALID.to_owned());
    }
    let first_root = roots.first().ok_or_else(|| NO_ROOTS.to_owned())?;
    let candidate = if Path::new(requested).is_absolute() {
        PathBuf::from(requested)
    } else {
        first_root.join(requested)
    };
    let canonical_roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .collect();
    let resolved = resolve(&candidate)?;
    // Containment first, so paths outside the roots learn nothing about what exists there.
    if !canonical_roots
        .iter()
        .any(|root| resolved.path.starts_with(root))
    {
        return Err(OUTSIDE.to_owned());
    }
    if let Some(system_db) = system_db
        && is_system_database(&resolved.path, system_db)
    {
        return Err(SYSTEM.to_owned());
    }
    if resolved.exists {
        check_existing(&resolved.path, create)?;
        return Ok(resolved.path);
    }
    if !create {
        return Err(MISSING.to_owned());
    }
    create_database(&resolved.path)?;
    // Resolve again: the directory could have been swapped for a symlink meanwhile.
    let created = resolve(&resolved.path)?;
    if !created.exists
        || !canonical_roots
            .iter()
            .any(|root| created.path.starts_with(root))
    {
        return Err(OUTSIDE.to_owned());
    }
    Ok(created.path)
}

struct Resolved {
    path: PathBuf,
    exists: bool,
}

/// The canonical path of `candidate`; for a missing file, the canonical path of its nearest
/// existing ancestor with the remaining (plain) components appended.
fn resolve(candidate: &Path) -> Result<Resolved, String> {
    match std::fs::symlink_metadata(candidate) {
        Ok(_) => candidate
            .canonicalize()
            .map(|path| Resolved { path, exists: true })
            // A dangling symlink: following it to create a file would land who knows where.
            .map_err(|_| NOT_FILE.to_owned()),
        Err(error) if error.kind() == ErrorKind::NotFound => {
            let mut missing = Vec::new();
            let mut ancestor = candidate;
            loop {
                let name = match ancestor.components().next_back() {
                    Some(Component::Normal(name)) => name,
                    _ => return Err(INVALID.to_owned()),
                };
                missing.push(name.to_owned());
                ancestor = ancestor.parent().ok_or_else(|| INVALID.to_owned())?;
                if let Ok(existing) = ancestor.canonicalize() {
                    let path = missing
                        .iter()
                        .rev()
                        .fold(existing, |path, part| path.join(part));
                    return Ok(Resolved {
                        path,
                        exists: false,
                    });
                }
            }
        }
        Err(_) => Err(UNREADABLE.to_owned()),
    }
}

fn is_system_database(path: &Path, system_db: &Path) -> bool {
    let Ok(system) = resolve(system_db) else {
        return false;
    };
    let same_name = ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut name = system.path.clone().into_os_string();
        name.push(suffix);
        path == Path::new(&name)
    });
    same_name || (system.exists && same_file(path, &system.path))
}

/// Hard links share the inode; comparing names alone would miss them.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_a: &Path, _b: &Path) -> bool {
    false
}

fn check_existing(path: &Path, create: bool) -> Result<(), String> {
    let metadata = std::fs::metadata(path).map_err(|_| UNREADABLE.to_owned())?;
    if !metadata.is_file() {
        return Err(NOT_FILE.to_owned());
    }
    if metadata.len() == 0 && create {
        return initialise(path);
    }
    let mut header = [0_u8; 16];
    let mut file = File::open(path).map_err(|_| UNREADABLE.to_owned())?;
    match file.read_exact(&mut header) {
        Ok(()) if &header == SQLITE_HEADER => Ok(()),
        Ok(()) => Err(NOT_SQLITE.to_owned()),
        Err(error) if error.kind() == ErrorKind::UnexpectedEof => Err(NOT_SQLITE.to_owned()),
        Err(_) => Err(UNREADABLE.to_owned()),
    }
}

fn create_database(path: &Path) -> Result<(), String> {
    // `create_new` fails if something appeared at the path meanwhile (no clobbering, and no
    // following a symlink planted there).
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|_| NOT_CREATED.to_owned())?;
    initialise(path)
}

/// Turns an empty file into an empty SQLite database: switching to WAL writes the header.
fn initialise(path: &Path) -> Result<(), String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection =
        Connection::open_with_flags(path, flags).map_err(|_| NOT_CREATED.to_owned())?;
    connection
        .query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        })
        .map_err(|_| NOT_CREATED.to_owned())?;
    Ok(())
}

#[cfg(test)]
mod tests;
