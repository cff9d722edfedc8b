//! Every script limit ends the request within its budget plus a small margin, with a
//! DreamFactory error (no source, no stack), while `/health` keeps answering.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sluice_tests::{TestApp, df_error, env};

use crate::scripts_services::add_script_service;

const BUDGET: Duration = Duration::from_millis(300);
/// Thread hand-off, the watchdog's wake-up, the HTTP round trip on a loaded test machine.
const MARGIN: Duration = Duration::from_millis(700);
/// The time limit of the tests of other limits.
const GENEROUS: Duration = Duration::from_secs(5);

/// A server whose scripts have `time_limit` (the tests of the time limit use [`BUDGET`]; the
/// others a generous one, so that a loaded machine cannot make them end by time instead of
/// the limit they test).
async fn limited_app(time_limit: Duration) -> (TestApp, String) {
    let time_limit = time_limit.as_millis().to_string();
    let app = TestApp::spawn_with_env(env(&[
        ("SLUICE__SCRIPTS__TIME_LIMIT_MS", time_limit.as_str()),
        ("SLUICE__SCRIPTS__MEMORY_LIMIT_MIB", "16"),
        ("SLUICE__SCRIPTS__MAX_CALL_DEPTH", "3"),
    ]))
    .await;
    let token = app.login().await;
    (app, token)
}

/// Calls scripted service `name` while polling `/health`, and returns the reply; asserts
/// the call ended within `budget` and a margin, and `/health` answered 200 throughout.
async fn call_while_healthy(
    app: &TestApp,
    admin: &str,
    name: &str,
    budget: Duration,
) -> (StatusCode, Value) {
    let started = Instant::now();
    let path = format!("/api/v2/{name}");
    let call = app.get(&path, admin);
    let health = async {
        let mut checks = 0;
        while started.elapsed() < budget.min(BUDGET) {
            let reply = app.client.get(format!("{}/health", app.url)).send().await;
            assert_eq!(reply.expect("health").status(), StatusCode::OK);
            checks += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        checks
    };
    let (reply, checks) = futures::join!(call, health);
    let took = started.elapsed();
    assert!(checks > 0);
    assert!(took < budget + MARGIN, "{name} took {took:?}");
    (reply.status, reply.body)
}

fn timed_out(name: &str) -> Value {
    df_error(
        504,
        &format!("Script '{name}' did not finish within its time limit."),
    )
}

#[tokio::test]
async fn an_infinite_loop_ends_at_the_time_limit() {
    let (app, admin) = limited_app(BUDGET).await;
    add_script_service(&app, &admin, "spin", "for (;;) {}").await;
    let (status, body) = call_while_healthy(&app, &admin, "spin", BUDGET).await;
    assert_eq!(
        (status, body),
        (StatusCode::GATEWAY_TIMEOUT, timed_out("spin"))
    );
    // The engine still serves on a rebuilt runtime.
    add_script_service(&app, &admin, "fine", "return 1;").await;
    assert_eq!(app.get("/api/v2/fine", &admin).await.body, json!(1));
}

#[tokio::test]
async fn a_json_stringify_loop_ends_at_the_time_limit() {
    let (app, admin) = limited_app(BUDGET).await;
    let content = "const big = [];
        for (let i = 0; i < 20000; i++) big.push({id: i, name: 'record ' + i});
        for (;;) { try { JSON.stringify(big); } catch (e) {} }";
    add_script_service(&app, &admin, "stringify", content).await;
    let (status, body) = call_while_healthy(&app, &admin, "stringify", BUDGET).await;
    assert_eq!(
        (status, body),
        (StatusCode::GATEWAY_TIMEOUT, timed_out("stringify"))
    );
}

#[tokio::test]
async fn an_allocation_bomb_ends_at_the_memory_limit() {
    let (app, admin) = limited_app(GENEROUS).await;
    let content = "const hoard = []; for (;;) hoard.push('x'.repeat(100000) + hoard.length);";
    add_script_service(&app, &admin, "bomb", content).await;
    let (status, body) = call_while_healthy(&app, &admin, "bomb", GENEROUS).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, df_error(503, "Script 'bomb' ran out of memory."));
}

#[tokio::test]
async fn deep_recursion_ends_with_a_range_error() {
    let (app, admin) = limited_app(GENEROUS).await;
    add_script_service(
        &app,
        &admin,
        "deep",
        "function f(n) { return f(n + 1) + 1; } return f(0);",
    )
    .await;
    let (status, body) = call_while_healthy(&app, &admin, "deep", GENEROUS).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body, df_error(500, "Maximum call stack size exceeded"));
}

#[tokio::test]
async fn recursive_platform_api_calls_stop_at_the_depth_limit() {
    let (app, admin) = limited_app(GENEROUS).await;
    let content = "const inner = platform.api.get('loop');
                   return {depth: (inner.depth || 0) + 1, innermost: inner.depth ? inner.innermost : inner};";
    add_script_service(&app, &admin, "loop", content).await;
    let (status, body) = call_while_healthy(&app, &admin, "loop", GENEROUS).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["depth"], json!(4));
    assert_eq!(
        body["innermost"],
        df_error(
            508,
            "Scripts' platform.api calls nest deeper than 3 (scripts.max_call_depth)."
        )
    );
}

#[tokio::test]
async fn a_script_that_loops_in_platform_api_calls_ends_at_the_time_limit() {
    let (app, admin) = limited_app(BUDGET).await;
    add_script_service(
        &app,
        &admin,
        "busy",
        "for (;;) { platform.api.get('target'); }",
    )
    .await;
    add_script_service(&app, &admin, "target", "return 1;").await;
    let (status, _) = call_while_healthy(&app, &admin, "busy", BUDGET).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn scripts_reach_no_files_sockets_processes_or_timers() {
    let (app, admin) = limited_app(GENEROUS).await;
    let content = "return [typeof require, typeof process, typeof std, typeof os,
        typeof setTimeout, typeof fetch, typeof XMLHttpRequest, typeof WebSocket];";
    add_script_service(&app, &admin, "probe", content).await;
    let reply = app.get("/api/v2/probe", &admin).await;
    assert_eq!(reply.body, json!(vec!["undefined"; 8]));
    let content = "return platform.api.get('http://127.0.0.1:1/');";
    add_script_service(&app, &admin, "outside", content).await;
    let reply = app.get("/api/v2/outside", &admin).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.body,
        df_error(
            500,
            "platform.api reaches this gateway's own API only; scripts have no network access."
        )
    );
    add_script_service(&app, &admin, "modules", "return import('os');").await;
    let reply = app.get("/api/v2/modules", &admin).await;
    assert_eq!(
        reply.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        reply.body
    );
    let _ = Method::GET;
}
