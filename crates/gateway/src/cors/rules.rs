//! The enabled CORS rules of the `cors` table, compiled once per change into what the
//! middleware compares and the header values it sends.

use std::str::FromStr;

use actix_web::http::header::{HeaderMap, HeaderValue};
use sluice_rbac::{Verb, VerbMask};
use sluice_system_db::CorsRow;

/// An origin as browsers send it: scheme, host and port, compared exactly. A missing port is
/// the scheme's default, so `https://a.example` and `https://a.example:443` are one origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

/// Reads `scheme://host[:port]`; anything else (`null`, a path, user info, a wildcard in the
/// host) is not an origin.
pub fn parse_origin(text: &str) -> Option<Origin> {
    let (scheme, rest) = text.split_once("://")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() {
        return None;
    }
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (address, after) = v6.split_once(']')?;
            let valid = !address.is_empty()
                && address
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'));
            valid.then_some(())?;
            (format!("[{address}]"), after)
        }
        None => {
            let end = rest.find(':').unwrap_or(rest.len());
            let host = &rest[..end];
            let valid = !host.is_empty()
                && !host.starts_with(['.', '-'])
                && !host.ends_with(['.', '-'])
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
            valid.then_some(())?;
            (host.to_string(), &rest[end..])
        }
    };
    let port = match port {
        "" => None,
        digits => {
            let digits = digits.strip_prefix(':')?;
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse::<u16>().ok()?)
        }
    };
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    Some(Origin {
        port: port.filter(|port| Some(*port) != default_port),
        host: host.to_ascii_lowercase(),
        scheme,
    })
}

/// The entries of a comma list, trimmed, empty ones dropped.
pub fn list_entries(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|e| !e.is_empty())
}

/// Which origins a rule admits.
#[derive(Debug)]
enum AllowedOrigins {
    Any,
    Listed(Vec<Origin>),
}

/// One enabled rule, ready to answer with.
#[derive(Debug)]
pub struct CorsRule {
    /// The path pattern without its leading and trailing `/`.
    path: String,
    origins: AllowedOrigins,
    methods: VerbMask,
    allow_methods: Option<HeaderValue>,
    allow_headers: Option<HeaderValue>,
    any_header: bool,
    expose_headers: Option<HeaderValue>,
    max_age: HeaderValue,
    credentials: bool,
}

/// What a rule says about a request's origin: the value of `Access-Control-Allow-Origin`.
pub struct AllowedOrigin(HeaderValue);

impl CorsRule {
    fn compile(row: &CorsRow) -> Self {
        let mut origins = Vec::new();
        let mut any = false;
        for entry in list_entries(&row.origin) {
            if entry == "*" {
                any = true;
            } else if let Some(origin) = parse_origin(entry) {
                origins.push(origin);
            }
        }
        let methods = VerbMask::try_from(row.method).unwrap_or(VerbMask::NONE);
        let allow_methods = methods
            .verbs()
            .map(Verb::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let header_list = |list: Option<&str>| {
            let joined = list_entries(list.unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", ");
            HeaderValue::from_str(&joined)
                .ok()
                .filter(|value| !value.is_empty())
        };
        let allow_headers = header_list(row.header.as_deref());
        CorsRule {
            path: row.path.trim_matches('/').to_string(),
            origins: if any {
                AllowedOrigins::Any
            } else {
                AllowedOrigins::Listed(origins)
            },
            methods,
            allow_methods: HeaderValue::from_str(&allow_methods)
                .ok()
                .filter(|value| !value.is_empty()),
            any_header: allow_headers.as_ref().is_some_and(|value| value == "*"),
            allow_headers,
            expose_headers: header_list(row.exposed_header.as_deref()),
            max_age: HeaderValue::from(row.max_age.max(0)),
            credentials: row.supports_credentials,
        }
    }

    /// `Access-Control-Allow-Origin` for this request origin, or `None` when the rule does
    /// not admit it. With credentials the exact origin is sent, never `*`.
    pub fn allows(&self, origin: &HeaderValue) -> Option<AllowedOrigin> {
        let text = origin.to_str().ok()?;
        let parsed = parse_origin(text)?;
        match &self.origins {
            AllowedOrigins::Any if !self.credentials => {
                Some(AllowedOrigin(HeaderValue::from_static("*")))
            }
            AllowedOrigins::Any => Some(AllowedOrigin(origin.clone())),
            AllowedOrigins::Listed(listed) => listed
                .contains(&parsed)
                .then(|| AllowedOrigin(origin.clone())),
        }
    }

    /// The headers of a preflight answer, or `None` when the requested method is not one of
    /// the rule's.
    pub fn preflight(
        &self,
        allowed: AllowedOrigin,
        request: &HeaderMap,
    ) -> Option<Vec<(&'static str, HeaderValue)>> {
        let requested = request
            .get("access-control-request-method")?
            .to_str()
            .ok()?;
        let verb = match Verb::from_str(requested).ok()? {
            Verb::Head => Verb::Get,
            verb => verb,
        };
        if !self.methods.contains(verb) {
            return None;
        }
        let mut headers = vec![("access-control-allow-origin", allowed.0)];
        if let Some(methods) = &self.allow_methods {
            headers.push(("access-control-allow-methods", methods.clone()));
        }
        // Browsers take `*` literally when credentials are sent: name the requested headers.
        let allow_headers = if self.any_header && self.credentials {
            request.get("access-control-request-headers").cloned()
        } else {
            self.allow_headers.clone()
        };
        if let Some(allow_headers) = allow_headers {
            headers.push(("access-control-allow-headers", allow_headers));
        }
        headers.push(("access-control-max-age", self.max_age.clone()));
        if self.credentials {
            headers.push((
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            ));
        }
        Some(headers)
    }

    /// Adds the headers of an allowed actual request to its response.
    pub fn decorate(&self, allowed: AllowedOrigin, response: &mut HeaderMap) {
        use actix_web::http::header::{
            ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_EXPOSE_HEADERS,
        };
        response.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allowed.0);
        if self.credentials {
            response.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if let Some(exposed) = &self.expose_headers {
            response.insert(ACCESS_CONTROL_EXPOSE_HEADERS, exposed.clone());
        }
    }
}

/// Every enabled rule, longest path first: as in DreamFactory, the longest path that matches
/// a request decides alone, even when a shorter one would admit its origin.
#[derive(Debug, Default)]
pub struct CorsRules {
    rules: Vec<CorsRule>,
}

impl CorsRules {
    pub fn compile(rows: &[CorsRow]) -> Self {
        let mut rules: Vec<CorsRule> = rows
            .iter()
            .filter(|row| row.enabled)
            .map(CorsRule::compile)
            .collect();
        rules.sort_by_key(|rule| std::cmp::Reverse(rule.path.len()));
        CorsRules { rules }
    }

    /// The rule for a request path (`/api/v2/db/_table/x`).
    pub fn for_path(&self, path: &str) -> Option<&CorsRule> {
        if self.rules.is_empty() {
            return None;
        }
        let path = path.trim_matches('/');
        let collapsed;
        let path = if path.contains("//") {
            collapsed = path
                .split('/')
                .filter(|segment| !segment.is_empty())
                .collect::<Vec<_>>()
                .join("/");
            collapsed.as_str()
        } else {
            path
        };
        self.rules
            .iter()
            .find(|rule| glob_matches(rule.path.as_bytes(), path.as_bytes()))
    }
}

/// Laravel's `Str::is`, which DreamFactory matches rule paths with: `*` stands for any run of
/// characters (`/` included), everything else matches itself.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let rule = parse_origin("https://trusted.example").unwrap();
        assert_eq!(
            parse_origin("HTTPS://Trusted.Example:443"),
            Some(rule.clone())
        );
        for other in [
            "http://trusted.example",
            "https://trusted.example:8443",
            "https://trusted.example.evil.com",
            "https://eviltrusted.example",
        ] {
            assert_ne!(parse_origin(other), Some(rule.clone()), "{other}");
        }
        for invalid in [
            "null",
            "",
            "https://",
            "https://a.example/",
            "https://user@a.example",
            "https://*.a.example",
            "https://a.example:",
            "https://a.example:99999",
            "trusted.example",
        ] {
            assert_eq!(parse_origin(invalid), None, "{invalid}");
        }
        assert!(parse_origin("http://[::1]:8080").is_some());
    }

    #[test]
    fn paths_match_as_laravel_globs() {
        assert!(glob_matches(b"*", b"api/v2/system"));
        assert!(glob_matches(b"api/v2/*", b"api/v2/db/_table/x"));
        assert!(glob_matches(b"api/v2/db", b"api/v2/db"));
        assert!(!glob_matches(b"api/v2/db", b"api/v2/db/_table"));
        assert!(glob_matches(b"api/*/db*", b"api/v2/db2"));
        assert!(!glob_matches(b"api/v2/*", b"docs"));
    }
}
