//! Password hashing with argon2id on a blocking thread. Unknown accounts verify against a
//! dummy hash so a login takes the same time whether or not the email exists.
//!
//! Users imported from DreamFactory carry Laravel's bcrypt hashes (`$2y$`, also `$2a$`/`$2b$`).
//! Those still verify, and the caller re-hashes the password with argon2id on the next
//! successful login ([`PasswordCheck::MatchLegacy`]), so bcrypt hashes disappear as users
//! come back. A bcrypt verification takes a different time than an argon2 one; that only
//! tells an observer that an existing account has not signed in since the import, which the
//! dummy hash cannot hide without also being bcrypt for every unknown email.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

/// Longest password accepted, in bytes: bounds the hashing work one request can ask for.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` into a PHC string. Runs on the blocking pool: argon2 takes tens of ms.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password)).await?
}

pub fn hash_password_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(hash.to_string())
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Mismatch,
    /// Matches an argon2id hash.
    Match,
    /// Matches a bcrypt hash imported from DreamFactory: store a new argon2id hash.
    MatchLegacy,
}

impl PasswordCheck {
    pub fn matches(self) -> bool {
        self != PasswordCheck::Mismatch
    }
}

/// Checks `password` against `stored` (a PHC string or a bcrypt hash), or against a dummy
/// hash when there is no account, so the answer always costs one verification.
pub async fn check_password(password: String, stored: Option<String>) -> PasswordCheck {
    let outcome = tokio::task::spawn_blocking(move || {
        let Some(stored) = stored else {
            verify_argon2(&password, dummy_hash());
            return PasswordCheck::Mismatch;
        };
        if password.len() > MAX_PASSWORD_BYTES {
            // Still one verification's worth of time, never the work of a huge input.
            verify_argon2("", dummy_hash());
            return PasswordCheck::Mismatch;
        }
        if is_bcrypt(&stored) {
            return match bcrypt::verify(&password, &stored) {
                Ok(true) => PasswordCheck::MatchLegacy,
                _ => PasswordCheck::Mismatch,
            };
        }
        if verify_argon2(&password, &stored) {
            PasswordCheck::Match
        } else {
            PasswordCheck::Mismatch
        }
    })
    .await;
    outcome.unwrap_or(PasswordCheck::Mismatch)
}

/// Laravel writes `$2y$`; other bcrypt implementations `$2a$` or `$2b$`. Same algorithm.
pub(crate) fn is_bcrypt(stored: &str) -> bool {
    ["$2y$", "$2a$", "$2b$"]
        .iter()
        .any(|prefix| stored.starts_with(prefix))
}

fn verify_argon2(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password_blocking("sluice-dummy-password-for-timing").expect("dummy hash")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of PHP's `password_verify` manual page: a real `$2y$` hash as Laravel
    /// (and so DreamFactory) stores them.
    const PHP_BCRYPT: &str = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert_eq!(
            check_password("correct horse battery".into(), Some(hash.clone())).await,
            PasswordCheck::Match
        );
        assert_eq!(
            check_password("wrong".into(), Some(hash)).await,
            PasswordCheck::Mismatch
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert_eq!(
            check_password("sluice-dummy-password-for-timing".into(), None).await,
            PasswordCheck::Mismatch
        );
    }

    #[tokio::test]
    async fn a_php_bcrypt_hash_verifies_as_legacy() {
        let stored = Some(PHP_BCRYPT.to_string());
        assert_eq!(
            check_password("rasmuslerdorf".into(), stored.clone()).await,
            PasswordCheck::MatchLegacy
        );
        assert_eq!(
            check_password("rasmuslerdorF".into(), stored).await,
            PasswordCheck::Mismatch
        );
        let two_b = PHP_BCRYPT.replacen("$2y$", "$2b$", 1);
        assert_eq!(
            check_password("rasmuslerdorf".into(), Some(two_b)).await,
            PasswordCheck::MatchLegacy
        );
    }

    #[tokio::test]
    async fn garbage_hashes_and_huge_passwords_never_verify() {
        for stored in ["", "$2y$10$short", "plain text", "$argon2id$nonsense"] {
            assert_eq!(
                check_password("x".into(), Some(stored.into())).await,
                PasswordCheck::Mismatch
            );
        }
        let huge = "a".repeat(MAX_PASSWORD_BYTES + 1);
        let hash = hash_password(huge.clone()).await.unwrap();
        assert_eq!(
            check_password(huge, Some(hash)).await,
            PasswordCheck::Mismatch
        );
    }
}
