//! The seller's signing secret, shared by ticket codes and admission passes:
//! HMAC-SHA256 with a domain tag per use, so a code made for one use never
//! verifies as another.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Shortest secret a signer accepts, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// A signing secret shorter than [`MIN_SECRET_LEN`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a signing secret needs at least {MIN_SECRET_LEN} bytes, got {0}")]
pub struct WeakSecret(pub usize);

/// An HMAC-SHA256 key.
#[derive(Clone)]
pub(crate) struct SigningKey(Hmac<Sha256>);

impl SigningKey {
    pub(crate) fn new(secret: &[u8]) -> Result<Self, WeakSecret> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(WeakSecret(secret.len()));
        }
        // HMAC takes keys of any length; the check above is ours.
        Hmac::new_from_slice(secret)
            .map(Self)
            .map_err(|_| WeakSecret(secret.len()))
    }

    /// A fresh random key: what it signs verifies only in this process.
    pub(crate) fn random() -> Self {
        let secret: [u8; 32] = rand::random();
        Self(Hmac::new_from_slice(&secret).unwrap_or_else(|_| unreachable!("any key length")))
    }

    /// The MAC of `message` under `domain`.
    pub(crate) fn mac(&self, domain: &[u8], message: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(domain);
        mac.update(message);
        mac
    }
}
