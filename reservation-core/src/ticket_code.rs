//! Ticket codes: what a ticket's QR code carries, signed so that a door
//! scanner can tell a real ticket from a forged or altered one without a
//! database round trip.
//!
//! A code is `SW1.` followed by 64 base64url characters: the show id, the
//! ticket id and the first 16 bytes of an HMAC-SHA256 of both under the
//! seller's secret. Changing any character makes [`TicketSigner::verify`]
//! fail; making a valid code for another ticket needs the secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;

use crate::ids::{ShowId, TicketId};
use crate::signing::SigningKey;
pub use crate::signing::{MIN_SECRET_LEN, WeakSecret};

const PREFIX: &str = "SW1.";
const MAC_LEN: usize = 16;
const BODY_LEN: usize = 16 + 16 + MAC_LEN;
const DOMAIN: &[u8] = b"seatwise-ticket-v1";

/// Why a ticket code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TicketCodeError {
    /// Not a ticket code at all (wrong prefix, length or alphabet).
    #[error("this is not a Seatwise ticket code")]
    Malformed,
    /// Well formed, but the signature does not match: forged or altered.
    #[error("this ticket code is not genuine")]
    BadSignature,
}

/// What a genuine ticket code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedTicket {
    /// The show it admits to.
    pub show: ShowId,
    /// The ticket.
    pub ticket: TicketId,
}

/// Signs and verifies ticket codes with one secret.
#[derive(Clone)]
pub struct TicketSigner {
    key: SigningKey,
}

impl std::fmt::Debug for TicketSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketSigner(..)")
    }
}

impl TicketSigner {
    /// A signer keyed by `secret` (at least [`MIN_SECRET_LEN`] bytes). Every
    /// instance selling the same shows must share it.
    pub fn new(secret: &[u8]) -> Result<Self, WeakSecret> {
        SigningKey::new(secret).map(|key| Self { key })
    }

    /// A signer with a fresh random secret: codes verify only in this process.
    pub fn random() -> Self {
        Self {
            key: SigningKey::random(),
        }
    }

    /// The code for `ticket` of `show`.
    pub fn sign(&self, show: ShowId, ticket: TicketId) -> String {
        let mut body = [0u8; BODY_LEN];
        body[..16].copy_from_slice(show.as_uuid().as_bytes());
        body[16..32].copy_from_slice(ticket.as_uuid().as_bytes());
        let mac = self.key.mac(DOMAIN, &body[..32]).finalize().into_bytes();
        body[32..].copy_from_slice(&mac[..MAC_LEN]);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(body))
    }

    /// The show and ticket a genuine `code` names.
    pub fn verify(&self, code: &str) -> Result<VerifiedTicket, TicketCodeError> {
        let encoded = code
            .strip_prefix(PREFIX)
            .ok_or(TicketCodeError::Malformed)?;
        let body = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| TicketCodeError::Malformed)?;
        let body: [u8; BODY_LEN] = body.try_into().map_err(|_| TicketCodeError::Malformed)?;
        // Constant time, so timing tells a forger nothing about the tag.
        self.key
            .mac(DOMAIN, &body[..32])
            .verify_truncated_left(&body[32..])
            .map_err(|_| TicketCodeError::BadSignature)?;
        let uuid =
            |bytes: &[u8]| uuid::Uuid::from_slice(bytes).map_err(|_| TicketCodeError::Malformed);
        Ok(VerifiedTicket {
            show: ShowId::from_uuid(uuid(&body[..16])?),
            ticket: TicketId::from_uuid(uuid(&body[16..32])?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> TicketSigner {
        TicketSigner::new(&[7u8; 32]).unwrap()
    }

    #[test]
    fn a_signed_code_verifies_to_its_show_and_ticket() {
        let (show, ticket) = (ShowId::random(), TicketId::random());
        let code = signer().sign(show, ticket);
        assert_eq!(code.len(), PREFIX.len() + 64);
        assert_eq!(signer().verify(&code), Ok(VerifiedTicket { show, ticket }));
    }

    #[test]
    fn any_altered_character_fails_verification() {
        let code = signer().sign(ShowId::random(), TicketId::random());
        for (i, c) in code.char_indices().skip(PREFIX.len()) {
            let other = if c == 'A' { 'B' } else { 'A' };
            let mut altered = code.clone();
            altered.replace_range(i..=i, &other.to_string());
            assert!(
                signer().verify(&altered).is_err(),
                "altered at {i}: {altered}"
            );
        }
    }

    #[test]
    fn a_code_from_another_secret_is_not_genuine() {
        let code = TicketSigner::random().sign(ShowId::random(), TicketId::random());
        assert_eq!(signer().verify(&code), Err(TicketCodeError::BadSignature));
    }

    #[test]
    fn truncated_and_foreign_codes_are_malformed() {
        let code = signer().sign(ShowId::random(), TicketId::random());
        for bad in [
            &code[..code.len() - 1],
            "",
            "SW1.",
            "SW2.abc",
            &code[4..],
            "SW1.!!!!",
        ] {
            assert_eq!(
                signer().verify(bad),
                Err(TicketCodeError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(TicketSigner::new(b"hunter2").err(), Some(WeakSecret(7)));
    }
}
