//! Each kind of change made on node A, in force on node B within [`PROPAGATION`]: services
//! created, changed and deleted, sessions ended, apps, roles and users deactivated, role
//! access edited, lookups changed, a shared SQLite file's schema changed. What the change
//! feed delivers; each test measures the time with `eventually` (a deadline, never a sleep),
//! and prints it (`--nocapture`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, Reply, unique_name};

use crate::harness::{Cluster, Node, PROPAGATION, create_sqlite_service, eventually};

#[tokio::test]
async fn a_service_created_on_node_a_is_listed_and_served_by_node_b_within_a_second() {
    let cluster = Cluster::start().await;
    let token_a = cluster.admin_login(cluster.node_a()).await;
    let token_b = cluster.admin_login(cluster.node_b()).await;
    let name = unique_name("shared");

    let id = create_sqlite_service(cluster.node_a(), &token_a, &name).await;

    let listing = format!("/api/v2/system/service?filter=name%3D%27{name}%27&fields=id,name");
    let (_, listed_after) = eventually("node B lists the new service", PROPAGATION, || async {
        let reply = cluster.node_b().get(&listing, &token_b).await;
        match reply.body == json!({"resource": [{"id": id, "name": name}]}) {
            true => Ok(()),
            false => Err((reply.status, reply.body)),
        }
    })
    .await;
    // Within the same second from the creation, not a second after the listing.
    let tables = format!("/api/v2/{name}/_table");
    let remaining = PROPAGATION.saturating_sub(listed_after);
    eventually("node B serves the new service", remaining, || async {
        let reply = cluster.node_b().get(&tables, &token_b).await;
        match reply.status {
            StatusCode::OK => Ok(reply.body),
            _ => Err((reply.status, reply.body)),
        }
    })
    .await;
}

/// Waits until `node` answers `GET path` with `status`, at most [`PROPAGATION`]; the body.
pub(crate) async fn in_force(
    what: &str,
    node: &Node,
    path: &str,
    auth: Auth<'_>,
    status: StatusCode,
) -> Value {
    answers(what, node, path, auth, |reply| reply.status == status).await
}

/// Waits until `node` answers `GET path` as `wanted` says, at most [`PROPAGATION`]; the body.
async fn answers(
    what: &str,
    node: &Node,
    path: &str,
    auth: Auth<'_>,
    wanted: impl Fn(&Reply) -> bool,
) -> Value {
    let (body, _) = eventually(what, PROPAGATION, || async {
        let reply = node.call(Method::GET, path, auth, None).await;
        match wanted(&reply) {
            true => Ok(reply.body),
            false => Err((reply.status, reply.body)),
        }
    })
    .await;
    body
}

/// A request as the administrator `admin` that must answer `status`; its body.
pub(crate) async fn expect(
    node: &Node,
    method: Method,
    path: &str,
    admin: &str,
    body: Value,
    status: StatusCode,
) -> Value {
    let reply = node
        .call(method, path, Auth::token(admin), Some(body))
        .await;
    assert_eq!(reply.status, status, "{} {path}: {}", node.name, reply.body);
    reply.body
}

/// What most tests start from: a service over a new shared SQLite file with a table `note`
/// holding rows 1 and 2, and an app whose key's role grants `verbs` on its tables.
pub(crate) struct Notes {
    pub admin: String,
    pub service: i64,
    pub role: i64,
    pub app: i64,
    pub key: String,
    /// `/api/v2/{service}/_table/note`.
    pub path: String,
}

impl Notes {
    pub(crate) async fn on(cluster: &Cluster, verbs: u32) -> Self {
        let a = cluster.node_a();
        let admin = cluster.admin_login(a).await;
        let name = unique_name("notes");
        let service = create_sqlite_service(a, &admin, &name).await;
        let schema = json!({"resource": [{"name": "note", "field": [
            {"name": "id", "type": "id"}, {"name": "body", "type": "string"}]}]});
        expect(
            a,
            Method::POST,
            &format!("/api/v2/{name}/_schema"),
            &admin,
            schema,
            StatusCode::OK,
        )
        .await;
        let path = format!("/api/v2/{name}/_table/note");
        let rows = json!({"resource": [{"body": "one"}, {"body": "two"}]});
        expect(a, Method::POST, &path, &admin, rows, StatusCode::OK).await;

        let access = json!({"service_id": service, "component": "_table/*", "verb_mask": verbs,
                            "requestor_mask": 1, "filters": [], "filter_op": "AND"});
        let role = json!({"resource": [{"name": unique_name("role"), "is_active": true,
                                        "role_service_access_by_role_id": [access]}]});
        let body = expect(
            a,
            Method::POST,
            "/api/v2/system/role",
            &admin,
            role,
            StatusCode::CREATED,
        )
        .await;
        let role = body["resource"][0]["id"].as_i64().expect("role id");
        let app = json!({"resource": [{"name": unique_name("app"), "is_active": true,
                                       "role_id": role}]});
        let apps = "/api/v2/system/app?fields=id,api_key";
        let body = expect(a, Method::POST, apps, &admin, app, StatusCode::CREATED).await;
        let app = &body["resource"][0];
        Self {
            key: app["api_key"].as_str().expect("api key").to_owned(),
            app: app["id"].as_i64().expect("app id"),
            admin,
            service,
            role,
            path,
        }
    }

    /// The service's name (its file is `<name>.sqlite` in the cluster's data directory).
    pub(crate) fn service_name(&self) -> &str {
        self.path
            .split('/')
            .nth(3)
            .expect("/api/v2/{name}/_table/note")
    }

    /// Changes a system resource on node A: `PATCH /api/v2/system/{resource}` with `body`.
    pub(crate) async fn change(&self, cluster: &Cluster, resource: &str, body: Value) {
        let path = format!("/api/v2/system/{resource}");
        expect(
            cluster.node_a(),
            Method::PATCH,
            &path,
            &self.admin,
            body,
            StatusCode::OK,
        )
        .await;
    }

    /// A non-admin user, signed in on node A through the app: `(id, token)`.
    async fn signed_in_user(&self, cluster: &Cluster) -> (i64, String) {
        let a = cluster.node_a();
        let (email, password) = (
            format!("{}@example.com", unique_name("user")),
            "a long password 123",
        );
        let user = json!({"resource": [{"email": email, "password": password, "name": "User",
                                        "is_active": true}]});
        let body = expect(
            a,
            Method::POST,
            "/api/v2/system/user",
            &self.admin,
            user,
            StatusCode::CREATED,
        )
        .await;
        let id = body["resource"][0]["id"].as_i64().expect("user id");
        let login = json!({"email": email, "password": password});
        let reply = a
            .call(
                Method::POST,
                "/api/v2/user/session",
                Auth::key(&self.key),
                Some(login),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (
            id,
            reply.body["session_token"]
                .as_str()
                .expect("token")
                .to_owned(),
        )
    }
}

#[tokio::test]
async fn a_logout_on_node_a_ends_the_session_on_node_b() {
    let cluster = Cluster::start().await;
    let (a, b) = (cluster.node_a(), cluster.node_b());
    let token = cluster.admin_login(a).await;
    let session = "/api/v2/system/admin/session";
    in_force(
        "node B accepts the session",
        b,
        session,
        Auth::token(&token),
        StatusCode::OK,
    )
    .await;

    let reply = a
        .call(Method::DELETE, session, Auth::token(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let ended = "node B refuses the ended session";
    in_force(
        ended,
        b,
        session,
        Auth::token(&token),
        StatusCode::FORBIDDEN,
    )
    .await;
}

/// A user's session on node B ends when node A changes the user with `change`.
async fn a_user_change_ends_the_session_on_node_b(change: Value) {
    let cluster = Cluster::start().await;
    let notes = Notes::on(&cluster, 1).await;
    let (user, token) = notes.signed_in_user(&cluster).await;
    let auth = Auth::both(&token, &notes.key);
    let b = cluster.node_b();
    in_force(
        "node B serves the user",
        b,
        &notes.path,
        auth,
        StatusCode::OK,
    )
    .await;

    notes
        .change(&cluster, &format!("user/{user}"), change)
        .await;

    // The user's sessions are revoked: the answer is the revoked token's.
    let ended = "node B refuses the user's session";
    in_force(ended, b, &notes.path, auth, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_password_change_on_node_a_ends_the_users_sessions_on_node_b() {
    a_user_change_ends_the_session_on_node_b(json!({"password": "second password 456"})).await;
}

#[tokio::test]
async fn deactivating_a_user_on_node_a_refuses_its_session_on_node_b() {
    a_user_change_ends_the_session_on_node_b(json!({"is_active": false})).await;
}

#[tokio::test]
async fn deactivating_an_app_on_node_a_refuses_its_key_on_node_b() {
    let cluster = Cluster::start().await;
    let notes = Notes::on(&cluster, 1).await;
    let (b, key) = (cluster.node_b(), Auth::key(&notes.key));
    in_force("node B serves the key", b, &notes.path, key, StatusCode::OK).await;

    let app = format!("app/{}", notes.app);
    notes
        .change(&cluster, &app, json!({"is_active": false}))
        .await;

    let refused = "node B refuses the deactivated app's key";
    in_force(refused, b, &notes.path, key, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn role_changes_on_node_a_decide_requests_on_node_b() {
    let cluster = Cluster::start().await;
    // GET only: a POST is refused.
    let notes = Notes::on(&cluster, 1).await;
    let (b, key) = (cluster.node_b(), Auth::key(&notes.key));
    let note = json!({"resource": [{"body": "three"}]});
    let post = async || {
        b.call(Method::POST, &notes.path, key, Some(note.clone()))
            .await
    };
    let reply = post().await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);

    // The access row now grants GET and POST.
    let access = json!({"service_id": notes.service, "component": "_table/*", "verb_mask": 3,
                        "requestor_mask": 1, "filters": [], "filter_op": "AND"});
    let role = format!("role/{}", notes.role);
    notes
        .change(
            &cluster,
            &role,
            json!({"role_service_access_by_role_id": [access]}),
        )
        .await;
    eventually(
        "node B applies the edited access",
        PROPAGATION,
        async || {
            let reply = post().await;
            match reply.status {
                StatusCode::OK => Ok(()),
                status => Err((status, reply.body)),
            }
        },
    )
    .await;

    notes
        .change(&cluster, &role, json!({"is_active": false}))
        .await;
    let refused = "node B refuses the deactivated role";
    in_force(refused, b, &notes.path, key, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_service_changed_and_deleted_on_node_a_is_changed_and_gone_on_node_b() {
    let cluster = Cluster::start().await;
    let notes = Notes::on(&cluster, 1).await;
    let (b, admin) = (cluster.node_b(), Auth::token(&notes.admin));
    let ids = format!("{}?fields=id", notes.path);
    in_force("node B serves the service", b, &ids, admin, StatusCode::OK).await;

    // At most one record per request now; the rest is announced in `meta.next`.
    let service = format!("service/{}", notes.service);
    notes
        .change(&cluster, &service, json!({"config": {"max_records": 1}}))
        .await;
    answers(
        "node B applies the new max_records",
        b,
        &ids,
        admin,
        |reply| reply.body["resource"] == json!([{"id": 1}]),
    )
    .await;

    let path = format!("/api/v2/system/{service}");
    let reply = cluster
        .node_a()
        .call(Method::DELETE, &path, admin, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    in_force(
        "node B no longer has the service",
        b,
        &ids,
        admin,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_lookup_changed_on_node_a_is_what_node_b_substitutes() {
    let cluster = Cluster::start().await;
    let notes = Notes::on(&cluster, 1).await;
    let (b, admin) = (cluster.node_b(), Auth::token(&notes.admin));
    let name = unique_name("pick");
    let lookup = json!({"resource": [{"name": name, "value": "1"}]});
    let body = expect(
        cluster.node_a(),
        Method::POST,
        "/api/v2/system/lookup",
        &notes.admin,
        lookup,
        StatusCode::CREATED,
    )
    .await;
    let lookup = body["resource"][0]["id"].as_i64().expect("lookup id");
    let picked = format!("{}?fields=id&filter=id%3D%7B{name}%7D", notes.path);
    let body = in_force("node B knows the lookup", b, &picked, admin, StatusCode::OK).await;
    assert_eq!(body, json!({"resource": [{"id": 1}]}));

    notes
        .change(&cluster, &format!("lookup/{lookup}"), json!({"value": "2"}))
        .await;

    answers(
        "node B substitutes the new value",
        b,
        &picked,
        admin,
        |reply| reply.body == json!({"resource": [{"id": 2}]}),
    )
    .await;
}

#[tokio::test]
async fn a_schema_change_on_node_a_is_seen_by_node_b_on_the_shared_file() {
    let cluster = Cluster::start().await;
    let notes = Notes::on(&cluster, 1).await;
    let (b, admin) = (cluster.node_b(), Auth::token(&notes.admin));
    let schema = notes.path.replace("/_table/", "/_schema/");
    // Node B caches the schema before the change.
    in_force("node B reads the schema", b, &schema, admin, StatusCode::OK).await;

    let field = json!({"resource": [{"name": "tag", "type": "string", "allow_null": true}]});
    expect(
        cluster.node_a(),
        Method::POST,
        &format!("{schema}/_field"),
        &notes.admin,
        field,
        StatusCode::OK,
    )
    .await;

    let tagged = format!("{}?fields=id,tag&ids=1", notes.path);
    let body = in_force(
        "node B serves the new field",
        b,
        &tagged,
        admin,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body, json!({"resource": [{"id": 1, "tag": null}]}));
}
