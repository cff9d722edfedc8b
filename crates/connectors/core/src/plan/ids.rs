//! Reads by identifier: `ids=` / `id_field=` and `GET /_table/{t}/{id}`.

use serde_json::{Value, json};

use crate::condition::{ComparisonOp, Condition};
use crate::df_type::ValueClass;
use crate::error::ConnectorError;
use crate::json::{Meta, ResourceWriter};
use crate::resolve::{RawValue, parse_number, type_value};
use crate::schema::{ColumnRef, TableSchema};
use crate::value::BoundValue;

/// The identifiers asked for, typed by the identifier columns.
#[derive(Debug, Clone, PartialEq)]
pub struct IdLookup {
    /// The identifier columns (`id_field`, else the primary key).
    pub key_columns: Vec<ColumnRef>,
    pub ids: Vec<RequestedId>,
    /// `continue=true`: report every missing id, records in database order.
    pub continue_on_error: bool,
}

/// One identifier as the client wrote it and as bound, one value per key column
/// (DreamFactory applies a scalar id to every key column).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestedId {
    pub raw: String,
    pub values: Vec<BoundValue>,
}

/// A fetched row: its identifier values, the values its related rows link on (see
/// [`ReadPlan::related`](crate::ReadPlan::related)) and the byte range of its JSON in a
/// shared buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedRow {
    pub key: Vec<BoundValue>,
    pub links: Vec<BoundValue>,
    pub json: std::ops::Range<usize>,
}

impl IdLookup {
    /// Parses `ids` (comma list, trimmed, blanks dropped).
    ///
    /// # Errors
    ///
    /// 400 `The request contains no valid identifiers.` when nothing is left, a 400 naming
    /// the bound above `max_ids`, and the typing errors of [`type_id`].
    pub(crate) fn parse(
        table: &TableSchema,
        key_columns: Vec<ColumnRef>,
        ids: &str,
        max_ids: usize,
        continue_on_error: bool,
    ) -> Result<Self, ConnectorError> {
        let raw: Vec<&str> = ids
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .collect();
        if raw.is_empty() {
            return Err(ConnectorError::bad_request(
                "The request contains no valid identifiers.",
            ));
        }
        if raw.len() > max_ids {
            return Err(ConnectorError::bad_request(format!(
                "Too many identifiers in one request: the limit is {max_ids}."
            )));
        }
        let ids = raw
            .into_iter()
            .map(|id| RequestedId::typed(table, &key_columns, id))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            key_columns,
            ids,
            continue_on_error,
        })
    }

    /// The WHERE condition fetching every requested row in one query.
    pub fn condition(&self) -> Condition {
        if let [column] = self.key_columns[..] {
            let mut values: Vec<BoundValue> = Vec::with_capacity(self.ids.len());
            for id in &self.ids {
                if !values.contains(&id.values[0]) {
                    values.push(id.values[0].clone());
                }
            }
            return Condition::In {
                column,
                values,
                negated: false,
            };
        }
        Condition::Or(
            self.ids
                .iter()
                .map(|id| {
                    Condition::And(
                        self.key_columns
                            .iter()
                            .zip(&id.values)
                            .map(|(&column, value)| Condition::Compare {
                                column,
                                op: ComparisonOp::Eq,
                                value: value.clone(),
                            })
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    /// The `{"resource":[...]}` body, or DreamFactory's batch error when an id is missing.
    ///
    /// Without `continue` the records come in request order (as DreamFactory's one-by-one
    /// fetch returns them) and the error stops at the first miss; with `continue` they come
    /// in database order and the error lists every miss.
    ///
    /// # Errors
    ///
    /// `ConnectorError::Batch` (400, code 1000) with `context.error` (failed indexes) and
    /// `context.resource` (per-index records and errors).
    pub fn assemble(&self, buf: &[u8], rows: &[FetchedRow]) -> Result<Vec<u8>, ConnectorError> {
        let matches: Vec<Option<&FetchedRow>> = self
            .ids
            .iter()
            .map(|id| rows.iter().find(|row| keys_match(&row.key, &id.values)))
            .collect();
        if matches.iter().all(Option::is_some) {
            let mut writer = ResourceWriter::with_capacity(buf.len() + 16);
            if self.continue_on_error {
                rows.iter()
                    .for_each(|row| writer.push_raw(&buf[row.json.clone()]));
            } else {
                matches
                    .iter()
                    .flatten()
                    .for_each(|row| writer.push_raw(&buf[row.json.clone()]));
            }
            return Ok(writer.finish(&Meta::default()));
        }
        let mut failed = Vec::new();
        let mut resource = Vec::new();
        for (index, (id, found)) in self.ids.iter().zip(&matches).enumerate() {
            match found {
                Some(row) => resource.push(row_value(buf, row)),
                None => {
                    failed.push(index);
                    resource.push(not_found_entry(&id.raw));
                    if !self.continue_on_error {
                        break;
                    }
                }
            }
        }
        Err(ConnectorError::Batch {
            message: "Batch Error: Not all requested records could be retrieved.".to_owned(),
            context: json!({ "error": failed, "resource": resource }),
        })
    }

    /// `GET /_table/{t}/{id}`: the bare record, or `RecordNotFound`.
    ///
    /// # Errors
    ///
    /// `ConnectorError::RecordNotFound` with the identifier as the client wrote it.
    pub fn single(&self, buf: &[u8], rows: &[FetchedRow]) -> Result<Vec<u8>, ConnectorError> {
        let id = &self.ids[0];
        rows.iter()
            .find(|row| keys_match(&row.key, &id.values))
            .map(|row| buf[row.json.clone()].to_vec())
            .ok_or_else(|| ConnectorError::RecordNotFound(id.raw.clone()))
    }
}

impl RequestedId {
    pub(crate) fn typed(
        table: &TableSchema,
        key_columns: &[ColumnRef],
        raw: &str,
    ) -> Result<Self, ConnectorError> {
        let values = key_columns
            .iter()
            .map(|&column| type_id(table, column, raw))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            raw: raw.to_owned(),
            values,
        })
    }
}

/// Types an identifier for its column. For integer columns DreamFactory `intval`s numeric
/// text (`1.7` is `1`) and refuses the rest with `Field 'id' must be a valid integer.`
fn type_id(
    table: &TableSchema,
    column: ColumnRef,
    raw: &str,
) -> Result<BoundValue, ConnectorError> {
    let schema = table.column(column);
    if schema.df_type.value_class() == ValueClass::Integer {
        return match parse_number(raw) {
            Some(BoundValue::Integer(i)) => Ok(BoundValue::Integer(i)),
            // Truncation toward zero, saturating, like PHP's intval on a float string.
            Some(BoundValue::Real(f)) => Ok(BoundValue::Integer(f.trunc() as i64)),
            _ => Err(ConnectorError::bad_request(format!(
                "Field '{}' must be a valid integer.",
                schema.name
            ))),
        };
    }
    type_value(schema, RawValue::Bare(raw))
}

fn keys_match(row: &[BoundValue], wanted: &[BoundValue]) -> bool {
    row.len() == wanted.len() && row.iter().zip(wanted).all(|(a, b)| a.sql_equals(b))
}

fn row_value(buf: &[u8], row: &FetchedRow) -> Value {
    // The row was written by us, so it parses; a failure would be a writer bug and shows
    // up as null rather than as a panic in an error path.
    serde_json::from_slice(&buf[row.json.clone()]).unwrap_or(Value::Null)
}

fn not_found_entry(raw: &str) -> Value {
    json!({
        "code": 404,
        "context": null,
        "message": format!("Record with identifier '{raw}' not found."),
        "status_code": 404,
    })
}
