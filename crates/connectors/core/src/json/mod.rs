//! Writing DreamFactory JSON straight into a byte buffer.
//!
//! Rows go from the database cursor into one `Vec<u8>` with no `serde_json::Value` per cell.
//! Strings are UTF-8 (only `"`, `\` and control characters are escaped, unlike
//! DreamFactory's `\uXXXX`), slashes are not escaped, and floats keep their `.0`.

mod cell;
mod descriptor;
mod envelope;
mod inflect;
mod object;
mod row;
mod schema_doc;
mod summary;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

pub use cell::write_cell;
pub use descriptor::{write_field_descriptor, write_table_descriptor};
pub use envelope::{Meta, ResourceWriter};
use inflect::label;
pub use row::RowWriter;
pub use schema_doc::{
    SchemaView, visible_relations, write_fields, write_relation_descriptor, write_schema_table,
};
pub use summary::{TABLE_LIST_FIELDS, TableSummary};

/// `"text"` with JSON escaping.
pub fn write_str(buf: &mut Vec<u8>, text: &str) {
    buf.push(b'"');
    write_escaped(buf, text.as_bytes());
    buf.push(b'"');
}

/// Text as stored in a database, which may not be valid UTF-8: invalid sequences become
/// U+FFFD so the output is always valid JSON.
pub fn write_text_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => write_str(buf, text),
        Err(_) => write_str(buf, &String::from_utf8_lossy(bytes)),
    }
}

pub fn write_i64(buf: &mut Vec<u8>, value: i64) {
    buf.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

pub fn write_u64(buf: &mut Vec<u8>, value: u64) {
    buf.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Shortest round-trip form with the `.0` kept for integral values (`1.0`, like
/// DreamFactory); NaN and infinities, which JSON cannot express, become `null`.
pub fn write_f64(buf: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        buf.extend_from_slice(ryu::Buffer::new().format_finite(value).as_bytes());
    } else {
        buf.extend_from_slice(b"null");
    }
}

pub fn write_bool(buf: &mut Vec<u8>, value: bool) {
    buf.extend_from_slice(if value { b"true" } else { b"false" });
}

/// `"<standard base64>"`, encoded in place.
pub fn write_base64(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.push(b'"');
    let start = buf.len();
    let encoded_len = base64::encoded_len(bytes.len(), true).unwrap_or(0);
    buf.resize(start + encoded_len, 0);
    let written = BASE64.encode_slice(bytes, &mut buf[start..]).unwrap_or(0);
    buf.truncate(start + written);
    buf.push(b'"');
}

fn write_escaped(buf: &mut Vec<u8>, bytes: &[u8]) {
    let mut run_start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                buf.extend_from_slice(&bytes[run_start..index]);
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[usize::from(byte >> 4)]);
                buf.push(HEX[usize::from(byte & 0xf)]);
                run_start = index + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&bytes[run_start..index]);
        buf.extend_from_slice(escape);
        run_start = index + 1;
    }
    buf.extend_from_slice(&bytes[run_start..]);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    fn written(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        write(&mut buf);
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn strings_are_utf8_with_minimal_escaping() {
        let text = "é/ü \"q\" \\ \n\t\u{1}";
        let out = written(|b| write_str(b, text));
        assert_eq!(out, r#""é/ü \"q\" \\ \n\t\u0001""#);
        let parsed: String = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed, text);
    }

    #[test]
    fn invalid_utf8_text_becomes_replacement_characters() {
        assert_eq!(
            written(|b| write_text_bytes(b, b"a\xffb")),
            "\"a\u{fffd}b\""
        );
    }

    #[test]
    fn floats_keep_their_fraction_and_non_finite_is_null() {
        assert_eq!(written(|b| write_f64(b, 1.0)), "1.0");
        assert_eq!(written(|b| write_f64(b, 50000.25)), "50000.25");
        assert_eq!(written(|b| write_f64(b, f64::INFINITY)), "null");
    }

    #[test]
    fn blobs_are_base64_strings() {
        assert_eq!(
            written(|b| write_base64(b, &[0, 1, 2, 255])),
            "\"AAEC/w==\""
        );
        assert_eq!(written(|b| write_base64(b, &[])), "\"\"");
    }
}
