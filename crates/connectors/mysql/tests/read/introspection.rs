//! Introspection through information_schema of every MySQL type, with MySQL's type names
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
            ("id", "bigint(20)", DfType::Id),
            ("small", "smallint(6)", DfType::Integer),
            ("i", "int(11)", DfType::Integer),
            ("big", "bigint(20)", DfType::BigInt),
            ("n", "decimal(12,3)", DfType::Decimal),
            ("f", "float", DfType::Float),
            ("dp", "double", DfType::Double),
            ("b", "tinyint(1)", DfType::Boolean),
            ("s", "varchar(10)", DfType::String),
            ("c", "char(3)", DfType::String),
            ("t", "text", DfType::Text),
            ("dt", "datetime", DfType::DateTime),
            ("ts", "timestamp", DfType::Timestamp),
            ("d", "date", DfType::Date),
            ("tm", "time", DfType::Time),
            ("u", "char(36)", DfType::String),
            ("j", "longtext", DfType::Text),
            ("bin", "varbinary(16)", DfType::Binary),
            ("bl", "blob", DfType::Binary),
            ("feeling", "enum('happy','sad')", DfType::String),
            ("yr", "year(4)", DfType::Integer),
        ],
    )
    .await;
    let schema = fixture.database.schema(false).await.expect("schema");
    let typed = schema.table("typed").expect("typed");
    let i = typed.column(typed.column_ref("i").expect("i"));
    assert_eq!(i.default, None);
}
