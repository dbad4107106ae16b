//! [`MemoryJournal`]: intents in a map, for tests and for services that keep
//! nothing across restarts.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use super::{
    Begin, Intent, IntentKey, IntentState, JournalError, JournalStore, NewIntent, Outcome,
    RequestDigest, async_trait, clamp,
};

/// A journal in memory: a `Mutex<HashMap>`, never held across an await.
///
/// It has the semantics of the durable stores (conflicts, final settling,
/// leases) and costs one map look-up per call and the key's copy per
/// create, but it is lost with the process: it does not protect against a crash. Use
/// `SqliteJournal` (feature `sqlite`) or a database for that.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    intents: Mutex<HashMap<IntentKey, Record>>,
}

/// An intent without its key (the map's key): the key is copied once per
/// create, not twice.
#[derive(Debug)]
struct Record {
    digest: RequestDigest,
    created_at: SystemTime,
    state: IntentState,
    attempts: u32,
    lease_until: Option<SystemTime>,
}

impl Record {
    fn intent(&self, key: &IntentKey) -> Intent {
        let mut intent = Intent::new(key.clone(), self.digest, self.created_at);
        intent.state = self.state.clone();
        intent.attempts = self.attempts;
        intent.lease_until = self.lease_until;
        intent
    }
}

impl MemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many intents it holds, settled ones included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds no intent.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<IntentKey, Record>> {
        // A panic while the lock was held cannot leave a record half
        // written (each change is one insert or field assignment), so the
        // map is still good to use.
        self.intents.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl JournalStore for MemoryJournal {
    async fn begin(&self, intent: &NewIntent) -> Result<Begin, JournalError> {
        // The key is copied before the look-up so the map hashes it once;
        // an existing key (the rare case) wastes the copy.
        match self.lock().entry(intent.key.clone()) {
            Entry::Occupied(existing) => {
                Begin::against(existing.get().intent(existing.key()), intent)
            }
            Entry::Vacant(vacant) => {
                vacant.insert(Record {
                    digest: intent.digest,
                    created_at: SystemTime::now(),
                    state: IntentState::Pending,
                    attempts: 0,
                    lease_until: None,
                });
                Ok(Begin::Fresh)
            }
        }
    }

    async fn settle(&self, key: &IntentKey, outcome: Outcome) -> Result<(), JournalError> {
        let mut intents = self.lock();
        let record = intents
            .get_mut(key)
            .ok_or_else(|| JournalError::not_found(key))?;
        if record.state.is_pending() {
            record.state = outcome.into();
            record.lease_until = None;
            return Ok(());
        }
        record.intent(key).check_settle(&outcome).map(drop)
    }

    async fn claim_pending(
        &self,
        provider: &str,
        older_than: Duration,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Intent>, JournalError> {
        let now = SystemTime::now();
        let Some(written_before) = now.checked_sub(clamp(older_than)) else {
            return Ok(Vec::new());
        };
        let lease_until = now.checked_add(clamp(lease)).unwrap_or(now);
        let mut intents = self.lock();
        let mut claimable: Vec<(&IntentKey, &mut Record)> = intents
            .iter_mut()
            .filter(|(key, record)| {
                record.state.is_pending()
                    && key.provider() == provider
                    && record.created_at <= written_before
                    && record.lease_until.is_none_or(|until| until <= now)
            })
            .collect();
        claimable.sort_by_key(|(_, record)| record.created_at);
        Ok(claimable
            .into_iter()
            .take(limit)
            .map(|(key, record)| {
                record.attempts = record.attempts.saturating_add(1);
                record.lease_until = Some(lease_until);
                record.intent(key)
            })
            .collect())
    }

    async fn release(&self, claimed: &Intent) -> Result<(), JournalError> {
        if let Some(record) = self.lock().get_mut(&claimed.key)
            && record.state.is_pending()
            && record.attempts == claimed.attempts
        {
            record.lease_until = None;
        }
        Ok(())
    }

    async fn get(&self, key: &IntentKey) -> Result<Option<Intent>, JournalError> {
        Ok(self.lock().get(key).map(|record| record.intent(key)))
    }
}
