//! [`MemoryJournal`]: intents in a map, for tests and for services that keep
//! nothing across restarts.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use super::{
    Begin, Intent, IntentKey, IntentState, JournalError, JournalStore, NewIntent, Outcome,
    async_trait, clamp,
};

/// A journal in memory: a `Mutex<HashMap>`, never held across an await.
///
/// It has the semantics of the durable stores (conflicts, final settling,
/// leases) and costs a map look-up and a few small allocations per create,
/// but it is lost with the process: it does not protect against a crash.
/// Use `SqliteJournal` (feature `journal-sqlite`) or a database for that.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    intents: Mutex<HashMap<IntentKey, Intent>>,
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

    fn lock(&self) -> MutexGuard<'_, HashMap<IntentKey, Intent>> {
        // A panic while the lock was held cannot leave a map entry half
        // written (each change is one insert or field assignment), so the
        // map is still good to use.
        self.intents.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl JournalStore for MemoryJournal {
    async fn begin(&self, intent: &NewIntent) -> Result<Begin, JournalError> {
        let mut intents = self.lock();
        if let Some(existing) = intents.get(&intent.key) {
            return Begin::against(existing.clone(), intent);
        }
        intents.insert(
            intent.key.clone(),
            Intent::new(intent.key.clone(), intent.digest, SystemTime::now()),
        );
        Ok(Begin::Fresh)
    }

    async fn settle(&self, key: &IntentKey, outcome: Outcome) -> Result<(), JournalError> {
        let mut intents = self.lock();
        let intent = intents
            .get_mut(key)
            .ok_or_else(|| JournalError::not_found(key))?;
        if intent.check_settle(&outcome)? {
            intent.state = outcome.into();
            intent.lease_until = None;
        }
        Ok(())
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
        let mut claimable: Vec<&mut Intent> = intents
            .values_mut()
            .filter(|intent| {
                intent.state == IntentState::Pending
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
                intent.attempts = intent.attempts.saturating_add(1);
                intent.lease_until = Some(lease_until);
                intent.clone()
            })
            .collect())
    }

    async fn release(&self, claimed: &Intent) -> Result<(), JournalError> {
        if let Some(intent) = self.lock().get_mut(&claimed.key)
            && intent.state == IntentState::Pending
            && intent.attempts == claimed.attempts
        {
            intent.lease_until = None;
        }
        Ok(())
    }

    async fn get(&self, key: &IntentKey) -> Result<Option<Intent>, JournalError> {
        Ok(self.lock().get(key).cloned())
    }
}
