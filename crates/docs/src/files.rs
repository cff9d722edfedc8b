//! The document of a file service (`local_file`): DreamFactory's file API, the same for every
//! such service. Folders are paths ending in `/`; everything else is a file.

use serde_json::{Map, Value, json};

use crate::common::{error_responses, security_schemes, shared_responses, shared_schemas};
use crate::service::document;
use crate::{ServiceInfo, Verbs};

/// What one operation of the file API does, and whether it takes a body.
struct Operation {
    verb: &'static str,
    summary: &'static str,
    body: bool,
    binary_answer: bool,
}

const ROOT: &[Operation] = &[
    Operation {
        verb: "get",
        summary: "List the service's top folder (include_files, include_folders, full_tree, as_list, zip).",
        body: false,
        binary_answer: false,
    },
    Operation {
        verb: "post",
        summary: "Create folders and upload files into the top folder (multipart `files`, or JSON `resource` records).",
        body: true,
        binary_answer: false,
    },
];

const FOLDER: &[Operation] = &[
    Operation {
        verb: "get",
        summary: "List a folder (include_files, include_folders, full_tree, as_list), or download it with zip=true.",
        body: false,
        binary_answer: false,
    },
    Operation {
        verb: "post",
        summary: "Create the folder, or upload files and folders into it (multipart `files`, JSON `resource` records, extract=true for a zip).",
        body: true,
        binary_answer: false,
    },
    Operation {
        verb: "delete",
        summary: "Delete the folder (force=true when it is not empty).",
        body: false,
        binary_answer: false,
    },
];

const FILE: &[Operation] = &[
    Operation {
        verb: "get",
        summary: "Download the file (its own content type), or its properties with include_properties=true.",
        body: false,
        binary_answer: true,
    },
    Operation {
        verb: "post",
        summary: "Upload the file: the request body is its content (check_exist=true refuses to replace one).",
        body: true,
        binary_answer: false,
    },
    Operation {
        verb: "put",
        summary: "Replace the file with the request body.",
        body: true,
        binary_answer: false,
    },
    Operation {
        verb: "patch",
        summary: "Accepted for DreamFactory's clients; changes nothing.",
        body: true,
        binary_answer: false,
    },
    Operation {
        verb: "delete",
        summary: "Delete the file.",
        body: false,
        binary_answer: false,
    },
];

/// The document of file service `service`, with the verbs the caller may use.
pub fn file_service_document(service: &ServiceInfo, verbs: Verbs) -> Value {
    let allowed: Vec<&str> = verbs.operations().collect();
    let mut paths = Map::new();
    for (path, operations, key) in [
        ("/", ROOT, "root"),
        ("/{folder_path}/", FOLDER, "folder"),
        ("/{file_path}", FILE, "file"),
    ] {
        let parameter = match key {
            "folder" => Some("folder_path"),
            "file" => Some("file_path"),
            _ => None,
        };
        let item: Map<String, Value> = operations
            .iter()
            .filter(|op| allowed.contains(&op.verb))
            .map(|op| (op.verb.to_owned(), operation(service, op, key, parameter)))
            .collect();
        if !item.is_empty() {
            paths.insert(path.to_owned(), Value::Object(item));
        }
    }
    let components = json!({
        "securitySchemes": security_schemes(),
        "schemas": shared_schemas(),
        "responses": shared_responses(),
    });
    document(service, paths, components)
}

fn operation(service: &ServiceInfo, op: &Operation, key: &str, parameter: Option<&str>) -> Value {
    let tag = service.name.as_str();
    let mut responses = Map::new();
    let answer = if op.binary_answer {
        json!({"description": "The file's content, or its properties as JSON.",
               "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                           "application/json": {"schema": {"type": "object"}}}})
    } else {
        json!({"description": "DreamFactory's answer: a listing, or the records created or deleted.",
               "content": {"application/json": {"schema": {"type": "object"}},
                           "application/zip": {"schema": {"type": "string", "format": "binary"}}}})
    };
    responses.insert("200".into(), answer);
    error_responses(&mut responses);
    let parameters: Vec<Value> = parameter
        .map(|name| {
            json!({"name": name, "in": "path", "required": true,
                   "description": "The path below the service's folder.",
                   "schema": {"type": "string"}})
        })
        .into_iter()
        .collect();
    let mut operation = json!({
        "tags": [tag],
        "operationId": format!("{}_{tag}_{key}", op.verb),
        "summary": op.summary,
        "parameters": parameters,
        "responses": responses,
    });
    if op.body {
        operation["requestBody"] = json!({"required": false, "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}}}});
    }
    operation
}
