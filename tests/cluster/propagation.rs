//! Each kind of change made on node A, in force on node B within [`PROPAGATION`]: services
//! created, changed and deleted, sessions ended, apps, roles and users deactivated, role
//! access edited, lookups changed, a shared SQLite file's schema changed. What the change
//! feed delivers; each test measures the time with `eventually` (a deadline, never a sleep),
//! and prints it (`--nocapture`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Auth, unique_name};

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
    let (body, _) = eventually(what, PROPAGATION, || async {
        let reply = node.call(Method::GET, path, auth, None).await;
        match reply.status == status {
            true => Ok(reply.body),
            false => Err((reply.status, reply.body)),
        }
    })
    .await;
    body
}

/// A request that must succeed with `status`; its body.
pub(crate) async fn expect(
    node: &Node,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Value,
    status: StatusCode,
) -> Value {
    let reply = node.call(method, path, auth, Some(body)).await;
    assert_eq!(reply.status, status, "{} {path}: {}", node.name, reply.body);
    reply.body
}

/// A service over a new shared SQLite file with a table `note` holding rows 1 and 2.
pub(crate) async fn service_with_notes(cluster: &Cluster, admin: &str) -> (String, i64) {
    let name = unique_name("notes");
    let id = create_sqlite_service(cluster.node_a(), admin, &name).await;
    let schema = json!({"resource": [{"name": "note", "field": [
        {"name": "id", "type": "id"}, {"name": "body", "type": "string"}]}]});
    let auth = Auth::token(admin);
    expect(
        cluster.node_a(),
        Method::POST,
        &format!("/api/v2/{name}/_schema"),
        auth,
        schema,
        StatusCode::OK,
    )
    .await;
    let rows = json!({"resource": [{"body": "one"}, {"body": "two"}]});
    expect(
        cluster.node_a(),
        Method::POST,
        &format!("/api/v2/{name}/_table/note"),
        auth,
        rows,
        StatusCode::OK,
    )
    .await;
    (name, id)
}

/// A role granting `verbs` on `_table/*` of `service`, and an app whose key carries it.
pub(crate) async fn app_with_role(
    node: &Node,
    admin: &str,
    service: i64,
    verbs: u32,
) -> (i64, i64, String) {
    let access = json!({"service_id": service, "component": "_table/*", "verb_mask": verbs,
                        "requestor_mask": 1, "filters": [], "filter_op": "AND"});
    let role = json!({"resource": [{"name": unique_name("role"), "is_active": true,
                                    "role_service_access_by_role_id": [access]}]});
    let body = expect(
        node,
        Method::POST,
        "/api/v2/system/role",
        Auth::token(admin),
        role,
        StatusCode::CREATED,
    )
    .await;
    let role_id = body["resource"][0]["id"].as_i64().expect("role id");
    let app =
        json!({"resource": [{"name": unique_name("app"), "is_active": true, "role_id": role_id}]});
    let body = expect(
        node,
        Method::POST,
        "/api/v2/system/app?fields=id,api_key",
        Auth::token(admin),
        app,
        StatusCode::CREATED,
    )
    .await;
    let app = &body["resource"][0];
    let key = app["api_key"].as_str().expect("api key").to_owned();
    (role_id, app["id"].as_i64().expect("app id"), key)
}

/// A non-admin user, signed in on `node` through the app of `api_key`: `(id, token)`.
async fn signed_in_user(node: &Node, admin: &str, api_key: &str, password: &str) -> (i64, String) {
    let email = format!("{}@example.com", unique_name("user"));
    let user = json!({"resource": [{"email": email, "password": password, "name": "User",
                                    "is_active": true}]});
    let body = expect(
        node,
        Method::POST,
        "/api/v2/system/user",
        Auth::token(admin),
        user,
        StatusCode::CREATED,
    )
    .await;
    let id = body["resource"][0]["id"].as_i64().expect("user id");
    let login = json!({"email": email, "password": password});
    let body = expect(
        node,
        Method::POST,
        "/api/v2/user/session",
        Auth::key(api_key),
        login,
        StatusCode::OK,
    )
    .await;
    (
        id,
        body["session_token"].as_str().expect("token").to_owned(),
    )
}

#[tokio::test]
async fn a_logout_on_node_a_ends_the_session_on_node_b() {
    let cluster = Cluster::start().await;
    let token = cluster.admin_login(cluster.node_a()).await;
    let session = "/api/v2/system/admin/session";
    in_force(
        "node B accepts the session",
        cluster.node_b(),
        session,
        Auth::token(&token),
        StatusCode::OK,
    )
    .await;

    let reply = cluster
        .node_a()
        .call(Method::DELETE, session, Auth::token(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    in_force(
        "node B refuses the ended session",
        cluster.node_b(),
        session,
        Auth::token(&token),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn a_password_change_on_node_a_ends_the_users_sessions_on_node_b() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    let (name, service) = service_with_notes(&cluster, &admin).await;
    let (_, _, key) = app_with_role(cluster.node_a(), &admin, service, 1).await;
    let (user, token) = signed_in_user(cluster.node_a(), &admin, &key, "first password 123").await;
    let notes = format!("/api/v2/{name}/_table/note");
    in_force(
        "node B serves the user",
        cluster.node_b(),
        &notes,
        Auth::both(&token, &key),
        StatusCode::OK,
    )
    .await;

    let change = json!({"password": "second password 456"});
    expect(
        cluster.node_a(),
        Method::PATCH,
        &format!("/api/v2/system/user/{user}"),
        Auth::token(&admin),
        change,
        StatusCode::OK,
    )
    .await;

    in_force(
        "node B refuses the user's old session",
        cluster.node_b(),
        &notes,
        Auth::both(&token, &key),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn deactivating_an_app_on_node_a_refuses_its_key_on_node_b() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    let (name, service) = service_with_notes(&cluster, &admin).await;
    let (_, app, key) = app_with_role(cluster.node_a(), &admin, service, 1).await;
    let notes = format!("/api/v2/{name}/_table/note");
    in_force(
        "node B serves the key",
        cluster.node_b(),
        &notes,
        Auth::key(&key),
        StatusCode::OK,
    )
    .await;

    expect(
        cluster.node_a(),
        Method::PATCH,
        &format!("/api/v2/system/app/{app}"),
        Auth::token(&admin),
        json!({"is_active": false}),
        StatusCode::OK,
    )
    .await;

    in_force(
        "node B refuses the deactivated app's key",
        cluster.node_b(),
        &notes,
        Auth::key(&key),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn role_changes_on_node_a_decide_requests_on_node_b() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    let (name, service) = service_with_notes(&cluster, &admin).await;
    // GET only: a POST is refused.
    let (role, _, key) = app_with_role(cluster.node_a(), &admin, service, 1).await;
    let notes = format!("/api/v2/{name}/_table/note");
    let note = json!({"resource": [{"body": "three"}]});
    let reply = cluster
        .node_b()
        .call(Method::POST, &notes, Auth::key(&key), Some(note.clone()))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);

    // The access row now grants GET and POST.
    let access = json!({"service_id": service, "component": "_table/*", "verb_mask": 3,
                        "requestor_mask": 1, "filters": [], "filter_op": "AND"});
    let edit = json!({"role_service_access_by_role_id": [access]});
    expect(
        cluster.node_a(),
        Method::PATCH,
        &format!("/api/v2/system/role/{role}"),
        Auth::token(&admin),
        edit,
        StatusCode::OK,
    )
    .await;
    eventually("node B applies the edited access", PROPAGATION, || async {
        let reply = cluster
            .node_b()
            .call(Method::POST, &notes, Auth::key(&key), Some(note.clone()))
            .await;
        match reply.status {
            StatusCode::OK => Ok(()),
            status => Err((status, reply.body)),
        }
    })
    .await;

    expect(
        cluster.node_a(),
        Method::PATCH,
        &format!("/api/v2/system/role/{role}"),
        Auth::token(&admin),
        json!({"is_active": false}),
        StatusCode::OK,
    )
    .await;
    in_force(
        "node B refuses the deactivated role",
        cluster.node_b(),
        &notes,
        Auth::key(&key),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn deactivating_a_user_on_node_a_refuses_its_session_on_node_b() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    let (name, service) = service_with_notes(&cluster, &admin).await;
    let (_, _, key) = app_with_role(cluster.node_a(), &admin, service, 1).await;
    let (user, token) = signed_in_user(cluster.node_a(), &admin, &key, "a long password 123").await;
    let notes = format!("/api/v2/{name}/_table/note");
    in_force(
        "node B serves the user",
        cluster.node_b(),
        &notes,
        Auth::both(&token, &key),
        StatusCode::OK,
    )
    .await;

    expect(
        cluster.node_a(),
        Method::PATCH,
        &format!("/api/v2/system/user/{user}"),
        Auth::token(&admin),
        json!({"is_active": false}),
        StatusCode::OK,
    )
    .await;

    // Its sessions are revoked, so the answer is the revoked token's.
    in_force(
        "node B refuses the deactivated user",
        cluster.node_b(),
        &notes,
        Auth::both(&token, &key),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn a_service_changed_and_deleted_on_node_a_is_changed_and_gone_on_node_b() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    let (name, service) = service_with_notes(&cluster, &admin).await;
    let notes = format!("/api/v2/{name}/_table/note?fields=id");
    in_force(
        "node B serves the service",
        cluster.node_b(),
        &notes,
        Auth::token(&admin),
        StatusCode::OK,
    )
    .await;

    // At most one record per request now.
    let config = json!({"config": {"max_records": 1}});
    expect(
        cluster.node_a(),
        Method::PATCH,
        &format!("/api/v2/system/service/{service}"),
        Auth::token(&admin),
        config,
        StatusCode::OK,
    )
    .await;
    eventually(
        "node B applies the new max_records",
        PROPAGATION,
        || async {
            let reply = cluster.node_b().get(&notes, &admin).await;
            // The rest is announced in `meta.next`.
            match reply.body["resource"] == json!([{"id": 1}]) {
                true => Ok(()),
                false => Err((reply.status, reply.body)),
            }
        },
    )
    .await;

    let reply = cluster
        .node_a()
        .call(
            Method::DELETE,
            &format!("/api/v2/system/service/{service}"),
            Auth::token(&admin),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    in_force(
        "node B no longer has the service",
        cluster.node_b(),
        &notes,
        Auth::token(&admin),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_lookup_changed_on_node_a_is_what_node_b_substitutes() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    let (name, _) = service_with_notes(&cluster, &admin).await;
    let lookup_name = unique_name("pick");
    let lookup = json!({"resource": [{"name": lookup_name, "value": "1"}]});
    let body = expect(
        cluster.node_a(),
        Method::POST,
        "/api/v2/system/lookup",
        Auth::token(&admin),
        lookup,
        StatusCode::CREATED,
    )
    .await;
    let lookup = body["resource"][0]["id"].as_i64().expect("lookup id");
    let picked = format!("/api/v2/{name}/_table/note?fields=id&filter=id%3D%7B{lookup_name}%7D");
    let body = in_force(
        "node B knows the lookup",
        cluster.node_b(),
        &picked,
        Auth::token(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(body, json!({"resource": [{"id": 1}]}));

    expect(
        cluster.node_a(),
        Method::PATCH,
        &format!("/api/v2/system/lookup/{lookup}"),
        Auth::token(&admin),
        json!({"value": "2"}),
        StatusCode::OK,
    )
    .await;

    eventually("node B substitutes the new value", PROPAGATION, || async {
        let reply = cluster.node_b().get(&picked, &admin).await;
        match reply.body == json!({"resource": [{"id": 2}]}) {
            true => Ok(()),
            false => Err((reply.status, reply.body)),
        }
    })
    .await;
}

#[tokio::test]
async fn a_schema_change_on_node_a_is_seen_by_node_b_on_the_shared_file() {
    let cluster = Cluster::start().await;
    let admin = cluster.admin_login(cluster.node_a()).await;
    let (name, _) = service_with_notes(&cluster, &admin).await;
    let fields = format!("/api/v2/{name}/_schema/note?fields=name");
    // Node B caches the schema before the change.
    in_force(
        "node B reads the schema",
        cluster.node_b(),
        &fields,
        Auth::token(&admin),
        StatusCode::OK,
    )
    .await;

    let field = json!({"resource": [{"name": "tag", "type": "string", "allow_null": true}]});
    expect(
        cluster.node_a(),
        Method::POST,
        &format!("/api/v2/{name}/_schema/note/_field"),
        Auth::token(&admin),
        field,
        StatusCode::OK,
    )
    .await;

    let tagged = format!("/api/v2/{name}/_table/note?fields=id,tag&ids=1");
    let body = in_force(
        "node B serves the new field",
        cluster.node_b(),
        &tagged,
        Auth::token(&admin),
        StatusCode::OK,
    )
    .await;
    assert_eq!(body, json!({"resource": [{"id": 1, "tag": null}]}));
}
