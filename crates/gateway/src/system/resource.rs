//! The common behaviour of model-backed system resources, written once:
//! list with DreamFactory's list semantics, read by id, create (201), partial update (PUT is
//! PATCH) by id, by records or by `ids`, delete by id or `ids`, `fields` and `related` on
//! reads and writes. A resource supplies only its storage and validation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::fields::{Body, not_found, records_of};
use super::listing::{self, Listing, parse_ids, project, requested_fields};
use super::matcher::Record;
use crate::auth::SystemAdmin;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::params::Params;
use crate::routes::ok;
use crate::state::AppState;

/// One resource under `/api/v2/system`. Writes validate their input and return 400s with
/// DreamFactory's messages; every change invalidates the caches it affects.
pub(crate) trait SystemResource: 'static {
    /// The path segment: `role`, `app`, ...
    const NAME: &'static str;
    /// The fields a record has (what `fields`, `filter` and `order` may name).
    const COLUMNS: &'static [&'static str];
    /// The relation names `related=` accepts.
    const RELATIONS: &'static [&'static str];
    /// What a write body may hold: the resource reads its bodies into it, and the OpenAPI
    /// document describes request bodies and the writable fields of records with it.
    type Input: utoipa::ToSchema;
    /// The fields of a record that no body writes (its relations, generated and audit
    /// columns other than the ones every record has), for the OpenAPI record schema.
    type ReadOnly: utoipa::PartialSchema;

    /// Every record, with the `related` relations attached under their names.
    async fn load_all(state: &AppState, related: &[&'static str]) -> Result<Vec<Record>, ApiError>;

    /// One record with the `related` relations, or `None`.
    async fn load_one(
        state: &AppState,
        id: i64,
        related: &[&'static str],
    ) -> Result<Option<Record>, ApiError>;

    /// Creates a record from a body and returns its id.
    async fn create(
        state: &AppState,
        admin: &SystemAdmin,
        body: &Body,
        params: &Params,
    ) -> Result<i64, ApiError>;

    /// Applies a partial update to an existing record.
    async fn update(
        state: &AppState,
        admin: &SystemAdmin,
        id: i64,
        body: &Body,
        params: &Params,
    ) -> Result<(), ApiError>;

    /// Deletes an existing record.
    async fn delete(state: &AppState, admin: &SystemAdmin, id: i64) -> Result<(), ApiError>;
}

pub(crate) fn configure<R: SystemResource>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(format!("/{}", R::NAME))
            .route(web::get().to(list::<R>))
            .route(web::post().to(create::<R>))
            .route(web::put().to(update_many::<R>))
            .route(web::patch().to(update_many::<R>))
            .route(web::delete().to(delete_many::<R>)),
    )
    .service(
        web::resource(format!("/{}/{{id}}", R::NAME))
            .route(web::get().to(get_one::<R>))
            .route(web::put().to(update_one::<R>))
            .route(web::patch().to(update_one::<R>))
            .route(web::delete().to(delete_one::<R>)),
    );
}

/// `related=a,b` or `related=*`, checked against the resource's relations.
fn requested_related<R: SystemResource>(params: &Params) -> Result<Vec<&'static str>, ApiError> {
    let Some(text) = params.get(&["related"]).map(str::trim) else {
        return Ok(Vec::new());
    };
    if text == "*" {
        return Ok(R::RELATIONS.to_vec());
    }
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            R::RELATIONS
                .iter()
                .find(|r| r.eq_ignore_ascii_case(name))
                .copied()
                .ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid relationship '{name}' requested."))
                })
        })
        .collect()
}

fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.trim().parse().map_err(|_| not_found(text))
}

/// A record as a response: `fields` (all by default) plus the requested relations.
fn shaped(record: Record, params: &Params, related: &[&'static str]) -> Value {
    let fields = requested_fields(params).map(|mut fields| {
        fields.extend(related.iter().map(|r| (*r).to_string()));
        fields
    });
    project(record, fields.as_deref())
}

/// The response for a written record: identifiers only, unless `fields` or `related` ask
/// for more (then the record is read back).
async fn written<R: SystemResource>(
    state: &AppState,
    id: i64,
    params: &Params,
) -> Result<Value, ApiError> {
    let related = requested_related::<R>(params)?;
    if params.get(&["fields"]).is_none() && related.is_empty() {
        return Ok(json!({ "id": id }));
    }
    let record = R::load_one(state, id, &related)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(shaped(record, params, &related))
}

async fn list<R: SystemResource>(
    _: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let related = requested_related::<R>(&params)?;
    let records = R::load_all(&state, &related).await?;
    let listing = listing::list(
        records,
        R::COLUMNS,
        &related,
        &params,
        &state.settings.limits,
    )?;
    Ok(match listing {
        Listing::Body(body) => ok(body),
        Listing::Count(n) => ok(json!(n)),
    })
}

async fn get_one<R: SystemResource>(
    _: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let related = requested_related::<R>(&params)?;
    let id = parse_id(&path)?;
    let record = R::load_one(&state, id, &related)
        .await?
        .ok_or_else(|| not_found(path.as_str()))?;
    Ok(ok(shaped(record, &params, &related)))
}

async fn create<R: SystemResource>(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    requested_related::<R>(&params)?;
    let mut created = Vec::new();
    for record in records_of(body.0, false)? {
        let id = R::create(&state, &admin, &record, &params).await?;
        created.push(written::<R>(&state, id, &params).await?);
    }
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({ "resource": created })))
}

/// Checks the record exists, so a missing one is a 404 before any validation.
async fn existing<R: SystemResource>(state: &AppState, id: i64) -> Result<(), ApiError> {
    match R::load_one(state, id, &[]).await? {
        Some(_) => Ok(()),
        None => Err(not_found(id)),
    }
}

async fn update_one<R: SystemResource>(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    requested_related::<R>(&params)?;
    let id = parse_id(&path)?;
    existing::<R>(&state, id).await?;
    let Value::Object(record) = body.0 else {
        return Err(ApiError::bad_request("No record detected in request."));
    };
    R::update(&state, &admin, id, &record, &params).await?;
    Ok(ok(written::<R>(&state, id, &params).await?))
}

/// `PATCH /{resource}` with records carrying `id`, or with `ids=` and one record applied to
/// each of them.
async fn update_many<R: SystemResource>(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    requested_related::<R>(&params)?;
    let mut targets = Vec::new();
    if let Some(ids) = params.get(&["ids"]) {
        let record = match body.0 {
            Value::Object(map) if !map.contains_key("resource") => map,
            other => records_of(other, false)?.swap_remove(0),
        };
        for id in parse_ids(ids, state.settings.limits.ids_max)? {
            targets.push((id, record.clone()));
        }
    } else {
        for record in records_of(body.0, false)? {
            let id = record.get("id").and_then(Value::as_i64).ok_or_else(|| {
                ApiError::bad_request("Identifying field 'id' can not be empty for update request.")
            })?;
            targets.push((id, record));
        }
    }
    for (id, _) in &targets {
        existing::<R>(&state, *id).await?;
    }
    let mut updated = Vec::new();
    for (id, record) in targets {
        R::update(&state, &admin, id, &record, &params).await?;
        updated.push(written::<R>(&state, id, &params).await?);
    }
    Ok(ok(json!({ "resource": updated })))
}

/// Deletes one record, answering with what `fields`/`related` ask of it as it was.
async fn remove<R: SystemResource>(
    state: &AppState,
    admin: &SystemAdmin,
    id: i64,
    params: &Params,
) -> Result<Value, ApiError> {
    let before = written::<R>(state, id, params).await?;
    R::delete(state, admin, id).await?;
    Ok(before)
}

async fn delete_one<R: SystemResource>(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let id = parse_id(&path)?;
    existing::<R>(&state, id).await?;
    Ok(ok(remove::<R>(&state, &admin, id, &params).await?))
}

/// `DELETE /{resource}?ids=1,2` or with records carrying `id` in the body.
async fn delete_many<R: SystemResource>(
    admin: SystemAdmin,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let params = Params::from_query(request.query_string())?;
    let ids = match params.get(&["ids"]) {
        Some(ids) => parse_ids(ids, state.settings.limits.ids_max)?,
        None => records_of(body.0, false)?
            .iter()
            .map(|record| {
                record.get("id").and_then(Value::as_i64).ok_or_else(|| {
                    ApiError::bad_request(
                        "Identifying field 'id' can not be empty for delete request.",
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    for id in &ids {
        existing::<R>(&state, *id).await?;
    }
    let mut deleted = Vec::new();
    for id in ids {
        deleted.push(remove::<R>(&state, &admin, id, &params).await?);
    }
    Ok(ok(json!({ "resource": deleted })))
}
