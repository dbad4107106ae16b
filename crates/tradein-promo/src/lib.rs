//! The tradein-promo crate of partner-sdk.
