use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::access::{LookupSource, RowAccess};
use crate::related::RelatedAccess;

/// DreamFactory's read options for `GET /_table/{table}` exactly as the client sent them
/// (query string, or the JSON body of `POST` + `X-HTTP-Method: GET`; the query wins).
/// Aliases (`select`, `where`, `top`, `skip`, `sort`, `order_by`, `group_by`) are folded in by
/// the gateway. Strings are raw: parsing and resolution against the schema happen in the
/// connector, so every name is checked and every value bound.
///
/// `lookups` and `access` come from the caller's session and role, never from the request.
#[derive(Clone, Default)]
pub struct ReadRequest {
    /// `fields`: `None` = all (`*`); `Some("")` = primary key column(s) only.
    pub fields: Option<String>,
    pub filter: Option<String>,
    /// Raw text: `abc` or out-of-range values are handled per DreamFactory (see bounds).
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub order: Option<String>,
    pub group: Option<String>,
    pub ids: Option<String>,
    pub id_field: Option<String>,
    pub include_count: bool,
    pub count_only: bool,
    pub include_schema: bool,
    pub as_list: bool,
    pub continue_on_error: bool,
    pub refresh: bool,
    /// `params` for `:name` placeholders in the filter; keys with or without the leading `:`.
    pub params: HashMap<String, serde_json::Value>,
    /// Values for `{name}` lookups. `None`: every lookup in the client's filter is a 400,
    /// and every lookup in the role's filter matches no row.
    pub lookups: Option<Arc<dyn LookupSource>>,
    /// The role's row filter and hidden fields for this table; `None`: unrestricted.
    pub access: Option<Arc<RowAccess>>,
    /// `related`: `*` (every relationship the caller may read) or a comma list of
    /// relationship names, each optionally a dotted path into the related table's own
    /// relationships (`contact_info_by_contact_id.contact_by_contact_id`). Blank: none.
    pub related: Option<String>,
    /// `{rel}_fields`, `{rel}_limit` and `{rel}_order` as sent, keyed by parameter name
    /// (`{rel}.fields` is accepted too; case does not matter). For a dotted path the key
    /// starts with the path: `a.b_fields`.
    pub related_options: HashMap<String, String>,
    /// How the caller may read the related tables (their role permissions, row filters and
    /// hidden fields). `None`: no related table may be read, every relationship is refused.
    pub related_access: Option<Arc<dyn RelatedAccess>>,
}

impl fmt::Debug for ReadRequest {
    /// Everything but the lookup values, which are session data (API keys, e-mail
    /// addresses) that must not end up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadRequest")
            .field("fields", &self.fields)
            .field("filter", &self.filter)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("order", &self.order)
            .field("group", &self.group)
            .field("ids", &self.ids)
            .field("id_field", &self.id_field)
            .field("include_count", &self.include_count)
            .field("count_only", &self.count_only)
            .field("include_schema", &self.include_schema)
            .field("as_list", &self.as_list)
            .field("continue_on_error", &self.continue_on_error)
            .field("refresh", &self.refresh)
            .field("params", &self.params)
            .field("lookups", &self.lookups.as_ref().map(|_| "..."))
            .field("access", &self.access)
            .field("related", &self.related)
            .field("related_options", &self.related_options)
            .field(
                "related_access",
                &self.related_access.as_ref().map(|_| "..."),
            )
            .finish()
    }
}

/// Limits that come from configuration rather than from the request.
#[derive(Debug, Clone, Copy)]
pub struct ReadBounds {
    /// The service's `max_records` (default 1000), already capped by `instance_max_records`.
    pub max_records: u64,
    pub filter_max_length: usize,
    pub filter_max_nodes: usize,
    pub filter_max_depth: usize,
    pub filter_max_in_list: usize,
    pub max_ids: usize,
    pub max_order_terms: usize,
    /// Levels of a `related` path (`a.b.c` is 3).
    pub max_related_depth: usize,
    /// Relationships followed by one request, at every level together.
    pub max_relations: usize,
}

impl Default for ReadBounds {
    fn default() -> Self {
        Self {
            max_records: 1000,
            filter_max_length: 8000,
            filter_max_nodes: 200,
            filter_max_depth: 32,
            filter_max_in_list: 1000,
            max_ids: 1000,
            max_order_terms: 16,
            max_related_depth: 3,
            max_relations: 16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::test_support::Session;

    #[test]
    fn debug_output_leaves_lookup_values_out() {
        let request = ReadRequest {
            filter: Some("owner = {app.api_key}".into()),
            lookups: Some(Arc::new(
                Session::default().with("app.api_key", "secret-key".into()),
            )),
            ..ReadRequest::default()
        };
        let text = format!("{request:?}");
        assert!(text.contains("owner = {app.api_key}"), "{text}");
        assert!(!text.contains("secret-key"), "{text}");
    }
}
