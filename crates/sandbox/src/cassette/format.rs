//! The cassette file: pretty JSON, one interaction after another.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CassetteError, SDK_VERSION};

/// The version of the file format this SDK reads and writes.
pub const FORMAT: u32 = 1;

/// The provider whose answers a cassette holds; it picks the redaction
/// rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// Belong BBTI.
    Bbti,
    /// Brighte.
    Brighte,
    /// The carrier trade-in promotion API.
    TradeinPromo,
    /// DT One's Goods & Services API.
    Dtone,
    /// DT One's DVS API.
    DtoneDvs,
}

impl Provider {
    /// Its name in cassettes and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Bbti => "bbti",
            Provider::Brighte => "brighte",
            Provider::TradeinPromo => "tradein-promo",
            Provider::Dtone => "dtone",
            Provider::DtoneDvs => "dtone-dvs",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Provider {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [
            Provider::Bbti,
            Provider::Brighte,
            Provider::TradeinPromo,
            Provider::Dtone,
            Provider::DtoneDvs,
        ]
        .into_iter()
        .find(|p| p.name() == text)
        .ok_or_else(|| {
            format!("unknown provider {text:?} (bbti, brighte, tradein-promo, dtone or dtone-dvs)")
        })
    }
}

/// A recorded body, after redaction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A JSON document.
    Json(Value),
    /// UTF-8 text that is not JSON (a form, HTML).
    Text(String),
    /// Bytes that are not UTF-8, in standard base64.
    Base64(String),
}

impl Body {
    /// True for [`Body::Empty`].
    pub fn is_empty(&self) -> bool {
        matches!(self, Body::Empty)
    }

    /// The body's bytes as they are served.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Body::Empty => Vec::new(),
            Body::Json(value) => serde_json::to_vec(value).unwrap_or_default(),
            Body::Text(text) => text.clone().into_bytes(),
            Body::Base64(data) => base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap_or_default(),
        }
    }
}

/// A request as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, with personal values replaced by their placeholders.
    pub path: String,
    /// The query string, redacted, if the request had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Headers by lower-case name (credentials shown as [`super::REDACTED`]).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body, redacted.
    #[serde(default, skip_serializing_if = "Body::is_empty")]
    pub body: Body,
}

impl std::fmt::Display for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(query) = &self.query {
            write!(f, "?{query}")?;
        }
        Ok(())
    }
}

/// An answer as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResponse {
    /// The HTTP status.
    pub status: u16,
    /// Headers by lower-case name, redacted.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body, redacted.
    #[serde(default, skip_serializing_if = "Body::is_empty")]
    pub body: Body,
}

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// The request.
    pub request: RecordedRequest,
    /// The answer.
    pub response: RecordedResponse,
}

/// A cassette: its header and its interactions in recorded order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cassette {
    /// The file format ([`FORMAT`]).
    pub format: u32,
    /// The SDK version that recorded it.
    pub sdk_version: String,
    /// The provider whose answers it holds.
    pub provider: Provider,
    /// The path of the upstream URL it was recorded from (`/v1.1` for DT
    /// One), which a replay's base URL carries too.
    #[serde(default)]
    pub base_path: String,
    /// Field names redacted as personal data beyond the provider's rules;
    /// a replay applies them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact_fields: Vec<String>,
    /// The interactions, in the order they happened.
    pub interactions: Vec<Interaction>,
}

impl Cassette {
    /// An empty cassette of this SDK version for `provider`.
    pub fn new(provider: Provider) -> Self {
        Cassette {
            format: FORMAT,
            sdk_version: SDK_VERSION.to_owned(),
            provider,
            base_path: String::new(),
            redact_fields: Vec::new(),
            interactions: Vec::new(),
        }
    }

    /// Reads the cassette at `path`, refusing another format or another
    /// SDK version.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CassetteError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CassetteError::Io {
            path: shown.clone(),
            source,
        })?;
        let header: Value = serde_json::from_str(&text).map_err(|e| CassetteError::Format {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        if header.get("format").and_then(Value::as_u64) != Some(u64::from(FORMAT)) {
            return Err(CassetteError::Format {
                path: shown,
                message: format!("format {:?}, expected {FORMAT}", header.get("format")),
            });
        }
        let recorded = header
            .get("sdk_version")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if recorded != SDK_VERSION {
            return Err(CassetteError::Stale {
                path: shown,
                recorded: recorded.to_owned(),
                current: SDK_VERSION.to_owned(),
            });
        }
        serde_json::from_value(header).map_err(|e| CassetteError::Format {
            path: shown,
            message: e.to_string(),
        })
    }

    /// Reads the cassette at `path` and checks that it is `provider`'s.
    pub fn load_for(provider: Provider, path: impl AsRef<Path>) -> Result<Self, CassetteError> {
        let path = path.as_ref();
        let cassette = Cassette::load(path)?;
        if cassette.provider != provider {
            return Err(CassetteError::OtherProvider {
                path: path.display().to_string(),
                recorded: cassette.provider,
                expected: provider,
            });
        }
        Ok(cassette)
    }

    /// Writes the cassette to `path` as pretty JSON ending with a newline.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CassetteError> {
        let path = path.as_ref();
        let mut text = serde_json::to_string_pretty(self).map_err(|e| CassetteError::Format {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        text.push('\n');
        std::fs::write(path, text).map_err(|source| CassetteError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}
