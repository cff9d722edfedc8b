//! Planning `related`: each requested relationship checked against the schema and the
//! caller's access, and turned into one query template for the whole page of parents.

use std::collections::HashMap;
use std::sync::Arc;

use super::spec::{RelatedOptions, Wanted, WantedItem, invalid_relationship, parse_related};
use super::{RelatedAccess, TableVerb, TableView, table_view};
use crate::access::LookupSource;
use crate::condition::Condition;
use crate::error::ConnectorError;
use crate::json::RowWriter;
use crate::plan::{OrderTerm, Projection, SelectQuery, parse_fields, parse_integer, parse_order};
use crate::read::ReadBounds;
use crate::relation::{Relation, RelationKind};
use crate::schema::{ColumnRef, SchemaSnapshot, TableSchema};
use crate::value::BoundValue;

/// The relationships one read follows from its table, and the columns of that table whose
/// values they link on (selected after everything else the read selects).
#[derive(Debug, Clone, Default)]
pub struct RelatedPlan {
    pub nodes: Vec<RelatedNode>,
    /// The parent's link columns; each node's `parent_link` indexes this list.
    pub links: Vec<ColumnRef>,
}

impl RelatedPlan {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// One followed relationship: the query template, how its rows are written, and the
/// relationships followed inside each of its rows.
#[derive(Debug, Clone)]
pub struct RelatedNode {
    /// The relationship's name: the key its data gets in each parent record.
    pub name: String,
    pub kind: RelationKind,
    /// The related table (a many_many's far table) as the caller may read it.
    pub table: Arc<TableSchema>,
    /// The visible fields (`{rel}_fields`, plus the columns `children` link on, as
    /// DreamFactory adds them), then the link columns of `children`.
    pub projection: Vec<Projection>,
    /// Writes the visible fields (`rows.width()` of them).
    pub rows: RowWriter,
    /// The role's row condition on `table`.
    pub condition: Option<Condition>,
    pub order_by: Vec<OrderTerm>,
    /// `{rel}_limit`: rows of this relationship for the whole page (as DreamFactory's one
    /// query per relationship), at most the service's `max_records`.
    pub limit: u64,
    pub link: RelatedLink,
    pub children: Vec<RelatedNode>,
    /// Index of the parent's value this relationship links on, in the parent's links.
    pub parent_link: usize,
    /// How many link columns of `children` follow the visible fields.
    pub link_count: usize,
}

/// How related rows are tied to their parents.
#[derive(Debug, Clone)]
pub enum RelatedLink {
    /// belongs_to / has_many: `table.column IN (parent values)`.
    Column(ColumnRef),
    /// many_many: through the junction table.
    Junction(JunctionLink),
}

#[derive(Debug, Clone)]
pub struct JunctionLink {
    /// The junction as the caller may read it.
    pub table: Arc<TableSchema>,
    /// The junction's column holding the parent's value.
    pub parent_column: ColumnRef,
    /// The junction's column holding the related table's value.
    pub related_column: ColumnRef,
    /// The related table's column `related_column` refers to.
    pub target: ColumnRef,
    /// The role's row condition on the junction.
    pub condition: Option<Condition>,
}

/// One query of a relationship for a set of parent values. Each row it returns has the
/// parent's link value first, then the node's projection.
#[derive(Debug, Clone)]
pub struct RelatedQuery {
    /// For a column link: the link column then the projection, `WHERE link IN (values) AND
    /// role`. For a junction link: the projection and the related table's role condition
    /// only; `junction` supplies the rest.
    pub select: SelectQuery,
    pub junction: Option<JunctionQuery>,
}

/// `FROM related JOIN junction ON junction.related_column = related.target`, selecting
/// `junction.parent_column` first, `WHERE condition` (on the junction) `AND` the related
/// table's condition.
#[derive(Debug, Clone)]
pub struct JunctionQuery {
    pub table: Arc<TableSchema>,
    pub parent_column: ColumnRef,
    pub related_column: ColumnRef,
    pub target: ColumnRef,
    /// `parent_column IN (values)` AND the junction's role condition.
    pub condition: Condition,
}

impl RelatedNode {
    /// The query for these parent values, returning at most `limit` rows.
    pub fn query(&self, values: &[BoundValue], limit: u64) -> RelatedQuery {
        let within = |column: ColumnRef| Condition::In {
            column,
            values: values.to_vec(),
            negated: false,
        };
        let and_role = |link: Condition, role: &Option<Condition>| match role {
            Some(role) => Condition::And(vec![link, role.clone()]),
            None => link,
        };
        let select = |projection: Vec<Projection>, condition: Option<Condition>| SelectQuery {
            table: Arc::clone(&self.table),
            projection,
            condition,
            group_by: Vec::new(),
            order_by: self.order_by.clone(),
            limit: Some(limit),
            offset: 0,
        };
        match &self.link {
            RelatedLink::Column(column) => {
                let mut projection = Vec::with_capacity(self.projection.len() + 1);
                projection.push(Projection::Column(*column));
                projection.extend_from_slice(&self.projection);
                let condition = and_role(within(*column), &self.condition);
                RelatedQuery {
                    select: select(projection, Some(condition)),
                    junction: None,
                }
            }
            RelatedLink::Junction(junction) => RelatedQuery {
                select: select(self.projection.clone(), self.condition.clone()),
                junction: Some(JunctionQuery {
                    table: Arc::clone(&junction.table),
                    parent_column: junction.parent_column,
                    related_column: junction.related_column,
                    target: junction.target,
                    condition: and_role(within(junction.parent_column), &junction.condition),
                }),
            },
        }
    }
}

/// What planning `related` needs from the request.
pub(crate) struct RelatedRequest<'a> {
    pub(crate) related: Option<&'a str>,
    pub(crate) options: &'a HashMap<String, String>,
    pub(crate) access: &'a dyn RelatedAccess,
    pub(crate) lookups: Option<&'a dyn LookupSource>,
    pub(crate) bounds: &'a ReadBounds,
}

/// Plans `related` for reads of `table` (as the caller may see it).
///
/// An explicitly named relationship that cannot be followed is an error; with `*`, the
/// relationships the caller may not follow (a denied or hidden table or column, a
/// multi-column key) are left out.
///
/// # Errors
///
/// 400 `Invalid relationship 'x' requested.` (unknown, or through a hidden column), 400 for
/// too deep a path or more relationships than `bounds.max_relations`, the 400s of the
/// sub-options, 403 when the role may not read a named related table, 501 for multi-column
/// keys, `ServerFilter` for an unusable role filter.
pub(crate) fn plan_related(
    schema: &SchemaSnapshot,
    table: &TableSchema,
    request: &RelatedRequest<'_>,
) -> Result<RelatedPlan, ConnectorError> {
    let Some(text) = request.related.filter(|text| !text.trim().is_empty()) else {
        return Ok(RelatedPlan::default());
    };
    let wanted = parse_related(text, request.bounds.max_related_depth)?;
    let mut planner = Planner {
        schema,
        request,
        options: RelatedOptions::new(request.options),
        planned: 0,
    };
    let (nodes, links) = planner.level(table, &wanted, "")?;
    Ok(RelatedPlan { nodes, links })
}

struct Planner<'a> {
    schema: &'a SchemaSnapshot,
    request: &'a RelatedRequest<'a>,
    options: RelatedOptions,
    planned: usize,
}

impl Planner<'_> {
    fn level(
        &mut self,
        table: &TableSchema,
        wanted: &Wanted,
        prefix: &str,
    ) -> Result<(Vec<RelatedNode>, Vec<ColumnRef>), ConnectorError> {
        let named = |relation: &Relation| {
            wanted
                .items
                .iter()
                .find(|item| item.name.eq_ignore_ascii_case(&relation.name))
        };
        let mut selected: Vec<(&Relation, Option<&WantedItem>)> = Vec::new();
        if wanted.all {
            selected.extend(table.relations().iter().map(|r| (r, named(r))));
        }
        for item in &wanted.items {
            let relation = table
                .relation(&item.name)
                .ok_or_else(|| invalid_relationship(&item.name))?;
            if !selected.iter().any(|(r, _)| r.name == relation.name) {
                selected.push((relation, Some(item)));
            }
        }
        let mut nodes = Vec::with_capacity(selected.len());
        let mut links: Vec<ColumnRef> = Vec::new();
        for (relation, item) in selected {
            let node = match self.node(table, relation, item, prefix, &mut links) {
                Ok(node) => node,
                Err(Skip::Unavailable(_)) if item.is_none() => continue,
                Err(Skip::Unavailable(error) | Skip::Fatal(error)) => return Err(error),
            };
            self.planned += 1;
            if self.planned > self.request.bounds.max_relations {
                return Err(ConnectorError::bad_request(format!(
                    "Too many relationships in one request: the limit is {}.",
                    self.request.bounds.max_relations
                )));
            }
            nodes.push(node);
        }
        Ok((nodes, links))
    }

    fn node(
        &mut self,
        table: &TableSchema,
        relation: &Relation,
        item: Option<&WantedItem>,
        prefix: &str,
        links: &mut Vec<ColumnRef>,
    ) -> Result<RelatedNode, Skip> {
        if relation.is_multi_column() {
            return Err(Skip::Unavailable(ConnectorError::NotImplemented(
                "Relating records with multi-column foreign keys is not currently supported."
                    .to_owned(),
            )));
        }
        let invalid = || Skip::Unavailable(invalid_relationship(&relation.name));
        let local = table.column_ref(&relation.field[0]).ok_or_else(invalid)?;
        let related = self.view(&relation.ref_table)?;
        let target = related
            .table
            .column_ref(&relation.ref_field[0])
            .ok_or_else(invalid)?;
        let link = match &relation.junction {
            None => RelatedLink::Column(target),
            Some(junction) => {
                let view = self.view(&junction.table)?;
                let column = |name: &str| view.table.column_ref(name).ok_or_else(invalid);
                RelatedLink::Junction(JunctionLink {
                    parent_column: column(&junction.field[0])?,
                    related_column: column(&junction.ref_field[0])?,
                    target,
                    condition: view.role.clone(),
                    table: Arc::clone(&view.table),
                })
            }
        };
        let path = format!("{prefix}{}", relation.name.to_ascii_lowercase());
        let inner = Wanted {
            all: false,
            items: item.map(|item| item.children.clone()).unwrap_or_default(),
        };
        let (children, child_links) = self
            .level(&related.table, &inner, &format!("{path}."))
            .map_err(Skip::Fatal)?;
        let node = self
            .shape(relation, related, link, &path, children, child_links)
            .map_err(Skip::Fatal)?;
        let parent_link = match links.iter().position(|&c| c == local) {
            Some(position) => position,
            None => {
                links.push(local);
                links.len() - 1
            }
        };
        Ok(RelatedNode {
            parent_link,
            ..node
        })
    }

    /// The related table (or junction) as the caller may read it.
    fn view(&self, name: &str) -> Result<TableView, Skip> {
        table_view(
            self.schema,
            self.request.access,
            self.request.lookups,
            name,
            TableVerb::Get,
        )
        .map_err(|error| match error {
            ConnectorError::Forbidden(_) => Skip::Unavailable(error),
            other => Skip::Fatal(other),
        })
    }

    /// Projection, order and limit from `{path}_fields`, `{path}_order`, `{path}_limit`.
    fn shape(
        &self,
        relation: &Relation,
        related: TableView,
        link: RelatedLink,
        path: &str,
        children: Vec<RelatedNode>,
        child_links: Vec<ColumnRef>,
    ) -> Result<RelatedNode, ConnectorError> {
        let table = related.table;
        let bounds = self.request.bounds;
        let mut visible = parse_fields(&table, self.options.get(path, "fields"), false)?;
        for &column in &child_links {
            if !visible.contains(&Projection::Column(column)) {
                visible.push(Projection::Column(column));
            }
        }
        let keys: Vec<String> = visible.iter().map(|p| p.key(&table)).collect();
        let rows = RowWriter::object(
            keys.iter()
                .map(String::as_str)
                .zip(visible.iter().map(|p| p.value_class(&table))),
        );
        let mut projection = visible;
        projection.extend(child_links.iter().copied().map(Projection::Column));
        let order_by = match self.options.get(path, "order") {
            Some(order) if !order.trim().is_empty() => {
                parse_order(&table, Some(order), bounds.max_order_terms)?
            }
            _ => table
                .primary_key()
                .iter()
                .map(|&column| OrderTerm {
                    column,
                    descending: false,
                    nulls: None,
                })
                .collect(),
        };
        let max = bounds.max_records.max(1);
        let limit = match parse_integer(self.options.get(path, "limit"), &format!("{path}_limit"))?
        {
            Some(limit) if limit >= 1 && limit <= i128::from(max) => limit as u64,
            _ => max,
        };
        Ok(RelatedNode {
            name: relation.name.clone(),
            kind: relation.kind,
            table,
            projection,
            rows,
            condition: related.role,
            order_by,
            limit,
            link,
            children,
            parent_link: 0,
            link_count: child_links.len(),
        })
    }
}

/// A relationship that cannot be followed: skipped under `*` when `Unavailable`, an error
/// otherwise.
enum Skip {
    Unavailable(ConnectorError),
    Fatal(ConnectorError),
}
