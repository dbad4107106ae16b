//! The credential pair every provider builder's `credentials(id, secret)` takes.

use std::fmt;

use crate::error::Error;
use crate::secret::{ExposeSecret, REDACTED, SecretString};

/// The pair a provider builder's `credentials(id, secret)` takes: OAuth2
/// client id and secret, API id and secret, or API key and secret.
///
/// Both halves are kept as secrets (an API key signs requests as much as
/// its secret does) and `Debug` shows neither.
#[derive(Clone, Default)]
pub struct Credentials {
    pair: Option<(SecretString, SecretString)>,
}

impl Credentials {
    /// The pair as the caller gave it; [`checked`](Self::checked) validates it.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials {
            pair: Some((
                SecretString::from(id.into()),
                SecretString::from(secret.into()),
            )),
        }
    }

    /// True once `credentials(id, secret)` was called.
    pub fn is_set(&self) -> bool {
        self.pair.is_some()
    }

    /// The pair when it was given, refused when either half is empty:
    /// [`Error::InvalidInput`] naming `credentials.id` (empty or blank) or
    /// `credentials.secret` (empty). For providers whose credentials are
    /// optional (Brighte's public API needs none).
    pub fn checked(&self) -> Result<Option<(SecretString, SecretString)>, Error> {
        let Some((id, secret)) = &self.pair else {
            return Ok(None);
        };
        if id.expose_secret().trim().is_empty() {
            return Err(Error::invalid_input("credentials.id", "must not be empty"));
        }
        if secret.expose_secret().is_empty() {
            return Err(Error::invalid_input(
                "credentials.secret",
                "must not be empty",
            ));
        }
        Ok(Some((id.clone(), secret.clone())))
    }

    /// The pair, which this provider requires: as [`checked`](Self::checked),
    /// and [`Error::InvalidInput`] naming `credentials` when it was not given.
    pub fn required(&self) -> Result<(SecretString, SecretString), Error> {
        self.checked()?.ok_or_else(|| {
            Error::invalid_input("credentials", "required: call credentials(id, secret)")
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.pair.as_ref().map(|_| (REDACTED, REDACTED));
        f.debug_struct("Credentials")
            .field("id", &shown.map(|(id, _)| id))
            .field("secret", &shown.map(|(_, secret)| secret))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_name_the_empty_half_and_never_show_it() {
        let field = |c: &Credentials| match c.required() {
            Err(Error::InvalidInput(e)) => e.field.to_string(),
            other => panic!("expected InvalidInput, got {other:?}"),
        };
        assert_eq!(field(&Credentials::default()), "credentials");
        assert_eq!(field(&Credentials::new(" ", "s")), "credentials.id");
        assert_eq!(field(&Credentials::new("id", "")), "credentials.secret");
        assert!(matches!(Credentials::default().checked(), Ok(None)));
        let given = Credentials::new("id-7", "secret-9");
        let (id, secret) = given.required().unwrap();
        assert_eq!(
            (id.expose_secret(), secret.expose_secret()),
            ("id-7", "secret-9")
        );
        let shown = format!("{given:?}");
        assert!(
            !shown.contains("id-7") && !shown.contains("secret-9"),
            "{shown}"
        );
    }
}
