//! [`Client::wait_for_final`]: a transaction's final status by polling,
//! for callers without a callback URL.
//!
//! It only ever sends `GET /transactions/{id}`: it changes nothing, and
//! reports the status DT One gave, never a guess. A poll that fails for a
//! while (a timeout, a connection error, a 5xx, a 429) is polled again; a
//! definite refusal (401, 1008004 not found, ...) ends the wait at once.

use std::future::Future;
use std::time::Duration;

use partner_sdk_core::Request;
use tokio::time::Instant;

use super::client::Client;
use super::error::Error;
use super::transactions::{Transaction, TransactionStatus};
use crate::validate::check_id;

/// The default first wait between polls: 1 s.
pub const DEFAULT_FIRST_INTERVAL: Duration = Duration::from_secs(1);
/// The default factor each wait grows by: 2.
pub const DEFAULT_FACTOR: f64 = 2.0;
/// The default longest wait between polls: 15 s.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(15);
/// The shortest wait between polls, whatever the options say: 100 ms.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// The default jitter: each wait shortened by up to 20 %, at random.
pub const DEFAULT_JITTER: f64 = 0.2;
/// The default deadline of a wait: 200 s, past the 180 s DT One holds a
/// synchronous create.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(200);

/// How [`Client::wait_for_final`] polls: the first wait, the factor each
/// wait grows by, the longest wait, the jitter, and the deadline of the
/// whole wait.
///
/// The waits are `first`, `first × factor`, `first × factor²`, ... up to
/// `max_interval`, each shortened at random by up to `jitter` of itself (so
/// that many waits started together spread out), never below
/// [`MIN_INTERVAL`]; a 429's `Retry-After` lengthens the next one. No wait
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
    /// The fraction of each wait that may be taken off at random, from 0
    /// (none) to 1 (not a number reads as 0).
    pub jitter: f64,
    /// How long to poll in all, from the call.
    pub deadline: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            first_interval: DEFAULT_FIRST_INTERVAL,
            factor: DEFAULT_FACTOR,
            max_interval: DEFAULT_MAX_INTERVAL,
            jitter: DEFAULT_JITTER,
            deadline: DEFAULT_DEADLINE,
        }
    }
}

impl WaitOptions {
    /// The defaults: [`DEFAULT_FIRST_INTERVAL`], [`DEFAULT_FACTOR`],
    /// [`DEFAULT_MAX_INTERVAL`], [`DEFAULT_JITTER`], [`DEFAULT_DEADLINE`].
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

    /// Sets the fraction of each wait that may be taken off at random.
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
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

    /// `wait` shortened by a random part of up to `jitter` of it.
    fn jittered(&self, wait: Duration, rng: &mut fastrand::Rng) -> Duration {
        let jitter = if self.jitter > 0.0 {
            self.jitter.min(1.0)
        } else {
            0.0
        };
        Duration::try_from_secs_f64(wait.as_secs_f64() * (1.0 - jitter * rng.f64())).unwrap_or(wait)
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
    /// ([`WaitError::Poll`]). Each poll is cut at the deadline; when the
    /// next wait would reach it, the call waits until the deadline and
    /// returns [`WaitError::Deadline`] without another poll. Only `GET`s
    /// are sent: use it without a callback URL, or to settle a transaction
    /// whose callback did not come.
    pub async fn wait_for_final(
        &self,
        transaction_id: i64,
        options: &WaitOptions,
    ) -> Result<Transaction, WaitError> {
        check_id("transaction_id", transaction_id).map_err(Error::from)?;
        let mut rng = fastrand::Rng::new();
        poll_until_final(transaction_id, options, &mut rng, || async {
            // `get_transaction`'s request, under this method's name.
            let req = Request::get("wait_for_final", "/transactions/{transaction_id}")
                .param(transaction_id)
                .sensitive_answer();
            Ok(self.transport.send(req).await?)
        })
        .await
    }
}

/// The loop of [`Client::wait_for_final`] over `poll`, one look-up of the
/// transaction per call.
async fn poll_until_final<F, Fut>(
    transaction_id: i64,
    options: &WaitOptions,
    rng: &mut fastrand::Rng,
    mut poll: F,
) -> Result<Transaction, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Transaction, Error>>,
{
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
        let mut wait = options.jittered(interval, rng).max(MIN_INTERVAL);
        match tokio::time::timeout_at(deadline, poll()).await {
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
        let wake = Instant::now().checked_add(wait).unwrap_or(deadline);
        if wake >= deadline {
            // No poll is sent at or after the deadline: it would be cut.
            tokio::time::sleep_until(deadline).await;
            return Err(WaitError::Deadline {
                transaction_id,
                last_status,
                waited: Instant::now().duration_since(start),
                polls,
            });
        }
        tokio::time::sleep_until(wake).await;
        interval = options.next(interval).max(MIN_INTERVAL);
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
            (
                d.first_interval,
                d.factor,
                d.max_interval,
                d.jitter,
                d.deadline
            ),
            (
                Duration::from_secs(1),
                2.0,
                Duration::from_secs(15),
                0.2,
                Duration::from_secs(200)
            )
        );
    }

    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use partner_sdk_core::reqwest::{Method, StatusCode};
    use partner_sdk_core::{ApiError, ErrorFields};

    use super::super::error::ErrorCode;

    fn in_status(status: &str) -> Result<Transaction, Error> {
        let body = format!(
            r#"{{"id": 7, "status": {{"id": 1, "message": "{status}", "class": {{"id": 1, "message": "{status}"}}}}}}"#
        );
        Ok(serde_json::from_str(&body).unwrap())
    }

    fn api(status: u16, code: Option<u32>) -> Result<Transaction, Error> {
        let fields = ErrorFields {
            code: code.map(|c| c.to_string()),
            message: Some("m".into()),
        };
        let api = ApiError::new(
            "dtone",
            "get_transaction",
            Method::GET,
            "/transactions/7",
            StatusCode::from_u16(status).unwrap(),
            fields,
            b"{}",
        );
        Err(Error::Http(partner_sdk_core::Error::Api(Box::new(api))))
    }

    /// Answers `answers` in turn (the last one again once they run out),
    /// noting when each poll came, from the start.
    struct Script {
        answers: Mutex<VecDeque<Result<Transaction, Error>>>,
        at: Mutex<Vec<Duration>>,
        start: Instant,
    }

    impl Script {
        fn new(answers: Vec<Result<Transaction, Error>>) -> Arc<Script> {
            Arc::new(Script {
                answers: Mutex::new(answers.into()),
                at: Mutex::new(Vec::new()),
                start: Instant::now(),
            })
        }

        async fn run(self: &Arc<Self>, options: &WaitOptions) -> Result<Transaction, WaitError> {
            self.run_with(options, &mut fastrand::Rng::with_seed(7))
                .await
        }

        async fn run_with(
            self: &Arc<Self>,
            options: &WaitOptions,
            rng: &mut fastrand::Rng,
        ) -> Result<Transaction, WaitError> {
            let script = Arc::clone(self);
            poll_until_final(7, options, rng, move || {
                let script = Arc::clone(&script);
                async move {
                    script.at.lock().unwrap().push(script.start.elapsed());
                    let mut answers = script.answers.lock().unwrap();
                    if answers.len() > 1 {
                        answers.pop_front().unwrap()
                    } else {
                        answers.front().unwrap().clone()
                    }
                }
            })
            .await
        }

        fn at(&self) -> Vec<u64> {
            self.at
                .lock()
                .unwrap()
                .iter()
                .map(|d| d.as_millis() as u64)
                .collect()
        }
    }

    fn options() -> WaitOptions {
        WaitOptions::new()
            .first_interval(Duration::from_secs(1))
            .factor(2.0)
            .max_interval(Duration::from_secs(5))
            .jitter(0.0)
            .deadline(Duration::from_secs(60))
    }

    #[tokio::test(start_paused = true)]
    async fn pending_then_final_polls_with_backoff_to_its_cap() {
        let mut answers: Vec<_> = (0..5).map(|_| in_status("SUBMITTED")).collect();
        answers.push(in_status("COMPLETED"));
        let script = Script::new(answers);
        let done = script.run(&options()).await.unwrap();
        assert!(done.is_success());
        // Waits of 1, 2, 4, then 5 (the cap), 5 seconds.
        assert_eq!(script.at(), [0, 1000, 3000, 7000, 12000, 17000]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_is_a_typed_error_with_the_last_status() {
        let script = Script::new(vec![in_status("CREATED"), in_status("CONFIRMED")]);
        let err = script
            .run(&options().deadline(Duration::from_secs(10)))
            .await
            .unwrap_err();
        match &err {
            WaitError::Deadline {
                transaction_id,
                last_status,
                waited,
                polls,
            } => {
                assert_eq!(*transaction_id, 7);
                let last = last_status.as_ref().unwrap();
                assert_eq!(last.message, "CONFIRMED");
                assert_eq!(*waited, Duration::from_secs(10));
                // At 0, 1, 3 and 7 s: the next would come after the deadline.
                assert_eq!(*polls, 4);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(script.at(), [0, 1000, 3000, 7000]);
        assert_eq!(err.last_status().unwrap().message, "CONFIRMED");
        let text = err.to_string();
        assert!(
            text.contains("transaction 7") && text.contains("CONFIRMED"),
            "{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_keep_polling() {
        let script = Script::new(vec![
            api(503, Some(1009503)),
            api(500, Some(1009001)),
            api(502, None),
            api(429, Some(1000429)),
            in_status("DECLINED"),
        ]);
        let done = script.run(&options()).await.unwrap();
        assert!(done.has_failed());
        assert_eq!(script.at().len(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_definite_refusal_ends_the_wait_at_once() {
        for (status, code) in [(401, 1000401), (404, 1008004), (400, 1000400)] {
            let script = Script::new(vec![api(status, Some(code)), in_status("COMPLETED")]);
            let err = script.run(&options()).await.unwrap_err();
            match &err {
                WaitError::Poll(e) => assert_eq!(e.code(), Some(ErrorCode::from_code(code))),
                other => panic!("{other:?}"),
            }
            assert_eq!(script.at(), [0], "{status}");
            assert!(err.last_status().is_none());
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_that_hangs_is_cut_at_the_deadline() {
        let start = Instant::now();
        let options = options().deadline(Duration::from_secs(30));
        let mut rng = fastrand::Rng::with_seed(7);
        let err = poll_until_final(7, &options, &mut rng, std::future::pending)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            WaitError::Deadline {
                polls: 1,
                last_status: None,
                ..
            }
        ));
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_interval_still_waits_the_floor() {
        let script = Script::new(vec![
            in_status("CREATED"),
            in_status("CREATED"),
            in_status("COMPLETED"),
        ]);
        let options = options().first_interval(Duration::ZERO).factor(1.0);
        script.run(&options).await.unwrap();
        assert_eq!(script.at(), [0, 100, 200]);
    }

    #[test]
    fn jitter_takes_off_at_most_its_fraction() {
        let mut rng = fastrand::Rng::with_seed(11);
        let second = Duration::from_secs(1);
        for jitter in [0.0, -1.0, f64::NAN] {
            let o = options().jitter(jitter);
            assert_eq!(o.jittered(second, &mut rng), second, "{jitter}");
        }
        let o = options().jitter(0.5);
        let waits: Vec<Duration> = (0..100).map(|_| o.jittered(second, &mut rng)).collect();
        assert!(waits.iter().all(|w| *w > second / 2 && *w <= second));
        assert!(waits.iter().any(|w| *w < second * 3 / 4), "{waits:?}");
        // More than all of it reads as all of it: never below zero.
        let o = options().jitter(5.0);
        assert!((0..100).all(|_| o.jittered(second, &mut rng) <= second));
    }

    #[tokio::test(start_paused = true)]
    async fn jittered_waits_stay_within_their_bounds_and_the_backoff_goes_on() {
        let mut answers: Vec<_> = (0..5).map(|_| in_status("SUBMITTED")).collect();
        answers.push(in_status("COMPLETED"));
        let script = Script::new(answers);
        let options = options().jitter(0.5);
        let mut rng = fastrand::Rng::with_seed(3);
        script.run_with(&options, &mut rng).await.unwrap();
        let at = script.at();
        let gaps: Vec<u64> = at.windows(2).map(|w| w[1] - w[0]).collect();
        // The un-jittered waits are 1, 2, 4, 5, 5 seconds; each gap is more
        // than half of its wait and at most all of it.
        for (gap, base) in gaps.iter().zip([1000u64, 2000, 4000, 5000, 5000]) {
            assert!(*gap > base / 2 && *gap <= base, "{gaps:?}");
        }
        assert_ne!(gaps, [1000, 2000, 4000, 5000, 5000], "jittered");
        // The same seed gives the same waits.
        let again = Script::new(
            (0..5)
                .map(|_| in_status("SUBMITTED"))
                .chain([in_status("COMPLETED")])
                .collect(),
        );
        again
            .run_with(&options, &mut fastrand::Rng::with_seed(3))
            .await
            .unwrap();
        assert_eq!(again.at(), at);
    }
}
