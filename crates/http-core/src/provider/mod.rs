//! What every provider crate has in common beyond the transport, written
//! once: what its builder holds ([`BuilderParts`], with the credential
//! pair [`Credentials`]), the accessors of its `Error`
//! ([`provider_error!`](crate::provider_error)), its typed error codes
//! ([`error_code!`](crate::error_code)), the per-call view and redacting
//! `Debug` of its client ([`provider_client!`](crate::provider_client)),
//! its recovery ([`provider_recovery!`](crate::provider_recovery) over
//! [`recover`]) and its re-exports
//! ([`provider_reexports!`](crate::provider_reexports)).
//!
//! A provider crate states only what is its own: the variants of its
//! `Error`, its codes and how they are sent, the parts of its client.

use std::future::Future;
use std::pin::Pin;

use crate::error::Error;

mod builder;
mod credentials;
mod error;
mod recovery;
mod with_options;

pub use builder::BuilderParts;
pub use credentials::Credentials;
pub use recovery::recover;
pub use with_options::WithOptions;

// Boxed so that a journalled create's body is compiled once, in the
// provider's crate, not in every crate that awaits it (ARCHITECTURE.md,
// "Dependencies and build cost").
/// The future a provider client's creates (every method whose request is
/// sent at most once) and its recovery return: the call, boxed. Reads,
/// updates, deletes and idempotent POSTs are `async fn`s.
///
/// `Send` and `Unpin`; like an `async fn`'s, nothing runs (nothing is
/// validated or sent) until it is first polled.
pub type Call<'a, T, E = Error> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

/// Boxes a provider method's body (an `async move` block) as its [`Call`].
///
/// Called from the method itself, a function of the provider's crate that
/// is not generic, so that the body is compiled there.
pub fn boxed<'a, T, E>(body: impl Future<Output = Result<T, E>> + Send + 'a) -> Call<'a, T, E> {
    Box::pin(body)
}

/// The re-exports every provider lib has, so that its users reach the core
/// through it: `core` (this crate), `ApiError`, `CallInfo`, `Decimal`,
/// `Hooks`, `Page` and `RetryPolicy`.
#[macro_export]
macro_rules! provider_reexports {
    () => {
        /// The core this crate is built on: errors, retry policy, hooks, decoding.
        pub use $crate as core;
        pub use $crate::{ApiError, CallInfo, Decimal, Hooks, Page, RetryPolicy};
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_runs_nothing_before_its_first_poll_and_is_send_and_unpin() {
        use std::sync::atomic::{AtomicBool, Ordering};
        fn send_unpin<T: Send + Unpin>(_: &T) {}
        let ran = AtomicBool::new(false);
        let call: Call<'_, u8> = boxed(async {
            ran.store(true, Ordering::SeqCst);
            Ok(7)
        });
        send_unpin(&call);
        assert!(!ran.load(Ordering::SeqCst));
        assert_eq!(call.await.ok(), Some(7));
        assert!(ran.load(Ordering::SeqCst));
    }
}
