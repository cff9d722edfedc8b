//! `GET /system/environment`: true facts about this instance. Open to everyone, as
//! DreamFactory (an access exception): `authentication`, the `apps` the caller may launch and
//! `platform.root_admin_exists` for every caller; the rest of `platform`, `server`, `client`
//! and `config` only for signed-in callers.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_system_db::{AppRow, Backend as DbBackend};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::ok;
use crate::service_types::user::USER_SERVICE_NAME;
use crate::state::AppState;

/// DreamFactory's app type 0: an API key only, nothing to launch.
const APP_TYPE_NONE: i64 = 0;
const APP_TYPE_STORAGE: i64 = 1;
const APP_TYPE_URL: i64 = 2;
const APP_TYPE_PATH: i64 = 3;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/environment", web::get().to(environment));
}

#[utoipa::path(get, path = "/system/environment", tag = "system", operation_id = "get_environment",
    summary = "Platform and authentication details, and the apps the caller may launch (`platform` in full, `server`, `client` and `config` only for a signed-in caller).",
    security((), ("SessionTokenHeader" = [])),
    responses((status = 200, description = "The environment.", body = Object)))]
async fn environment(
    caller: Caller,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let open_registration = state
        .services
        .get(USER_SERVICE_NAME)
        .filter(|service| service.row.is_active)
        .and_then(|service| service.user_config().map(|c| c.allow_open_registration))
        .unwrap_or(false);
    let login = |path: &str| {
        json!({"path": path, "verb": "POST",
               "payload": {"email": "string", "password": "string", "remember_me": "bool"}})
    };
    // DreamFactory's admin app offers to create the first administrator when there is none.
    let root_admin_exists = state.db.users().root_admin_id().await?.is_some();
    let mut body = json!({
        "authentication": {
            "admin": login("system/admin/session"),
            "user": login("user/session"),
            "oauth": [],
            "adldap": [],
            "saml": [],
            "allow_open_registration": open_registration,
            "open_reg_email_service_id": null,
            "allow_forever_sessions": false,
            "login_attribute": "email",
        },
        "apps": launchable_apps(&state, &caller).await?,
        "platform": {"root_admin_exists": root_admin_exists},
    });
    if caller.session.is_some() {
        body["platform"] = json!({
            "version": env!("CARGO_PKG_VERSION"),
            "product": "Sluice",
            "bitnami_demo": false,
            "is_hosted": false,
            "is_trial": false,
            "license": "OPEN SOURCE",
            "secured_package_export": false,
            "license_key": null,
            "install_type": "standalone",
            "root_admin_exists": root_admin_exists,
        });
        if caller.is_sys_admin() {
            body["platform"]["db_driver"] = json!(match state.db.backend() {
                DbBackend::Sqlite => "sqlite",
                DbBackend::Postgres => "pgsql",
            });
        }
        body["server"] = json!({
            "server_os": std::env::consts::OS,
            "machine": std::env::consts::ARCH,
        });
        body["client"] = json!({
            "user_agent": request.headers().get("user-agent").and_then(|v| v.to_str().ok()),
            "ip_address": request.connection_info().realip_remote_addr().map(str::to_string),
            "locale": null,
        });
        body["config"] = json!({
            "always_wrap_resources": true,
            "resources_wrapper": "resource",
            "db": {"max_records_returned": state.settings.limits.max_records_returned},
        });
    }
    Ok(ok(body))
}

/// The apps the caller may launch, as DreamFactory chooses them: active apps that have
/// something to launch (type other than 0); for an administrator all of them, for a user
/// those with a default role or one the user has a role in, for anyone else those with a
/// default role.
async fn launchable_apps(state: &AppState, caller: &Caller) -> Result<Vec<Value>, ApiError> {
    let user = caller.session.as_ref().map(|session| &session.user);
    let assigned: Vec<i64> = match user {
        Some(user) if !user.is_sys_admin => state
            .access
            .user_roles(&state.db, user.id)
            .await?
            .iter()
            .map(|(app_id, _)| *app_id)
            .collect(),
        _ => Vec::new(),
    };
    let default_app_id = user.and_then(|user| user.default_app_id);
    let apps = state.db.apps().list().await?;
    Ok(apps
        .iter()
        .filter(|app| app.is_active && app.app_type != APP_TYPE_NONE)
        .filter(|app| match user {
            Some(user) if user.is_sys_admin => true,
            Some(_) => app.role_id.is_some() || assigned.contains(&app.id),
            None => app.role_id.is_some(),
        })
        .map(|app| {
            json!({
                "id": app.id,
                "name": app.name,
                "description": app.description,
                "url": launch_url(state, app),
                "is_default": default_app_id == Some(app.id),
                "allow_fullscreen_toggle": app.allow_fullscreen_toggle,
                "requires_fullscreen": app.requires_fullscreen,
                "toggle_location": app.toggle_location,
            })
        })
        .collect())
}

/// Where an app is launched from, relative to this server: its `url` (type 2), `/{path}`
/// (type 3), or `/{storage service}/{container}/{path}` (type 1, served by a file service).
fn launch_url(state: &AppState, app: &AppRow) -> String {
    let path = app
        .path
        .as_deref()
        .unwrap_or_default()
        .trim_start_matches('/');
    match app.app_type {
        APP_TYPE_URL => app.url.clone().unwrap_or_default(),
        APP_TYPE_PATH => format!("/{path}"),
        APP_TYPE_STORAGE => {
            let service = app
                .storage_service_id
                .and_then(|id| state.services.all().into_iter().find(|s| s.row.id == id));
            let Some(service) = service else {
                return String::new();
            };
            let parts = [app.storage_container.as_deref().unwrap_or_default(), path];
            let rest: Vec<&str> = parts
                .iter()
                .map(|p| p.trim_matches('/'))
                .filter(|p| !p.is_empty())
                .collect();
            format!("/{}/{}", service.name, rest.join("/"))
        }
        _ => String::new(),
    }
}
