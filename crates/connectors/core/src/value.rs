//! Values crossing the connector boundary in both directions.

use crate::df_type::ValueClass;

/// A value to bind as a statement parameter, already typed by the column it is compared
/// with. Client text never reaches SQL any other way.
#[derive(Debug, Clone, PartialEq)]
pub enum BoundValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl BoundValue {
    /// Equality as SQL compares these storage classes with numeric affinity: an integer and
    /// a real are equal when numerically equal; NULL equals nothing.
    pub fn sql_equals(&self, other: &BoundValue) -> bool {
        match (self, other) {
            (Self::Integer(a), Self::Integer(b)) => a == b,
            (Self::Integer(a), Self::Real(b)) | (Self::Real(b), Self::Integer(a)) => {
                // Exact comparison: an i64 converts to f64 losslessly only below 2^53, so
                // compare in the integer domain when the real is integral.
                b.fract() == 0.0 && *b >= i64::MIN as f64 && *b < i64::MAX as f64 && *a == *b as i64
            }
            (Self::Real(a), Self::Real(b)) => a == b,
            (Self::Text(a), Self::Text(b)) => a == b,
            (Self::Blob(a), Self::Blob(b)) => a == b,
            _ => false,
        }
    }
}

impl BoundValue {
    /// The borrowed form, to write a bound value with the same JSON writer as a stored one.
    pub fn as_cell(&self) -> CellValue<'_> {
        match self {
            Self::Null => CellValue::Null,
            Self::Integer(i) => CellValue::Integer(*i),
            Self::Real(f) => CellValue::Real(*f),
            Self::Text(text) => CellValue::Text(text.as_bytes()),
            Self::Blob(bytes) => CellValue::Blob(bytes),
        }
    }
}

/// One stored value as a driver hands it out, borrowed from the row: the five SQLite
/// storage classes, which also cover what other drivers return once converted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellValue<'a> {
    Null,
    Integer(i64),
    Real(f64),
    /// Text bytes; normally UTF-8, but a database can hold anything, so writers must cope.
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl CellValue<'_> {
    /// The owned form, for matching rows to requested identifiers.
    pub fn to_bound(self) -> BoundValue {
        match self {
            Self::Null => BoundValue::Null,
            Self::Integer(i) => BoundValue::Integer(i),
            Self::Real(f) => BoundValue::Real(f),
            Self::Text(t) => BoundValue::Text(String::from_utf8_lossy(t).into_owned()),
            Self::Blob(b) => BoundValue::Blob(b.to_vec()),
        }
    }

    /// The owned form of a value read to match rows to requested ids and related rows to
    /// their parents, typed by its column's `class`: a number that arrived as its text (a
    /// decimal, which drivers send as text) is read as the number core typed the requested
    /// value as.
    pub fn to_key(self, class: ValueClass) -> BoundValue {
        match (class, self) {
            (ValueClass::Integer | ValueClass::Number, Self::Text(text)) => {
                let text = String::from_utf8_lossy(text);
                if let Ok(integer) = text.parse::<i64>() {
                    BoundValue::Integer(integer)
                } else if let Ok(real) = text.parse::<f64>() {
                    BoundValue::Real(real)
                } else {
                    BoundValue::Text(text.into_owned())
                }
            }
            (_, value) => value.to_bound(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_equals_compares_numbers_across_storage_classes() {
        assert!(BoundValue::Integer(3).sql_equals(&BoundValue::Real(3.0)));
        assert!(!BoundValue::Integer(3).sql_equals(&BoundValue::Real(3.5)));
        assert!(!BoundValue::Integer(3).sql_equals(&BoundValue::Text("3".into())));
        assert!(!BoundValue::Null.sql_equals(&BoundValue::Null));
    }

    #[test]
    fn numbers_sent_as_text_are_read_as_numbers_for_numeric_columns_only() {
        let key = |text: &'static str, class| CellValue::Text(text.as_bytes()).to_key(class);
        assert_eq!(key("12", ValueClass::Integer), BoundValue::Integer(12));
        assert_eq!(key("1.50", ValueClass::Number), BoundValue::Real(1.5));
        assert_eq!(
            key("n/a", ValueClass::Number),
            BoundValue::Text("n/a".into())
        );
        assert_eq!(key("12", ValueClass::Text), BoundValue::Text("12".into()));
        assert_eq!(
            CellValue::Integer(3).to_key(ValueClass::Text),
            BoundValue::Integer(3)
        );
    }
}
