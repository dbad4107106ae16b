//! The wiremock server under each fake, shut down off the async context.

use wiremock::MockServer;

/// A fake's wiremock server: kept alive for the fake's life, and dropped on
/// a thread of its own when the fake is.
///
/// wiremock's `MockServer` verifies its mocks on drop by blocking on an
/// async lock with `futures`' executor. Dropped inside a tokio task whose
/// cooperative budget is spent (a test that has just awaited a few hundred
/// calls), that lock answers "not yet" forever and the drop spins. A thread
/// of its own has no budget to spend.
pub(crate) struct Server {
    uri: String,
    server: Option<MockServer>,
}

impl Server {
    /// Keeps `server`.
    pub(crate) fn new(server: MockServer) -> Self {
        Server {
            uri: server.uri(),
            server: Some(server),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn uri(&self) -> String {
        self.uri.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            // The fake is gone once its drop returns: wait for the shutdown.
            let _ = std::thread::spawn(move || drop(server)).join();
        }
    }
}

/// The HTTP client of the sandbox's own requests (admin calls, notices,
/// checkout submissions): the SDK's
/// ([`partner_sdk_core::exchange::http_client_builder`]: its TLS, no
/// redirects) with an optional overall timeout. `reqwest::Client::new()`
/// would panic in a build whose only TLS feature is `rustls`, where reqwest
/// has no crypto provider of its own. The error says why it cannot be
/// built (the TLS backend or the system's resolver cannot start).
pub(crate) fn http_client(
    timeout: Option<std::time::Duration>,
) -> Result<partner_sdk_core::reqwest::Client, String> {
    let builder = partner_sdk_core::exchange::http_client_builder().map_err(|e| e.to_string())?;
    let builder = match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    };
    builder
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}
