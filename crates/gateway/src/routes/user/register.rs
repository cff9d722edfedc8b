//! `POST /user/register` (PUT and PATCH are aliases): open registration.
//!
//! The open-registration role (`open_reg_role_id`) is stored as one `user_to_app_to_role` row
//! per app existing at registration time, as DreamFactory does. Rows rather than a rule
//! resolved on every request: admins see and edit them like any assignment
//! (`user_to_app_to_role_by_user_id`), and role resolution stays one cached lookup. Apps
//! created later give these users their default role, as in DreamFactory.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use sluice_system_db::{DbError, NewUser, UserRow};

use super::{UserService, new_password_problem};
use crate::auth::credentials::read_credentials;
use crate::auth::login::record_login;
use crate::auth::password::hash_password;
use crate::auth::principal::app_for_key;
use crate::auth::sessions;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::doc_schemas::Success;
use crate::routes::ok;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::resource("/register")
            .route(web::post().to(register))
            .route(web::put().to(register))
            .route(web::patch().to(register)),
    );
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Registration {
    email: Option<String>,
    password: Option<String>,
    new_password: Option<String>,
    password_confirmation: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    username: Option<String>,
    phone: Option<String>,
    security_question: Option<String>,
    security_answer: Option<String>,
}

/// DreamFactory's validation failure: 400 `Validation failed` with `{field: [messages]}`.
type Problems = BTreeMap<&'static str, Vec<String>>;

fn validation_failed(problems: Problems) -> ApiError {
    ApiError::bad_request("Validation failed").with_context(json!(problems))
}

pub fn email_problem(email: &str) -> Option<String> {
    let valid = email.len() <= 255
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    (!valid).then(|| "The email must be a valid email address.".to_string())
}

/// Missing names come from the email's local part, as DreamFactory derives them:
/// `jane.doe@x` is Jane Doe, `jdoe@x` is `jdoe jdoe`.
fn derive_names(registration: &mut Registration, email: &str) {
    let non_empty = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !non_empty(&registration.first_name) {
        registration.first_name = email.split('@').next().map(str::to_string);
    }
    if !non_empty(&registration.last_name) {
        let first = registration.first_name.clone().unwrap_or_default();
        match first.split_once('.') {
            Some((given, family)) => {
                let family = family.split('.').next().unwrap_or(family);
                registration.last_name = Some(family.to_string());
                registration.first_name = Some(given.to_string());
            }
            None => registration.last_name = Some(first),
        }
    }
    if !non_empty(&registration.name) {
        registration.name = Some(format!(
            "{} {}",
            registration.first_name.as_deref().unwrap_or_default(),
            registration.last_name.as_deref().unwrap_or_default()
        ));
    }
}

#[utoipa::path(method(post, put, patch), path = "/user/register", tag = "user", operation_id = "register_user",
    summary = "Open registration, when the user service allows it.", security((), ("ApiKeyHeader" = [])),
    params(("login" = Option<bool>, Query, description = "Answer with a session token for the new user.")),
    request_body = Registration,
    responses((status = 200, description = "Registered.", body = Success),
        (status = 403, description = "Open registration is not enabled.")))]
async fn register(
    service: UserService,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let config = service.config();
    if !config.allow_open_registration {
        return Err(ApiError::forbidden("Open Registration is not enabled."));
    }
    let login = Params::from_query(request.query_string())?.flag("login");
    let mut registration: Registration = body.parse()?;
    let email = registration
        .email
        .clone()
        .map(|e| e.trim().to_string())
        .unwrap_or_default();
    let password = registration
        .new_password
        .clone()
        .or_else(|| registration.password.clone())
        .unwrap_or_default();
    let mut problems = Problems::new();
    if email.is_empty() {
        problems.insert("email", vec!["The email field is required.".into()]);
    } else if let Some(problem) = email_problem(&email) {
        problems.insert("email", vec![problem]);
    }
    if password.is_empty() {
        problems.insert("password", vec!["The password field is required.".into()]);
    } else if let Some(problem) = new_password_problem(&state, &password) {
        problems.insert("password", vec![problem]);
    } else if registration
        .password_confirmation
        .as_ref()
        .is_some_and(|confirmation| *confirmation != password)
    {
        problems.insert(
            "password",
            vec!["The password confirmation does not match.".into()],
        );
    }
    if !problems.is_empty() {
        return Err(validation_failed(problems));
    }
    derive_names(&mut registration, &email);
    let app = app_for_key(&state, read_credentials(&request).api_key.as_deref()).await?;
    let user = create_user(&state, registration, email, password.clone()).await?;
    assign_open_registration_role(&state, &user, config.open_reg_role_id).await?;
    tracing::info!(user.id = user.id, "user registered");
    if !login {
        return Ok(ok(json!({ "success": true })));
    }
    let user = record_login(&state, user.id).await?;
    let issuer = request.full_url().to_string();
    let app_id = app.as_ref().map(|app| app.id);
    let (token, _) = sessions::issue(&state, &user, &issuer, app_id).await?;
    Ok(ok(json!({ "success": true, "session_token": token })))
}

async fn create_user(
    state: &AppState,
    registration: Registration,
    email: String,
    password: String,
) -> Result<UserRow, ApiError> {
    let password_hash = hash_password(password).await.map_err(ApiError::internal)?;
    let security_answer_hash = match registration.security_answer.filter(|a| !a.is_empty()) {
        Some(answer) => Some(hash_password(answer).await.map_err(ApiError::internal)?),
        None => None,
    };
    let new = NewUser {
        name: registration.name.unwrap_or_default(),
        username: registration.username.filter(|u| !u.trim().is_empty()),
        first_name: registration.first_name,
        last_name: registration.last_name,
        email,
        password_hash: Some(password_hash),
        is_active: true,
        phone: registration.phone,
        security_question: registration.security_question,
        security_answer_hash,
        ..NewUser::default()
    };
    state
        .db
        .users()
        .insert(&new)
        .await
        .map_err(|error| match error {
            DbError::Conflict { field } => {
                let field: &'static str = if field == "username" {
                    "username"
                } else {
                    "email"
                };
                validation_failed(Problems::from([(
                    field,
                    vec![format!("The {field} has already been taken.")],
                )]))
            }
            other => ApiError::from(other),
        })
}

/// One `user_to_app_to_role` row per app, in one transaction. A configured role that has
/// since been deleted assigns nothing (the user gets each app's default role).
async fn assign_open_registration_role(
    state: &AppState,
    user: &UserRow,
    role_id: Option<i64>,
) -> Result<(), ApiError> {
    let Some(role_id) = role_id else {
        return Ok(());
    };
    if state.access.roles(&state.db).await?.get(role_id).is_none() {
        tracing::warn!(role.id = role_id, "open_reg_role_id names a deleted role");
        return Ok(());
    }
    let apps = state.db.apps().list().await?;
    let mut tx = state.db.begin().await?;
    for app in &apps {
        tx.user_app_roles().insert(user.id, app.id, role_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn empty() -> Registration {
        serde_json::from_value(Value::Object(Default::default())).unwrap()
    }

    #[test]
    fn names_are_derived_from_the_email_as_dreamfactory_does() {
        let mut r = empty();
        derive_names(&mut r, "jane.doe@example.com");
        assert_eq!(
            (
                r.first_name.as_deref(),
                r.last_name.as_deref(),
                r.name.as_deref()
            ),
            (Some("jane"), Some("doe"), Some("jane doe"))
        );
        let mut r = empty();
        derive_names(&mut r, "jdoe@example.com");
        assert_eq!(r.name.as_deref(), Some("jdoe jdoe"));
        let mut r = empty();
        r.first_name = Some("Ann".into());
        r.last_name = Some("Lee".into());
        derive_names(&mut r, "x@example.com");
        assert_eq!(r.name.as_deref(), Some("Ann Lee"));
    }

    #[test]
    fn emails_need_one_at_sign_and_no_spaces() {
        assert_eq!(email_problem("a@b.c"), None);
        for bad in ["ab.c", "@b.c", "a@", "a b@c.d", "a@b@c"] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
