//! Admission passes: what an admitted visitor shows to hold seats or wait,
//! signed so that any instance can check one without a database read.
//!
//! A pass is `SWA1.` and 54 base64url characters: the show id, the end of
//! the admission (Unix seconds) and the first 16 bytes of an HMAC-SHA256 of
//! the show, the visitor's session (holder id) and the end, under the
//! seller's secret. The holder is in the MAC but not the pass: a pass copied
//! to another session does not verify, and a pass says nothing about whose
//! it is.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use time::OffsetDateTime;

use crate::ids::{HolderId, ShowId};
use crate::signing::{SigningKey, WeakSecret};

const PREFIX: &str = "SWA1.";
const DOMAIN: &[u8] = b"seatwise-admission-v1";
const MAC_LEN: usize = 16;
const BODY_LEN: usize = 16 + 8 + MAC_LEN;

/// Why an admission pass was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdmissionError {
    /// The show has an active waiting room and no pass was shown.
    #[error("this show's sale runs through a waiting room: join the line to be admitted")]
    Required,
    /// Not an admission pass at all.
    #[error("this is not a Seatwise admission pass")]
    Malformed,
    /// A genuine-looking pass for another show.
    #[error("this admission pass is for another show")]
    OtherShow,
    /// Forged, altered, or issued to another session.
    #[error("this admission pass is not valid for your session")]
    NotYours,
    /// The admission has ended; join the line again.
    #[error("your admission ended at {0}; join the line again")]
    Expired(OffsetDateTime),
}

/// Signs and checks admission passes with one secret. Every instance
/// admitting to the same shows must share it (the app uses the ticket
/// secret, under another domain tag).
#[derive(Clone)]
pub struct AdmissionSigner {
    key: SigningKey,
}

impl std::fmt::Debug for AdmissionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdmissionSigner(..)")
    }
}

impl AdmissionSigner {
    /// A signer keyed by `secret` (at least 32 bytes).
    pub fn new(secret: &[u8]) -> Result<Self, WeakSecret> {
        SigningKey::new(secret).map(|key| Self { key })
    }

    /// A signer with a fresh random secret: passes verify only in this process.
    pub fn random() -> Self {
        Self {
            key: SigningKey::random(),
        }
    }

    /// The pass admitting `visitor` to `show` until `until` (whole seconds).
    pub fn sign(&self, show: ShowId, visitor: HolderId, until: OffsetDateTime) -> String {
        let mut body = [0u8; BODY_LEN];
        body[..16].copy_from_slice(show.as_uuid().as_bytes());
        body[16..24].copy_from_slice(&until.unix_timestamp().to_be_bytes());
        let mac = self.mac(&body[..24], visitor).finalize().into_bytes();
        body[24..].copy_from_slice(&mac[..MAC_LEN]);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(body))
    }

    /// Checks that `pass` admits `visitor` to `show` at `now`; returns when
    /// the admission ends.
    pub fn verify(
        &self,
        pass: &str,
        show: ShowId,
        visitor: HolderId,
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime, AdmissionError> {
        let body = pass
            .strip_prefix(PREFIX)
            .and_then(|encoded| URL_SAFE_NO_PAD.decode(encoded).ok())
            .and_then(|body| <[u8; BODY_LEN]>::try_from(body).ok())
            .ok_or(AdmissionError::Malformed)?;
        // Constant time, so timing tells a forger nothing about the tag.
        self.mac(&body[..24], visitor)
            .verify_truncated_left(&body[24..])
            .map_err(|_| AdmissionError::NotYours)?;
        if body[..16] != *show.as_uuid().as_bytes() {
            return Err(AdmissionError::OtherShow);
        }
        let mut seconds = [0u8; 8];
        seconds.copy_from_slice(&body[16..24]);
        let until = OffsetDateTime::from_unix_timestamp(i64::from_be_bytes(seconds))
            .map_err(|_| AdmissionError::Malformed)?;
        if until <= now {
            return Err(AdmissionError::Expired(until));
        }
        Ok(until)
    }

    fn mac(&self, show_and_until: &[u8], visitor: HolderId) -> hmac::Hmac<sha2::Sha256> {
        let mut message = [0u8; 40];
        message[..24].copy_from_slice(show_and_until);
        message[24..].copy_from_slice(visitor.as_uuid().as_bytes());
        self.key.mac(DOMAIN, &message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Duration, macros::datetime};

    const NOW: OffsetDateTime = datetime!(2030-01-01 10:00 UTC);

    fn signer() -> AdmissionSigner {
        AdmissionSigner::new(&[9u8; 32]).unwrap()
    }

    #[test]
    fn a_pass_admits_its_visitor_to_its_show_until_it_ends() {
        let (show, me) = (ShowId::random(), HolderId::random());
        let until = NOW + Duration::minutes(10);
        let pass = signer().sign(show, me, until);
        assert_eq!(pass.len(), PREFIX.len() + 54);
        assert_eq!(signer().verify(&pass, show, me, NOW), Ok(until));
        assert_eq!(
            signer().verify(&pass, show, me, until),
            Err(AdmissionError::Expired(until))
        );
    }

    #[test]
    fn another_session_show_or_secret_is_refused() {
        let (show, me) = (ShowId::random(), HolderId::random());
        let pass = signer().sign(show, me, NOW + Duration::minutes(10));
        let refused = |result| assert!(result != Ok(NOW + Duration::minutes(10)));
        assert_eq!(
            signer().verify(&pass, show, HolderId::random(), NOW),
            Err(AdmissionError::NotYours)
        );
        assert_eq!(
            signer().verify(&pass, ShowId::random(), me, NOW),
            Err(AdmissionError::OtherShow)
        );
        assert_eq!(
            AdmissionSigner::random().verify(&pass, show, me, NOW),
            Err(AdmissionError::NotYours)
        );
        for (i, c) in pass.char_indices().skip(PREFIX.len()) {
            let mut altered = pass.clone();
            altered.replace_range(i..=i, if c == 'A' { "B" } else { "A" });
            refused(signer().verify(&altered, show, me, NOW));
        }
    }

    #[test]
    fn garbage_is_malformed() {
        let (show, me) = (ShowId::random(), HolderId::random());
        for bad in ["", "SWA1.", "SW1.AAAA", "SWA1.!!!!", &"A".repeat(4000)] {
            assert_eq!(
                signer().verify(bad, show, me, NOW),
                Err(AdmissionError::Malformed),
                "{bad}"
            );
        }
    }
}
