//! The keys every DreamFactory view of a table shares: `name, label, description, native,
//! plural, is_view`, built in one place for the table listings (`GET /_table`, `GET
//! /_schema`) and the table descriptors, so they never disagree on a label or a plural.

use serde_json::{Map, Value, json};

use super::inflect::{label, plural};
use super::object::Object;

/// A table's summary: its name with the display names derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary<'a> {
    pub name: &'a str,
    /// `contact_info` -> `Contact Info`.
    pub label: String,
    /// English plural of the label: `Person` -> `People`.
    pub plural: String,
    pub is_view: bool,
}

/// The keys of a listing item, in DreamFactory's order; `alias` only in the `_schema` list.
pub const TABLE_LIST_FIELDS: [&str; 8] = [
    "alias",
    "name",
    "label",
    "description",
    "native",
    "plural",
    "is_view",
    "access",
];

impl<'a> TableSummary<'a> {
    pub fn new(name: &'a str, is_view: bool) -> Self {
        let label = label(name);
        let plural = plural(&label);
        Self {
            name,
            label,
            plural,
            is_view,
        }
    }

    /// One item of a table listing: the shared keys, `alias` (null) first when `with_alias`
    /// (the `_schema` list) and `access`, the verbs the caller may use, last.
    pub fn listing_item(&self, with_alias: bool, access: &[&str]) -> Map<String, Value> {
        let mut item = Map::new();
        if with_alias {
            item.insert("alias".into(), Value::Null);
        }
        item.insert("name".into(), json!(self.name));
        item.insert("label".into(), json!(self.label));
        item.insert("description".into(), Value::Null);
        item.insert("native".into(), json!([]));
        item.insert("plural".into(), json!(self.plural));
        item.insert("is_view".into(), json!(self.is_view));
        item.insert("access".into(), json!(access));
        item
    }

    /// Writes the shared keys into a descriptor being written.
    pub(super) fn write_keys(&self, object: &mut Object<'_>) {
        object.string("name", self.name);
        object.string("label", &self.label);
        object.null("description");
        object.raw("native", b"[]");
        object.string("plural", &self.plural);
        object.boolean("is_view", self.is_view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irregular_and_regular_plurals_come_from_one_inflector() {
        let person = TableSummary::new("person", false);
        assert_eq!(
            (person.label.as_str(), person.plural.as_str()),
            ("Person", "People")
        );
        let child = TableSummary::new("child", false);
        assert_eq!(child.plural, "Children");
        let info = TableSummary::new("contact_info", true);
        assert_eq!(
            (info.label.as_str(), info.plural.as_str()),
            ("Contact Info", "Contact Infos")
        );
    }

    #[test]
    fn listing_items_carry_the_shared_keys_and_the_callers_access() {
        let item = TableSummary::new("order_status", false).listing_item(true, &["GET"]);
        assert_eq!(
            Value::Object(item),
            json!({"alias": null, "name": "order_status", "label": "Order Status",
                   "description": null, "native": [], "plural": "Order Statuses",
                   "is_view": false, "access": ["GET"]})
        );
        let item = TableSummary::new("todo", false).listing_item(false, &[]);
        assert!(!item.contains_key("alias"));
        let keys: Vec<&str> = TABLE_LIST_FIELDS[1..].to_vec();
        assert!(keys.iter().all(|key| item.contains_key(*key)));
    }
}
