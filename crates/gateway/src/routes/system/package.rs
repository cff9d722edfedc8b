//! `/system/package`: export (GET, a zip) and import (POST, a zip) of an instance's objects
//! (docs/PACKAGES.md). Administrators only.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::package::archive::{self, Bounds};
use crate::package::export::{ExportOptions, collect, manifest, zip};
use crate::package::import::import;
use crate::package::kinds::Selection;
use crate::package::upload::{package_of, read_body};
use crate::params::Params;
use crate::routes::ok;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/package")
            .route(web::get().to(export_package))
            .route(web::post().to(import_package)),
    );
}

#[utoipa::path(get, path = "/system/package", tag = "system", operation_id = "get_package",
    summary = "Export services, roles, apps, users, email templates, custom values and the rest as one zip.",
    params(
        ("service" = Option<String>, Query, description = "Names to export, or `*`; the same for role, app, user, admin, lookup, cors (paths), limit, event_script. None named: everything."),
        ("include_data" = Option<bool>, Query, description = "SQLite databases with their rows (default: schema only)."),
        ("include_secrets" = Option<bool>, Query, description = "Service passwords and private lookup values in plain text (default: left out)."),
        ("include_files" = Option<bool>, Query, description = "The files of local_file services, within the package bounds (default: left out)."),
        ("manifest_only" = Option<bool>, Query, description = "Answer the manifest as JSON instead of the zip.")),
    responses((status = 200, description = "The package, or with manifest_only its manifest.",
        content((String = "application/zip"), (Object = "application/json")))))]
pub(crate) async fn export_package(
    _admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let options = ExportOptions {
        selection: Selection::from_query(|name| params.get(&[name]).map(str::to_owned)),
        with_rows: params.flag("include_data"),
        with_secrets: params.flag("include_secrets"),
        with_files: params.flag("include_files"),
        bounds: Bounds {
            max_unpacked_bytes: state.settings.limits.package_max_unpacked_bytes,
            max_entries: state.settings.limits.package_max_entries,
        },
    };
    let collected = collect(&state, &options).await?;
    if params.flag("manifest_only") {
        return Ok(ok(manifest(&collected, &options)));
    }
    let bytes = zip(collected, &options).await?;
    let date = crate::clock::now().format("%Y-%m-%d_%H-%M-%S");
    tracing::info!(bytes = bytes.len(), "package exported");
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"sluice-package-{date}.zip\""),
        ))
        .body(bytes))
}

#[utoipa::path(post, path = "/system/package", tag = "system", operation_id = "import_package",
    summary = "Import a package (a Sluice export or a DreamFactory package) in one transaction.",
    request_body(content = String, content_type = "application/zip",
        description = "The zip, as the body or as the `files` part of a multipart form."),
    responses((status = 201, description = "Imported: what was imported and skipped, per item.", body = Object),
        (status = 200, description = "Nothing in the package was imported (each item says why).", body = Object),
        (status = 400, description = "Not a package, unsafe or too large unpacked, or an item Sluice refuses: nothing was imported."),
        (status = 413, description = "Larger than limits.package_max_bytes.")))]
pub(crate) async fn import_package(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    if params.get(&["import_url"]).is_some() {
        return Err(ApiError::bad_request(
            "Importing a package from a URL is not supported: upload the package itself.",
        ));
    }
    let limits = &state.settings.limits;
    let body = read_body(payload, limits.package_max_bytes).await?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let package = package_of(body, content_type)?;
    let bounds = Bounds {
        max_unpacked_bytes: limits.package_max_unpacked_bytes,
        max_entries: limits.package_max_entries,
    };
    let entries = archive::read(&package, bounds)?;
    drop(package);
    let report = import(&state, &admin, entries).await?;
    let status = if report.imported() > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(report.to_json()))
}
