//! Access exceptions (wire reference 9.4): requests a service type allows whatever the role
//! says, so that users can log in, register and manage their own profile.

use crate::component::normalize_component;
use crate::verb::Verb;

/// `(service type, component, verbs)`, from df-user's and df-system's service providers.
/// "All verbs" there is mask 31, the CRUD verbs.
const EXCEPTIONS: [(&str, &str, &[Verb]); 7] = [
    ("user", "session", &Verb::CRUD),
    ("user", "password", &[Verb::Post]),
    ("user", "register", &[Verb::Post]),
    (
        "user",
        "profile",
        &[Verb::Get, Verb::Post, Verb::Put, Verb::Patch],
    ),
    ("system", "admin/session", &Verb::CRUD),
    ("system", "admin/password", &[Verb::Post]),
    ("system", "environment", &[Verb::Get]),
];

/// Whether `verb` on `component` of a service of type `service_type` is allowed even when the
/// role denies it. The component must match exactly (`session`, not `session/x`), after the
/// usual normalisation (surrounding `/` trimmed, lower case). `GET /api/v2` itself, which
/// has no service, is always allowed and is not asked here.
pub fn is_access_exception(service_type: &str, component: &str, verb: Verb) -> bool {
    let component = normalize_component(component);
    EXCEPTIONS.iter().any(|(kind, resource, verbs)| {
        *kind == service_type && *resource == component && verbs.contains(&verb)
    })
}
