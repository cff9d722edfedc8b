//! Service secrets (a `pgsql` or `mysql` service's `password`) encrypted at rest in the system database.
//!
//! The key is `auth.secrets_key` (64 hex digits) or, when that is empty, a random key
//! generated once and kept in the data directory beside the JWT secret (`secrets_key`,
//! readable by the owner only). Every node of a cluster must use the same key: give it in
//! config there. Values are sealed with XChaCha20-Poly1305 under a random 24-byte nonce, so
//! equal passwords never seal alike and a sealed value that was altered does not open.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

use crate::settings::Settings;

/// How a secret reads back: a private lookup's value, a service's password.
pub const MASK: &str = "**********";

/// Marks a sealed value, and its format version, in a stored config.
const SEALED_PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;
const KEY_FILE: &str = "secrets_key";

pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

/// A sealed value that does not open: the key changed, or the stored value was altered.
#[derive(Debug, thiserror::Error)]
#[error("a stored secret cannot be decrypted with this node's secrets key")]
pub struct SealedValueError;

impl SecretBox {
    /// The box of `auth.secrets_key`, or of the key file in the data directory (created on
    /// first use).
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        let configured = settings.auth.secrets_key.expose_secret();
        let key = if configured.is_empty() {
            key_from_data_dir(&settings.data_dir)?
        } else {
            parse_key(configured).context("auth.secrets_key must be 64 hex digits")?
        };
        Ok(Self::from_key(&key))
    }

    pub fn from_key(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// `plain` sealed for storage.
    pub fn seal(&self, plain: &str) -> String {
        let nonce: [u8; NONCE_LEN] = rand::thread_rng().r#gen();
        let Ok(ciphertext) = self.cipher.encrypt(&XNonce::from(nonce), plain.as_bytes()) else {
            // Encryption fails only past 256 GiB of input; a config cannot get there.
            unreachable!("XChaCha20-Poly1305 refused a service secret");
        };
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{SEALED_PREFIX}{}", BASE64.encode(sealed))
    }

    /// The plain value of a sealed one.
    pub fn open(&self, sealed: &str) -> Result<SecretString, SealedValueError> {
        let encoded = sealed.strip_prefix(SEALED_PREFIX).ok_or(SealedValueError)?;
        let bytes = BASE64.decode(encoded).map_err(|_| SealedValueError)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealedValueError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealedValueError)?;
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), ciphertext)
            .map_err(|_| SealedValueError)?;
        let plain = String::from_utf8(plain).map_err(|_| SealedValueError)?;
        Ok(SecretString::from(plain))
    }
}

fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text.trim()).context("not hex")?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("not 32 bytes"))
}

/// The data directory's key, generated and written (mode 0600) when there is none yet.
fn key_from_data_dir(data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    let path = data_dir.join(KEY_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return parse_key(&existing).with_context(|| {
            format!(
                "the secrets key file {} is not 64 hex digits; restore it (the stored service \
                 passwords need it) or set auth.secrets_key",
                path.display()
            )
        });
    }
    let key: [u8; 32] = rand::thread_rng().r#gen();
    crate::state::write_private(&path, &hex::encode(key))
        .with_context(|| format!("cannot write the secrets key to {}", path.display()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_only_and_never_shows_the_plain_text() {
        let secrets = SecretBox::from_key(&[7; 32]);
        let sealed = secrets.seal("hunter2-secret");
        assert!(sealed.starts_with(SEALED_PREFIX), "{sealed}");
        assert!(!sealed.contains("hunter2"), "{sealed}");
        assert_ne!(
            sealed,
            secrets.seal("hunter2-secret"),
            "a fresh nonce each time"
        );
        let opened = secrets.open(&sealed).expect("opens");
        assert_eq!(opened.expose_secret(), "hunter2-secret");
        assert!(SecretBox::from_key(&[8; 32]).open(&sealed).is_err());
        assert!(
            secrets.open("hunter2-secret").is_err(),
            "plain text is not sealed"
        );
        let mut altered = sealed.clone();
        altered.replace_range(sealed.len() - 4.., "AAA=");
        assert!(secrets.open(&altered).is_err());
    }

    #[test]
    fn the_data_directory_key_is_generated_once_and_kept_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::TempDir::new().expect("temp dir");
        let first = key_from_data_dir(dir.path()).expect("generated");
        assert_eq!(key_from_data_dir(dir.path()).expect("read back"), first);
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
