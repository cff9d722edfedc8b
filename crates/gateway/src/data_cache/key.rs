//! The key of a cached read: one `String` per request, built without intermediate values.
//!
//! It holds, in a fixed order:
//! - the service id and its stamp (a new stamp after every invalidation);
//! - who asks, as far as it changes the answer: the role (its row filter, hidden fields and
//!   access to related tables belong to it), or `admin` for an unrestricted administrator;
//!   and, when a filter may use lookups (`{user.id}`, the lookup table, ...), the app, the
//!   user and a digest of the session and the user's fields that lookups read, so one user
//!   never gets another's rows;
//! - the table and the id of a by-id read, as sent;
//! - every read option under one fixed name (aliases are already folded: `select` is
//!   `fields`, `where` is `filter`), `fields=*`, blank `filter` and blank `related` dropped
//!   as the request parser drops them, flags only when true, per-relationship options with
//!   lower-cased names (`A.FIELDS` is `a_fields`) and `params` sorted.
//!
//! Values are written with their length in front, so no value can pass for a separator and
//! two different requests never share a key. `refresh` is not part of it: it only says to
//! skip the lookup.

use std::fmt::Write;
use std::hash::{DefaultHasher, Hash, Hasher};

use sluice_connector_core::ReadRequest;

use crate::auth::Principal;
use crate::auth::principal::Authority;

/// Who asks, as far as it changes the answer (see the module documentation).
pub(super) fn write_identity(key: &mut String, principal: &Principal, lookups_in_play: bool) {
    match &principal.authority {
        Authority::Unrestricted => key.push_str("admin"),
        Authority::Role(role) => {
            let _ = write!(key, "role{}", role.row.id);
        }
        Authority::NoRole => key.push_str("none"),
    }
    if !lookups_in_play {
        return;
    }
    let _ = write!(
        key,
        "/app{}/user{}/{:016x}",
        principal.app_id().unwrap_or(0),
        principal.user_id().unwrap_or(0),
        session_digest(principal)
    );
}

/// What lookups read besides the role, app and user ids: the session token
/// (`{session.token}`) and the user's fields (`{user.email}`, ...). A change to a user
/// reaches the session's user row, hence the key, without dropping anyone else's reads.
fn session_digest(principal: &Principal) -> u64 {
    let mut hasher = DefaultHasher::new();
    if let Some(session) = &principal.session {
        let user = &session.user;
        session.token.hash(&mut hasher);
        (
            &user.name,
            &user.username,
            &user.first_name,
            &user.last_name,
        )
            .hash(&mut hasher);
        (&user.email, user.is_sys_admin, &user.last_login_date).hash(&mut hasher);
        user.ldap_username.hash(&mut hasher);
    }
    hasher.finish()
}

/// One option: `;name=<length>:value`.
fn option(key: &mut String, name: &str, value: &str) {
    let _ = write!(key, ";{name}={}:{value}", value.len());
}

/// Appends the table, the id and every read option (see the module documentation).
pub(super) fn write_request(key: &mut String, table: &str, id: Option<&str>, read: &ReadRequest) {
    option(key, "table", table);
    if let Some(id) = id {
        option(key, "id", id);
    }
    let texts = [
        ("fields", &read.fields),
        ("filter", &read.filter),
        ("limit", &read.limit),
        ("offset", &read.offset),
        ("order", &read.order),
        ("group", &read.group),
        ("ids", &read.ids),
        ("id_field", &read.id_field),
        ("related", &read.related),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            option(key, name, value);
        }
    }
    let flags = [
        ("include_count", read.include_count),
        ("count_only", read.count_only),
        ("include_schema", read.include_schema),
        ("as_list", read.as_list),
        ("continue", read.continue_on_error),
    ];
    for (name, on) in flags {
        if on {
            key.push(';');
            key.push_str(name);
        }
    }
    if !read.related_options.is_empty() {
        // Every entry is kept (two spellings of one option stay two entries), only sorted.
        let mut related: Vec<(String, &str)> = read
            .related_options
            .iter()
            .map(|(name, value)| (related_option_name(name), value.as_str()))
            .collect();
        related.sort_unstable();
        for (name, value) in related {
            option(key, "rel", &name);
            option(key, "rel_value", value);
        }
    }
    if !read.params.is_empty() {
        let mut params: Vec<_> = read.params.iter().collect();
        params.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (name, value) in params {
            option(key, "param", name);
            option(key, "param_value", &value.to_string());
        }
    }
}

/// `A.FIELDS` as `a_fields`: names are matched without case, and `{rel}.fields` is another
/// spelling of `{rel}_fields`. Only that last dot goes: `a.b_fields` (a path) and `a_b_fields`
/// (one relationship) stay apart.
fn related_option_name(name: &str) -> String {
    let mut name = name.to_ascii_lowercase();
    for suffix in [".fields", ".limit", ".order"] {
        if name.ends_with(suffix) {
            let dot = name.len() - suffix.len();
            name.replace_range(dot..=dot, "_");
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::params::Params;

    fn key_of(query: &str, id: Option<&str>) -> String {
        let read = Params::from_query(query).unwrap().read_request();
        let mut key = String::new();
        write_request(&mut key, "contact", id, &read);
        key
    }

    #[test]
    fn aliases_order_and_refresh_do_not_change_the_key() {
        let plain = key_of(
            "fields=id,name&filter=a%3D1&limit=5&include_count=true",
            None,
        );
        for same in [
            "limit=5&select=id,name&where=a%3D1&include_count=1",
            "include_count=yes&top=5&fields=id,name&filter=a%3D1&refresh=true",
            "fields=id,name&filter=a%3D1&limit=5&include_count=true&as_list=false",
        ] {
            assert_eq!(key_of(same, None), plain, "{same}");
        }
        assert_eq!(key_of("fields=*", None), key_of("", None));
        assert_eq!(key_of("filter=%20", None), key_of("", None));
    }

    #[test]
    fn what_changes_the_answer_changes_the_key() {
        let base = key_of("fields=id", None);
        for other in [
            "fields=",
            "fields=id&limit=1",
            "fields=id&count_only=true",
            "fields=ID",
        ] {
            assert_ne!(key_of(other, None), base, "{other}");
        }
        assert_ne!(key_of("fields=id", Some("1")), base);
        assert_ne!(key_of("", Some("1")), key_of("", Some("2")));
    }

    #[test]
    fn a_value_cannot_pass_for_another_option() {
        assert_ne!(
            key_of("filter=a%3D1%3Blimit%3D1:x", None),
            key_of("filter=a%3D1&limit=1", None)
        );
    }

    #[test]
    fn only_the_option_dot_of_a_related_option_is_folded() {
        assert_eq!(related_option_name("A.B.FIELDS"), "a.b_fields");
        assert_eq!(related_option_name("a.b_fields"), "a.b_fields");
        assert_ne!(
            related_option_name("a.b_fields"),
            related_option_name("a_b_fields")
        );
    }

    #[test]
    fn related_options_and_params_are_sorted() {
        let request = |options: [(&str, &str); 2], params: [(&str, Value); 2]| ReadRequest {
            related: Some("a,b".into()),
            related_options: options
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            params: params
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
            ..ReadRequest::default()
        };
        let one = request(
            [("A.FIELDS", "x"), ("b_limit", "2")],
            [(":n", json!("Bob")), (":m", json!(1))],
        );
        let two = request(
            [("b_limit", "2"), ("a_fields", "x")],
            [(":m", json!(1)), (":n", json!("Bob"))],
        );
        let (mut first, mut second) = (String::new(), String::new());
        write_request(&mut first, "t", None, &one);
        write_request(&mut second, "t", None, &two);
        assert_eq!(first, second);
    }
}
