//! Access exceptions, wire reference 9.4.

use crate::{Verb, is_access_exception};

#[test]
fn user_and_system_services_allow_their_session_and_account_resources() {
    use Verb::{Delete, Get, Patch, Post, Put};
    let cases = [
        (
            "user",
            "session",
            &[Get, Post, Put, Patch, Delete][..],
            &[][..],
        ),
        ("user", "password", &[Post], &[Get, Put, Patch, Delete]),
        ("user", "register", &[Post], &[Get, Put, Patch, Delete]),
        ("user", "profile", &[Get, Post, Put, Patch], &[Delete]),
        (
            "system",
            "admin/session",
            &[Get, Post, Put, Patch, Delete],
            &[],
        ),
        (
            "system",
            "admin/password",
            &[Post],
            &[Get, Put, Patch, Delete],
        ),
        ("system", "environment", &[Get], &[Post, Put, Patch, Delete]),
    ];
    for (service_type, component, allowed, denied) in cases {
        for verb in allowed {
            assert!(
                is_access_exception(service_type, component, *verb),
                "{service_type} {component} {verb}"
            );
        }
        for verb in denied {
            assert!(
                !is_access_exception(service_type, component, *verb),
                "{service_type} {component} {verb}"
            );
        }
        for verb in [Verb::Head, Verb::Options] {
            assert!(
                !is_access_exception(service_type, component, verb),
                "{component} {verb}"
            );
        }
    }
}

#[test]
fn the_component_must_match_exactly_after_normalisation() {
    let cases = [
        ("user", "/session/", true),
        ("user", "Session", true),
        ("user", "session/5", false),
        ("user", "sessions", false),
        ("user", "", false),
        ("system", "admin", false),
        ("system", "admin/session/x", false),
        ("system", "session", false),
        ("user", "admin/session", false),
        ("system", "environment/x", false),
    ];
    for (service_type, component, expected) in cases {
        assert_eq!(
            is_access_exception(service_type, component, Verb::Post)
                || is_access_exception(service_type, component, Verb::Get),
            expected,
            "{service_type} {component:?}"
        );
    }
}

#[test]
fn other_service_types_have_no_exceptions() {
    for service_type in ["sqlite", "User", "", "system_user"] {
        assert!(
            !is_access_exception(service_type, "session", Verb::Post),
            "{service_type:?}"
        );
    }
}
