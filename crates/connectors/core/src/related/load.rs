//! Running a [`RelatedPlan`] through a connector's [`RelatedFetcher`] and putting the
//! related rows into their parents: one query per relationship for the whole set of
//! parents (never one per parent), rows matched to parents in memory by their link value.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::plan::{RelatedNode, RelatedPlan, RelatedQuery};
use crate::error::ConnectorError;
use crate::json::{RowWriter, write_str};
use crate::value::BoundValue;

/// Parent values per query. Far below SQLite's 32,766 bound parameters; a page of more
/// parents than this (only possible with a large `max_records`) costs one query per chunk.
const VALUES_PER_QUERY: usize = 10_000;

/// Runs related queries for [`RelatedPlan::load`]; implemented by each connector.
pub trait RelatedFetcher {
    /// Runs `query`. Each row it returns has the parent's link value as cell 0, the visible
    /// fields as cells `1..=rows.width()`, and `link_count` link values after them. Writes
    /// the visible fields of each row with `rows` into `buf` and reports where.
    ///
    /// # Errors
    ///
    /// The connector's mapped database errors.
    fn fetch(
        &mut self,
        query: &RelatedQuery,
        rows: &RowWriter,
        link_count: usize,
        buf: &mut Vec<u8>,
    ) -> Result<Vec<RelatedRow>, ConnectorError>;
}

/// One related row as fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedRow {
    /// The parent's value this row belongs to.
    pub link: BoundValue,
    /// The row's JSON object in the fetch buffer.
    pub json: Range<usize>,
    /// The values the row's own related rows link on.
    pub links: Vec<BoundValue>,
}

impl RelatedPlan {
    /// For each parent (its values of [`RelatedPlan::links`], in order), the members to add
    /// to its JSON object: `,"name":{...}` / `,"name":null` for belongs_to, `,"name":[...]`
    /// otherwise, one per node, in node order. Parents whose link value is `NULL` get `null`
    /// / `[]`, as in DreamFactory.
    ///
    /// # Errors
    ///
    /// Whatever the fetcher fails with.
    pub fn load(
        &self,
        fetcher: &mut dyn RelatedFetcher,
        parents: &[&[BoundValue]],
    ) -> Result<Vec<Vec<u8>>, ConnectorError> {
        load_nodes(fetcher, &self.nodes, parents)
    }
}

fn load_nodes(
    fetcher: &mut dyn RelatedFetcher,
    nodes: &[RelatedNode],
    parents: &[&[BoundValue]],
) -> Result<Vec<Vec<u8>>, ConnectorError> {
    let mut members = vec![Vec::new(); parents.len()];
    for node in nodes {
        let mut seen = HashSet::new();
        let mut values = Vec::new();
        for parent in parents {
            if let Some(key) = parent.get(node.parent_link).and_then(LinkKey::of)
                && seen.insert(key)
            {
                values.push(parent[node.parent_link].clone());
            }
        }
        let mut buf = Vec::new();
        let mut rows: Vec<RelatedRow> = Vec::new();
        for chunk in values.chunks(VALUES_PER_QUERY) {
            let remaining = node.limit.saturating_sub(rows.len() as u64);
            if remaining == 0 {
                break;
            }
            let query = node.query(chunk, remaining);
            rows.extend(fetcher.fetch(&query, &node.rows, node.link_count, &mut buf)?);
        }
        let inner = if node.children.is_empty() {
            vec![Vec::new(); rows.len()]
        } else {
            let links: Vec<&[BoundValue]> = rows.iter().map(|row| row.links.as_slice()).collect();
            load_nodes(fetcher, &node.children, &links)?
        };
        let mut by_parent: HashMap<LinkKey, Vec<usize>> = HashMap::new();
        for (index, row) in rows.iter().enumerate() {
            if let Some(key) = LinkKey::of(&row.link) {
                by_parent.entry(key).or_default().push(index);
            }
        }
        for (parent, out) in parents.iter().zip(&mut members) {
            out.push(b',');
            write_str(out, &node.name);
            out.push(b':');
            let found = parent
                .get(node.parent_link)
                .and_then(LinkKey::of)
                .and_then(|key| by_parent.get(&key))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let write = |index: usize, out: &mut Vec<u8>| {
                append_members(&buf[rows[index].json.clone()], &inner[index], out);
            };
            if node.kind.is_single() {
                match found.first() {
                    Some(&index) => write(index, out),
                    None => out.extend_from_slice(b"null"),
                }
            } else {
                out.push(b'[');
                for (position, &index) in found.iter().enumerate() {
                    if position > 0 {
                        out.push(b',');
                    }
                    write(index, out);
                }
                out.push(b']');
            }
        }
    }
    Ok(members)
}

/// Appends the JSON object `row` to `out` with `members` (`,"k":v...`) added before its
/// closing brace.
pub fn append_members(row: &[u8], members: &[u8], out: &mut Vec<u8>) {
    match (row.split_last(), members.split_first()) {
        (Some((b'}', open)), Some((b',', rest))) => {
            out.extend_from_slice(open);
            // `{}` has no member before ours, so ours needs no comma.
            out.extend_from_slice(if open == b"{" { rest } else { members });
            out.push(b'}');
        }
        _ => out.extend_from_slice(row),
    }
}

/// A link value as a hash key, equal when SQL would find the values equal: an integral
/// real matches the integer, NULL matches nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LinkKey {
    Integer(i64),
    Real(u64),
    Text(String),
    Blob(Vec<u8>),
}

impl LinkKey {
    fn of(value: &BoundValue) -> Option<Self> {
        Some(match value {
            BoundValue::Null => return None,
            BoundValue::Integer(i) => Self::Integer(*i),
            BoundValue::Real(f)
                if f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64 =>
            {
                Self::Integer(*f as i64)
            }
            BoundValue::Real(f) => Self::Real(f.to_bits()),
            BoundValue::Text(text) => Self::Text(text.clone()),
            BoundValue::Blob(bytes) => Self::Blob(bytes.clone()),
        })
    }
}
