//! Credentials that never print.
//!
//! Every credential is a [`SecretString`]; its `Debug` prints `[REDACTED]` and
//! it has no `Display`. [`Redacted`] does the same for values a provider
//! crate wants to hide in its own `Debug` output (voucher PINs, session keys).

use std::fmt;

pub use secrecy::{ExposeSecret, SecretString};

/// What every redacted value prints as.
pub const REDACTED: &str = "[REDACTED]";

/// Wraps a value so that `Debug` prints [`REDACTED`] instead of it.
///
/// ```
/// use partner_sdk_core::secret::Redacted;
/// assert_eq!(format!("{:?}", Redacted("1234-5678")), "[REDACTED]");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Redacted<T>(pub T);

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// What a redacting `Debug` prints for a field of personal data (a name, an
/// address, a phone number): [`REDACTED`], whatever the value.
pub fn redacted<T: ?Sized>(_: &T) -> Redacted<()> {
    Redacted(())
}

/// A URL as given, with any user info (`user:password@`) before its host
/// replaced by [`REDACTED`], for `Debug` output and error messages.
///
/// ```
/// use partner_sdk_core::secret::without_userinfo;
/// assert_eq!(without_userinfo("https://u:pw@api.example/x?q=1"), "https://[REDACTED]@api.example/x?q=1");
/// assert_eq!(without_userinfo("https://api.example/a@b"), "https://api.example/a@b");
/// ```
pub fn without_userinfo(raw: &str) -> std::borrow::Cow<'_, str> {
    let authority_start = raw.find("://").map_or(0, |i| i + 3);
    let rest = &raw[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => format!("{}{REDACTED}{}", &raw[..authority_start], &rest[at..]).into(),
        None => raw.into(),
    }
}

/// Builds a [`SecretString`] from anything string-like.
pub fn secret(value: impl Into<String>) -> SecretString {
    SecretString::from(value.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_string_debug_hides_the_value() {
        let s = secret("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose_secret(), "hunter2");
    }
}
