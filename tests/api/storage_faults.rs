//! Storage that fails under a running server: the system database's file deleted, replaced
//! or made read-only, and a service database on a file system that is read-only. Writes are
//! refused with 503 and `Retry-After`, nothing is written, and the server recovers without a
//! restart once the storage is back (docs/STORAGE_FAULTS.md).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::database::{Tmpfs, rows};
use sluice_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Auth, Reply, TestApp, df_error};

use crate::user_service::{PASSWORD, configure_user_service, login, token_of};
use crate::write_faults::service_on_tmpfs;
use crate::write_support::{fixture_todos, todos, write};

const SYSTEM_DB_UNAVAILABLE: &str = "The system database is unavailable.";
const SERVICE_DB_UNAVAILABLE: &str = "The service's database is unavailable.";
const USER_EMAIL: &str = "ann@example.com";

/// A server with open registration, a user with a session, and an admin session.
struct System {
    app: TestApp,
    admin: String,
    user_token: String,
}

impl System {
    async fn start() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.login().await;
        let reply =
            configure_user_service(&app, &admin, json!({"allow_open_registration": true})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        app.insert_user_directly(USER_EMAIL, PASSWORD, "Ann Lee")
            .await;
        let user_token = token_of(&app, USER_EMAIL, PASSWORD, None).await;
        Self {
            app,
            admin,
            user_token,
        }
    }

    fn file(&self) -> PathBuf {
        self.app.data_dir.path().join("system.sqlite")
    }

    fn aside(&self, name: &str) -> PathBuf {
        self.app.data_dir.path().join(name)
    }

    /// What the writes below would change, read from the file on a connection of its own.
    fn stored(&self) -> Value {
        rows(
            &self.file(),
            "SELECT (SELECT group_concat(name) FROM role), (SELECT count(*) FROM token_map), \
             (SELECT count(*) FROM token_revocation), (SELECT group_concat(email) FROM \"user\"), \
             (SELECT password FROM \"user\" WHERE email = 'ann@example.com'), \
             (SELECT last_login_date FROM \"user\" WHERE is_sys_admin)",
        )
    }

    /// Every kind of system write: role changes, logins (which store `last_login_date` and
    /// the new token), refresh and logout (which store revocations), registration and a
    /// password change.
    async fn writes(&self) -> Vec<(&'static str, Reply)> {
        let app = &self.app;
        let admin = Some(self.admin.as_str());
        vec![
            (
                "create a role",
                app.send(
                    Method::POST,
                    "/api/v2/system/role",
                    admin,
                    Some(json!({"resource": [{"name": "made during the fault"}]})),
                )
                .await,
            ),
            (
                "admin login",
                app.send(
                    Method::POST,
                    "/api/v2/system/admin/session",
                    None,
                    Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
                )
                .await,
            ),
            ("user login", login(app, USER_EMAIL, PASSWORD, None).await),
            (
                "password change",
                app.call(
                    Method::POST,
                    "/api/v2/user/password",
                    Auth::token(&self.user_token),
                    Some(json!({"old_password": PASSWORD,
                                "new_password": "another long enough password"})),
                )
                .await,
            ),
            (
                "registration",
                app.send(
                    Method::POST,
                    "/api/v2/user/register",
                    None,
                    Some(json!({"email": "new@example.com", "password": PASSWORD})),
                )
                .await,
            ),
            (
                "refresh",
                app.send(Method::PUT, "/api/v2/system/admin/session", admin, None)
                    .await,
            ),
            (
                "logout",
                app.send(Method::DELETE, "/api/v2/system/admin/session", admin, None)
                    .await,
            ),
        ]
    }

    async fn assert_every_write_refused(&self) {
        for (what, reply) in self.writes().await {
            assert_unavailable(&reply, SYSTEM_DB_UNAVAILABLE, what);
        }
    }

    /// The sessions are as they were (no refresh or logout happened), and writes work.
    async fn assert_recovered(&self) {
        let reply = self
            .app
            .get("/api/v2/system/admin/session", &self.admin)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let reply = self
            .app
            .call(
                Method::GET,
                "/api/v2/user/session",
                Auth::token(&self.user_token),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let reply = self
            .app
            .send(
                Method::POST,
                "/api/v2/system/role",
                Some(&self.admin),
                Some(json!({"resource": [{"name": "made after the fault"}]})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }

    async fn roles(&self) -> Reply {
        self.app.get("/api/v2/system/role", &self.admin).await
    }
}

fn assert_unavailable(reply: &Reply, message: &str, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        reply.body
    );
    assert_eq!(reply.body, df_error(503, message), "{what}");
    assert_eq!(
        reply
            .headers
            .get("retry-after")
            .map(|value| value.to_str().expect("ascii")),
        Some("1"),
        "{what}"
    );
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test]
async fn a_system_database_moved_away_refuses_every_call_until_it_is_back() {
    let system = System::start().await;
    let before = system.stored();
    let aside = system.aside("moved.sqlite");
    std::fs::rename(system.file(), &aside).expect("move the file away");

    system.assert_every_write_refused().await;
    // Reads that reach the database are refused too: its path holds nothing.
    assert_unavailable(&system.roles().await, SYSTEM_DB_UNAVAILABLE, "list roles");

    std::fs::rename(&aside, system.file()).expect("move the file back");
    assert_eq!(system.stored(), before, "nothing was written meanwhile");
    system.assert_recovered().await;
}

#[tokio::test]
async fn a_system_database_deleted_for_good_stays_refused_even_with_a_new_file_in_place() {
    let system = System::start().await;
    std::fs::remove_file(system.file()).expect("delete the file");

    system.assert_every_write_refused().await;

    // A new database file at the path is not adopted while the server runs: a restart does.
    rusqlite::Connection::open(system.file())
        .and_then(|connection| connection.execute_batch("CREATE TABLE role (name TEXT);"))
        .expect("a new file");
    system.assert_every_write_refused().await;
    assert_unavailable(&system.roles().await, SYSTEM_DB_UNAVAILABLE, "list roles");
}

#[tokio::test]
async fn a_replaced_system_database_is_refused_and_left_untouched_until_the_original_is_back() {
    let system = System::start().await;
    let before = system.stored();
    let original = system.aside("original.sqlite");
    let other = system.aside("other.sqlite");
    rusqlite::Connection::open(&other)
        .and_then(|connection| connection.execute_batch("CREATE TABLE role (name TEXT);"))
        .expect("another database");
    std::fs::rename(system.file(), &original).expect("move the original away");
    std::fs::rename(&other, system.file()).expect("put another file in its place");

    system.assert_every_write_refused().await;
    assert_unavailable(&system.roles().await, SYSTEM_DB_UNAVAILABLE, "list roles");

    std::fs::rename(system.file(), &other).expect("take the other file away");
    assert_eq!(rows(&other, "SELECT name FROM role"), json!([]));
    std::fs::rename(&original, system.file()).expect("put the original back");
    assert_eq!(system.stored(), before, "nothing was written meanwhile");
    system.assert_recovered().await;
}

#[tokio::test]
async fn a_read_only_system_database_refuses_writes_serves_reads_and_recovers() {
    let system = System::start().await;
    let before = system.stored();
    set_mode(&system.file(), 0o444);

    system.assert_every_write_refused().await;
    let reply = system.roles().await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": []}));

    set_mode(&system.file(), 0o644);
    assert_eq!(system.stored(), before, "nothing was written meanwhile");
    system.assert_recovered().await;
}

#[tokio::test]
async fn a_service_database_on_read_only_storage_refuses_writes_then_recovers_without_restart() {
    let disk = Tmpfs::mount(1024 * 1024);
    let (app, token) = service_on_tmpfs(&disk, true).await;
    let writes = [
        (Method::POST, "_table/todo", Some(json!([{"name": "new"}]))),
        (
            Method::POST,
            "_table/todo?rollback=true",
            Some(json!([{"name": "new"}])),
        ),
        (Method::PATCH, "_table/todo/1", Some(json!({"priority": 9}))),
        (
            Method::PUT,
            "_table/todo?ids=1,2",
            Some(json!([{"priority": 9}])),
        ),
        (Method::DELETE, "_table/todo?ids=1", None),
    ];

    for (method, path, body) in writes {
        let what = format!("{method} {path}");
        let reply = write(&app, &token, method, path, body).await;
        assert_unavailable(&reply, SERVICE_DB_UNAVAILABLE, &what);
    }
    assert_eq!(todos(&app, &token).await, fixture_todos(), "reads go on");

    disk.remount(false);
    let reply = write(
        &app,
        &token,
        Method::POST,
        "_table/todo",
        Some(json!([{"name": "new"}])),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 5}]}));
    assert_eq!(
        rows(
            &disk.join("todo.sqlite"),
            "SELECT id, priority FROM todo ORDER BY id"
        ),
        json!([[1, 2], [2, 1], [3, 3], [4, null], [5, null]]),
        "only the write after the recovery is stored"
    );
}
