//! Workshop secrets at rest (SMTP passwords, later OAuth and Stripe keys): AES-256-GCM with
//! the platform key, a fresh nonce per value. DESIGN.md §3.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Prefix of sealed values, so a future key or algorithm can be told apart.
const VERSION: &str = "v1:";

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("a sealed value cannot be opened (wrong key or damaged)")]
    Unreadable,
}

impl SecretBox {
    /// `key_base64`: 32 random bytes in base64 (`openssl rand -base64 32`).
    pub fn new(key_base64: &str) -> Result<Self, SecretError> {
        let key = STANDARD
            .decode(key_base64.trim())
            .map_err(|_| SecretError::BadKey)?;
        if key.len() != 32 {
            return Err(SecretError::BadKey);
        }
        Ok(Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
        })
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption of a short secret cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        format!("{VERSION}{}", STANDARD.encode(sealed))
    }

    pub fn open(&self, sealed: &str) -> Result<String, SecretError> {
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .filter(|bytes| bytes.len() > 12)
            .ok_or(SecretError::Unreadable)?;
        let (nonce, ciphertext) = bytes.split_at(12);
        let plaintext = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::Unreadable)?;
        String::from_utf8(plaintext).map_err(|_| SecretError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn sealed_secrets_open_with_the_key_only() {
        let secret_box = SecretBox::new(KEY).unwrap();
        let sealed = secret_box.seal("mot-de-passe-smtp");
        assert!(sealed.starts_with("v1:") && !sealed.contains("mot-de-passe"));
        assert_ne!(
            sealed,
            secret_box.seal("mot-de-passe-smtp"),
            "a fresh nonce each time"
        );
        assert_eq!(secret_box.open(&sealed).unwrap(), "mot-de-passe-smtp");
        let other = SecretBox::new("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=").unwrap();
        assert!(other.open(&sealed).is_err());
        assert!(secret_box.open("v1:abc").is_err());
        assert!(SecretBox::new("trop-court").is_err());
    }
}
