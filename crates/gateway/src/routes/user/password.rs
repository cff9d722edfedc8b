//! `POST /user/password` (PUT and PATCH are aliases):
//! - change: `old_password` + `new_password` with a session;
//! - reset request: `?reset=true` + `email`, answered with the security question;
//! - reset confirmation: `email` + `security_answer` + `new_password`.
//!
//! Sluice has no email service yet, so reset codes are never sent. Unknown emails, admins and
//! users without a security question all get the same 400 on a reset request, and the same
//! "does not match" on a confirmation, so neither reveals which emails have accounts. Wrong
//! old passwords and wrong answers count as failed logins (`auth::throttle`). Every
//! password change ends all of the user's sessions.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use sluice_system_db::UserRow;

use super::{UserService, new_password_problem};
use crate::auth::Caller;
use crate::auth::Session;
use crate::auth::credentials::read_credentials;
use crate::auth::login::{Audience, client_address, record_login};
use crate::auth::password::{check_password, hash_password};
use crate::auth::principal::app_for_key;
use crate::auth::sessions;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::doc_schemas::PasswordOutcome;
use crate::routes::ok;
use crate::state::AppState;
use crate::system::fields::invalid_field;

const MSG_NO_EMAIL_RESET: &str = "Password reset by email is not available: this server has no \
email service. Answer your security question, or ask an administrator to set a new password.";
const MSG_ANSWER_MISMATCH: &str = "The answer supplied does not match.";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/password")
            .route(web::post().to(password))
            .route(web::put().to(password))
            .route(web::patch().to(password)),
    );
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct PasswordRequest {
    old_password: Option<String>,
    new_password: Option<String>,
    email: Option<String>,
    code: Option<String>,
    security_answer: Option<String>,
}

fn present(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

#[utoipa::path(method(post, put, patch), path = "/user/password", tag = "user", operation_id = "change_user_password",
    summary = "Change the password (`old_password`, `new_password`), or reset it with the security question (`reset=true` and `email`, then `email`, `security_answer` and `new_password`).",
    security((), ("SessionTokenHeader" = [])),
    params(("reset" = Option<bool>, Query, description = "Ask for the security question of `email`."),
        ("login" = Option<bool>, Query, description = "Answer with a new session token.")),
    request_body = PasswordRequest,
    responses((status = 200, description = "Changed, or the security question.", body = PasswordOutcome)))]
async fn password(
    _: UserService,
    state: web::Data<AppState>,
    caller: Caller,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    change_password(
        &state,
        caller.session.as_ref(),
        &request,
        body,
        Audience::Users,
    )
    .await
}

/// The password change and reset of `/user/password` (`Audience::Users`) and
/// `/system/admin/password` (`Audience::Administrators`): each changes and resets only the
/// accounts of its audience.
pub(crate) async fn change_password(
    state: &AppState,
    session: Option<&Session>,
    request: &HttpRequest,
    body: JsonBody,
    audience: Audience,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let form: PasswordRequest = body.parse()?;
    let login = params.flag("login");
    if let (Some(old), Some(session)) = (present(form.old_password), session) {
        let user = &session.user;
        if !audience.admits(user) {
            return Err(ApiError::unauthorized(format!(
                "You are not authorized to reset/change password for the account {}",
                user.email
            )));
        }
        let Some(new) = present(form.new_password) else {
            return Err(ApiError::bad_request(
                "Both old and new password are required to change the password.",
            ));
        };
        let address = client_address(request);
        state.login_throttle.check(address, &user.email)?;
        if !check_password(old, user.password_hash.clone())
            .await
            .matches()
        {
            state.login_throttle.record_failure(address, &user.email);
            return Err(ApiError::bad_request(
                "The password supplied does not match.",
            ));
        }
        return set_password(state, request, user, new, login).await;
    }
    let email = present(form.email).map(|e| e.trim().to_string());
    if params.flag("reset") {
        let email = email.ok_or_else(missing_email)?;
        return reset_request(state, &email, audience).await;
    }
    if present(form.code).is_some() {
        return Err(ApiError::bad_request(
            "Invalid confirmation code: this server has no email service and never issues codes.",
        ));
    }
    if let Some(answer) = present(form.security_answer) {
        let email = email.ok_or_else(missing_email)?;
        let new = present(form.new_password)
            .ok_or_else(|| ApiError::bad_request("Missing new password for reset."))?;
        let user = check_security_answer(state, request, &email, answer, audience).await?;
        return set_password(state, request, &user, new, login).await;
    }
    Err(ApiError::bad_request(
        "Not enough information provided to change password.",
    ))
}

fn missing_email() -> ApiError {
    ApiError::bad_request("Missing required email for password reset confirmation.")
}

/// An active account of `audience`: a non-admin for `/user/password`, an administrator for
/// `/system/admin/password`.
async fn resettable_user(
    state: &AppState,
    email: &str,
    audience: Audience,
) -> Result<Option<UserRow>, ApiError> {
    Ok(state
        .db
        .users()
        .find_by_email(email)
        .await?
        .filter(|user| audience.admits(user)))
}

async fn reset_request(
    state: &AppState,
    email: &str,
    audience: Audience,
) -> Result<HttpResponse, ApiError> {
    let question = resettable_user(state, email, audience)
        .await?
        .and_then(|user| user.security_question)
        .filter(|question| !question.is_empty());
    match question {
        Some(question) => Ok(ok(json!({ "security_question": question }))),
        None => Err(ApiError::bad_request(MSG_NO_EMAIL_RESET)),
    }
}

/// The account whose security answer matches, throttled like a login: an answer is a
/// password by another name.
async fn check_security_answer(
    state: &AppState,
    request: &HttpRequest,
    email: &str,
    answer: String,
    audience: Audience,
) -> Result<UserRow, ApiError> {
    let address = client_address(request);
    state.login_throttle.check(address, email)?;
    let user = resettable_user(state, email, audience).await?;
    let stored = user.as_ref().and_then(|u| u.security_answer_hash.clone());
    let matches = check_password(answer, stored).await.matches();
    match user {
        Some(user) if matches => {
            state.login_throttle.record_success(email);
            Ok(user)
        }
        _ => {
            state.login_throttle.record_failure(address, email);
            Err(ApiError::bad_request(MSG_ANSWER_MISMATCH))
        }
    }
}

/// Stores the new password, ends every session of the user, and with `?login=true` opens a
/// new one.
async fn set_password(
    state: &AppState,
    request: &HttpRequest,
    user: &UserRow,
    new: String,
    login: bool,
) -> Result<HttpResponse, ApiError> {
    if let Some(problem) = new_password_problem(state, &new) {
        return Err(invalid_field("password", &problem));
    }
    let hash = hash_password(new).await.map_err(ApiError::internal)?;
    state.db.users().set_password_hash(user.id, &hash).await?;
    let ended = sessions::revoke_user_sessions(state, user.id).await?;
    tracing::info!(
        user.id = user.id,
        sessions.ended = ended,
        "user password changed"
    );
    if !login {
        return Ok(ok(json!({ "success": true })));
    }
    let app = app_for_key(state, read_credentials(request).api_key.as_deref()).await?;
    let user = record_login(state, user.id).await?;
    let issuer = request.full_url().to_string();
    let (token, _) = sessions::issue(state, &user, &issuer, app.map(|app| app.id)).await?;
    Ok(ok(json!({ "success": true, "session_token": token })))
}
