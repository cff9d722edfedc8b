//! DreamFactory's list semantics for system resources (wire reference 10.1): `fields`,
//! `filter`, `ids`, `order` (default: primary key ascending), `limit`, `offset`,
//! `include_count`, `count_only`, `as_list`, evaluated in memory over the cached records.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::matcher::{Record, check_fields, field, matches};
use crate::error::ApiError;
use crate::params::Params;
use crate::settings::LimitSettings;

/// The outcome of a list request: a JSON body (wrapped list) or a bare count.
pub enum Listing {
    Body(Value),
    Count(usize),
}

/// Lists `records` (whose fields are `columns`, plus the relations in `related` already
/// attached by the caller, which `fields` never removes).
pub fn list(
    mut records: Vec<Record>,
    columns: &[&str],
    related: &[&str],
    params: &Params,
    limits: &LimitSettings,
) -> Result<Listing, ApiError> {
    if let Some(filter) = params
        .get(&["filter", "where"])
        .filter(|f| !f.trim().is_empty())
    {
        let expr = sluice_filter::parse(filter, &filter_limits(limits))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        check_fields(&expr, columns)?;
        let mut kept = Vec::with_capacity(records.len());
        for record in records {
            if matches(&expr, &record)? {
                kept.push(record);
            }
        }
        records = kept;
    }
    if let Some(ids) = params.get(&["ids"]) {
        let wanted = parse_ids(ids, limits.ids_max)?;
        records.retain(|r| {
            r.get("id")
                .and_then(Value::as_i64)
                .is_some_and(|id| wanted.contains(&id))
        });
    }
    sort(
        &mut records,
        params.get(&["order", "sort", "order_by"]),
        columns,
        limits,
    )?;

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
    let page: Vec<Record> = records.into_iter().skip(offset).take(limit).collect();
    let resource: Vec<Value> = if params.flag("as_list") {
        page.iter()
            .map(|r| r.get("id").cloned().unwrap_or(Value::Null))
            .collect()
    } else {
        let fields = select_fields(params.get(&["fields", "select"]), columns)?.map(|mut f| {
            f.extend(related.iter().map(|r| (*r).to_string()));
            f
        });
        page.into_iter()
            .map(|r| project(r, fields.as_deref()))
            .collect()
    };
    let mut body = json!({ "resource": resource });
    if params.flag("include_count") {
        body["meta"] = json!({ "count": total });
    }
    Ok(Listing::Body(body))
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

pub fn parse_ids(text: &str, max: usize) -> Result<Vec<i64>, ApiError> {
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
    parts
        .iter()
        .map(|p| {
            p.parse::<i64>()
                .map_err(|_| ApiError::bad_request("Field 'id' must be a valid integer."))
        })
        .collect()
}

fn select_fields(fields: Option<&str>, columns: &[&str]) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = fields.map(str::trim).filter(|f| *f != "*") else {
        return Ok(None);
    };
    if text.is_empty() {
        return Ok(Some(vec!["id".to_string()]));
    }
    text.split(',')
        .map(str::trim)
        .map(|name| {
            columns
                .iter()
                .find(|c| c.eq_ignore_ascii_case(name))
                .map(|c| (*c).to_string())
                .ok_or_else(|| ApiError::bad_request(format!("Invalid field requested: {name}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The `fields` a client asked for: `None` means all (absent, or `*`).
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
    order: Option<&str>,
    columns: &[&str],
    limits: &LimitSettings,
) -> Result<(), ApiError> {
    let mut terms = Vec::new();
    for term in order
        .unwrap_or("id")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
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
