//! What scripts reach beyond their event: `platform.session` and `platform.config`, and
//! `platform.api`, which calls this gateway's own API in process (no socket): the request
//! runs through the same middleware and handlers as any other, as the caller whose request
//! ran the script, with that caller's principal (never an elevated one, whatever
//! credentials the script puts in its headers). A nested call's scripts share the outer
//! script's deadline, and calls nest at most `scripts.max_call_depth` deep.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Instant;

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_service::{IntoServiceFactory, Service, ServiceExt, ServiceFactory};
use actix_web::body::BoxBody;
use actix_web::dev::{AppConfig, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, web};
use bytes::Bytes;
use serde_json::{Map, Value, json};
use sluice_rbac::Requestor;
use sluice_script::{ApiReply, ApiRequest, Host, Job, Outcome};

use super::directory::EventScript;
use super::events::{content_type, payload_of};
use super::script_error;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// Headers a script may not set on its calls: the identity is the caller's.
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "x-dreamfactory-api-key",
    "x-dreamfactory-session-token",
];
const CREDENTIAL_PARAMETERS: &[&str] = &["api_key", "session_token"];

/// Marks an in-process request made by a script: how deep it is and when the outermost
/// script's time is up. Only this module creates it (clients cannot set extensions).
#[derive(Debug, Clone, Copy)]
struct Nested {
    depth: u32,
    deadline: Instant,
}

/// The caller a script runs for.
#[derive(Clone)]
pub struct Caller {
    principal: Principal,
    nested: Option<Nested>,
}

impl Caller {
    pub fn of(principal: &Principal, request: &ServiceRequest) -> Self {
        Self {
            principal: principal.clone(),
            nested: request.extensions().get::<Nested>().copied(),
        }
    }

    fn depth(&self) -> u32 {
        self.nested.map_or(0, |n| n.depth)
    }

    /// `platform.session`: who the caller is (no credentials: scripts have nothing to send
    /// them to).
    fn session(&self) -> Value {
        let principal = &self.principal;
        let user = principal.session.as_ref().map(|session| {
            let user = &session.user;
            json!({
                "id": user.id, "name": user.name, "display_name": user.name,
                "first_name": user.first_name, "last_name": user.last_name,
                "email": user.email, "is_sys_admin": user.is_sys_admin,
                "last_login_date": user.last_login_date,
            })
        });
        let app = principal
            .app
            .as_ref()
            .map(|app| json!({"id": app.id, "name": app.name}));
        let role = principal
            .role()
            .map(|role| json!({"id": role.row.id, "name": role.row.name}));
        json!({"user": user, "app": app, "role": role, "role_id": role.as_ref().map(|r| r["id"].clone())})
    }
}

/// `platform.config`: what DreamFactory's `config.df` tells scripts that is true here.
fn config() -> Value {
    json!({"df": {
        "version": env!("CARGO_PKG_VERSION"),
        "api_version": "2.0",
        "always_wrap_resources": true,
        "resources_wrapper": "resource",
    }})
}

/// Runs `script` for `caller` with `event`, answering its `platform.api` calls in process.
///
/// # Errors
///
/// The script threw or passed a limit ([`script_error`]).
pub async fn run_script(
    state: &web::Data<AppState>,
    caller: &Caller,
    script: &EventScript,
    event: Value,
) -> Result<Outcome, ApiError> {
    // `response` tells whether the script answered (or, after the handler, changed the
    // answer); `request` is read only where the script may change it.
    let read_back: &'static [&'static str] = if script.allow_event_modification {
        &["request", "response"]
    } else {
        &["response"]
    };
    run_source(
        state,
        caller,
        &script.name,
        &script.source,
        event,
        read_back,
    )
    .await
}

/// As [`run_script`], for a script given by its name and text, reading back the members
/// `read_back` of its event.
pub async fn run_source(
    state: &web::Data<AppState>,
    caller: &Caller,
    name: &str,
    source: &std::sync::Arc<str>,
    event: Value,
    read_back: &'static [&'static str],
) -> Result<Outcome, ApiError> {
    let limit = state.scripts.engine.settings().time_limit;
    let own = Instant::now() + limit;
    let deadline = caller.nested.map_or(own, |n| n.deadline.min(own));
    let mut platform = Map::new();
    platform.insert("config".into(), config());
    platform.insert("session".into(), caller.session());
    let job = Job {
        name: name.to_owned(),
        source: std::sync::Arc::clone(source),
        event,
        platform,
        deadline: Some(deadline),
        compile_only: false,
        read_back,
    };
    let host = InProcess {
        state: state.clone(),
        caller: caller.clone(),
        deadline,
    };
    state
        .scripts
        .engine
        .run(job, &host)
        .await
        .map_err(|error| script_error(name, error))
}

struct InProcess {
    state: web::Data<AppState>,
    caller: Caller,
    deadline: Instant,
}

impl Host for InProcess {
    fn call(&self, request: ApiRequest) -> Pin<Box<dyn Future<Output = ApiReply> + '_>> {
        Box::pin(self.answer(request))
    }
}

impl InProcess {
    async fn answer(&self, call: ApiRequest) -> ApiReply {
        let depth = self.caller.depth() + 1;
        if depth > self.state.scripts.max_call_depth {
            let error = ApiError::new(
                StatusCode::LOOP_DETECTED,
                format!(
                    "Scripts' platform.api calls nest deeper than {} (scripts.max_call_depth).",
                    self.state.scripts.max_call_depth
                ),
            );
            return reply_of_error(&error);
        }
        let request = self.request(&call, depth);
        let service = match internal_service(&self.state).await {
            Ok(service) => service,
            Err(error) => return reply_of_error(&error),
        };
        match service.call(request).await {
            Ok(response) => reply_of(response).await,
            Err(error) => {
                let response = error.error_response();
                ApiReply {
                    status_code: response.status().as_u16(),
                    headers: Map::new(),
                    content: Value::Null,
                }
            }
        }
    }

    fn request(&self, call: &ApiRequest, depth: u32) -> Request {
        // Parameters written in the path (`db/_table/todo?limit=1`) and in `options`.
        let (path, inline) = call.path.split_once('?').unwrap_or((&call.path, ""));
        let inline: Vec<(String, String)> = serde_urlencoded::from_str(inline).unwrap_or_default();
        let parameters: Vec<&(String, String)> = inline
            .iter()
            .chain(&call.parameters)
            .filter(|(k, _)| !CREDENTIAL_PARAMETERS.contains(&k.to_ascii_lowercase().as_str()))
            .collect();
        let query = serde_urlencoded::to_string(parameters).unwrap_or_default();
        let uri = match query.is_empty() {
            true => format!("/api/v2/{path}"),
            false => format!("/api/v2/{path}?{query}"),
        };
        let body = match &call.payload {
            Value::Null => Bytes::new(),
            payload => Bytes::from(payload.to_string()),
        };
        let mut request = Request::with_payload(payload_of(body.clone()));
        let head = request.head_mut();
        head.method = Method::from_bytes(call.method.as_bytes()).unwrap_or(Method::GET);
        head.uri = uri
            .parse()
            .unwrap_or_else(|_| "/api/v2".parse().expect("a valid URI"));
        for (name, value) in &call.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) else {
                continue;
            };
            if !CREDENTIAL_HEADERS.contains(&name.as_str()) && name != header::CONTENT_LENGTH {
                head.headers.insert(name, value);
            }
        }
        if !body.is_empty() {
            head.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            head.headers
                .insert(header::CONTENT_LENGTH, body.len().into());
        }
        let mut principal = self.caller.principal.clone();
        principal.rate_note = None;
        // Checked against the SCRIPT bit of the role's requestor_mask, as DreamFactory does.
        principal.requestor = Requestor::Script;
        request.extensions_mut().insert(principal);
        request.extensions_mut().insert(Nested {
            depth,
            deadline: self.deadline,
        });
        request
    }
}

fn reply_of_error(error: &ApiError) -> ApiReply {
    ApiReply {
        status_code: error.status.as_u16(),
        headers: Map::new(),
        content: error.body(),
    }
}

async fn reply_of(response: ServiceResponse<BoxBody>) -> ApiReply {
    let status_code = response.status().as_u16();
    let mut headers = Map::new();
    for (name, value) in response.headers() {
        if let Ok(text) = value.to_str() {
            headers.insert(name.as_str().to_owned(), json!(text));
        }
    }
    let is_json = content_type(response.headers()).is_some_and(|t| t.contains("json"));
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_default();
    let content = match serde_json::from_slice(&body) {
        Ok(json) if is_json || !body.is_empty() => json,
        _ if body.is_empty() => Value::Null,
        _ => json!(String::from_utf8_lossy(&body)),
    };
    ApiReply {
        status_code,
        headers,
        content,
    }
}

type InternalService = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

thread_local! {
    /// The gateway's app as a service on this worker thread, for this state.
    static INTERNAL: RefCell<Option<(usize, Rc<InternalService>)>> = const { RefCell::new(None) };
}

/// This worker's in-process instance of the app, built on first use.
async fn internal_service(state: &web::Data<AppState>) -> Result<Rc<InternalService>, ApiError> {
    let key = std::sync::Arc::as_ptr(&state.clone().into_inner()) as usize;
    let cached = INTERNAL.with(|cell| {
        cell.borrow()
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| Rc::clone(s))
    });
    if let Some(service) = cached {
        return Ok(service);
    }
    let factory = crate::startup::build_app(state.clone()).into_factory();
    let service = factory
        .new_service(AppConfig::default())
        .await
        .map_err(|()| ApiError::internal("the in-process API could not be built"))?;
    let service: Rc<InternalService> = Rc::new(boxed::service(
        service.map(ServiceResponse::map_into_boxed_body),
    ));
    INTERNAL.with(|cell| *cell.borrow_mut() = Some((key, Rc::clone(&service))));
    Ok(service)
}
