use std::collections::HashMap;

/// DreamFactory's read options for `GET /_table/{table}` exactly as the client sent them
/// (query string, or the JSON body of `POST` + `X-HTTP-Method: GET`; the query wins).
/// Aliases (`select`, `where`, `top`, `skip`, `sort`, `order_by`, `group_by`) are folded in by
/// the gateway. Strings are raw: parsing and resolution against the schema happen in the
/// connector, so every name is checked and every value bound.
///
/// Only what the client sent: the caller's role and session travel separately, as the
/// [`TableAccess`](crate::TableAccess) every plan requires.
#[derive(Debug, Clone, Default)]
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
    /// `related`: `*` (every relationship the caller may read) or a comma list of
    /// relationship names, each optionally a dotted path into the related table's own
    /// relationships (`contact_info_by_contact_id.contact_by_contact_id`). Blank: none.
    pub related: Option<String>,
    /// `{rel}_fields`, `{rel}_limit` and `{rel}_order` as sent, keyed by parameter name
    /// (`{rel}.fields` is accepted too; case does not matter). For a dotted path the key
    /// starts with the path: `a.b_fields`.
    pub related_options: HashMap<String, String>,
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
