//! The `{"resource":[...],"meta":{...}}` envelope of every read.

use super::{write_table_descriptor, write_u64};
use crate::schema::TableSchema;

/// The optional `meta` block. Keys are written in DreamFactory's order (`count`, `next`,
/// `schema`) and the block is left out entirely when all three are absent.
#[derive(Debug, Default, Clone, Copy)]
pub struct Meta<'a> {
    pub count: Option<u64>,
    pub next: Option<u64>,
    /// `include_schema=true`: the table descriptor in its alias form.
    pub schema: Option<&'a TableSchema>,
}

impl Meta<'_> {
    pub fn is_empty(&self) -> bool {
        self.count.is_none() && self.next.is_none() && self.schema.is_none()
    }
}

/// Accumulates the items of `resource` into one buffer.
#[derive(Debug)]
pub struct ResourceWriter {
    buf: Vec<u8>,
    items: usize,
}

const OPEN: &[u8] = b"{\"resource\":[";

impl Default for ResourceWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ResourceWriter {
    pub fn new() -> Self {
        Self::with_capacity(4096)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity.max(OPEN.len() + 2));
        buf.extend_from_slice(OPEN);
        Self { buf, items: 0 }
    }

    /// The buffer to write the next item into (the separating comma is already written).
    pub fn next_item(&mut self) -> &mut Vec<u8> {
        if self.items > 0 {
            self.buf.push(b',');
        }
        self.items += 1;
        &mut self.buf
    }

    /// Appends an item already serialised elsewhere.
    pub fn push_raw(&mut self, item: &[u8]) {
        self.next_item().extend_from_slice(item);
    }

    pub fn items(&self) -> usize {
        self.items
    }

    /// Closes the list and appends `meta` when it has anything in it.
    pub fn finish(mut self, meta: &Meta<'_>) -> Vec<u8> {
        self.buf.push(b']');
        if !meta.is_empty() {
            self.buf.extend_from_slice(b",\"meta\":{");
            let mut first = true;
            let mut key = |buf: &mut Vec<u8>, name: &[u8]| {
                if !first {
                    buf.push(b',');
                }
                first = false;
                buf.extend_from_slice(name);
            };
            if let Some(count) = meta.count {
                key(&mut self.buf, b"\"count\":");
                write_u64(&mut self.buf, count);
            }
            if let Some(next) = meta.next {
                key(&mut self.buf, b"\"next\":");
                write_u64(&mut self.buf, next);
            }
            if let Some(table) = meta.schema {
                key(&mut self.buf, b"\"schema\":");
                write_table_descriptor(&mut self.buf, table);
            }
            self.buf.push(b'}');
        }
        self.buf.push(b'}');
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn empty_list_has_no_meta() {
        assert_eq!(
            text(ResourceWriter::new().finish(&Meta::default())),
            r#"{"resource":[]}"#
        );
    }

    #[test]
    fn items_are_comma_separated_and_meta_keys_ordered() {
        let mut writer = ResourceWriter::new();
        writer.push_raw(b"1");
        writer.push_raw(b"2");
        let meta = Meta {
            count: Some(10),
            next: Some(2),
            schema: None,
        };
        assert_eq!(
            text(writer.finish(&meta)),
            r#"{"resource":[1,2],"meta":{"count":10,"next":2}}"#
        );
    }

    #[test]
    fn count_zero_is_still_written() {
        let meta = Meta {
            count: Some(0),
            ..Meta::default()
        };
        assert_eq!(
            text(ResourceWriter::new().finish(&meta)),
            r#"{"resource":[],"meta":{"count":0}}"#
        );
    }
}
