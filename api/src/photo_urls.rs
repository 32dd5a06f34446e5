//! Signed, expiring photo URLs: an `<img src>` cannot send a bearer token, so the URL itself
//! carries the proof — an HMAC-SHA256 over the workshop, the photo, the rendition and the
//! expiry. A link copied elsewhere stops working when it expires; changing any part of it
//! (another workshop's photo id…) breaks the signature.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long a URL handed out by the API stays valid.
pub const VALIDITY: chrono::Duration = chrono::Duration::hours(1);

pub fn key(jwt_secret: &SecretString) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"thermogestion photo urls\0");
    hasher.update(jwt_secret.expose_secret().as_bytes());
    hasher.finalize().into()
}

fn signature(
    key: &[u8; 32],
    workspace_id: Uuid,
    photo_id: Uuid,
    name: &str,
    expires: i64,
) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(format!("{workspace_id}:{photo_id}:{name}:{expires}").as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The path of a rendition (`original`, `thumbnail`, `medium`, `large`), valid until `until`.
pub fn signed_path(
    key: &[u8; 32],
    workspace_id: Uuid,
    photo_id: Uuid,
    name: &str,
    until: DateTime<Utc>,
) -> String {
    let expires = until.timestamp();
    let sig = URL_SAFE_NO_PAD.encode(signature(key, workspace_id, photo_id, name, expires));
    format!("/api/v1/photos/{workspace_id}/{photo_id}/{name}?expires={expires}&sig={sig}")
}

/// Whether the URL's signature holds and has not expired at `now`.
pub fn verify(
    key: &[u8; 32],
    workspace_id: Uuid,
    photo_id: Uuid,
    name: &str,
    expires: i64,
    sig: &str,
    now: DateTime<Utc>,
) -> bool {
    if now.timestamp() > expires {
        return false;
    }
    let Ok(given) = URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(format!("{workspace_id}:{photo_id}:{name}:{expires}").as_bytes());
    // Constant-time comparison.
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_holds_until_it_expires_and_only_for_what_it_names() {
        let key = key(&SecretString::from("secret"));
        let (workspace, photo) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let now = Utc::now();
        let path = signed_path(&key, workspace, photo, "medium", now + VALIDITY);
        let query = path.split_once('?').unwrap().1;
        let expires: i64 = query.split('&').next().unwrap()["expires=".len()..]
            .parse()
            .unwrap();
        let sig = &query.split("&sig=").nth(1).unwrap();
        assert!(verify(&key, workspace, photo, "medium", expires, sig, now));
        assert!(!verify(&key, workspace, photo, "large", expires, sig, now));
        assert!(!verify(
            &key,
            Uuid::from_u128(3),
            photo,
            "medium",
            expires,
            sig,
            now
        ));
        assert!(!verify(
            &key,
            workspace,
            photo,
            "medium",
            expires + 1,
            sig,
            now
        ));
        assert!(!verify(
            &key,
            workspace,
            photo,
            "medium",
            expires,
            sig,
            now + VALIDITY * 2
        ));
        assert!(!verify(
            &key,
            workspace,
            photo,
            "medium",
            expires,
            "pas-une-signature",
            now
        ));
    }
}
