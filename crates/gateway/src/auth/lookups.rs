//! Lookup values for filters: `{user.id}`, `{role.name}`, `{app.id}`,
//! the system, app, role and user lookup rows, and DreamFactory's modifiers
//! (`{strtoupper(user.name)}`). Values are handed to the connector, which binds them as
//! parameters: they are never pasted into filter text.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use sluice_connector_core::{LookupSource, LookupValue};

use super::directory::LookupTable;
use super::principal::Principal;

/// The lookups of one request, resolved lazily: building one costs a few reference counts.
pub struct SessionLookups {
    principal: Principal,
    table: Arc<LookupTable>,
}

impl SessionLookups {
    pub fn new(principal: Principal, table: Arc<LookupTable>) -> Self {
        Self { principal, table }
    }

    fn builtin(&self, name: &str) -> Option<Value> {
        let principal = &self.principal;
        let (scope, field) = name.split_once('.')?;
        match scope {
            "user" => {
                let user = &principal.session.as_ref()?.user;
                Some(match field {
                    "id" => json!(user.id),
                    "name" | "display_name" => json!(user.name),
                    "username" => json!(user.username.as_deref().unwrap_or(&user.email)),
                    "first_name" => json!(user.first_name),
                    "last_name" => json!(user.last_name),
                    "email" => json!(user.email),
                    "is_sys_admin" => json!(user.is_sys_admin),
                    "last_login_date" => json!(user.last_login_date),
                    "ldap_username" => json!(user.ldap_username),
                    _ => return None,
                })
            }
            "session" => match field {
                "id" | "token" => Some(json!(principal.session.as_ref()?.token)),
                _ => None,
            },
            "role" => {
                let role = principal.role()?;
                match field {
                    "id" => Some(json!(role.row.id)),
                    "name" => Some(json!(role.row.name)),
                    _ => None,
                }
            }
            "app" => {
                let app = principal.app.as_ref()?;
                match field {
                    "id" => Some(json!(app.id)),
                    "api_key" => Some(json!(app.api_key)),
                    _ => None,
                }
            }
            "df" => match field {
                "name" => Some(json!("Sluice")),
                "version" => Some(json!(env!("CARGO_PKG_VERSION"))),
                "api_version" => Some(json!("2.0")),
                _ => None,
            },
            _ => None,
        }
    }

    fn plain(&self, name: &str) -> Option<LookupValue> {
        if let Some(value) = self.builtin(name) {
            return Some(LookupValue {
                value,
                private: false,
            });
        }
        let role_id = self.principal.role().map(|role| role.row.id);
        let row = self.table.find(
            name,
            self.principal.user_id(),
            role_id,
            self.principal.app_id(),
        )?;
        Some(LookupValue {
            value: row.value.as_ref().map_or(Value::Null, |v| json!(v)),
            private: row.private,
        })
    }
}

impl LookupSource for SessionLookups {
    fn lookup(&self, name: &str) -> Option<LookupValue> {
        let Some((modifier, inner)) = split_modifier(name) else {
            return self.plain(name);
        };
        let mut value = self.lookup(inner)?;
        let text = match &value.value {
            Value::Null => return Some(value),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        value.value = Value::String(apply_modifier(modifier, &text)?);
        Some(value)
    }
}

/// `strtoupper(user.name)` -> `("strtoupper", "user.name")`; modifiers nest.
fn split_modifier(name: &str) -> Option<(&str, &str)> {
    let (modifier, rest) = name.split_once('(')?;
    let inner = rest.strip_suffix(')')?;
    Some((modifier, inner))
}

/// DreamFactory's default `DF_LOOKUP_MODIFIERS`, with PHP's meaning. `None` for an unknown
/// modifier (or undecodable base64), which makes the lookup unknown.
fn apply_modifier(modifier: &str, text: &str) -> Option<String> {
    Some(match modifier {
        "strtoupper" => text.to_uppercase(),
        "strtolower" => text.to_lowercase(),
        "ucfirst" => map_first(text, char::to_uppercase),
        "lcfirst" => map_first(text, char::to_lowercase),
        "ucwords" => text
            .split(' ')
            .map(|word| map_first(word, char::to_uppercase))
            .collect::<Vec<_>>()
            .join(" "),
        "trim" => text.trim().to_string(),
        "urlencode" => percent_encode(text, true),
        "rawurlencode" => percent_encode(text, false),
        "urldecode" => percent_decode(&text.replace('+', " "))?,
        "rawurldecode" => percent_decode(text)?,
        "base64_encode" => BASE64.encode(text),
        "base64_decode" => String::from_utf8(BASE64.decode(text).ok()?).ok()?,
        _ => return None,
    })
}

fn map_first<I: Iterator<Item = char>>(text: &str, map: impl Fn(char) -> I) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => map(first).chain(chars).collect(),
        None => String::new(),
    }
}

/// PHP's `rawurlencode` (RFC 3986 unreserved kept) or `urlencode` (space as `+`, `~` encoded).
fn percent_encode(text: &str, form: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(byte as char),
            b'~' if !form => out.push('~'),
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_behave_like_php() {
        assert_eq!(apply_modifier("strtoupper", "ada").unwrap(), "ADA");
        assert_eq!(
            apply_modifier("ucwords", "ada lovelace").unwrap(),
            "Ada Lovelace"
        );
        assert_eq!(apply_modifier("lcfirst", "Ada").unwrap(), "ada");
        assert_eq!(apply_modifier("urlencode", "a b~").unwrap(), "a+b%7E");
        assert_eq!(apply_modifier("rawurlencode", "a b~").unwrap(), "a%20b~");
        assert_eq!(apply_modifier("rawurldecode", "a%20b").unwrap(), "a b");
        assert_eq!(apply_modifier("urldecode", "a+b%21").unwrap(), "a b!");
        assert_eq!(apply_modifier("base64_encode", "hi").unwrap(), "aGk=");
        assert_eq!(apply_modifier("base64_decode", "aGk=").unwrap(), "hi");
        assert_eq!(apply_modifier("system", "x"), None);
    }

    #[test]
    fn modifier_syntax_is_split_from_the_inside_out() {
        assert_eq!(
            split_modifier("trim(strtoupper(user.name))"),
            Some(("trim", "strtoupper(user.name)"))
        );
        assert_eq!(split_modifier("user.name"), None);
    }
}
