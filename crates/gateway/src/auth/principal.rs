//! Which role applies to a request: the caller's credentials resolved
//! against the cached apps, roles and per-app user roles.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use sluice_rbac::Requestor;
use sluice_system_db::{AppRow, UserRow};

use super::caller::{Caller, Session, hint_context};
use super::directory::RoleEntry;
use crate::access_log::{Identity, note_identity};
use crate::error::ApiError;
use crate::rate_limits::LimitNote;
use crate::rate_limits::enforce::note_of;
use crate::state::AppState;

/// What the caller's requests are decided by.
#[derive(Debug, Clone)]
pub enum Authority {
    /// A system administrator with no per-app roles at all: not restricted by roles.
    Unrestricted,
    Role(Arc<RoleEntry>),
    /// No role could be found for the caller.
    NoRole,
}

/// An authenticated (or anonymous) caller with the app and role that apply.
#[derive(Debug, Clone)]
pub struct Principal {
    pub session: Option<Session>,
    /// Whether an API key was sent at all, known or not (the denial messages differ).
    pub api_key_sent: bool,
    /// The app of a known, active API key.
    pub app: Option<Arc<AppRow>>,
    pub authority: Authority,
    /// Where the rate-limit check notes its outcome for the response headers; present only
    /// when limits may apply (`rate_limits::enforce`).
    pub rate_note: Option<Arc<LimitNote>>,
    /// Who is asking, for the access rows' `requestor_mask`: a client (API), or a script's
    /// `platform.api` call (SCRIPT), as DreamFactory tells them apart.
    pub requestor: Requestor,
}

impl Principal {
    pub fn is_unrestricted(&self) -> bool {
        matches!(self.authority, Authority::Unrestricted)
    }

    pub fn role(&self) -> Option<&Arc<RoleEntry>> {
        match &self.authority {
            Authority::Role(role) => Some(role),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        self.session.as_ref().map(|s| s.user.id)
    }

    pub fn app_id(&self) -> Option<i64> {
        self.app.as_ref().map(|a| a.id)
    }
}

/// Resolves the app and role for `caller`:
/// - an API key alone: the app's default role;
/// - a session and an API key: the user's role for that app, else the app's default role;
/// - a system administrator without any per-app role rows: unrestricted;
/// - a session without an API key: no app, hence no role (unless unrestricted).
///
/// # Errors
///
/// 403 `App is not active.` for the key of an inactive app; 500 if the caches cannot load.
pub async fn resolve(state: &AppState, caller: Caller) -> Result<Principal, ApiError> {
    let app = app_for_key(state, caller.api_key.as_deref()).await?;
    let api_key_sent = caller.api_key.is_some();
    let authority = match &caller.session {
        Some(session) => user_authority(state, &session.user, app.as_deref()).await?,
        None => role_authority(state, app.as_ref().and_then(|app| app.role_id)).await?,
    };
    Ok(Principal {
        session: caller.session,
        api_key_sent,
        app,
        authority,
        rate_note: None,
        requestor: Requestor::Api,
    })
}

/// The app of an API key; `None` for no key or an unknown one.
///
/// # Errors
///
/// 403 `App is not active.` for the key of an inactive app; 500 if the cache cannot load.
pub async fn app_for_key(
    state: &AppState,
    api_key: Option<&str>,
) -> Result<Option<Arc<AppRow>>, ApiError> {
    let app = match api_key {
        Some(key) => state.access.apps(&state.db).await?.by_key(key).cloned(),
        None => None,
    };
    if app.as_ref().is_some_and(|app| !app.is_active) {
        return Err(
            ApiError::forbidden("App is not active.").with_context(hint_context(
                "The app of this API key is deactivated: an administrator can activate it \
             (is_active), or use the key of another app.",
            )),
        );
    }
    Ok(app)
}

/// What decides a signed-in user's requests made through `app`.
///
/// # Errors
///
/// 500 if the caches cannot load.
pub async fn user_authority(
    state: &AppState,
    user: &UserRow,
    app: Option<&AppRow>,
) -> Result<Authority, ApiError> {
    let user_roles = state.access.user_roles(&state.db, user.id).await?;
    if user.is_sys_admin && user_roles.is_empty() {
        return Ok(Authority::Unrestricted);
    }
    let role_id = app.and_then(|app| {
        user_roles
            .iter()
            .find(|(app_id, _)| *app_id == app.id)
            .map(|(_, role_id)| *role_id)
            .or(app.role_id)
    });
    role_authority(state, role_id).await
}

async fn role_authority(state: &AppState, role_id: Option<i64>) -> Result<Authority, ApiError> {
    let Some(id) = role_id else {
        return Ok(Authority::NoRole);
    };
    Ok(match state.access.roles(&state.db).await?.get(id) {
        Some(role) => Authority::Role(Arc::clone(role)),
        None => Authority::NoRole,
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Set by the scripting middleware (the caller its event scripts ran for) or on a
        // script's in-process `platform.api` request (the caller of the script): never by a
        // client.
        if let Some(principal) = request.extensions().get::<Principal>().cloned() {
            return Box::pin(async move { Ok(principal) });
        }
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let caller = Caller::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let mut principal = resolve(&state, caller.await?).await?;
            if state.rate_limits.may_limit() {
                principal.rate_note = note_of(&request);
            }
            let (app_id, user_id) = (principal.app_id(), principal.user_id());
            note_identity(&request, Identity { app_id, user_id });
            Ok(principal)
        })
    }
}
