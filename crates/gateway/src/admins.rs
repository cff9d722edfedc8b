//! Creating administrators: `sluice admin create`, first-admin bootstrap from
//! `SLUICE_ADMIN_EMAIL` / `SLUICE_ADMIN_PASSWORD`, and the demo's admin.

use sluice_system_db::{NewUser, SystemDb, UserPatch};

use crate::auth::password::hash_password;

#[derive(Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created(i64),
    Reset(i64),
}

/// Creates an administrator, or makes an existing account an active administrator with this
/// password. Errors are messages for the person at the terminal.
pub async fn create_or_reset(
    db: &SystemDb,
    email: &str,
    password: &str,
    name: Option<&str>,
    password_min_length: usize,
) -> anyhow::Result<AdminOutcome> {
    let email = email.trim();
    if !email.contains('@') || email.len() > 255 {
        anyhow::bail!("'{email}' is not an email address");
    }
    if password.chars().count() < password_min_length {
        anyhow::bail!("the password must be at least {password_min_length} characters");
    }
    let hash = hash_password(password.to_string()).await?;
    let local_part = email.split('@').next().unwrap_or(email);
    let name = name.unwrap_or(local_part).to_string();
    if let Some(existing) = db.users().find_by_email(email).await? {
        db.users().set_password_hash(existing.id, &hash).await?;
        db.users()
            .update(
                existing.id,
                &UserPatch {
                    is_sys_admin: Some(true),
                    is_active: Some(true),
                    ..UserPatch::default()
                },
            )
            .await?;
        return Ok(AdminOutcome::Reset(existing.id));
    }
    let user = db
        .users()
        .insert(&NewUser {
            name,
            email: email.to_string(),
            password_hash: Some(hash),
            is_sys_admin: true,
            is_active: true,
            ..NewUser::default()
        })
        .await?;
    Ok(AdminOutcome::Created(user.id))
}

/// First-admin bootstrap: when no administrator exists and both variables are set.
pub async fn bootstrap_from_env(
    db: &SystemDb,
    env: &[(String, String)],
    password_min_length: usize,
) -> anyhow::Result<()> {
    let get = |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let (Some(email), Some(password)) = (get("SLUICE_ADMIN_EMAIL"), get("SLUICE_ADMIN_PASSWORD"))
    else {
        return Ok(());
    };
    if db.users().count_admins().await? > 0 {
        return Ok(());
    }
    create_or_reset(db, &email, &password, None, password_min_length).await?;
    tracing::info!("first administrator created from SLUICE_ADMIN_EMAIL");
    Ok(())
}
