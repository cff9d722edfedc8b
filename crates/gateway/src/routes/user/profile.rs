//! `/user/profile`: the signed-in user's own profile. GET reads it;
//! POST, PUT and PATCH change the fields present (null or absent = unchanged).
//!
//! Changing the email needs `current_password`: a stolen session token must not be enough
//! to move the account (and with it password resets) to another address. The change ends
//! every session of the user (tokens are bound to the email anyway) and answers with a new
//! token.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_system_db::{DbError, UserPatch, UserRow};

use super::register::email_problem;
use super::{UserService, require_session};
use crate::auth::credentials::read_credentials;
use crate::auth::login::client_address;
use crate::auth::password::{check_password, hash_password};
use crate::auth::principal::app_for_key;
use crate::auth::sessions;
use crate::auth::{Caller, Session};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::routes::doc_schemas::{Profile, Success};
use crate::routes::ok;
use crate::state::AppState;
use crate::system::fields::{Body, integer, invalid_field, text};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/profile")
            .route(web::get().to(read))
            .route(web::post().to(update))
            .route(web::put().to(update))
            .route(web::patch().to(update)),
    );
}

/// DreamFactory's profile object.
pub(crate) fn profile(user: &UserRow) -> Value {
    json!({
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "security_question": user.security_question,
        "default_app_id": user.default_app_id,
        "oauth_provider": user.oauth_provider.clone().unwrap_or_default(),
        "adldap": user.adldap.clone().unwrap_or_default(),
    })
}

#[utoipa::path(get, path = "/user/profile", tag = "user", operation_id = "get_user_profile",
    summary = "The signed-in user's profile.",
    responses((status = 200, description = "The profile.", body = Profile)))]
async fn read(_: UserService, caller: Caller) -> Result<HttpResponse, ApiError> {
    let session = require_session(caller.session)?;
    Ok(ok(profile(&session.user)))
}

/// A text field that, when present, must not be blank.
fn non_blank(body: &Body, key: &str) -> Result<Option<String>, ApiError> {
    match text(body, key)? {
        Some(value) if value.trim().is_empty() => Err(invalid_field(
            key,
            &format!("The {key} field may not be empty."),
        )),
        other => Ok(other),
    }
}

#[utoipa::path(method(post, put, patch), path = "/user/profile", tag = "user", operation_id = "update_user_profile",
    summary = "Change the signed-in user's profile (an email change needs `current_password` and ends the user's other sessions).",
    request_body(content = Object, description = "Any of `name`, `username`, `first_name`, `last_name`, `email`, `phone`, `security_question`, `security_answer`, `default_app_id`, `current_password`."),
    responses((status = 200, description = "Changed; with a new session token after an email change.", body = Success)))]
async fn update(
    _: UserService,
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    update_profile(&state, caller.session.as_ref(), &request, body).await
}

/// Changes the profile of the session's account (a user's, or an administrator's through
/// `/system/admin/profile`).
pub(crate) async fn update_profile(
    state: &AppState,
    session: Option<&Session>,
    request: &HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = match body.0 {
        Value::Object(map) if !map.is_empty() => map,
        _ => return Err(ApiError::bad_request("No data supplied for operation.")),
    };
    // DreamFactory answers an update without a session with 404, unlike the read.
    let Some(session) = session else {
        return Err(ApiError::not_found("No user session found."));
    };
    let user = &session.user;
    let email = non_blank(&body, "email")?
        .map(|e| e.trim().to_string())
        .filter(|e| *e != user.email);
    if let Some(email) = &email {
        if let Some(problem) = email_problem(email) {
            return Err(invalid_field("email", &problem));
        }
        confirm_current_password(state, request, user, &body).await?;
    }
    let default_app_id = match integer(&body, "default_app_id")? {
        Some(id) if state.access.apps(&state.db).await?.by_id(id).is_none() => {
            return Err(invalid_field(
                "default_app_id",
                &format!("The app id {id} does not exist."),
            ));
        }
        other => other.map(Some),
    };
    let security_answer_hash = match text(&body, "security_answer")?.filter(|a| !a.is_empty()) {
        Some(answer) => Some(Some(
            hash_password(answer).await.map_err(ApiError::internal)?,
        )),
        None => None,
    };
    let patch = UserPatch {
        name: non_blank(&body, "name")?,
        username: non_blank(&body, "username")?.map(Some),
        first_name: text(&body, "first_name")?.map(Some),
        last_name: text(&body, "last_name")?.map(Some),
        email: email.clone(),
        phone: text(&body, "phone")?.map(Some),
        security_question: text(&body, "security_question")?.map(Some),
        security_answer_hash,
        default_app_id,
        last_modified_by_id: Some(user.id),
        ..UserPatch::default()
    };
    let updated = state.db.users().update(user.id, &patch).await;
    let updated = updated
        .map_err(taken)?
        .ok_or_else(|| ApiError::not_found("No user session found."))?;
    if email.is_none() {
        return Ok(ok(json!({ "success": true })));
    }
    sessions::revoke_user_sessions(state, user.id).await?;
    let app = app_for_key(state, read_credentials(request).api_key.as_deref()).await?;
    let issuer = request.full_url().to_string();
    let app_id = app.as_ref().map(|app| app.id);
    let (token, _) = sessions::issue(state, &updated, &issuer, app_id).await?;
    tracing::info!(user.id = user.id, "user changed their email");
    Ok(ok(json!({ "success": true, "session_token": token })))
}

/// Checks `current_password` before an email change; a wrong one counts as a failed login.
async fn confirm_current_password(
    state: &AppState,
    request: &HttpRequest,
    user: &UserRow,
    body: &Body,
) -> Result<(), ApiError> {
    let Some(password) = text(body, "current_password")?.filter(|p| !p.is_empty()) else {
        return Err(invalid_field(
            "current_password",
            "The current_password field is required to change the email.",
        ));
    };
    let address = client_address(request);
    state.login_throttle.check(address, &user.email)?;
    if !check_password(password, user.password_hash.clone())
        .await
        .matches()
    {
        state.login_throttle.record_failure(address, &user.email);
        return Err(ApiError::bad_request(
            "The password supplied does not match.",
        ));
    }
    Ok(())
}

fn taken(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { field } if field == "username" || field == "email" => {
            invalid_field(&field, &format!("The {field} has already been taken."))
        }
        other => ApiError::from(other),
    }
}
