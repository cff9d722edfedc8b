//! The engine on its own: results, errors, every limit, isolation between calls and the host
//! bridge.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use sluice_script::{
    ApiReply, ApiRequest, Engine, EngineSettings, Host, Job, NoHost, Outcome, ScriptError,
};

const BUDGET: Duration = Duration::from_millis(200);
/// What a limited call may take beyond its budget: thread hand-off, the watchdog's wake-up,
/// the runtime's teardown.
const MARGIN: Duration = Duration::from_millis(150);
/// How long the limited script's thread may take to stop after its deadline. Measured on
/// an idle machine: 9 ms for a loop over `JSON.stringify` (the call in flight fails at its
/// next allocation), 220 ms when the loop catches that failure (each failing call still
/// costs tens of microseconds until the interrupt poll 10,000 operations later); without
/// the allocator's deadline check, over 120 s. Generous here, as the tests share the CPU.
const THREAD_MARGIN: Duration = Duration::from_millis(1500);

/// One thread: a call after a limited one waits for that thread, so it shows whether the
/// limited script really stopped (the awaiting side gives up at the deadline in any case).
fn engine() -> Engine {
    engine_with(BUDGET)
}

/// As [`engine`], with another time limit: a generous one for the tests of other limits, so
/// that a loaded machine cannot make them end by time instead.
fn engine_with(time_limit: Duration) -> Engine {
    Engine::new(EngineSettings {
        time_limit,
        memory_limit_bytes: 16 * 1024 * 1024,
        max_threads: 1,
        max_log_lines: 10,
    })
}

fn job(source: &str, event: Value) -> Job {
    Job {
        name: "test.script".into(),
        source: Arc::from(source),
        event,
        platform: Map::new(),
        deadline: None,
        compile_only: false,
        read_back: &["request", "response"],
    }
}

async fn run(engine: &Engine, source: &str) -> Result<Outcome, ScriptError> {
    engine.run(job(source, json!({})), &NoHost).await
}

/// Runs `source`, which must stop at a limit, and checks it did so within the budget.
async fn stopped(source: &str) -> ScriptError {
    stopped_within(source, BUDGET).await
}

async fn stopped_within(source: &str, budget: Duration) -> ScriptError {
    let engine = engine_with(budget);
    let started = Instant::now();
    let error = run(&engine, source)
        .await
        .expect_err("the script must fail");
    let took = started.elapsed();
    assert!(took < budget + MARGIN, "took {took:?}");
    // The script's thread is free again within the margin: the next call runs on it, on a
    // rebuilt runtime.
    let started = Instant::now();
    let next = engine
        .run(
            Job {
                deadline: Some(Instant::now() + THREAD_MARGIN),
                ..job("return 1 + 1;", json!({}))
            },
            &NoHost,
        )
        .await
        .expect("engine still serves");
    assert_eq!(next.returned, json!(2));
    let took = started.elapsed();
    assert!(took < THREAD_MARGIN, "the next call waited {took:?}");
    error
}

#[tokio::test]
async fn the_return_value_and_the_modified_event_come_back_as_json() {
    let engine = engine();
    let source = "event.request.payload.name = event.request.payload.name.toUpperCase();
                  return {seen: event.resource};";
    let event = json!({"request": {"payload": {"name": "ada"}}, "resource": "todo"});
    let outcome = engine.run(job(source, event), &NoHost).await.unwrap();
    assert_eq!(outcome.returned, json!({"seen": "todo"}));
    assert_eq!(outcome.event["request"]["payload"]["name"], json!("ADA"));
}

#[tokio::test]
async fn a_thrown_string_is_a_500_with_its_message() {
    let error = run(
        &engine(),
        "throw 'Only HTTP GET is allowed on this endpoint.';",
    )
    .await;
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            status: 500,
            code: None,
            message: "Only HTTP GET is allowed on this endpoint.".into()
        })
    );
}

#[tokio::test]
async fn dreamfactory_exception_classes_set_status_and_code() {
    let engine = engine();
    let error = run(
        &engine,
        "throw new BadRequestException('Missing filter', 123456);",
    )
    .await;
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            status: 400,
            code: Some(123456),
            message: "Missing filter".into()
        })
    );
    let error = run(&engine, "throw new RestException(418, 'Sorry Mate');").await;
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            status: 418,
            code: None,
            message: "Sorry Mate".into()
        })
    );
}

#[tokio::test]
async fn exception_classes_are_errors_and_can_be_extended() {
    let engine = engine();
    let source = "const e = new ForbiddenException('No', 7);
        class Mine extends NotFoundException {
            constructor(what) { super(what + ' is gone'); this.what = what; }
        }
        const m = new Mine('todo');
        return [e instanceof ForbiddenException, e instanceof DfException, e instanceof Error,
                e.name, e.message, e.code, e.status_code, m instanceof Mine,
                m instanceof NotFoundException, m.message, m.status_code, m.what,
                String(e)];";
    let outcome = run(&engine, source).await.expect("the script runs");
    assert_eq!(
        outcome.returned,
        json!([
            true,
            true,
            true,
            "ForbiddenException",
            "No",
            7,
            403,
            true,
            true,
            "todo is gone",
            404,
            "todo",
            "ForbiddenException: No"
        ])
    );
    let error = run(
        &engine,
        "class E extends ConflictResourceException {}\nthrow new E('Taken');",
    )
    .await;
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            status: 409,
            code: None,
            message: "Taken".into()
        })
    );
}

/// Each call's context is freed whole: a context kept alive by a reference the collector
/// cannot see (a native function holding a JavaScript value) would fill a small memory
/// limit within a few dozen calls.
#[tokio::test]
async fn calls_free_their_context_whole() {
    let engine = Engine::new(EngineSettings {
        time_limit: Duration::from_secs(2),
        memory_limit_bytes: 4 * 1024 * 1024,
        max_threads: 1,
        max_log_lines: 10,
    });
    let source = "const e = [new BadRequestException('a'), new RestException(418, 'b'),
        new ForbiddenException('c', 1)];
        console.log(e.length); return e.map((x) => x.status_code);";
    for _ in 0..200 {
        let outcome = run(&engine, source)
            .await
            .expect("no call runs out of memory");
        assert_eq!(outcome.returned, json!([400, 418, 403]));
    }
}

#[tokio::test]
async fn compiling_checks_the_syntax_without_running_anything() {
    let engine = engine();
    let check = |source: &str| Job {
        compile_only: true,
        ..job(source, json!({}))
    };
    let outcome = engine.run(check("for (;;) {}"), &NoHost).await;
    assert_eq!(outcome.map(|o| o.returned), Ok(Value::Null));
    let error = engine.run(check("return (;"), &NoHost).await;
    assert!(
        matches!(error, Err(ScriptError::Thrown { status: 500, .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_syntax_error_is_reported_without_the_source() {
    let Err(ScriptError::Thrown {
        status, message, ..
    }) = run(&engine(), "return (;").await
    else {
        panic!("a syntax error must fail the call");
    };
    assert_eq!(status, 500);
    assert!(!message.contains("return"), "{message}");
}

#[tokio::test]
async fn an_infinite_loop_ends_at_the_time_limit() {
    assert_eq!(stopped("for (;;) {}").await, ScriptError::TimedOut);
}

#[tokio::test]
async fn a_loop_over_json_stringify_ends_at_the_time_limit() {
    let source = "const big = [];
        for (let i = 0; i < 20000; i++) big.push({id: i, name: 'record ' + i, tags: ['a', 'b']});
        for (;;) { try { JSON.stringify(big); } catch (e) {} }";
    assert_eq!(stopped(source).await, ScriptError::TimedOut);
}

#[tokio::test]
async fn a_loop_over_array_join_ends_at_the_time_limit() {
    let source = "const parts = new Array(200000).fill('abc');
        for (;;) { parts.join(','); }";
    assert_eq!(stopped(source).await, ScriptError::TimedOut);
}

#[tokio::test]
async fn an_allocation_bomb_ends_at_the_memory_limit() {
    let source = "const hoard = []; for (;;) hoard.push('x'.repeat(100000) + hoard.length);";
    let error = stopped_within(source, Duration::from_secs(5)).await;
    assert_eq!(error, ScriptError::OutOfMemory);
}

#[tokio::test]
async fn deep_recursion_is_a_range_error() {
    let engine = engine();
    let Err(ScriptError::Thrown {
        status, message, ..
    }) = run(
        &engine,
        "function f(n) { return f(n + 1) + 1; } return f(0);",
    )
    .await
    else {
        panic!("recursion must fail");
    };
    assert_eq!(
        (status, message.as_str()),
        (500, "Maximum call stack size exceeded")
    );
}

#[tokio::test]
async fn globals_do_not_survive_from_one_call_to_the_next() {
    let engine = Engine::new(EngineSettings {
        max_threads: 1,
        ..EngineSettings::default()
    });
    run(&engine, "globalThis.leaked = 42; return 1;")
        .await
        .unwrap();
    let outcome = run(&engine, "return typeof leaked;").await.unwrap();
    assert_eq!(outcome.returned, json!("undefined"));
}

#[tokio::test]
async fn there_is_no_file_network_process_or_timer_access() {
    let source = "return [typeof require, typeof std, typeof os, typeof setTimeout,
        typeof fetch, typeof XMLHttpRequest, typeof process, typeof import_meta];";
    let outcome = run(&engine(), source).await.unwrap();
    assert_eq!(
        outcome.returned,
        json!([
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined"
        ])
    );
    let error = run(&engine(), "return import('os');").await;
    assert!(error.is_err(), "{error:?}");
}

#[tokio::test]
async fn an_async_script_is_awaited() {
    let outcome = run(&engine(), "return (async () => 7)();").await.unwrap();
    assert_eq!(outcome.returned, json!(7));
}

struct Echo;

impl Host for Echo {
    fn call(&self, request: ApiRequest) -> Pin<Box<dyn Future<Output = ApiReply> + '_>> {
        Box::pin(async move {
            ApiReply {
                status_code: 200,
                headers: Map::new(),
                content: json!({
                    "method": request.method, "path": request.path,
                    "payload": request.payload, "parameters": request.parameters,
                }),
            }
        })
    }
}

#[tokio::test]
async fn platform_api_calls_reach_the_host() {
    let source = "const got = platform.api.get('db/_table/contact', {parameters: {limit: 2}});
        let seen = null;
        platform.api.post('/db/_table/contact', {resource: [{a: 1}]}, null, function (body, response) {
            seen = [JSON.parse(body).method, response.status_code];
        });
        return {got, seen};";
    let outcome = engine().run(job(source, json!({})), &Echo).await.unwrap();
    assert_eq!(
        outcome.returned,
        json!({
            "got": {"method": "GET", "path": "db/_table/contact", "payload": null,
                    "parameters": [["limit", "2"]]},
            "seen": ["POST", 200],
        })
    );
}

#[tokio::test]
async fn platform_api_refuses_external_urls() {
    let error = engine()
        .run(
            job("return platform.api.get('http://example.com/');", json!({})),
            &Echo,
        )
        .await;
    assert!(
        matches!(&error, Err(ScriptError::Thrown { message, .. }) if message.contains("no network access")),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_event_arrives_as_json_parse_would_make_it() {
    let event = json!({
        "request": {"payload": {
            "__proto__": {"polluted": true}, "toString": "text", "1": "one",
            "numbers": [0, -7, 2147483648_i64, 9007199254740993_u64, 1.5, -0.25, 1e300],
            "text": "žluťoučký kůň \u{1F600}", "nested": [[[]], {}], "none": null, "yes": true
        }}
    });
    let source = "const p = event.request.payload;
        return [Object.getPrototypeOf(p) === Object.getPrototypeOf({}), p.polluted,
                Object.keys(p), typeof p.toString, Array.isArray(p.numbers), p.numbers.length,
                p.numbers, p.text, p.text.length, p];";
    let outcome = engine()
        .run(job(source, event.clone()), &NoHost)
        .await
        .unwrap();
    // 2^53 + 1 is not a double: JSON.parse rounds it to 2^53 too.
    let mut payload = event["request"]["payload"].clone();
    payload["numbers"][3] = json!(9007199254740992_u64);
    assert_eq!(
        outcome.returned,
        json!([
            true,
            null,
            [
                "1",
                "__proto__",
                "nested",
                "none",
                "numbers",
                "text",
                "toString",
                "yes"
            ],
            "string",
            true,
            7,
            payload["numbers"],
            payload["text"],
            16,
            payload
        ])
    );
}
