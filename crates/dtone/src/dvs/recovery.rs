//! Creates and confirms through the intent journal, and
//! [`Client::recover`].
//!
//! A create is journalled under `create_transaction` and its `external_id`
//! (whichever method sends it: asynchronous, synchronous or
//! `create_or_resolve`) and resolved by DT One's listing filtered by
//! `external_id`; a confirm under `confirm_transaction` and the transaction
//! id, resolved by fetching the transaction. Both under the provider
//! `dtone-dvs`, so the Goods & Services client's recovery never sees them.

use partner_sdk_core::transport::definite_outcome;
use partner_sdk_journal::{Intent, IntentKey, Outcome, Resolved};

use super::Client;
use super::error::ErrorCode;
use super::transactions::{Resolution, StatusClass, Transaction};

/// The journal's operation of a create.
pub(crate) const CREATE_OPERATION: &str = "create_transaction";

/// The journal's operation of a confirm.
pub(crate) const CONFIRM_OPERATION: &str = "confirm_transaction";

/// What the journal records of a create's answer: done with the
/// transaction id, not done on DT One's refusal, nothing (pending) on an
/// unknown outcome or on 1007001 (the `external_id` is used already: what
/// it names is for a look-up to say).
pub(crate) fn create_outcome(result: &partner_sdk_core::Result<Transaction>) -> Option<Outcome> {
    if code_of(result) == Some(ErrorCode::ExternalIdReused) {
        return None;
    }
    definite_outcome(result, |tx| Some(tx.id.to_string()))
}

/// What the journal records of a confirm's answer: done on DT One's answer
/// and on 1007002 (confirmed already), not done on another refusal
/// (1007004 too late, 1008004 unknown id), pending on an unknown outcome.
pub(crate) fn confirm_outcome(result: &partner_sdk_core::Result<Transaction>) -> Option<Outcome> {
    if code_of(result) == Some(ErrorCode::AlreadyConfirmed) {
        return Some(Outcome::Done { provider_id: None });
    }
    definite_outcome(result, |tx| Some(tx.id.to_string()))
}

fn code_of(result: &partner_sdk_core::Result<Transaction>) -> Option<ErrorCode> {
    result
        .as_ref()
        .err()
        .and_then(partner_sdk_core::Error::api)
        .and_then(|api| api.code())
        .and_then(ErrorCode::parse)
}

/// What a transaction found by its `external_id` proves of its create:
/// done with its id, or not done naming its status when it failed
/// ([`Transaction::has_failed`]). A status not final yet is done: the
/// transaction exists and is never created twice.
fn found_outcome(tx: &Transaction) -> Resolved {
    match tx.has_failed() {
        true => Resolved::NotDone {
            reason: format!("failed at DT One: status {}", status_name(tx)),
        },
        false => Resolved::Done {
            provider_id: Some(tx.id.to_string()),
        },
    }
}

/// What a transaction fetched by id proves of its confirm: not done while
/// it is still created (never confirmed) or when it was cancelled or
/// rejected before confirmation; done otherwise (confirmed, submitted,
/// completed, declined by the operator or reversed: the confirm took
/// effect).
fn confirmed_outcome(tx: &Transaction) -> Resolved {
    match tx.status_class() {
        StatusClass::Created | StatusClass::Cancelled | StatusClass::Rejected => {
            Resolved::NotDone {
                reason: format!("not confirmed at DT One: status {}", status_name(tx)),
            }
        }
        StatusClass::Other(_) => Resolved::NeedsReconciliation,
        _ => Resolved::Done {
            provider_id: Some(tx.id.to_string()),
        },
    }
}

fn status_name(tx: &Transaction) -> &str {
    tx.status.as_ref().map_or("(none)", |s| s.message.trim())
}

impl Client {
    /// Settles the journalled create of `tx` by what DT One says of it
    /// ([`found_outcome`]), when the client has a journal and the intent is
    /// pending (`Journal::settle_if_pending`).
    pub(crate) async fn settle_found(&self, tx: &Transaction) {
        let Some(journal) = self.transport.journal() else {
            return;
        };
        let key = IntentKey::new(
            "dtone-dvs",
            CREATE_OPERATION,
            "external_id",
            tx.external_id.as_str(),
        );
        let outcome = match found_outcome(tx) {
            Resolved::NotDone { reason } => Outcome::NotDone { reason },
            _ => Outcome::Done {
                provider_id: Some(tx.id.to_string()),
            },
        };
        journal.settle_if_pending(&key, outcome).await;
    }

    /// What DT One says of one journalled create or confirm, asked as
    /// `operation`.
    async fn resolve_intent(&self, operation: &'static str, intent: Intent) -> Resolved {
        match intent.key.operation() {
            CREATE_OPERATION => match self.resolve(operation, intent.key.value()).await {
                Ok(Resolution::Found(tx)) => found_outcome(&tx),
                Ok(Resolution::NotFound) => Resolved::NotDone {
                    reason: "not found at DT One: never created".to_owned(),
                },
                Err(e) => {
                    tracing::debug!(error = %e, "dtone-dvs: recovery look-up failed");
                    Resolved::Unknown
                }
            },
            CONFIRM_OPERATION => {
                let Ok(id) = intent.key.value().parse::<i64>() else {
                    return Resolved::NeedsReconciliation;
                };
                match self.fetch(operation, id).await {
                    Ok(tx) => confirmed_outcome(&tx),
                    Err(e) if e.code() == Some(ErrorCode::TransactionNotFound) => {
                        Resolved::NotDone {
                            reason: "not found at DT One (1008004)".to_owned(),
                        }
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "dtone-dvs: recovery fetch failed");
                        Resolved::Unknown
                    }
                }
            }
            _ => Resolved::NeedsReconciliation,
        }
    }
}

partner_sdk_core::provider_recovery! {
    /// Resolves every create and confirm journalled pending for at least
    /// `grace` (a grace period, so calls still in flight elsewhere are left
    /// alone). A create is looked up by its `external_id`: found, it is
    /// settled done with the transaction id (a status not final yet
    /// included: it exists), or not done naming its status when it failed
    /// ([`Transaction::has_failed`](crate::dvs::Transaction::has_failed));
    /// DT One knows none, it is settled not done (never created: sending it
    /// again, under the same `external_id`, is yours to decide). A confirm
    /// is settled by the transaction fetched: done once it is past
    /// `CREATED`, not done while still created or when cancelled or
    /// rejected. A look-up that fails leaves the intent pending ("unknown"
    /// in the report) for the next recovery. Each intent is claimed with a
    /// lease first, so replicas sharing a journal never resolve one twice.
    /// Never sends a create or a confirm.
    ///
    /// A client without a journal has nothing to recover: the report is
    /// empty. A journal that fails is [`partner_sdk_core::Error::Journal`].
    Client { provider: "dtone-dvs", error: crate::dvs::Error, journal: |client| client.transport.journal() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(class: &str) -> Transaction {
        serde_json::from_value(serde_json::json!({
            "id": 7, "external_id": "e-1",
            "status": {"id": 1, "message": class, "class": {"id": 1, "message": class}}
        }))
        .unwrap()
    }

    #[test]
    fn a_confirm_is_done_once_the_transaction_is_past_created() {
        for class in ["CREATED", "CANCELLED", "REJECTED"] {
            assert!(
                matches!(confirmed_outcome(&tx(class)), Resolved::NotDone { .. }),
                "{class}"
            );
        }
        for class in [
            "CONFIRMED",
            "SUBMITTED",
            "COMPLETED",
            "DECLINED",
            "REVERSED",
        ] {
            assert!(
                matches!(confirmed_outcome(&tx(class)), Resolved::Done { .. }),
                "{class}"
            );
        }
        assert_eq!(
            confirmed_outcome(&tx("PAUSED")),
            Resolved::NeedsReconciliation
        );
    }

    #[test]
    fn a_create_found_failed_is_not_done() {
        assert!(matches!(
            found_outcome(&tx("DECLINED")),
            Resolved::NotDone { .. }
        ));
        assert!(matches!(
            found_outcome(&tx("CREATED")),
            Resolved::Done { .. }
        ));
    }
}
