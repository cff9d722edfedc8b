//! NSQLite's bearer tokens: `NSQLITE_AUTH_TOKEN` (admin), `NSQLITE_AUTH_TOKEN_RW`
//! (read/write) and `NSQLITE_AUTH_TOKEN_RO` (read-only), each a space-separated list of
//! plaintext tokens or argon2id / bcrypt hashes of them. With none configured every request
//! is an administrator's (NSQLite's unauthenticated mode).

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::auth::password::check_password;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    ReadWrite,
    ReadOnly,
}

#[derive(Debug, Clone)]
struct Token {
    role: Role,
    value: String,
}

/// The configured tokens, and the tokens already verified (by a salted SHA-256, so neither
/// the presented tokens nor their hashes' inputs are kept).
pub struct Tokens {
    tokens: Vec<Token>,
    salt: String,
    verified: Mutex<HashMap<[u8; 32], Role>>,
}

/// Who presented a token: its role, and the key transactions are bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub role: Role,
    pub key: String,
}

impl Tokens {
    pub fn new(admin: &str, read_write: &str, read_only: &str) -> Self {
        let mut tokens = Vec::new();
        for (list, role) in [
            (admin, Role::Admin),
            (read_write, Role::ReadWrite),
            (read_only, Role::ReadOnly),
        ] {
            tokens.extend(list.split_whitespace().map(|value| Token {
                role,
                value: value.to_owned(),
            }));
        }
        Self {
            tokens,
            salt: uuid::Uuid::new_v4().to_string(),
            verified: Mutex::default(),
        }
    }

    /// No token configured: NSQLite's unauthenticated mode.
    pub fn open(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The holder of the `Authorization` header's token (`Bearer `, `bearer ` or no
    /// prefix), or `None` when it is missing or matches no configured token.
    pub async fn holder(&self, header: Option<&str>) -> Option<Holder> {
        if self.open() {
            return Some(Holder {
                role: Role::Admin,
                key: String::new(),
            });
        }
        let header = header?;
        let presented = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .unwrap_or(header);
        if presented.is_empty() {
            return None;
        }
        let digest: [u8; 32] = Sha256::new()
            .chain_update(self.salt.as_bytes())
            .chain_update(presented.as_bytes())
            .finalize()
            .into();
        let key = hex::encode(digest);
        let known = self.lock().get(&digest).copied();
        let role = match known {
            Some(role) => role,
            None => {
                let role = self.verify(presented).await?;
                self.lock().insert(digest, role);
                role
            }
        };
        Some(Holder { role, key })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Role>> {
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn verify(&self, presented: &str) -> Option<Role> {
        for token in &self.tokens {
            let hashed = ["$argon2id$", "$2a$", "$2b$", "$2y$"]
                .iter()
                .any(|prefix| token.value.starts_with(prefix));
            let matches = if hashed {
                check_password(presented.to_owned(), Some(token.value.clone()))
                    .await
                    .matches()
            } else {
                same(presented.as_bytes(), token.value.as_bytes())
            };
            if matches {
                return Some(token.role);
            }
        }
        None
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_list_gives_its_role_and_anything_else_is_refused() {
        let tokens = Tokens::new("root other", "rw", "ro");
        for (header, role) in [
            ("Bearer root", Role::Admin),
            ("bearer other", Role::Admin),
            ("rw", Role::ReadWrite),
            ("Bearer ro", Role::ReadOnly),
        ] {
            assert_eq!(
                tokens.holder(Some(header)).await.map(|h| h.role),
                Some(role)
            );
        }
        for header in [
            None,
            Some(""),
            Some("Bearer "),
            Some("Bearer nope"),
            Some("BEARER root"),
        ] {
            assert_eq!(tokens.holder(header).await, None, "{header:?}");
        }
        let first = tokens.holder(Some("Bearer rw")).await.expect("rw");
        let again = tokens.holder(Some("rw")).await.expect("rw");
        assert_eq!(first.key, again.key, "one holder however the token is sent");
    }

    #[tokio::test]
    async fn hashed_tokens_verify_and_no_tokens_is_open_mode() {
        let hash = crate::auth::password::hash_password("s3cret".into())
            .await
            .expect("hash");
        let tokens = Tokens::new("", "", &hash);
        assert_eq!(
            tokens.holder(Some("Bearer s3cret")).await.map(|h| h.role),
            Some(Role::ReadOnly)
        );
        assert_eq!(tokens.holder(Some(&format!("Bearer {hash}"))).await, None);
        let open = Tokens::new(" ", "", "");
        assert_eq!(open.holder(None).await.map(|h| h.role), Some(Role::Admin));
    }
}
