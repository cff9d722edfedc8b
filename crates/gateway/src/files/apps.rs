//! Web apps served from file services, as DreamFactory's storage routes serve them:
//! `GET /{service}/{path}` answers a file of a `local_file` service when the path lies in one
//! of the service's `public_path` folders, or in the folder of an active app of type 1
//! ("storage service") whose `storage_service_id` is that service. That folder is the app's
//! `storage_container`, or the folder of its `path` when it has no container; its launch
//! URL is `/{service}/{container}/{path}`, DreamFactory's. No credentials are needed: these
//! are the app's own files, which then call the API with the app's key. Anything else of a
//! file service answers 403, as DreamFactory's route does; a path of no file service 404.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use sluice_system_db::AppRow;

use super::paths::ServicePath;
use super::send::send_file;
use super::trailing::TrailingSlash;
use crate::error::ApiError;
use crate::registry::Backend;
use crate::state::AppState;

/// DreamFactory's app type for apps kept in a storage service.
pub const STORAGE_SERVICE_APP: i64 = 1;

/// The folder of the service an app of type 1 is served from; `None` for other apps and for
/// one that would publish the service's whole root.
pub fn app_folder(app: &AppRow) -> Option<ServicePath> {
    if app.app_type != STORAGE_SERVICE_APP {
        return None;
    }
    let container = app.storage_container.as_deref().unwrap_or("").trim();
    let folder = if container.trim_matches('/').is_empty() {
        ServicePath::from_client(app.path.as_deref().unwrap_or(""))
            .ok()?
            .parent()
    } else {
        ServicePath::from_client(container).ok()?
    };
    (!folder.is_root()).then_some(folder.with_folder(true))
}

/// DreamFactory's launch URL of an app of type 1 (`/{service}/{container}/{path}`), given
/// its service's name; empty for other apps.
pub fn launch_url(app: &AppRow, service: Option<&str>) -> String {
    let Some(service) = service.filter(|_| app.app_type == STORAGE_SERVICE_APP) else {
        return String::new();
    };
    let mut url = format!("/{service}/");
    let container = app
        .storage_container
        .as_deref()
        .unwrap_or("")
        .trim_matches('/');
    url.push_str(container);
    let path = app.path.as_deref().unwrap_or("").trim_start_matches('/');
    if !path.is_empty() {
        url.push('/');
        url.push_str(path);
    }
    url
}

fn denied() -> ApiError {
    ApiError::forbidden("Access denied, please contact your system administrator.")
}

/// `GET /{service}/{path}`.
pub async fn serve_public(
    state: web::Data<AppState>,
    request: HttpRequest,
    route: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (service, tail) = route.into_inner();
    // Any path that is not a file service's is the app's plain 404: anonymous callers learn
    // nothing about which other services exist.
    let unknown = || ApiError::not_found("Resource not found.");
    let entry = state.services.get(&service).ok_or_else(unknown)?;
    let Backend::Files { config, store } = &entry.backend else {
        return Err(unknown());
    };
    if !entry.row.is_active {
        return Err(denied());
    }
    let trailing = request.extensions().get::<TrailingSlash>().is_some();
    let path = ServicePath::from_url(&tail, trailing)?;
    let apps = state.access.apps(&state.db).await?;
    let app_folders = (apps.all())
        .filter(|app| app.is_active && app.storage_service_id == Some(entry.row.id))
        .filter_map(|app| app_folder(app));
    let allowed = (config.public_folders().into_iter())
        .chain(app_folders)
        .any(|folder| path.is_within(&folder));
    if !allowed {
        return Err(denied());
    }
    let root = std::sync::Arc::clone(&store.root);
    let probe = path.clone();
    let found = web::block(move || {
        let disk = super::paths::resolve(&root, &probe).ok()?;
        let meta = std::fs::metadata(&disk).ok()?;
        if meta.is_dir() {
            let index = disk.join("index.html");
            let meta = std::fs::metadata(&index).ok().filter(|m| m.is_file())?;
            return Some((index, meta, true));
        }
        meta.is_file().then_some((disk, meta, false))
    })
    .await
    .map_err(ApiError::internal)?;
    let Some((disk, meta, is_folder)) = found else {
        return Err(ApiError::not_found(format!(
            "File '{}' does not exist in storage.",
            path.display()
        )));
    };
    if is_folder && !trailing {
        // Relative links in index.html resolve against the folder only with its `/`.
        let location = format!("{}/", request.path());
        return Ok(HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, location))
            .finish());
    }
    let name = if is_folder { "index.html" } else { path.name() };
    Ok(send_file(&request, disk, &meta, name, false))
}
