//! The brighte crate of partner-sdk.
