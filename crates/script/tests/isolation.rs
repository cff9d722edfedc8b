//! Isolation between calls that share a pool thread's context (docs/SCRIPTS.md, "Context
//! reuse and isolation"): each test runs two calls on a one-thread engine, the second
//! returning what it sees of the first. Most cases come twice: as a careless script writes
//! them (the screen sends it to a fresh context) and disguised so that the screen lets it
//! into the locked context (`G` is the global object reached without naming it), where the
//! lockdown itself must hold.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use sluice_script::{Engine, EngineSettings, Job, NoHost, ScriptError};

/// Reaches the global object and `eval` without the words the screen looks for.
const DISGUISE: &str = "const G = (() => 0).constructor('return this')();
    const ev = G['ev' + 'al'];
    const proto = (o) => Object['getProto' + 'typeOf'](o);
    const P = (C) => C['proto' + 'type'];\n";

fn cold_engine() -> Engine {
    Engine::new(EngineSettings {
        time_limit: Duration::from_secs(2),
        memory_limit_bytes: 16 * 1024 * 1024,
        max_threads: 1,
        max_log_lines: 10,
    })
}

/// A one-thread engine whose thread has served a call, so that it holds its locked context
/// (a thread's first call runs in a fresh one while the locked one is made after it).
async fn engine() -> Engine {
    let engine = cold_engine();
    run(&engine, "return 1;")
        .await
        .expect("the warm-up call runs");
    engine
}

async fn run(engine: &Engine, source: &str) -> Result<Value, ScriptError> {
    let job = Job {
        name: "test.isolation".into(),
        source: Arc::from(source),
        event: json!({}),
        platform: Map::new(),
        deadline: None,
        compile_only: false,
        read_back: &[],
    };
    engine
        .run(job, &NoHost)
        .await
        .map(|outcome| outcome.returned)
}

/// Runs `first` (which may fail), then `second` on the same thread; `second`'s return value.
async fn after(first: &str, second: &str) -> Value {
    let engine = engine().await;
    let _ = run(&engine, first).await;
    run(&engine, second).await.expect("the second call runs")
}

/// As [`after`], for `first` as written and disguised (prefixed with [`DISGUISE`]).
async fn after_both(plain: &str, disguised: &str, second: &str) -> [Value; 2] {
    [
        after(plain, second).await,
        after(&format!("{DISGUISE}{disguised}"), second).await,
    ]
}

#[tokio::test]
async fn a_threads_first_call_runs_fresh_and_the_next_locked() {
    let engine = cold_engine();
    let probe = "return Object.isFrozen(JSON);";
    assert_eq!(run(&engine, probe).await, Ok(json!(false)));
    assert_eq!(run(&engine, probe).await, Ok(json!(true)));
}

#[tokio::test]
async fn ordinary_scripts_run_locked_and_polyfills_fresh() {
    let engine = engine().await;
    let probe = "return [Object.isFrozen(JSON), Object.isFrozen(Array)];";
    let locked = run(&engine, probe).await.unwrap();
    assert_eq!(locked, json!([true, true]));
    let fresh = run(&engine, &format!("// prototype\n{probe}"))
        .await
        .unwrap();
    assert_eq!(fresh, json!([false, false]));
}

#[tokio::test]
async fn an_implicit_global_does_not_survive() {
    let seen = after_both(
        "leaked = 1;",
        "(() => 0).constructor('leaked = 1')(); ev('leaked2 = 2');",
        "return [typeof leaked, typeof leaked2];",
    )
    .await;
    assert_eq!(
        seen,
        [
            json!(["undefined", "undefined"]),
            json!(["undefined", "undefined"])
        ]
    );
}

#[tokio::test]
async fn a_global_object_property_does_not_survive() {
    let seen = after_both(
        "globalThis.y = 2; globalThis[Symbol.for('y')] = 3;",
        "G.y = 2; G[Symbol.for('y')] = 3;",
        "const G = (() => 0).constructor('return this')();
         return [typeof y, typeof G.y, typeof G[Symbol.for('y')]];",
    )
    .await;
    let expected = json!(["undefined", "undefined", "undefined"]);
    assert_eq!(seen, [expected.clone(), expected]);
}

#[tokio::test]
async fn var_and_let_through_indirect_eval_do_not_survive() {
    let seen = after_both(
        "(0, eval)('var v = 1; let z = 1; class K {}');",
        "ev('var v = 1'); (0, ev)('let z = 1; const c = 2; class K {}');",
        "return [typeof v, typeof z, typeof K];",
    )
    .await;
    assert_eq!(seen[0], json!(["undefined", "undefined", "undefined"]));
    assert_eq!(seen[1], json!(["undefined", "undefined", "undefined"]));
    // Within the call, the replaced `eval` still evaluates and keeps its declarations.
    let engine = engine().await;
    let within = run(
        &engine,
        &format!("{DISGUISE}return [ev('var q = 5; q + 1'), ev('let w = 2; w * 3'), ev(7)];"),
    )
    .await;
    assert_eq!(within, Ok(json!([6, 6, 7])));
}

#[tokio::test]
async fn a_changed_array_prototype_does_not_survive() {
    let seen = after_both(
        "Array.prototype.x = 1; if ([].x !== 1) throw new Error('the polyfill failed');",
        "P(Array).x = 1;",
        "return typeof [].x;",
    )
    .await;
    assert_eq!(seen, [json!("undefined"), json!("undefined")]);
    // In the locked context the assignment fails (scripts are strict code).
    let error = run(&engine().await, &format!("{DISGUISE}P(Array).x = 1;")).await;
    assert!(
        matches!(error, Err(ScriptError::Thrown { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn object_prototype_pollution_does_not_survive() {
    let seen = after_both(
        "Object.prototype.polluted = true;",
        "proto({}).polluted = true;",
        "return [({}).polluted === undefined, 'polluted' in {}];",
    )
    .await;
    assert_eq!(seen, [json!([true, false]), json!([true, false])]);
}

#[tokio::test]
async fn a_replaced_json_stringify_does_not_survive() {
    let seen = after_both(
        "JSON.stringify = () => 'hacked';",
        "const J = JSON; J.stringify = () => 'hacked';",
        "return JSON.stringify({a: 1});",
    )
    .await;
    assert_eq!(seen, [json!("{\"a\":1}"), json!("{\"a\":1}")]);
}

#[tokio::test]
async fn a_mutated_math_does_not_survive() {
    let seen = after_both(
        "Math.max = () => 0; Math.tau = 6.28;",
        "const M = Math; try { M.max = () => 0; } catch (e) {} M.tau = 6.28;",
        "return [Math.max(1, 2), typeof Math.tau];",
    )
    .await;
    assert_eq!(seen, [json!([2, "undefined"]), json!([2, "undefined"])]);
}

#[tokio::test]
async fn a_changed_iterator_prototype_does_not_survive() {
    let seen = after_both(
        "Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({done: true});",
        "const it = proto([][Symbol.iterator]());
         try { it.next = () => ({done: true}); } catch (e) {}
         proto(it).extra = 1;",
        "return [[...[1, 2]], typeof [][Symbol.iterator]().extra];",
    )
    .await;
    assert_eq!(
        seen,
        [json!([[1, 2], "undefined"]), json!([[1, 2], "undefined"])]
    );
    // The other hidden intrinsics are frozen too.
    let frozen = run(
        &engine().await,
        &format!(
            "{DISGUISE}return [proto(function* () {{}}), proto(async function () {{}}),
                proto(async function* () {{}}), proto(''[Symbol.iterator]()),
                proto(new Map()[Symbol.iterator]()), proto(new Set()[Symbol.iterator]()),
                proto(/a/g[Symbol.matchAll]('a')), P(proto(function* () {{}})),
                proto([][Symbol.iterator]())].every(Object.isFrozen);"
        ),
    )
    .await;
    assert_eq!(frozen, Ok(json!(true)));
}

#[tokio::test]
async fn a_changed_error_prototype_name_does_not_survive() {
    let seen = after_both(
        "Error.prototype.name = 'Hacked'; TypeError.prototype.message = 'm';",
        "P(Error).name = 'Hacked';",
        "return [new Error('x').name, String(new TypeError('t')), new RangeError().message];",
    )
    .await;
    let expected = json!(["Error", "TypeError: t", ""]);
    assert_eq!(seen, [expected.clone(), expected]);
}

#[tokio::test]
async fn a_symbol_keyed_property_on_a_builtin_does_not_survive() {
    let seen = after_both(
        "Array[Symbol.for('leak')] = 1; Object[Symbol.iterator] = 2;",
        "const A = Array; A[Symbol.for('leak')] = 1;",
        "return [Array[Symbol.for('leak')] === undefined, Object[Symbol.iterator] === undefined];",
    )
    .await;
    assert_eq!(seen, [json!([true, true]), json!([true, true])]);
}

#[tokio::test]
async fn the_error_stack_hooks_are_put_back() {
    let seen = after(
        "const E = Error; E.stackTraceLimit = 0; E.prepareStackTrace = () => 'hooked';",
        "return [Error.stackTraceLimit, Error.prepareStackTrace === undefined,
                 new Error('x').stack !== 'hooked'];",
    )
    .await;
    assert_eq!(seen, json!([10, true, true]));
}

#[tokio::test]
async fn a_global_that_cannot_be_deleted_discards_the_context() {
    let seen = after(
        &format!(
            "{DISGUISE}Object['define' + 'Property'](G, 'stuck', {{value: 1}});
             Object['setProto' + 'typeOf'](G, {{injected: 1}});"
        ),
        "return [typeof stuck, typeof injected];",
    )
    .await;
    assert_eq!(seen, json!(["undefined", "undefined"]));
}

#[tokio::test]
async fn a_script_that_closes_its_function_early_leaves_nothing() {
    let engine = engine().await;
    let escape = "}); let escaped = 1; (function () {";
    let _ = run(&engine, escape).await;
    assert_eq!(
        run(&engine, "return typeof escaped;").await,
        Ok(json!("undefined"))
    );
    // The same text again: it now runs in a fresh context, still leaving nothing.
    let _ = run(&engine, escape).await;
    assert_eq!(
        run(&engine, "return typeof escaped;").await,
        Ok(json!("undefined"))
    );
}

#[tokio::test]
async fn overriding_inherited_properties_works_on_instances() {
    let engine = engine().await;
    let source = "const o = {}; o.toString = () => 'mine'; o.valueOf = () => 42;
        o.hasOwnProperty = () => 'own';
        class MyError extends Error {
            constructor(m) { super(m); this.name = 'MyError'; }
        }
        const e = new MyError('boom');
        const plain = new Error(); plain.message = 'changed';
        class Bad extends BadRequestException {
            constructor(m) { super(m); this.name = 'Bad'; }
        }
        const b = new Bad('no');
        function Foo() {}
        const p = Object.create({}); p.constructor = Foo;
        const f = function () {}; f.call = 'shadowed'; f.toString = () => 'f';
        return [String(o), o + 1, o.hasOwnProperty(), e.name, String(e), e instanceof Error,
                plain.message, b.name, b.status_code, p.constructor === Foo,
                Object.keys(p), f.call, String(f), ({}).toString(), [1, 2].toString()];";
    let expected = json!([
        "mine",
        43,
        "own",
        "MyError",
        "MyError: boom",
        true,
        "changed",
        "Bad",
        400,
        true,
        ["constructor"],
        "shadowed",
        "f",
        "[object Object]",
        "1,2"
    ]);
    // Twice: the first call's own properties stay on its own objects.
    assert_eq!(run(&engine, source).await, Ok(expected.clone()));
    assert_eq!(run(&engine, source).await, Ok(expected));
}

#[tokio::test]
async fn assigning_to_a_frozen_builtin_itself_still_fails() {
    let error = run(
        &engine().await,
        &format!("{DISGUISE}P(Object).toString = () => 'x';"),
    )
    .await;
    assert!(
        matches!(error, Err(ScriptError::Thrown { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_polyfill_still_works_through_the_fresh_context() {
    let polyfill = "String.prototype.capitalize = function () {
            return this.charAt(0).toUpperCase() + this.slice(1);
        };
        return 'ada'.capitalize();";
    let engine = engine().await;
    assert_eq!(run(&engine, polyfill).await, Ok(json!("Ada")));
    assert_eq!(
        run(&engine, "return typeof ''.capitalize;").await,
        Ok(json!("undefined"))
    );
    assert_eq!(run(&engine, polyfill).await, Ok(json!("Ada")));
}

#[tokio::test]
async fn a_thrown_call_leaves_the_context_usable() {
    let engine = engine().await;
    let source = "const kept = {a: 1}; throw new NotFoundException('gone');";
    let error = run(&engine, source).await;
    assert!(
        matches!(error, Err(ScriptError::Thrown { status: 404, .. })),
        "{error:?}"
    );
    let next = run(&engine, "return [typeof kept, 1 + 1];").await;
    assert_eq!(next, Ok(json!(["undefined", 2])));
}

#[tokio::test]
async fn the_locked_global_object_takes_no_new_property() {
    let engine = engine().await;
    let source = format!("{DISGUISE}G.leftover = 1; return 'written';");
    assert_eq!(
        run(&engine, &source).await,
        Err(ScriptError::Thrown {
            status: 500,
            code: None,
            message: "object is not extensible".into()
        })
    );
    let next = run(&engine, "return typeof leftover;").await;
    assert_eq!(next, Ok(json!("undefined")));
}

#[tokio::test]
async fn platform_and_the_host_functions_do_not_carry_state() {
    let seen = after(
        "platform.api.extra = 1;
         try { platform.api.get.marked = 1; } catch (e) {}
         try { console.marked = 1; } catch (e) {}
         platform.session = 'changed';",
        "return [typeof platform.api.extra, typeof platform.api.get.marked,
                 typeof console.marked, typeof platform.session, typeof platform.api.get];",
    )
    .await;
    assert_eq!(
        seen,
        json!([
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "function"
        ])
    );
}
