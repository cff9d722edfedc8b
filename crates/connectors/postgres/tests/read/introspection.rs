//! Introspection through pg_catalog of every PostgreSQL type, with PostgreSQL's type names
//! (`sluice_connector_conformance::introspection`); the tables, keys and relationships of
//! the shared data set are among the checks of `read_tests!` (`conformance.rs`).

use sluice_connector_conformance::introspection;
use sluice_connector_core::DfType;

use crate::helpers::*;

#[tokio::test]
async fn every_type_maps_to_its_dreamfactory_type() {
    let fixture = fixture().await;
    introspection::check_typed_columns(
        &fixture.database,
        &[
            ("id", "bigint", DfType::Id),
            ("small", "smallint", DfType::Integer),
            ("i", "integer", DfType::Integer),
            ("big", "bigint", DfType::BigInt),
            ("n", "numeric(12,3)", DfType::Decimal),
            ("r", "real", DfType::Float),
            ("dp", "double precision", DfType::Double),
            ("b", "boolean", DfType::Boolean),
            ("s", "character varying(10)", DfType::String),
            ("c", "character(3)", DfType::String),
            ("t", "text", DfType::Text),
            ("ts", "timestamp without time zone", DfType::Timestamp),
            ("tstz", "timestamp with time zone", DfType::Timestamp),
            ("d", "date", DfType::Date),
            ("tm", "time without time zone", DfType::Time),
            ("u", "uuid", DfType::String),
            ("j", "json", DfType::Text),
            ("jb", "jsonb", DfType::Text),
            ("bin", "bytea", DfType::Binary),
            ("arr", "integer[]", DfType::String),
            ("tags", "text[]", DfType::String),
            ("feeling", "mood", DfType::String),
        ],
    )
    .await;
    let schema = fixture.database.schema(false).await.expect("schema");
    let typed = schema.table("typed").expect("typed");
    let tstz = typed.column(typed.column_ref("tstz").expect("tstz"));
    assert_eq!(tstz.default.as_deref(), Some("now()"));
}
