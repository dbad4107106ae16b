//! `partner-sandbox serve --replay FILE`: a cassette answered on the port
//! of its provider's fake.

use std::path::Path;

use partner_sdk_sandbox::cassette::{Cassette, Provider as CassetteProvider, Replayer};

use super::Provider;

pub(super) async fn run(path: &Path, base: u16) -> Result<(), String> {
    let cassette = Cassette::load(path).map_err(|e| e.to_string())?;
    let provider = match cassette.provider {
        CassetteProvider::Bbti => Provider::Bbti,
        CassetteProvider::Brighte => Provider::Brighte,
        CassetteProvider::TradeinPromo => Provider::TradeinPromo,
        CassetteProvider::Dtone => Provider::Dtone,
        CassetteProvider::DtoneDvs => Provider::DtoneDvs,
    };
    let port = provider.port(base);
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let interactions = cassette.interactions.len();
    let replayer = Replayer::serve(cassette, Some(listener))
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "replaying {} ({interactions} interaction(s) of {}) (Ctrl-C to stop)",
        provider.name(),
        path.display()
    );
    println!("base URL       {}", replayer.base_url());
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    let mismatches = replayer.mismatches().await;
    for mismatch in &mismatches {
        eprintln!("mismatch: {mismatch}");
    }
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} request(s) matched no recorded request",
            mismatches.len()
        ))
    }
}
