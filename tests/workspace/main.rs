//! The workspace-level tests that span the four providers, in one binary:
//! the core through the facade, the vocabulary every client shares, the size
//! of every error, and the sandbox's copies of the samples.

mod clear_text;
mod core_api;
mod error_size;
mod sandbox_data;
mod vocabulary;
