//! The tour: every provider's main flow, end to end, in one run.
//!
//! ```text
//! cargo run --example tour
//! ```
//!
//! With no environment each section starts its provider's fake server from
//! the `sandbox` crate on loopback: no credentials, no network. Each section
//! switches to the provider's real sandbox when its variables are set (the
//! focused example named in the section documents them):
//!
//! | section | variables | focused example |
//! |---|---|---|
//! | BBTI | `BBTI_API_URL`, `BBTI_TOKEN_URL`, `BBTI_CLIENT_ID`, `BBTI_CLIENT_SECRET`, `BBTI_PROGRAM_ID` | `bbti_trade_in` |
//! | Brighte | `BRIGHTE_BASE_URL`, `BRIGHTE_PUBLIC_KEY`, optional `BRIGHTE_PRIVATE_KEY`, `BRIGHTE_REDIRECT_URL`, `BRIGHTE_API_ID`, `BRIGHTE_API_SECRET` | `brighte_checkout` |
//! | trade-in promotion | `PROMO_BASE_URL`, `PROMO_TOKEN_URL`, `PROMO_CLIENT_ID`, `PROMO_CLIENT_SECRET`, `PROMO_SCOPE` | `tradein_promo` |
//! | DT One | `DTONE_API_KEY`, `DTONE_API_SECRET`, optional `DTONE_BASE_URL`, `DTONE_BILL_PRODUCT_ID` | `dtone_topup` |
//! | DT One DVS | `DVS_API_KEY`, `DVS_API_SECRET`, optional `DVS_BASE_URL`, `DVS_MOBILE_NUMBER`, `DVS_CALLBACK_URL` | `dtone_dvs_topup` |

use std::error::Error;

// Each section is the `run` of its focused example, included whole; the
// examples' own `main`s are not called here.
#[allow(dead_code)]
#[path = "bbti_trade_in.rs"]
mod bbti_flow;
#[allow(dead_code)]
#[path = "brighte_checkout.rs"]
mod brighte_flow;
#[allow(dead_code)]
#[path = "dtone_dvs_topup.rs"]
mod dtone_dvs_flow;
#[allow(dead_code)]
#[path = "dtone_topup.rs"]
mod dtone_flow;
#[allow(dead_code)]
#[path = "tradein_promo.rs"]
mod promo_flow;

fn section(title: &str) {
    println!("\n=== {title} ===");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    section("BBTI trade-in: catalogue → device priced → eKYC → delivery → status");
    bbti_flow::run().await.map_err(|e| e as Box<dyn Error>)?;

    section(
        "Brighte finance: checkout form → redirect confirmed → status changes → webhook confirmed",
    );
    brighte_flow::run().await?;

    section("Trade-in promotion: by IMEI and by make/model");
    promo_flow::run().await?;

    section("DT One: products listed → account verified → simulated recharge → bill paid in full");
    dtone_flow::run().await?;

    section(
        "DT One DVS: discover → number looked up → async top-up → callback → confirmed by fetch → balance moved",
    );
    dtone_dvs_flow::run().await?;

    println!("\ntour complete: 4 providers, DT One's two APIs");
    Ok(())
}
