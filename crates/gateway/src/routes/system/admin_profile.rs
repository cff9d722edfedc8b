//! `/system/admin/profile` and `/system/admin/password`: an administrator's own profile and
//! password, as `/user/profile` and `/user/password` are a user's (same bodies, same
//! answers). Registered before `admin/{id}`, which would otherwise read them as ids.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::login::Audience;
use crate::auth::{Caller, SystemAdmin};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::routes::doc_schemas::{PasswordOutcome, Profile, Success};
use crate::routes::ok;
use crate::routes::user::password::{PasswordRequest, change_password};
use crate::routes::user::profile::{profile, update_profile};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/profile")
            .route(web::get().to(read))
            .route(web::post().to(update))
            .route(web::put().to(update))
            .route(web::patch().to(update)),
    )
    .service(
        web::resource("/admin/password")
            .route(web::post().to(password))
            .route(web::put().to(password))
            .route(web::patch().to(password)),
    );
}

#[utoipa::path(get, path = "/system/admin/profile", tag = "system", operation_id = "get_admin_profile",
    summary = "The signed-in administrator's profile.",
    responses((status = 200, description = "The profile.", body = Profile)))]
pub(crate) async fn read(admin: SystemAdmin) -> HttpResponse {
    ok(profile(&admin.0.user))
}

#[utoipa::path(method(post, put, patch), path = "/system/admin/profile", tag = "system", operation_id = "update_admin_profile",
    summary = "Change the signed-in administrator's profile (an email change needs `current_password` and ends the administrator's other sessions).",
    request_body(content = Object, description = "Any of `name`, `username`, `first_name`, `last_name`, `email`, `phone`, `security_question`, `security_answer`, `default_app_id`, `current_password`."),
    responses((status = 200, description = "Changed; with a new session token after an email change.", body = Success)))]
pub(crate) async fn update(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    update_profile(&state, Some(&admin.0), &request, body).await
}

/// Open to every caller, as in DreamFactory (an access exception): a reset needs no session.
#[utoipa::path(method(post, put, patch), path = "/system/admin/password", tag = "system", operation_id = "change_admin_password",
    summary = "Change an administrator's password (`old_password`, `new_password`), or reset it with the security question (`reset=true` and `email`, then `email`, `security_answer` and `new_password`).",
    security((), ("SessionTokenHeader" = [])),
    params(("reset" = Option<bool>, Query, description = "Ask for the security question of `email`."),
        ("login" = Option<bool>, Query, description = "Answer with a new session token.")),
    request_body = PasswordRequest,
    responses((status = 200, description = "Changed, or the security question.", body = PasswordOutcome)))]
pub(crate) async fn password(
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let session = caller.session.as_ref();
    change_password(&state, session, &request, body, Audience::Administrators).await
}
