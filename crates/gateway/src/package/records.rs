//! The import of one record of each kind: read tolerantly (DreamFactory's exports carry ids,
//! audit columns and relations Sluice does not keep), checked with the same rules as the
//! resource's own API, with references mapped to this instance's ids.

use serde_json::Value;
use sluice_system_db::{NewApp, NewLimit, NewLookup, NewRole, NewUser};

use super::content::{import_custom, import_email_template};
use super::import::{Importer, Record};
use super::kinds::Kind;
use super::report::Outcome;
use super::services::import_service;
use crate::auth::password::is_bcrypt;
use crate::error::ApiError;
use crate::rate_limits::kinds::PERIODS;
use crate::routes::system::{
    ASSIGNMENTS, derived_name, generate_api_key, imported_access, imported_script, limit_key_text,
    new_cors, refuse_sql_with_record_rules, validate_api_key,
};
use crate::scripts::NODEJS;
use crate::system::fields::{invalid_field, required};

const ACCESS: &str = "role_service_access_by_role_id";
pub(super) const EXISTS: &str =
    "An object with this name exists here already; it was kept as it is.";

pub fn skipped(reason: impl Into<String>) -> Outcome {
    Outcome::Skipped(reason.into())
}

/// An id field: a number or a string of digits.
pub fn id(record: &Record, field: &str) -> Option<i64> {
    match record.get(field)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A text field; empty and absent are `None`; numbers are read as their text.
pub fn text(record: &Record, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A flag: a boolean, 0/1, or `"true"`/`"false"`; `default` otherwise.
pub fn flag(record: &Record, field: &str, default: bool) -> bool {
    match record.get(field) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        Some(Value::String(s)) => matches!(s.as_str(), "1" | "true"),
        _ => default,
    }
}

/// Imports `record` of `kind`.
pub async fn import_one(
    im: &mut Importer<'_>,
    kind: Kind,
    record: &Record,
) -> Result<Outcome, ApiError> {
    match kind {
        Kind::Role => import_role(im, record).await,
        Kind::Service => import_service(im, record).await,
        Kind::App => import_app(im, record).await,
        Kind::User | Kind::Admin => import_user(im, record, kind == Kind::Admin).await,
        Kind::Lookup => import_lookup(im, record).await,
        Kind::Cors => import_cors(im, record).await,
        Kind::Limit => import_limit(im, record).await,
        Kind::EventScript => import_event_script(im, record).await,
        Kind::EmailTemplate => import_email_template(im, record).await,
        Kind::Custom => import_custom(im, record).await,
    }
}

async fn import_role(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let name = text(record, "name").ok_or_else(|| required("name"))?;
    let roles = im.tx.roles().list().await?;
    if let Some(existing) = roles.iter().find(|r| r.name == name) {
        im.map(Kind::Role, record, existing.id);
        return Ok(skipped(EXISTS));
    }
    let new = NewRole {
        description: text(record, "description").map(|d| d.chars().take(255).collect()),
        is_active: flag(record, "is_active", false),
        ..NewRole::new(name)
    };
    let row = im.tx.roles().insert(&new, Some(im.admin_id)).await?;
    im.created(Kind::Role, record, row.id);
    Ok(Outcome::Imported)
}

/// The access rows of a role this import created (an existing role keeps its own), each
/// after its service's id is mapped.
pub async fn import_access(im: &mut Importer<'_>, role: &Record) -> Result<(), ApiError> {
    let Some(role_id) = im.created_id(Kind::Role, role) else {
        return Ok(());
    };
    let role_name = Kind::Role.key_of(role);
    let rows = match role.get(ACCESS) {
        Some(Value::Array(rows)) => rows.clone(),
        _ => Vec::new(),
    };
    for row in rows {
        let Value::Object(fields) = &row else {
            return Err(invalid_field(ACCESS, "Each access row must be an object."));
        };
        let component = text(fields, "component").unwrap_or_default();
        let service_id = match im.mapped(Kind::Service, fields, "service_id") {
            Ok(id) => id,
            Err(old) => {
                im.report.add_part(
                    ACCESS,
                    &format!("{role_name}: {component}"),
                    skipped(format!("Its service (id {old}) is not imported.")),
                );
                continue;
            }
        };
        let mut new = imported_access(&row, service_id)?;
        new.role_id = role_id;
        im.tx.roles().insert_access(&new, Some(im.admin_id)).await?;
    }
    refuse_sql_with_record_rules(&mut im.tx, role_id).await
}

async fn import_app(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let name = text(record, "name").ok_or_else(|| required("name"))?;
    let apps = im.tx.apps().list().await?;
    if let Some(existing) = apps.iter().find(|a| a.name == name) {
        im.map(Kind::App, record, existing.id);
        return Ok(skipped(EXISTS));
    }
    let role_id = match im.mapped(Kind::Role, record, "role_id") {
        Ok(id) => id,
        Err(old) => return Ok(skipped(format!("Its role (id {old}) is not imported."))),
    };
    let storage_service_id = match im.mapped(Kind::Service, record, "storage_service_id") {
        Ok(id) => id,
        Err(old) => {
            return Ok(skipped(format!(
                "Its storage service (id {old}) is not imported."
            )));
        }
    };
    let api_key = match text(record, "api_key") {
        Some(key) => validate_api_key(key)?,
        None => generate_api_key(),
    };
    if apps.iter().any(|a| a.api_key == api_key) {
        return Ok(skipped("Its API key belongs to another app here."));
    }
    let app_type = id(record, "type").unwrap_or(0);
    if !(0..=4).contains(&app_type) {
        return Err(invalid_field(
            "type",
            "The type must be 0 (none), 1 (storage), 2 (URL), 3 (path) or 4 (git).",
        ));
    }
    let new = NewApp {
        description: text(record, "description"),
        is_active: flag(record, "is_active", false),
        app_type,
        path: text(record, "path"),
        url: text(record, "url"),
        storage_service_id,
        storage_container: text(record, "storage_container"),
        requires_fullscreen: flag(record, "requires_fullscreen", false),
        allow_fullscreen_toggle: flag(record, "allow_fullscreen_toggle", true),
        toggle_location: text(record, "toggle_location").unwrap_or_else(|| "top".into()),
        role_id,
        ..NewApp::new(name, api_key)
    };
    let row = im.tx.apps().insert(&new, Some(im.admin_id)).await?;
    im.created(Kind::App, record, row.id);
    Ok(Outcome::Imported)
}

/// A stored hash Sluice verifies: argon2id (Sluice's own) or bcrypt (DreamFactory's).
fn verifiable_hash(hash: Option<String>) -> Option<String> {
    hash.filter(|h| h.starts_with("$argon2id$") || is_bcrypt(h))
}

async fn import_user(
    im: &mut Importer<'_>,
    record: &Record,
    admin: bool,
) -> Result<Outcome, ApiError> {
    let email = text(record, "email").ok_or_else(|| required("email"))?;
    if let Some(existing) = im.tx.users().find_by_email(&email).await? {
        im.map(Kind::User, record, existing.id);
        return Ok(skipped(EXISTS));
    }
    // Sluice's exports say `password_hash`; DreamFactory's hash is `password`, when there.
    let hash = verifiable_hash(text(record, "password_hash"))
        .or_else(|| verifiable_hash(text(record, "password")));
    let note = hash.is_none().then(|| {
        "The package holds no password hash for this account: set a password before it \
         signs in."
            .to_owned()
    });
    let (first_name, last_name) = (text(record, "first_name"), text(record, "last_name"));
    let name = text(record, "name")
        .unwrap_or_else(|| derived_name(first_name.as_deref(), last_name.as_deref(), &email));
    let new = NewUser {
        name,
        username: text(record, "username"),
        first_name,
        last_name,
        email: email.clone(),
        password_hash: hash,
        is_sys_admin: admin,
        is_active: flag(record, "is_active", true),
        phone: text(record, "phone"),
        security_question: text(record, "security_question"),
        security_answer_hash: verifiable_hash(text(record, "security_answer_hash")),
        default_app_id: im
            .mapped(Kind::App, record, "default_app_id")
            .ok()
            .flatten(),
        oauth_provider: text(record, "oauth_provider"),
        adldap: text(record, "adldap"),
        ldap_username: text(record, "ldap_username"),
        saml: text(record, "saml"),
        created_by_id: Some(im.admin_id),
        ..NewUser::default()
    };
    let row = im.tx.users().insert(&new).await?;
    im.created(Kind::User, record, row.id);
    let assignments = match record.get(ASSIGNMENTS) {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    for assignment in assignments {
        let Value::Object(fields) = assignment else {
            continue;
        };
        let app = im.mapped(Kind::App, &fields, "app_id");
        let role = im.mapped(Kind::Role, &fields, "role_id");
        match (app, role) {
            (Ok(Some(app)), Ok(Some(role))) => {
                im.tx.user_app_roles().insert(row.id, app, role).await?;
            }
            _ => im.report.add_part(
                ASSIGNMENTS,
                &email,
                skipped("Its app or role is not imported."),
            ),
        }
    }
    Ok(note.map_or(Outcome::Imported, Outcome::ImportedWithNote))
}

/// The ids here of the objects a record's `fields` refer to, or the skip naming the first
/// that was not imported.
fn references<const N: usize>(
    im: &Importer<'_>,
    record: &Record,
    fields: [(Kind, &str); N],
) -> Result<[Option<i64>; N], Outcome> {
    let mut ids = [None; N];
    for (slot, (kind, field)) in ids.iter_mut().zip(fields) {
        *slot = im
            .mapped(kind, record, field)
            .map_err(|old| skipped(format!("Its {} (id {old}) is not imported.", kind.name())))?;
    }
    Ok(ids)
}

async fn import_lookup(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let name = text(record, "name").ok_or_else(|| required("name"))?;
    let owners = [
        (Kind::App, "app_id"),
        (Kind::Role, "role_id"),
        (Kind::User, "user_id"),
    ];
    let [app_id, role_id, user_id] = match references(im, record, owners) {
        Ok(ids) => ids,
        Err(outcome) => return Ok(outcome),
    };
    let existing = im.tx.lookups().list().await?;
    if existing.iter().any(|l| {
        l.name == name && l.app_id == app_id && l.role_id == role_id && l.user_id == user_id
    }) {
        return Ok(skipped(EXISTS));
    }
    let private = flag(record, "private", false);
    let value = text(record, "value");
    let new = NewLookup {
        app_id,
        role_id,
        user_id,
        name,
        private,
        description: text(record, "description"),
        value: value.clone(),
    };
    im.tx.lookups().insert(&new, Some(im.admin_id)).await?;
    Ok(if private && value.is_none() {
        Outcome::ImportedWithNote(
            "Its private value is not in the package (exported without include_secrets).".into(),
        )
    } else {
        Outcome::Imported
    })
}

async fn import_cors(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let new = new_cors(record)?;
    if im
        .tx
        .cors()
        .list()
        .await?
        .iter()
        .any(|c| c.path == new.path)
    {
        return Ok(skipped(
            "A rule for this path exists here already; it was kept.",
        ));
    }
    im.tx.cors().insert(&new, Some(im.admin_id)).await?;
    Ok(Outcome::Imported)
}

async fn import_limit(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let name = text(record, "name").ok_or_else(|| required("name"))?;
    let existing = im.tx.limits().list().await?;
    if existing.iter().any(|l| l.limit.name == name) {
        return Ok(skipped(EXISTS));
    }
    let kind = text(record, "type").ok_or_else(|| required("type"))?;
    let rate = id(record, "rate")
        .filter(|r| (1..=i64::from(i32::MAX)).contains(r))
        .ok_or_else(|| ApiError::bad_request("Limit rate must be an integer. Limit not saved."))?;
    let period = id(record, "period")
        .or_else(|| {
            let name = text(record, "period")?;
            PERIODS
                .iter()
                .position(|p| *p == name)
                .and_then(|i| i64::try_from(i).ok())
        })
        .filter(|p| usize::try_from(*p).is_ok_and(|p| p < PERIODS.len()))
        .ok_or_else(|| invalid_field("period", "The selected period is invalid."))?;
    let owners = [
        (Kind::User, "user_id"),
        (Kind::Role, "role_id"),
        (Kind::Service, "service_id"),
    ];
    let [user_id, role_id, service_id] = match references(im, record, owners) {
        Ok(ids) => ids,
        Err(outcome) => return Ok(outcome),
    };
    let mut new = NewLimit {
        kind,
        key_text: String::new(),
        rate,
        period,
        user_id,
        role_id,
        service_id,
        endpoint: text(record, "endpoint"),
        verb: text(record, "verb").map(|v| v.to_ascii_uppercase()),
        name,
        description: text(record, "description"),
        is_active: flag(record, "is_active", true),
    };
    let Some(key_text) = limit_key_text(&new) else {
        return Ok(skipped(format!("Sluice has no limit type '{}'.", new.kind)));
    };
    if existing.iter().any(|l| l.limit.key_text == key_text) {
        return Ok(skipped(
            "A limit with the same parameters exists here already.",
        ));
    }
    new.key_text = key_text;
    im.tx.limits().insert(&new).await?;
    Ok(Outcome::Imported)
}

async fn import_event_script(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let script_type = text(record, "type").unwrap_or_default();
    if script_type != NODEJS {
        return Ok(skipped(format!(
            "Sluice runs JavaScript scripts (type nodejs) only; this one is type '{script_type}'."
        )));
    }
    let name = text(record, "name").ok_or_else(|| required("name"))?;
    if im.tx.event_scripts().get(&name).await?.is_some() {
        return Ok(skipped(EXISTS));
    }
    let (name, write) = imported_script(im.state, record).await?;
    im.tx
        .event_scripts()
        .insert(&name, &write, Some(im.admin_id))
        .await?;
    Ok(Outcome::Imported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_read_tolerantly() {
        let Value::Object(record) = json!({"id": "7", "on": 1, "off": "false", "n": 3, "e": ""})
        else {
            unreachable!()
        };
        assert_eq!(id(&record, "id"), Some(7));
        assert!(flag(&record, "on", false) && !flag(&record, "off", true));
        assert!(flag(&record, "missing", true));
        assert_eq!(text(&record, "n").as_deref(), Some("3"));
        assert_eq!(text(&record, "e"), None);
    }

    #[test]
    fn only_hashes_sluice_verifies_are_kept() {
        assert!(verifiable_hash(Some("$2y$10$abc".into())).is_some());
        assert!(verifiable_hash(Some("$argon2id$v=19$x".into())).is_some());
        assert!(verifiable_hash(Some("plain text password".into())).is_none());
    }
}
