//! DreamFactory's limit types and periods: what a limit is keyed by and how long it counts.
//! Shared by the `/system/limit` resource (validation, `key_text`) and enforcement.

/// The period names, by stored index.
pub const PERIODS: [&str; 5] = ["minute", "hour", "day", "7-day", "30-day"];

/// The length of each period, by stored index, in seconds. DreamFactory's `30-day` counts
/// 210 days (a constant meant for months, multiplied again); ours is 30 days.
pub const PERIOD_SECONDS: [i64; 5] = [60, 3_600, 86_400, 7 * 86_400, 30 * 86_400];

/// The name of a stored period index, if it is one.
pub fn period_name(index: i64) -> Option<&'static str> {
    usize::try_from(index)
        .ok()
        .and_then(|index| PERIODS.get(index))
        .copied()
}

/// The length of a stored period index in milliseconds, if it is one.
pub fn period_millis(index: i64) -> Option<i64> {
    usize::try_from(index)
        .ok()
        .and_then(|index| PERIOD_SECONDS.get(index))
        .map(|seconds| seconds * 1000)
}

/// What a limit type is keyed by.
pub struct LimitType {
    pub name: &'static str,
    pub user: Scope,
    pub service: bool,
    pub endpoint: bool,
    pub role: bool,
}

/// Whom a limit type counts per: everybody together, one given user, or each user apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Nobody,
    OneUser,
    EachUser,
}

const fn kind(name: &'static str, user: Scope, service: bool, endpoint: bool) -> LimitType {
    LimitType {
        name,
        user,
        service,
        endpoint,
        role: false,
    }
}

pub const TYPES: [LimitType; 10] = [
    kind("instance", Scope::Nobody, false, false),
    kind("instance.user", Scope::OneUser, false, false),
    kind("instance.each_user", Scope::EachUser, false, false),
    kind("instance.user.service", Scope::OneUser, true, false),
    kind("instance.each_user.service", Scope::EachUser, true, false),
    kind("instance.service", Scope::Nobody, true, false),
    kind("instance.service.endpoint", Scope::Nobody, true, true),
    kind("instance.user.service.endpoint", Scope::OneUser, true, true),
    kind(
        "instance.each_user.service.endpoint",
        Scope::EachUser,
        true,
        true,
    ),
    LimitType {
        name: "instance.role",
        user: Scope::Nobody,
        service: false,
        endpoint: false,
        role: true,
    },
];

/// The limit type called `name`, if there is one.
pub fn limit_type(name: &str) -> Option<&'static LimitType> {
    TYPES.iter().find(|t| t.name == name)
}
