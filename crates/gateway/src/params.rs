//! DreamFactory request options: query parameters, their aliases, and the same options in a
//! JSON body (for `POST` + `X-HTTP-Method: GET`), where the query string wins.

use std::collections::HashMap;

use serde_json::{Map, Value};
use sluice_connector_core::{ReadRequest, WriteKind, WriteRequest};

use crate::error::ApiError;

/// The options a JSON body may carry on a read.
const BODY_OPTIONS: &[&str] = &[
    "fields",
    "select",
    "ids",
    "filter",
    "where",
    "limit",
    "top",
    "offset",
    "skip",
    "order",
    "sort",
    "order_by",
    "group",
    "group_by",
    "count_only",
    "include_count",
    "include_schema",
    "continue",
    "rollback",
    "id_field",
    "as_list",
    "force",
    "related",
    "allow_related_delete",
];

/// Suffixes of the per-relationship options `{rel}_fields`, `{rel}_limit`, `{rel}_order`
/// (DreamFactory also accepts `{rel}.fields`, which PHP turns into `{rel}_fields`).
const RELATED_OPTION_SUFFIXES: &[&str] =
    &["_fields", "_limit", "_order", ".fields", ".limit", ".order"];

/// Whether `key` may be a per-relationship option. Which ones are used is decided by the
/// connector, from the relationships actually requested.
fn is_related_option(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    RELATED_OPTION_SUFFIXES
        .iter()
        .any(|suffix| key.len() > suffix.len() && key.ends_with(suffix))
}

/// Options that take one value, each with its aliases. Naming one twice (`?limit=1&limit=2`),
/// or two names of one group (`?filter=a&where=b`), is a 400: which one would win is not
/// something a client should have to guess. Related options (`{rel}_fields`) and
/// `params[:name]` take one value per name too.
const SINGLE_VALUED: &[&[&str]] = &[
    &["fields", "select"],
    &["filter", "where"],
    &["limit", "top"],
    &["offset", "skip"],
    &["order", "sort", "order_by"],
    &["group", "group_by"],
    &["ids"],
    &["id_field"],
    &["id_type"],
    &["related"],
    &["api_key"],
    &["session_token"],
];

/// Boolean options. Each takes one value, and only one of DreamFactory's words for true or
/// false: anything else (`include_count=maybe`) is a 400 rather than a silent false.
const FLAGS: &[&str] = &[
    "allow_related_delete",
    "as_list",
    "check_exist",
    "continue",
    "count_only",
    "force",
    "include_count",
    "include_schema",
    "login",
    "refresh",
    "regenerate",
    "reset",
    "rollback",
    "send_invite",
];

/// The group of names `key` belongs to when it takes a single value; `key` alone for a
/// flag, a related option or a `params[...]` entry.
fn single_valued_group(key: &str) -> Option<&[&str]> {
    if let Some(group) = SINGLE_VALUED.iter().find(|group| group.contains(&key)) {
        return Some(group);
    }
    (FLAGS.contains(&key) || is_related_option(key) || key.starts_with("params[")).then_some(&[])
}

/// 400 when a single-valued option is given more than once (also under an alias), a flag has
/// a value that is not a boolean word, or an option that is not built yet is asked for.
fn check_pairs(pairs: &[(String, String)]) -> Result<(), ApiError> {
    for (index, (key, value)) in pairs.iter().enumerate() {
        if key == "file" {
            return Err(ApiError::bad_request(
                "The file parameter (download the response as a file) is not supported: \
                 leave it out to receive JSON.",
            ));
        }
        let Some(group) = single_valued_group(key) else {
            continue;
        };
        if FLAGS.contains(&key.as_str()) {
            check_flag(key, value)?;
        }
        let earlier = pairs[..index]
            .iter()
            .find(|(other, _)| other == key || group.contains(&other.as_str()));
        if let Some((other, _)) = earlier {
            let message = if other == key {
                format!("The parameter '{key}' is given more than once; it takes one value.")
            } else {
                format!("The parameters '{other}' and '{key}' are the same option; give only one.")
            };
            return Err(ApiError::bad_request(message));
        }
    }
    Ok(())
}

/// DreamFactory's words for false; with [`truthy`] the only values a flag accepts.
fn falsy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "false" | "0" | "no" | "off" | "n" | "f"
    )
}

fn check_flag(name: &str, value: &str) -> Result<(), ApiError> {
    if truthy(value) || falsy(value) {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "Invalid value for {name}: it is a boolean, use true or false (also 1/0, yes/no, on/off)."
    )))
}

#[derive(Debug, Default, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
    params_map: HashMap<String, Value>,
}

/// DreamFactory's truthy words.
pub fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "y" | "t"
    )
}

impl Params {
    /// The query's options.
    ///
    /// # Errors
    ///
    /// 400 for a query that cannot be decoded, and for what `check_pairs` refuses.
    pub fn from_query(query: &str) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| ApiError::bad_request("The query string could not be parsed."))?;
        check_pairs(&pairs)?;
        let mut params_map = HashMap::new();
        for (key, value) in &pairs {
            // `params[:name]=value`, as PHP clients send the map.
            if let Some(name) = key
                .strip_prefix("params[")
                .and_then(|k| k.strip_suffix(']'))
            {
                params_map.insert(name.to_string(), Value::String(value.clone()));
            }
        }
        Ok(Self { pairs, params_map })
    }

    /// Adds the read options found in a JSON body; options already in the query win.
    ///
    /// # Errors
    ///
    /// 400 for a flag in the body whose value is not a boolean word.
    pub fn merge_body(&mut self, body: &Map<String, Value>) -> Result<(), ApiError> {
        let related_options = body.keys().filter(|key| is_related_option(key));
        let names: Vec<&str> = BODY_OPTIONS
            .iter()
            .copied()
            .chain(related_options.map(String::as_str))
            .collect();
        for name in names {
            if self.has(name) {
                continue;
            }
            if let Some(value) = body.get(name) {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Array(items) => items
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(","),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                if FLAGS.contains(&name) {
                    check_flag(name, &text)?;
                }
                self.pairs.push((name.to_string(), text));
            }
        }
        if let Some(Value::Object(map)) = body.get("params") {
            for (key, value) in map {
                self.params_map
                    .entry(key.clone())
                    .or_insert_with(|| value.clone());
            }
        }
        Ok(())
    }

    fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// The first value of the first name present (names are a parameter and its aliases).
    pub fn get(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| {
            self.pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        })
    }

    pub fn flag(&self, name: &str) -> bool {
        self.get(&[name]).is_some_and(truthy)
    }

    fn owned(&self, names: &[&str]) -> Option<String> {
        self.get(names).map(str::to_string)
    }

    /// `related`, when not blank.
    fn related(&self) -> Option<String> {
        self.owned(&["related"]).filter(|r| !r.trim().is_empty())
    }

    /// Every parameter that may be a `{rel}_fields` / `_limit` / `_order` option (the query's
    /// hold one value per name; the body's add the names the query lacks).
    fn related_options(&self) -> HashMap<String, String> {
        let mut options = HashMap::new();
        for (key, value) in &self.pairs {
            if is_related_option(key) {
                options.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        options
    }

    /// The options of a write on `/_table/{table}` (targets, answer, batch); records,
    /// the URL id and the caller's context are the route's to fill in.
    pub fn write_request(&self, kind: WriteKind) -> WriteRequest {
        WriteRequest {
            ids: self.owned(&["ids"]),
            filter: self
                .owned(&["filter", "where"])
                .filter(|f| !f.trim().is_empty()),
            id_field: self.owned(&["id_field"]),
            force: self.flag("force"),
            fields: self.owned(&["fields", "select"]),
            continue_on_error: self.flag("continue"),
            rollback: self.flag("rollback"),
            params: self.params_map.clone(),
            related: self.related(),
            related_options: self.related_options(),
            allow_related_delete: self.flag("allow_related_delete"),
            ..WriteRequest::new(kind)
        }
    }

    /// The read options of `GET /_table/{table}` with aliases folded in.
    pub fn read_request(&self) -> ReadRequest {
        ReadRequest {
            fields: self
                .owned(&["fields", "select"])
                .filter(|f| f.trim() != "*"),
            filter: self
                .owned(&["filter", "where"])
                .filter(|f| !f.trim().is_empty()),
            limit: self.owned(&["limit", "top"]),
            offset: self.owned(&["offset", "skip"]),
            order: self.owned(&["order", "sort", "order_by"]),
            group: self.owned(&["group", "group_by"]),
            ids: self.owned(&["ids"]),
            id_field: self.owned(&["id_field"]),
            include_count: self.flag("include_count"),
            count_only: self.flag("count_only"),
            include_schema: self.flag("include_schema"),
            as_list: self.flag("as_list"),
            continue_on_error: self.flag("continue"),
            refresh: self.flag("refresh"),
            params: self.params_map.clone(),
            related: self.related(),
            related_options: self.related_options(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_folded_and_the_first_name_wins() {
        let params = Params::from_query("select=a,b&top=5&skip=10&where=x%3D1&sort=a").unwrap();
        let read = params.read_request();
        assert_eq!(read.fields.as_deref(), Some("a,b"));
        assert_eq!(read.limit.as_deref(), Some("5"));
        assert_eq!(read.offset.as_deref(), Some("10"));
        assert_eq!(read.filter.as_deref(), Some("x=1"));
        assert_eq!(read.order.as_deref(), Some("a"));
    }

    #[test]
    fn body_options_apply_unless_the_query_has_them() {
        let mut params = Params::from_query("limit=2").unwrap();
        let body = serde_json::json!({"limit": 9, "filter": "a=1", "ids": [1, 2],
            "params": {":n": "Bob"}});
        params.merge_body(body.as_object().unwrap()).unwrap();
        let read = params.read_request();
        assert_eq!(read.limit.as_deref(), Some("2"));
        assert_eq!(read.filter.as_deref(), Some("a=1"));
        assert_eq!(read.ids.as_deref(), Some("1,2"));
        assert_eq!(read.params.get(":n"), Some(&Value::from("Bob")));
    }

    #[test]
    fn related_and_its_options_come_from_the_query_or_the_body() {
        let mut params = Params::from_query("related=a,b&a_fields=x&B.LIMIT=2&fields_x=1").unwrap();
        let body = serde_json::json!({"a_fields": "ignored", "b_order": "y desc", "order": "z"});
        params.merge_body(body.as_object().unwrap()).unwrap();
        let read = params.read_request();
        assert_eq!(read.related.as_deref(), Some("a,b"));
        let mut options: Vec<(String, String)> = read.related_options.into_iter().collect();
        options.sort();
        assert_eq!(
            options,
            [("B.LIMIT", "2"), ("a_fields", "x"), ("b_order", "y desc")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(
            Params::from_query("related=%20")
                .unwrap()
                .read_request()
                .related,
            None
        );
    }

    #[test]
    fn a_single_valued_option_given_twice_is_refused() {
        for (query, message) in [
            (
                "filter=a%3D1&filter=b%3D2",
                "The parameter 'filter' is given more than once; it takes one value.",
            ),
            (
                "limit=1&offset=2&limit=1",
                "The parameter 'limit' is given more than once; it takes one value.",
            ),
            (
                "order=a&sort=b",
                "The parameters 'order' and 'sort' are the same option; give only one.",
            ),
            (
                "include_count=true&include_count=false",
                "The parameter 'include_count' is given more than once; it takes one value.",
            ),
            (
                "a_fields=x&a_fields=y",
                "The parameter 'a_fields' is given more than once; it takes one value.",
            ),
        ] {
            let error = Params::from_query(query).unwrap_err();
            assert_eq!(error.status.as_u16(), 400, "{query}");
            assert_eq!(error.message, message, "{query}");
        }
        let distinct = "related=a,b&a_fields=x&b_fields=y&fields=id&_=1&_=2";
        assert!(Params::from_query(distinct).is_ok());
    }

    #[test]
    fn a_flag_takes_only_boolean_words() {
        let error = Params::from_query("include_count=maybe").unwrap_err();
        assert_eq!(
            error.message,
            "Invalid value for include_count: it is a boolean, use true or false \
             (also 1/0, yes/no, on/off)."
        );
        for query in [
            "include_count=",
            "include_count=OFF",
            "as_list=1",
            "refresh=t",
        ] {
            assert!(Params::from_query(query).is_ok(), "{query}");
        }
        let mut params = Params::from_query("").unwrap();
        let body = serde_json::json!({"count_only": "perhaps"});
        assert!(params.merge_body(body.as_object().unwrap()).is_err());
        let body = serde_json::json!({"count_only": true, "rollback": 0});
        assert!(params.merge_body(body.as_object().unwrap()).is_ok());
    }

    #[test]
    fn the_file_option_is_refused_until_built() {
        let error = Params::from_query("file=out.csv").unwrap_err();
        assert_eq!(error.status.as_u16(), 400);
        assert!(error.message.starts_with("The file parameter"));
    }

    #[test]
    fn truthy_words_follow_dreamfactory() {
        for word in ["true", "1", "YES", "on", "y", "t"] {
            assert!(truthy(word), "{word}");
        }
        for word in ["false", "0", "no", "", "maybe"] {
            assert!(!truthy(word), "{word}");
        }
    }

    #[test]
    fn fields_star_means_all_and_empty_means_primary_key() {
        assert_eq!(
            Params::from_query("fields=*")
                .unwrap()
                .read_request()
                .fields,
            None
        );
        assert_eq!(
            Params::from_query("fields=")
                .unwrap()
                .read_request()
                .fields
                .as_deref(),
            Some("")
        );
    }
}
