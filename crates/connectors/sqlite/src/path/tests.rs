use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::*;

struct Storage {
    _dir: TempDir,
    root: PathBuf,
    other_root: PathBuf,
    outside: PathBuf,
    system_db: PathBuf,
}

fn storage() -> Storage {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().canonicalize().expect("canonical");
    let (root, other_root, outside) = (base.join("root"), base.join("other"), base.join("outside"));
    for path in [&root, &other_root, &outside] {
        fs::create_dir(path).expect("dir");
    }
    let system_db = root.join("system.sqlite");
    make_sqlite(&system_db);
    Storage {
        _dir: dir,
        root,
        other_root,
        outside,
        system_db,
    }
}

fn make_sqlite(path: &Path) {
    let connection = Connection::open(path).expect("open");
    connection
        .execute_batch("CREATE TABLE t(x);")
        .expect("create");
}

impl Storage {
    fn validate(&self, requested: &str, create: bool) -> Result<PathBuf, String> {
        validate_database_path(
            requested,
            &[self.root.clone(), self.other_root.clone()],
            Some(&self.system_db),
            create,
        )
    }
}

#[test]
fn a_bare_name_is_placed_under_the_first_root() {
    let storage = storage();
    make_sqlite(&storage.root.join("db.sqlite"));
    assert_eq!(
        storage.validate("db.sqlite", false),
        Ok(storage.root.join("db.sqlite"))
    );
}

#[test]
fn absolute_paths_inside_any_root_are_accepted() {
    let storage = storage();
    let path = storage.other_root.join("b.db");
    make_sqlite(&path);
    assert_eq!(
        storage.validate(path.to_str().expect("utf-8"), false),
        Ok(path)
    );
}

#[test]
fn paths_outside_the_roots_are_refused_whether_or_not_they_exist() {
    let storage = storage();
    let outside = storage.outside.join("x.db");
    make_sqlite(&outside);
    for requested in [
        outside.to_str().expect("utf-8").to_owned(),
        "../outside/x.db".to_owned(),
        "/definitely/not/here.db".to_owned(),
        "../outside/missing.db".to_owned(),
    ] {
        assert_eq!(
            storage.validate(&requested, true),
            Err(OUTSIDE.to_owned()),
            "{requested}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_escaping_a_root_is_refused() {
    let storage = storage();
    let target = storage.outside.join("secret.db");
    make_sqlite(&target);
    std::os::unix::fs::symlink(&target, storage.root.join("link.db")).expect("symlink");
    std::os::unix::fs::symlink(&storage.outside, storage.root.join("dirlink")).expect("symlink");
    assert_eq!(storage.validate("link.db", false), Err(OUTSIDE.to_owned()));
    assert_eq!(
        storage.validate("dirlink/secret.db", false),
        Err(OUTSIDE.to_owned())
    );
    assert_eq!(
        storage.validate("dirlink/new.db", true),
        Err(OUTSIDE.to_owned())
    );
    assert!(!storage.outside.join("new.db").exists());
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_not_followed() {
    let storage = storage();
    std::os::unix::fs::symlink(
        storage.outside.join("nothing.db"),
        storage.root.join("dangling.db"),
    )
    .expect("symlink");
    assert_eq!(
        storage.validate("dangling.db", true),
        Err(NOT_FILE.to_owned())
    );
    assert!(!storage.outside.join("nothing.db").exists());
}

#[test]
fn the_system_database_and_its_side_files_are_refused() {
    let storage = storage();
    assert_eq!(
        storage.validate("system.sqlite", false),
        Err(SYSTEM.to_owned())
    );
    assert_eq!(
        storage.validate("system.sqlite-wal", true),
        Err(SYSTEM.to_owned())
    );
    assert_eq!(
        storage.validate("system.sqlite-shm", true),
        Err(SYSTEM.to_owned())
    );
}

#[cfg(unix)]
#[test]
fn links_to_the_system_database_are_refused() {
    let storage = storage();
    std::os::unix::fs::symlink(&storage.system_db, storage.other_root.join("sym.db"))
        .expect("symlink");
    fs::hard_link(&storage.system_db, storage.root.join("hard.db")).expect("hard link");
    assert_eq!(
        storage.validate("../other/sym.db", false),
        Err(SYSTEM.to_owned())
    );
    assert_eq!(storage.validate("hard.db", false), Err(SYSTEM.to_owned()));
}

#[test]
fn a_missing_file_needs_create() {
    let storage = storage();
    assert_eq!(storage.validate("new.db", false), Err(MISSING.to_owned()));
    assert!(!storage.root.join("new.db").exists());
}

#[test]
fn create_makes_an_empty_sqlite_database() {
    let storage = storage();
    let created = storage.validate("sub/../new.db", true);
    assert_eq!(
        created,
        Err(INVALID.to_owned()),
        "`..` below a missing directory is refused"
    );
    let created = storage.validate("new.db", true).expect("created");
    assert_eq!(created, storage.root.join("new.db"));
    let header = fs::read(&created).expect("read");
    assert!(header.starts_with(SQLITE_HEADER));
    // Validating again (without create) accepts it.
    assert_eq!(storage.validate("new.db", false), Ok(created));
}

#[test]
fn create_does_not_make_directories() {
    let storage = storage();
    assert_eq!(
        storage.validate("nodir/new.db", true),
        Err(NOT_CREATED.to_owned())
    );
}

#[test]
fn non_sqlite_files_are_refused_even_with_create() {
    let storage = storage();
    fs::write(
        storage.root.join("notes.txt"),
        b"hello, this is not a database",
    )
    .expect("write");
    fs::write(storage.root.join("short"), b"SQLite").expect("write");
    for create in [false, true] {
        assert_eq!(
            storage.validate("notes.txt", create),
            Err(NOT_SQLITE.to_owned())
        );
        assert_eq!(
            storage.validate("short", create),
            Err(NOT_SQLITE.to_owned())
        );
    }
}

#[test]
fn an_empty_file_is_refused_unless_create_initialises_it() {
    let storage = storage();
    fs::write(storage.root.join("empty.db"), b"").expect("write");
    assert_eq!(
        storage.validate("empty.db", false),
        Err(NOT_SQLITE.to_owned())
    );
    assert!(storage.validate("empty.db", true).is_ok());
    assert_eq!(storage.validate("empty.db", false).map(|_| ()), Ok(()));
}

#[test]
fn directories_uris_and_blank_names_are_refused() {
    let storage = storage();
    fs::create_dir(storage.root.join("adir")).expect("dir");
    assert_eq!(storage.validate("adir", true), Err(NOT_FILE.to_owned()));
    assert_eq!(storage.validate(".", false), Err(NOT_FILE.to_owned()));
    assert_eq!(
        storage.validate("file:db.sqlite?vfs=unix-none", true),
        Err(URI.to_owned())
    );
    assert_eq!(
        storage.validate("FILE:/etc/passwd", true),
        Err(URI.to_owned())
    );
    assert_eq!(storage.validate("   ", true), Err(EMPTY.to_owned()));
    assert_eq!(
        validate_database_path("db.sqlite", &[], None, true),
        Err(NO_ROOTS.to_owned())
    );
}

#[test]
fn messages_never_contain_the_path() {
    let storage = storage();
    let outside = storage.outside.join("x.db");
    let messages = [
        storage.validate(outside.to_str().expect("utf-8"), false),
        storage.validate("missing-file.db", false),
        storage.validate("system.sqlite", false),
    ];
    for message in messages {
        let message = message.expect_err("refused");
        assert!(
            !message.contains('/')
                && !message.contains("x.db")
                && !message.contains("missing-file"),
            "{message}"
        );
    }
}
