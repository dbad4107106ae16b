//! Every integration test of `partner-sdk-sandbox`, one module per provider,
//! in one binary (one link instead of four): `cargo test -p
//! partner-sdk-sandbox` runs them. Each drives its fake server only through
//! the provider crate's public client.

mod bbti;
mod brighte;
mod brighte_checkout_page;
mod brighte_prefixes;
mod cassette;
mod cassette_cli;
mod cli;
mod dashboard;
mod dtone;
mod dtone_bills;
mod dtone_dvs;
mod dtone_dvs_client;
mod faults;
mod guard;
mod tradein_promo;
