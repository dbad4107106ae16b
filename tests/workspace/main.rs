//! The workspace-level tests that span the four providers, in one binary:
//! the core through the facade, the vocabulary every client shares, and the
//! sandbox's copies of the samples.

mod clear_text;
mod core_api;
mod sandbox_data;
mod vocabulary;
