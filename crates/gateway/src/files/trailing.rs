//! Whether the request's path ended in `/`, noted before the trailing-slash normalisation
//! removes it: DreamFactory's file API tells folders (`docs/`) from files (`docs`) by it, and
//! a hosted app's folder is redirected to its `/` form so relative links resolve inside it.

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;

/// Present in a request's extensions when its path ended in `/` (the root `/` aside).
#[derive(Debug, Clone, Copy)]
pub struct TrailingSlash;

/// Called by the request span (the outermost layer, before the normalisation): one check
/// on every request rather than a middleware layer of its own.
pub fn note_trailing_slash(request: &ServiceRequest) {
    let path = request.path();
    if path.len() > 1 && path.ends_with('/') {
        request.extensions_mut().insert(TrailingSlash);
    }
}
