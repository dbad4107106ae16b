//! The calls that move money: create (asynchronous or synchronous),
//! confirm, cancel, and `create_or_resolve`.
//!
//! A create is never resent by this client: DT One refuses a second one
//! under the same `external_id` (1007001), and the transaction is found by
//! it. When no answer arrives after sending, the call ends with
//! [`partner_sdk_core::Error::OutcomeUnknown`] carrying `("external_id",
//! value)`, and [`Client::create_or_resolve`] (or
//! [`Client::find_by_external_id`]) finds out what happened. A confirm or a
//! cancel may be sent again: DT One answers a second one with 1007002 or
//! 1007005, which these calls read as "already done" and answer with the
//! transaction as DT One then holds it.

use std::time::Duration;

use partner_sdk_core::provider::boxed;
use partner_sdk_core::{JournalledError, Request};
use partner_sdk_journal::IntentState;

use super::request::TransactionRequest;
use super::{Transaction, TransactionQuery};
use crate::dvs::Client;
use crate::dvs::error::{
    Call, Error, ErrorCode, ExternalIdConflictError, Result, TransactionFailedError,
};
use crate::dvs::recovery::{CONFIRM_OPERATION, CREATE_OPERATION};
use crate::validate::check_id;

/// The longest a synchronous call may ask DT One to hold the connection:
/// DT One holds it up to 180 s and answers with the status then reached.
pub const MAX_SYNC_WAIT: Duration = Duration::from_secs(180);

/// What [`Client::find_by_external_id`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// DT One has a transaction under this `external_id`.
    Found(Box<Transaction>),
    /// DT One has no transaction under this `external_id`.
    NotFound,
}

impl Client {
    /// `POST /async/transactions`: creates a transaction (201) and answers
    /// at once, usually `CREATED` (or `CONFIRMED` with
    /// [`auto_confirm`](TransactionRequest::auto_confirm)); the final status
    /// comes to the request's `callback_url`, or by
    /// [`get_transaction`](Self::get_transaction).
    ///
    /// Never resent: a timeout after sending, a 5xx, DT One's 1009001 or
    /// 1009503, or a redirect ends with
    /// [`partner_sdk_core::Error::OutcomeUnknown`] carrying
    /// `("external_id", ..)`; a 2xx answer that cannot be read ends with
    /// [`partner_sdk_core::Error::AnswerUnreadable`] and the same key (the
    /// transaction exists). Resolve either with
    /// [`create_or_resolve`](Self::create_or_resolve) or
    /// [`find_by_external_id`](Self::find_by_external_id).
    ///
    /// With a [journal](crate::dvs::ClientBuilder::journal), the create is
    /// begun under `create_transaction` and its `external_id` before it is
    /// sent and settled after a definite answer (done with the transaction
    /// id, or not done on DT One's refusal; 1007001 and unknown outcomes
    /// leave it pending). Nothing is sent when the journal cannot write the
    /// intent or holds the `external_id` for a different request
    /// ([`partner_sdk_core::Error::Journal`]). The same request journalled
    /// already is not sent again: it is looked up by `external_id` and the
    /// transaction found returned; when DT One has none yet the call ends
    /// with [`partner_sdk_core::Error::Journalled`] and its state.
    pub fn create_transaction<'a>(
        &'a self,
        request: &'a TransactionRequest,
    ) -> Call<'a, Transaction> {
        boxed(self.create("create_transaction", request, None))
    }

    /// `POST /sync/transactions`: creates a transaction and asks DT One to
    /// hold the answer until the status is final, for at most `wait` (the
    /// request's per-attempt timeout; at most [`MAX_SYNC_WAIT`] plus the
    /// client's timeout). DT One may still answer a status that is not
    /// final: branch on [`Transaction::is_final`], and wait with
    /// `get_transaction` or a callback. A `callback_url` is not sent
    /// (DT One takes none here). Journalled and never resent, as
    /// [`create_transaction`](Self::create_transaction); one `external_id`
    /// is one intent whichever of the two sends it.
    pub fn create_transaction_sync<'a>(
        &'a self,
        request: &'a TransactionRequest,
        wait: Duration,
    ) -> Call<'a, Transaction> {
        boxed(self.create("create_transaction_sync", request, Some(wait)))
    }

    /// A create sent as `operation`: asynchronous without `wait`,
    /// synchronous with it.
    async fn create(
        &self,
        operation: &'static str,
        request: &TransactionRequest,
        wait: Option<Duration>,
    ) -> Result<Transaction> {
        request.validate()?;
        let req = match wait {
            None => Request::post(operation, "/async/transactions").json(request),
            Some(wait) => {
                let mut body = request.clone();
                body.callback_url = None;
                Request::post(operation, "/sync/transactions")
                    .json(&body)
                    .timeout(sync_timeout(wait)?)
            }
        };
        let req = req
            .reconcile_with("external_id", request.external_id.clone())
            .sensitive_answer();
        self.send_create(operation, request, req).await
    }

    /// Sends a create through the journal when the client has one; the
    /// same request journalled already is looked up instead.
    async fn send_create(
        &self,
        operation: &'static str,
        request: &TransactionRequest,
        req: Request,
    ) -> Result<Transaction> {
        if self.transport.journal().is_none() {
            return Ok(self.transport.send(req).await?);
        }
        let sent = self
            .transport
            .send_journalled(CREATE_OPERATION, req, crate::dvs::recovery::create_outcome)
            .await;
        match sent {
            Err(partner_sdk_core::Error::Journalled(journalled))
                if !matches!(journalled.state, IntentState::NotDone { .. }) =>
            {
                self.journalled_create(operation, request, journalled.state)
                    .await
            }
            other => Ok(other?),
        }
    }

    /// A create journalled already (pending or done) for this very request:
    /// its transaction, looked up by `external_id` and read as
    /// [`found_for`](Self::found_for) reads it; the journalled error again
    /// when DT One has none yet or the look-up fails.
    async fn journalled_create(
        &self,
        operation: &'static str,
        request: &TransactionRequest,
        state: IntentState,
    ) -> Result<Transaction> {
        match self.resolve(operation, &request.external_id).await {
            Ok(Resolution::Found(tx)) => self.found_for(request, *tx).await,
            Ok(Resolution::NotFound) | Err(_) => {
                Err(partner_sdk_core::Error::from(JournalledError {
                    provider: "dtone-dvs",
                    operation,
                    key: request.reconcile_key(),
                    state,
                })
                .into())
            }
        }
    }

    /// Creates a transaction asynchronously
    /// ([`create_transaction`](Self::create_transaction)) and, when the
    /// answer does not say what became of it, finds out instead of sending
    /// it again: after an unknown outcome (no answer, a 5xx, 1009001,
    /// 1009503, a gateway's page), an accepted but unreadable answer, or
    /// 1007001 (`external_id` already used, as when a retry meets its own
    /// first attempt), it looks the transaction up by `external_id` once.
    ///
    /// The transaction found is returned only when it is this request's:
    /// same product, same credit party (mobile numbers compared by their
    /// digits, account numbers exactly) and the same amount asked for. One
    /// that differs is [`Error::ExternalIdConflict`] naming the fields
    /// (never their values). This request's transaction that failed at DT
    /// One ([`Transaction::has_failed`]) is [`Error::TransactionFailed`],
    /// never returned as done; one whose status is not final yet is
    /// returned (it exists, and is not created twice). When DT One knows no
    /// transaction under the id, or the look-up fails, the create's own
    /// error is returned.
    ///
    /// With a journal, a transaction found settles its intent done (not
    /// done, naming its status, when it failed); one not found stays
    /// pending until [`Client::recover`] settles it.
    pub fn create_or_resolve<'a>(
        &'a self,
        request: &'a TransactionRequest,
    ) -> Call<'a, Transaction> {
        boxed(async move {
            let operation = "create_or_resolve";
            let e = match self.create(operation, request, None).await {
                Err(e) if needs_resolving(&e) => e,
                other => return other,
            };
            match self.resolve(operation, &request.external_id).await {
                Ok(Resolution::Found(tx)) => self.found_for(request, *tx).await,
                Ok(Resolution::NotFound) | Err(_) => Err(e),
            }
        })
    }

    /// `GET /transactions?external_id=..`: the transaction under your
    /// reference, [`Resolution::NotFound`] when DT One has none (an empty
    /// list, or 1008004).
    pub async fn find_by_external_id(&self, external_id: &str) -> Result<Resolution> {
        self.resolve("find_by_external_id", external_id).await
    }

    /// [`find_by_external_id`](Self::find_by_external_id), sent as
    /// `operation`.
    pub(crate) async fn resolve(
        &self,
        operation: &'static str,
        external_id: &str,
    ) -> Result<Resolution> {
        let query = TransactionQuery::new().external_id(external_id);
        let page = match self
            .fetch_page::<Transaction>(query.request(operation, 1)?, 1)
            .await
        {
            Ok(page) => page,
            Err(e) if e.code() == Some(ErrorCode::TransactionNotFound) => {
                return Ok(Resolution::NotFound);
            }
            Err(e) => return Err(e),
        };
        let found = page
            .items
            .into_iter()
            .find(|tx| tx.external_id.trim() == external_id.trim());
        Ok(match found {
            Some(tx) => Resolution::Found(Box::new(tx)),
            None => Resolution::NotFound,
        })
    }

    /// What a transaction found under `request`'s `external_id` means for
    /// it: another request's ([`Error::ExternalIdConflict`], the journal
    /// untouched); this request's and failed ([`Error::TransactionFailed`],
    /// its intent settled not done); otherwise this request's transaction,
    /// its intent settled done.
    pub(crate) async fn found_for(
        &self,
        request: &TransactionRequest,
        tx: Transaction,
    ) -> Result<Transaction> {
        let mismatched = request.differences(&tx);
        if !mismatched.is_empty() {
            return Err(ExternalIdConflictError {
                provider: "dtone-dvs",
                key: request.reconcile_key(),
                mismatched,
            }
            .into());
        }
        self.settle_found(&tx).await;
        if tx.has_failed() {
            return Err(TransactionFailedError {
                provider: "dtone-dvs",
                key: request.reconcile_key(),
                status: tx
                    .status
                    .as_ref()
                    .map(|s| s.message.clone())
                    .unwrap_or_default(),
            }
            .into());
        }
        Ok(tx)
    }

    /// `POST /async/transactions/{transaction_id}/confirm`: confirms a
    /// created transaction (202); DT One then sends it to the operator and
    /// the final status comes by callback or `get_transaction`.
    ///
    /// A confirm may be sent again (the transport retries it after a
    /// timeout or a 5xx): DT One answers a second one with 1007002, which
    /// this call reads as already done, answering with the transaction as
    /// DT One then holds it. 1007004 (too late: the confirmation window
    /// passed) and 1008004 (unknown id) are API errors.
    ///
    /// With a journal, the confirm is journalled under
    /// `confirm_transaction` and the transaction id, and settled done on
    /// DT One's answer or 1007002; [`Client::recover`] settles one whose
    /// answer was lost by fetching the transaction.
    pub fn confirm_transaction(&self, transaction_id: i64) -> Call<'_, Transaction> {
        boxed(self.confirm("confirm_transaction", transaction_id, None))
    }

    /// `POST /sync/transactions/{transaction_id}/confirm`: confirms and
    /// asks DT One to hold the answer until the status is final, for at
    /// most `wait`; otherwise as [`confirm_transaction`](Self::confirm_transaction).
    pub fn confirm_transaction_sync(
        &self,
        transaction_id: i64,
        wait: Duration,
    ) -> Call<'_, Transaction> {
        boxed(self.confirm("confirm_transaction_sync", transaction_id, Some(wait)))
    }

    async fn confirm(
        &self,
        operation: &'static str,
        transaction_id: i64,
        wait: Option<Duration>,
    ) -> Result<Transaction> {
        check_id("transaction_id", transaction_id)?;
        let req = match wait {
            None => Request::post(operation, "/async/transactions/{transaction_id}/confirm"),
            Some(wait) => Request::post(operation, "/sync/transactions/{transaction_id}/confirm")
                .timeout(sync_timeout(wait)?),
        }
        .param(transaction_id)
        .reconcile_with("transaction_id", transaction_id.to_string())
        // DT One refuses a second confirm (1007002), read as done.
        .idempotent(true)
        .sensitive_answer();
        let sent = if self.transport.journal().is_some() {
            self.transport
                .send_journalled(
                    CONFIRM_OPERATION,
                    req,
                    crate::dvs::recovery::confirm_outcome,
                )
                .await
                .map_err(Error::from)
        } else {
            self.transport.send(req).await.map_err(Error::from)
        };
        match sent {
            Err(e) if e.code() == Some(ErrorCode::AlreadyConfirmed) => {
                self.fetch(operation, transaction_id).await
            }
            Err(Error::Http(partner_sdk_core::Error::Journalled(journalled)))
                if matches!(journalled.state, IntentState::Done { .. }) =>
            {
                self.fetch(operation, transaction_id).await
            }
            other => other,
        }
    }

    /// `POST /transactions/{transaction_id}/cancel`: cancels a transaction
    /// not confirmed yet (202); the funds held are released.
    ///
    /// May be sent again (the transport retries it): DT One answers a
    /// second cancel with 1007005, which this call reads as already done,
    /// answering with the transaction as DT One then holds it. 1007007 (too
    /// late: confirmed already) and 1008004 (unknown id) are API errors.
    pub async fn cancel_transaction(&self, transaction_id: i64) -> Result<Transaction> {
        let operation = "cancel_transaction";
        check_id("transaction_id", transaction_id)?;
        let req = Request::post(operation, "/transactions/{transaction_id}/cancel")
            .param(transaction_id)
            // DT One refuses a second cancel (1007005), read as done.
            .idempotent(true)
            .sensitive_answer();
        match self.transport.send(req).await.map_err(Error::from) {
            Err(e) if e.code() == Some(ErrorCode::AlreadyCancelled) => {
                self.fetch(operation, transaction_id).await
            }
            other => other,
        }
    }

    /// `GET /transactions/{transaction_id}`, sent as `operation`.
    pub(crate) async fn fetch(
        &self,
        operation: &'static str,
        transaction_id: i64,
    ) -> Result<Transaction> {
        let req = Request::get(operation, "/transactions/{transaction_id}")
            .param(transaction_id)
            .sensitive_answer();
        Ok(self.transport.send(req).await?)
    }
}

/// The per-attempt timeout of a synchronous call asked to wait `wait`:
/// `wait` itself, refused when zero or over [`MAX_SYNC_WAIT`] and a minute.
fn sync_timeout(wait: Duration) -> Result<Duration> {
    if wait.is_zero() || wait > MAX_SYNC_WAIT + Duration::from_secs(60) {
        return Err(partner_sdk_core::Error::invalid_input(
            "wait",
            "must be more than zero and at most 240 s (DT One holds a synchronous call up to 180 s)",
        )
        .into());
    }
    Ok(wait)
}

/// The create's answer leaves its fate to a look-up: unknown, accepted but
/// unreadable, or refused because its `external_id` is already used.
fn needs_resolving(e: &Error) -> bool {
    matches!(
        e,
        Error::Http(
            partner_sdk_core::Error::OutcomeUnknown(_)
                | partner_sdk_core::Error::AnswerUnreadable(_)
        )
    ) || e.code() == Some(ErrorCode::ExternalIdReused)
}
