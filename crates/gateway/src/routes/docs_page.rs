//! `GET /docs`: the page people browse the API with. Our own small HTML page and start-up
//! script (credentials first, then Swagger UI over the caller's role-filtered documents),
//! and Swagger UI's own files, embedded at build time by `utoipa-swagger-ui` (`vendored`), so
//! the page works on a machine with no network and links nothing outside this gateway.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder, guard, web};
use bytes::Bytes;
use utoipa_swagger_ui::Config;

use crate::error::ApiError;

const PAGE: &str = include_str!("../../assets/docs-page/index.html");
const SCRIPT: &str = include_str!("../../assets/docs-page/sluice-docs.js");
const STYLE: &str = include_str!("../../assets/docs-page/sluice-docs.css");

/// Swagger UI's files the page loads. Its `index.html` and `swagger-initializer.js` are left
/// out on purpose: ours replace them, because that initializer takes only a JSON
/// configuration and the page needs a JavaScript request interceptor.
const SWAGGER_FILES: [&str; 5] = [
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-16x16.png",
    "favicon-32x32.png",
];

/// Everything the page needs comes from this origin. Swagger UI's stylesheet uses `data:`
/// images, and React sets inline styles, hence those two exceptions.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `utoipa_swagger_ui::serve` wants a configuration; it only reads it for the initializer,
/// which we never serve.
static UNUSED_SWAGGER_CONFIG: LazyLock<Arc<Config<'static>>> =
    LazyLock::new(|| Arc::new(Config::default()));

/// GET, and HEAD for link checkers and caches (actix sends no body for HEAD).
fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", get_or_head().to(page))
        .route("/{file}", get_or_head().to(asset));
}

async fn page() -> HttpResponse {
    ours("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(PAGE)
}

async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    match file.as_str() {
        "sluice-docs.js" => return Ok(ours("text/javascript; charset=utf-8").body(SCRIPT)),
        "sluice-docs.css" => return Ok(ours("text/css; charset=utf-8").body(STYLE)),
        _ => {}
    }
    let missing = || ApiError::not_found(format!("The docs page has no file {file}."));
    if !SWAGGER_FILES.contains(&file.as_str()) {
        return Err(missing());
    }
    let found = utoipa_swagger_ui::serve(&file, UNUSED_SWAGGER_CONFIG.clone())
        .map_err(|e| ApiError::internal(format!("embedded Swagger UI file {file}: {e}")))?
        .ok_or_else(missing)?;
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type(&file, &found.content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Swagger UI changes only with the binary; a day saves the 1.5 MB bundle on reloads.
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"));
    if found.gzpipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    let body = match found.bytes {
        Cow::Borrowed(embedded) => Bytes::from_static(embedded),
        Cow::Owned(generated) => Bytes::from(generated),
    };
    Ok(response.body(body))
}

/// A response for one of our own files: they change with every build, so they are
/// revalidated each time.
fn ours(content_type: &'static str) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type(HeaderValue::from_static(content_type))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    response
}

/// The guessed type, with a charset for text so browsers never sniff one.
fn content_type(file: &str, guessed: &str) -> String {
    if file.ends_with(".js") {
        "text/javascript; charset=utf-8".to_string()
    } else if guessed.starts_with("text/") {
        format!("{guessed}; charset=utf-8")
    } else {
        guessed.to_string()
    }
}
