//! The journalled payment request, and [`Client::recover`].
//!
//! Of Brighte's creates only the payment request
//! (`POST application/{id}/request-payment`) has a key of the caller's, the
//! application id, under which it can be looked up afterwards; the others
//! (quote, user, document, callout, secure code, API credentials) get
//! their id from Brighte's answer, so a lost answer leaves nothing to look
//! them up by, and they are not journalled.

use partner_sdk_journal::{Intent, Resolved};

use crate::Client;
use crate::applications::ApplicationStatus;
use crate::error::ErrorCode;

impl Client {
    /// What Brighte says of one journalled payment request, asked as
    /// `operation`.
    async fn resolve_intent(&self, operation: &'static str, intent: Intent) -> Resolved {
        if intent.key.operation() != "request_application_payment" {
            return Resolved::NeedsReconciliation;
        }
        match self.fetch_application(operation, intent.key.value()).await {
            Ok(application) => match application.status {
                Some(ApplicationStatus::Paid) => Resolved::Done {
                    provider_id: Some(application.id),
                },
                Some(status @ (ApplicationStatus::Declined | ApplicationStatus::Withdraw)) => {
                    Resolved::NotDone {
                        reason: format!(
                            "application {} at Brighte: no payment requested",
                            status.as_str()
                        ),
                    }
                }
                _ => Resolved::NeedsReconciliation,
            },
            Err(e)
                if e.code() == Some(ErrorCode::NotFound)
                    || e.status().is_some_and(|s| s.as_u16() == 404) =>
            {
                Resolved::NotDone {
                    reason: "application not found at Brighte".to_owned(),
                }
            }
            Err(_) => Resolved::Unknown,
        }
    }
}

partner_sdk_core::provider_recovery! {
    /// Resolves every payment request journalled pending for at least
    /// `grace` (so one still in flight is left alone) by fetching its
    /// application, each claimed with a lease first so replicas sharing a
    /// journal never resolve one twice. Never sends a create.
    ///
    /// An application `PAID` had its payment requested: settled done.
    /// Brighte knows no such application (4041, or a 404), or it is
    /// `DECLINED` or `WITHDRAW` (no payment can be requested on it): settled
    /// not done, naming why. Any other status does not show whether the payment was
    /// requested: reported in [`RecoveryReport::needs_reconciliation`](partner_sdk_journal::RecoveryReport::needs_reconciliation) and
    /// left pending. A fetch that fails leaves it pending ("unknown").
    ///
    /// A client without a journal (or without vendor credentials) has
    /// nothing to recover: the report is empty. A journal that fails is
    /// [`partner_sdk_core::Error::Journal`].
    Client { provider: "brighte", error: crate::Error, journal: |client| client.journal() }
}
