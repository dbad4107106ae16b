//! In-process fake servers of the four partner APIs (DT One's two: Goods
//! & Services and DVS).
//!
//! Each provider module starts a loopback HTTP server (a wiremock
//! `MockServer` with stateful responders) that behaves like the documented
//! provider: it checks credentials and signatures, validates input, keeps
//! state and answers with the provider's own error shapes. Examples and your
//! own integration tests then run with no credentials and no network.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = partner_sdk_sandbox::Sandbox::start().await;
//! let dtone = sandbox.dtone_client();
//! let products = dtone.list_products_by_operator(1959).await?;
//! # let _ = products; Ok(()) }
//! ```
//!
//! Use it from your own tests by enabling the facade's `sandbox` feature in
//! `[dev-dependencies]`; start one provider alone with its own type
//! ([`bbti::BbtiSandbox`], [`brighte::BrighteSandbox`],
//! [`tradein_promo::TradeinPromoSandbox`], [`dtone::DtoneSandbox`],
//! [`dtone_dvs::DtoneDvsSandbox`]), or all of them with [`Sandbox::start`]. `cargo run -p partner-sdk-sandbox --bin partner-sandbox -- serve` runs the same
//! servers on fixed loopback ports for curl or non-Rust callers.
//!
//! Beside the providers' APIs, every fake serves an admin API
//! ([`admin`]): its state (transactions, applications, webhook
//! deliveries) and a queue of faults for its next answers ([`faults`]:
//! a 5xx, a 429 with `Retry-After`, a slow answer, or an answer lost
//! after the request was processed). The same abilities are methods of
//! each sandbox (`state()`, `inject_fault`, `clear_faults`), and
//! [`trigger`] posts signed Brighte notices to any receiver.
//!
//! [`dashboard`] shows every fake's state in a browser, with forms that
//! act on it; a browser posting Brighte's checkout form gets Brighte's
//! hosted checkout page ([`brighte`]).
//!
//! [`cassette`] records a real provider's answers through a loopback proxy,
//! redacted, and replays them offline.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod admin;
pub mod bbti;
pub mod brighte;
pub mod cassette;
pub mod dashboard;
pub mod dtone;
pub mod dtone_dvs;
pub mod faults;
mod guard;
mod server;
pub mod tradein_promo;
pub mod trigger;

pub use self::bbti::BbtiSandbox;
pub use self::brighte::BrighteSandbox;
pub use self::dtone::DtoneSandbox;
pub use self::dtone_dvs::DtoneDvsSandbox;
pub use self::tradein_promo::TradeinPromoSandbox;

/// Every fake provider API, each on its own loopback port.
pub struct Sandbox {
    /// The BBTI fake (API and OAuth2 token server).
    pub bbti: BbtiSandbox,
    /// The Brighte fake (Checkout, vendor REST, public API, webhooks).
    pub brighte: BrighteSandbox,
    /// The trade-in promotion fake (API and token server).
    pub tradein_promo: TradeinPromoSandbox,
    /// The DT One Goods & Services fake.
    pub dtone: DtoneSandbox,
    /// The DT One DVS fake.
    pub dtone_dvs: DtoneDvsSandbox,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("bbti", &self.bbti.base_url())
            .field("brighte", &self.brighte.base_url())
            .field("tradein_promo", &self.tradein_promo.base_url())
            .field("dtone", &self.dtone.base_url())
            .field("dtone_dvs", &self.dtone_dvs.base_url())
            .finish()
    }
}

impl Sandbox {
    /// Starts the five fake servers on ephemeral loopback ports.
    pub async fn start() -> Sandbox {
        let (bbti, brighte, tradein_promo, dtone, dtone_dvs) = tokio::join!(
            BbtiSandbox::start(),
            BrighteSandbox::start(),
            TradeinPromoSandbox::start(),
            DtoneSandbox::start(),
            DtoneDvsSandbox::start(),
        );
        Sandbox {
            bbti,
            brighte,
            tradein_promo,
            dtone,
            dtone_dvs,
        }
    }

    /// A BBTI client pointed at the fake, with the credentials it accepts.
    pub fn bbti_client(&self) -> partner_sdk_bbti::Client {
        self.bbti.client()
    }

    /// A Brighte client pointed at the fake, with the credentials it accepts.
    pub fn brighte_client(&self) -> partner_sdk_brighte::Client {
        self.brighte.client()
    }

    /// A trade-in promotion client pointed at the fake.
    pub fn tradein_promo_client(&self) -> partner_sdk_tradein_promo::Client {
        self.tradein_promo.client()
    }

    /// A DT One client pointed at the fake.
    pub fn dtone_client(&self) -> partner_sdk_dtone::Client {
        self.dtone.client()
    }
}
