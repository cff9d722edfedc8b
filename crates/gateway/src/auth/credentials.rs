//! Where DreamFactory clients put their credentials.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};

pub const API_KEY_HEADER: &str = "x-dreamfactory-api-key";
pub const SESSION_TOKEN_HEADER: &str = "x-dreamfactory-session-token";
static API_KEY_NAME: HeaderName = HeaderName::from_static(API_KEY_HEADER);
static SESSION_TOKEN_NAME: HeaderName = HeaderName::from_static(SESSION_TOKEN_HEADER);

#[derive(Debug, Default, Clone)]
pub struct Credentials {
    pub session_token: Option<String>,
    pub api_key: Option<String>,
}

/// JWT: `Authorization: Bearer` > `X-DreamFactory-Session-Token` > `session_token` query.
/// API key: `api_key` query > `X-DreamFactory-Api-Key` (header names are case-insensitive).
pub fn read_credentials(request: &HttpRequest) -> Credentials {
    let header_value = |name: &HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let query = credential_pairs(request.query_string());
    let query_value = |name: &str| {
        query
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let bearer = header_value(&header::AUTHORIZATION).and_then(|value| {
        let token = value.strip_prefix("Bearer ")?.trim();
        (!token.is_empty()).then(|| token.to_string())
    });
    Credentials {
        session_token: bearer
            .or_else(|| header_value(&SESSION_TOKEN_NAME))
            .or_else(|| query_value("session_token")),
        api_key: query_value("api_key").or_else(|| header_value(&API_KEY_NAME)),
    }
}

/// The query's pairs when it may hold credentials. Most queries cannot (no parameter named
/// so, and no percent-encoding that could spell one), and are not decoded here at all.
fn credential_pairs(query: &str) -> Vec<(String, String)> {
    let may_hold_credentials =
        query.contains("api_key") || query.contains("session_token") || query.contains('%');
    if !may_hold_credentials {
        return Vec::new();
    }
    serde_urlencoded::from_str(query).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn bearer_wins_over_the_session_header_and_query() {
        let request = TestRequest::default()
            .uri("/x?session_token=q")
            .insert_header(("Authorization", "Bearer b"))
            .insert_header(("X-DreamFactory-Session-Token", "h"))
            .to_http_request();
        assert_eq!(
            read_credentials(&request).session_token.as_deref(),
            Some("b")
        );
    }

    #[test]
    fn api_key_header_is_read_in_any_case() {
        let request = TestRequest::default()
            .insert_header(("x-dreamfactory-API-KEY", "k"))
            .to_http_request();
        let credentials = read_credentials(&request);
        assert_eq!(credentials.api_key.as_deref(), Some("k"));
        assert_eq!(credentials.session_token, None);
    }

    #[test]
    fn percent_encoded_parameter_names_are_read() {
        let request = TestRequest::default()
            .uri("/x?limit=1&api%5Fkey=k")
            .to_http_request();
        assert_eq!(read_credentials(&request).api_key.as_deref(), Some("k"));
    }

    #[test]
    fn query_parameters_are_read() {
        let request = TestRequest::default()
            .uri("/x?api_key=k&session_token=t")
            .to_http_request();
        let credentials = read_credentials(&request);
        assert_eq!(credentials.api_key.as_deref(), Some("k"));
        assert_eq!(credentials.session_token.as_deref(), Some("t"));
    }
}
