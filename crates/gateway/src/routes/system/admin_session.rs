//! `/system/admin/session`: administrator login (POST), current session (GET), refresh (PUT)
//! and logout (DELETE), with DreamFactory's session object (wire reference 8.2-8.4).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::caller::{session_user, token_error, verify_session};
use crate::auth::credentials::read_credentials;
use crate::auth::password::verify_password;
use crate::auth::sessions::{self, session_body};
use crate::body::JsonBody;
use crate::clock;
use crate::error::ApiError;
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

#[derive(Deserialize)]
struct LoginRequest {
    email: Option<String>,
    password: Option<String>,
}

async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let login: LoginRequest = body.parse()?;
    let email = login
        .email
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("Login request is missing required email."))?;
    let password = login
        .password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::bad_request("Login request is missing required password."))?;
    let user = state
        .db
        .users()
        .find_by_email(email.trim())
        .await?
        .filter(|u| u.is_sys_admin && u.is_active);
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    // Always one argon2 verification, so unknown emails take as long as known ones.
    let valid = verify_password(password, stored_hash).await;
    let user = match user {
        Some(user) if valid => user,
        _ => return Err(ApiError::unauthorized("Invalid credentials supplied.")),
    };
    let now = clock::now();
    state.db.users().set_last_login(user.id, now).await?;
    state.users.invalidate(user.id).await;
    let user = state
        .users
        .get(&state.db, user.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("Invalid credentials supplied."))?;
    let issuer = request.full_url().to_string();
    let (token, claims) = sessions::issue(&state, &user, &issuer, None).await?;
    tracing::info!(user.id = user.id, "administrator signed in");
    Ok(ok(session_body(&state, &user, &token, &claims, None)))
}

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
    Ok(ok(session_body(
        &state,
        &session.user,
        &session.token,
        &session.claims,
        None,
    )))
}

/// Issues a new token for a valid (or expired but still refreshable) one; the old one is
/// revoked so it cannot be used again.
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
    Ok(ok(session_body(
        &state,
        &user,
        &new_token,
        &new_claims,
        None,
    )))
}

/// Revokes the token, if there is a readable one; always `{"success":true}`, as DreamFactory.
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
