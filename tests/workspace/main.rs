//! The workspace-level tests that span the four providers, in one binary:
//! the core through the facade, the vocabulary every client shares, the size
//! of every error, the sandbox's copies of the samples, and the table of
//! every type that holds personal data.

mod clear_text;
mod core_api;
mod error_size;
mod privacy;
mod sandbox_data;
mod vocabulary;
