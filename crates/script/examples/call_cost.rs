//! The measurement tool for a call's CPU cost (issue 17): runs N calls of a small
//! `pre_process`-like script on a one-thread engine, for counting instructions with
//! callgrind. Wall time means nothing here; the instruction count per call does:
//!
//! ```text
//! cargo build --release -p sluice-script --examples
//! valgrind --tool=callgrind --callgrind-out-file=cg.1000 target/release/examples/call_cost 1000
//! valgrind --tool=callgrind --callgrind-out-file=cg.2000 target/release/examples/call_cost 2000
//! ```
//!
//! (total of the 2000 run − total of the 1000 run) / 1000 is one call's cost, the start-up
//! (runtime, first context, thread) cancelled out. A second argument picks variants, joined
//! by commas: `fallback` (a script that mentions `.prototype`, so it runs in a fresh context
//! per call), `garbage` (a script that leaves cyclic garbage), `modify` (reads `request` back too, as for a script allowed to modify the
//! event; otherwise only `response`, the gateway's default).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use sluice_script::{Engine, EngineSettings, Job, NoHost};

/// Reads the request's parameters, sets a field, returns: what most event scripts do.
const SMALL: &str = "var limit = event.request.parameters.limit;
if (limit && Number(limit) > 100) { event.request.parameters.limit = '100'; }
event.request.payload.checked = true;
return;";

/// The same work, but its text mentions `.prototype`: it takes the fresh-context path.
const FALLBACK: &str = "// String.prototype is left alone
var limit = event.request.parameters.limit;
if (limit && Number(limit) > 100) { event.request.parameters.limit = '100'; }
event.request.payload.checked = true;
return;";

/// The same work through a function and a class of the script's own: each call leaves cyclic
/// garbage (a function and its prototype refer to each other) that only a collection frees.
const GARBAGE: &str = "function clamp(value, max) { return Number(value) > max ? String(max) : value; }
class Check { constructor(payload) { this.payload = payload; } mark() { this.payload.checked = true; } }
var parameters = event.request.parameters;
parameters.limit = clamp(parameters.limit, 100);
new Check(event.request.payload).mark();
return;";

fn main() {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let mode = args.next().unwrap_or_default();
    let source = if mode.contains("fallback") {
        FALLBACK
    } else if mode.contains("garbage") {
        GARBAGE
    } else {
        SMALL
    };
    // The gateway reads `request` back only from scripts allowed to modify the event.
    let read_back: &'static [&'static str] = if mode.contains("modify") {
        &["request", "response"]
    } else {
        &["response"]
    };
    let engine = Engine::new(EngineSettings {
        time_limit: Duration::from_secs(10),
        max_threads: 1,
        ..EngineSettings::default()
    });
    let source: Arc<str> = Arc::from(source);
    let event = json!({
        "request": {
            "method": "POST",
            "parameters": {"limit": "500", "filter": "status = 'open'", "fields": "id,name"},
            "headers": {"content-type": "application/json", "accept": "application/json",
                        "x-dreamfactory-api-key": "36fda24fe5588fa4285ac6c6c2fdfbdb"},
            "payload": {"resource": [{"name": "Ada", "email": "ada@example.com", "age": 36}]},
            "uri": "/api/v2/db/_table/contact",
            "service": "db",
            "resource": "_table/contact"
        },
        "resource": "_table/contact"
    });
    // What the gateway passes (crates/gateway/src/scripts/platform.rs).
    let platform: Map<String, Value> = serde_json::from_value(json!({
        "config": {"df": {"version": "0.1.0", "api_version": "2.0",
                          "always_wrap_resources": true, "resources_wrapper": "resource"}},
        "session": {"user": {"id": 1, "email": "admin@example.com", "is_sys_admin": true},
                    "app": {"id": 2, "name": "admin"}, "role": null, "role_id": null}
    }))
    .expect("an object");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        for _ in 0..calls {
            let job = Job {
                name: "db._table.contact.post.pre_process".into(),
                source: Arc::clone(&source),
                event: event.clone(),
                platform: platform.clone(),
                deadline: None,
                compile_only: false,
                read_back,
            };
            let outcome = engine.run(job, &NoHost).await.expect("the script runs");
            assert_eq!(outcome.returned, Value::Null);
        }
    });
}
