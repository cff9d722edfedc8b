//! Planning and loading related data without a database: a fetcher over canned rows that
//! counts its queries.

use std::collections::HashMap;
use std::sync::Arc;

use super::*;
use crate::access::RowAccess;
use crate::condition::Condition;
use crate::json::RowWriter;
use crate::read::ReadBounds;
use crate::relation::RelationKind;
use crate::schema::{ColumnSchema, ForeignKey, SchemaSnapshot, TableSchema};
use crate::value::BoundValue;

fn key(column: &str, ref_table: &str) -> ForeignKey {
    ForeignKey {
        columns: vec![column.into()],
        ref_table: ref_table.into(),
        ref_columns: vec!["id".into()],
        on_update: "NO ACTION".into(),
        on_delete: "CASCADE".into(),
    }
}

fn table(name: &str, columns: &[(&str, &str)], keys: Vec<ForeignKey>) -> TableSchema {
    let columns = columns
        .iter()
        .map(|(column, declared)| {
            let mut schema = ColumnSchema::from_declared(*column, *declared);
            schema.is_primary_key = *column == "id";
            schema
        })
        .collect();
    TableSchema::new(name, false, columns, keys)
}

/// DreamFactory's address book, trimmed to the columns the tests use.
pub(super) fn address_book() -> SchemaSnapshot {
    SchemaSnapshot::new(vec![
        table("contact", &[("id", "INTEGER"), ("name", "TEXT")], vec![]),
        table(
            "contact_group",
            &[("id", "INTEGER"), ("name", "TEXT")],
            vec![],
        ),
        table(
            "contact_group_relationship",
            &[
                ("id", "INTEGER"),
                ("contact_id", "INTEGER"),
                ("contact_group_id", "INTEGER"),
            ],
            vec![
                key("contact_id", "contact"),
                key("contact_group_id", "contact_group"),
            ],
        ),
        table(
            "contact_info",
            &[
                ("id", "INTEGER"),
                ("contact_id", "INTEGER"),
                ("email", "TEXT"),
            ],
            vec![key("contact_id", "contact")],
        ),
    ])
}

/// Denies GET on some tables and hides columns of others.
#[derive(Default)]
struct Role {
    denied: Vec<&'static str>,
    hidden: HashMap<&'static str, Vec<String>>,
}

impl RelatedAccess for Role {
    fn table_access(
        &self,
        table: &str,
        verb: TableVerb,
    ) -> Result<Arc<RowAccess>, crate::ConnectorError> {
        if self.denied.contains(&table) {
            return Err(crate::ConnectorError::Forbidden(format!(
                "{verb} access to component '_table/{table}' of service 'db' is not allowed by this user's role."
            )));
        }
        Ok(match self.hidden.get(table) {
            Some(hidden) => Arc::new(RowAccess::restricted(None, hidden.clone())),
            None => RowAccess::unrestricted(),
        })
    }
}

fn plan_with(
    table: &str,
    related: &str,
    options: &[(&str, &str)],
    access: &dyn RelatedAccess,
    bounds: ReadBounds,
) -> Result<RelatedPlan, String> {
    let schema = address_book();
    let options: HashMap<String, String> = options
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    plan_related(
        &schema,
        schema.table(table).expect("table"),
        &RelatedRequest {
            related: Some(related),
            options: &options,
            access,
            lookups: None,
            bounds: &bounds,
        },
    )
    .map_err(|e| e.to_string())
}

fn plan(table: &str, related: &str) -> Result<RelatedPlan, String> {
    plan_with(table, related, &[], &Unrestricted, ReadBounds::default())
}

fn node_names(nodes: &[RelatedNode]) -> Vec<String> {
    nodes.iter().map(|n| n.name.clone()).collect()
}

#[test]
fn star_follows_every_relationship_linked_on_the_parent_key() {
    let plan = plan("contact", "*").expect("valid");
    assert_eq!(
        node_names(&plan.nodes),
        [
            "contact_group_by_contact_group_relationship",
            "contact_group_relationship_by_contact_id",
            "contact_info_by_contact_id"
        ]
    );
    assert_eq!(plan.links.len(), 1, "all three link on contact.id");
    assert!(matches!(plan.nodes[0].link, RelatedLink::Junction(_)));
    assert_eq!(plan.nodes[2].kind, RelationKind::HasMany);
    assert_eq!(plan.nodes[2].limit, 1000);
}

#[test]
fn unknown_names_and_bounds_are_400s() {
    assert_eq!(
        plan("contact", "nope").map(|_| ()),
        Err("Invalid relationship 'nope' requested.".into())
    );
    let few = ReadBounds {
        max_relations: 2,
        ..ReadBounds::default()
    };
    assert_eq!(
        plan_with("contact", "*", &[], &Unrestricted, few).map(|_| ()),
        Err("Too many relationships in one request: the limit is 2.".into())
    );
    assert_eq!(
        plan_with(
            "contact",
            "contact_info_by_contact_id",
            &[("contact_info_by_contact_id_limit", "many")],
            &Unrestricted,
            ReadBounds::default()
        )
        .map(|_| ()),
        Err("The 'contact_info_by_contact_id_limit' parameter must be an integer.".into())
    );
}

#[test]
fn sub_options_shape_the_related_rows() {
    let plan = plan_with(
        "contact",
        "contact_info_by_contact_id",
        &[
            ("contact_info_by_contact_id_fields", "email"),
            ("contact_info_by_contact_id.limit", "5"),
            ("CONTACT_INFO_BY_CONTACT_ID_ORDER", "email desc"),
        ],
        &Unrestricted,
        ReadBounds::default(),
    )
    .expect("valid");
    let node = &plan.nodes[0];
    assert_eq!(node.rows.width(), 1);
    assert_eq!(node.limit, 5);
    assert!(node.order_by[0].descending);
    let query = node.query(&[BoundValue::Integer(1), BoundValue::Integer(2)], 5);
    assert_eq!(query.select.projection.len(), 2, "link column, then email");
    assert!(matches!(
        query.select.condition,
        Some(Condition::In { ref values, .. }) if values.len() == 2
    ));
}

#[test]
fn a_denied_table_is_left_out_of_star_and_refused_by_name() {
    let role = Role {
        denied: vec!["contact_info"],
        ..Role::default()
    };
    let plan = plan_with("contact", "*", &[], &role, ReadBounds::default()).expect("valid");
    assert!(!node_names(&plan.nodes).contains(&"contact_info_by_contact_id".to_owned()));
    assert_eq!(
        plan_with(
            "contact",
            "contact_info_by_contact_id",
            &[],
            &role,
            ReadBounds::default()
        )
        .map(|_| ()),
        Err("GET access to component '_table/contact_info' of service 'db' is not allowed by this user's role.".into())
    );
    // A junction the role may not read closes the many_many too.
    let role = Role {
        denied: vec!["contact_group_relationship"],
        ..Role::default()
    };
    let plan = plan_with("contact", "*", &[], &role, ReadBounds::default()).expect("valid");
    assert_eq!(node_names(&plan.nodes), ["contact_info_by_contact_id"]);
}

#[test]
fn a_hidden_link_column_closes_the_relationship_like_an_unknown_one() {
    let role = Role {
        hidden: HashMap::from([("contact_info", vec!["contact_id".to_owned()])]),
        ..Role::default()
    };
    let plan = plan_with("contact", "*", &[], &role, ReadBounds::default()).expect("valid");
    assert_eq!(plan.nodes.len(), 2);
    assert_eq!(
        plan_with(
            "contact",
            "contact_info_by_contact_id",
            &[],
            &role,
            ReadBounds::default()
        )
        .map(|_| ()),
        Err("Invalid relationship 'contact_info_by_contact_id' requested.".into())
    );
    // Hidden fields of the related table are unknown in `{rel}_fields`.
    let role = Role {
        hidden: HashMap::from([("contact_info", vec!["email".to_owned()])]),
        ..Role::default()
    };
    assert_eq!(
        plan_with(
            "contact",
            "contact_info_by_contact_id",
            &[("contact_info_by_contact_id_fields", "email")],
            &role,
            ReadBounds::default()
        )
        .map(|_| ()),
        Err("Invalid field requested: email".into())
    );
}

/// A canned related row: its link value, its JSON and the values its own relations link on.
type Canned = (i64, &'static str, Vec<BoundValue>);

/// Canned rows per table; counts queries.
#[derive(Default)]
struct Fetcher {
    rows: HashMap<&'static str, Vec<Canned>>,
    queries: Vec<String>,
}

impl RelatedFetcher for Fetcher {
    fn fetch(
        &mut self,
        query: &RelatedQuery,
        _rows: &RowWriter,
        _link_count: usize,
        buf: &mut Vec<u8>,
    ) -> Result<Vec<RelatedRow>, crate::ConnectorError> {
        let table = query.select.table.name().to_owned();
        self.queries.push(table.clone());
        let condition = match &query.junction {
            Some(junction) => junction.condition.clone(),
            None => query.select.condition.clone().expect("link condition"),
        };
        let Condition::In { values, .. } = condition else {
            panic!("unexpected condition {condition:?}");
        };
        let mut out = Vec::new();
        for (link, json, links) in self.rows.get(table.as_str()).into_iter().flatten() {
            if values.contains(&BoundValue::Integer(*link)) {
                let start = buf.len();
                buf.extend_from_slice(json.as_bytes());
                out.push(RelatedRow {
                    link: BoundValue::Integer(*link),
                    json: start..buf.len(),
                    links: links.clone(),
                });
            }
        }
        Ok(out)
    }
}

#[test]
fn one_query_per_relationship_for_any_number_of_parents() {
    let plan = plan(
        "contact_info",
        "contact_by_contact_id.contact_info_by_contact_id",
    )
    .expect("valid");
    let mut fetcher = Fetcher::default();
    fetcher.rows.insert(
        "contact",
        vec![
            (1, r#"{"id":1}"#, vec![BoundValue::Integer(1)]),
            (2, r#"{"id":2}"#, vec![BoundValue::Integer(2)]),
        ],
    );
    fetcher.rows.insert(
        "contact_info",
        vec![(1, r#"{"id":10}"#, vec![]), (1, r#"{"id":11}"#, vec![])],
    );
    let parents: Vec<Vec<BoundValue>> = [1, 2, 1, 3]
        .into_iter()
        .map(|id| vec![BoundValue::Integer(id)])
        .chain([vec![BoundValue::Null]])
        .collect();
    let parents: Vec<&[BoundValue]> = parents.iter().map(Vec::as_slice).collect();
    let members = plan.load(&mut fetcher, &parents).expect("loads");
    assert_eq!(fetcher.queries, ["contact", "contact_info"]);
    let text: Vec<String> = members
        .iter()
        .map(|m| String::from_utf8(m.clone()).expect("utf-8"))
        .collect();
    let one =
        r#","contact_by_contact_id":{"id":1,"contact_info_by_contact_id":[{"id":10},{"id":11}]}"#;
    assert_eq!(text[0], one);
    assert_eq!(
        text[1],
        r#","contact_by_contact_id":{"id":2,"contact_info_by_contact_id":[]}"#
    );
    assert_eq!(text[2], one);
    assert_eq!(text[3], r#","contact_by_contact_id":null"#);
    assert_eq!(text[4], r#","contact_by_contact_id":null"#);
}

#[test]
fn members_go_inside_the_object() {
    let mut out = Vec::new();
    append_members(br#"{"a":1}"#, br#","b":2"#, &mut out);
    append_members(b"{}", br#","c":[]"#, &mut out);
    append_members(br#"{"d":4}"#, b"", &mut out);
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        r#"{"a":1,"b":2}{"c":[]}{"d":4}"#
    );
}
