//! The command line: arguments (clap derive) and one module per command.

mod fault;
mod inspect;
mod listen;
mod record;
mod replay;
mod serve;
mod trigger;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The default base port: the dashboard listens on BASE, the fakes on
/// BASE+1 … BASE+5.
pub(crate) const DEFAULT_BASE: u16 = 18080;

/// The four partner APIs, faked offline on loopback.
#[derive(Debug, Parser)]
#[command(name = "partner-sandbox", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the five fakes on 127.0.0.1:BASE+1 (BBTI), +2 (Brighte), +3
    /// (trade-in promotion), +4 (DT One Goods & Services), +5 (DT One DVS),
    /// each with its admin API under /__sandbox, and the dashboard (a web
    /// page of what they hold) on BASE, until Ctrl-C. The admin
    /// API answers loopback Host names only; webhooks and callbacks go to
    /// loopback URLs only unless --allow-remote-webhooks.
    Serve(serve::Serve),
    /// Sends a signed notification to a receiver, as the provider would.
    #[command(subcommand)]
    Trigger(trigger::Trigger),
    /// Forwards every webhook delivery of a running `serve` to a local app,
    /// printing each attempt and the app's answer, until Ctrl-C.
    Listen(listen::Listen),
    /// Prints the state of a running `serve`'s fakes: transactions,
    /// applications, webhook deliveries, queued faults.
    Inspect(inspect::Inspect),
    /// Queues a fault for the next matching request to a running `serve`'s
    /// fake, or clears the queue.
    Fault(fault::FaultArgs),
    /// Runs a loopback proxy to a provider's URL that writes every exchange
    /// to a cassette, credentials and personal data redacted, until
    /// Ctrl-C; `serve --replay` answers from it offline.
    Record(record::Record),
}

/// The base port of a `serve`.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct Base {
    /// Base port: the dashboard is on BASE, the fakes on BASE+1 … BASE+5.
    #[arg(long = "port", value_name = "BASE", default_value_t = DEFAULT_BASE,
          value_parser = clap::value_parser!(u16).range(0..=i64::from(u16::MAX - 5)))]
    pub(crate) base: u16,
}

/// One of the five fakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Provider {
    /// Belong BBTI, on BASE+1.
    Bbti,
    /// Brighte, on BASE+2.
    Brighte,
    /// The carrier trade-in promotion, on BASE+3.
    TradeinPromo,
    /// DT One Goods & Services, on BASE+4.
    Dtone,
    /// DT One DVS, on BASE+5.
    DtoneDvs,
}

impl Provider {
    pub(crate) const ALL: [Provider; 5] = [
        Provider::Bbti,
        Provider::Brighte,
        Provider::TradeinPromo,
        Provider::Dtone,
        Provider::DtoneDvs,
    ];

    /// Its port for a `serve` on `base`.
    pub(crate) fn port(self, base: u16) -> u16 {
        let offset = match self {
            Provider::Bbti => 1,
            Provider::Brighte => 2,
            Provider::TradeinPromo => 3,
            Provider::Dtone => 4,
            Provider::DtoneDvs => 5,
        };
        base.saturating_add(offset)
    }

    /// Its name in the admin API.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Provider::Bbti => "bbti",
            Provider::Brighte => "brighte",
            Provider::TradeinPromo => "tradein-promo",
            Provider::Dtone => "dtone",
            Provider::DtoneDvs => "dtone-dvs",
        }
    }
}

/// An http(s) URL, checked while parsing the arguments.
pub(crate) fn http_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("expected an http:// or https:// URL with a host".into());
    }
    Ok(url)
}

/// Runs a command; `Err` is the message of a failure at run time.
pub(crate) async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(serve) => serve::run(serve).await,
        Command::Trigger(trigger) => trigger::run(trigger).await,
        Command::Listen(listen) => listen::run(listen).await,
        Command::Inspect(inspect) => inspect::run(inspect).await,
        Command::Fault(fault) => fault::run(fault).await,
        Command::Record(record) => record::run(record).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_key_given_on_the_command_line_stays_out_of_debug() {
        let cli = Cli::try_parse_from([
            "partner-sandbox",
            "trigger",
            "brighte-webhook",
            "--to",
            "http://127.0.0.1:3000/",
            "--application",
            "1",
            "--status",
            "PAID",
            "--key",
            "very-secret-key",
        ])
        .unwrap();
        assert!(!format!("{cli:?}").contains("very-secret-key"));
    }

    #[test]
    fn a_base_port_leaves_room_for_four_fakes() {
        assert!(Cli::try_parse_from(["partner-sandbox", "serve", "--port", "20000"]).is_ok());
        assert!(Cli::try_parse_from(["partner-sandbox", "serve"]).is_ok());
        for bad in ["65535", "x", "-1"] {
            let err = Cli::try_parse_from(["partner-sandbox", "serve", "--port", bad]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
        }
    }
}
