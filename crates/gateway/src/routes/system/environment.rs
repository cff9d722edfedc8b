//! `GET /system/environment`: true facts about this instance. Open to
//! everyone, as DreamFactory (an access exception); `platform` only for signed-in callers.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::auth::Caller;
use crate::routes::ok;
use crate::service_types::user::USER_SERVICE_NAME;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/environment", web::get().to(environment));
}

#[utoipa::path(get, path = "/system/environment", tag = "system", operation_id = "get_environment",
    summary = "Platform and authentication details (`platform`, `server`, `client` only for a signed-in caller).",
    security((), ("SessionTokenHeader" = [])),
    responses((status = 200, description = "The environment.", body = Object)))]
async fn environment(
    caller: Caller,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> HttpResponse {
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
        "apps": [],
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
        });
        body["server"] = json!({
            "server_os": std::env::consts::OS,
            "machine": std::env::consts::ARCH,
        });
        body["client"] = json!({
            "user_agent": request.headers().get("user-agent").and_then(|v| v.to_str().ok()),
            "ip_address": request.connection_info().realip_remote_addr().map(str::to_string),
        });
    }
    ok(body)
}
