//! Cassettes: record a provider's real answers once through a loopback
//! proxy, replay them offline.
//!
//! A cassette is one pretty-printed JSON file: a header (the format, the
//! SDK version that recorded it and the provider) and the interactions in
//! the order they happened, each a request (method, path, query, headers,
//! body) and its answer (status, headers, body). Every request and answer
//! goes through the provider's [`Redactor`] before it is written, always:
//! credentials, signatures, nonces, session keys and tokens never reach the
//! file, and personal data is replaced by stable placeholders
//! (`<email-1>`, `<phone-2>`), the same value by the same placeholder.
//!
//! - [`Recorder`] is a loopback proxy to an upstream: point a client's
//!   `base_url` at [`Recorder::base_url`], run the flow, then
//!   [`Recorder::finish`] writes the cassette.
//!   [`Recorder::record_missing`] answers the requests an existing
//!   cassette holds and records only the others.
//! - [`Replayer`] answers from a cassette with no upstream: requests are
//!   matched on method, path, query and body after redaction, in order
//!   where the same request repeats; a request that matches nothing is
//!   answered with status 599 and a JSON body naming the closest recorded
//!   request and how it differs, and is kept for [`Replayer::finish`].
//! - [`Mode`] and [`start`] pick one of the three from a test's settings.
//!
//! A cassette recorded by another SDK version or for another provider is
//! refused when loaded ([`CassetteError::Stale`],
//! [`CassetteError::OtherProvider`]).

mod format;
mod proxy;
mod redact;

use std::path::Path;

pub use self::format::{
    Body, Cassette, FORMAT, Interaction, Provider, RecordedRequest, RecordedResponse,
};
pub use self::proxy::{MISMATCH_STATUS, Mismatch, Recorder, RecorderBuilder, Replayer};
pub use self::redact::{REDACTED, Redactor};

/// The version of this SDK, written in each cassette's header.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a cassette cannot be read, written or served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteError {
    /// The file cannot be read or written.
    #[error("cassette {path}: {source}")]
    Io {
        /// The cassette's path.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The file is not a cassette of a known format.
    #[error("cassette {path} is not a cassette: {message}")]
    Format {
        /// The cassette's path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The cassette was recorded by another SDK version: record it again.
    #[error("cassette {path} was recorded by SDK {recorded}, this is {current}: record it again")]
    Stale {
        /// The cassette's path.
        path: String,
        /// The version in the cassette.
        recorded: String,
        /// This SDK's version.
        current: String,
    },
    /// The cassette holds another provider's answers.
    #[error("cassette {path} holds {recorded} answers, not {expected}")]
    OtherProvider {
        /// The cassette's path.
        path: String,
        /// The provider in the cassette.
        recorded: Provider,
        /// The provider asked for.
        expected: Provider,
    },
    /// The upstream URL is not an http(s) URL with a host.
    #[error("upstream {0:?} is not an http:// or https:// URL with a host")]
    Upstream(String),
    /// A recording mode was asked for without an upstream URL.
    #[error("mode {0:?} forwards to an upstream, and none was given")]
    NoUpstream(Mode),
    /// The loopback server cannot start.
    #[error("cannot serve on loopback: {0}")]
    Serve(String),
    /// Requests were answered with a mismatch during a replay.
    #[error("{} request(s) matched no recorded request; the first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Mismatches(Vec<Mismatch>),
}

/// How a test uses its cassette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forward every request to the upstream and write a new cassette.
    Record,
    /// Answer from the cassette only; no upstream is contacted.
    Replay,
    /// Answer from the cassette what it holds, forward and record the rest.
    RecordMissing,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "record" => Ok(Mode::Record),
            "replay" => Ok(Mode::Replay),
            "record-missing" => Ok(Mode::RecordMissing),
            other => Err(format!(
                "unknown cassette mode {other:?} (record, replay or record-missing)"
            )),
        }
    }
}

/// A cassette in use: a [`Recorder`] (modes record and record-missing) or
/// a [`Replayer`].
#[derive(Debug)]
pub enum Session {
    /// Recording (all requests or the missing ones).
    Recording(Recorder),
    /// Replaying.
    Replaying(Replayer),
}

impl Session {
    /// The loopback URL to give the client as its base URL.
    pub fn base_url(&self) -> String {
        match self {
            Session::Recording(r) => r.base_url(),
            Session::Replaying(r) => r.base_url(),
        }
    }

    /// Ends the session: a recording writes the cassette to `path`; a
    /// replay reports the requests that matched nothing.
    pub async fn finish(self, path: impl AsRef<Path>) -> Result<Cassette, CassetteError> {
        match self {
            Session::Recording(r) => r.finish(path).await,
            Session::Replaying(r) => r.finish().await,
        }
    }
}

/// Starts a cassette session for `provider` on the file at `path`: in
/// [`Mode::Record`] and [`Mode::RecordMissing`] requests go to `upstream`
/// (required there, [`CassetteError::NoUpstream`] without it); in
/// [`Mode::Replay`] the upstream is not used.
pub async fn start(
    mode: Mode,
    provider: Provider,
    path: impl AsRef<Path>,
    upstream: Option<&str>,
) -> Result<Session, CassetteError> {
    let path = path.as_ref();
    match mode {
        Mode::Replay => Ok(Session::Replaying(
            Replayer::start_for(provider, path).await?,
        )),
        Mode::Record => {
            let upstream = upstream.ok_or(CassetteError::NoUpstream(mode))?;
            Ok(Session::Recording(
                Recorder::start(provider, upstream).await?,
            ))
        }
        Mode::RecordMissing => {
            let upstream = upstream.ok_or(CassetteError::NoUpstream(mode))?;
            Ok(Session::Recording(
                Recorder::record_missing(provider, path, upstream).await?,
            ))
        }
    }
}
