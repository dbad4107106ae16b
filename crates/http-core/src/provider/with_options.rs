//! A provider client's per-call view: [`WithOptions`] for its parts and
//! [`provider_client!`](crate::provider_client), which writes its
//! `with_options` and its redacting `Debug`.

use crate::options::CallOptions;
use crate::transport::Transport;

/// A part of a provider client that a per-call view re-creates with
/// [`CallOptions`]: a [`Transport`], an optional part, or a provider's own
/// group of transports. Used by [`provider_client!`](crate::provider_client).
pub trait WithOptions {
    /// This part with `options` applied over its settings; connection pool,
    /// credential cache and hooks stay shared.
    fn with_options(&self, options: &CallOptions) -> Self;
}

impl WithOptions for Transport {
    fn with_options(&self, options: &CallOptions) -> Self {
        Transport::with_options(self, options.clone())
    }
}

impl<T: WithOptions> WithOptions for Option<T> {
    fn with_options(&self, options: &CallOptions) -> Self {
        self.as_ref().map(|part| part.with_options(options))
    }
}

/// Writes a provider client's `with_options(CallOptions) -> Client` and its
/// `Debug`, from the client's fields: first the parts a per-call view
/// re-creates (each a [`WithOptions`]: transports), then, after `;`, the
/// parts it shares as they are (cloned). `Debug` shows every listed field
/// with its own `Debug`, which for transports and auth shows no secret.
/// The doc comment given is the one of `with_options`.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use partner_sdk_core::{CallOptions, Transport};
///
/// #[derive(Clone)]
/// pub struct Client {
///     transport: Transport,
///     app_name: Option<Arc<str>>,
/// }
///
/// partner_sdk_core::provider_client! {
///     /// A view of this client whose calls use `options`.
///     Client { transport; app_name }
/// }
///
/// let client = Client {
///     transport: Transport::builder("demo").base_url("http://127.0.0.1:1").build()?,
///     app_name: Some("shop".into()),
/// };
/// let quick = client.with_options(CallOptions::new().with_timeout(Duration::from_secs(2)));
/// assert!(client.transport.options().is_none() && quick.transport.options().is_some());
/// assert!(format!("{quick:?}").starts_with("Client { transport: Transport {"));
/// # Ok::<(), partner_sdk_core::Error>(())
/// ```
#[macro_export]
macro_rules! provider_client {
    (
        $(#[$doc:meta])*
        $client:ident { $($view:ident),+ $(; $($shared:ident),+)? $(,)? }
    ) => {
        impl ::std::fmt::Debug for $client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(::std::stringify!($client))
                    $(.field(::std::stringify!($view), &self.$view))+
                    $($(.field(::std::stringify!($shared), &self.$shared))+)?
                    .finish()
            }
        }

        impl $client {
            $(#[$doc])*
            pub fn with_options(&self, options: $crate::CallOptions) -> $client {
                $client {
                    $($view: $crate::provider::WithOptions::with_options(&self.$view, &options),)+
                    $($($shared: ::std::clone::Clone::clone(&self.$shared),)+)?
                }
            }
        }
    };
}
