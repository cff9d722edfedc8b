//! `/api/v2/system/limit`: DreamFactory's rate-limit records (type, period by name, computed
//! `key_text`, its 400s). Enforcement is tested in rate_limits.rs.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{Reply, TestApp, df_error};

async fn post(app: &TestApp, token: &str, limit: Value) -> Reply {
    app.send(
        Method::POST,
        "/api/v2/system/limit",
        Some(token),
        Some(json!({ "resource": [limit] })),
    )
    .await
}

async fn create(app: &TestApp, token: &str, limit: Value) -> i64 {
    let reply = post(app, token, limit).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["resource"][0]["id"].as_i64().expect("id")
}

/// A record without its timestamps, which the test cannot know.
fn without_dates(mut record: Value) -> Value {
    for field in ["created_date", "last_modified_date"] {
        let value = record.as_object_mut().expect("object").remove(field);
        assert!(value.is_some_and(|v| v.is_string()), "{field}");
    }
    record
}

/// The app with service `db` (id 1), a user and a role; returns the admin token, the user's
/// id and the role's id.
async fn app_with_subjects() -> (TestApp, String, i64, i64) {
    let (app, token) = TestApp::with_demo_service().await;
    let user = app
        .create_user(&token, "jo@example.com", "a long password 12345", "Jo")
        .await;
    let role = app.create_role(&token, json!({"name": "readers"})).await;
    (app, token, user, role)
}

#[tokio::test]
async fn a_limit_is_created_read_updated_listed_and_deleted() {
    let (app, token, _, _) = app_with_subjects().await;

    let reply = post(
        &app,
        &token,
        json!({"type": "instance.service.endpoint", "service_id": 1, "endpoint": "/_table/todo/",
               "verb": "get", "rate": 10, "period": "minute", "name": "todo reads",
               "user_id": 7}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body, json!({"resource": [{"id": 1}]}));

    let reply = app.get("/api/v2/system/limit/1", &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        without_dates(reply.body),
        json!({"id": 1, "type": "instance.service.endpoint",
               "key_text": "instance.service:1.endpoint:_table/todo.verb:GET.minute",
               "rate": 10, "period": "minute", "user_id": null, "role_id": null,
               "service_id": 1, "endpoint": "_table/todo", "verb": "GET", "name": "todo reads",
               "description": null, "is_active": true})
    );

    let reply = app
        .send(
            Method::PATCH,
            "/api/v2/system/limit/1",
            Some(&token),
            Some(json!({"period": "day", "verb": null, "rate": "25", "is_active": false})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"id": 1}));
    let reply = app
        .get(
            "/api/v2/system/limit/1?fields=key_text,rate,period,verb,is_active",
            &token,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"key_text": "instance.service:1.endpoint:_table/todo.day", "rate": 25,
               "period": "day", "verb": null, "is_active": false})
    );

    create(
        &app,
        &token,
        json!({"type": "instance", "rate": 1000, "period": 1, "name": "everyone"}),
    )
    .await;
    let reply = app
        .get(
            "/api/v2/system/limit?filter=type%3D'instance'&fields=id,key_text,period&include_count=true",
            &token,
        )
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [{"id": 2, "key_text": "instance.hour", "period": "hour"}],
               "meta": {"count": 1}})
    );

    let reply = app
        .send(Method::DELETE, "/api/v2/system/limit/1", Some(&token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({"id": 1}));
    let reply = app.get("/api/v2/system/limit/1", &token).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.get("/api/v2/system/limit?fields=id", &token).await;
    assert_eq!(reply.body, json!({"resource": [{"id": 2}]}));
}

#[tokio::test]
async fn each_type_and_period_gets_dreamfactorys_key() {
    let (app, token, user, role) = app_with_subjects().await;
    let cases = [
        (
            json!({"type": "instance", "period": "minute"}),
            "instance.minute".to_string(),
        ),
        (
            json!({"type": "instance.user", "user_id": user, "period": "hour"}),
            format!("instance.user:{user}.hour"),
        ),
        (
            json!({"type": "instance.each_user", "user_id": user, "period": "day"}),
            "instance.each_user:.day".to_string(),
        ),
        (
            json!({"type": "instance.user.service", "user_id": user, "service_id": 1,
                   "period": "7-day"}),
            format!("instance.user:{user}.service:1.7-day"),
        ),
        (
            json!({"type": "instance.each_user.service", "service_id": 1, "period": "30-day"}),
            "instance.each_user:.service:1.30-day".to_string(),
        ),
        (
            json!({"type": "instance.service", "service_id": 1, "period": 0, "verb": "POST"}),
            "instance.service:1.verb:POST.minute".to_string(),
        ),
        (
            json!({"type": "instance.service.endpoint", "service_id": 1, "endpoint": "_schema",
                   "period": "hour"}),
            "instance.service:1.endpoint:_schema.hour".to_string(),
        ),
        (
            json!({"type": "instance.user.service.endpoint", "user_id": user, "service_id": 1,
                   "endpoint": "_table/*", "period": "day", "verb": "DELETE"}),
            format!("instance.user:{user}.service:1.endpoint:_table/*.verb:DELETE.day"),
        ),
        (
            json!({"type": "instance.each_user.service.endpoint", "service_id": 1,
                   "endpoint": "_proc/x", "period": "minute"}),
            "instance.each_user:.service:1.endpoint:_proc/x.minute".to_string(),
        ),
        (
            json!({"type": "instance.role", "role_id": role, "period": "hour"}),
            format!("instance.role:{role}.hour"),
        ),
    ];
    for (limit, key) in cases {
        let mut limit = limit;
        limit["rate"] = json!(5);
        limit["name"] = json!(key);
        let id = create(&app, &token, limit.clone()).await;
        let reply = app.get(&format!("/api/v2/system/limit/{id}"), &token).await;
        assert_eq!(reply.body["key_text"], json!(key), "{limit}");
        assert_eq!(
            reply.body["period"],
            limit["period"]
                .as_str()
                .map_or_else(|| json!("minute"), Value::from),
            "{limit}"
        );
    }
    let reply = app
        .get("/api/v2/system/limit?count_only=true", &token)
        .await;
    assert_eq!(reply.body, json!(10));
}

fn invalid(field: &str, message: &str) -> Value {
    json!({"error": {"code": 400, "context": {field: [message]},
        "message": format!("Invalid data supplied. {message}"), "status_code": 400}})
}

#[tokio::test]
async fn bad_limits_get_dreamfactorys_400s() {
    let (app, token, user, _) = app_with_subjects().await;
    create(
        &app,
        &token,
        json!({"type": "instance", "rate": 1, "period": "minute", "name": "first"}),
    )
    .await;
    let base = |extra: Value| {
        let mut limit = json!({"type": "instance", "rate": 5, "period": "hour", "name": "L"});
        for (key, value) in extra.as_object().expect("object") {
            limit[key] = value.clone();
        }
        limit
    };
    let cases = [
        (
            base(json!({"type": "instance.everyone"})),
            invalid("type", "The selected type is invalid."),
        ),
        (
            base(json!({"type": null})),
            invalid("type", "The type field is required."),
        ),
        (
            base(json!({"period": "week"})),
            invalid("period", "The selected period is invalid."),
        ),
        (
            base(json!({"period": 5})),
            invalid("period", "The selected period is invalid."),
        ),
        (
            base(json!({"rate": 0})),
            df_error(400, "Limit rate must be an integer. Limit not saved."),
        ),
        (
            base(json!({"rate": -3})),
            df_error(400, "Limit rate must be an integer. Limit not saved."),
        ),
        (
            base(json!({"rate": 4_294_967_296_i64})),
            df_error(400, "Limit rate must be an integer. Limit not saved."),
        ),
        (
            base(json!({"rate": "many"})),
            df_error(400, "Limit rate must be an integer. Limit not saved."),
        ),
        (
            base(json!({"verb": "HEAD"})),
            df_error(400, "Verb is invalid or not allowed."),
        ),
        (
            base(json!({"type": "instance.user"})),
            df_error(
                400,
                "user_id must be specified with this limit type. Limit: L",
            ),
        ),
        (
            base(json!({"type": "instance.user", "user_id": user + 100})),
            df_error(400, "user_id does not exist for L limit."),
        ),
        (
            base(
                json!({"type": "instance.user.service", "user_id": user + 100,
                        "service_id": 1}),
            ),
            df_error(400, "No user_id exists for L limit."),
        ),
        (
            base(json!({"type": "instance.user.service", "user_id": user})),
            df_error(400, "No service exists for L limit."),
        ),
        (
            base(json!({"type": "instance.role"})),
            df_error(
                400,
                "role_id must be specified with this limit type. Limit: L",
            ),
        ),
        (
            base(json!({"type": "instance.role", "role_id": 99})),
            df_error(400, "No role_id exists for L limit."),
        ),
        (
            base(json!({"type": "instance.service"})),
            df_error(400, "service_id must be specified with this limit type."),
        ),
        (
            base(json!({"type": "instance.service", "service_id": 99})),
            df_error(400, "No service exists for L limit."),
        ),
        (
            base(json!({"type": "instance.service.endpoint", "service_id": 1})),
            df_error(400, "endpoint must be specified with this limit type."),
        ),
        (
            base(json!({"period": "minute", "rate": 7})),
            df_error(
                400,
                "A limit already exists with those parameters. No records added.",
            ),
        ),
    ];
    for (limit, expected) in cases {
        let reply = post(&app, &token, limit.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{limit}");
        assert_eq!(reply.body, expected, "{limit}");
    }
    let reply = app
        .get("/api/v2/system/limit?count_only=true", &token)
        .await;
    assert_eq!(reply.body, json!(1));
}

#[tokio::test]
async fn an_update_to_another_limits_key_is_refused() {
    let (app, token, _, _) = app_with_subjects().await;
    create(
        &app,
        &token,
        json!({"type": "instance", "rate": 1, "period": "minute", "name": "a"}),
    )
    .await;
    let id = create(
        &app,
        &token,
        json!({"type": "instance", "rate": 1, "period": "hour", "name": "b"}),
    )
    .await;

    let reply = app
        .send(
            Method::PATCH,
            &format!("/api/v2/system/limit/{id}"),
            Some(&token),
            Some(json!({"period": "minute"})),
        )
        .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        df_error(
            400,
            "A limit already exists with those parameters. No records added."
        )
    );
    let reply = app
        .get(&format!("/api/v2/system/limit/{id}?fields=period"), &token)
        .await;
    assert_eq!(reply.body, json!({"period": "hour"}));
}

#[tokio::test]
async fn batch_updates_recompute_each_key_and_a_type_change_clears_unused_ids() {
    let (app, token, user, _) = app_with_subjects().await;
    create(
        &app,
        &token,
        json!({"type": "instance.user", "user_id": user, "rate": 1, "period": "minute",
               "name": "a"}),
    )
    .await;
    create(
        &app,
        &token,
        json!({"type": "instance", "rate": 1, "period": "hour", "name": "b"}),
    )
    .await;

    let reply = app
        .send(
            Method::PATCH,
            "/api/v2/system/limit?ids=1,2",
            Some(&token),
            Some(json!({"resource": [{"rate": 9, "verb": "PUT"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"resource": [{"id": 1}, {"id": 2}]}));
    let reply = app
        .get("/api/v2/system/limit?fields=id,key_text,rate", &token)
        .await;
    assert_eq!(
        reply.body,
        json!({"resource": [
            {"id": 1, "key_text": format!("instance.user:{user}.verb:PUT.minute"), "rate": 9},
            {"id": 2, "key_text": "instance.verb:PUT.hour", "rate": 9}]})
    );

    let reply = app
        .send(
            Method::PUT,
            "/api/v2/system/limit/1",
            Some(&token),
            Some(json!({"type": "instance.each_user"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = app
        .get("/api/v2/system/limit/1?fields=key_text,user_id", &token)
        .await;
    assert_eq!(
        reply.body,
        json!({"key_text": "instance.each_user:.verb:PUT.minute", "user_id": null})
    );

    // limit_cache_by_limit_id is the one relation (tested in rate_limits_cache.rs).
    let reply = app
        .get("/api/v2/system/limit?related=limit_by_role_id", &token)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        df_error(400, "Invalid relationship 'limit_by_role_id' requested.")
    );
}

/// DreamFactory's admin apps read the limits page with
/// `related=service_by_service_id,role_by_role_id,user_by_user_id,limit_cache_by_limit_id`:
/// each `belongsTo` relation is the record its id names (as its own list shows it), or null.
#[tokio::test]
async fn a_limit_embeds_its_service_role_and_user() {
    let (app, token, user, role) = app_with_subjects().await;
    let reply = app
        .get("/api/v2/system/service?filter=name%3Ddb&fields=id", &token)
        .await;
    let db = reply.body["resource"][0]["id"].as_i64().expect("db's id");
    let by_user = create(
        &app,
        &token,
        json!({"type": "instance.user.service", "user_id": user, "service_id": db, "rate": 5,
               "period": "minute", "name": "jo on db"}),
    )
    .await;
    let by_role = create(
        &app,
        &token,
        json!({"type": "instance.role", "role_id": role, "rate": 5, "period": "hour",
               "name": "readers"}),
    )
    .await;
    let related =
        "related=service_by_service_id,role_by_role_id,user_by_user_id,limit_cache_by_limit_id";
    let reply = app
        .get(
            &format!("/api/v2/system/limit?{related}&include_count=true&fields=id"),
            &token,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["meta"], json!({"count": 2}));
    let [first, second] = [&reply.body["resource"][0], &reply.body["resource"][1]];
    assert_eq!(first["id"], json!(by_user));
    assert_eq!(first["service_by_service_id"]["id"], json!(db));
    assert_eq!(first["service_by_service_id"]["name"], json!("db"));
    assert_eq!(first["service_by_service_id"]["type"], json!("sqlite"));
    assert!(first["service_by_service_id"]["config"].is_object());
    assert_eq!(first["user_by_user_id"]["id"], json!(user));
    assert_eq!(first["user_by_user_id"]["email"], json!("jo@example.com"));
    assert!(first["user_by_user_id"].get("password").is_none());
    assert_eq!(first["role_by_role_id"], Value::Null);
    assert_eq!(
        first["limit_cache_by_limit_id"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(second["id"], json!(by_role));
    assert_eq!(second["role_by_role_id"]["name"], json!("readers"));
    assert_eq!(second["service_by_service_id"], Value::Null);
    assert_eq!(second["user_by_user_id"], Value::Null);

    let reply = app
        .get(
            &format!("/api/v2/system/limit/{by_role}?{related}&fields=id"),
            &token,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["role_by_role_id"]["id"], json!(role));
    assert_eq!(reply.body["user_by_user_id"], Value::Null);
}
