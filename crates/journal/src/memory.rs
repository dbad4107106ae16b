//! [`MemoryJournal`]: intents in a map, for tests and for services that keep
//! nothing across restarts.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use super::{
    Begin, Intent, IntentKey, JournalError, JournalFuture, JournalStep, JournalStore, NewIntent,
    Outcome, clamp,
};

/// How many intents a [`MemoryJournal`] holds by default (100 000).
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// A journal in memory: a `Mutex<HashMap>`, never held across an await.
///
/// It has the semantics of the durable stores (conflicts, final settling,
/// leases, attempts) and costs one map look-up per call and the key's copy
/// per create, but it is lost with the process: it does not protect against
/// a crash. Use `SqliteJournal` (feature `sqlite`) or a database for that.
///
/// It is bounded: holding its capacity, a `begin` of a new key first drops
/// the oldest settled intents (a tenth of the capacity at a time); when every
/// intent it holds is pending, the `begin` fails and the create is not sent.
///
/// Its clock is the system's, or one given to
/// [`with_clock`](Self::with_clock) (tests move it forward to let leases
/// and grace periods run out).
pub struct MemoryJournal {
    intents: Mutex<HashMap<IntentKey, Intent>>,
    capacity: usize,
    clock: Option<Clock>,
}

/// A clock given to [`MemoryJournal::with_clock`].
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

impl fmt::Debug for MemoryJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryJournal")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("own_clock", &self.clock.is_some())
            .finish()
    }
}

impl Default for MemoryJournal {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }
}

impl MemoryJournal {
    /// An empty journal of [`DEFAULT_MEMORY_CAPACITY`] intents.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty journal holding at most `capacity` intents (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            intents: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            clock: None,
        }
    }

    /// This journal, its times read from `clock` instead of the system's.
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    fn now(&self) -> SystemTime {
        self.clock
            .as_ref()
            .map_or_else(SystemTime::now, |clock| clock())
    }

    /// How many intents it holds, settled ones included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds no intent.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// The most intents it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<IntentKey, Intent>> {
        // A panic while the lock was held cannot leave a record half
        // written (each change is one insert or field assignment), so the
        // map is still good to use.
        self.intents.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes room for one more intent in a full map: drops the oldest settled
    /// intents, down to nine tenths of the capacity. `false` when nothing
    /// could be dropped (all pending).
    fn make_room(&self, intents: &mut HashMap<IntentKey, Intent>) -> bool {
        let mut settled: Vec<(SystemTime, &IntentKey)> = intents
            .iter()
            .filter(|(_, intent)| !intent.state.is_pending())
            .map(|(key, intent)| (settled_at(intent), key))
            .collect();
        if settled.is_empty() {
            return false;
        }
        let excess = (intents.len() + 1)
            .saturating_sub(self.capacity * 9 / 10)
            .clamp(1, settled.len());
        // The `excess` oldest, without sorting the rest.
        if excess < settled.len() {
            settled.select_nth_unstable_by_key(excess - 1, |(at, _)| *at);
        }
        let oldest: Vec<IntentKey> = settled[..excess]
            .iter()
            .map(|(_, key)| (*key).clone())
            .collect();
        for key in &oldest {
            intents.remove(key);
        }
        true
    }
}

/// When a settled intent was settled: the memory store ends the lease then
/// and keeps that time in `lease_until` (a settled intent's lease means
/// nothing else).
fn settled_at(intent: &Intent) -> SystemTime {
    intent.lease_until.unwrap_or(intent.created_at)
}

impl JournalStore for MemoryJournal {
    fn begin<'a>(&'a self, intent: &'a NewIntent, lease: Duration) -> JournalFuture<'a, Begin> {
        Box::pin(async move {
            let now = self.now();
            let until = now.checked_add(clamp(lease)).unwrap_or(now);
            let mut intents = self.lock();
            if intents.len() >= self.capacity
                && !intents.contains_key(&intent.key)
                && !self.make_room(&mut intents)
            {
                return Err(JournalError::unavailable(
                    JournalStep::Begin,
                    "the memory journal is full of pending intents",
                ));
            }
            // The key is copied before the look-up so the map hashes it once;
            // an existing key (the rare case) wastes the copy.
            match intents.entry(intent.key.clone()) {
                Entry::Occupied(mut existing) => {
                    match existing.get_mut().begin_again(intent, now, until) {
                        Some(lease) => Ok(Begin::Fresh(lease)),
                        None => Begin::against(existing.get().clone(), intent),
                    }
                }
                Entry::Vacant(vacant) => {
                    let mut fresh = Intent::new(vacant.key().clone(), intent.digest, now);
                    let lease = fresh.take_lease(until);
                    vacant.insert(fresh);
                    Ok(Begin::Fresh(lease))
                }
            }
        })
    }

    fn settle<'a>(
        &'a self,
        key: &'a IntentKey,
        attempt: u32,
        outcome: Outcome,
    ) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            let mut intents = self.lock();
            let intent = intents
                .get_mut(key)
                .ok_or_else(|| JournalError::not_found(key))?;
            if intent.check_settle(attempt, &outcome)? {
                intent.state = outcome.into();
                intent.lease_until = Some(self.now());
            }
            Ok(())
        })
    }

    fn renew<'a>(
        &'a self,
        key: &'a IntentKey,
        lease: u32,
        duration: Duration,
    ) -> JournalFuture<'a, bool> {
        Box::pin(async move {
            let now = self.now();
            match self.lock().get_mut(key) {
                Some(intent) if intent.state.is_pending() && intent.leases == lease => {
                    intent.lease_until = Some(now.checked_add(clamp(duration)).unwrap_or(now));
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }

    fn claim_pending<'a>(
        &'a self,
        provider: &'a str,
        older_than: Duration,
        lease: Duration,
        limit: usize,
    ) -> JournalFuture<'a, Vec<Intent>> {
        Box::pin(async move {
            let now = self.now();
            let Some(written_before) = now.checked_sub(clamp(older_than)) else {
                return Ok(Vec::new());
            };
            let lease_until = now.checked_add(clamp(lease)).unwrap_or(now);
            let mut intents = self.lock();
            let mut claimable: Vec<&mut Intent> = intents
                .values_mut()
                .filter(|intent| {
                    intent.state.is_pending()
                        && intent.key.provider() == provider
                        && intent.created_at <= written_before
                        && intent.lease_until.is_none_or(|until| until <= now)
                })
                .collect();
            claimable.sort_by_key(|intent| intent.created_at);
            Ok(claimable
                .into_iter()
                .take(limit)
                .map(|intent| {
                    intent.take_lease(lease_until);
                    intent.clone()
                })
                .collect())
        })
    }

    fn release<'a>(&'a self, claimed: &'a Intent) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            if let Some(intent) = self.lock().get_mut(&claimed.key)
                && intent.state.is_pending()
                && intent.leases == claimed.leases
            {
                intent.lease_until = None;
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a IntentKey) -> JournalFuture<'a, Option<Intent>> {
        Box::pin(async move {
            Ok(self.lock().get(key).map(|intent| {
                let mut intent = intent.clone();
                if !intent.state.is_pending() {
                    intent.lease_until = None;
                }
                intent
            }))
        })
    }

    fn prune<'a>(&'a self, older_than: Duration) -> JournalFuture<'a, u64> {
        Box::pin(async move {
            let now = self.now();
            let Some(settled_before) = now.checked_sub(clamp(older_than)) else {
                return Ok(0);
            };
            let mut intents = self.lock();
            let before = intents.len();
            intents.retain(|_, intent| {
                intent.state.is_pending() || settled_at(intent) > settled_before
            });
            Ok((before - intents.len()) as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RequestDigest;

    fn new(value: &str) -> NewIntent {
        NewIntent::new(
            IntentKey::new("p", "create", "id", value),
            RequestDigest::of(value.as_bytes()),
        )
    }

    #[tokio::test]
    async fn a_full_journal_drops_its_oldest_settled_intents_first() {
        let journal = MemoryJournal::with_capacity(10);
        for i in 0..10 {
            let intent = new(&i.to_string());
            assert!(matches!(
                journal.begin(&intent, Duration::from_secs(1)).await,
                Ok(Begin::Fresh(_))
            ));
            if i < 5 {
                let done = Outcome::Done { provider_id: None };
                assert!(journal.settle(&intent.key, 1, done).await.is_ok());
            }
        }
        assert!(matches!(
            journal.begin(&new("10"), Duration::from_secs(1)).await,
            Ok(Begin::Fresh(_))
        ));
        assert!(journal.len() <= 10);
        // Pending intents are never dropped.
        for i in 5..=10 {
            let key = new(&i.to_string()).key;
            assert!(matches!(journal.get(&key).await, Ok(Some(_))), "{i}");
        }
        // Full of pending intents: the create is refused, not sent.
        let journal = MemoryJournal::with_capacity(2);
        for i in 0..2 {
            assert!(
                journal
                    .begin(&new(&i.to_string()), Duration::ZERO)
                    .await
                    .is_ok()
            );
        }
        let err = journal.begin(&new("2"), Duration::ZERO).await.err();
        assert!(err.is_some_and(|e| e.create_not_sent()));
    }
}
