//! A create through the intent journal: begin before sending, settle after
//! a definite answer (see [`partner_sdk_journal`] for the protocol).

use std::sync::Arc;

use partner_sdk_journal::{Begin, IntentKey, JournalStore, NewIntent, Outcome, RequestDigest};
use serde::de::DeserializeOwned;

use super::{Request, Transport};
use crate::error::{Error, JournalledError, Result};

impl Transport {
    /// The intent journal this transport's creates are written to, if any.
    pub fn journal(&self) -> Option<&Arc<dyn JournalStore>> {
        self.inner.journal.as_ref()
    }

    /// The journal key of a create: this provider, `operation`, and the
    /// request's [`reconcile_with`](Request::reconcile_with) key.
    /// `None` when the request has no reconcile key.
    pub fn intent_key(&self, operation: &str, request: &Request) -> Option<IntentKey> {
        let key = request.reconcile.clone()?;
        Some(IntentKey::with_key(self.inner.provider, operation, key))
    }

    /// Sends a create as [`send`](Self::send) does, journalled when the
    /// transport has a journal ([`TransportBuilder::journal`](super::TransportBuilder::journal));
    /// without one it is `send`, nothing more.
    ///
    /// With a journal:
    ///
    /// 1. the intent is begun under [`intent_key`](Self::intent_key)
    ///    (`operation` names it in the journal: the request's operation, or
    ///    more where the provider's look-up needs it) with the
    ///    [`RequestDigest`] of the path parameters and the body bytes the
    ///    request sends (serialised once, when the request was described).
    ///    A request without a reconcile key is [`Error::Config`]; an error
    ///    of `begin`, or the key journalled for another request
    ///    ([`JournalError::Conflict`](partner_sdk_journal::JournalError::Conflict)),
    ///    is [`Error::Journal`]; an intent already there for this very
    ///    request is [`Error::Journalled`] with its state. In each case
    ///    **nothing is sent**.
    /// 2. the request is sent;
    /// 3. `outcome` reads the result: `Some` settles the intent
    ///    ([`definite_outcome`] is the usual reading), `None` leaves it
    ///    pending for a recovery. A settle that fails is logged and the
    ///    result returned as it is: the intent stays pending and a
    ///    recovery settles it.
    pub async fn send_journalled<T, F>(
        &self,
        operation: &str,
        request: Request,
        outcome: F,
    ) -> Result<T>
    where
        T: DeserializeOwned,
        F: FnOnce(&Result<T>) -> Option<Outcome>,
    {
        let Some(journal) = self.inner.journal.as_ref() else {
            return self.send(request).await;
        };
        if let Some(e) = &request.error {
            return Err(Error::clone(e));
        }
        let Some(key) = self.intent_key(operation, &request) else {
            return Err(Error::config(format!(
                "{} {}: a journalled create needs a reconcile key",
                self.inner.provider, request.operation
            )));
        };
        let parts = request
            .params
            .iter()
            .map(|p| p.as_bytes())
            .chain(std::iter::once(request.body.as_deref().unwrap_or_default()));
        let intent = NewIntent::new(key, RequestDigest::of_parts(parts));
        match journal.begin(&intent).await {
            Ok(Begin::Fresh) => {}
            Ok(Begin::Existing(existing)) => {
                return Err(JournalledError {
                    provider: self.inner.provider,
                    operation: request.operation,
                    key: intent.key.reconcile_key().clone(),
                    state: existing.state,
                }
                .into());
            }
            Err(e) => return Err(Error::Journal(Arc::new(e))),
        }
        let result = self.send(request).await;
        if let Some(outcome) = outcome(&result)
            && let Err(e) = journal.settle(&intent.key, outcome).await
        {
            tracing::warn!(
                provider = self.inner.provider,
                operation,
                error = %e,
                "journal: the answer is not recorded; the intent stays pending for recovery"
            );
        }
        result
    }
}

/// The usual reading of a create's result for the journal: a success is
/// [`Outcome::Done`] with `provider_id` of the answer; the provider's own
/// refusal (an [`Error::Api`] with a 4xx status) is [`Outcome::NotDone`]
/// naming its status and code; anything else (no answer, a 5xx, an
/// unreadable answer: the outcome is unknown) is `None`, leaving the intent
/// pending.
pub fn definite_outcome<T>(
    result: &Result<T>,
    provider_id: impl FnOnce(&T) -> Option<String>,
) -> Option<Outcome> {
    match result {
        Ok(value) => Some(Outcome::Done {
            provider_id: provider_id(value),
        }),
        Err(Error::Api(e)) if e.status().is_client_error() => Some(Outcome::NotDone {
            reason: match e.code() {
                Some(code) => format!("refused: {} {code}", e.status().as_u16()),
                None => format!("refused: {}", e.status().as_u16()),
            },
        }),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_outcomes_settle_nothing() {
        let unknown: Result<u32> = Err(crate::error::OutcomeUnknownError {
            provider: "p",
            operation: "o",
            key: None,
            cause: "timeout".into(),
        }
        .into());
        assert_eq!(definite_outcome(&unknown, |_| None), None);
        let done: Result<u32> = Ok(7);
        assert_eq!(
            definite_outcome(&done, |v| Some(v.to_string())),
            Some(Outcome::Done {
                provider_id: Some("7".into())
            })
        );
    }
}
