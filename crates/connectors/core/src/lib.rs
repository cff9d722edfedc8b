#![doc = include_str!("../README.md")]

mod access;
pub mod clock;
mod condition;
mod connector;
mod database;
mod df_type;
mod error;
mod field_definition;
pub mod json;
mod plan;
mod read;
mod related;
mod relation;
mod resolve;
mod schema;
mod schema_change;
pub mod sql;
mod value;
mod write;

pub use access::{LookupSource, LookupValue, RowAccess, TableAccess};
pub use condition::{ComparisonOp, Condition, LIKE_ESCAPE, escape_like};
pub use connector::{Connector, ReadOutput};
pub use database::{AuthorizedTable, Database};
pub use df_type::{DeclaredType, DfType, ValueClass};
pub use error::ConnectorError;
pub use field_definition::{
    FieldDefinition, MAX_PICKLIST_VALUE_LEN, MAX_PICKLIST_VALUES, Reference, field_name,
    picklist_check, string_literal,
};
pub use plan::{
    AggregateFunction, FetchedRow, IdLookup, NullsOrder, OrderTerm, Paging, Projection, ReadKind,
    ReadPlan, RequestedId, SelectQuery, attach_related,
};
pub use read::{ReadBounds, ReadRequest};
pub use related::{
    JunctionLink, JunctionQuery, RelatedAccess, RelatedFetcher, RelatedLink, RelatedNode,
    RelatedPlan, RelatedQuery, RelatedRow, TableVerb, Unrestricted, append_members,
};
pub use relation::{Junction, Relation, RelationKind};
pub use resolve::{MAX_FILTER_VALUES, parse_filter, resolve_filter};
pub use schema::{
    ColumnRef, ColumnSchema, ForeignKey, SchemaSnapshot, TableSchema, sole_primary_key,
};
pub use schema_change::{
    CreateTarget, FieldChange, INVALID_SCHEMA_CHANGE, SchemaChange, create_target, existing_column,
    existing_table, no_valid_fields, table_exists,
};
pub use value::{BoundValue, CellValue};
pub use write::{
    BatchMode, ColumnValue, InsertRecord, NestedWriter, ParentRow, RecordError, RecordKey,
    RecordRelations, RecordResult, RecordStore, RecordWriter, Reselect, UpdateRecord, WriteAction,
    WriteBounds, WriteDone, WriteKind, WriteOutput, WritePlan, WriteRequest, unwrap_records,
};
