//! BBTI trade-in, end to end: catalogue → price → eKYC → delivery → status.
//!
//! By default it runs against the embedded BBTI sandbox (no network, no
//! credentials): `cargo run --example bbti_trade_in`.
//!
//! To run against a real BBTI environment, set all of:
//! - `BBTI_API_URL`       API server base URL (`${API_SERVER}`)
//! - `BBTI_TOKEN_URL`     OAuth2 token endpoint (`${AUTH_SERVER}/auth/v1/token`)
//! - `BBTI_CLIENT_ID`     OAuth2 client id
//! - `BBTI_CLIENT_SECRET` OAuth2 client secret
//! - `BBTI_PROGRAM_ID`    your program id
//!
//! Against a real environment this registers a transaction and an eKYC
//! application with the sample person below: use a test program.

#[path = "flows/bbti.rs"]
mod flow;

#[tokio::main]
async fn main() -> Result<(), flow::BoxError> {
    flow::run().await
}
