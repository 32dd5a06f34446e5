//! Personal data of clients in the event log, sealed with a key per client (ADR 0005): the
//! log stays the source of truth and replays, and erasing a client deletes its key, which
//! makes every copy of its data in the log unreadable at once.
//!
//! Pure: the key and the nonce are given by the command side.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ClientKind, ClientProfile};

/// A client's data key: 32 random bytes, stored beside the log, deleted on erasure.
#[derive(Clone, PartialEq, Eq)]
pub struct SubjectKey(pub [u8; 32]);

impl SubjectKey {
    /// The key as stored; `None` for bytes of another length (never a key).
    pub fn from_stored(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }
}

impl std::fmt::Debug for SubjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubjectKey(…)")
    }
}

/// Text sealed with a subject key: `s1:` + base64(nonce ‖ AES-256-GCM ciphertext).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Sealed(pub String);

const VERSION: &str = "s1:";

impl Sealed {
    /// `nonce` must never repeat under one key: the command side draws it at random.
    pub fn seal(key: &SubjectKey, nonce: [u8; 12], plaintext: &str) -> Self {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0));
        let ciphertext = cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption of a short text cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend(ciphertext);
        Self(format!("{VERSION}{}", STANDARD.encode(bytes)))
    }

    /// `None` when the key is not this one (or the text was tampered with).
    pub fn open(&self, key: &SubjectKey) -> Option<String> {
        let bytes = STANDARD.decode(self.0.strip_prefix(VERSION)?).ok()?;
        if bytes.len() <= 12 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0));
        let plaintext = cipher.decrypt(Nonce::from_slice(nonce), ciphertext).ok()?;
        String::from_utf8(plaintext).ok()
    }
}

/// A keyed digest of each field: lets the aggregate tell which fields an edit changed
/// without holding the data. Keyed by the subject key, so it dies with it.
pub type Fingerprint = BTreeMap<String, String>;

fn digest(key: &SubjectKey, field: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key.0);
    hasher.update(field.as_bytes());
    hasher.update([0]);
    hasher.update(value.as_bytes());
    hasher.finalize()[..12]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A validated profile as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SealedProfile {
    /// Not personal: lists and statistics by type work without keys.
    pub kind: ClientKind,
    pub data: Sealed,
    pub fingerprint: Fingerprint,
    pub has_email: bool,
}

impl SealedProfile {
    /// `profile` must be validated ([`ClientProfile::validate`]).
    pub fn seal(profile: &ClientProfile, key: &SubjectKey, nonce: [u8; 12]) -> Self {
        let json = serde_json::to_string(profile).expect("a profile serialises");
        let fields = serde_json::to_value(profile).expect("a profile serialises");
        let fingerprint = fields
            .as_object()
            .map(|object| {
                object
                    .iter()
                    .map(|(field, value)| (field.clone(), digest(key, field, &value.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            kind: profile.kind,
            data: Sealed::seal(key, nonce, &json),
            fingerprint,
            has_email: profile.email.is_some(),
        }
    }

    pub fn open(&self, key: &SubjectKey) -> Option<ClientProfile> {
        serde_json::from_str(&self.data.open(key)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_with_its_key_only() {
        let key = SubjectKey([7; 32]);
        let sealed = Sealed::seal(&key, [1; 12], "Éloïse Martin, 06 12 34 56 78");
        assert!(sealed.0.starts_with("s1:") && !sealed.0.contains("Martin"));
        assert_eq!(
            sealed.open(&key).as_deref(),
            Some("Éloïse Martin, 06 12 34 56 78")
        );
        assert_eq!(
            sealed.open(&SubjectKey([8; 32])),
            None,
            "an erased key opens nothing"
        );
        assert_ne!(
            Sealed::seal(&key, [2; 12], "x"),
            Sealed::seal(&key, [3; 12], "x")
        );
    }
}
