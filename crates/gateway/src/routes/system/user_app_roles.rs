//! `user_to_app_to_role_by_user_id`: which role a user gets when calling through an app. In a
//! nested list a row without `id` is created, a row with `id` is updated, and a row with `id`
//! and `"user_id": null` is deleted, as DreamFactory does for its has-many relations. The `user_id` of other rows is
//! ignored: a row always belongs to the user it is written through.

use serde::Deserialize;
use serde_json::Value;
use sluice_system_db::{DbError, SystemTx, UserAppRoleRow};
use utoipa::ToSchema;

use super::input::{integer, is_null, parse_value};
use crate::error::ApiError;
use crate::system::fields::{invalid_field, required};

pub const ASSIGNMENTS: &str = "user_to_app_to_role_by_user_id";

/// One row of `user_to_app_to_role_by_user_id` as written. Forms and the seed's example send
/// ids as strings of digits; both are read.
#[derive(Deserialize, ToSchema)]
pub(crate) struct AssignmentInput {
    /// The row to update or delete; absent to create one.
    #[serde(default, deserialize_with = "integer")]
    id: Option<i64>,
    /// Given as `null` together with `id`, deletes the row; otherwise ignored.
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "is_null")]
    user_id: bool,
    /// Required on create.
    #[serde(default, deserialize_with = "integer")]
    app_id: Option<i64>,
    /// Required on create.
    #[serde(default, deserialize_with = "integer")]
    role_id: Option<i64>,
}

/// What one nested row asks for, validated before anything is written.
pub enum AssignmentChange {
    Create {
        app_id: i64,
        role_id: i64,
    },
    Update {
        id: i64,
        app_id: Option<i64>,
        role_id: Option<i64>,
    },
    Delete(i64),
}

/// The changes the nested rows of a write body ask for; none when the relation is absent.
pub fn assignment_changes(rows: Option<&[Value]>) -> Result<Vec<AssignmentChange>, ApiError> {
    rows.unwrap_or_default()
        .iter()
        .map(|item| {
            let row = parse_value(item, ASSIGNMENTS, "Each role assignment must be an object.")?;
            assignment_change(row)
        })
        .collect()
}

fn assignment_change(row: AssignmentInput) -> Result<AssignmentChange, ApiError> {
    if let Some(id) = row.id
        && row.user_id
    {
        return Ok(AssignmentChange::Delete(id));
    }
    Ok(match row.id {
        Some(id) => AssignmentChange::Update {
            id,
            app_id: row.app_id,
            role_id: row.role_id,
        },
        None => AssignmentChange::Create {
            app_id: row.app_id.ok_or_else(|| required("app_id"))?,
            role_id: row.role_id.ok_or_else(|| required("role_id"))?,
        },
    })
}

/// Applies the changes for `user_id` inside the caller's transaction, in the order given (so
/// a list may delete the row of an app and then create another for it).
pub async fn apply_assignment_changes(
    tx: &mut SystemTx,
    user_id: i64,
    changes: Vec<AssignmentChange>,
) -> Result<(), ApiError> {
    for change in changes {
        match change {
            AssignmentChange::Create { app_id, role_id } => {
                check_references(tx, app_id, role_id).await?;
                tx.user_app_roles()
                    .insert(user_id, app_id, role_id)
                    .await
                    .map_err(|e| write_error(e, app_id))?;
            }
            AssignmentChange::Update {
                id,
                app_id,
                role_id,
            } => {
                let current = owned_assignment(tx, user_id, id).await?;
                let app_id = app_id.unwrap_or(current.app_id);
                let role_id = role_id.unwrap_or(current.role_id);
                check_references(tx, app_id, role_id).await?;
                tx.user_app_roles()
                    .update(id, app_id, role_id)
                    .await
                    .map_err(|e| write_error(e, app_id))?;
            }
            AssignmentChange::Delete(id) => {
                owned_assignment(tx, user_id, id).await?;
                tx.user_app_roles().delete(id).await?;
            }
        }
    }
    Ok(())
}

/// Named references are checked here so the client learns which one is wrong (a foreign-key
/// failure cannot say).
async fn check_references(tx: &mut SystemTx, app_id: i64, role_id: i64) -> Result<(), ApiError> {
    if tx.apps().get(app_id).await?.is_none() {
        return Err(invalid_field(
            "app_id",
            &format!("The app id {app_id} does not exist."),
        ));
    }
    if tx.roles().get(role_id).await?.is_none() {
        return Err(invalid_field(
            "role_id",
            &format!("The role id {role_id} does not exist."),
        ));
    }
    Ok(())
}

/// An assignment of this user: another user's row is as good as missing.
async fn owned_assignment(
    tx: &mut SystemTx,
    user_id: i64,
    id: i64,
) -> Result<UserAppRoleRow, ApiError> {
    let rows = tx.user_app_roles().for_user(user_id).await?;
    rows.into_iter().find(|row| row.id == id).ok_or_else(|| {
        invalid_field(
            ASSIGNMENTS,
            &format!("The role assignment {id} does not belong to this user."),
        )
    })
}

fn write_error(error: DbError, app_id: i64) -> ApiError {
    match error {
        DbError::Conflict { .. } => invalid_field(
            "app_id",
            &format!("The user already has a role for the app id {app_id}."),
        ),
        other => ApiError::from(other),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn changes_of(value: Value) -> Result<Vec<AssignmentChange>, ApiError> {
        let Value::Object(body) = json!({ ASSIGNMENTS: value }) else {
            unreachable!("an object literal")
        };
        let input: super::super::user_input::UserInput = super::super::input::parse(&body)?;
        assignment_changes(input.user_to_app_to_role_by_user_id.as_deref())
    }

    #[test]
    fn rows_create_update_or_delete_by_their_id_and_user_id() {
        let changes = changes_of(json!([
            {"app_id": "4", "role_id": 7, "user_id": 100},
            {"id": 3, "role_id": "8"},
            {"id": 5, "user_id": null},
        ]))
        .unwrap();

        assert!(matches!(
            changes[0],
            AssignmentChange::Create {
                app_id: 4,
                role_id: 7
            }
        ));
        assert!(matches!(
            changes[1],
            AssignmentChange::Update {
                id: 3,
                app_id: None,
                role_id: Some(8)
            }
        ));
        assert!(matches!(changes[2], AssignmentChange::Delete(5)));
    }

    #[test]
    fn a_new_row_needs_an_app_and_a_role() {
        let error = changes_of(json!([{"app_id": 4}])).err().unwrap();
        assert_eq!(
            error.body()["error"]["context"],
            json!({"role_id": ["The role_id field is required."]})
        );
        assert!(changes_of(json!({"app_id": 4})).is_err());
        assert!(changes_of(json!([{"app_id": "four", "role_id": 1}])).is_err());
    }
}
