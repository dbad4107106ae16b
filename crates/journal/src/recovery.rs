//! Recovery: claim a provider's pending intents, resolve each by the
//! provider's look-up, settle what the look-up tells, and report.
//!
//! The loop is written once here; a provider crate's `recover()` hands it
//! the look-up ([`recover`]'s `resolve`), which says what became of one
//! intent ([`Resolved`]). Nothing here sends a create.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use super::{Intent, IntentKey, JournalError, JournalStore, Outcome};

/// How long a pending intent is left alone before `recover()` claims it: a
/// create still in flight in another task or process is not resolved under
/// its feet (2 minutes, longer than a create's 30 s attempt and its login).
pub const DEFAULT_RECOVERY_GRACE: Duration = Duration::from_secs(120);

/// The lease a recovery takes on each intent it claims (60 s), renewed as it
/// comes to each intent of its batch: another replica's recovery leaves the
/// intent alone meanwhile.
pub const RECOVERY_LEASE: Duration = Duration::from_secs(60);

/// How many intents a recovery claims at a time (16), so replicas
/// recovering together share the work.
pub const RECOVERY_BATCH: usize = 16;

/// What a provider's look-up found for one intent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolved {
    /// The provider did it: settled [`Outcome::Done`] with its id.
    Done {
        /// The provider's id (e.g. DT One's transaction id).
        provider_id: Option<String>,
    },
    /// The provider did not do it (it knows nothing under the key): settled
    /// [`Outcome::NotDone`].
    NotDone {
        /// Why, as an error code or short text; never personal data.
        reason: String,
    },
    /// The look-up could not tell (it failed): released, a later recovery
    /// asks again.
    Unknown,
    /// The provider offers no look-up for this create: left pending for a
    /// person to reconcile by its key.
    NeedsReconciliation,
}

/// What a recovery did, intent by intent (each listed by its key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryReport {
    /// Resolved: the provider did it (settled done).
    pub done: Vec<IntentKey>,
    /// Resolved: the provider did not do it (settled not done); sending it
    /// again (under the same key: a new attempt) is the caller's decision.
    pub not_done: Vec<IntentKey>,
    /// Still unknown: the look-up or the settle failed; left pending, a
    /// later recovery tries again.
    pub unknown: Vec<IntentKey>,
    /// No look-up exists for these creates: left pending; reconcile them
    /// with the provider by their key (e.g. BBTI's `submissionId`).
    pub needs_reconciliation: Vec<IntentKey>,
}

impl RecoveryReport {
    /// True when every intent claimed was settled (nothing unknown, nothing
    /// to reconcile by hand).
    pub fn is_settled(&self) -> bool {
        self.unknown.is_empty() && self.needs_reconciliation.is_empty()
    }

    /// How many intents were claimed and looked at.
    pub fn len(&self) -> usize {
        self.done.len() + self.not_done.len() + self.unknown.len() + self.needs_reconciliation.len()
    }

    /// True when there was nothing pending to recover.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Claims the pending intents of `provider` written at least `older_than`
/// ago, [`RECOVERY_BATCH`] at a time with a [`RECOVERY_LEASE`], resolves
/// each with `resolve` and settles or releases it; returns what happened.
///
/// Each intent is resolved at most once per call, and never by two
/// recoveries at once (the claim's lease, renewed as the run comes to each
/// intent of its batch; an intent whose lease ran out meanwhile is left to
/// whoever holds it now), and never while its sender's lease runs (a create
/// still waiting for its answer). Intents left pending (unknown,
/// needing reconciliation) are released when the run ends, so the next
/// recovery claims them at once. A claim that fails ends the run with its
/// error, after releasing what this run held.
pub async fn recover<F, Fut>(
    store: &dyn JournalStore,
    provider: &str,
    older_than: Duration,
    mut resolve: F,
) -> Result<RecoveryReport, JournalError>
where
    F: FnMut(Intent) -> Fut,
    Fut: Future<Output = Resolved>,
{
    let mut report = RecoveryReport::default();
    let mut held = Vec::new();
    let mut seen = HashSet::new();
    let result = loop {
        let batch = match store
            .claim_pending(provider, older_than, RECOVERY_LEASE, RECOVERY_BATCH)
            .await
        {
            Ok(batch) => batch,
            Err(e) => break Err(e),
        };
        if batch.is_empty() {
            break Ok(());
        }
        let mut new = false;
        for intent in batch {
            if !seen.insert(intent.key.clone()) {
                // Its lease ran out during this run and it came back: it
                // waits for the next recovery.
                held.push(intent);
                continue;
            }
            new = true;
            match store
                .renew(&intent.key, intent.leases, RECOVERY_LEASE)
                .await
            {
                Ok(true) => {}
                // Lost to another claim, or settled by its sender meanwhile.
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(provider, error = %e, "recovery: lease not renewed");
                    report.unknown.push(intent.key.clone());
                    held.push(intent);
                    continue;
                }
            }
            let outcome = match resolve(intent.clone()).await {
                Resolved::Done { provider_id } => Outcome::Done { provider_id },
                Resolved::NotDone { reason } => Outcome::NotDone { reason },
                Resolved::Unknown => {
                    report.unknown.push(intent.key.clone());
                    held.push(intent);
                    continue;
                }
                Resolved::NeedsReconciliation => {
                    report.needs_reconciliation.push(intent.key.clone());
                    held.push(intent);
                    continue;
                }
            };
            let done = matches!(outcome, Outcome::Done { .. });
            match store.settle(&intent.key, intent.attempt, outcome).await {
                Ok(()) if done => report.done.push(intent.key),
                Ok(()) => report.not_done.push(intent.key),
                Err(e) => {
                    tracing::warn!(
                        provider,
                        operation = intent.key.operation(),
                        field = intent.key.field(),
                        error = %e,
                        "recovery: resolved, but the journal did not record it"
                    );
                    report.unknown.push(intent.key.clone());
                    held.push(intent);
                }
            }
        }
        if !new {
            break Ok(());
        }
    };
    for intent in &held {
        if let Err(e) = store.release(intent).await {
            tracing::warn!(provider, error = %e, "recovery: lease not released");
        }
    }
    result.map(|()| report)
}
