//! What every provider's `ClientBuilder` holds and checks the same way:
//! [`BuilderParts`].

use std::fmt;
use std::sync::Arc;

use partner_sdk_journal::JournalStore;
use url::Url;

use super::Credentials;
use crate::error::Error;
use crate::secret::RedactedUrl;
use crate::settings::HttpSettings;
use crate::transport::{Transport, TransportBuilder, parse_base_url};

/// The parts of a provider `ClientBuilder` that every provider has: the base
/// URL, the credential pair, the HTTP settings
/// ([`http_settings_methods!`](crate::http_settings_methods) writes their
/// setters over `parts.settings`) and, for providers with creates, the
/// intent journal. A builder holds one and derives its `Debug`: URLs show
/// without user info, credentials as `[REDACTED]`, the journal as whether
/// there is one.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct BuilderParts {
    /// The base URL as given to `base_url` (required by every builder).
    pub base_url: Option<RedactedUrl>,
    /// The pair given to `credentials(id, secret)`.
    pub credentials: Credentials,
    /// Timeouts, retry policy, HTTP client, hooks and limits.
    pub settings: HttpSettings,
    /// Where creates are journalled before they are sent, if anywhere.
    pub journal: Option<Arc<dyn JournalStore>>,
}

impl fmt::Debug for BuilderParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuilderParts")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("settings", &self.settings)
            .field("journal", &self.journal.is_some())
            .finish()
    }
}

impl BuilderParts {
    /// The [`TransportBuilder`] of `provider` over these parts: the base URL
    /// ([`Error::Config`] naming the provider when it was not given, the same
    /// in every builder), the settings and the journal. The provider adds its
    /// auth and error body.
    pub fn transport(&self, provider: &'static str) -> Result<TransportBuilder, Error> {
        Ok(Transport::builder(provider)
            .base_url(self.required_base_url(provider)?.as_str())
            .settings(&self.settings)
            .journal(self.journal.clone()))
    }

    /// The base URL, required ([`Error::Config`] naming the provider, as
    /// [`transport`](Self::transport) says) and parsed, for a provider that
    /// builds several transports under it.
    pub fn parsed_base_url(&self, provider: &'static str) -> Result<Url, Error> {
        parse_base_url(self.required_base_url(provider)?.as_str())
    }

    /// The base URL as given, or the configuration error every builder
    /// gives without one.
    fn required_base_url(&self, provider: &'static str) -> Result<&RedactedUrl, Error> {
        self.base_url
            .as_ref()
            .ok_or_else(|| Error::config(format!("{provider}: base_url is required")))
    }

    /// A URL the credentials are sent to (an OAuth2 token endpoint) as
    /// given to the builder's setter `field`: required, parsed as a base URL
    /// is, and refused in clear text to a host that is not loopback (see
    /// [`HttpSettings::check_credentials_url`]).
    pub fn credentials_url(
        &self,
        provider: &'static str,
        field: &'static str,
        url: Option<&RedactedUrl>,
    ) -> Result<Url, Error> {
        let url = url.ok_or_else(|| Error::config(format!("{provider}: {field} is required")))?;
        let url = parse_base_url(url.as_str())?;
        self.settings.check_credentials_url(provider, field, &url)?;
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_user_info_and_no_secret() {
        let parts = BuilderParts {
            base_url: Some("https://user:pw-7@api.example/v1".into()),
            credentials: Credentials::new("id-7", "secret-9"),
            ..BuilderParts::default()
        };
        let shown = format!("{parts:?}");
        for secret in ["pw-7", "id-7", "secret-9"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("api.example/v1"), "{shown}");
    }

    #[test]
    fn a_missing_url_is_the_same_configuration_error_everywhere() {
        let parts = BuilderParts::default();
        let err = parts.transport("demo").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("configuration error: demo: base_url is required")
        );
        let err = parts.credentials_url("demo", "token_url", None).err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("configuration error: demo: token_url is required")
        );
    }
}
