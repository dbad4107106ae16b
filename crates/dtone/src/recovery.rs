//! Transactions through the intent journal, and [`Client::recover`].
//!
//! A transaction is journalled under `create_transaction/<category>` and its
//! `external_id`, whichever method sends it, and resolved by DT One's
//! look-up by `external_id` (`GET /transactions/{type}/ext-{external_id}`).

use partner_sdk_core::transport::definite_outcome;
use partner_sdk_core::{JournalledError, Request};
use partner_sdk_journal::{Intent, IntentKey, IntentState, Outcome, Resolved};

use crate::Client;
use crate::error::{Error, ErrorCode, ExternalIdConflictError, Result, TransactionFailedError};
use crate::products::Category;
use crate::transactions::{Resolution, Transaction, TransactionRequest};

impl Client {
    /// Sends a transaction create (`req`, the request `request` describes)
    /// through the journal when the client has one: begun under
    /// `create_transaction/<category>` and its `external_id`, settled with
    /// what the answer proves. The same request journalled already is not
    /// sent again: see [`journalled_transaction`](Self::journalled_transaction).
    pub(crate) async fn send_transaction(
        &self,
        operation: &'static str,
        category: Category,
        request: &TransactionRequest,
        req: Request,
    ) -> Result<Transaction> {
        if self.transport.journal().is_none() {
            return Ok(self.transport.send(req).await?);
        }
        let sent = self
            .transport
            .send_journalled(&intent_operation(category), req, journal_outcome)
            .await;
        match sent {
            Err(partner_sdk_core::Error::Journalled(journalled))
                if !matches!(journalled.state, IntentState::NotDone { .. }) =>
            {
                self.journalled_transaction(operation, category, request, journalled.state)
                    .await
            }
            other => Ok(other?),
        }
    }

    /// A create journalled already (pending or done) for this very request:
    /// its transaction, looked up by `external_id` and read as
    /// [`found_for`](Self::found_for) reads it; the
    /// [`partner_sdk_core::Error::Journalled`] error again when DT One has
    /// none yet or the look-up fails. Sent as `operation`.
    pub(crate) async fn journalled_transaction(
        &self,
        operation: &'static str,
        category: Category,
        request: &TransactionRequest,
        state: IntentState,
    ) -> Result<Transaction> {
        let journalled = || {
            Error::from(partner_sdk_core::Error::from(JournalledError {
                provider: "dtone",
                operation,
                key: request.reconcile_key(),
                state: state.clone(),
            }))
        };
        match self
            .resolve(operation, category, &request.external_id)
            .await
        {
            Ok(Resolution::Found(tx)) => self.found_for(category, request, *tx).await,
            Ok(Resolution::NotFound) | Err(_) => Err(journalled()),
        }
    }

    /// What a transaction found under `request`'s `external_id` means for
    /// it: another request's ([`Error::ExternalIdConflict`], the journal
    /// untouched); this request's and failed ([`Error::TransactionFailed`],
    /// its intent settled not done); otherwise this request's transaction,
    /// its intent settled done.
    pub(crate) async fn found_for(
        &self,
        category: Category,
        request: &TransactionRequest,
        tx: Transaction,
    ) -> Result<Transaction> {
        let mismatched = request.differences(&tx);
        if !mismatched.is_empty() {
            return Err(ExternalIdConflictError {
                provider: "dtone",
                key: request.reconcile_key(),
                mismatched,
            }
            .into());
        }
        self.settle_found(category, &tx).await;
        if tx.has_failed() {
            return Err(TransactionFailedError {
                provider: "dtone",
                key: request.reconcile_key(),
                status: tx.status,
            }
            .into());
        }
        Ok(tx)
    }

    /// Settles the journalled intent of `tx` by what DT One says of it
    /// ([`found_outcome`]), when the client has a journal and the intent is
    /// pending (`Journal::settle_if_pending`).
    pub(crate) async fn settle_found(&self, category: Category, tx: &Transaction) {
        let Some(journal) = self.transport.journal() else {
            return;
        };
        let key = IntentKey::new(
            "dtone",
            intent_operation(category),
            "external_id",
            tx.external_id.as_str(),
        );
        let outcome = match found_outcome(tx) {
            Resolved::NotDone { reason } => Outcome::NotDone { reason },
            _ => Outcome::Done {
                provider_id: Some(tx.transaction_id.clone()),
            },
        };
        journal.settle_if_pending(&key, outcome).await;
    }

    /// What DT One says of one journalled create, asked as `operation`.
    async fn resolve_intent(&self, operation: &'static str, intent: Intent) -> Resolved {
        let category = intent
            .key
            .operation()
            .strip_prefix(INTENT_OPERATION_PREFIX)
            .and_then(|c| c.parse::<Category>().ok());
        let Some(category) = category else {
            return Resolved::NeedsReconciliation;
        };
        match self.resolve(operation, category, intent.key.value()).await {
            Ok(Resolution::Found(tx)) => found_outcome(&tx),
            Ok(Resolution::NotFound) => Resolved::NotDone {
                reason: "not found at DT One (1000404): never created".to_owned(),
            },
            Err(e) => {
                tracing::debug!(error = %e, "dtone: recovery look-up failed");
                Resolved::Unknown
            }
        }
    }
}

/// What a transaction found by its `external_id` proves of its create:
/// done with its `transaction_id`, or not done naming its status when it
/// failed ([`Transaction::has_failed`]). A status not final yet is done: the
/// transaction exists and is never created twice.
fn found_outcome(tx: &Transaction) -> Resolved {
    match tx.has_failed() {
        true => Resolved::NotDone {
            reason: format!("failed at DT One: status {}", tx.status.trim()),
        },
        false => Resolved::Done {
            provider_id: Some(tx.transaction_id.clone()),
        },
    }
}

/// How a create is named in the journal, whichever method sends it
/// (`create_transaction`, `create_or_resolve`, `pay_bill`): its category is
/// part of it, since the look-up by `external_id` is made under the
/// category.
const INTENT_OPERATION_PREFIX: &str = "create_transaction/";

/// The journal's operation for a create in `category`, e.g.
/// `create_transaction/fixed_value_recharges`.
fn intent_operation(category: Category) -> String {
    format!("{INTENT_OPERATION_PREFIX}{}", category.as_str())
}

/// What the journal records of a create's answer: done with the
/// `transaction_id`, not done on DT One's refusal, nothing (pending) on an
/// unknown outcome or on 1000990 (the `external_id` is used already: what
/// it names is for a look-up to say).
fn journal_outcome(result: &partner_sdk_core::Result<Transaction>) -> Option<Outcome> {
    let already_used = result
        .as_ref()
        .err()
        .and_then(partner_sdk_core::Error::api)
        .and_then(|api| api.code())
        .and_then(ErrorCode::parse)
        == Some(ErrorCode::ExternalIdAlreadyUsed);
    if already_used {
        return None;
    }
    definite_outcome(result, |tx| Some(tx.transaction_id.clone()))
}

partner_sdk_core::provider_recovery! {
    /// Resolves every create journalled pending for at least `grace` (a
    /// grace period, so creates still in flight elsewhere are left alone) by
    /// looking its `external_id` up: found, it is settled done with the
    /// `transaction_id` (its status not final yet included: it exists), or
    /// not done naming its status when it failed
    /// ([`Transaction::has_failed`](crate::Transaction::has_failed)); DT One knows none (1000404), it is settled not
    /// done (never created: sending it again, under the same `external_id`,
    /// is yours to decide); a look-up that fails leaves it pending ("unknown"
    /// in the report) for the next recovery. Each intent is claimed with a
    /// lease first, so replicas sharing a journal never resolve one twice.
    /// Never sends a create.
    ///
    /// A client without a journal has nothing to recover: the report is
    /// empty. A journal that fails is [`partner_sdk_core::Error::Journal`].
    Client { provider: "dtone", error: crate::Error, journal: |client| client.transport.journal() }
}
