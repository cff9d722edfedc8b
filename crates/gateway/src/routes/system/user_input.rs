//! Reading `/system/user` and `/system/admin` write bodies: the
//! validation of DreamFactory's user model, its name and username defaults, and the
//! write-only secrets (`password`, `security_answer`), hashed with argon2id once everything
//! else has been checked and before any transaction starts, so no write lock waits on them.

use serde::Deserialize;
use serde_json::Value;
use sluice_system_db::{NewUser, UserPatch, UserRow};
use utoipa::ToSchema;

use super::input::{assignment_rows, flag, nullable_integer, nullable_text};
use crate::auth::password::hash_password;
use crate::error::ApiError;
use crate::state::AppState;
use crate::system::fields::{invalid_field, required};

/// Longer passwords only cost hashing time; no person types one this long.
const PASSWORD_MAX_CHARS: usize = 4096;
const TEXT_MAX_CHARS: usize = 255;

/// A user or administrator as written (POST creates, PUT and PATCH change what is given).
/// On create an empty string counts as absent. The secrets are write-only.
#[derive(Deserialize, ToSchema)]
pub(crate) struct UserInput {
    /// Required on create.
    #[serde(default, deserialize_with = "nullable_text")]
    email: Option<Option<String>>,
    /// Derived from the first and last name (else the email) when absent or empty.
    #[serde(default, deserialize_with = "nullable_text")]
    name: Option<Option<String>>,
    /// At least 6 characters without spaces; defaults to the email.
    #[serde(default, deserialize_with = "nullable_text")]
    username: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_text")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_text")]
    last_name: Option<Option<String>>,
    /// Write-only; at least `auth.password_min_length` characters. Empty leaves it as it is.
    #[serde(default, deserialize_with = "nullable_text")]
    password: Option<Option<String>>,
    /// Defaults to true.
    #[serde(default, deserialize_with = "flag")]
    is_active: Option<bool>,
    #[serde(default, deserialize_with = "nullable_text")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_text")]
    security_question: Option<Option<String>>,
    /// Write-only.
    #[serde(default, deserialize_with = "nullable_text")]
    security_answer: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_integer")]
    default_app_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable_text")]
    oauth_provider: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_text")]
    adldap: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_text")]
    ldap_username: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_text")]
    saml: Option<Option<String>>,
    /// The role the user gets per app: rows to create (no `id`), update (`id`) or delete
    /// (`id` and `"user_id": null`).
    #[schema(value_type = Option<Vec<super::user_app_roles::AssignmentInput>>)]
    #[serde(default, deserialize_with = "assignment_rows")]
    pub(super) user_to_app_to_role_by_user_id: Option<Vec<Value>>,
}

/// A validated update: the column changes and, when the password changes, its new hash.
pub struct UserUpdate {
    pub patch: UserPatch,
    pub password_hash: Option<String>,
}

/// A user to create from a POST record. As DreamFactory's POST, empty strings count as
/// absent; `is_active` defaults to true (its column default) and `username` to the email.
pub async fn new_user(
    state: &AppState,
    input: UserInput,
    is_sys_admin: bool,
    created_by: i64,
) -> Result<NewUser, ApiError> {
    let email = email_of(input.email)?.ok_or_else(|| required("email"))?;
    check_email_free(state, &email, None).await?;
    let first_name = present(input.first_name);
    let last_name = present(input.last_name);
    let name = match present(input.name) {
        Some(name) => checked_name(name)?,
        None => derived_name(first_name.as_deref(), last_name.as_deref(), &email),
    };
    let username = match present(input.username) {
        Some(username) => checked_username(username)?,
        None => email.clone(),
    };
    let password = password_of(state, input.password)?;
    let default_app_id = default_app_of(state, input.default_app_id).await?.flatten();
    let new = NewUser {
        name,
        username: Some(username),
        first_name,
        last_name,
        email,
        password_hash: None,
        is_sys_admin,
        is_active: input.is_active.unwrap_or(true),
        phone: present(input.phone),
        security_question: present(input.security_question),
        security_answer_hash: None,
        confirm_code: None,
        default_app_id,
        oauth_provider: present(input.oauth_provider),
        adldap: present(input.adldap),
        ldap_username: present(input.ldap_username),
        saml: present(input.saml),
        created_by_id: Some(created_by),
    };
    let security_answer = present(input.security_answer);
    Ok(NewUser {
        password_hash: hashed(password).await?,
        security_answer_hash: hashed(security_answer).await?,
        ..new
    })
}

/// A partial update of `current` from a PUT/PATCH record: absent fields stay, `null` clears
/// a nullable field. An empty `name` is derived again and an empty `username` becomes the
/// email, as DreamFactory does when it saves; an empty or `null` password leaves it as it is.
pub async fn user_update(
    state: &AppState,
    input: UserInput,
    current: &UserRow,
    modified_by: i64,
) -> Result<UserUpdate, ApiError> {
    let email = match input.email {
        None => None,
        Some(email) => Some(email_of(Some(email))?.ok_or_else(|| required("email"))?),
    };
    if let Some(email) = &email {
        check_email_free(state, email, Some(current.id)).await?;
    }
    let resulting_email = email.as_deref().unwrap_or(&current.email);
    let first_name = input.first_name;
    let last_name = input.last_name;
    let name = match input.name {
        None => None,
        Some(name) => Some(match name.filter(|name| !name.is_empty()) {
            Some(name) => checked_name(name)?,
            None => derived_name(
                first_name
                    .clone()
                    .unwrap_or(current.first_name.clone())
                    .as_deref(),
                last_name
                    .clone()
                    .unwrap_or(current.last_name.clone())
                    .as_deref(),
                resulting_email,
            ),
        }),
    };
    let username = match input.username {
        None => None,
        Some(username) => Some(Some(match username.filter(|name| !name.is_empty()) {
            Some(username) => checked_username(username)?,
            None => resulting_email.to_string(),
        })),
    };
    // A username that was defaulted from the email follows it, so the old address does
    // not stay reserved as someone's username.
    let username = match (&username, &email) {
        (None, Some(new_email)) if current.username.as_ref() == Some(&current.email) => {
            Some(Some(new_email.clone()))
        }
        _ => username,
    };
    let password = password_of(state, input.password)?;
    let security_answer = input.security_answer.map(|answer| present(Some(answer)));
    let default_app_id = default_app_of(state, input.default_app_id).await?;
    // A password set by an administrator confirms a pending invitation, as in DreamFactory.
    let pending = current
        .confirm_code
        .as_deref()
        .is_some_and(|code| code != "y");
    let confirm_code = (password.is_some() && pending).then_some(None);
    let patch = UserPatch {
        name,
        username,
        first_name,
        last_name,
        email,
        is_sys_admin: None,
        is_active: input.is_active,
        phone: input.phone,
        security_question: input.security_question,
        security_answer_hash: None,
        confirm_code,
        default_app_id,
        oauth_provider: input.oauth_provider,
        adldap: input.adldap,
        ldap_username: input.ldap_username,
        saml: input.saml,
        remember_token: None,
        last_modified_by_id: Some(modified_by),
    };
    let security_answer_hash = match security_answer {
        Some(answer) => Some(hashed(answer).await?),
        None => None,
    };
    Ok(UserUpdate {
        patch: UserPatch {
            security_answer_hash,
            ..patch
        },
        password_hash: hashed(password).await?,
    })
}

/// DreamFactory's display name when none is given: first and last name, else the part of
/// the email before `@`.
pub fn derived_name(first: Option<&str>, last: Option<&str>, email: &str) -> String {
    let joined = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if joined.is_empty() {
        email.split('@').next().unwrap_or(email).to_string()
    } else {
        joined
    }
}

/// A text field where `null` and an empty string count as absent.
fn present(value: Option<Option<String>>) -> Option<String> {
    value.flatten().filter(|value| !value.is_empty())
}

fn email_of(email: Option<Option<String>>) -> Result<Option<String>, ApiError> {
    let Some(email) = present(email) else {
        return Ok(None);
    };
    let email = email.trim().to_string();
    if !is_email(&email) {
        return Err(invalid_field(
            "email",
            "The email must be a valid email address.",
        ));
    }
    Ok(Some(email))
}

/// One `@` between a non-empty local part and a dotted-or-not domain, no spaces, at most
/// 255 characters: what DreamFactory's `email|max:255` rule admits in practice.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.chars().count() <= TEXT_MAX_CHARS
        && !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Checked before writing, so the answer names the email even when the username defaulted
/// from it collides too (the unique indexes would report whichever they check first).
async fn check_email_free(
    state: &AppState,
    email: &str,
    except_user: Option<i64>,
) -> Result<(), ApiError> {
    let owner = state.db.users().find_by_email(email).await?;
    if owner.is_some_and(|owner| Some(owner.id) != except_user) {
        return Err(invalid_field("email", "The email has already been taken."));
    }
    Ok(())
}

fn checked_name(name: String) -> Result<String, ApiError> {
    if name.chars().count() > TEXT_MAX_CHARS {
        return Err(invalid_field(
            "name",
            "The name may not be greater than 255 characters.",
        ));
    }
    Ok(name)
}

/// DreamFactory's `min:6|regex:/^\S*$/u` (and the column's 255).
fn checked_username(username: String) -> Result<String, ApiError> {
    let length = username.chars().count();
    if length < 6 {
        return Err(invalid_field(
            "username",
            "The username must be at least 6 characters.",
        ));
    }
    if length > TEXT_MAX_CHARS {
        return Err(invalid_field(
            "username",
            "The username may not be greater than 255 characters.",
        ));
    }
    if username.chars().any(char::is_whitespace) {
        return Err(invalid_field("username", "The username format is invalid."));
    }
    Ok(username)
}

/// The new password, if one is given, checked against `auth.password_min_length`.
fn password_of(
    state: &AppState,
    password: Option<Option<String>>,
) -> Result<Option<String>, ApiError> {
    let Some(password) = present(password) else {
        return Ok(None);
    };
    let min = state.settings.auth.password_min_length;
    let length = password.chars().count();
    if length < min {
        return Err(invalid_field(
            "password",
            &format!("The password must be at least {min} characters."),
        ));
    }
    if length > PASSWORD_MAX_CHARS {
        return Err(invalid_field(
            "password",
            &format!("The password may not be greater than {PASSWORD_MAX_CHARS} characters."),
        ));
    }
    Ok(Some(password))
}

/// `default_app_id` as a patch value, checked to name an existing app.
async fn default_app_of(
    state: &AppState,
    app_id: Option<Option<i64>>,
) -> Result<Option<Option<i64>>, ApiError> {
    if let Some(Some(id)) = app_id
        && state.db.apps().get(id).await?.is_none()
    {
        return Err(invalid_field(
            "default_app_id",
            &format!("The app id {id} does not exist."),
        ));
    }
    Ok(app_id)
}

async fn hashed(secret: Option<String>) -> Result<Option<String>, ApiError> {
    match secret {
        Some(secret) => hash_password(secret)
            .await
            .map(Some)
            .map_err(ApiError::internal),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_name_is_derived_from_first_and_last_name_or_the_email() {
        assert_eq!(
            derived_name(Some("Ada"), Some("Lovelace"), "a@x.io"),
            "Ada Lovelace"
        );
        assert_eq!(derived_name(None, Some("Lovelace"), "a@x.io"), "Lovelace");
        assert_eq!(derived_name(Some(" "), None, "ada.l@x.io"), "ada.l");
    }

    #[test]
    fn emails_need_one_at_between_a_local_part_and_a_domain() {
        for good in ["a@b", "first.last+tag@example.co.uk"] {
            assert!(is_email(good), "{good}");
        }
        for bad in ["", "a", "@b", "a@", "a@b@c", "a b@c", "a@.b", "a@b."] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn usernames_need_six_characters_and_no_spaces() {
        assert!(checked_username("ada_lovelace".into()).is_ok());
        let short = checked_username("ada".into()).unwrap_err();
        assert_eq!(
            short.body()["error"]["context"],
            json!({"username": ["The username must be at least 6 characters."]})
        );
        assert!(checked_username("ada lovelace".into()).is_err());
    }

    #[test]
    fn empty_strings_and_null_count_as_absent() {
        assert_eq!(present(Some(Some(String::new()))), None);
        assert_eq!(present(Some(None)), None);
        assert_eq!(present(Some(Some("Ada".into()))).as_deref(), Some("Ada"));
    }
}
