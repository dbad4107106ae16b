//! `partner-sandbox serve`: the four fakes on fixed loopback ports.

use std::net::TcpListener;

use partner_sdk_sandbox::admin::ADMIN_PREFIX;
use partner_sdk_sandbox::{BbtiSandbox, BrighteSandbox, DtoneSandbox, TradeinPromoSandbox};

use super::Provider;

fn bind(port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))
}

pub(super) async fn run(base: u16) -> Result<(), String> {
    let [l1, l2, l3, l4] = [
        bind(Provider::Bbti.port(base))?,
        bind(Provider::Brighte.port(base))?,
        bind(Provider::TradeinPromo.port(base))?,
        bind(Provider::Dtone.port(base))?,
    ];
    let bbti = BbtiSandbox::start_on(l1).await;
    let brighte = BrighteSandbox::start_on(l2).await;
    let promo = TradeinPromoSandbox::start_on(l3).await;
    let dtone = DtoneSandbox::start_on(l4).await;

    println!("partner-sdk sandbox (Ctrl-C to stop)");
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
    println!("DT One         api  {}", dtone.base_url());
    println!(
        "               api key {}  api secret {}",
        dtone.api_key(),
        dtone.api_secret()
    );
    println!(
        "admin API      {ADMIN_PREFIX}/state, {ADMIN_PREFIX}/faults on each port; `partner-sandbox inspect --port {base}`"
    );

    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))
}
