//! The dtone crate of partner-sdk.
