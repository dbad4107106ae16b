//! `partner-sandbox record`: a loopback proxy to a provider that writes a
//! redacted cassette.

use std::path::PathBuf;

use clap::Args;
use partner_sdk_sandbox::cassette::{self, Recorder};

use super::Provider;

#[derive(Debug, Args)]
pub(crate) struct Record {
    /// The provider behind the upstream: picks the redaction rules.
    #[arg(long, value_enum)]
    provider: Provider,
    /// The provider's base URL (its path, such as /v1.1, is kept: the
    /// proxy's base URL carries it too).
    #[arg(long, value_name = "URL", value_parser = super::http_url)]
    upstream: url::Url,
    /// The cassette to write (rewritten after every exchange).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Keeps the requests the cassette already holds and records only the
    /// others (mode record-missing) instead of starting a new one.
    #[arg(long)]
    missing: bool,
    /// Loopback port of the proxy (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Also redacts fields of this name as personal data (repeatable).
    #[arg(long = "redact-field", value_name = "NAME")]
    redact_fields: Vec<String>,
}

/// The cassette's name of a provider.
pub(super) fn cassette_provider(provider: Provider) -> cassette::Provider {
    match provider {
        Provider::Bbti => cassette::Provider::Bbti,
        Provider::Brighte => cassette::Provider::Brighte,
        Provider::TradeinPromo => cassette::Provider::TradeinPromo,
        Provider::Dtone => cassette::Provider::Dtone,
        Provider::DtoneDvs => cassette::Provider::DtoneDvs,
    }
}

pub(super) async fn run(args: Record) -> Result<(), String> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let mut builder = Recorder::builder(cassette_provider(args.provider), args.upstream.as_str())
        .listener(listener)
        .save_each_to(&args.out);
    if args.missing {
        builder = builder.existing(&args.out);
    }
    for field in args.redact_fields {
        builder = builder.redact_field(field);
    }
    let recorder = builder.start().await.map_err(|e| e.to_string())?;
    println!(
        "recording {} to {} (Ctrl-C to stop)",
        args.provider.name(),
        args.out.display()
    );
    println!("base URL       {}", recorder.base_url());
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    let cassette = recorder
        .finish(&args.out)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "wrote {} interaction(s) to {}",
        cassette.interactions.len(),
        args.out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use crate::cli::Cli;

    #[test]
    fn record_needs_a_provider_an_upstream_and_a_file() {
        let ok = [
            "partner-sandbox",
            "record",
            "--provider",
            "tradein-promo",
            "--upstream",
            "https://example.test/v1",
            "--out",
            "promo.json",
            "--redact-field",
            "loyaltyNumber",
        ];
        assert!(Cli::try_parse_from(ok).is_ok());
        for bad in [
            vec![
                "partner-sandbox",
                "record",
                "--provider",
                "dtone",
                "--out",
                "x.json",
            ],
            vec![
                "partner-sandbox",
                "record",
                "--provider",
                "paypal",
                "--upstream",
                "https://example.test",
                "--out",
                "x.json",
            ],
            vec![
                "partner-sandbox",
                "record",
                "--provider",
                "dtone",
                "--upstream",
                "ftp://example.test",
                "--out",
                "x.json",
            ],
        ] {
            let err = Cli::try_parse_from(&bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
        assert!(
            Cli::try_parse_from(["partner-sandbox", "serve", "--replay", "dtone.json"]).is_ok()
        );
    }
}
