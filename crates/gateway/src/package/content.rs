//! The import of the kinds that hold content rather than access: email templates
//! (`system/email_template.json`) and the instance's custom values (`system/custom.json`).
//! Each is checked as its own API checks it; one that exists here already is kept.

use serde_json::Value;
use sluice_system_db::EmailTemplateFields;

use super::import::{Importer, Record};
use super::records::{EXISTS, skipped};
use super::report::Outcome;
use crate::error::ApiError;
use crate::routes::system::{MAX_CUSTOM_VALUES, email_template_fields, email_template_write_error};
use crate::system::custom_values::{check_bounds, name_of};

pub async fn import_email_template(
    im: &mut Importer<'_>,
    record: &Record,
) -> Result<Outcome, ApiError> {
    // The template API's own reading: ids and audit columns of the package are not read.
    let fields = email_template_fields(EmailTemplateFields::default(), record)?;
    // Names are unique ignoring case, as the table's constraint has them.
    let existing = im.tx.email_templates().list().await?;
    if (existing.iter()).any(|t| t.fields.name.eq_ignore_ascii_case(&fields.name)) {
        return Ok(skipped(EXISTS));
    }
    im.tx
        .email_templates()
        .insert(&fields, Some(im.admin_id))
        .await
        .map_err(email_template_write_error)?;
    Ok(Outcome::Imported)
}

pub async fn import_custom(im: &mut Importer<'_>, record: &Record) -> Result<Outcome, ApiError> {
    let name = name_of(record)?;
    let existing = im.tx.system_custom().list().await?;
    if existing.iter().any(|row| row.name == name) {
        return Ok(skipped(EXISTS));
    }
    let names: Vec<&str> = existing.iter().map(|row| row.name.as_str()).collect();
    check_bounds(
        std::iter::once(name.as_str()),
        &names,
        MAX_CUSTOM_VALUES,
        "The instance",
    )?;
    let value = match record.get("value") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.to_string()),
    };
    im.tx
        .system_custom()
        .upsert(&name, value.as_deref(), Some(im.admin_id))
        .await?;
    Ok(Outcome::Imported)
}
