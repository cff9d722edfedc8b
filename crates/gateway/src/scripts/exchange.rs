//! DreamFactory's `event` object (wire reference 12.2) built from a request and its
//! response, and the changes a script made to it read back: what a script may change and
//! what it may not (the caller's identity: credentials are neither shown nor taken back).

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use bytes::Bytes;
use serde_json::{Map, Value, json};

/// Request headers a script never sees: the caller's session credentials. The API key is
/// shown (DreamFactory's examples read it); changing it changes nothing.
const HIDDEN_HEADERS: &[&str] = &["authorization", "cookie", "x-dreamfactory-session-token"];

/// The request as scripts see it.
pub struct RequestView {
    pub method: Method,
    pub parameters: Map<String, Value>,
    pub headers: Map<String, Value>,
    /// The body's JSON, or `null`.
    pub payload: Value,
    pub content: Option<String>,
    pub content_type: Option<String>,
    pub uri: String,
    pub service: String,
    pub resource: String,
}

impl RequestView {
    pub fn to_json(&self) -> Value {
        json!({
            "api_version": "2.0",
            "method": self.method.as_str(),
            "parameters": self.parameters,
            "headers": self.headers,
            "payload": self.payload,
            "content": self.content,
            "content_type": self.content_type,
            "uri": self.uri,
            "service": self.service,
            "resource": self.resource,
        })
    }

    /// Takes the method, parameters, headers and payload a script left in `request`
    /// (`event.request`), each only when it is of the right shape.
    pub fn take_changes(&mut self, request: &Value) {
        if let Some(method) = request["method"].as_str().and_then(known_method) {
            self.method = method;
        }
        if let Some(parameters) = request["parameters"].as_object() {
            self.parameters = parameters.clone();
        }
        if let Some(headers) = request["headers"].as_object() {
            self.headers = headers.clone();
        }
        if let Some(payload) = request.get("payload") {
            self.payload = payload.clone();
        }
    }

    /// The query string of the parameters.
    pub fn query_string(&self) -> String {
        let pairs: Vec<(&str, String)> = self
            .parameters
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.as_str(), plain(v)))
            .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The headers to send on: the script's view, with the caller's hidden credentials
    /// from `original` (never the script's).
    pub fn header_map(&self, original: &HeaderMap) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(plain(value)),
            ) else {
                continue;
            };
            if HIDDEN_HEADERS.contains(&name.as_str()) || name == header::CONTENT_LENGTH {
                continue;
            }
            headers.append(name, value);
        }
        for hidden in HIDDEN_HEADERS {
            for value in original.get_all(*hidden) {
                headers.append(HeaderName::from_static(hidden), value.clone());
            }
        }
        headers
    }
}

pub fn known_method(method: &str) -> Option<Method> {
    match method.to_ascii_uppercase().as_str() {
        "GET" => Some(Method::GET),
        "POST" => Some(Method::POST),
        "PUT" => Some(Method::PUT),
        "PATCH" => Some(Method::PATCH),
        "DELETE" => Some(Method::DELETE),
        _ => None,
    }
}

/// A JSON value as a parameter or header: strings as they are, others as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The request's headers for a script: lower-case names, credentials left out.
pub fn visible_headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in headers {
        if HIDDEN_HEADERS.contains(&name.as_str()) {
            continue;
        }
        if let Ok(text) = value.to_str() {
            map.insert(name.as_str().to_owned(), json!(text));
        }
    }
    map
}

/// A query string as DreamFactory's `parameters`: the last value of a repeated name wins.
pub fn parameters(query: &str) -> Map<String, Value> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.into_iter().map(|(k, v)| (k, json!(v))).collect()
}

/// A body as the script sees it: its JSON (or `null`) and its text.
pub fn body_view(body: &Bytes) -> (Value, Option<String>) {
    if body.is_empty() {
        return (Value::Null, None);
    }
    let text = String::from_utf8_lossy(body).into_owned();
    (
        serde_json::from_slice(body).unwrap_or(Value::Null),
        Some(text),
    )
}

/// A response as scripts see it (`event.response`).
pub struct ResponseView {
    pub status: StatusCode,
    pub content_type: Option<String>,
    /// JSON when the body is JSON, otherwise its text.
    pub content: Value,
    /// Headers a script added (the handler's own stay as they are).
    pub headers: Map<String, Value>,
}

impl ResponseView {
    pub fn new(status: StatusCode, content_type: Option<String>, body: &Bytes) -> Self {
        let content = match serde_json::from_slice(body) {
            Ok(json) => json,
            Err(_) if body.is_empty() => Value::Null,
            Err(_) => json!(String::from_utf8_lossy(body)),
        };
        Self {
            status,
            content_type,
            content,
            headers: Map::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "status_code": self.status.as_u16(),
            "content_type": self.content_type,
            "content": self.content,
            "format": null,
            "headers": self.headers,
        })
    }

    /// A response a script wrote (`event.response` set in `pre_process`, or a scripted
    /// service's answer): `status_code` (200 when absent), `content`, `headers`.
    pub fn from_script(response: &Value) -> Self {
        let status = response["status_code"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        Self {
            status,
            content_type: response["content_type"].as_str().map(str::to_owned),
            content: response.get("content").cloned().unwrap_or(Value::Null),
            headers: response["headers"].as_object().cloned().unwrap_or_default(),
        }
    }

    /// Takes the status, content and headers a script left in `response`.
    pub fn take_changes(&mut self, response: &Value) {
        let changed = Self::from_script(response);
        if response.get("status_code").is_some() {
            self.status = changed.status;
        }
        if let Some(content) = response.get("content") {
            self.content = content.clone();
        }
        if changed.content_type.is_some() {
            self.content_type = changed.content_type;
        }
        self.headers = changed.headers;
    }

    /// The HTTP response: JSON content as JSON, a string as text (or as the content type the
    /// script named); a string with an error status as DreamFactory's error envelope.
    pub fn to_response(&self) -> actix_web::HttpResponse {
        let mut response = actix_web::HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(plain(value)),
            ) {
                response.insert_header((name, value));
            }
        }
        match &self.content {
            // An error with a message: DreamFactory's envelope, with the script's message.
            Value::String(text) if self.status.as_u16() >= 400 => {
                response.json(crate::error::ApiError::new(self.status, text.clone()).body())
            }
            Value::String(text) => {
                let content_type = self.content_type.as_deref().unwrap_or("text/plain");
                response.content_type(content_type).body(text.clone())
            }
            Value::Null if self.status == StatusCode::NO_CONTENT => response.finish(),
            json => response.json(json),
        }
    }
}
