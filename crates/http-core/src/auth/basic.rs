//! HTTP Basic authentication (RFC 7617) with a fixed user name and password.

use std::fmt;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::{Auth, AuthHeaders, BoxFuture};
use crate::error::{Error, Result};

/// Sends `Authorization: Basic base64(user ":" password)` on every request.
///
/// The header value is computed once, at construction, and marked
/// sensitive; `Debug` prints neither the user nor the password.
pub struct BasicAuth {
    value: HeaderValue,
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("user", &crate::secret::REDACTED)
            .field("password", &crate::secret::REDACTED)
            .finish()
    }
}

impl BasicAuth {
    /// Basic auth with this user name and password. A user name holding a
    /// `:` is refused (RFC 7617 forbids it), as is a pair whose header value
    /// would not be a valid header.
    pub fn new(user: &SecretString, password: &SecretString) -> Result<Self> {
        let user = user.expose_secret();
        if user.contains(':') {
            return Err(Error::config("the Basic auth user name contains ':'"));
        }
        let pair = SecretString::from(format!("{user}:{}", password.expose_secret()));
        let encoded = SecretString::from(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair.expose_secret())
        ));
        let mut value = HeaderValue::from_str(encoded.expose_secret())
            .map_err(|_| Error::config("the Basic auth header is not a valid header value"))?;
        value.set_sensitive(true);
        Ok(BasicAuth { value })
    }

    fn headers(&self) -> AuthHeaders {
        let mut headers = HeaderMap::with_capacity(1);
        headers.insert(AUTHORIZATION, self.value.clone());
        AuthHeaders {
            headers,
            generation: 0,
        }
    }
}

impl Auth for BasicAuth {
    fn authorize<'a>(&'a self, _: &'a reqwest::Client) -> BoxFuture<'a, Result<AuthHeaders>> {
        let headers = self.headers();
        Box::pin(async move { Ok(headers) })
    }

    fn ready(&self) -> Option<Result<AuthHeaders>> {
        Some(Ok(self.headers()))
    }

    fn login_deadline(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected value was computed independently:
    /// `python3 -c 'import base64; print(base64.b64encode(b"Aladdin:open sesame").decode())'`
    /// prints `QWxhZGRpbjpvcGVuIHNlc2FtZQ==` (RFC 7617's own example).
    #[test]
    fn the_header_matches_rfc_7617s_example() {
        let auth = BasicAuth::new(
            &SecretString::from("Aladdin"),
            &SecretString::from("open sesame"),
        )
        .unwrap();
        let headers = auth.ready().unwrap().unwrap().headers;
        let value = headers.get(AUTHORIZATION).unwrap();
        assert_eq!(
            value.to_str().unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(value.is_sensitive());
        let debug = format!("{auth:?}");
        assert!(
            !debug.contains("Aladdin") && !debug.contains("sesame"),
            "{debug}"
        );
    }

    #[test]
    fn a_colon_in_the_user_is_refused() {
        let err = BasicAuth::new(&SecretString::from("a:b"), &SecretString::from("c")).unwrap_err();
        assert!(err.to_string().contains("':'"), "{err}");
    }
}
