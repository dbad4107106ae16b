//! `partner-sandbox serve`: the five fakes on fixed loopback ports, and
//! the dashboard on the base port.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use partner_sdk_sandbox::admin::ADMIN_PREFIX;
use partner_sdk_sandbox::brighte::DEFAULT_WEBHOOK_TIMEOUT;
use partner_sdk_sandbox::dashboard::Dashboard;
use partner_sdk_sandbox::{
    BbtiSandbox, BrighteSandbox, DtoneDvsSandbox, DtoneSandbox, Sandbox, TradeinPromoSandbox,
};

use super::{Base, Provider};

#[derive(Debug, Args)]
pub(crate) struct Serve {
    #[command(flatten)]
    base: Base,
    /// Lets the Brighte fake deliver webhooks, and the DT One DVS fake
    /// callbacks, to URLs off the loopback interface (by default only
    /// localhost, 127.0.0.0/8 and ::1 are accepted).
    #[arg(long)]
    allow_remote_webhooks: bool,
    /// How long one webhook or callback delivery waits for the receiver's
    /// answer before counting as no answer (and being resent).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_WEBHOOK_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    webhook_timeout: u64,
    /// Answers from this cassette (written by `record`) instead of running
    /// the fakes, on its provider's port.
    #[arg(long, value_name = "FILE")]
    replay: Option<std::path::PathBuf>,
}

fn bind(port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))
}

pub(super) async fn run(args: Serve) -> Result<(), String> {
    let base = args.base.base;
    if let Some(path) = &args.replay {
        return super::replay::run(path, base).await;
    }
    let [l0, l1, l2, l3, l4, l5] = [
        bind(base)?,
        bind(Provider::Bbti.port(base))?,
        bind(Provider::Brighte.port(base))?,
        bind(Provider::TradeinPromo.port(base))?,
        bind(Provider::Dtone.port(base))?,
        bind(Provider::DtoneDvs.port(base))?,
    ];
    let bbti = BbtiSandbox::start_on(l1).await;
    let brighte = BrighteSandbox::builder()
        .allow_remote_webhooks(args.allow_remote_webhooks)
        .webhook_timeout(Duration::from_secs(args.webhook_timeout))
        .start_on(l2)
        .await;
    let promo = TradeinPromoSandbox::start_on(l3).await;
    let dtone = DtoneSandbox::start_on(l4).await;
    let dvs = DtoneDvsSandbox::builder()
        .allow_remote_callbacks(args.allow_remote_webhooks)
        .callback_timeout(Duration::from_secs(args.webhook_timeout))
        .start_on(l5)
        .await;

    let sandbox = Arc::new(Sandbox {
        bbti,
        brighte,
        tradein_promo: promo,
        dtone,
        dtone_dvs: dvs,
    });
    let dashboard = Dashboard::start_on(Arc::clone(&sandbox), l0)
        .map_err(|e| format!("cannot serve the dashboard on 127.0.0.1:{base}: {e}"))?;
    let Sandbox {
        bbti,
        brighte,
        tradein_promo: promo,
        dtone,
        dtone_dvs: dvs,
    } = &*sandbox;

    println!("partner-sdk sandbox (Ctrl-C to stop)");
    println!("dashboard      {}  (open it in a browser)", dashboard.url());
    println!("BBTI           api  {}", bbti.base_url());
    println!("               token {}", bbti.token_url());
    println!(
        "               client_id {}  client_secret {}",
        bbti.client_id(),
        bbti.client_secret()
    );
    println!("Brighte        api  {}", brighte.base_url());
    println!("               checkout {}", brighte.checkout_url());
    println!(
        "               apiId {}  apiSecret {}  public key {}  private key {}",
        partner_sdk_sandbox::brighte::API_ID,
        partner_sdk_sandbox::brighte::API_SECRET,
        partner_sdk_sandbox::brighte::PUBLIC_KEY,
        partner_sdk_sandbox::brighte::PRIVATE_KEY
    );
    println!("Trade-in promo api  {}", promo.base_url());
    println!("               token {}", promo.token_url());
    println!(
        "               client_id {}  client_secret {}  scope {}",
        promo.client_id(),
        promo.client_secret(),
        promo.scope()
    );
    println!("DT One GS      api  {}", dtone.base_url());
    println!(
        "               api key {}  api secret {}",
        dtone.api_key(),
        dtone.api_secret()
    );
    println!("DT One DVS     api  {}", dvs.base_url());
    println!(
        "               Basic user {}  password {}",
        dvs.api_key(),
        dvs.api_secret()
    );
    println!(
        "               webhooks: {} URLs, {} s per delivery",
        if args.allow_remote_webhooks {
            "any"
        } else {
            "loopback"
        },
        args.webhook_timeout
    );
    println!(
        "admin API      {ADMIN_PREFIX}/state, {ADMIN_PREFIX}/faults on each port (loopback Host only); `partner-sandbox inspect --port {base}`"
    );

    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))
}
