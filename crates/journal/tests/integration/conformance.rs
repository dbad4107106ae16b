//! What every `JournalStore` must do, run against each store: a generic
//! suite over `&dyn JournalStore`. Each check uses a provider name of its
//! own, so stores shared across runs (PostgreSQL) hold no interference.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use partner_sdk_journal::{
    Begin, IntentKey, IntentState, JournalError, JournalStore, Lease, NewIntent, Outcome,
    RequestDigest,
};

const HOUR: Duration = Duration::from_secs(3600);

/// A name no other check, test run or process uses.
pub(crate) fn unique(label: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{label}-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn key(provider: &str, value: &str) -> IntentKey {
    IntentKey::new(provider, "create_transaction", "external_id", value)
}

pub(crate) fn intent(provider: &str, value: &str) -> NewIntent {
    NewIntent::new(
        key(provider, value),
        RequestDigest::of(format!(r#"{{"external_id":"{value}","amount":"10"}}"#).as_bytes()),
    )
}

/// Begins `new` as its first attempt with a lease that has expired at once
/// (so a claim may take it), asserting the answer.
pub(crate) async fn begin_fresh(store: &dyn JournalStore, new: &NewIntent) {
    assert_eq!(
        store.begin(new, Duration::ZERO).await.ok(),
        Some(Begin::Fresh(Lease {
            attempt: 1,
            number: 1
        }))
    );
}

/// Every check below, one after another.
pub(crate) async fn run(store: &dyn JournalStore) {
    begin_is_fresh_then_existing_and_a_reused_key_conflicts(store).await;
    settling_is_recorded_and_final(store).await;
    a_claim_takes_a_lease(store).await;
    a_lease_expires(store).await;
    young_intents_are_left_alone(store).await;
    the_senders_lease_keeps_recovery_off(store).await;
    a_key_not_done_is_begun_again(store).await;
    pruning_deletes_only_settled_intents(store).await;
}

pub(crate) async fn begin_is_fresh_then_existing_and_a_reused_key_conflicts(
    store: &dyn JournalStore,
) {
    let provider = unique("begin");
    let new = intent(&provider, "order-1");
    let before = SystemTime::now() - Duration::from_secs(1);
    assert_eq!(
        store.begin(&new, HOUR).await.ok(),
        Some(Begin::Fresh(Lease {
            attempt: 1,
            number: 1
        }))
    );

    let written = store.get(&new.key).await.ok().flatten();
    let Some(written) = written else {
        panic!("the begun intent is not found");
    };
    assert_eq!(written.key, new.key);
    assert_eq!(written.digest, new.digest);
    assert_eq!(written.state, IntentState::Pending);
    assert_eq!((written.attempt, written.leases), (1, 1));
    assert!(
        written
            .lease_until
            .is_some_and(|until| until > before + HOUR / 2),
        "the sender's lease runs for the time asked"
    );

    match store.begin(&new, HOUR).await {
        Ok(Begin::Existing(existing)) => assert_eq!(existing, written),
        other => panic!("the same create again must be Existing, got {other:?}"),
    }

    let reused = NewIntent::new(new.key.clone(), RequestDigest::of(b"another request"));
    match store.begin(&reused, HOUR).await {
        Err(error @ JournalError::Conflict { .. }) => {
            assert!(error.create_not_sent());
            let text = error.to_string();
            assert!(
                text.contains(&provider) && text.contains("external_id"),
                "{text}"
            );
            assert!(
                !text.contains("order-1"),
                "the key's value is not named: {text}"
            );
        }
        other => panic!("a reused key with another request must conflict, got {other:?}"),
    }
    // The refused begin changed nothing.
    assert_eq!(store.get(&new.key).await.ok().flatten(), Some(written));

    // The same value under another operation is another intent.
    let other_operation = NewIntent::new(
        IntentKey::new(&provider, "pay_bill", "external_id", "order-1"),
        RequestDigest::of(b"another request"),
    );
    begin_fresh(store, &other_operation).await;
}

pub(crate) async fn settling_is_recorded_and_final(store: &dyn JournalStore) {
    let provider = unique("settle");
    let missing = key(&provider, "never-begun");
    assert!(matches!(
        store
            .settle(&missing, 1, Outcome::NotDone { reason: "x".into() })
            .await,
        Err(JournalError::NotFound { .. })
    ));
    assert_eq!(store.get(&missing).await.ok(), Some(None));

    let done = intent(&provider, "done");
    begin_fresh(store, &done).await;
    let outcome = Outcome::Done {
        provider_id: Some("tx-9".into()),
    };
    assert!(store.settle(&done.key, 1, outcome.clone()).await.is_ok());
    let state = store.get(&done.key).await.ok().flatten().map(|i| i.state);
    assert_eq!(state, Some(outcome.clone().into()));
    // Again with the same outcome: a no-op; with another: refused.
    assert!(store.settle(&done.key, 1, outcome.clone()).await.is_ok());
    assert!(matches!(
        store
            .settle(
                &done.key,
                1,
                Outcome::NotDone {
                    reason: "late".into()
                }
            )
            .await,
        Err(JournalError::AlreadySettled { .. })
    ));
    // Begun again, the settled intent is the answer.
    match store.begin(&done, HOUR).await {
        Ok(Begin::Existing(existing)) => assert_eq!(existing.state, outcome.into()),
        other => panic!("a settled create begun again must be Existing, got {other:?}"),
    }

    let not_done = intent(&provider, "not-done");
    begin_fresh(store, &not_done).await;
    let refused = Outcome::NotDone {
        reason: "1000304".into(),
    };
    assert!(
        store
            .settle(&not_done.key, 1, refused.clone())
            .await
            .is_ok()
    );
    let state = store
        .get(&not_done.key)
        .await
        .ok()
        .flatten()
        .map(|i| i.state);
    assert_eq!(state, Some(refused.into()));

    let no_id = intent(&provider, "done-without-id");
    begin_fresh(store, &no_id).await;
    let outcome = Outcome::Done { provider_id: None };
    assert!(store.settle(&no_id.key, 1, outcome.clone()).await.is_ok());
    let state = store.get(&no_id.key).await.ok().flatten().map(|i| i.state);
    assert_eq!(state, Some(outcome.into()));

    // Settled intents are never claimed.
    let claimed = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await;
    assert_eq!(claimed.ok().map(|c| c.len()), Some(0));
}

pub(crate) async fn a_claim_takes_a_lease(store: &dyn JournalStore) {
    let provider = unique("claim");
    for value in ["k0", "k1", "k2"] {
        begin_fresh(store, &intent(&provider, value)).await;
    }
    let settled = key(&provider, "k2");
    let outcome = Outcome::Done { provider_id: None };
    assert!(store.settle(&settled, 1, outcome).await.is_ok());
    // Another provider's pending intent is not this provider's to claim.
    let elsewhere = unique("claim-elsewhere");
    begin_fresh(store, &intent(&elsewhere, "k0")).await;

    let before = SystemTime::now() - Duration::from_secs(1);
    let claimed = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    let mut values: Vec<&str> = claimed.iter().map(|i| i.key.value()).collect();
    values.sort_unstable();
    assert_eq!(values, ["k0", "k1"]);
    assert!(
        claimed
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at),
        "oldest first"
    );
    for intent in &claimed {
        assert_eq!(intent.state, IntentState::Pending);
        assert_eq!((intent.attempt, intent.leases), (1, 2));
        assert!(
            intent
                .lease_until
                .is_some_and(|until| until > before + HOUR / 2)
        );
    }

    // Leased: not claimed again.
    let again = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await;
    assert_eq!(again.ok().map(|c| c.len()), Some(0));

    // Released: claimed again, under its next lease.
    let Some(k0) = claimed.iter().find(|i| i.key.value() == "k0") else {
        panic!("k0 was claimed");
    };
    assert!(store.release(k0).await.is_ok());
    let again = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].key.value(), again[0].leases), ("k0", 3));

    // A stale release (the first lease, since replaced) releases nothing.
    assert!(store.release(k0).await.is_ok());
    let again = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await;
    assert_eq!(again.ok().map(|c| c.len()), Some(0));

    // Settling a leased intent ends its lease.
    let k1 = key(&provider, "k1");
    let outcome = Outcome::Done {
        provider_id: Some("tx-1".into()),
    };
    assert!(store.settle(&k1, 1, outcome).await.is_ok());
    let k1 = store.get(&k1).await.ok().flatten();
    assert_eq!(k1.map(|i| i.lease_until), Some(None));

    // The limit is honoured.
    let many = unique("claim-limit");
    for n in 0..5 {
        let value = format!("k{n}");
        begin_fresh(store, &intent(&many, &value)).await;
    }
    let two = store.claim_pending(&many, Duration::ZERO, HOUR, 2).await;
    assert_eq!(two.ok().map(|c| c.len()), Some(2));
    let rest = store.claim_pending(&many, Duration::ZERO, HOUR, 10).await;
    assert_eq!(rest.ok().map(|c| c.len()), Some(3));
}

pub(crate) async fn a_lease_expires(store: &dyn JournalStore) {
    let provider = unique("lease");
    let new = intent(&provider, "k0");
    begin_fresh(store, &new).await;
    // A lease of zero has expired as soon as it is taken.
    let first = store
        .claim_pending(&provider, Duration::ZERO, Duration::ZERO, 10)
        .await;
    assert_eq!(first.ok().map(|c| c.len()), Some(1));
    let second = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    assert_eq!(second.iter().map(|i| i.leases).collect::<Vec<_>>(), [3]);
    // Absurd durations are clamped, not errors.
    let held = store
        .claim_pending(&provider, Duration::ZERO, Duration::MAX, 10)
        .await;
    assert_eq!(held.ok().map(|c| c.len()), Some(0));
}

pub(crate) async fn young_intents_are_left_alone(store: &dyn JournalStore) {
    let provider = unique("grace");
    begin_fresh(store, &intent(&provider, "k0")).await;
    // Written just now: a create perhaps still in flight in another task.
    let young = store.claim_pending(&provider, HOUR, HOUR, 10).await;
    assert_eq!(young.ok().map(|c| c.len()), Some(0));
    let ancient = store
        .claim_pending(&provider, Duration::MAX, HOUR, 10)
        .await;
    assert_eq!(ancient.ok().map(|c| c.len()), Some(0));
    let any = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await;
    assert_eq!(any.ok().map(|c| c.len()), Some(1));
}

pub(crate) async fn the_senders_lease_keeps_recovery_off(store: &dyn JournalStore) {
    let provider = unique("sender");
    let new = intent(&provider, "k0");
    let Ok(Begin::Fresh(lease)) = store.begin(&new, HOUR).await else {
        panic!("a new key is fresh");
    };
    // A create waiting for its answer is its sender's, whatever the grace.
    let claimed = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await;
    assert_eq!(claimed.ok().map(|c| c.len()), Some(0));
    // The sender renews its lease; another lease's number renews nothing.
    assert_eq!(
        store.renew(&new.key, lease.number, HOUR).await.ok(),
        Some(true)
    );
    assert_eq!(
        store.renew(&new.key, lease.number + 1, HOUR).await.ok(),
        Some(false)
    );
    // Renewed to nothing, the lease has expired: a recovery may claim it,
    // and the sender's lease is gone.
    assert_eq!(
        store
            .renew(&new.key, lease.number, Duration::ZERO)
            .await
            .ok(),
        Some(true)
    );
    let claimed = store
        .claim_pending(&provider, Duration::ZERO, HOUR, 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        store.renew(&new.key, lease.number, HOUR).await.ok(),
        Some(false)
    );
    // The recovery renews its own; once settled, nothing is renewed.
    assert_eq!(
        store.renew(&new.key, claimed[0].leases, HOUR).await.ok(),
        Some(true)
    );
    let done = Outcome::Done { provider_id: None };
    assert!(store.settle(&new.key, lease.attempt, done).await.is_ok());
    assert_eq!(
        store.renew(&new.key, claimed[0].leases, HOUR).await.ok(),
        Some(false)
    );
    // An unknown key renews nothing.
    let missing = key(&provider, "never-begun");
    assert_eq!(store.renew(&missing, 1, HOUR).await.ok(), Some(false));
}

pub(crate) async fn a_key_not_done_is_begun_again(store: &dyn JournalStore) {
    let provider = unique("again");
    let new = intent(&provider, "application-7");
    begin_fresh(store, &new).await;
    let refused = Outcome::NotDone {
        reason: "refused: 429".into(),
    };
    assert!(store.settle(&new.key, 1, refused).await.is_ok());
    // The same request again: a second attempt under the same key.
    assert_eq!(
        store.begin(&new, HOUR).await.ok(),
        Some(Begin::Fresh(Lease {
            attempt: 2,
            number: 2
        }))
    );
    let Some(again) = store.get(&new.key).await.ok().flatten() else {
        panic!("the intent begun again is there");
    };
    assert_eq!((again.state, again.attempt), (IntentState::Pending, 2));
    // A late answer of the first attempt never settles the second.
    assert!(matches!(
        store
            .settle(
                &new.key,
                1,
                Outcome::NotDone {
                    reason: "late".into()
                }
            )
            .await,
        Err(JournalError::AlreadySettled { .. })
    ));
    // Pending, the key still refuses another request.
    let corrected = NewIntent::new(new.key.clone(), RequestDigest::of(b"corrected request"));
    assert!(matches!(
        store.begin(&corrected, HOUR).await,
        Err(JournalError::Conflict { .. })
    ));
    // Refused again, a corrected request is a third attempt.
    let refused = Outcome::NotDone {
        reason: "refused: 400".into(),
    };
    assert!(store.settle(&new.key, 2, refused).await.is_ok());
    assert_eq!(
        store.begin(&corrected, HOUR).await.ok(),
        Some(Begin::Fresh(Lease {
            attempt: 3,
            number: 3
        }))
    );
    let done = Outcome::Done {
        provider_id: Some("tx-3".into()),
    };
    assert!(store.settle(&new.key, 3, done.clone()).await.is_ok());
    // Done is final: the same request is Existing, another a conflict.
    match store.begin(&corrected, HOUR).await {
        Ok(Begin::Existing(existing)) => {
            assert_eq!((existing.state, existing.attempt), (done.into(), 3))
        }
        other => panic!("a done create begun again must be Existing, got {other:?}"),
    }
    assert!(matches!(
        store.begin(&new, HOUR).await,
        Err(JournalError::Conflict { .. })
    ));
}

/// Run last in a suite: `prune(0)` deletes every settled intent of the
/// store, other checks' included.
pub(crate) async fn pruning_deletes_only_settled_intents(store: &dyn JournalStore) {
    let provider = unique("prune");
    let (done, not_done, pending) = (
        intent(&provider, "done"),
        intent(&provider, "not-done"),
        intent(&provider, "pending"),
    );
    for new in [&done, &not_done, &pending] {
        begin_fresh(store, new).await;
    }
    let outcome = Outcome::Done { provider_id: None };
    assert!(store.settle(&done.key, 1, outcome).await.is_ok());
    let outcome = Outcome::NotDone { reason: "x".into() };
    assert!(store.settle(&not_done.key, 1, outcome).await.is_ok());
    // Settled just now: kept by a prune of what is older than an hour.
    assert!(store.prune(HOUR).await.is_ok());
    assert!(matches!(store.get(&done.key).await, Ok(Some(_))));
    let pruned = store.prune(Duration::ZERO).await;
    assert!(pruned.is_ok_and(|n| n >= 2), "both settled intents pruned");
    assert_eq!(store.get(&done.key).await.ok(), Some(None));
    assert_eq!(store.get(&not_done.key).await.ok(), Some(None));
    assert!(matches!(store.get(&pending.key).await, Ok(Some(_))));
    // A pruned key is a new key.
    begin_fresh(store, &done).await;
}

/// Two claimers (two handles on one store, or two replicas on one database)
/// claim concurrently in small batches: every intent is claimed exactly once.
pub(crate) async fn concurrent_claims_are_disjoint(
    a: Arc<dyn JournalStore>,
    b: Arc<dyn JournalStore>,
) {
    const INTENTS: usize = 40;
    let provider = unique("replicas");
    for n in 0..INTENTS {
        let value = format!("k{n}");
        begin_fresh(&*a, &intent(&provider, &value)).await;
    }
    let claimer = |store: Arc<dyn JournalStore>, provider: String| {
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_pending(&provider, Duration::ZERO, HOUR, 3)
                    .await
                    .unwrap_or_else(|e| panic!("claim: {e}"));
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|i| i.key.value().to_owned()));
            }
        })
    };
    let (first, second) = tokio::join!(claimer(a, provider.clone()), claimer(b, provider));
    let first = first.unwrap_or_else(|e| panic!("first claimer: {e}"));
    let second = second.unwrap_or_else(|e| panic!("second claimer: {e}"));
    let all: Vec<&String> = first.iter().chain(&second).collect();
    let distinct: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "an intent was claimed twice: {all:?}"
    );
    assert_eq!(all.len(), INTENTS, "every intent is claimed once");
}
