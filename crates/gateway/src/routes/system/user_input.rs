//! Reading `/system/user` and `/system/admin` write bodies (wire reference 8.5, 10.2): the
//! validation of DreamFactory's user model, its name and username defaults, and the
//! write-only secrets (`password`, `security_answer`), hashed with argon2id once everything
//! else has been checked and before any transaction starts, so no write lock waits on them.

use sluice_system_db::{NewUser, UserPatch, UserRow};

use crate::auth::password::hash_password;
use crate::error::ApiError;
use crate::state::AppState;
use crate::system::fields::{
    Body, flag, invalid_field, nullable_integer, nullable_text, required, text,
};

/// Longer passwords only cost hashing time; no person types one this long.
const PASSWORD_MAX_CHARS: usize = 4096;
const TEXT_MAX_CHARS: usize = 255;

/// A validated update: the column changes and, when the password changes, its new hash.
pub struct UserUpdate {
    pub patch: UserPatch,
    pub password_hash: Option<String>,
}

/// A user to create from a POST record. As DreamFactory's POST, empty strings count as
/// absent; `is_active` defaults to true (its column default) and `username` to the email.
pub async fn new_user(
    state: &AppState,
    body: &Body,
    is_sys_admin: bool,
    created_by: i64,
) -> Result<NewUser, ApiError> {
    let email = email_of(body)?.ok_or_else(|| required("email"))?;
    check_email_free(state, &email, None).await?;
    let first_name = present_text(body, "first_name")?;
    let last_name = present_text(body, "last_name")?;
    let name = match present_text(body, "name")? {
        Some(name) => checked_name(name)?,
        None => derived_name(first_name.as_deref(), last_name.as_deref(), &email),
    };
    let username = match present_text(body, "username")? {
        Some(username) => checked_username(username)?,
        None => email.clone(),
    };
    let password = password_of(state, body)?;
    let default_app_id = default_app_of(state, body).await?.flatten();
    let new = NewUser {
        name,
        username: Some(username),
        first_name,
        last_name,
        email,
        password_hash: None,
        is_sys_admin,
        is_active: flag(body, "is_active")?.unwrap_or(true),
        phone: present_text(body, "phone")?,
        security_question: present_text(body, "security_question")?,
        security_answer_hash: None,
        confirm_code: None,
        default_app_id,
        oauth_provider: present_text(body, "oauth_provider")?,
        adldap: present_text(body, "adldap")?,
        ldap_username: present_text(body, "ldap_username")?,
        saml: present_text(body, "saml")?,
        created_by_id: Some(created_by),
    };
    let security_answer = present_text(body, "security_answer")?;
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
    body: &Body,
    current: &UserRow,
    modified_by: i64,
) -> Result<UserUpdate, ApiError> {
    let email = match body.get("email") {
        None => None,
        Some(_) => Some(email_of(body)?.ok_or_else(|| required("email"))?),
    };
    if let Some(email) = &email {
        check_email_free(state, email, Some(current.id)).await?;
    }
    let resulting_email = email.as_deref().unwrap_or(&current.email);
    let first_name = nullable_text(body, "first_name")?;
    let last_name = nullable_text(body, "last_name")?;
    let name = match body.get("name") {
        None => None,
        Some(_) => Some(match present_text(body, "name")? {
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
    let username = match body.get("username") {
        None => None,
        Some(_) => Some(Some(match present_text(body, "username")? {
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
    let password = password_of(state, body)?;
    let security_answer = match body.get("security_answer") {
        None => None,
        Some(_) => Some(present_text(body, "security_answer")?),
    };
    let default_app_id = default_app_of(state, body).await?;
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
        is_active: flag(body, "is_active")?,
        phone: nullable_text(body, "phone")?,
        security_question: nullable_text(body, "security_question")?,
        security_answer_hash: None,
        confirm_code,
        default_app_id,
        oauth_provider: nullable_text(body, "oauth_provider")?,
        adldap: nullable_text(body, "adldap")?,
        ldap_username: nullable_text(body, "ldap_username")?,
        saml: nullable_text(body, "saml")?,
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

/// A text field where an empty string counts as absent.
fn present_text(body: &Body, key: &str) -> Result<Option<String>, ApiError> {
    Ok(text(body, key)?.filter(|value| !value.is_empty()))
}

fn email_of(body: &Body) -> Result<Option<String>, ApiError> {
    let Some(email) = present_text(body, "email")? else {
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
fn password_of(state: &AppState, body: &Body) -> Result<Option<String>, ApiError> {
    let Some(password) = present_text(body, "password")? else {
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
async fn default_app_of(state: &AppState, body: &Body) -> Result<Option<Option<i64>>, ApiError> {
    let app_id = nullable_integer(body, "default_app_id")?;
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
    use serde_json::{Value, json};

    use super::*;

    fn body(value: Value) -> Body {
        match value {
            Value::Object(map) => map,
            _ => Body::new(),
        }
    }

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
    fn empty_strings_count_as_absent() {
        let record = body(json!({"phone": "", "name": "Ada"}));
        assert_eq!(present_text(&record, "phone").unwrap(), None);
        assert_eq!(
            present_text(&record, "name").unwrap().as_deref(),
            Some("Ada")
        );
    }
}
