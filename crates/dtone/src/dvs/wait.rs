//! [`Client::wait_for_final`]: a transaction's final status by polling,
//! for callers without a callback URL.
//!
//! It only ever sends `GET /transactions/{id}`: it changes nothing, and
//! reports the status DT One gave, never a guess. A poll that fails for a
//! while (a timeout, a connection error, a 5xx, a 429) is polled again; a
//! definite refusal (401, 1008004 not found, ...) ends the wait at once.

use std::time::Duration;

use tokio::time::Instant;

use super::client::Client;
use super::error::Error;
use super::transactions::{Transaction, TransactionStatus};

/// The default first wait between polls: 1 s.
pub const DEFAULT_FIRST_INTERVAL: Duration = Duration::from_secs(1);
/// The default factor each wait grows by: 2.
pub const DEFAULT_FACTOR: f64 = 2.0;
/// The default longest wait between polls: 15 s.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(15);
/// The shortest wait between polls, whatever the options say: 100 ms.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// The default deadline of a wait: 200 s, past the 180 s DT One holds a
/// synchronous create.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(200);

/// How [`Client::wait_for_final`] polls: the first wait, the factor each
/// wait grows by, the longest wait, and the deadline of the whole wait.
///
/// The waits are `first`, `first × factor`, `first × factor²`, ... up to
/// `max_interval`; a 429's `Retry-After` lengthens the next one. No wait
/// goes past the deadline.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Wait before the second poll (the first is at once; at least
    /// [`MIN_INTERVAL`]).
    pub first_interval: Duration,
    /// Factor each wait grows by (at least 1; not a number reads as 1).
    pub factor: f64,
    /// Longest wait between polls.
    pub max_interval: Duration,
    /// How long to poll in all, from the call.
    pub deadline: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            first_interval: DEFAULT_FIRST_INTERVAL,
            factor: DEFAULT_FACTOR,
            max_interval: DEFAULT_MAX_INTERVAL,
            deadline: DEFAULT_DEADLINE,
        }
    }
}

impl WaitOptions {
    /// The defaults: [`DEFAULT_FIRST_INTERVAL`], [`DEFAULT_FACTOR`],
    /// [`DEFAULT_MAX_INTERVAL`], [`DEFAULT_DEADLINE`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the wait before the second poll.
    pub fn first_interval(mut self, interval: Duration) -> Self {
        self.first_interval = interval;
        self
    }

    /// Sets the factor each wait grows by.
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// Sets the longest wait between polls.
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// Sets the deadline of the whole wait.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The wait after `interval`: grown by the factor, at most
    /// `max_interval`.
    fn next(&self, interval: Duration) -> Duration {
        let factor = if self.factor >= 1.0 { self.factor } else { 1.0 };
        Duration::try_from_secs_f64(interval.as_secs_f64() * factor)
            .unwrap_or(self.max_interval)
            .min(self.max_interval)
    }
}

/// Why [`Client::wait_for_final`] returned no final transaction.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The deadline passed before the transaction's status was final. The
    /// transaction may still reach any status: look again later.
    #[error(
        "transaction {transaction_id} is not final after {} ms ({polls} polls); last status seen: {}",
        waited.as_millis(),
        last_status.as_ref().map_or("none", |s| s.message.as_str())
    )]
    Deadline {
        /// The transaction waited for.
        transaction_id: i64,
        /// The last status DT One reported, `None` when no poll succeeded.
        last_status: Option<TransactionStatus>,
        /// How long the wait lasted.
        waited: Duration,
        /// How many polls were sent.
        polls: u32,
    },
    /// A poll was refused definitely (401, 1008004 not found, a bad id,
    /// ...): polling again would not help.
    #[error(transparent)]
    Poll(#[from] Error),
}

impl WaitError {
    /// The last status seen before the deadline (`None` for a refused
    /// poll, or when no poll succeeded).
    pub fn last_status(&self) -> Option<&TransactionStatus> {
        match self {
            WaitError::Deadline { last_status, .. } => last_status.as_ref(),
            WaitError::Poll(_) => None,
        }
    }
}

/// Whether a poll that failed with `error` may succeed later: timeouts,
/// connection errors, any 5xx, 408 and 429.
fn is_transient(error: &Error) -> bool {
    error.is_retryable() || error.status().is_some_and(|s| s.is_server_error())
}

impl Client {
    /// Polls `GET /transactions/{transaction_id}` until the transaction's
    /// status class is final ([`Transaction::is_final`]) and returns it, or
    /// until `options.deadline`: then [`WaitError::Deadline`] names the id
    /// and the last status seen.
    ///
    /// The first poll is sent at once; then each wait follows `options`
    /// (a 429's `Retry-After` lengthens it). Transient failures of a poll
    /// keep the wait going; a definite refusal ends it
    /// ([`WaitError::Poll`]). Each poll is cut at the deadline. Only `GET`s
    /// are sent: use it without a callback URL, or to settle a transaction
    /// whose callback did not come.
    pub async fn wait_for_final(
        &self,
        transaction_id: i64,
        options: &WaitOptions,
    ) -> Result<Transaction, WaitError> {
        let start = Instant::now();
        let deadline = start.checked_add(options.deadline).unwrap_or(start);
        let mut interval = options
            .first_interval
            .min(options.max_interval)
            .max(MIN_INTERVAL);
        let mut last_status = None;
        let mut polls = 0u32;
        loop {
            polls = polls.saturating_add(1);
            let poll = tokio::time::timeout_at(deadline, self.get_transaction(transaction_id));
            let mut wait = interval;
            match poll.await {
                Ok(Ok(transaction)) if transaction.is_final() => return Ok(transaction),
                Ok(Ok(transaction)) => last_status = transaction.status,
                Ok(Err(error)) if is_transient(&error) => {
                    if let Some(after) = error.api().and_then(|api| api.retry_after()) {
                        wait = wait.max(after);
                    }
                }
                Ok(Err(error)) => return Err(WaitError::Poll(error)),
                Err(_) => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(WaitError::Deadline {
                    transaction_id,
                    last_status,
                    waited: now.duration_since(start),
                    polls,
                });
            }
            tokio::time::sleep_until(now.checked_add(wait).unwrap_or(deadline).min(deadline)).await;
            interval = options.next(interval).max(MIN_INTERVAL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_their_cap() {
        let o = WaitOptions::new()
            .first_interval(Duration::from_secs(1))
            .factor(1.5)
            .max_interval(Duration::from_secs(3));
        assert_eq!(o.next(Duration::from_secs(1)), Duration::from_millis(1500));
        assert_eq!(o.next(Duration::from_secs(2)), Duration::from_secs(3));
        for odd in [0.5, -2.0, f64::NAN] {
            let o = o.factor(odd);
            assert_eq!(
                o.next(Duration::from_secs(2)),
                Duration::from_secs(2),
                "{odd}"
            );
        }
        let o = o.factor(f64::INFINITY);
        assert_eq!(o.next(Duration::from_secs(2)), Duration::from_secs(3));
        let d = WaitOptions::default();
        assert_eq!(
            (d.first_interval, d.factor, d.max_interval, d.deadline),
            (
                Duration::from_secs(1),
                2.0,
                Duration::from_secs(15),
                Duration::from_secs(200)
            )
        );
    }
}
