//! The built-in `user` service (DreamFactory's df-user): non-admin login, registration,
//! profile, password and per-user custom values under `/api/v2/user`. There is exactly one,
//! named `user`, seeded at start as DreamFactory's default install seeds it; admins configure
//! it through `/system/service/{id}` and grant its components to roles by its id.

use serde_json::{Value, json};
use sluice_system_db::{DbError, NewService, SystemDb};

use crate::error::ApiError;
use crate::system::fields::invalid_field;

pub const USER: &str = "user";
/// The service's name, which is also its URL segment (`/api/v2/user`).
pub const USER_SERVICE_NAME: &str = "user";

/// Email settings DreamFactory's admin app sends. No email service exists in Sluice yet, so
/// they are accepted only empty.
const EMAIL_KEYS: &[&str] = &[
    "open_reg_email_service_id",
    "open_reg_email_template_id",
    "invite_email_service_id",
    "invite_email_template_id",
    "password_email_service_id",
    "password_email_template_id",
];

/// A validated `user` service config, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserServiceConfig {
    pub allow_open_registration: bool,
    /// The role self-registered users get for every app (checked to exist when written).
    pub open_reg_role_id: Option<i64>,
}

impl UserServiceConfig {
    pub fn to_json(&self) -> Value {
        json!({
            "allow_open_registration": self.allow_open_registration,
            "open_reg_role_id": self.open_reg_role_id,
            "open_reg_email_service_id": null,
        })
    }
}

/// `GET /system/service_type` record (df-user's registration).
pub fn user_service_type() -> Value {
    let field = |name: &str, label: &str, kind: &str, default: Value, description: &str| {
        json!({"name": name, "label": label, "type": kind, "allow_null": kind != "boolean",
               "default": default, "description": description, "required": false})
    };
    json!({
        "name": USER,
        "label": "User service",
        "description": "User service to allow user management.",
        "group": "User",
        "singleton": true,
        "dependencies_required": null,
        "subscription_required": null,
        "service_definition_editable": false,
        "config_schema": [
            field("allow_open_registration", "Allow Open Registration", "boolean", json!(false),
                  "Let anyone create an account through POST /user/register."),
            field("open_reg_role_id", "Open Reg Role", "integer", Value::Null,
                  "Role self-registered users get for every app."),
            field("open_reg_email_service_id", "Open Reg Email Service", "integer", Value::Null,
                  "Email confirmation of registrations: not available (no email services)."),
        ],
    })
}

/// Parses a `user` config object. Whether `open_reg_role_id` exists is checked by the caller
/// (it needs the roles).
///
/// # Errors
///
/// 400 `Invalid data supplied. ...` with the field in `context`.
pub fn parse_user_config(config: &Value) -> Result<UserServiceConfig, ApiError> {
    let map = &super::config_fields(config)?;
    for (key, value) in map {
        let known = matches!(key.as_str(), "allow_open_registration" | "open_reg_role_id");
        if EMAIL_KEYS.contains(&key.as_str()) {
            if !value.is_null() {
                return Err(invalid_field(
                    key,
                    &format!(
                        "The config field '{key}' must be null: no email services are available."
                    ),
                ));
            }
        } else if !known {
            return Err(invalid_field(
                key,
                &format!("Unknown config field '{key}' for service type 'user'."),
            ));
        }
    }
    let allow_open_registration = match map.get("allow_open_registration") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            return Err(invalid_field(
                "allow_open_registration",
                "The config field 'allow_open_registration' must be true or false.",
            ));
        }
    };
    let open_reg_role_id = match map.get("open_reg_role_id") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_i64().filter(|id| *id > 0).ok_or_else(|| {
            invalid_field(
                "open_reg_role_id",
                "The config field 'open_reg_role_id' must be a role id or null.",
            )
        })?),
    };
    Ok(UserServiceConfig {
        allow_open_registration,
        open_reg_role_id,
    })
}

/// Creates the `user` service unless one exists. Run at every start, so an upgraded or
/// hand-edited system database gets it back.
///
/// # Errors
///
/// The system database's.
pub async fn ensure_user_service(db: &SystemDb) -> Result<(), DbError> {
    let services = db.services().list().await?;
    if services.iter().any(|s| s.service_type == USER) {
        return Ok(());
    }
    let new = NewService {
        label: Some("User Management".into()),
        description: Some("Service for managing system users.".into()),
        deletable: false,
        config: UserServiceConfig::default().to_json(),
        ..NewService::new(USER_SERVICE_NAME, USER)
    };
    match db.services().insert(&new, None).await {
        // Another node sharing the system database created it first.
        Ok(_) | Err(DbError::Conflict { .. }) => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_config_means_registration_off() {
        assert_eq!(
            parse_user_config(&Value::Null).unwrap(),
            UserServiceConfig::default()
        );
    }

    #[test]
    fn registration_settings_are_read_and_email_settings_must_be_null() {
        let config = json!({"allow_open_registration": true, "open_reg_role_id": 3,
                            "open_reg_email_service_id": null, "invite_email_template_id": null});
        assert_eq!(
            parse_user_config(&config).unwrap(),
            UserServiceConfig {
                allow_open_registration: true,
                open_reg_role_id: Some(3)
            }
        );
        let error = parse_user_config(&json!({"open_reg_email_service_id": 4})).unwrap_err();
        assert_eq!(error.status.as_u16(), 400);
        assert_eq!(
            error.context,
            json!({"open_reg_email_service_id":
                ["The config field 'open_reg_email_service_id' must be null: no email services are available."]})
        );
    }

    #[test]
    fn bad_types_and_unknown_keys_are_400s() {
        for config in [
            json!({"allow_open_registration": "yes"}),
            json!({"open_reg_role_id": "3"}),
            json!({"open_reg_role_id": -1}),
            json!({"database": "x"}),
            json!([1]),
        ] {
            assert_eq!(
                parse_user_config(&config).unwrap_err().status.as_u16(),
                400,
                "{config}"
            );
        }
    }
}
