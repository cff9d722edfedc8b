//! DreamFactory's file API on `local_file` services: `GET/POST/PUT/PATCH/DELETE
//! /api/v2/{service}/{path}`, where a path ending in `/` (or the service root) names a folder
//! and any other a file. A middleware on `/api/v2/{service}` hands a file service's requests
//! here before the database routes see them (one registry lookup, only on nodes that have a
//! file service). Access is the role's, as for every service: the component is the path
//! (`docs/`, `docs/*`, `*`), the verb the request's.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde_json::{Value, json};

use super::ops::{self, ListOptions};
use super::paths::ServicePath;
use super::send::send_file;
use super::trailing::TrailingSlash;
use super::unzip::{self, Upload};
use super::zip_folder::zip_folder;
use super::{copy, multipart};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::params::{Params, truthy};
use crate::registry::{Backend, ServiceEntry};
use crate::state::AppState;

/// A file service's folder and whether it may only be read, from its registry entry.
#[derive(Debug, Clone)]
pub struct FileStore {
    pub root: Arc<PathBuf>,
    pub read_only: bool,
}

pub async fn file_services(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    if !state.services.has_file_services() {
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let name = request.match_info().get("service").unwrap_or_default();
    let Some(entry) = state.services.get(name) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let store = match &entry.backend {
        Backend::Files { store, .. } => Some(store.clone()),
        // A file service whose folder is gone: 503 after the access check, never the
        // database routes' answers.
        Backend::Unavailable { .. } if entry.row.service_type == super::LOCAL_FILE => None,
        _ => return Ok(next.call(request).await?.map_into_boxed_body()),
    };
    Box::pin(serve(request, state, entry, store)).await
}

async fn serve(
    mut request: ServiceRequest,
    state: web::Data<AppState>,
    entry: Arc<ServiceEntry>,
    store: Option<FileStore>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let principal = match request.extract::<Principal>().await {
        Ok(principal) => principal,
        Err(error) => return Ok(request.error_response(error)),
    };
    let body = match request.extract::<Bytes>().await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error)),
    };
    let (http, _) = request.parts();
    let http = http.clone();
    let answer = handle(&state, principal, &entry, store, &http, body).await;
    Ok(match answer {
        Ok(response) => request.into_response(response),
        Err(error) => request.error_response(error),
    })
}

async fn handle(
    state: &AppState,
    principal: Principal,
    entry: &ServiceEntry,
    store: Option<FileStore>,
    request: &HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let rest = request.match_info().unprocessed().trim_start_matches('/');
    let trailing = request.extensions().get::<TrailingSlash>().is_some();
    let path = ServicePath::from_url(rest, trailing)?;
    let component = path.display().to_lowercase();
    let method = request.method().clone();
    crate::routes::db::open_service(state, principal, &entry.name, &method, &component).await?;
    let store = store.ok_or_else(|| {
        ApiError::unavailable(format!(
            "Service {} is unavailable: its folder cannot be opened.",
            entry.name
        ))
    })?;
    let params = Params::from_query(request.query_string())?;
    if store.read_only && method != Method::GET {
        return Err(ApiError::bad_request(format!(
            "{method} requests are not supported by the '{}' service: it is read-only.",
            entry.name
        )));
    }
    let limits = &state.settings.files;
    let root = Arc::clone(&store.root);
    // A folder named without its trailing `/` (a client or proxy that drops it) is still
    // the folder for reads and deletes.
    let path = if !path.folder && matches!(method, Method::GET | Method::DELETE | Method::PATCH) {
        let probe = (Arc::clone(&root), path.clone());
        let is_dir = blocking(move || Ok(super::paths::resolve(&probe.0, &probe.1)?.is_dir()))
            .await
            .unwrap_or(false);
        path.with_folder(is_dir)
    } else {
        path
    };
    match method {
        Method::GET if path.folder => get_folder(&root, path, &params, limits).await,
        Method::GET => get_file(request, &root, path, &params, limits.max_zip_bytes).await,
        Method::POST | Method::PUT => {
            let upload = Upload {
                check_exist: params.flag("check_exist"),
                extract: params.flag("extract"),
                clean: params.flag("clean"),
                max_entries: limits.max_entries,
                max_bytes: limits.max_zip_bytes,
            };
            let created = post(request, &root, path, upload, body).await?;
            Ok(HttpResponse::build(StatusCode::CREATED).json(created))
        }
        Method::PATCH => {
            blocking(move || {
                let disk = super::paths::resolve(&root, &path)?;
                match (path.folder, disk.is_dir(), disk.is_file()) {
                    (true, true, _) | (false, _, true) => Ok(()),
                    (true, ..) => Err(ops::folder_missing(&path)),
                    _ => Err(ops::file_missing(&path)),
                }
            })
            .await?;
            Ok(HttpResponse::Ok().json(json!({"success": true})))
        }
        Method::DELETE => delete(&root, path, &params, &body).await,
        _ => Err(ApiError::bad_request(format!(
            "{method} requests are not supported by the '{}' service.",
            entry.name
        ))),
    }
}

/// Runs blocking file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(work).await.map_err(ApiError::internal)?
}

fn flag_or(params: &Params, name: &str, default: bool) -> bool {
    params.get(&[name]).map_or(default, truthy)
}

async fn get_folder(
    root: &Arc<PathBuf>,
    path: ServicePath,
    params: &Params,
    limits: &super::settings::FilesSettings,
) -> Result<HttpResponse, ApiError> {
    let root = Arc::clone(root);
    if path.is_root() && params.flag("as_access_list") {
        // DreamFactory's components of a file service: the root, everything, and each entry
        // at the top with and without what is below it.
        let options = ListOptions {
            files: true,
            folders: true,
            full_tree: false,
            max_entries: limits.max_entries,
        };
        let entries = blocking(move || ops::list(&root, &path, options)).await?;
        let mut components = vec![json!(""), json!("*")];
        for entry in entries {
            let path = entry["path"].as_str().unwrap_or_default();
            components.push(json!(path));
            components.push(json!(format!("{path}*")));
        }
        return Ok(HttpResponse::Ok().json(json!({ "resource": components })));
    }
    if params.flag("zip") {
        let (max_entries, max_bytes) = (limits.max_entries, limits.max_zip_bytes);
        let name = match path.name() {
            "" => "files".to_owned(),
            name => name.to_owned(),
        };
        let bytes = blocking(move || zip_folder(&root, &path, max_entries, max_bytes)).await?;
        return Ok(HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.zip\"", name.replace('"', "_")),
            ))
            .body(bytes));
    }
    if params.flag("include_properties") {
        let record = blocking(move || {
            let disk = super::paths::resolve(&root, &path)?;
            let meta = std::fs::metadata(&disk).map_err(|_| ops::folder_missing(&path))?;
            if !meta.is_dir() {
                return Err(ops::folder_missing(&path));
            }
            Ok(json!({"name": path.name(), "path": path.display(),
                      "last_modified": ops::http_date(&meta)}))
        })
        .await?;
        return Ok(HttpResponse::Ok().json(record));
    }
    let options = ListOptions {
        files: flag_or(params, "include_files", true),
        folders: flag_or(params, "include_folders", true),
        full_tree: params.flag("full_tree"),
        max_entries: limits.max_entries,
    };
    let mut entries = blocking(move || ops::list(&root, &path, options)).await?;
    // DreamFactory's `search`: entries whose own name holds the text, in any case.
    if let Some(search) = params.get(&["search"]).filter(|s| !s.is_empty()) {
        let search = search.to_lowercase();
        entries.retain(|entry| {
            let path = entry["path"]
                .as_str()
                .unwrap_or_default()
                .trim_end_matches('/');
            let own = path.rsplit('/').next().unwrap_or(path);
            own.to_lowercase().contains(&search)
        });
    }
    let resource: Vec<Value> = if params.flag("as_list") {
        entries.into_iter().map(|e| e["path"].clone()).collect()
    } else {
        entries
    };
    Ok(HttpResponse::Ok().json(json!({ "resource": resource })))
}

async fn get_file(
    request: &HttpRequest,
    root: &Arc<PathBuf>,
    path: ServicePath,
    params: &Params,
    max_bytes: u64,
) -> Result<HttpResponse, ApiError> {
    let root = Arc::clone(root);
    if params.flag("include_properties") || params.flag("content") {
        let content = params.flag("content");
        let base64 = flag_or(params, "is_base64", true);
        let record =
            blocking(move || ops::file_properties(&root, &path, content, base64, max_bytes))
                .await?;
        return Ok(HttpResponse::Ok().json(record));
    }
    let download = params.flag("download");
    let name = path.name().to_owned();
    let (disk, meta) = blocking(move || ops::existing_file(&root, &path)).await?;
    Ok(send_file(request, disk, &meta, &name, download))
}

/// POST (and PUT, DreamFactory's alias): create files and folders.
async fn post(
    request: &HttpRequest,
    root: &Arc<PathBuf>,
    path: ServicePath,
    upload: Upload,
    body: Bytes,
) -> Result<Value, ApiError> {
    let check_exist = upload.check_exist;
    let root = Arc::clone(root);
    let header_value = |name: &str| {
        (request.headers().get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let form = (header_value(header::CONTENT_TYPE.as_str()))
        .and_then(|ct| multipart::boundary(&ct))
        .map(|boundary| multipart::parse(&body, &boundary))
        .transpose()?;
    if !path.folder {
        let content = match form {
            Some(parts) => single_upload(parts, path.name())?,
            None => body,
        };
        return blocking(move || unzip::store(&root, &path, &content, upload)).await;
    }
    if let Some(name) = header_value("x-file-name") {
        let file = path.join(&name, false)?;
        return blocking(move || unzip::store(&root, &file, &body, upload)).await;
    }
    if let Some(name) = header_value("x-folder-name") {
        let folder = path.join(&name, true)?;
        return blocking(move || ops::create_folder(&root, &folder, true)).await;
    }
    if let Some(parts) = form {
        let uploads: Vec<(ServicePath, Bytes)> = (parts.into_iter())
            .filter(|p| p.name == "files" || p.name == "files[]")
            .filter_map(|p| Some((p.filename?, p.data)))
            .map(|(name, data)| Ok((path.join(&name, false)?, data)))
            .collect::<Result<_, ApiError>>()?;
        if uploads.is_empty() {
            return Err(ApiError::bad_request(
                "No files were uploaded: send them in the form field 'files'.",
            ));
        }
        let written = blocking(move || {
            (uploads.iter())
                .map(|(file, data)| unzip::store(&root, file, data, upload))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
        return Ok(json!({ "resource": written }));
    }
    let payload = crate::body::parse_json(&body, 64)?;
    let resources = match &payload {
        Value::Object(map) => map.get("resource").cloned(),
        Value::Array(_) => Some(payload.clone()),
        _ => None,
    };
    if let Some(Value::Array(items)) = resources {
        let out =
            blocking(move || Ok(create_from_records(&root, &path, &items, check_exist))).await?;
        return Ok(json!({ "resource": out }));
    }
    if path.is_root() {
        return Err(ApiError::bad_request("Invalid empty path."));
    }
    blocking(move || ops::create_folder(&root, &path, true)).await
}

fn single_upload(parts: Vec<multipart::Part>, name: &str) -> Result<Bytes, ApiError> {
    let mut files = parts.into_iter().filter(|p| p.filename.is_some());
    match (files.next(), files.next()) {
        (Some(part), None) => Ok(part.data),
        (None, _) => Err(ApiError::bad_request(format!(
            "No file uploaded to REST resource '{name}'."
        ))),
        (Some(_), Some(_)) => Err(ApiError::bad_request(format!(
            "Multiple files uploaded to a single REST resource '{name}'."
        ))),
    }
}

/// DreamFactory's `{"resource":[{"name","type","content","is_base64"}]}`: each record's
/// outcome in its place, a failure as its `error` (the others still happen).
fn create_from_records(
    root: &std::path::Path,
    folder: &ServicePath,
    items: &[Value],
    check_exist: bool,
) -> Vec<Value> {
    items
        .iter()
        .map(|item| {
            let kind = item["type"].as_str().unwrap_or("file");
            let source = copy::source_of(item, kind == "folder");
            // A copy takes its source's name when it is given none, as in DreamFactory.
            let name = match (item["name"].as_str(), &source) {
                (Some(name), _) if !name.is_empty() => name.to_owned(),
                (_, Ok(Some(source))) => source.name().to_owned(),
                _ => String::new(),
            };
            let done = (|| {
                if name.is_empty() {
                    return Err(ApiError::bad_request("No name given for the resource."));
                }
                let target = folder.join(&name, kind == "folder")?;
                if let Some(source) = source? {
                    return copy::copy_or_move(root, &source, &target, item);
                }
                if kind == "folder" {
                    return ops::create_folder(root, &target, true);
                }
                let text = item["content"].as_str().unwrap_or_default();
                let content = if item["is_base64"].as_bool().unwrap_or(false) {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .map_err(|_| ApiError::bad_request("The content is not valid base64."))?
                } else {
                    text.as_bytes().to_vec()
                };
                ops::write_file(root, &target, &content, check_exist)
            })();
            match done {
                Ok(record) => record,
                Err(error) => json!({"name": name, "type": kind,
                                     "error": {"message": error.message, "code": error.status.as_u16()}}),
            }
        })
        .collect()
}

async fn delete(
    root: &Arc<PathBuf>,
    path: ServicePath,
    params: &Params,
    body: &Bytes,
) -> Result<HttpResponse, ApiError> {
    let force = params.flag("force");
    let root = Arc::clone(root);
    if !path.folder {
        let done = blocking(move || ops::delete_file(&root, &path)).await?;
        return Ok(HttpResponse::Ok().json(done));
    }
    let payload = crate::body::parse_json(body, 64)?;
    let items = match &payload {
        Value::Object(map) => map.get("resource").and_then(Value::as_array).cloned(),
        Value::Array(items) => Some(items.clone()),
        _ => None,
    };
    let Some(items) = items else {
        if path.is_root() {
            return Err(ApiError::bad_request("No resources given for delete."));
        }
        let done = blocking(move || ops::delete_folder(&root, &path, force)).await?;
        return Ok(HttpResponse::Ok().json(done));
    };
    let out = blocking(move || {
        Ok(items
            .iter()
            .map(|item| delete_record(&root, &path, item, force))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "resource": out })))
}

fn delete_record(root: &std::path::Path, folder: &ServicePath, item: &Value, force: bool) -> Value {
    let kind = item["type"].as_str().unwrap_or("file");
    let named = item["path"]
        .as_str()
        .or_else(|| item["name"].as_str())
        .unwrap_or("");
    let done = (|| {
        let target = match item["path"].as_str() {
            Some(path) => ServicePath::from_client(path)?,
            None if !named.is_empty() => folder.join(named, kind == "folder")?,
            None => {
                return Err(ApiError::bad_request(
                    "No path or name provided for resource.",
                ));
            }
        };
        if kind == "folder" {
            ops::delete_folder(root, &target.with_folder(true), force)
        } else {
            ops::delete_file(root, &target)
        }
    })();
    match done {
        Ok(record) => json!({"name": record["name"], "path": record["path"], "type": kind}),
        Err(error) => json!({"name": named, "type": kind,
                             "error": {"message": error.message, "code": error.status.as_u16()}}),
    }
}
