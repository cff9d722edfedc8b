//! `sluice openapi --out DIR`: writes the checked-in OpenAPI documents, the system API's and
//! the demo `db` service's (as an administrator sees it), so that `openapi/` can be kept in
//! step with the code. A test fails when they drift.

use std::path::Path;

use serde_json::Value;
use sluice_connector_core::Database;
use sluice_connector_sqlite::{SqliteConnector, SqliteOptions};
use sluice_docs::{ServiceInfo, Unrestricted, service_document};

use crate::demo::DEMO_SERVICE;

/// The command that regenerates the checked-in documents.
pub const REGENERATE: &str = "cargo run -j 2 -p sluice-gateway -- openapi --out openapi/";

/// `(file name, pretty JSON with a trailing newline)` for each document.
pub async fn documents() -> anyhow::Result<Vec<(String, String)>> {
    let scratch = std::env::temp_dir().join(format!(
        "sluice-openapi-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&scratch)?;
    let result = demo_document(&scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(vec![
        ("system.json".to_string(), pretty(&system_document()?)?),
        (format!("{DEMO_SERVICE}.json"), pretty(&result?)?),
    ])
}

/// The system and user API document: utoipa's paths from the handlers, completed by
/// `sluice_docs` with what every document shares.
pub fn system_document() -> anyhow::Result<Value> {
    Ok(sluice_docs::system_document(&crate::routes::openapi()?))
}

async fn demo_document(scratch: &Path) -> anyhow::Result<Value> {
    let path = scratch.join(crate::demo::DEMO_DATABASE);
    let generated = path.clone();
    tokio::task::spawn_blocking(move || {
        sluice_connector_sqlite::demo::generate_demo_database(&generated)
    })
    .await??;
    let database = Database::new(SqliteConnector::open(&path, SqliteOptions::default())?);
    let schema = database.schema(false).await?;
    let info = ServiceInfo {
        name: DEMO_SERVICE.to_string(),
        label: "Demo database".to_string(),
        description: Some("DreamFactory's address book and an employees table".to_string()),
        // The live document carries DreamFactory's `info.group`; the checked-in one keeps to
        // OpenAPI 3.0's `info`, which has no such field, so validators accept it.
        group: None,
    };
    Ok(service_document(&info, &schema, &Unrestricted))
}

fn pretty(doc: &Value) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(doc)? + "\n")
}

/// Writes every document into `out`.
pub async fn write(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    for (name, text) in documents().await? {
        std::fs::write(out.join(&name), text)?;
        println!("wrote {}", out.join(name).display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checked_in_documents_match_the_code() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi");
        for (name, text) in documents().await.expect("documents") {
            let doc: Value = serde_json::from_str(&text).expect("json");
            assert_eq!(
                sluice_docs::check::structural_errors(&doc),
                Vec::<String>::new(),
                "{name}"
            );
            let stored = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
            assert!(
                stored == text,
                "openapi/{name} is out of date with the code; regenerate with `{REGENERATE}`"
            );
        }
    }
}
