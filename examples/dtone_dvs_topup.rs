//! DT One DVS: a top-up end to end. Discover a product, look the number up,
//! create the transaction asynchronously (confirmed on creation), receive
//! DT One's callback through the SDK's receiver (which fetches the
//! transaction rather than believe the posted body), and see the balance
//! move.
//!
//! With no environment this runs against the in-process DVS sandbox (no
//! network, no credentials; its simulated delays scaled down):
//!
//! ```text
//! cargo run --example dtone_dvs_topup
//! ```
//!
//! To run against DT One's pre-production, set:
//!
//! - `DVS_API_KEY`, `DVS_API_SECRET`: your pre-production DVS keys;
//! - `DVS_BASE_URL` (optional): default `https://preprod-dvs-api.dtone.com/v1`;
//! - `DVS_MOBILE_NUMBER` (optional): the number to top up, default
//!   `+6595123100` (pre-production completes a number ending in `100`);
//! - `DVS_CALLBACK_URL` (optional): a public URL that reaches this
//!   program's receiver (e.g. through a tunnel to the port it prints);
//!   without it the program polls (`wait_for_final`) instead.

// `examples/tour.rs` includes this file and calls `run`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use partner_sdk::dtone::dvs::{
    self, BalanceQuery, CallbackHandler, MobileNumberLookup, PartyIdentifier, ProductQuery,
    ProductType, TransactionRequest, WaitOptions,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await
}

/// Runs the flow: against the sandbox, or DT One's pre-production when the
/// variables above are set.
pub(crate) async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut _sandbox = None;
    let (client, public_callback) = match (env("DVS_API_KEY"), env("DVS_API_SECRET")) {
        (Some(key), Some(secret)) => {
            let base = env("DVS_BASE_URL").unwrap_or_else(|| dvs::PREPRODUCTION_URL.into());
            println!("DT One DVS at {base}");
            let client = dvs::Client::builder()
                .base_url(base)
                .credentials(key, secret)
                .build()?;
            (client, env("DVS_CALLBACK_URL"))
        }
        _ => {
            let sb = sandbox::dtone_dvs::DtoneDvsSandbox::start().await;
            println!("DT One DVS sandbox at {}", sb.base_url());
            let client = sb.client();
            _sandbox = Some(sb);
            (client, None)
        }
    };
    let number = env("DVS_MOBILE_NUMBER").unwrap_or_else(|| "+6595123100".into());

    // 1. Discover: which operator is the number with, and its top-ups.
    let operators = client
        .lookup_mobile_number(&MobileNumberLookup::new(number.as_str()))
        .await?;
    let Some(found) = operators.items.first() else {
        println!("no operator found for the number; done");
        return Ok(());
    };
    println!(
        "number: operator {} {} (identified: {})",
        found.operator.id, found.operator.name, found.identified
    );
    let products = client
        .list_products(
            &ProductQuery::new()
                .operator_id(found.operator.id)
                .kind(ProductType::FixedValueRecharge),
        )
        .await?;
    let Some(product) = products.items.first() else {
        println!("no fixed value top-up for this operator; done");
        return Ok(());
    };
    println!(
        "product: #{} {} ({:?})",
        product.id,
        product.name,
        product.destination_amount()
    );
    let usd = |balances: &[dvs::Balance]| {
        balances
            .iter()
            .find(|b| b.unit == "USD")
            .map(|b| (b.available, b.holding))
    };
    let before = usd(&client.list_balances(&BalanceQuery::new()).await?.items);
    println!("balance before (available, holding): {before:?}");

    // 2. The callback receiver: the closure gets the transaction as DT One
    //    holds it (fetched by id), once per status.
    let (statuses, mut received) = tokio::sync::mpsc::unbounded_channel();
    let receiver = CallbackHandler::new(client.clone(), move |tx: dvs::Transaction| {
        let statuses = statuses.clone();
        async move {
            let _ = statuses.send(tx);
            Ok::<_, std::convert::Infallible>(())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let local = format!("http://{}/dvs/callback", listener.local_addr()?);
    println!("callback receiver at {local}");
    let app = receiver.router("/dvs/callback");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let callback_url = match (&_sandbox, public_callback) {
        (Some(_), _) => Some(local),
        (None, public) => public,
    };

    // 3. The top-up: asynchronous, confirmed on creation, never sent twice.
    let millis = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let mut order = TransactionRequest::new(format!("dvs-example-{millis}"), product.id)
        .auto_confirm(true)
        .credit_party(PartyIdentifier::mobile_number(number.as_str()));
    if let Some(url) = &callback_url {
        order = order.callback_url(url.as_str());
    }
    let created = client.create_or_resolve(&order).await?;
    println!(
        "created: transaction {} under {} ({:?})",
        created.id,
        created.external_id,
        created.status_class()
    );

    // 4. The final status: by callback (fetched, never the posted body),
    //    or by polling when no callback URL reaches this program.
    let done = if callback_url.is_some() {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(60), received.recv()).await;
            match next {
                Ok(Some(tx)) if tx.id == created.id => {
                    println!("callback: {:?} (fetched from DT One)", tx.status_class());
                    if tx.is_final() {
                        break tx;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => {
                    println!("no final callback in time: polling");
                    break client
                        .wait_for_final(created.id, &WaitOptions::new())
                        .await?;
                }
            }
        }
    } else {
        client
            .wait_for_final(created.id, &WaitOptions::new())
            .await?
    };
    println!(
        "final: {} delivered: {}",
        done.status
            .as_ref()
            .map(|s| s.message.as_str())
            .unwrap_or("(none)"),
        done.is_success()
    );
    let after = usd(&client.list_balances(&BalanceQuery::new()).await?.items);
    println!("balance after (available, holding): {after:?}");
    Ok(())
}
