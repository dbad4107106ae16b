//! An intent as the SQL stores keep it: one row, columns in a fixed order,
//! times in milliseconds since the Unix epoch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{
    Intent, IntentKey, IntentState, JournalError, JournalStep, Lease, Outcome, RequestDigest,
};

/// The `state`, `provider_id` and `reason` columns `outcome` is settled as.
pub(crate) fn outcome_columns(outcome: &Outcome) -> (&'static str, Option<&str>, Option<&str>) {
    match outcome {
        Outcome::Done { provider_id } => ("done", provider_id.as_deref(), None),
        Outcome::NotDone { reason } => ("not_done", None, Some(reason.as_str())),
    }
}

/// The lease a `begin` took, from the `attempt` and `leases` columns it
/// returned, or [`JournalError::Corrupt`] when either is out of range.
pub(crate) fn lease_of(
    attempt: i64,
    number: i64,
    step: JournalStep,
) -> Result<Lease, JournalError> {
    let corrupt = || JournalError::Corrupt {
        step,
        what: "an attempt or lease number out of range",
    };
    Ok(Lease {
        attempt: u32::try_from(attempt).map_err(|_| corrupt())?,
        number: u32::try_from(number).map_err(|_| corrupt())?,
    })
}

/// One stored intent, as read from a row, before it is checked.
pub(crate) struct Row {
    pub(crate) provider: String,
    pub(crate) operation: String,
    pub(crate) key_field: String,
    pub(crate) key_value: String,
    pub(crate) digest: Vec<u8>,
    pub(crate) created_at_ms: i64,
    pub(crate) state: String,
    pub(crate) provider_id: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) attempt: i64,
    pub(crate) leases: i64,
    pub(crate) lease_until_ms: Option<i64>,
}

impl Row {
    /// The intent this row holds, or [`JournalError::Corrupt`] when another
    /// writer left it unreadable.
    pub(crate) fn into_intent(self, step: JournalStep) -> Result<Intent, JournalError> {
        let corrupt = |what| JournalError::Corrupt { step, what };
        let digest = RequestDigest::from_slice(&self.digest)
            .ok_or_else(|| corrupt("a digest that is not 16 bytes"))?;
        let state = match self.state.as_str() {
            "pending" => IntentState::Pending,
            "done" => IntentState::Done {
                provider_id: self.provider_id,
            },
            "not_done" => IntentState::NotDone {
                reason: self.reason.unwrap_or_default(),
            },
            _ => return Err(corrupt("an unknown state")),
        };
        let attempt =
            u32::try_from(self.attempt).map_err(|_| corrupt("an attempt number out of range"))?;
        let leases =
            u32::try_from(self.leases).map_err(|_| corrupt("a lease count out of range"))?;
        let key = IntentKey::new(
            self.provider,
            self.operation,
            self.key_field,
            self.key_value,
        );
        let mut intent = Intent::new(key, digest, from_ms(self.created_at_ms));
        intent.state = state;
        intent.attempt = attempt;
        intent.leases = leases;
        intent.lease_until = self.lease_until_ms.map(from_ms);
        Ok(intent)
    }
}

/// Milliseconds since the Unix epoch; times before it are 0, times beyond
/// `i64` milliseconds are `i64::MAX`. (PostgreSQL's times are the server's:
/// only SQLite writes the process's clock.)
#[cfg(any(test, feature = "sqlite"))]
pub(crate) fn to_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

/// A duration in whole milliseconds (durations are clamped to
/// [`MAX_DURATION`](super::MAX_DURATION), far below `i64::MAX` ms).
pub(crate) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(super::clamp(duration).as_millis()).unwrap_or(i64::MAX)
}

/// The time `ms` milliseconds after the Unix epoch (negative ones are the
/// epoch).
pub(crate) fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// A lease number or attempt as the SQL stores' `INTEGER` (saturating).
pub(crate) fn sql_u32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `limit` as SQL's `LIMIT`.
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str, digest: Vec<u8>) -> Row {
        Row {
            provider: "dtone".into(),
            operation: "create_transaction".into(),
            key_field: "external_id".into(),
            key_value: "order-1".into(),
            digest,
            created_at_ms: 1_700_000_000_123,
            state: state.into(),
            provider_id: Some("42".into()),
            reason: None,
            attempt: 3,
            leases: 2,
            lease_until_ms: None,
        }
    }

    #[test]
    fn a_row_reads_back_as_the_intent() {
        let intent = row("done", vec![7; 16]).into_intent(JournalStep::Get);
        let intent = intent.ok();
        assert_eq!(
            intent
                .as_ref()
                .map(|i| (&i.state, i.attempt, i.leases, to_ms(i.created_at))),
            Some((
                &IntentState::Done {
                    provider_id: Some("42".into())
                },
                3,
                2,
                1_700_000_000_123
            ))
        );
    }

    #[test]
    fn unreadable_rows_are_corrupt() {
        for bad in [row("maybe", vec![7; 16]), row("pending", vec![7; 15])] {
            assert!(matches!(
                bad.into_intent(JournalStep::Claim),
                Err(JournalError::Corrupt {
                    step: JournalStep::Claim,
                    ..
                })
            ));
        }
    }

    #[test]
    fn times_round_trip_in_milliseconds() {
        assert_eq!(to_ms(from_ms(42)), 42);
        assert_eq!(from_ms(-5), UNIX_EPOCH);
        assert_eq!(
            duration_ms(Duration::MAX),
            duration_ms(super::super::MAX_DURATION)
        );
        assert_eq!(sql_limit(usize::MAX), i64::MAX);
    }
}
