//! The organizer token.

use subtle::ConstantTimeEq;

/// The shortest token accepted: shorter ones are guessable.
const MIN_LENGTH: usize = 16;

/// The secret that opens the organizer API.
pub struct AdminToken(Vec<u8>);

/// A token too short to keep the organizer API closed.
#[derive(Debug, thiserror::Error)]
#[error("the admin token must be at least {MIN_LENGTH} characters")]
pub struct WeakToken;

impl AdminToken {
    /// The token `secret`, at least 16 characters.
    pub fn new(secret: &str) -> Result<Self, WeakToken> {
        if secret.len() < MIN_LENGTH {
            return Err(WeakToken);
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }

    /// Whether `presented` is the token, in time that does not depend on
    /// where they differ.
    pub(crate) fn matches(&self, presented: &str) -> bool {
        self.0.ct_eq(presented.as_bytes()).into()
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_token_itself_matches() {
        let token = AdminToken::new("0123456789abcdef-organizer").unwrap();
        assert!(token.matches("0123456789abcdef-organizer"));
        assert!(!token.matches("0123456789abcdef-organizeR"));
        assert!(!token.matches("0123456789abcdef"));
        assert!(!token.matches(""));
        assert!(AdminToken::new("short").is_err());
    }
}
