//! Repository for the `email_template` table: DreamFactory's `system/email_template`.
//! Stored only (Sluice sends no email yet). A write stores every field at once: the gateway
//! merges a partial update into the stored record first, so there is one UPDATE, not one
//! CASE per nullable column.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::DbError;
use crate::codec::now_timestamp;
use crate::db::Handle;

macro_rules! template_columns {
    () => {
        "id, name, description, \"to\", cc, bcc, subject, attachment, body_text, body_html, \
         from_name, from_email, reply_to_name, reply_to_email, defaults, created_date, \
         last_modified_date, created_by_id, last_modified_by_id"
    };
}

/// What a template holds, as stored: `to`, `cc`, `bcc` and `attachment` are an address or a
/// JSON array of them, `defaults` a JSON object (the gateway encodes and decodes them).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EmailTemplateFields {
    pub name: String,
    pub description: Option<String>,
    pub to: Option<String>,
    pub cc: Option<String>,
    pub bcc: Option<String>,
    pub subject: Option<String>,
    pub attachment: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub reply_to_name: Option<String>,
    pub reply_to_email: Option<String>,
    pub defaults: Option<String>,
}

/// A stored template.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EmailTemplateRow {
    pub id: i64,
    #[serde(flatten)]
    pub fields: EmailTemplateFields,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_date: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub last_modified_date: String,
    pub created_by_id: Option<i64>,
    pub last_modified_by_id: Option<i64>,
}

/// Template queries; get one from [`crate::SystemDb::email_templates`] or
/// [`crate::SystemTx::email_templates`].
pub struct EmailTemplates<'a> {
    handle: Handle<'a>,
}

impl<'a> EmailTemplates<'a> {
    pub(crate) fn new(handle: Handle<'a>) -> Self {
        EmailTemplates { handle }
    }

    /// Every template, by id.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn list(self) -> Result<Vec<EmailTemplateRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            template_columns!(),
            " FROM email_template ORDER BY id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(template_from_row).collect()
    }

    /// The template with this id, if any.
    ///
    /// # Errors
    /// As [`EmailTemplates::list`].
    pub async fn get(self, id: i64) -> Result<Option<EmailTemplateRow>, DbError> {
        let mut conn = self.handle.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            template_columns!(),
            " FROM email_template WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(template_from_row).transpose()
    }

    /// Creates a template; `actor` is the acting user's id for the audit columns.
    ///
    /// # Errors
    /// [`DbError::Conflict`] (`name`) if a template has this name (ignoring case), and as
    /// [`EmailTemplates::list`].
    pub async fn insert(
        self,
        fields: &EmailTemplateFields,
        actor: Option<i64>,
    ) -> Result<EmailTemplateRow, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let row = bind_fields(
            sqlx::query(concat!(
                "INSERT INTO email_template (name, description, \"to\", cc, bcc, subject, \
                 attachment, body_text, body_html, from_name, from_email, reply_to_name, \
                 reply_to_email, defaults, created_date, last_modified_date, created_by_id, \
                 last_modified_by_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 $12, $13, $14, $15, $15, $16, $16) RETURNING ",
                template_columns!()
            )),
            fields,
        )
        .bind(now_timestamp())
        .bind(actor)
        .fetch_one(&mut *conn)
        .await?;
        conn.confirm(template_from_row(&row)).await
    }

    /// Stores `fields` as the template's whole content and stamps `last_modified_date` /
    /// `last_modified_by_id`; `None` if there is no such template.
    ///
    /// # Errors
    /// As [`EmailTemplates::insert`].
    pub async fn replace(
        self,
        id: i64,
        fields: &EmailTemplateFields,
        actor: Option<i64>,
    ) -> Result<Option<EmailTemplateRow>, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let row = bind_fields(
            sqlx::query(concat!(
                "UPDATE email_template SET name = $1, description = $2, \"to\" = $3, cc = $4, \
                 bcc = $5, subject = $6, attachment = $7, body_text = $8, body_html = $9, \
                 from_name = $10, from_email = $11, reply_to_name = $12, \
                 reply_to_email = $13, defaults = $14, last_modified_date = $15, \
                 last_modified_by_id = $16 WHERE id = $17 RETURNING ",
                template_columns!()
            )),
            fields,
        )
        .bind(now_timestamp())
        .bind(actor)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        conn.confirm(row.as_ref().map(template_from_row).transpose())
            .await
    }

    /// Deletes a template; `false` if there was none.
    ///
    /// # Errors
    /// [`DbError::Unavailable`], [`DbError::Database`].
    pub async fn delete(self, id: i64) -> Result<bool, DbError> {
        let mut conn = self.handle.acquire_write().await?;
        let result = sqlx::query("DELETE FROM email_template WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        conn.confirm(Ok(result.rows_affected() > 0)).await
    }
}

/// Binds the fourteen content columns as `$1` to `$14`, in the table's order.
fn bind_fields<'q>(
    query: crate::codec::AnyQuery<'q>,
    f: &'q EmailTemplateFields,
) -> crate::codec::AnyQuery<'q> {
    query
        .bind(&f.name)
        .bind(f.description.as_deref())
        .bind(f.to.as_deref())
        .bind(f.cc.as_deref())
        .bind(f.bcc.as_deref())
        .bind(f.subject.as_deref())
        .bind(f.attachment.as_deref())
        .bind(f.body_text.as_deref())
        .bind(f.body_html.as_deref())
        .bind(f.from_name.as_deref())
        .bind(f.from_email.as_deref())
        .bind(f.reply_to_name.as_deref())
        .bind(f.reply_to_email.as_deref())
        .bind(f.defaults.as_deref())
}

fn template_from_row(row: &AnyRow) -> Result<EmailTemplateRow, DbError> {
    Ok(EmailTemplateRow {
        id: row.try_get("id")?,
        fields: EmailTemplateFields {
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            to: row.try_get("to")?,
            cc: row.try_get("cc")?,
            bcc: row.try_get("bcc")?,
            subject: row.try_get("subject")?,
            attachment: row.try_get("attachment")?,
            body_text: row.try_get("body_text")?,
            body_html: row.try_get("body_html")?,
            from_name: row.try_get("from_name")?,
            from_email: row.try_get("from_email")?,
            reply_to_name: row.try_get("reply_to_name")?,
            reply_to_email: row.try_get("reply_to_email")?,
            defaults: row.try_get("defaults")?,
        },
        created_date: row.try_get("created_date")?,
        last_modified_date: row.try_get("last_modified_date")?,
        created_by_id: row.try_get("created_by_id")?,
        last_modified_by_id: row.try_get("last_modified_by_id")?,
    })
}
