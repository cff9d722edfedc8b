//! Failed-login throttle: failures are counted per client address and per account (the email,
//! lower-cased) in a fixed one-minute window. Once either count reaches its limit, logins
//! for that address or account answer 429 with `Retry-After` until the window ends, without
//! checking the password, so guessing costs an attacker the window rather than a hash each.
//!
//! The address is the TCP peer, never `X-Forwarded-For`: that header is written by the
//! client unless a proxy we trust overwrites it, so honouring it would let an attacker pick a
//! fresh address per guess (escaping the limit) or a victim's (locking them out). Behind a
//! reverse proxy every client shares the proxy's address; set the per-address limit to 0 there.
//!
//! An IPv6 client is counted by its /64 network: one host usually holds a whole /64, and
//! could otherwise take a fresh address per guess.
//!
//! Counters live in memory, per node. The caches are bounded (entries, and key length: an
//! account key is at most an email's 320 characters); under an attack spraying more accounts
//! than they hold, the oldest counters are evicted, which the per-address limit still covers.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::error::ApiError;

const WINDOW: Duration = Duration::from_secs(60);
const MAX_TRACKED: u64 = 100_000;
/// The longest possible email address (RFC 3696 errata): longer keys are cut here.
const MAX_ACCOUNT_KEY_CHARS: usize = 320;

/// One fixed window: opened at the first failure, forgotten when it ends (the cache's TTL
/// counts from insertion, and the entry is never re-inserted while it lives).
#[derive(Debug)]
struct Window {
    opened: Instant,
    failures: AtomicU32,
}

impl Window {
    fn new() -> Self {
        Window {
            opened: Instant::now(),
            failures: AtomicU32::new(0),
        }
    }

    /// Seconds until the window closes, at least 1 while it is open.
    fn seconds_left(&self) -> Option<u32> {
        let left = WINDOW.checked_sub(self.opened.elapsed())?;
        if left.is_zero() {
            return None;
        }
        let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        Some(u32::try_from(seconds).unwrap_or(u32::MAX))
    }
}

pub struct LoginThrottle {
    per_account: u32,
    /// 0 = no per-address limit.
    per_address: u32,
    accounts: Cache<String, Arc<Window>>,
    addresses: Cache<IpAddr, Arc<Window>>,
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32) -> Self {
        Self {
            per_account,
            per_address,
            accounts: window_cache(),
            addresses: window_cache(),
        }
    }

    /// 429 if the address or the account has used up its failures in the current window.
    ///
    /// # Errors
    ///
    /// 429 `Too many failed login attempts. Try again in N seconds.` with `Retry-After: N`.
    pub fn check(&self, address: Option<IpAddr>, account: &str) -> Result<(), ApiError> {
        let account_wait = blocked(self.accounts.get(&account_key(account)), self.per_account);
        let address_wait = match address {
            Some(ip) if self.per_address > 0 => {
                blocked(self.addresses.get(&address_key(ip)), self.per_address)
            }
            _ => None,
        };
        match account_wait.max(address_wait) {
            None => Ok(()),
            Some(seconds) => {
                tracing::warn!(retry_after = seconds, "login throttled");
                Err(ApiError::too_many_requests(
                    format!("Too many failed login attempts. Try again in {seconds} seconds."),
                    seconds,
                ))
            }
        }
    }

    /// Counts a failed attempt against the address and the account.
    pub fn record_failure(&self, address: Option<IpAddr>, account: &str) {
        let window = self
            .accounts
            .get_with(account_key(account), || Arc::new(Window::new()));
        window.failures.fetch_add(1, Ordering::Relaxed);
        if let Some(ip) = address.filter(|_| self.per_address > 0) {
            let window = self
                .addresses
                .get_with(address_key(ip), || Arc::new(Window::new()));
            window.failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A successful login clears the account's count (not the address's: one right password
    /// must not buy an address another round of guesses at other accounts).
    pub fn record_success(&self, account: &str) {
        self.accounts.invalidate(&account_key(account));
    }
}

fn window_cache<K>() -> Cache<K, Arc<Window>>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(MAX_TRACKED)
        .time_to_live(WINDOW)
        .build()
}

fn account_key(account: &str) -> String {
    account
        .trim()
        .chars()
        .take(MAX_ACCOUNT_KEY_CHARS)
        .flat_map(char::to_lowercase)
        .collect()
}

/// IPv4 as is (also when mapped into IPv6); IPv6 by its /64 network.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

fn blocked(window: Option<Arc<Window>>, limit: u32) -> Option<u32> {
    let window = window?;
    if window.failures.load(Ordering::Relaxed) < limit {
        return None;
    }
    window.seconds_left()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCALHOST: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn the_limit_th_failure_blocks_the_next_attempt() {
        let throttle = LoginThrottle::new(3, 0);
        for _ in 0..3 {
            assert!(throttle.check(LOCALHOST, "a@b.c").is_ok());
            throttle.record_failure(LOCALHOST, "a@b.c");
        }
        let error = throttle.check(LOCALHOST, "A@B.C ").unwrap_err();
        assert_eq!(error.status.as_u16(), 429);
        assert!(
            error
                .message
                .starts_with("Too many failed login attempts. Try again in ")
        );
        assert!(throttle.check(LOCALHOST, "other@b.c").is_ok());
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let throttle = LoginThrottle::new(2, 3);
        throttle.record_failure(LOCALHOST, "a@b.c");
        throttle.record_failure(LOCALHOST, "a@b.c");
        assert!(throttle.check(None, "a@b.c").is_err());
        throttle.record_success("a@b.c");
        assert!(throttle.check(None, "a@b.c").is_ok());
        throttle.record_failure(LOCALHOST, "x@b.c");
        assert!(throttle.check(LOCALHOST, "y@b.c").is_err());
    }

    #[test]
    fn a_zero_address_limit_counts_nothing_per_address() {
        let throttle = LoginThrottle::new(100, 0);
        for n in 0..10 {
            throttle.record_failure(LOCALHOST, &format!("{n}@b.c"));
        }
        assert!(throttle.check(LOCALHOST, "new@b.c").is_ok());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let throttle = LoginThrottle::new(100, 2);
        let host = |last: u16| {
            Some(IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, 1, 2, 0, 0, 0, last,
            )))
        };
        throttle.record_failure(host(1), "a@b.c");
        throttle.record_failure(host(2), "b@b.c");
        assert!(throttle.check(host(3), "c@b.c").is_err());
        let elsewhere = Some(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1)));
        assert!(throttle.check(elsewhere, "c@b.c").is_ok());
    }

    #[test]
    fn long_account_names_share_one_bounded_key() {
        let long = "a".repeat(10_000);
        assert_eq!(account_key(&long).len(), MAX_ACCOUNT_KEY_CHARS);
        assert_eq!(account_key(" Ann@Example.COM "), "ann@example.com");
    }

    #[test]
    fn retry_after_is_within_the_window() {
        let window = Window::new();
        let seconds = window.seconds_left().unwrap();
        assert!((59..=60).contains(&seconds), "{seconds}");
    }
}
