//! A replica: one process of the service under test, which sends its share
//! of the orders through the chaos proxy with the shared journal and may be
//! killed at any moment.
//!
//! It keeps nothing of its own: the journal is its only memory across a
//! kill. On start it recovers what is pending (`recover_older_than`), then
//! takes each of its orders in turn, several at once:
//!
//! - done in the journal: nothing to do;
//! - otherwise `create_or_resolve` under the order's own `external_id`,
//!   never another: a transaction is done; an unknown outcome is asked
//!   again (the client looks a journalled create up instead of sending it);
//!   a create the journal holds pending and DT One does not know yet waits
//!   for the grace period and a recovery, which settles it; a definite
//!   refusal is sent again later under the same key;
//! - a key the journal refuses to send again after a refusal
//!   (`Journalled`, not done) is reported, not replaced by a new key.
//!
//! When every order is settled it prints one line of JSON: its tallies.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use partner_sdk_dtone::{Client, Error};
use partner_sdk_journal::{IntentState, JournalStore, RECOVERY_LEASE};
use serde_json::json;

use crate::orders;
use crate::store::Location;

/// What a replica is told by the coordinator.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// This replica's number, from 0.
    pub(crate) index: u64,
    /// How many replicas share the orders.
    pub(crate) replicas: u64,
    /// How many orders there are in all.
    pub(crate) creates: u64,
    /// The base URL the client sends to (the proxy's).
    pub(crate) base_url: String,
    /// The shared journal.
    pub(crate) journal: Location,
    /// The client's timeout per attempt.
    pub(crate) timeout: Duration,
    /// How long a pending intent is left alone before a recovery claims it.
    pub(crate) grace: Duration,
    /// How many orders are in flight at once.
    pub(crate) concurrency: usize,
}

/// How one order ended for this replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Created, or found created.
    Done,
    /// Settled not done and refused by the journal when sent again.
    Locked,
    /// Not settled before the replica's deadline for it: left to a later
    /// recovery.
    GaveUp,
    /// `create_or_resolve` found another transaction under the key.
    Conflict,
}

/// What to do after a failed attempt.
enum Next {
    /// The same key cannot be sent again.
    Stop(End),
    /// The journal holds the create pending and DT One has none yet: wait
    /// for the grace period and recover.
    Recover,
    /// Ask again after a pause.
    Retry,
}

/// Runs recoveries one at a time, at most one per quarter of the grace
/// period.
struct Recovery {
    client: Client,
    grace: Duration,
    last: tokio::sync::Mutex<Option<Instant>>,
}

impl Recovery {
    async fn run(&self) {
        let mut last = self.last.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.grace / 4) {
            return;
        }
        // A failed recovery (the journal or the look-ups) is tried again by
        // the next one; what it left pending stays pending.
        let _ = self.client.recover_older_than(self.grace).await;
        *last = Some(Instant::now());
    }
}

/// The replicas' retry policy: waits no longer than an attempt's `timeout`,
/// so a create's deadline (the lease a killed replica leaves, and the grace
/// a recovery waits) stays a few times the timeout.
pub(crate) fn retry_policy(timeout: Duration) -> partner_sdk_dtone::RetryPolicy {
    partner_sdk_dtone::RetryPolicy::default().with_max_delay(timeout)
}

/// Everything the orders in flight share.
struct Context {
    client: Client,
    journal: Arc<dyn JournalStore>,
    recovery: Recovery,
    grace: Duration,
    order_deadline: Duration,
}

/// Runs a replica: recovers, sends its orders, and returns its tallies as
/// one line of JSON.
pub(crate) async fn run(plan: Plan) -> Result<String, String> {
    let journal = plan.journal.open().await?;
    let client = Client::builder()
        .base_url(plan.base_url.clone())
        .credentials(
            partner_sdk_sandbox::dtone::API_KEY,
            partner_sdk_sandbox::dtone::API_SECRET,
        )
        .timeout(plan.timeout)
        .connect_timeout(plan.timeout)
        .retry_policy(retry_policy(plan.timeout))
        .journal(Arc::clone(&journal))
        .build()
        .map_err(|e| format!("cannot build the DT One client: {e}"))?;
    let context = Context {
        recovery: Recovery {
            client: client.clone(),
            grace: plan.grace,
            last: tokio::sync::Mutex::new(None),
        },
        client,
        journal,
        grace: plan.grace,
        // Long enough for a recovery's lease left by a killed replica to
        // run out and a few more recoveries.
        order_deadline: RECOVERY_LEASE + plan.grace * 4,
    };
    context.recovery.run().await;
    let tallies: [AtomicU64; 4] = Default::default();
    futures::stream::iter(orders::orders_of(plan.index, plan.replicas, plan.creates))
        .for_each_concurrent(plan.concurrency.max(1), |order| {
            let context = &context;
            let tallies = &tallies;
            async move {
                let slot = match send_order(context, order).await {
                    End::Done => 0,
                    End::Locked => 1,
                    End::GaveUp => 2,
                    End::Conflict => 3,
                };
                tallies[slot].fetch_add(1, Ordering::Relaxed);
            }
        })
        .await;
    let [done, locked, gave_up, conflicts] = tallies.map(|t| t.load(Ordering::Relaxed));
    Ok(json!({
        "replica": plan.index,
        "done": done,
        "locked": locked,
        "gave_up": gave_up,
        "conflicts": conflicts,
    })
    .to_string())
}

/// Brings one order to an end, under its own key only.
async fn send_order(context: &Context, order: u64) -> End {
    let key = orders::intent_key(order);
    let request = orders::request(order);
    let give_up_at = Instant::now() + context.order_deadline;
    let mut pause = Duration::from_millis(50);
    while Instant::now() < give_up_at {
        if let Ok(Some(intent)) = context.journal.get(&key).await
            && matches!(intent.state, IntentState::Done { .. })
        {
            return End::Done;
        }
        let next = match context
            .client
            .create_or_resolve(orders::CATEGORY, &request)
            .await
        {
            Ok(_) => return End::Done,
            Err(e) => next_step(&e),
        };
        match next {
            Next::Stop(end) => return end,
            Next::Recover => {
                tokio::time::sleep(jitter(context.grace / 4)).await;
                context.recovery.run().await;
            }
            Next::Retry => {
                tokio::time::sleep(jitter(pause)).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
    End::GaveUp
}

/// What a failed `create_or_resolve` leaves to do.
fn next_step(error: &Error) -> Next {
    if matches!(error, Error::ExternalIdConflict(_)) {
        return Next::Stop(End::Conflict);
    }
    match error.as_core() {
        Some(partner_sdk_dtone::core::Error::Journalled(journalled)) => match &journalled.state {
            IntentState::NotDone { .. } => Next::Stop(End::Locked),
            state if state.is_pending() => Next::Recover,
            // Done, but its look-up failed: ask again.
            _ => Next::Retry,
        },
        // An unknown outcome (the client looked it up already and found
        // nothing: it stays pending), a refusal (settled not done), a
        // journal that could not write: ask again, under the same key.
        _ => Next::Retry,
    }
}

/// `d` times a random factor in `[0.5, 1.5)`, so orders waiting together
/// do not ask together.
fn jitter(d: Duration) -> Duration {
    d.mul_f64(0.5 + fastrand::f64())
}
