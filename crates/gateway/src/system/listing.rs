//! DreamFactory's list options evaluated in memory, one implementation for every listing
//! whose records the gateway holds: system resources (`/system/*`), the tables of a service
//! (`GET /{service}/_table`, `GET /{service}/_schema`) and the user's stored values
//! (`GET /user/custom`). Options: `fields`, `filter`, `ids`, `order`, `limit`, `offset`,
//! `include_count`, `count_only`, `as_list`; docs/COMPATIBILITY.md lists which listing
//! takes which and what differs between them (only what a [`ListShape`] says).

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::matcher::{Record, check_fields, field, matches};
use crate::error::ApiError;
use crate::params::Params;
use crate::settings::LimitSettings;

/// The field that identifies a record of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKey {
    /// `id`, an integer: `ids=1,2` must be integers.
    Id,
    /// `name`, text: `ids=a,b` are names, matched ignoring ASCII case.
    Name,
}

impl ListKey {
    pub fn field(self) -> &'static str {
        match self {
            ListKey::Id => "id",
            ListKey::Name => "name",
        }
    }
}

/// What the records of a listing look like: the options behave alike on every listing, and
/// differ only by what is said here.
#[derive(Debug, Clone, Copy)]
pub struct ListShape<'a> {
    /// `as_list` lists this field, `ids` selects by it, an empty `fields=` keeps only it.
    pub key: ListKey,
    /// The fields a client may name in `fields`, `filter` and `order`.
    pub columns: &'a [&'a str],
    /// Relations attached by the caller, which `fields` never removes.
    pub related: &'a [&'a str],
    /// The fields returned when `fields` is absent; `None` for all.
    pub default_fields: Option<&'a [&'a str]>,
    /// The order when `order` is absent; `None` keeps the order the records came in.
    pub default_order: Option<&'a str>,
}

/// The outcome of a list request: a JSON body (wrapped list) or a bare count.
pub enum Listing {
    Body(Value),
    Count(usize),
}

impl Listing {
    /// The response body: the wrapped list, or the bare count of `count_only`.
    pub fn into_json(self) -> Value {
        match self {
            Listing::Body(body) => body,
            Listing::Count(count) => json!(count),
        }
    }
}

/// Lists system resource `records` (whose fields are `columns`, plus the relations in
/// `related` already attached by the caller): keyed by `id`, all fields and ordered by `id`
/// unless asked otherwise.
pub fn list(
    records: Vec<Record>,
    columns: &[&str],
    related: &[&str],
    params: &Params,
    limits: &LimitSettings,
) -> Result<Listing, ApiError> {
    let shape = ListShape {
        key: ListKey::Id,
        columns,
        related,
        default_fields: None,
        default_order: Some("id"),
    };
    list_records(records, &shape, params, limits)
}

/// Applies the list options of `params` to `records` shaped as `shape` says: `filter`,
/// `ids`, `order`, then `count_only`, `offset`/`limit`, and `as_list` or `fields`, with
/// `include_count` counting what matched before paging.
pub fn list_records(
    mut records: Vec<Record>,
    shape: &ListShape<'_>,
    params: &Params,
    limits: &LimitSettings,
) -> Result<Listing, ApiError> {
    if let Some(filter) = params
        .get(&["filter", "where"])
        .filter(|f| !f.trim().is_empty())
    {
        let expr = sluice_filter::parse(filter, &filter_limits(limits))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        check_fields(&expr, shape.columns)?;
        let mut kept = Vec::with_capacity(records.len());
        for record in records {
            if matches(&expr, &record)? {
                kept.push(record);
            }
        }
        records = kept;
    }
    if let Some(ids) = params.get(&["ids"]) {
        retain_ids(&mut records, shape.key, ids, limits.ids_max)?;
    }
    if let Some(order) = params
        .get(&["order", "sort", "order_by"])
        .or(shape.default_order)
    {
        sort(&mut records, order, shape.columns, limits)?;
    }

    let total = records.len();
    if params.flag("count_only") {
        return Ok(Listing::Count(total));
    }
    let offset = parse_number(params.get(&["offset", "skip"]), "offset")?.unwrap_or(0);
    let max = limits.max_records_returned as usize;
    let limit = match parse_number(params.get(&["limit", "top"]), "limit")? {
        Some(n) if n >= 1 && n <= max => n,
        _ => max,
    };
    let page = records.into_iter().skip(offset).take(limit);
    let key = shape.key.field();
    let resource: Vec<Value> = if params.flag("as_list") {
        page.map(|r| r.get(key).cloned().unwrap_or(Value::Null))
            .collect()
    } else {
        let fields = select_fields(params.get(&["fields", "select"]), shape)?.map(|mut f| {
            f.extend(shape.related.iter().map(|r| (*r).to_string()));
            f
        });
        page.map(|r| project(r, fields.as_deref())).collect()
    };
    let mut body = json!({ "resource": resource });
    if params.flag("include_count") {
        body["meta"] = json!({ "count": total });
    }
    Ok(Listing::Body(body))
}

/// DreamFactory's wrapped list, with `meta.count` (every record of the list, as the
/// `include_count` of record listings counts what matched) when `include_count` asks for it.
/// For the system lists that are not record listings: `/system`, `service_type`,
/// `event_script`, `script_type`, `event`, `cache`, `limit_cache`.
pub fn wrapped(resource: Vec<Value>, params: &Params) -> Value {
    let count = resource.len();
    let mut body = json!({ "resource": resource });
    if params.flag("include_count") {
        body["meta"] = json!({ "count": count });
    }
    body
}

pub fn filter_limits(limits: &LimitSettings) -> sluice_filter::Limits {
    sluice_filter::Limits {
        max_length: limits.filter_max_length,
        max_nodes: limits.filter_max_nodes,
        max_depth: limits.filter_max_depth,
        max_in_list: limits.filter_in_list_max,
    }
}

fn parse_number(value: Option<&str>, name: &str) -> Result<Option<usize>, ApiError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<i64>() {
        Ok(n) if n < 0 && name == "offset" => Err(ApiError::bad_request(
            "The offset parameter must be zero or a positive integer.",
        )),
        Ok(n) => Ok(Some(n.max(0) as usize)),
        Err(_) => Err(ApiError::bad_request(format!(
            "The {name} parameter must be an integer."
        ))),
    }
}

/// Keeps the records whose key is one of `ids`, in their order.
fn retain_ids(
    records: &mut Vec<Record>,
    key: ListKey,
    ids: &str,
    max: usize,
) -> Result<(), ApiError> {
    match key {
        ListKey::Id => {
            let wanted = parse_ids(ids, max)?;
            records.retain(|r| {
                r.get("id")
                    .and_then(Value::as_i64)
                    .is_some_and(|id| wanted.contains(&id))
            });
        }
        ListKey::Name => {
            let wanted = split_ids(ids, max)?;
            records.retain(|r| {
                r.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| wanted.iter().any(|w| w.eq_ignore_ascii_case(name)))
            });
        }
    }
    Ok(())
}

/// `ids=1,2,3` as integers, at most `max` of them.
pub fn parse_ids(text: &str, max: usize) -> Result<Vec<i64>, ApiError> {
    split_ids(text, max)?
        .iter()
        .map(|p| {
            p.parse::<i64>()
                .map_err(|_| ApiError::bad_request("Field 'id' must be a valid integer."))
        })
        .collect()
}

/// The comma-separated identifiers of `ids`: at least one, at most `max`.
fn split_ids(text: &str, max: usize) -> Result<Vec<&str>, ApiError> {
    let parts: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(ApiError::bad_request(
            "The request contains no valid identifiers.",
        ));
    }
    if parts.len() > max {
        return Err(ApiError::bad_request(format!(
            "Too many identifiers: {} given, the limit is {max}.",
            parts.len()
        )));
    }
    Ok(parts)
}

/// The fields to return: `None` for all (`fields=*`, or absent with no default); the key only
/// for an empty `fields=`; a 400 for a field the records do not have.
fn select_fields(
    fields: Option<&str>,
    shape: &ListShape<'_>,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = fields.map(str::trim) else {
        return Ok(shape
            .default_fields
            .map(|names| names.iter().map(|name| (*name).to_string()).collect()));
    };
    if text == "*" {
        return Ok(None);
    }
    if text.is_empty() {
        return Ok(Some(vec![shape.key.field().to_string()]));
    }
    text.split(',')
        .map(str::trim)
        .map(|name| {
            shape
                .columns
                .iter()
                .find(|c| c.eq_ignore_ascii_case(name))
                .map(|c| (*c).to_string())
                .ok_or_else(|| ApiError::bad_request(format!("Invalid field requested: {name}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The `fields` a client asked for on a single record: `None` means all (absent, or `*`).
pub fn requested_fields(params: &Params) -> Option<Vec<String>> {
    params
        .get(&["fields"])
        .filter(|f| f.trim() != "*")
        .map(|f| f.split(',').map(|s| s.trim().to_string()).collect())
}

pub fn project(record: Record, fields: Option<&[String]>) -> Value {
    match fields {
        None => Value::Object(record),
        Some(fields) => {
            let mut out = Map::new();
            for name in fields {
                if let Some((key, value)) = field(&record, name) {
                    out.insert(key.clone(), value.clone());
                }
            }
            Value::Object(out)
        }
    }
}

fn sort(
    records: &mut [Record],
    order: &str,
    columns: &[&str],
    limits: &LimitSettings,
) -> Result<(), ApiError> {
    let mut terms = Vec::new();
    for term in order.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let mut words = term.split_whitespace();
        let name = words.next().unwrap_or_default();
        let column = columns
            .iter()
            .find(|c| c.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                ApiError::bad_request(format!("Invalid field '{name}' in order by clause."))
            })?;
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(ApiError::bad_request("Invalid order by clause in request.")),
        };
        if words.next().is_some() {
            return Err(ApiError::bad_request("Invalid order by clause in request."));
        }
        terms.push((*column, descending));
    }
    if terms.len() > limits.order_terms_max {
        return Err(ApiError::bad_request(format!(
            "Too many order terms: the limit is {}.",
            limits.order_terms_max
        )));
    }
    // Stable: records equal on every term keep the order they came in.
    records.sort_by(|a, b| {
        for (column, descending) in &terms {
            let ordering = compare_values(a.get(*column), b.get(*column));
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    });
    Ok(())
}

fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    }
}
