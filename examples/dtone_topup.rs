//! DT One: list an operator's products, check an account number and make a
//! simulated recharge, then look the transaction up by its external id;
//! then look a bill up and make a simulated payment of exactly its amount.
//!
//! With no environment this runs against the in-process DT One sandbox
//! (no network, no credentials):
//!
//! ```text
//! cargo run --example dtone_topup
//! ```
//!
//! To run against DT One itself, set:
//!
//! - `DTONE_API_KEY`, `DTONE_API_SECRET`: your Goods & Services credentials;
//! - `DTONE_BASE_URL` (optional): default `https://gs-api.dtone.com/v1.1`;
//! - `DTONE_OPERATOR_ID` (optional): operator to list, default 1959;
//! - `DTONE_ACCOUNT_NUMBER` (optional): beneficiary, default `+50212345678`;
//! - `DTONE_BILL_PRODUCT_ID` (optional): a variable value payment product
//!   whose bill to look up (the sandbox's is 410; without it, against
//!   DT One, the bill step is skipped);
//! - `DTONE_BILL_ACCOUNT_NUMBER` (optional): the billed account, default
//!   `5310012345`.
//!
//! The recharge and the bill payment are always sent with
//! `simulation: "1"`, so no money moves.

// `examples/tour.rs` includes this file and calls `run`.

use std::time::{SystemTime, UNIX_EPOCH};

use partner_sdk::dtone::{self, AccountVerification, TransactionRequest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await
}

/// Runs the flow: against the sandbox, or the real API when the variables above are set.
pub(crate) async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut _sandbox = None;
    let client = match (env("DTONE_API_KEY"), env("DTONE_API_SECRET")) {
        (Some(key), Some(secret)) => {
            let base = env("DTONE_BASE_URL").unwrap_or_else(|| dtone::PRODUCTION_URL.into());
            println!("DT One at {base}");
            dtone::Client::builder()
                .base_url(base)
                .credentials(key, secret)
                .build()?
        }
        _ => {
            let sb = sandbox::dtone::DtoneSandbox::start().await;
            println!("DT One sandbox at {}", sb.base_url());
            let client = sb.client();
            _sandbox = Some(sb);
            client
        }
    };
    let operator_id: i64 = env("DTONE_OPERATOR_ID")
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(1959);
    let account = env("DTONE_ACCOUNT_NUMBER").unwrap_or_else(|| "+50212345678".into());

    println!("ping: {}", client.ping().await?.status);

    let products = client.list_products_by_operator(operator_id).await?;
    println!("operator {operator_id}: {} products", products.len());
    for p in products.iter() {
        println!(
            "  [{}] #{} {}",
            p.category,
            p.product.product_id(),
            p.product.product_name()
        );
    }
    let Some(product) = products.fixed_value_recharges.first() else {
        println!("no fixed value recharge to try; done");
        return Ok(());
    };
    println!(
        "chosen: #{} {} — {} {} for {} {}",
        product.product_id,
        product.product_name,
        product.local_value,
        product.local_currency,
        product.retail_price,
        product.account_currency
    );

    match client
        .verify_account_number(product.product_id, &account)
        .await?
    {
        AccountVerification::Verified => println!("account {account}: verified"),
        AccountVerification::NotVerified => println!("account {account}: NOT valid"),
        AccountVerification::NotAvailable => {
            println!("account {account}: no check for this product")
        }
        other => println!("account {account}: {other:?}"),
    }

    let millis = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let external_id = format!("topup-example-{millis}");
    let request = TransactionRequest::new(account.clone(), product.product_id, external_id.clone())
        .simulation(true);
    let tx = client
        .create_or_resolve(dtone::Category::FixedValueRecharges, &request)
        .await?;
    println!(
        "simulated recharge: transaction {} status {} ({})",
        tx.transaction_id,
        tx.status,
        tx.status_message.as_deref().unwrap_or("")
    );

    let again = client
        .get_transaction_by_external_id(dtone::Category::FixedValueRecharges, &external_id)
        .await?;
    println!(
        "looked up by external id {external_id}: transaction {}, success = {}",
        again.transaction_id,
        again.is_success()
    );

    let sandbox_bill_product = _sandbox.as_ref().map(|_| 410);
    let bill_product: Option<i64> = env("DTONE_BILL_PRODUCT_ID")
        .map(|v| v.parse())
        .transpose()?
        .or(sandbox_bill_product);
    if let Some(bill_product) = bill_product {
        let bill_account = env("DTONE_BILL_ACCOUNT_NUMBER").unwrap_or_else(|| "5310012345".into());
        let bill = client.get_bill(bill_product, &bill_account).await?;
        println!(
            "bill of product #{bill_product}: {} {} to pay, for {} {}",
            bill.local_value,
            bill.local_currency,
            bill.retail_price.unwrap_or_default(),
            bill.account_currency
        );
        let payment = bill
            .payment(format!("bill-example-{millis}"))
            .simulation(true);
        let paid = client.pay_bill(&payment).await?;
        println!(
            "simulated bill payment: transaction {} status {} for {} {}",
            paid.transaction_id,
            paid.status,
            paid.local_value.unwrap_or_default(),
            paid.local_currency.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
