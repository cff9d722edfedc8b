//! Values crossing the driver: binds go out in PostgreSQL's text form, so the server reads
//! each as the type it inferred for its placeholder (the compared column's); cells come
//! back borrowed from the row, decoded by their wire type.

use std::error::Error;

use bytes::BytesMut;
use sluice_connector_core::{BoundValue, CellValue, ConnectorError};
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::error::map_error;

/// A bound value sent as text. Core types a filter value by its column's DreamFactory
/// type; PostgreSQL's own input function then reads the text as the column's exact type
/// (`'1'` into a boolean, `'2024-01-02'` into a timestamptz, a uuid, a numeric), and a
/// value that does not fit is PostgreSQL's data error (a 400), never a silent mismatch.
#[derive(Debug)]
pub(crate) struct Bind<'a>(pub(crate) &'a BoundValue);

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            BoundValue::Null => return Ok(IsNull::Yes),
            BoundValue::Integer(i) => {
                out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes())
            }
            // Rust prints the shortest text that reads back as the same double, without
            // an exponent, which every numeric input function accepts.
            BoundValue::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
            BoundValue::Text(text) => out.extend_from_slice(text.as_bytes()),
            BoundValue::Blob(bytes) if *ty == Type::BYTEA => {
                out.extend_from_slice(b"\\x");
                for byte in bytes {
                    out.extend_from_slice(&[
                        HEX[usize::from(byte >> 4)],
                        HEX[usize::from(byte & 0xf)],
                    ]);
                }
            }
            BoundValue::Blob(bytes) => {
                out.extend_from_slice(&String::from_utf8_lossy(bytes).into_owned().into_bytes())
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _: &Type) -> tokio_postgres::types::Format {
        tokio_postgres::types::Format::Text
    }

    to_sql_checked!();
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The bytes of a value as they arrived, whatever its type.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Self(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Cell `index` of `row`. Integers, floats and booleans arrive in binary; every other
/// value arrives as text (text types natively, the rest cast with `::text` by the
/// compiler) or, for `bytea`, as its bytes.
pub(crate) fn cell(row: &Row, index: usize) -> Result<CellValue<'_>, ConnectorError> {
    let Some(Raw(raw)) = row
        .try_get::<_, Option<Raw<'_>>>(index)
        .map_err(map_error)?
    else {
        return Ok(CellValue::Null);
    };
    let ty = row.columns()[index].type_();
    let decoded = match *ty {
        Type::INT2 => i16::from_sql(ty, raw).map(|v| CellValue::Integer(v.into())),
        Type::INT4 => i32::from_sql(ty, raw).map(|v| CellValue::Integer(v.into())),
        Type::INT8 => i64::from_sql(ty, raw).map(CellValue::Integer),
        Type::FLOAT4 => f32::from_sql(ty, raw).map(|v| CellValue::Real(v.into())),
        Type::FLOAT8 => f64::from_sql(ty, raw).map(CellValue::Real),
        Type::BOOL => bool::from_sql(ty, raw).map(|v| CellValue::Integer(v.into())),
        Type::BYTEA => Ok(CellValue::Blob(raw)),
        _ => Ok(CellValue::Text(raw)),
    };
    decoded.map_err(|_| {
        ConnectorError::Internal("a value PostgreSQL sent could not be decoded".to_owned())
    })
}
