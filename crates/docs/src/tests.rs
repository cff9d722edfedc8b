use serde_json::Value;
use sluice_connector_core::{ColumnSchema, ForeignKey, SchemaSnapshot, TableSchema};

use crate::check::structural_errors;
use crate::{
    DocumentAccess, ServiceInfo, Unrestricted, Verbs, combined_document, service_document,
    system_document,
};

/// A role in these tests: its verbs per component and its hidden fields per table.
struct Role<V: Fn(&str) -> Verbs> {
    verbs: V,
    hidden: &'static [(&'static str, &'static [&'static str])],
}

impl<V: Fn(&str) -> Verbs> DocumentAccess for Role<V> {
    fn verbs(&self, component: &str) -> Verbs {
        (self.verbs)(component)
    }

    fn hidden_fields(&self, table: &str) -> Vec<String> {
        self.hidden
            .iter()
            .filter(|(name, _)| *name == table)
            .flat_map(|(_, fields)| fields.iter().map(|f| f.to_string()))
            .collect()
    }
}

/// A role with the given verbs that hides nothing.
fn role(verbs: impl Fn(&str) -> Verbs) -> Role<impl Fn(&str) -> Verbs> {
    Role { verbs, hidden: &[] }
}

fn snapshot() -> SchemaSnapshot {
    let mut id = ColumnSchema::from_declared("id", "INTEGER");
    id.is_primary_key = true;
    id.auto_increment = true;
    id.allow_null = false;
    let mut name = ColumnSchema::from_declared("name", "VARCHAR(40)");
    name.allow_null = false;
    let contact = TableSchema::new(
        "contact",
        false,
        vec![
            id.clone(),
            name,
            ColumnSchema::from_declared("score", "DECIMAL(10,2)"),
        ],
        vec![],
    );
    let note = TableSchema::new(
        "note",
        false,
        vec![
            id,
            ColumnSchema::from_declared("contact_id", "INTEGER"),
            ColumnSchema::from_declared("body", "TEXT"),
        ],
        vec![ForeignKey {
            columns: vec!["contact_id".into()],
            ref_table: "contact".into(),
            ref_columns: vec!["id".into()],
            on_update: "NO ACTION".into(),
            on_delete: "CASCADE".into(),
        }],
    );
    SchemaSnapshot::new(vec![contact, note])
}

fn info() -> ServiceInfo {
    ServiceInfo {
        name: "db".into(),
        label: "Demo".into(),
        description: None,
        group: Some("Database".into()),
    }
}

fn operations(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for verb in item.as_object().unwrap().keys() {
            out.push(format!("{verb} {path}"));
        }
    }
    out
}

#[test]
fn an_admin_sees_every_verb_on_every_table() {
    let doc = service_document(&info(), &snapshot(), &Unrestricted);
    assert_eq!(structural_errors(&doc), Vec::<String>::new());
    let ops = operations(&doc);
    for expected in [
        "get /_table",
        "post /_table/contact",
        "delete /_table/note/{id}",
        "patch /_table/note",
        "put /_table/contact/{id}",
    ] {
        assert!(
            ops.contains(&expected.to_string()),
            "{expected} missing from {ops:?}"
        );
    }
    assert!(!ops.contains(&"post /_table/contact/{id}".to_string()));
    assert_eq!(doc["servers"][0]["url"], "/api/v2/db");
}

#[test]
fn a_read_only_role_sees_only_get_on_its_tables() {
    let verbs = |component: &str| match component {
        "_table/contact" => Verbs::READ_ONLY,
        _ => Verbs::NONE,
    };
    let doc = service_document(&info(), &snapshot(), &role(verbs));
    assert_eq!(structural_errors(&doc), Vec::<String>::new());
    assert_eq!(
        operations(&doc),
        [
            "get /_table",
            "get /_table/contact",
            "get /_table/contact/{id}"
        ]
    );
    assert!(doc["components"]["schemas"]["note.Record"].is_null());
    assert_eq!(
        doc["paths"]["/_table"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["oneOf"][0]["properties"]["resource"]["items"]["anyOf"][0]["properties"]["name"]["enum"],
        serde_json::json!(["contact"])
    );
}

#[test]
fn schema_paths_follow_the_schema_components() {
    let verbs = |component: &str| match component {
        "_schema" | "_schema/note" => Verbs::READ_ONLY,
        _ => Verbs::NONE,
    };
    let doc = service_document(&info(), &snapshot(), &role(verbs));
    assert_eq!(structural_errors(&doc), Vec::<String>::new());
    assert_eq!(
        operations(&doc),
        [
            "get /_schema",
            "get /_schema/{table_name}",
            "get /_schema/{table_name}/_field",
            "get /_schema/{table_name}/_field/{field_name}",
            "get /_schema/{table_name}/_related",
        ]
    );
    let table_name = &doc["paths"]["/_schema/{table_name}"]["get"]["parameters"][0];
    assert_eq!(table_name["schema"]["enum"], serde_json::json!(["note"]));

    let admin = operations(&service_document(&info(), &snapshot(), &Unrestricted));
    for expected in [
        "post /_schema",
        "patch /_schema",
        "delete /_schema",
        "put /_schema/{table_name}",
        "post /_schema/{table_name}/_field",
        "patch /_schema/{table_name}/_field/{field_name}",
        "delete /_schema/{table_name}/_field/{field_name}",
    ] {
        assert!(
            admin.contains(&expected.to_string()),
            "{expected}: {admin:?}"
        );
    }
}

#[test]
fn column_schemas_carry_types_nullability_and_lengths() {
    let doc = service_document(&info(), &snapshot(), &Unrestricted);
    let contact = &doc["components"]["schemas"]["contact.Record"]["properties"];
    assert_eq!(contact["id"]["type"], "integer");
    assert_eq!(contact["id"]["readOnly"], true);
    assert_eq!(contact["name"]["type"], "string");
    assert_eq!(contact["name"]["maxLength"], 40);
    assert!(contact["name"]["nullable"].is_null());
    assert_eq!(contact["score"]["type"], "number");
    assert_eq!(contact["score"]["nullable"], true);
    let note = &doc["components"]["schemas"]["note.Record"]["properties"];
    assert!(
        note["contact_id"]["description"]
            .as_str()
            .unwrap()
            .contains("`reference`")
    );
}

#[test]
fn every_table_parameter_and_error_response_is_documented() {
    let doc = service_document(&info(), &snapshot(), &Unrestricted);
    for name in [
        "fields",
        "filter",
        "limit",
        "offset",
        "order",
        "group",
        "ids",
        "id_field",
        "include_count",
        "count_only",
        "include_schema",
        "as_list",
        "related",
        "continue",
        "rollback",
    ] {
        assert_eq!(
            doc["components"]["parameters"][name]["in"], "query",
            "{name}"
        );
    }
    let get = &doc["paths"]["/_table/contact"]["get"];
    let refs = get["parameters"].to_string();
    assert!(refs.contains("parameters/count_only") && refs.contains("parameters/related"));
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for (code, response) in op["responses"].as_object().unwrap() {
                if !code.starts_with('2') {
                    assert!(response.to_string().contains("Error"), "{code}");
                }
            }
        }
    }
    let schemes = doc["components"]["securitySchemes"].to_string();
    for needle in [
        "X-DreamFactory-API-Key",
        "api_key",
        "X-DreamFactory-Session-Token",
        "session_token",
        "bearer",
    ] {
        assert!(schemes.contains(needle), "{needle}");
    }
}

#[test]
fn combined_documents_prefix_paths_and_components() {
    let doc = service_document(&info(), &snapshot(), &Unrestricted);
    let combined = combined_document(&[("db".into(), doc)]);
    assert_eq!(structural_errors(&combined), Vec::<String>::new());
    assert!(combined["paths"]["/db/_table/contact"]["get"].is_object());
    assert!(combined["components"]["schemas"]["db.contact.Record"].is_object());
    assert_eq!(
        combined["paths"]["/db/_table/contact"]["get"]["operationId"],
        "db_get_contact_records"
    );
}

#[test]
fn the_system_document_completes_what_utoipa_collects() {
    let collected = serde_json::json!({"openapi": "3.1.0", "paths": {"/system/cache/{service}": {
        "delete": {"operationId": "flush", "parameters": [{"name": "service", "in": "path",
            "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": ["string", "null"]}}}},
                "501": {"description": "No cache."}}},
        "put": {"operationId": "flush", "parameters": [{"name": "service", "in": "path",
            "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}}}});
    let doc = system_document(&collected);
    assert_eq!(structural_errors(&doc), Vec::<String>::new());
    let delete = &doc["paths"]["/system/cache/{service}"]["delete"];
    assert_eq!(delete["operationId"], "flush_delete");
    assert_eq!(
        delete["responses"]["200"]["content"]["application/json"]["schema"],
        serde_json::json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        delete["responses"]["501"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error"
    );
    assert!(delete["responses"]["401"].is_object());
    assert_eq!(doc["openapi"], "3.0.3");
}

#[test]
fn the_check_catches_broken_documents() {
    let broken = serde_json::json!({"openapi": "2.0", "info": {}, "paths": {
        "x/{id}": {"get": {"operationId": "a", "responses": {},
            "parameters": [{"$ref": "#/components/parameters/nope"}]}}}});
    let errors = structural_errors(&broken);
    assert!(errors.len() >= 5, "{errors:?}");
}

#[test]
fn hidden_fields_are_named_nowhere_in_the_document() {
    let caller = Role {
        verbs: |_: &str| Verbs::ALL,
        hidden: &[("contact", &["SCORE", "name"])],
    };
    let doc = service_document(&info(), &snapshot(), &caller);
    assert_eq!(structural_errors(&doc), Vec::<String>::new());
    let contact = &doc["components"]["schemas"]["contact.Record"]["properties"];
    let names: Vec<&String> = contact.as_object().unwrap().keys().collect();
    assert_eq!(names, ["id"]);
    let text = doc.to_string();
    assert!(
        !text.contains("score") && !text.contains("DECIMAL"),
        "{text}"
    );
    assert!(!text.contains("VARCHAR"), "{text}");
    let note = &doc["components"]["schemas"]["note.Record"]["properties"];
    assert_eq!(note.as_object().unwrap().len(), 3);
    let admin = service_document(&info(), &snapshot(), &Unrestricted);
    assert_eq!(
        admin["components"]["schemas"]["contact.Record"]["properties"]
            .as_object()
            .unwrap()
            .len(),
        3
    );
}
