//! `event` and `platform` members converted when first read (`src/members.rs`): what a
//! script sees of them, what is read back, and that the accessors a context keeps between
//! calls carry nothing from one call to the next. Each behaviour is checked in a locked
//! context and, where it differs in how it is reached, in a fresh one (a script whose text
//! names `prototype` runs there).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use sluice_script::{Engine, EngineSettings, Job, NoHost, Outcome, ScriptError};

/// Sends a script to a fresh context (the screen's word), without changing what it does.
const FRESH: &str = "// prototype\n";

/// A one-thread engine whose thread has served a call, so that it holds its locked context.
async fn engine() -> Engine {
    let engine = Engine::new(EngineSettings {
        time_limit: Duration::from_secs(2),
        memory_limit_bytes: 16 * 1024 * 1024,
        max_threads: 1,
        max_log_lines: 10,
    });
    call(&engine, "return 1;", json!({}), json!({}))
        .await
        .expect("the warm-up call runs");
    engine
}

fn event() -> Value {
    json!({
        "request": {"method": "GET", "parameters": {"limit": "5"}, "payload": {"a": [1, 2]}},
        "response": {"status_code": 200, "content": {"x": 1}},
        "resource": "todo"
    })
}

async fn call(
    engine: &Engine,
    source: &str,
    event: Value,
    platform: Value,
) -> Result<Outcome, ScriptError> {
    let platform: Map<String, Value> = serde_json::from_value(platform).expect("an object");
    let job = Job {
        name: "test.members".into(),
        source: Arc::from(source),
        event,
        platform,
        deadline: None,
        compile_only: false,
        read_back: &["request", "response"],
    };
    engine.run(job, &NoHost).await
}

/// Runs `source` in the locked context and in a fresh one; both outcomes.
async fn both(source: &str) -> [Outcome; 2] {
    let engine = engine().await;
    let locked = call(&engine, source, event(), json!({})).await;
    let fresh = call(&engine, &format!("{FRESH}{source}"), event(), json!({})).await;
    [
        locked.expect("the locked call runs"),
        fresh.expect("the fresh call runs"),
    ]
}

#[tokio::test]
async fn untouched_members_come_back_as_they_were_sent() {
    for outcome in both("return event.resource;").await {
        assert_eq!(outcome.returned, json!("todo"));
        assert_eq!(
            outcome.event,
            json!({"request": event()["request"], "response": event()["response"]})
        );
    }
}

#[tokio::test]
async fn members_come_back_as_the_script_left_them() {
    let source = "event.request.parameters.limit = '100';
        event.response = {status_code: 201};
        return;";
    for outcome in both(source).await {
        assert_eq!(
            outcome.event["request"]["parameters"],
            json!({"limit": "100"})
        );
        assert_eq!(outcome.event["request"]["method"], json!("GET"));
        assert_eq!(outcome.event["response"], json!({"status_code": 201}));
    }
    for outcome in both("delete event.response; event.request = undefined;").await {
        assert_eq!(outcome.event, json!({}));
    }
}

#[tokio::test]
async fn members_read_as_ordinary_data_properties() {
    let source = "const before = [Object.keys(event), JSON.parse(JSON.stringify(event))];
        const request = event.request;
        request.marked = true;
        const d = Object.getOwnPropertyDescriptor(event, 'request');
        return [before, request === event.request, event.request.marked,
                'value' in d, d.writable, d.enumerable, d.configurable];";
    for outcome in both(source).await {
        assert_eq!(
            outcome.returned,
            json!([
                [["request", "resource", "response"], event()],
                true,
                true,
                true,
                true,
                true,
                true
            ])
        );
    }
}

#[tokio::test]
async fn a_frozen_event_still_reads_and_keeps_one_object_per_member() {
    let source = "Object.freeze(event);
        event.response.content.x = 2;
        return event.response === event.response;";
    for outcome in both(source).await {
        assert_eq!(outcome.returned, json!(true));
        assert_eq!(outcome.event["response"]["content"], json!({"x": 2}));
    }
}

#[tokio::test]
async fn platform_holds_the_calls_own_members_and_api() {
    let engine = engine().await;
    let source = "return [Object.keys(platform), platform.session, platform.config,
                          typeof platform.api.get];";
    for (user, source) in [(1, source.to_owned()), (2, format!("{FRESH}{source}"))] {
        let platform = json!({"config": {"df": {"version": "1"}}, "session": {"user": user}});
        let outcome = call(&engine, &source, json!({}), platform).await.unwrap();
        assert_eq!(
            outcome.returned,
            json!([
                ["config", "session", "api"],
                {"user": user},
                {"df": {"version": "1"}},
                "function"
            ])
        );
    }
}

#[tokio::test]
async fn a_second_call_sees_its_own_session_not_the_first_ones() {
    let engine = engine().await;
    let source = "const seen = platform.session.user; platform.session.user = 'changed';
        return seen;";
    for user in ["ada", "bob", "ada"] {
        let platform = json!({"session": {"user": user}});
        let outcome = call(&engine, source, json!({}), platform).await.unwrap();
        assert_eq!(outcome.returned, json!(user));
    }
}

#[tokio::test]
async fn the_accessors_a_context_keeps_carry_nothing_to_the_next_call() {
    let engine = engine().await;
    let stash = "const d = Object.getOwnPropertyDescriptor(event, 'request');
        const p = Object.getOwnPropertyDescriptor(platform, 'session');
        const frozen = [d.get, d.set, p.get, p.set].every(Object.isFrozen);
        const tries = [() => { d.get.stash = event.request; },
                       () => { d.set.call(d.get, event.request); },
                       () => { p.set.call(p.get, platform.session); }];
        let refused = 0;
        for (const t of tries) { try { t(); } catch (e) { refused++; } }
        return [frozen, refused];";
    let platform = json!({"session": {"user": "ada"}});
    let first = call(&engine, stash, event(), platform).await.unwrap();
    assert_eq!(first.returned, json!([true, 3]));
    let look = "const d = Object.getOwnPropertyDescriptor(event, 'request');
        const p = Object.getOwnPropertyDescriptor(platform, 'session');
        return [typeof d.get.stash, typeof d.get.request, typeof p.get.session,
                event.request, platform.session];";
    let platform = json!({"session": {"user": "bob"}});
    let second = call(&engine, look, json!({"request": 2}), platform)
        .await
        .unwrap();
    assert_eq!(
        second.returned,
        json!(["undefined", "undefined", "undefined", 2, {"user": "bob"}])
    );
}

#[tokio::test]
async fn an_accessor_called_on_another_object_gives_the_calls_own_data() {
    let source = "const get = Object.getOwnPropertyDescriptor(event, 'resource').get;
        const other = {};
        return [get.call(other), other.resource, get.call(1)];";
    for outcome in both(source).await {
        assert_eq!(outcome.returned, json!(["todo", "todo", "todo"]));
    }
}

#[tokio::test]
async fn values_come_back_as_json_stringify_gives_them() {
    // Each value is returned twice: as is, and as JSON.stringify's text of it; what comes
    // back must be what parsing the text gives.
    let source = "class Point { constructor() { this.x = 1; } }
        const sparse = []; sparse.length = 200000;
        const deep = []; let d = deep; for (let i = 0; i < 100; i++) { d.push([]); d = d[0]; }
        const hidden = {a: 1}; Object.defineProperty(hidden, 'toJSON', {value: () => 'mine'});
        const values = [
          {a: {b: [1, 'two', null, true, false]}, empty: {}, list: []},
          [0, -0, 7, -7, 1.5, -0.25, 2147483648, 2 ** 53 + 1, 1e20, -1e20, 1e21, 1e300,
           NaN, Infinity, -Infinity, 18446744073709551616],
          ['žluťoučký kůň \\u{1F600}', '', 'line\\nbreak \"quoted\"'],
          {f() {}, u: undefined, s: Symbol('s'), kept: 1},
          [function () {}, undefined, Symbol('s'), , 2],
          new Date(0), new String('boxed'), new Number(3), new Point(), new Map([[1, 2]]),
          {toJSON() { return {replaced: true}; }}, hidden, Object.create(null),
          {get computed() { return 42; }}, new Error('no'), sparse, deep,
          Object.assign([1, 2], {extra: 3}), {nested: {toJSON: () => 5}},
        ];
        return values.map((v) => [v, JSON.stringify(v)]);";
    let engine = engine().await;
    for source in [source.to_owned(), format!("{FRESH}{source}")] {
        let outcome = call(&engine, &source, json!({}), json!({})).await.unwrap();
        let pairs = outcome.returned.as_array().expect("an array of pairs");
        assert_eq!(pairs.len(), 19);
        for pair in pairs {
            let text = pair[1].as_str().expect("JSON text");
            let parsed: Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(pair[0], parsed, "for {text}");
        }
    }
}

#[tokio::test]
async fn a_cycle_in_what_comes_back_fails_as_json_stringify_does() {
    let engine = engine().await;
    let source = "const a = {}; a.self = {back: a}; return a;";
    let error = call(&engine, source, json!({}), json!({}))
        .await
        .expect_err("a cycle has no JSON");
    let ScriptError::Thrown {
        status, message, ..
    } = error
    else {
        panic!("not a throw: {error:?}");
    };
    assert_eq!(status, 500);
    assert!(message.contains("circular"), "{message}");
}
