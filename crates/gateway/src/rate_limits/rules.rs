//! The active limits prepared for matching: built once from the `limits` rows whenever they
//! change, then matched against each limited request without touching the database.
//!
//! A limit applies to a request when every id its type names equals the request's (user,
//! role, service), its endpoint equals the request's canonical path (or prefixes it, for an
//! endpoint ending in `*`), and its verb, if it has one, is the request's. Two overrides
//! remove a limit that would otherwise apply:
//! - a verb-less limit gives way to its twin for the request's verb (same type, ids,
//!   endpoint and period, with that verb);
//! - an each-user limit gives way, for one user, to a limit of the matching one-user type for
//!   that user (same service, endpoint and period) that applies to the request.

use std::borrow::Cow;
use std::sync::Arc;

use sluice_system_db::LimitRow;

use super::kinds::{LimitType, Scope, limit_type, period_millis};

/// DreamFactory's verb bits: GET 1, POST 2, PUT 4, PATCH 8, DELETE 16; 0 for any other verb,
/// which no verb-specific limit matches.
pub fn verb_bit(verb: &str) -> u8 {
    match verb.to_ascii_uppercase().as_str() {
        "GET" => 1,
        "POST" => 2,
        "PUT" => 4,
        "PATCH" => 8,
        "DELETE" => 16,
        _ => 0,
    }
}

const ANY_VERB: u8 = 0xff;

/// A resource path as limits compare it: lower case, without empty segments, so
/// `_table/Todo/`, `/_table//todo` and `_table/todo` are one endpoint.
pub fn canonical_path(path: &str) -> String {
    let mut canonical = String::with_capacity(path.len());
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        if !canonical.is_empty() {
            canonical.push('/');
        }
        // ASCII, nearly every path, lower-cased a byte at a time: char by char it cost each
        // limited request about 1,500 instructions (docs/PERFORMANCE.md).
        if segment.is_ascii() {
            let start = canonical.len();
            canonical.push_str(segment);
            canonical[start..].make_ascii_lowercase();
        } else {
            canonical.extend(segment.chars().flat_map(char::to_lowercase));
        }
    }
    canonical
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Endpoint {
    Exact(String),
    /// An endpoint ending in `*`: every path that starts with what comes before it.
    Prefix(String),
}

impl Endpoint {
    fn parse(endpoint: &str) -> Self {
        match endpoint.strip_suffix('*') {
            Some(prefix) => {
                let mut canonical = canonical_path(prefix);
                // `_table/*` covers the tables, not `_tablex`.
                if prefix.ends_with('/') && !canonical.is_empty() {
                    canonical.push('/');
                }
                Endpoint::Prefix(canonical)
            }
            None => Endpoint::Exact(canonical_path(endpoint)),
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Endpoint::Exact(endpoint) => endpoint == path,
            Endpoint::Prefix(prefix) => path.starts_with(prefix.as_str()),
        }
    }
}

/// One active limit, ready to match.
#[derive(Debug)]
pub struct PreparedLimit {
    /// The stored limit (the 429 body shows it).
    pub row: Arc<LimitRow>,
    pub rate: i64,
    pub period_ms: i64,
    scope: Scope,
    user_id: Option<i64>,
    role_id: Option<i64>,
    service_id: Option<i64>,
    endpoint: Option<Endpoint>,
    verb: u8,
    /// Verb bits whose verb-specific twin overrides this verb-less limit.
    overridden_verbs: u8,
    /// For an each-user limit: the users with a limit of their own that takes its place, and
    /// the verbs that limit applies to.
    user_overrides: Vec<(i64, u8)>,
}

impl PreparedLimit {
    /// The counter key: `key_text`, with the user's id after `each_user:` for an each-user
    /// limit (as DreamFactory names its cache entries).
    pub fn counter_key(&self, user_id: Option<i64>) -> Cow<'_, str> {
        match (self.scope, user_id) {
            (Scope::EachUser, Some(user)) => Cow::Owned(self.row.limit.key_text.replacen(
                "each_user:",
                &format!("each_user:{user}"),
                1,
            )),
            _ => Cow::Borrowed(&self.row.limit.key_text),
        }
    }

    pub fn is_each_user(&self) -> bool {
        self.scope == Scope::EachUser
    }

    fn matches(&self, request: &RequestFacts<'_>) -> bool {
        let user_matches = match self.scope {
            Scope::Nobody => true,
            Scope::OneUser => request.user_id.is_some() && request.user_id == self.user_id,
            Scope::EachUser => request.user_id.is_some(),
        };
        user_matches
            && (self.role_id.is_none() || self.role_id == request.role_id)
            && (self.service_id.is_none() || self.service_id == Some(request.service_id))
            && self
                .endpoint
                .as_ref()
                .is_none_or(|endpoint| endpoint.matches(request.path))
            && (self.verb == 0 || self.verb & request.verb != 0)
    }

    fn overridden(&self, request: &RequestFacts<'_>) -> bool {
        if self.overridden_verbs & request.verb != 0 {
            return true;
        }
        request.user_id.is_some_and(|user| {
            self.user_overrides
                .iter()
                .any(|(id, verbs)| *id == user && verbs & request.verb != 0)
        })
    }
}

/// What a limit is matched on, from an authorised request.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    pub user_id: Option<i64>,
    pub role_id: Option<i64>,
    pub service_id: i64,
    /// The resource path within the service, from [`canonical_path`].
    pub path: &'a str,
    /// From [`verb_bit`].
    pub verb: u8,
}

/// The active limits of this node.
#[derive(Debug, Default)]
pub struct LimitSet {
    limits: Vec<PreparedLimit>,
}

impl LimitSet {
    /// Prepares the active limits among `rows`; rows with an unknown type or period (which
    /// the API never writes) are left out.
    pub fn build(rows: Vec<LimitRow>) -> Self {
        let rows: Vec<(Arc<LimitRow>, &'static LimitType)> = rows
            .into_iter()
            .filter(|row| row.limit.is_active)
            .filter_map(|row| {
                let kind = limit_type(&row.limit.kind)?;
                period_millis(row.limit.period)?;
                Some((Arc::new(row), kind))
            })
            .collect();
        let limits = rows
            .iter()
            .map(|(row, kind)| prepare(row, kind, &rows))
            .collect();
        Self { limits }
    }

    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }

    /// The limits that apply to `request`, overrides taken into account.
    pub fn applicable<'s>(&'s self, request: &RequestFacts<'_>) -> Vec<&'s PreparedLimit> {
        self.limits
            .iter()
            .filter(|limit| limit.matches(request) && !limit.overridden(request))
            .collect()
    }
}

fn prepare(
    row: &Arc<LimitRow>,
    kind: &LimitType,
    all: &[(Arc<LimitRow>, &'static LimitType)],
) -> PreparedLimit {
    let limit = &row.limit;
    let verb = limit.verb.as_deref().map_or(0, verb_bit);
    let same_place = |other: &LimitRow| {
        other.limit.service_id == limit.service_id
            && other.limit.endpoint == limit.endpoint
            && other.limit.period == limit.period
    };
    let overridden_verbs = if verb == 0 {
        all.iter()
            .filter(|(other, other_kind)| {
                other_kind.name == kind.name
                    && same_place(other)
                    && other.limit.user_id == limit.user_id
                    && other.limit.role_id == limit.role_id
            })
            .filter_map(|(other, _)| other.limit.verb.as_deref().map(verb_bit))
            .fold(0, |bits, bit| bits | bit)
    } else {
        0
    };
    let user_overrides = if kind.user == Scope::EachUser {
        all.iter()
            .filter(|(other, other_kind)| {
                other_kind.user == Scope::OneUser
                    && other_kind.service == kind.service
                    && other_kind.endpoint == kind.endpoint
                    && same_place(other)
            })
            .filter_map(|(other, _)| {
                let verbs = other.limit.verb.as_deref().map_or(ANY_VERB, verb_bit);
                Some((other.limit.user_id?, verbs))
            })
            .collect()
    } else {
        Vec::new()
    };
    PreparedLimit {
        rate: limit.rate,
        period_ms: period_millis(limit.period).unwrap_or(60_000),
        scope: kind.user,
        user_id: limit.user_id.filter(|_| kind.user == Scope::OneUser),
        role_id: limit.role_id.filter(|_| kind.role),
        service_id: limit.service_id.filter(|_| kind.service),
        endpoint: limit
            .endpoint
            .as_deref()
            .filter(|_| kind.endpoint)
            .map(Endpoint::parse),
        verb,
        overridden_verbs,
        user_overrides,
        row: Arc::clone(row),
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
