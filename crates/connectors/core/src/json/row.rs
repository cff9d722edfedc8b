//! One row as a JSON object (`{"id":1,"name":"x"}`) or, for `as_list`, as its identifier.

use super::{write_cell, write_str};
use crate::df_type::ValueClass;
use crate::value::CellValue;
use std::sync::Arc;

/// Writes rows of a fixed projection. Keys are escaped once, up front, so each row costs
/// only its values; clones share them (a table keeps the writer for all its columns).
#[derive(Debug, Clone)]
pub struct RowWriter {
    fields: Arc<[Field]>,
    shape: Shape,
}

#[derive(Debug, Clone)]
struct Field {
    /// `"name":`, already escaped.
    key: Vec<u8>,
    class: ValueClass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Object,
    /// `as_list`: one identifier column → its typed value; several → `"(v1,v2)"`.
    Identifier,
}

impl RowWriter {
    /// Rows as objects keyed by `name`, in the given order.
    pub fn object<'a>(fields: impl IntoIterator<Item = (&'a str, ValueClass)>) -> Self {
        let fields = fields
            .into_iter()
            .map(|(name, class)| {
                let mut key = Vec::with_capacity(name.len() + 3);
                write_str(&mut key, name);
                key.push(b':');
                Field { key, class }
            })
            .collect();
        Self {
            fields,
            shape: Shape::Object,
        }
    }

    /// Rows as their identifier (`as_list`).
    pub fn identifier(classes: impl IntoIterator<Item = ValueClass>) -> Self {
        let fields = classes
            .into_iter()
            .map(|class| Field {
                key: Vec::new(),
                class,
            })
            .collect();
        Self {
            fields,
            shape: Shape::Identifier,
        }
    }

    /// How many cells each row supplies (cells `0..width()`).
    pub fn width(&self) -> usize {
        self.fields.len()
    }

    /// Writes one row, asking `cell_at` for each of the `width()` cells in order.
    ///
    /// # Errors
    ///
    /// Whatever `cell_at` fails with; the buffer then holds a partial row.
    pub fn write_row<'r, E>(
        &self,
        buf: &mut Vec<u8>,
        mut cell_at: impl FnMut(usize) -> Result<CellValue<'r>, E>,
    ) -> Result<(), E> {
        match self.shape {
            Shape::Object => {
                buf.push(b'{');
                for (index, field) in self.fields.iter().enumerate() {
                    if index > 0 {
                        buf.push(b',');
                    }
                    buf.extend_from_slice(&field.key);
                    write_cell(buf, field.class, cell_at(index)?);
                }
                buf.push(b'}');
            }
            Shape::Identifier if self.fields.len() == 1 => {
                write_cell(buf, self.fields[0].class, cell_at(0)?);
            }
            Shape::Identifier => {
                // DreamFactory's composite identifier: the values joined by commas inside
                // parentheses, as one string.
                let mut joined = String::from("(");
                for index in 0..self.fields.len() {
                    if index > 0 {
                        joined.push(',');
                    }
                    append_plain(&mut joined, cell_at(index)?);
                }
                joined.push(')');
                write_str(buf, &joined);
            }
        }
        Ok(())
    }
}

fn append_plain(out: &mut String, cell: CellValue<'_>) {
    match cell {
        CellValue::Null => {}
        CellValue::Integer(i) => out.push_str(itoa::Buffer::new().format(i)),
        CellValue::Real(f) => out.push_str(ryu::Buffer::new().format(f)),
        CellValue::Text(text) | CellValue::Blob(text) => {
            out.push_str(&String::from_utf8_lossy(text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(writer: &RowWriter, cells: &[CellValue<'_>]) -> String {
        let mut buf = Vec::new();
        writer
            .write_row(&mut buf, |i| Ok::<_, ()>(cells[i]))
            .expect("written");
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn objects_use_the_given_keys_and_classes() {
        let writer = RowWriter::object([("id", ValueClass::Integer), ("na\"me", ValueClass::Text)]);
        assert_eq!(
            row(&writer, &[CellValue::Integer(1), CellValue::Text(b"x")]),
            r#"{"id":1,"na\"me":"x"}"#
        );
    }

    #[test]
    fn identifiers_are_typed_values_or_composite_strings() {
        let single = RowWriter::identifier([ValueClass::Integer]);
        assert_eq!(row(&single, &[CellValue::Integer(7)]), "7");
        let composite = RowWriter::identifier([ValueClass::Integer, ValueClass::Text]);
        assert_eq!(
            row(&composite, &[CellValue::Integer(7), CellValue::Text(b"a")]),
            "\"(7,a)\""
        );
    }
}
