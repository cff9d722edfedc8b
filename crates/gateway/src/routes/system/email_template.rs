//! `/system/email_template`: DreamFactory's email templates, stored so the admin app can
//! manage them and packages can carry them. Sluice sends no email yet, so nothing reads
//! them. `to`, `cc`, `bcc` and `attachment` take an address, a comma list (kept as a list,
//! as DreamFactory keeps it) or a list; `defaults` an object.

use serde_json::{Value, json};
use sluice_system_db::{DbError, EmailTemplateFields, EmailTemplateRow};
use utoipa::ToSchema;

use crate::auth::SystemAdmin;
use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use crate::system::fields::{Body, invalid_field, not_found, text, to_record};
use crate::system::matcher::Record;
use crate::system::resource::SystemResource;

pub struct EmailTemplates;

/// The fields that hold an address or a list of them.
const ADDRESS_LISTS: [&str; 4] = ["to", "cc", "bcc", "attachment"];

/// An email template as written (POST creates, PUT and PATCH change what is given).
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "describes bodies to utoipa; `merged` reads them field by field"
)]
pub(crate) struct EmailTemplateInput {
    /// Unique, ignoring case. Required on create.
    name: Option<String>,
    description: Option<String>,
    /// An address, a comma list or a list of addresses.
    #[schema(value_type = Option<Value>)]
    to: Option<Value>,
    /// As `to`.
    #[schema(value_type = Option<Value>)]
    cc: Option<Value>,
    /// As `to`.
    #[schema(value_type = Option<Value>)]
    bcc: Option<Value>,
    subject: Option<String>,
    /// A file name or a list of them.
    #[schema(value_type = Option<Value>)]
    attachment: Option<Value>,
    body_text: Option<String>,
    body_html: Option<String>,
    from_name: Option<String>,
    from_email: Option<String>,
    reply_to_name: Option<String>,
    reply_to_email: Option<String>,
    /// Default values of the template's placeholders.
    #[schema(value_type = Option<Object>)]
    defaults: Option<Value>,
}

impl SystemResource for EmailTemplates {
    const NAME: &'static str = "email_template";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "description",
        "to",
        "cc",
        "bcc",
        "subject",
        "attachment",
        "body_text",
        "body_html",
        "from_name",
        "from_email",
        "reply_to_name",
        "reply_to_email",
        "defaults",
        "created_date",
        "last_modified_date",
        "created_by_id",
        "last_modified_by_id",
    ];
    const RELATIONS: &'static [&'static str] = &[];
    type Input = EmailTemplateInput;
    type ReadOnly = crate::routes::doc_schemas::EmailTemplateReadOnly;

    async fn load_all(state: &AppState, _: &[&'static str]) -> Result<Vec<Record>, ApiError> {
        let rows = state.db.email_templates().list().await?;
        Ok(rows.iter().map(record).collect())
    }

    async fn load_one(
        state: &AppState,
        id: i64,
        _: &[&'static str],
    ) -> Result<Option<Record>, ApiError> {
        Ok(state
            .db
            .email_templates()
            .get(id)
            .await?
            .as_ref()
            .map(record))
    }

    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        body: &Body,
        _: &Params,
    ) -> Result<i64, ApiError> {
        let fields = merged(EmailTemplateFields::default(), body)?;
        let row = state
            .db
            .email_templates()
            .insert(&fields, Some(admin.user_id()))
            .await
            .map_err(write_error)?;
        Ok(row.id)
    }

    async fn update(
        state: &AppState,
        admin: &SystemAdmin,
        id: i64,
        body: &Body,
        _: &Params,
    ) -> Result<(), ApiError> {
        let current = state
            .db
            .email_templates()
            .get(id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let fields = merged(current.fields, body)?;
        state
            .db
            .email_templates()
            .replace(id, &fields, Some(admin.user_id()))
            .await
            .map_err(write_error)?
            .ok_or_else(|| not_found(id))?;
        Ok(())
    }

    async fn delete(state: &AppState, _: &SystemAdmin, id: i64) -> Result<(), ApiError> {
        state.db.email_templates().delete(id).await?;
        Ok(())
    }
}

/// A stored template as clients read it: lists and `defaults` decoded.
pub(crate) fn record(row: &EmailTemplateRow) -> Record {
    let mut record = to_record(row);
    for key in ADDRESS_LISTS.iter().chain(&["defaults"]) {
        if let Some(Value::String(text)) = record.get(*key) {
            let decoded = match serde_json::from_str::<Value>(text) {
                Ok(value @ (Value::Array(_) | Value::Object(_))) => value,
                _ => continue,
            };
            record.insert((*key).to_string(), decoded);
        }
    }
    record
}

/// `current` with the fields `body` gives (`null` clears one); the name stays required.
pub(crate) fn merged(
    mut fields: EmailTemplateFields,
    body: &Body,
) -> Result<EmailTemplateFields, ApiError> {
    if body.contains_key("name") {
        fields.name = text(body, "name")?.unwrap_or_default();
    }
    if fields.name.trim().is_empty() {
        return Err(invalid_field("name", "The Template Name field is required"));
    }
    let texts: [(&str, &mut Option<String>); 9] = [
        ("description", &mut fields.description),
        ("subject", &mut fields.subject),
        ("body_text", &mut fields.body_text),
        ("body_html", &mut fields.body_html),
        ("from_name", &mut fields.from_name),
        ("from_email", &mut fields.from_email),
        ("reply_to_name", &mut fields.reply_to_name),
        ("reply_to_email", &mut fields.reply_to_email),
        ("defaults", &mut fields.defaults),
    ];
    for (key, slot) in texts {
        if body.contains_key(key) {
            *slot = if key == "defaults" {
                defaults(body)?
            } else {
                text(body, key)?
            };
        }
    }
    let lists: [(&str, &mut Option<String>); 4] = [
        ("to", &mut fields.to),
        ("cc", &mut fields.cc),
        ("bcc", &mut fields.bcc),
        ("attachment", &mut fields.attachment),
    ];
    for (key, slot) in lists {
        if let Some(value) = body.get(key) {
            *slot = address_list(key, value)?;
        }
    }
    Ok(fields)
}

/// An address as given, or a list (a comma list or an array) as a JSON array.
fn address_list(key: &str, value: &Value) -> Result<Option<String>, ApiError> {
    let items: Vec<&str> = match value {
        Value::Null => return Ok(None),
        Value::String(s) if !s.contains(',') => return Ok(Some(s.trim().to_string())),
        Value::String(s) => s.split(',').collect(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        _ => {
            return Err(invalid_field(
                key,
                &format!("The {key} field must be a text or a list of texts."),
            ));
        }
    };
    let items: Vec<&str> = items.into_iter().map(str::trim).collect();
    Ok(Some(json!(items).to_string()))
}

fn defaults(body: &Body) -> Result<Option<String>, ApiError> {
    match body.get("defaults") {
        None | Some(Value::Null) => Ok(None),
        Some(value @ Value::Object(_)) => Ok(Some(value.to_string())),
        Some(_) => Err(invalid_field(
            "defaults",
            "The defaults field must be an object.",
        )),
    }
}

pub(crate) fn write_error(error: DbError) -> ApiError {
    match error {
        DbError::Conflict { .. } => invalid_field("name", "The name has already been taken."),
        other => ApiError::from(other),
    }
}
