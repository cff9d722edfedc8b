//! HTTP verbs, requestor kinds and the bit masks DreamFactory stores for them
//! (df-core `VerbsMask` and `ServiceRequestorTypes`).

use std::fmt::{self, Display, Formatter};
use std::str::FromStr;

/// A request method that access rules are written for. The discriminants are DreamFactory's
/// bits, which are stored in `role_service_access.verb_mask` and so must never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Get = 1,
    Post = 2,
    Put = 4,
    Patch = 8,
    Delete = 16,
    /// Has a bit in DreamFactory, but no stored role row can grant it (masks are CRUD only).
    Options = 32,
    /// Has a bit in DreamFactory, but no stored role row can grant it (masks are CRUD only).
    Head = 64,
}

impl Verb {
    /// The five verbs a role can grant, in DreamFactory's bit order.
    pub const CRUD: [Verb; 5] = [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete];

    /// The single-bit mask of this verb.
    pub fn mask(self) -> VerbMask {
        VerbMask(self as u32)
    }

    /// The upper-case method name, as used in DreamFactory's denial messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
            Verb::Options => "OPTIONS",
            Verb::Head => "HEAD",
        }
    }
}

impl Display for Verb {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An HTTP method that is not one of [`Verb`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVerb(pub String);

impl Display for UnknownVerb {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a supported HTTP verb.", self.0)
    }
}

impl std::error::Error for UnknownVerb {}

impl FromStr for Verb {
    type Err = UnknownVerb;

    /// Parses a method name case-insensitively (`get`, `GET`).
    fn from_str(method: &str) -> Result<Self, Self::Err> {
        [Verb::Options, Verb::Head]
            .into_iter()
            .chain(Verb::CRUD)
            .find(|verb| verb.as_str().eq_ignore_ascii_case(method))
            .ok_or_else(|| UnknownVerb(method.to_owned()))
    }
}

/// A set of verbs, as stored in `role_service_access.verb_mask`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VerbMask(u32);

impl VerbMask {
    pub const NONE: VerbMask = VerbMask(0);
    /// GET | POST | PUT | PATCH | DELETE (31): everything a stored row may grant.
    pub const ALL_CRUD: VerbMask = VerbMask(31);

    /// A mask from raw bits, refusing bits outside [`VerbMask::ALL_CRUD`]: a stored row that
    /// claims OPTIONS, HEAD or an unknown bit is a configuration error, not a grant.
    pub fn new(bits: u32) -> Result<Self, MaskError> {
        Self::try_from(i64::from(bits))
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn contains(self, verb: Verb) -> bool {
        self.0 & verb as u32 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: VerbMask) -> VerbMask {
        VerbMask(self.0 | other.0)
    }

    /// The CRUD verbs in this mask, in bit order (for docs that list only allowed verbs).
    pub fn verbs(self) -> impl Iterator<Item = Verb> {
        Verb::CRUD
            .into_iter()
            .filter(move |verb| self.contains(*verb))
    }
}

impl TryFrom<i64> for VerbMask {
    type Error = MaskError;

    /// From the stored column (an SQL integer), which must be within `0..=31`.
    fn try_from(bits: i64) -> Result<Self, Self::Error> {
        match u32::try_from(bits) {
            Ok(bits) if bits <= Self::ALL_CRUD.0 => Ok(VerbMask(bits)),
            _ => Err(MaskError::Verb(bits)),
        }
    }
}

impl From<Verb> for VerbMask {
    fn from(verb: Verb) -> Self {
        verb.mask()
    }
}

/// Who sends the request: a client through the REST API, or a server-side script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requestor {
    Api = 1,
    Script = 2,
}

impl Requestor {
    pub fn mask(self) -> RequestorMask {
        RequestorMask(self as u32)
    }
}

/// A set of requestors, as stored in `role_service_access.requestor_mask`.
/// The empty mask is valid to store, and a row with it never matches anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RequestorMask(u32);

impl RequestorMask {
    pub const NONE: RequestorMask = RequestorMask(0);
    pub const API: RequestorMask = RequestorMask(1);
    pub const SCRIPT: RequestorMask = RequestorMask(2);
    pub const ALL: RequestorMask = RequestorMask(3);

    /// A mask from raw bits, refusing anything outside [`RequestorMask::ALL`].
    pub fn new(bits: u32) -> Result<Self, MaskError> {
        Self::try_from(i64::from(bits))
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn contains(self, requestor: Requestor) -> bool {
        self.0 & requestor as u32 != 0
    }
}

impl TryFrom<i64> for RequestorMask {
    type Error = MaskError;

    /// From the stored column, which must be within `0..=3`.
    fn try_from(bits: i64) -> Result<Self, Self::Error> {
        match u32::try_from(bits) {
            Ok(bits) if bits <= Self::ALL.0 => Ok(RequestorMask(bits)),
            _ => Err(MaskError::Requestor(bits)),
        }
    }
}

/// A stored mask with bits that no grant may carry. The message is meant for a 400 from the
/// admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskError {
    Verb(i64),
    Requestor(i64),
}

impl Display for MaskError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            MaskError::Verb(bits) => write!(
                f,
                "Invalid verb_mask {bits}: it must be between 0 and 31 \
                 (GET 1, POST 2, PUT 4, PATCH 8, DELETE 16)."
            ),
            MaskError::Requestor(bits) => write!(
                f,
                "Invalid requestor_mask {bits}: it must be between 0 and 3 (API 1, SCRIPT 2)."
            ),
        }
    }
}

impl std::error::Error for MaskError {}
