//! `/system/admin/session`: administrator login (POST), current session (GET), refresh (PUT)
//! and logout (DELETE), with DreamFactory's session object.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sluice_system_db::UserRow;

use crate::auth::caller::{session_user, token_error, verify_session};
use crate::auth::credentials::read_credentials;
use crate::auth::login::{
    Audience, LoginRequest, authenticate, client_address, record_login, required_credentials,
};
use crate::auth::sessions::{self, session_body};
use crate::auth::tokens::Claims;
use crate::body::JsonBody;
use crate::clock;
use crate::error::ApiError;
use crate::routes::doc_schemas::{Session, Success};
use crate::routes::ok;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/session")
            .route(web::post().to(login))
            .route(web::get().to(current))
            .route(web::put().to(refresh))
            .route(web::patch().to(refresh))
            .route(web::delete().to(logout)),
    );
}

/// DreamFactory's session object for an administrator, with `is_root_admin`: whether this
/// is the first administrator (the lowest id), whom DreamFactory's admin app lets manage
/// the other administrators.
async fn admin_session_body(
    state: &AppState,
    user: &UserRow,
    token: &str,
    claims: &Claims,
) -> Result<Value, ApiError> {
    let mut body = session_body(state, user, token, claims, None);
    let root = state.db.users().root_admin_id().await?;
    body["is_root_admin"] = json!(root == Some(user.id));
    Ok(body)
}

#[utoipa::path(post, path = "/system/admin/session", tag = "system", operation_id = "post_admin_session",
    summary = "Log an administrator in.", security(()),
    request_body = LoginRequest,
    responses((status = 200, description = "The new session.", body = Session),
        (status = 401, description = "Wrong email or password."),
        (status = 429, description = "Too many failed logins; see `Retry-After`.")))]
async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let login: LoginRequest = body.parse()?;
    let (email, password) = required_credentials(login.email, login.password)?;
    let address = client_address(&request);
    let user = authenticate(&state, address, &email, &password, Audience::Administrators).await?;
    let user = record_login(&state, user.id).await?;
    let issuer = request.full_url().to_string();
    let (token, claims) = sessions::issue(&state, &user, &issuer, None).await?;
    tracing::info!(user.id = user.id, "administrator signed in");
    Ok(ok(admin_session_body(&state, &user, &token, &claims).await?))
}

#[utoipa::path(get, path = "/system/admin/session", tag = "system", operation_id = "get_admin_session",
    summary = "The current administrator session.",
    responses((status = 200, description = "The session.", body = Session)))]
async fn current(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = read_credentials(&request).session_token else {
        return Err(ApiError::not_found("No user session found."));
    };
    let session = verify_session(&state, &token).await?;
    if !session.user.is_sys_admin {
        return Err(ApiError::unauthorized(
            "You are not authorized to perform this action.",
        ));
    }
    let body = admin_session_body(&state, &session.user, &session.token, &session.claims);
    Ok(ok(body.await?))
}

/// Issues a new token for a valid (or expired but still refreshable) one; the old one is
/// revoked so it cannot be used again.
#[utoipa::path(method(put, patch), path = "/system/admin/session", tag = "system", operation_id = "refresh_admin_session",
    summary = "Refresh the session token; the old one is revoked.",
    responses((status = 200, description = "The new session.", body = Session)))]
async fn refresh(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = read_credentials(&request).session_token else {
        return Err(ApiError::unauthorized(
            "Token refresh failed. No session token was provided.",
        ));
    };
    let now = clock::now_unix();
    let claims = state
        .tokens
        .verify_for_refresh(&token, now)
        .map_err(token_error)?;
    let user = session_user(&state, &claims).await?;
    if !user.is_sys_admin {
        return Err(ApiError::unauthorized(
            "You are not authorized to perform this action.",
        ));
    }
    sessions::revoke(&state, &claims).await?;
    let issuer = request.full_url().to_string();
    let (new_token, new_claims) = sessions::issue(&state, &user, &issuer, None).await?;
    let body = admin_session_body(&state, &user, &new_token, &new_claims);
    Ok(ok(body.await?))
}

/// Revokes the token, if there is a readable one; always `{"success":true}`, as DreamFactory.
#[utoipa::path(delete, path = "/system/admin/session", tag = "system", operation_id = "delete_admin_session",
    summary = "Log out: the token is revoked.",
    responses((status = 200, description = "Always a success.", body = Success)))]
async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token = read_credentials(&request).session_token;
    if let Some(Ok(claims)) = token.map(|t| state.tokens.verify_for_refresh(&t, clock::now_unix()))
    {
        sessions::revoke(&state, &claims).await?;
    }
    Ok(ok(json!({ "success": true })))
}
