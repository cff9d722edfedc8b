//! `GET /api/v2/{service}/_table`: the tables (and views) of a service, and the table listing
//! `GET /_schema` shares with it.

use actix_web::{HttpRequest, HttpResponse, web};
use sluice_connector_core::json::{TABLE_LIST_FIELDS, TableSummary};

use super::{database, open_service};
use crate::auth::Principal;
use crate::auth::access::ServiceAccess;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok;
use crate::state::AppState;
use crate::system::listing::{ListKey, ListShape, list_records};

pub async fn list_tables(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let access = open_service(&state, principal, &path, request.method(), "_table").await?;
    let database = database(&state, &access)?;
    let params = Params::from_query(request.query_string())?;
    let names = database.table_names(params.flag("refresh")).await?;
    // DreamFactory's SQLite schema reports views as tables here.
    let summaries = names.iter().map(|name| TableSummary::new(name, false));
    list_tables_as(&access, summaries, TableListing::Table, &params, &state)
}

/// Which resource lists the tables: each shows only the tables the caller may use through
/// it, with the verbs it may use there as `access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableListing {
    /// `GET /_table`: components `_table/{table}`.
    Table,
    /// `GET /_schema`: components `_schema/{table}`, items with `alias` first.
    Schema,
}

impl TableListing {
    fn component(self, table: &str) -> String {
        let resource = match self {
            TableListing::Table => "_table",
            TableListing::Schema => "_schema",
        };
        format!("{resource}/{}", table.to_ascii_lowercase())
    }
}

/// Lists tables with the list options every in-memory listing takes (`fields`, default
/// `name` only; `filter`, `ids` by name, `order`, `limit`, `offset`, `include_count`,
/// `count_only`, `as_list`), leaving out the tables the caller may not use.
pub fn list_tables_as<'a>(
    access: &ServiceAccess,
    tables: impl Iterator<Item = TableSummary<'a>>,
    listing: TableListing,
    params: &Params,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let with_alias = listing == TableListing::Schema;
    let records = tables
        .filter_map(|table| {
            let component = listing.component(table.name);
            if !access.may_see(&component) {
                return None;
            }
            let verbs: Vec<&str> = access
                .permitted(&component)
                .verbs()
                .map(|verb| verb.as_str())
                .collect();
            Some(table.listing_item(with_alias, &verbs))
        })
        .collect();
    let columns = if with_alias {
        &TABLE_LIST_FIELDS[..]
    } else {
        &TABLE_LIST_FIELDS[1..]
    };
    let shape = ListShape {
        key: ListKey::Name,
        columns,
        related: &[],
        default_fields: Some(&["name"]),
        default_order: None,
    };
    let listing = list_records(records, &shape, params, &state.settings.limits)?;
    Ok(ok(listing.into_json()))
}
