//! Verb and requestor bits and the validation of stored masks.

use super::*;
use crate::{MaskError, Requestor, Verb};

#[test]
fn verb_bits_are_dreamfactorys() {
    let cases = [
        (Verb::Get, 1),
        (Verb::Post, 2),
        (Verb::Put, 4),
        (Verb::Patch, 8),
        (Verb::Delete, 16),
        (Verb::Options, 32),
        (Verb::Head, 64),
    ];
    for (verb, bits) in cases {
        assert_eq!(verb.mask().bits(), bits, "{verb}");
    }
}

#[test]
fn stored_verb_masks_must_be_within_zero_and_thirty_one() {
    let cases: [(i64, Result<u32, MaskError>); 7] = [
        (0, Ok(0)),
        (1, Ok(1)),
        (31, Ok(31)),
        (32, Err(MaskError::Verb(32))),
        (64, Err(MaskError::Verb(64))),
        (-1, Err(MaskError::Verb(-1))),
        (i64::MAX, Err(MaskError::Verb(i64::MAX))),
    ];
    for (stored, expected) in cases {
        assert_eq!(
            VerbMask::try_from(stored).map(VerbMask::bits),
            expected,
            "{stored}"
        );
    }
    assert_eq!(VerbMask::new(33), Err(MaskError::Verb(33)));
}

#[test]
fn stored_requestor_masks_must_be_within_zero_and_three() {
    let cases: [(i64, Result<u32, MaskError>); 5] = [
        (0, Ok(0)),
        (1, Ok(1)),
        (3, Ok(3)),
        (4, Err(MaskError::Requestor(4))),
        (-2, Err(MaskError::Requestor(-2))),
    ];
    for (stored, expected) in cases {
        assert_eq!(
            RequestorMask::try_from(stored).map(RequestorMask::bits),
            expected
        );
    }
}

#[test]
fn mask_errors_explain_the_allowed_range() {
    assert_eq!(
        MaskError::Verb(32).to_string(),
        "Invalid verb_mask 32: it must be between 0 and 31 \
         (GET 1, POST 2, PUT 4, PATCH 8, DELETE 16)."
    );
    assert_eq!(
        MaskError::Requestor(4).to_string(),
        "Invalid requestor_mask 4: it must be between 0 and 3 (API 1, SCRIPT 2)."
    );
}

#[test]
fn a_verb_mask_contains_exactly_its_verbs() {
    let mask = VerbMask::new(GET | PUT | DELETE).unwrap();
    let verbs: Vec<Verb> = mask.verbs().collect();
    assert_eq!(verbs, [Verb::Get, Verb::Put, Verb::Delete]);
    assert!(!mask.contains(Verb::Post));
    assert!(!mask.contains(Verb::Patch));
    assert!(!VerbMask::ALL_CRUD.contains(Verb::Head));
    assert!(!VerbMask::ALL_CRUD.contains(Verb::Options));
    assert!(VerbMask::NONE.is_empty());
    assert_eq!(Verb::Get.mask().union(Verb::Post.into()).bits(), GET | POST);
}

#[test]
fn requestor_masks_hold_api_and_script_bits() {
    let cases = [
        (RequestorMask::NONE, false, false),
        (RequestorMask::API, true, false),
        (RequestorMask::SCRIPT, false, true),
        (RequestorMask::ALL, true, true),
    ];
    for (mask, api, script) in cases {
        assert_eq!(mask.contains(Requestor::Api), api, "{mask:?}");
        assert_eq!(mask.contains(Requestor::Script), script, "{mask:?}");
    }
    assert_eq!(Requestor::Script.mask(), RequestorMask::SCRIPT);
}

#[test]
fn verbs_parse_from_method_names_in_any_case() {
    let cases = [
        ("GET", Ok(Verb::Get)),
        ("post", Ok(Verb::Post)),
        ("Put", Ok(Verb::Put)),
        ("patch", Ok(Verb::Patch)),
        ("DELETE", Ok(Verb::Delete)),
        ("options", Ok(Verb::Options)),
        ("head", Ok(Verb::Head)),
    ];
    for (method, expected) in cases {
        assert_eq!(method.parse::<Verb>(), expected, "{method}");
    }
    let error = "TRACE".parse::<Verb>().unwrap_err();
    assert_eq!(error.to_string(), "'TRACE' is not a supported HTTP verb.");
    assert!("".parse::<Verb>().is_err());
}
