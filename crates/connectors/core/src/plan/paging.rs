//! `limit`, `offset`, `include_count`, `count_only` and the `meta` rules of
//! the read envelope.

use super::{FetchedRow, ReadPlan};
use crate::error::ConnectorError;
use crate::json::{Meta, ResourceWriter};
use crate::read::{ReadBounds, ReadRequest};

/// Paging of a list read, with DreamFactory's "need limit" rule: when `limit` is absent,
/// below 1 or above the service maximum, the maximum is used and the response gets
/// `meta.count` / `meta.next` if there are more rows than that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: u64,
    pub offset: u64,
    pub max_records: u64,
    /// `limit` was absent or out of range.
    pub need_limit: bool,
    pub include_count: bool,
    /// `count_only=true`: the response is the bare total.
    pub count_only: bool,
}

impl ReadPlan {
    /// DreamFactory's page: `{"resource":[...]}` with the fetched rows (their JSON in `buf`,
    /// related data attached) and `meta` (`count` and `next` from `total`, see
    /// [`Paging::meta`]; `schema` for `include_schema`). The same for every connector.
    pub fn page(
        &self,
        paging: &Paging,
        buf: &[u8],
        rows: &[FetchedRow],
        total: Option<u64>,
    ) -> Vec<u8> {
        let mut writer = ResourceWriter::with_capacity(buf.len() + rows.len() + 64);
        rows.iter()
            .for_each(|row| writer.push_raw(&buf[row.json.clone()]));
        let (count, next) = paging.meta(total);
        let meta = Meta {
            count,
            next,
            schema: self.include_schema.then_some(&*self.query.table),
        };
        writer.finish(&meta)
    }
}

/// Offsets beyond this cannot be passed to SQLite (its OFFSET is a signed 64-bit integer).
const MAX_OFFSET: u64 = i64::MAX as u64;

impl Paging {
    /// # Errors
    ///
    /// 400 when `limit` or `offset` is not an integer, or `offset` is negative.
    pub(crate) fn parse(
        request: &ReadRequest,
        bounds: &ReadBounds,
    ) -> Result<Self, ConnectorError> {
        let max_records = bounds.max_records.max(1);
        let requested = parse_integer(request.limit.as_deref(), "limit")?;
        let (limit, need_limit) = match requested {
            Some(limit) if limit >= 1 && limit <= i128::from(max_records) => (limit as u64, false),
            _ => (max_records, true),
        };
        let offset = match parse_integer(request.offset.as_deref(), "offset")? {
            None => 0,
            Some(offset) if offset < 0 => {
                return Err(ConnectorError::bad_request(
                    "The 'offset' parameter must not be negative.",
                ));
            }
            Some(offset) => u64::try_from(offset).unwrap_or(MAX_OFFSET).min(MAX_OFFSET),
        };
        Ok(Self {
            limit,
            offset,
            max_records,
            need_limit,
            include_count: request.include_count,
            count_only: request.count_only,
        })
    }

    /// How many rows to ask for. Under "need limit" without `include_count`, one more than
    /// the limit: if it does not come back (and there is no offset), there are at most `max`
    /// rows, no `meta` is due, and the COUNT query is skipped.
    pub fn fetch_limit(&self) -> u64 {
        if self.need_limit && !self.include_count {
            self.limit + 1
        } else {
            self.limit
        }
    }

    /// Whether the total is needed after `fetched` rows came back from a
    /// [`fetch_limit`](Self::fetch_limit) query.
    pub fn needs_total(&self, fetched: u64) -> bool {
        self.include_count || (self.need_limit && (self.offset > 0 || fetched > self.limit))
    }

    /// `(meta.count, meta.next)` for a known total (`None` when no total was needed).
    pub fn meta(&self, total: Option<u64>) -> (Option<u64>, Option<u64>) {
        let Some(total) = total else {
            return (None, None);
        };
        let count =
            (self.include_count || (self.need_limit && total > self.max_records)).then_some(total);
        let next =
            (total.saturating_sub(self.offset) > self.limit).then(|| self.offset + self.limit);
        (count, next)
    }
}

/// A client integer: absent or blank is `None` (DreamFactory's `intval('')` is 0, which is
/// "no limit given"); digits too large for i64 still count as integers (and are clamped by
/// the caller); anything else is a 400.
pub(crate) fn parse_integer(
    text: Option<&str>,
    name: &str,
) -> Result<Option<i128>, ConnectorError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConnectorError::bad_request(format!(
            "The '{name}' parameter must be an integer."
        )));
    }
    let huge = if text.starts_with('-') {
        i128::MIN
    } else {
        i128::MAX
    };
    Ok(Some(text.parse::<i128>().unwrap_or(huge)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(
        limit: Option<&str>,
        offset: Option<&str>,
        include_count: bool,
    ) -> Result<Paging, String> {
        let request = ReadRequest {
            limit: limit.map(str::to_owned),
            offset: offset.map(str::to_owned),
            include_count,
            ..ReadRequest::default()
        };
        let bounds = ReadBounds {
            max_records: 100,
            ..ReadBounds::default()
        };
        Paging::parse(&request, &bounds).map_err(|e| e.to_string())
    }

    #[test]
    fn absent_or_out_of_range_limit_uses_the_maximum_and_needs_limit() {
        for limit in [
            None,
            Some(""),
            Some("0"),
            Some("-3"),
            Some("101"),
            Some("99999999999999999999999"),
        ] {
            let p = paging(limit, None, false).expect("valid");
            assert_eq!((p.limit, p.need_limit), (100, true), "{limit:?}");
        }
        let p = paging(Some(" 10 "), None, false).expect("valid");
        assert_eq!((p.limit, p.need_limit), (10, false));
    }

    #[test]
    fn non_numeric_limit_or_offset_and_negative_offset_are_refused() {
        assert_eq!(
            paging(Some("abc"), None, false),
            Err("The 'limit' parameter must be an integer.".into())
        );
        assert_eq!(
            paging(Some("1.5"), None, false),
            Err("The 'limit' parameter must be an integer.".into())
        );
        assert_eq!(
            paging(None, Some("x"), false),
            Err("The 'offset' parameter must be an integer.".into())
        );
        assert_eq!(
            paging(None, Some("-1"), false),
            Err("The 'offset' parameter must not be negative.".into())
        );
        assert_eq!(
            paging(None, Some("99999999999999999999999"), false).map(|p| p.offset),
            Ok(MAX_OFFSET)
        );
    }

    #[test]
    fn meta_follows_dreamfactory_rules() {
        // Plain GET, fewer rows than max: no count needed, no meta.
        let plain = paging(None, None, false).expect("valid");
        assert_eq!(plain.fetch_limit(), 101);
        assert!(!plain.needs_total(40));
        // More rows than max: count and next.
        assert!(plain.needs_total(101));
        assert_eq!(plain.meta(Some(250)), (Some(250), Some(100)));
        // Explicit limit without include_count: never meta.
        let explicit = paging(Some("10"), None, false).expect("valid");
        assert!(!explicit.needs_total(10));
        // include_count: count always, next when more rows remain.
        let counted = paging(Some("10"), Some("5"), true).expect("valid");
        assert_eq!(counted.meta(Some(12)), (Some(12), None));
        assert_eq!(counted.meta(Some(16)), (Some(16), Some(15)));
        assert_eq!(counted.meta(Some(0)), (Some(0), None));
    }
}
