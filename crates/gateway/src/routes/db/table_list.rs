//! `GET /api/v2/{service}/_table`: the tables (and views) of a service (wire reference 2.2).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::{database, open_service};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok;
use crate::state::AppState;
use crate::system::listing::project;

const ALL_VERBS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

pub async fn list_tables(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let access = open_service(&state, principal, &path, request.method(), "_table").await?;
    let database = database(&state, &access)?;
    let params = Params::from_query(request.query_string())?;
    let names = database.table_names(params.flag("refresh")).await?;
    let wanted: Option<Vec<String>> = params.get(&["ids"]).map(|ids| {
        ids.split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect()
    });
    // Only the tables the role grants some verb on (wire reference 9.3).
    let names = names.iter().filter(|n| {
        let lower = n.to_ascii_lowercase();
        wanted.as_ref().is_none_or(|w| w.contains(&lower))
            && access.may_see(&format!("_table/{lower}"))
    });
    if params.flag("as_list") {
        return Ok(ok(json!({ "resource": names.collect::<Vec<_>>() })));
    }
    let fields: Option<Vec<String>> = match params.get(&["fields"]).map(str::trim) {
        None | Some("") => Some(vec!["name".to_string()]),
        Some("*") => None,
        Some(list) => Some(list.split(',').map(|s| s.trim().to_string()).collect()),
    };
    let resource: Vec<Value> = names
        .map(|name| project(describe(name), fields.as_deref()))
        .collect();
    Ok(ok(json!({ "resource": resource })))
}

fn describe(name: &str) -> Map<String, Value> {
    let label = label_of(name);
    let mut map = Map::new();
    map.insert("name".into(), json!(name));
    map.insert("label".into(), json!(label));
    map.insert("plural".into(), json!(plural_of(&label)));
    map.insert("description".into(), Value::Null);
    // DreamFactory's SQLite schema reports views as tables.
    map.insert("is_view".into(), json!(false));
    map.insert("access".into(), json!(ALL_VERBS));
    map
}

/// `contact_info` -> `Contact Info`.
pub fn label_of(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// English plural of the last word, by the common rules.
pub fn plural_of(label: &str) -> String {
    let lower = label.to_ascii_lowercase();
    if lower.ends_with('s') {
        label.to_string()
    } else if lower.ends_with('y')
        && !lower.ends_with("ay")
        && !lower.ends_with("ey")
        && !lower.ends_with("oy")
        && !lower.ends_with("uy")
    {
        format!("{}ies", &label[..label.len() - 1])
    } else if ["x", "z", "ch", "sh"].iter().any(|s| lower.ends_with(s)) {
        format!("{label}es")
    } else {
        format!("{label}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_plurals_read_like_dreamfactory() {
        assert_eq!(label_of("contact_info"), "Contact Info");
        assert_eq!(plural_of("Contact Info"), "Contact Infos");
        assert_eq!(plural_of("Category"), "Categories");
        assert_eq!(plural_of("Employees"), "Employees");
        assert_eq!(plural_of("Box"), "Boxes");
    }
}
