//! One stored value written by its column's type.

use super::{write_base64, write_bool, write_f64, write_i64, write_str, write_text_bytes};
use crate::df_type::ValueClass;
use crate::resolve::{parse_bool, parse_number};
use crate::value::{BoundValue, CellValue};

/// Writes `cell` as the JSON its column type calls for: integers as numbers, booleans as
/// `true`/`false`, decimals and floats as numbers with a fraction (`5.0`), text and dates
/// as strings, blobs as base64, NULL as `null`.
///
/// A stored value that does not fit its column's type (SQLite lets `'abc'` live in an
/// INTEGER column) is written by its storage class instead of being coerced (DreamFactory
/// would turn it into `0`), so no data is lost or invented. Untyped columns always follow
/// the storage class.
pub fn write_cell(buf: &mut Vec<u8>, class: ValueClass, cell: CellValue<'_>) {
    match (class, cell) {
        (_, CellValue::Null) => buf.extend_from_slice(b"null"),
        (ValueClass::Binary, CellValue::Blob(bytes) | CellValue::Text(bytes)) => {
            write_base64(buf, bytes)
        }
        (ValueClass::Binary, CellValue::Integer(i)) => {
            write_base64(buf, itoa::Buffer::new().format(i).as_bytes())
        }
        (ValueClass::Binary, CellValue::Real(f)) => write_base64(buf, float_text(f).as_bytes()),
        (_, CellValue::Blob(bytes)) => write_base64(buf, bytes),
        (ValueClass::Boolean, CellValue::Integer(i)) => write_bool(buf, i != 0),
        (ValueClass::Boolean, CellValue::Real(f)) => write_bool(buf, f != 0.0),
        (ValueClass::Boolean, CellValue::Text(text)) => {
            match std::str::from_utf8(text).ok().and_then(parse_bool) {
                Some(b) => write_bool(buf, b),
                None => write_text_bytes(buf, text),
            }
        }
        // An i64 as a float loses precision above 2^53, as in DreamFactory; such values in
        // a decimal column are rare and still written as the nearest double.
        (ValueClass::Number, CellValue::Integer(i)) => write_f64(buf, i as f64),
        (ValueClass::Number, CellValue::Text(text)) => write_numeric_text(buf, text, true),
        (ValueClass::Integer, CellValue::Text(text)) => write_numeric_text(buf, text, false),
        (ValueClass::Text, CellValue::Integer(i)) => write_str(buf, itoa::Buffer::new().format(i)),
        (ValueClass::Text, CellValue::Real(f)) => write_str(buf, &float_text(f)),
        (_, CellValue::Integer(i)) => write_i64(buf, i),
        (_, CellValue::Real(f)) => write_f64(buf, f),
        (_, CellValue::Text(text)) => write_text_bytes(buf, text),
    }
}

/// Text in a numeric column: a number if it reads as one, else the text itself.
fn write_numeric_text(buf: &mut Vec<u8>, text: &[u8], as_float: bool) {
    match std::str::from_utf8(text).ok().and_then(parse_number) {
        Some(BoundValue::Integer(i)) if as_float => write_f64(buf, i as f64),
        Some(BoundValue::Integer(i)) => write_i64(buf, i),
        Some(BoundValue::Real(f)) => write_f64(buf, f),
        _ => write_text_bytes(buf, text),
    }
}

fn float_text(value: f64) -> String {
    if value.is_finite() {
        ryu::Buffer::new().format_finite(value).to_owned()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(class: ValueClass, cell: CellValue<'_>) -> String {
        let mut buf = Vec::new();
        write_cell(&mut buf, class, cell);
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn each_class_writes_its_wire_type() {
        assert_eq!(json(ValueClass::Integer, CellValue::Integer(42)), "42");
        assert_eq!(json(ValueClass::Boolean, CellValue::Integer(1)), "true");
        assert_eq!(json(ValueClass::Boolean, CellValue::Integer(0)), "false");
        assert_eq!(json(ValueClass::Boolean, CellValue::Text(b"yes")), "true");
        assert_eq!(json(ValueClass::Number, CellValue::Integer(5)), "5.0");
        assert_eq!(json(ValueClass::Number, CellValue::Real(2.5)), "2.5");
        assert_eq!(json(ValueClass::Number, CellValue::Text(b"7")), "7.0");
        assert_eq!(json(ValueClass::Text, CellValue::Text(b"abc")), "\"abc\"");
        assert_eq!(
            json(ValueClass::Text, CellValue::Integer(20200101)),
            "\"20200101\""
        );
        assert_eq!(
            json(ValueClass::Binary, CellValue::Blob(&[1, 2])),
            "\"AQI=\""
        );
        assert_eq!(json(ValueClass::Binary, CellValue::Text(b"hi")), "\"aGk=\"");
        assert_eq!(json(ValueClass::Integer, CellValue::Null), "null");
    }

    #[test]
    fn untyped_follows_the_storage_class() {
        assert_eq!(json(ValueClass::Untyped, CellValue::Integer(3)), "3");
        assert_eq!(json(ValueClass::Untyped, CellValue::Real(3.0)), "3.0");
        assert_eq!(json(ValueClass::Untyped, CellValue::Text(b"3")), "\"3\"");
        assert_eq!(json(ValueClass::Untyped, CellValue::Blob(b"3")), "\"Mw==\"");
    }

    #[test]
    fn values_that_do_not_fit_their_column_keep_their_storage_class() {
        assert_eq!(
            json(ValueClass::Integer, CellValue::Text(b"abc")),
            "\"abc\""
        );
        assert_eq!(json(ValueClass::Integer, CellValue::Real(1.5)), "1.5");
        assert_eq!(
            json(ValueClass::Boolean, CellValue::Text(b"maybe")),
            "\"maybe\""
        );
        assert_eq!(json(ValueClass::Integer, CellValue::Blob(&[0])), "\"AA==\"");
    }
}
