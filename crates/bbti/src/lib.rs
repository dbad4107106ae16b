//! The bbti crate of partner-sdk.
