//! Who is calling. Authentication identifies and only rejects *invalid* credentials (a bad,
//! expired or revoked token); deciding what the caller may do is `auth::access`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde_json::{Value, json};
use sluice_system_db::UserRow;

use super::credentials::{Credentials, read_credentials};
use super::tokens::{Claims, TokenError, email_subject};
use crate::access_log::{Identity, note_identity};
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;

pub const MSG_NO_CREDENTIALS: &str = "No session token (JWT) or API Key detected in request. \
Please send in X-DreamFactory-Session-Token and/or X-DreamFactory-API-Key request header. \
You can also use URL query parameters session_token and/or api_key.";
pub const MSG_NO_SESSION_TOKEN: &str = "No session token (JWT) provided. Please provide a valid \
JWT using X-DreamFactory-Session-Token request header or 'session_token' url query parameter.";
pub const MSG_EXPIRED: &str = "Token has expired: Session expired. Please refresh your token \
(if still within refresh window) or re-login.";
pub const MSG_REVOKED: &str =
    "The token has been blacklisted: Session terminated. Please re-login.";

/// A verified session: the token checked out and its user exists, is active and still has
/// the email the token was issued for.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: Arc<UserRow>,
    pub claims: Claims,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub session: Option<Session>,
    pub api_key: Option<String>,
}

impl Caller {
    pub fn is_sys_admin(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.user.is_sys_admin)
    }
}

/// The `context` of a credential error: DreamFactory's message stays as it is, and
/// `{"hint": ...}` says what to check.
pub fn hint_context(hint: &str) -> Value {
    json!({ "hint": hint })
}

/// DreamFactory's answer to a session token that cannot be used, with what to do about it.
pub fn token_error(error: TokenError) -> ApiError {
    let (error, hint) = match error {
        TokenError::Expired => (
            ApiError::unauthorized(MSG_EXPIRED),
            "The session expired: refresh it (PUT on the session resource you signed in at) \
             while the refresh window is open, or sign in again.",
        ),
        TokenError::Revoked => (
            ApiError::forbidden(MSG_REVOKED),
            "This token was ended by a sign-out, a refresh (which returns a new token: use \
             that one) or a password change: sign in again.",
        ),
        TokenError::Invalid(reason) => {
            let hint = if reason == USER_VERIFICATION_FAILED {
                "The token's user was deactivated, deleted or changed email since signing in: \
                 sign in again."
            } else {
                "The token is not one this gateway issued, or was cut short: send the whole \
                 session_token from the sign-in answer, or sign in again."
            };
            (
                ApiError::unauthorized(format!("Invalid token: {reason}")),
                hint,
            )
        }
        TokenError::RefreshWindowClosed => (
            ApiError::unauthorized(
                "Token refresh failed. The refresh window has expired. Please re-login.",
            ),
            "A token can be refreshed only for auth.refresh_ttl_minutes after it was first \
             issued: sign in again.",
        ),
    };
    error.with_context(hint_context(hint))
}

const USER_VERIFICATION_FAILED: &str = "User verification failed.";

/// Verifies a session token without touching the system database in the steady state
/// (users come from the cache).
pub async fn verify_session(state: &AppState, token: &str) -> Result<Session, ApiError> {
    let claims = state
        .tokens
        .verify(token, clock::now_unix())
        .map_err(token_error)?;
    let user = session_user(state, &claims).await?;
    Ok(Session {
        user,
        claims,
        token: token.to_string(),
    })
}

/// The user a token was issued to, if it still exists, is active and has the same email.
pub async fn session_user(state: &AppState, claims: &Claims) -> Result<Arc<UserRow>, ApiError> {
    let verification_failed = || token_error(TokenError::Invalid(USER_VERIFICATION_FAILED));
    let user = state
        .users
        .get(&state.db, claims.user_id)
        .await?
        .ok_or_else(verification_failed)?;
    if !user.is_active || email_subject(&user.email) != claims.sub {
        return Err(verification_failed());
    }
    Ok(user)
}

async fn identify(
    state: web::Data<AppState>,
    credentials: Credentials,
) -> Result<Caller, ApiError> {
    let session = match &credentials.session_token {
        Some(token) => Some(verify_session(&state, token).await?),
        None => None,
    };
    Ok(Caller {
        session,
        api_key: credentials.api_key,
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let credentials = read_credentials(request);
        let request = request.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let caller = identify(state, credentials).await?;
            let user_id = caller.session.as_ref().map(|session| session.user.id);
            note_identity(
                &request,
                Identity {
                    app_id: None,
                    user_id,
                },
            );
            Ok(caller)
        })
    }
}
