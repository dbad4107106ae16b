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
/// It fails closed: when the text is not a URL with a host that the parser
/// accepts (a password holding `/`, `?` or `#` makes it one), everything
/// before its last `@` is redacted, whatever it is.
///
/// ```
/// use partner_sdk_core::secret::without_userinfo;
/// assert_eq!(without_userinfo("https://u:pw@api.example/x?q=1"), "https://[REDACTED]@api.example/x?q=1");
/// assert_eq!(without_userinfo("https://api.example/a@b"), "https://api.example/a@b");
/// assert_eq!(without_userinfo("https://u:p/w?#@api.example/x"), "https://[REDACTED]@api.example/x");
/// ```
pub fn without_userinfo(raw: &str) -> std::borrow::Cow<'_, str> {
    let authority_start = raw.find("://").map_or(0, |i| i + 3);
    let rest = &raw[authority_start..];
    let at = match url::Url::parse(raw) {
        Ok(url) if !url.has_host() => rest.rfind('@'),
        Ok(url) if url.username().is_empty() && url.password().is_none() => None,
        // Parsed with user info: it holds no `/`, `?` or `#`, so the
        // authority ends at the first of them.
        Ok(_) => {
            let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            rest[..authority_len].rfind('@')
        }
        Err(_) => rest.rfind('@'),
    };
    match at {
        Some(at) => format!("{}{REDACTED}{}", &raw[..authority_start], &rest[at..]).into(),
        None => raw.into(),
    }
}

/// A URL as a builder was given it, kept as text until `build()` parses it.
/// Its `Debug` shows it through [`without_userinfo`], so a builder that
/// holds its URLs as `RedactedUrl` can derive `Debug`.
///
/// ```
/// use partner_sdk_core::secret::RedactedUrl;
/// let url = RedactedUrl::from("https://user:pw@api.example/v1");
/// assert_eq!(format!("{url:?}"), "\"https://[REDACTED]@api.example/v1\"");
/// assert_eq!(url.as_str(), "https://user:pw@api.example/v1");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedactedUrl(String);

impl RedactedUrl {
    /// The URL as it was given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL as it was given, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<T: Into<String>> From<T> for RedactedUrl {
    fn from(url: T) -> Self {
        RedactedUrl(url.into())
    }
}

impl fmt::Debug for RedactedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&without_userinfo(&self.0), f)
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
    fn user_info_is_never_printed_parsable_or_not() {
        for (raw, shown) in [
            (
                "https://u:pw@api.example/x",
                "https://[REDACTED]@api.example/x",
            ),
            ("https://u@api.example", "https://[REDACTED]@api.example"),
            (
                "https://u:p/w@api.example/x",
                "https://[REDACTED]@api.example/x",
            ),
            (
                "https://u:p?w@api.example/x",
                "https://[REDACTED]@api.example/x",
            ),
            (
                "https://u:p#w@api.example/x",
                "https://[REDACTED]@api.example/x",
            ),
            (
                "https://u:p@w@api.example/x",
                "https://[REDACTED]@api.example/x",
            ),
            ("u:secret@api.example", "[REDACTED]@api.example"),
            ("https://api.example/a@b?c=@", "https://api.example/a@b?c=@"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(without_userinfo(raw), shown, "{raw}");
        }
    }

    #[test]
    fn secret_string_debug_hides_the_value() {
        let s = secret("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose_secret(), "hunter2");
    }
}
