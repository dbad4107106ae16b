//! Creates through the intent journal, and [`Client::recover`].
//!
//! BBTI offers one look-up, `GET /v1/transactions/{transactionId}`, and
//! no look-up by `submissionId`. So recovery can tell only of a delivery
//! registration (the transaction shows its delivery once registered): a
//! pending pricing (keyed by its `submissionId`, whose `transactionId` BBTI
//! never answered) or KYC registration (the transaction does not show it)
//! is reported as needing reconciliation, with its key, and left pending.

use partner_sdk_core::Request;
use partner_sdk_core::transport::definite_outcome;
use partner_sdk_journal::{Intent, Resolved};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Client;
use crate::error::ErrorCode;
use crate::types::TransactionStatus;

impl Client {
    /// Sends a create, through the journal when the client has one: settled
    /// done with the `transactionId` of its answer (`id`), not done on
    /// BBTI's refusal, left pending when the outcome is unknown.
    pub(crate) async fn send_create<T: DeserializeOwned + Send + 'static>(
        &self,
        request: Request,
        id: fn(&T) -> &str,
    ) -> partner_sdk_core::Result<T> {
        if self.transport.journal().is_none() {
            return self.transport.send(request).await;
        }
        let operation = request.operation();
        self.transport
            .send_journalled(operation, request, move |result| {
                definite_outcome(result, |answer| Some(id(answer).to_owned()))
            })
            .await
    }

    /// Registers the customer's details of the transaction
    /// `transaction_id` (KYC, delivery): `body` posted as `operation` to
    /// `path` and sent as [`send_create`](Self::send_create) sends it, keyed
    /// by that `transactionId`. The answer may repeat the customer's
    /// details: no error keeps it.
    pub(crate) async fn send_registration<
        B: Serialize + ?Sized,
        T: DeserializeOwned + Send + 'static,
    >(
        &self,
        operation: &'static str,
        path: &'static str,
        body: &B,
        transaction_id: &str,
        id: fn(&T) -> &str,
    ) -> partner_sdk_core::Result<T> {
        let req = Request::post(operation, path)
            .json(body)
            .reconcile_with("transactionId", transaction_id)
            .sensitive_answer();
        self.send_create(req, id).await
    }

    /// What BBTI says of one journalled create, asked as `operation`.
    async fn resolve_intent(&self, operation: &'static str, intent: Intent) -> Resolved {
        if intent.key.operation() != "register_delivery" {
            return Resolved::NeedsReconciliation;
        }
        match self.fetch_transaction(operation, intent.key.value()).await {
            Ok(tx)
                if matches!(
                    tx.status,
                    TransactionStatus::Cancel | TransactionStatus::KycDeclined
                ) =>
            {
                Resolved::NotDone {
                    reason: format!("transaction {} at BBTI", tx.status.as_str()),
                }
            }
            Ok(tx) if tx.delivery_detail.is_some() => Resolved::Done {
                provider_id: Some(tx.transaction_id),
            },
            Ok(_) => Resolved::NotDone {
                reason: "no delivery registered at BBTI".to_owned(),
            },
            Err(e) if e.code() == Some(ErrorCode::NotFound) => Resolved::NotDone {
                reason: "transaction not found at BBTI (NOT_FOUND)".to_owned(),
            },
            Err(_) => Resolved::Unknown,
        }
    }
}

partner_sdk_core::provider_recovery! {
    /// Resolves every create journalled pending for at least `grace` (so a
    /// create still in flight elsewhere is left alone), each claimed with a
    /// lease first so replicas sharing a journal never resolve one twice.
    /// Never sends a create.
    ///
    /// A delivery registration is looked up by its `transactionId`: the
    /// transaction shows a delivery, it is settled done; it is cancelled
    /// (`TRANSACTION_STATUS_CANCEL`) or its KYC declined, shows no
    /// delivery, or BBTI knows no such transaction (`NOT_FOUND`), it is
    /// settled not done, naming why; a look-up that fails leaves it pending ("unknown"). Pricing
    /// and KYC registrations have no look-up: they are reported in
    /// [`RecoveryReport::needs_reconciliation`](partner_sdk_journal::RecoveryReport::needs_reconciliation) with their key
    /// (`submissionId`, `transactionId`) and stay pending: ask Belong, then
    /// settle them with the journal's [`settle`](partner_sdk_journal::JournalStore::settle).
    ///
    /// A client without a journal has nothing to recover: the report is
    /// empty. A journal that fails is [`partner_sdk_core::Error::Journal`].
    Client { provider: "bbti", error: crate::Error, journal: |client| client.transport.journal() }
}
