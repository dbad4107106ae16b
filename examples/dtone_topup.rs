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

#[path = "flows/dtone.rs"]
mod flow;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    flow::run().await
}
