//! Session tokens: HS256 JWTs with DreamFactory's claims, and the revocation set.
//!
//! Verification is pure CPU plus an in-memory lookup: the revocation set is loaded from the
//! system database at start and grows through the change feed (`changes.rs`) when any node
//! revokes a token, so the hot path never queries the database.

use std::collections::HashMap;
use std::sync::RwLock;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use md5::{Digest, Md5};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::{Deserialize, Serialize};

/// DreamFactory's JWT claims.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// md5 hex of the user's email: changing the email invalidates the user's tokens.
    pub sub: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    pub nbf: i64,
    pub jti: String,
    pub user_id: i64,
    pub forever: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Revoked,
    /// The reason is client-facing (DreamFactory: `Invalid token: <reason>`).
    Invalid(&'static str),
    /// Refresh asked for after the refresh window closed.
    RefreshWindowClosed,
}

pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_seconds: i64,
    refresh_seconds: i64,
    /// jti -> unix time after which the entry can be forgotten (the token can no longer be
    /// used or refreshed by then). Never evicted early: a revoked token must stay revoked.
    revoked: RwLock<HashMap<String, i64>>,
}

pub fn email_subject(email: &str) -> String {
    hex::encode(Md5::digest(email.as_bytes()))
}

impl TokenService {
    pub fn new(secret: &[u8], ttl_minutes: u64, refresh_minutes: u64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds: (ttl_minutes * 60) as i64,
            refresh_seconds: (refresh_minutes * 60) as i64,
            revoked: RwLock::new(HashMap::new()),
        }
    }

    /// Issues a token for a user; `issuer` is the URL of the login request, as DreamFactory.
    pub fn issue(&self, user_id: i64, email: &str, issuer: &str, now: i64) -> (String, Claims) {
        let jti: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(16)
            .map(char::from)
            .collect();
        let claims = Claims {
            sub: email_subject(email),
            iss: issuer.to_string(),
            iat: now,
            exp: now + self.ttl_seconds,
            nbf: now,
            jti,
            user_id,
            forever: false,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding with a secret key cannot fail");
        (token, claims)
    }

    /// Verifies signature, algorithm (pinned to HS256), `exp`/`nbf` and revocation.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let claims = self.decode(token)?;
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now + 1 {
            return Err(TokenError::Invalid("Token not yet valid."));
        }
        self.check_not_revoked(&claims)?;
        Ok(claims)
    }

    /// Verifies a token for `PUT .../session`: it may have expired, but not more than the
    /// refresh window after it was issued.
    pub fn verify_for_refresh(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let claims = self.decode(token)?;
        self.check_not_revoked(&claims)?;
        if claims.iat + self.refresh_seconds < now {
            return Err(TokenError::RefreshWindowClosed);
        }
        Ok(claims)
    }

    /// Checks signature, algorithm and the presence and types of the claims. Times are
    /// compared by the callers against the injected `now`, so they are testable.
    fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        // A claim that is missing or of the wrong type must fail, not skip validation.
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "sub"]);
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation) {
            Ok(data) => Ok(data.claims),
            Err(error) => Err(match error.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidSignature => {
                    TokenError::Invalid("Token Signature could not be verified.")
                }
                ErrorKind::InvalidAlgorithm => {
                    TokenError::Invalid("Token algorithm is not allowed.")
                }
                ErrorKind::MissingRequiredClaim(_) | ErrorKind::Json(_) => {
                    TokenError::Invalid("Token claims are missing or malformed.")
                }
                _ => TokenError::Invalid("Token could not be decoded."),
            }),
        }
    }

    fn check_not_revoked(&self, claims: &Claims) -> Result<(), TokenError> {
        let revoked = self.revoked.read().expect("revocation lock poisoned");
        if revoked.contains_key(&claims.jti) {
            return Err(TokenError::Revoked);
        }
        Ok(())
    }

    /// When a revocation of `claims` can be forgotten: after it could have been refreshed.
    pub fn revocation_horizon(&self, claims: &Claims) -> i64 {
        claims.exp.max(claims.iat + self.refresh_seconds)
    }

    /// Adds to the in-memory set (the caller persists it too). Prunes stale entries.
    pub fn remember_revoked(&self, jti: String, horizon: i64, now: i64) {
        let mut revoked = self.revoked.write().expect("revocation lock poisoned");
        if revoked.len() % 1024 == 1023 {
            revoked.retain(|_, until| *until >= now);
        }
        revoked.insert(jti, horizon);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> TokenService {
        TokenService::new(b"0123456789abcdef0123456789abcdef", 60, 120)
    }

    #[test]
    fn an_issued_token_verifies_with_dreamfactory_claims() {
        let tokens = service();
        let (token, claims) =
            tokens.issue(7, "a@b.c", "http://h/api/v2/system/admin/session", 1000);
        assert_eq!(claims.sub, email_subject("a@b.c"));
        assert_eq!(claims.exp, 1000 + 3600);
        assert_eq!(claims.jti.len(), 16);
        assert_eq!(tokens.verify(&token, 1001), Ok(claims));
    }

    #[test]
    fn the_subject_is_the_md5_hex_of_the_email() {
        assert_eq!(email_subject(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn an_expired_token_is_rejected_but_refreshable_within_the_window() {
        let tokens = service();
        let (token, _) = tokens.issue(1, "a@b.c", "i", 0);
        assert_eq!(tokens.verify(&token, 3601), Err(TokenError::Expired));
        assert!(tokens.verify_for_refresh(&token, 7199).is_ok());
        assert_eq!(
            tokens.verify_for_refresh(&token, 7201),
            Err(TokenError::RefreshWindowClosed)
        );
    }

    #[test]
    fn a_revoked_token_is_rejected() {
        let tokens = service();
        let (token, claims) = tokens.issue(1, "a@b.c", "i", 0);
        tokens.remember_revoked(claims.jti.clone(), 10_000, 0);
        assert_eq!(tokens.verify(&token, 1), Err(TokenError::Revoked));
        assert_eq!(
            tokens.verify_for_refresh(&token, 1),
            Err(TokenError::Revoked)
        );
    }

    #[test]
    fn a_token_signed_with_another_key_or_algorithm_is_invalid() {
        let tokens = service();
        let other = TokenService::new(b"another-secret-another-secret-xx", 60, 120);
        let (token, _) = other.issue(1, "a@b.c", "i", 0);
        assert!(matches!(
            tokens.verify(&token, 1),
            Err(TokenError::Invalid(_))
        ));
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.";
        assert!(matches!(
            tokens.verify(unsigned, 1),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn a_token_without_exp_is_invalid() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub":"x","iat":0,"nbf":0,"jti":"j","user_id":1,"forever":false,"iss":"i"}),
            &EncodingKey::from_secret(secret),
        )
        .unwrap();
        assert!(matches!(
            service().verify(&token, 1),
            Err(TokenError::Invalid(_))
        ));
    }
}
