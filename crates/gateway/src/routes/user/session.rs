//! `/user/session`: login for non-admin users (POST), the current session (GET), refresh
//! (PUT/PATCH) and logout (DELETE), with DreamFactory's session object.
//! An API key sent with the request selects the app, and so the role reported.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use sluice_system_db::{AppRow, UserRow};

use super::{MSG_NO_SESSION, UserService, require_session};
use crate::auth::Principal;
use crate::auth::caller::{session_user, token_error};
use crate::auth::credentials::read_credentials;
use crate::auth::directory::RoleEntry;
use crate::auth::login::{
    Audience, LoginRequest, authenticate, client_address, record_login, required_credentials,
};
use crate::auth::principal::{Authority, app_for_key, user_authority};
use crate::auth::sessions::{self, session_body};
use crate::body::JsonBody;
use crate::clock;
use crate::error::ApiError;
use crate::routes::doc_schemas::{Session, Success};
use crate::routes::ok;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/session")
            .route(web::post().to(login))
            .route(web::get().to(current))
            .route(web::put().to(refresh))
            .route(web::patch().to(refresh))
            .route(web::delete().to(logout)),
    );
}

/// The role `user` gets through `app`, refusing an inactive one as DreamFactory's login does.
async fn active_role(
    state: &AppState,
    user: &UserRow,
    app: Option<&AppRow>,
) -> Result<Option<Arc<RoleEntry>>, ApiError> {
    match user_authority(state, user, app).await? {
        Authority::Role(role) if !role.grants.is_active => {
            Err(ApiError::forbidden("Role is not active."))
        }
        Authority::Role(role) => Ok(Some(role)),
        Authority::NoRole | Authority::Unrestricted => Ok(None),
    }
}

/// Signs a non-admin user in. Any session token sent along is ignored (8.1); an API key
/// selects the app the session is opened through.
#[utoipa::path(post, path = "/user/session", tag = "user", operation_id = "post_user_session",
    summary = "Log a (non-admin) user in; an API key sent along selects the app and so the role.",
    security((), ("ApiKeyHeader" = [])),
    request_body = LoginRequest,
    responses((status = 200, description = "The new session.", body = Session),
        (status = 401, description = "Wrong email or password."),
        (status = 429, description = "Too many failed logins; see `Retry-After`.")))]
async fn login(
    _: UserService,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let login: LoginRequest = body.parse()?;
    let (email, password) = required_credentials(login.email, login.password)?;
    let app = app_for_key(&state, read_credentials(&request).api_key.as_deref()).await?;
    let address = client_address(&request);
    let user = authenticate(&state, address, &email, &password, Audience::Users).await?;
    let role = active_role(&state, &user, app.as_deref()).await?;
    let user = record_login(&state, user.id).await?;
    let issuer = request.full_url().to_string();
    let app_id = app.as_ref().map(|app| app.id);
    let (token, claims) = sessions::issue(&state, &user, &issuer, app_id).await?;
    tracing::info!(user.id = user.id, app.id = app_id, "user signed in");
    Ok(ok(session_body(
        &state,
        &user,
        &token,
        &claims,
        role.as_deref(),
    )))
}

#[utoipa::path(get, path = "/user/session", tag = "user", operation_id = "get_user_session",
    summary = "The current session.",
    responses((status = 200, description = "The session.", body = Session)))]
async fn current(
    _: UserService,
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let session = require_session(principal.session.clone())?;
    Ok(ok(session_body(
        &state,
        &session.user,
        &session.token,
        &session.claims,
        principal.role().map(Arc::as_ref),
    )))
}

/// Issues a new token for a valid (or expired but still refreshable) one and revokes the
/// old one.
#[utoipa::path(method(put, patch), path = "/user/session", tag = "user", operation_id = "refresh_user_session",
    summary = "Refresh the session token; the old one is revoked.",
    responses((status = 200, description = "The new session.", body = Session)))]
async fn refresh(
    _: UserService,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let credentials = read_credentials(&request);
    let Some(token) = credentials.session_token else {
        return Err(ApiError::unauthorized(MSG_NO_SESSION));
    };
    let claims = state
        .tokens
        .verify_for_refresh(&token, clock::now_unix())
        .map_err(token_error)?;
    let user = session_user(&state, &claims).await?;
    let app = app_for_key(&state, credentials.api_key.as_deref()).await?;
    let role = active_role(&state, &user, app.as_deref()).await?;
    sessions::revoke(&state, &claims).await?;
    let issuer = request.full_url().to_string();
    let app_id = app.as_ref().map(|app| app.id);
    let (new_token, new_claims) = sessions::issue(&state, &user, &issuer, app_id).await?;
    Ok(ok(session_body(
        &state,
        &user,
        &new_token,
        &new_claims,
        role.as_deref(),
    )))
}

/// Revokes the token, if there is a readable one; always `{"success":true}`, as DreamFactory.
#[utoipa::path(delete, path = "/user/session", tag = "user", operation_id = "delete_user_session",
    summary = "Log out: the token is revoked.",
    responses((status = 200, description = "Always a success.", body = Success)))]
async fn logout(
    _: UserService,
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
