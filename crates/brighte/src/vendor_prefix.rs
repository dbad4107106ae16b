//! Which path prefix the vendor REST API answers under, found by the login.
//!
//! Brighte's documentation names two prefixes: its endpoint tables say
//! `/rest/v1/vendor` and its sample requests `/rest/vendor/v1`. Brighte's
//! production firewall rules name `/rest/v1/vendor/session`, so that is the
//! default ([`DEFAULT_VENDOR_PREFIX`](crate::client::DEFAULT_VENDOR_PREFIX)).
//! When the login under it gets a route-level 404 (the web server's, not
//! Brighte's JSON error body), the client logs in once under the samples'
//! prefix ([`SAMPLES_VENDOR_PREFIX`](crate::client::SAMPLES_VENDOR_PREFIX))
//! and, once a login succeeds, keeps that prefix for the client's life
//! (logging in twice is harmless). An explicit
//! [`vendor_path_prefix`](crate::client::ClientBuilder::vendor_path_prefix) is used
//! alone.
//!
//! A login that a firewall refuses (403 without Brighte's JSON body) is an
//! authentication error saying the caller's IP address may not be
//! allow-listed; it is never retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use futures_util::future::Either;
use partner_sdk_core::{ApiError, CallOptions, Request, Session, SessionAuth, Transport, Url};
use partner_sdk_journal::Outcome;
use serde::de::DeserializeOwned;

const UNDECIDED: u8 = 0;
const PRIMARY: u8 = 1;
const FALLBACK: u8 = 2;

/// Which of the two prefixes is in use, shared by every transport and view
/// of one client.
#[derive(Debug)]
pub(crate) struct Choice(AtomicU8);

impl Choice {
    /// Undecided when there is a fallback to try, else the only prefix.
    pub(crate) fn new(with_fallback: bool) -> Arc<Choice> {
        Arc::new(Choice(AtomicU8::new(if with_fallback {
            UNDECIDED
        } else {
            PRIMARY
        })))
    }

    fn get(&self) -> u8 {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, value: u8) {
        self.0.store(value, Ordering::Release);
    }
}

/// One vendor transport per prefix (the fallback only when the prefix was
/// not set explicitly) and the shared choice between them.
#[derive(Clone, Debug)]
pub(crate) struct Routes {
    primary: Transport,
    fallback: Option<Transport>,
    choice: Arc<Choice>,
    /// The session whose login decides the prefix (vendor calls only): a
    /// call made while undecided logs in first, then goes to the prefix
    /// the login found.
    decided_by: Option<Arc<SessionAuth>>,
}

impl Routes {
    /// Transports of the login (no session of their own).
    pub(crate) fn login(
        primary: Transport,
        fallback: Option<Transport>,
        choice: Arc<Choice>,
    ) -> Self {
        Routes {
            primary,
            fallback,
            choice,
            decided_by: None,
        }
    }

    /// Transports of the vendor calls, authenticated by `auth`.
    pub(crate) fn api(
        primary: Transport,
        fallback: Option<Transport>,
        choice: Arc<Choice>,
        auth: Arc<SessionAuth>,
    ) -> Self {
        Routes {
            primary,
            fallback,
            choice,
            decided_by: Some(auth),
        }
    }

    /// The transport of the prefix in use (the default until a login
    /// falls back).
    pub(crate) fn current(&self) -> &Transport {
        match (&self.fallback, self.choice.get()) {
            (Some(fallback), FALLBACK) => fallback,
            _ => &self.primary,
        }
    }

    /// Base URL (prefix included) of the prefix in use.
    pub(crate) fn base_url(&self) -> &Url {
        self.current().base_url()
    }

    /// The same routes with `options` over the client's settings.
    pub(crate) fn with_options(&self, options: CallOptions) -> Routes {
        Routes {
            primary: self.primary.with_options(options.clone()),
            fallback: self.fallback.as_ref().map(|t| t.with_options(options)),
            choice: Arc::clone(&self.choice),
            decided_by: self.decided_by.clone(),
        }
    }

    /// Sends `request` under the prefix in use. While the prefix is
    /// undecided, the request's path is checked, the session opened (which
    /// decides it), and only then the request sent; that path is boxed, so
    /// the futures of the calls made after it keep their size.
    pub(crate) fn send<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = partner_sdk_core::Result<T>> + use<'_, T> {
        self.under_prefix(request, Transport::send)
    }

    /// Sends a DELETE under the prefix in use, as [`send`](Self::send):
    /// `None` when a lost attempt did it ([`Transport::send_delete`]).
    pub(crate) fn send_delete<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = partner_sdk_core::Result<Option<T>>> + use<'_, T> {
        self.under_prefix(request, Transport::send_delete)
    }

    /// `send(transport, request)` under the prefix in use, once it is decided.
    fn under_prefix<'a, R, Fut>(
        &'a self,
        request: Request,
        send: fn(&'a Transport, Request) -> Fut,
    ) -> impl Future<Output = partner_sdk_core::Result<R>> + use<'a, R, Fut>
    where
        Fut: Future<Output = partner_sdk_core::Result<R>>,
    {
        match (&self.decided_by, self.choice.get()) {
            (Some(auth), UNDECIDED) => Either::Right(Box::pin(async move {
                self.primary.url_for(&request)?;
                auth.session().await?;
                send(self.current(), request).await
            })),
            _ => Either::Left(send(self.current(), request)),
        }
    }

    /// Sends a create through the journal of the prefix in use (the
    /// transports of both prefixes share one journal); while undecided,
    /// after the login that decides.
    pub(crate) async fn send_journalled<T, F>(
        &self,
        request: Request,
        outcome: F,
    ) -> partner_sdk_core::Result<T>
    where
        T: DeserializeOwned + Send + 'static,
        F: FnOnce(&partner_sdk_core::Result<T>) -> Option<Outcome> + Send + 'static,
    {
        if let (Some(auth), UNDECIDED) = (&self.decided_by, self.choice.get()) {
            self.primary.url_for(&request)?;
            auth.session().await?;
        }
        let operation = request.operation();
        self.current()
            .send_journalled(operation, request, outcome)
            .await
    }

    /// The journal the transports share, if any.
    pub(crate) fn journal(&self) -> Option<&partner_sdk_core::transport::Journal> {
        self.primary.journal()
    }

    /// Sends a request whose answer has no body, under the prefix in use.
    pub(crate) fn send_empty(
        &self,
        request: Request,
    ) -> impl Future<Output = partner_sdk_core::Result<()>> + use<'_> {
        self.current().send_empty(request)
    }
}

/// Logs in under the prefix in use; while undecided, under the default
/// prefix and, after a route-level 404, once under the fallback. The prefix
/// of the first successful login is kept.
pub(crate) async fn login<F, Fut>(routes: &Routes, create: F) -> partner_sdk_core::Result<Session>
where
    F: Fn(Transport) -> Fut,
    Fut: Future<Output = partner_sdk_core::Result<Session>>,
{
    let Some(fallback) = routes
        .fallback
        .as_ref()
        .filter(|_| routes.choice.get() == UNDECIDED)
    else {
        return create(routes.current().clone()).await;
    };
    match create(routes.primary.clone()).await {
        Ok(session) => {
            routes.choice.set(PRIMARY);
            Ok(session)
        }
        Err(first) if is_missing_route(&first) => match create(fallback.clone()).await {
            Ok(session) => {
                routes.choice.set(FALLBACK);
                Ok(session)
            }
            Err(second) if is_missing_route(&second) => Err(no_vendor_api(
                routes.primary.base_url(),
                fallback.base_url(),
                second,
            )),
            Err(second) => Err(second),
        },
        Err(first) => Err(first),
    }
}

/// A 404 that is not Brighte's JSON error body (which always carries a
/// `status`): the web server has no such route.
fn is_missing_route(error: &partner_sdk_core::Error) -> bool {
    matches!(error, partner_sdk_core::Error::Api(api) if api.status().as_u16() == 404 && api.code().is_none())
}

/// Both prefixes answered the login with a route-level 404.
fn no_vendor_api(
    primary: &Url,
    fallback: &Url,
    error: partner_sdk_core::Error,
) -> partner_sdk_core::Error {
    partner_sdk_core::Error::auth(
        "brighte",
        format!(
            "no vendor API: the login answered 404 under both {} and {}; check base_url or set vendor_path_prefix",
            primary.path(),
            fallback.path()
        ),
        match error {
            partner_sdk_core::Error::Api(api) => Some(*api),
            _ => None,
        },
    )
}

/// A login refused with 403 by something other than Brighte's API (no
/// Brighte JSON `status` in the answer, e.g. a firewall's HTML page).
pub(crate) fn is_firewall_refusal(api: &ApiError) -> bool {
    api.status().as_u16() == 403 && api.code().is_none()
}

/// The error of a login a firewall refused: an authentication error, never
/// retried, that names the likely cause.
pub(crate) fn firewall_refusal(api: Box<ApiError>) -> partner_sdk_core::Error {
    partner_sdk_core::Error::auth(
        "brighte",
        "login refused with HTTP 403 before reaching Brighte's API (no Brighte answer): \
                  this host's IP address may not be on Brighte's allow-list",
        Some(*api),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_sdk_core::ErrorFields;
    use partner_sdk_core::reqwest::{Method, StatusCode};

    fn api(status: u16, code: Option<&str>) -> ApiError {
        ApiError::new(
            "brighte",
            "create_session",
            Method::POST,
            "/session",
            StatusCode::from_u16(status).unwrap(),
            ErrorFields {
                code: code.map(str::to_owned),
                message: None,
            },
            b"",
        )
    }

    #[test]
    fn only_a_404_without_a_brighte_status_is_a_missing_route() {
        let missing = partner_sdk_core::Error::Api(Box::new(api(404, None)));
        assert!(is_missing_route(&missing));
        let brighte = partner_sdk_core::Error::Api(Box::new(api(404, Some("4041"))));
        assert!(!is_missing_route(&brighte));
        let other = partner_sdk_core::Error::Api(Box::new(api(500, None)));
        assert!(!is_missing_route(&other));
    }

    #[test]
    fn only_a_403_without_a_brighte_status_is_the_firewall() {
        assert!(is_firewall_refusal(&api(403, None)));
        assert!(!is_firewall_refusal(&api(403, Some("4403"))));
        assert!(!is_firewall_refusal(&api(401, None)));
        let e = firewall_refusal(Box::new(api(403, None)));
        assert!(e.to_string().contains("allow-list"), "{e}");
        assert!(!e.is_retryable());
        assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    }

    #[test]
    fn a_choice_without_fallback_starts_decided() {
        assert_eq!(Choice::new(false).get(), PRIMARY);
        assert_eq!(Choice::new(true).get(), UNDECIDED);
    }
}
