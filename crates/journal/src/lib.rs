//! The intent journal: what a create was about to do, written before it is
//! sent, so a process that dies mid-create can find out afterwards.
//!
//! Reconcile keys and `OutcomeUnknown` protect a caller that lives long enough
//! to read the error. The journal protects one that does not: a deploy, an
//! OOM kill or a lost node between sending a top-up and storing its result.
//! This module knows no provider; provider crates call it around their creates
//! and resolve what it holds with their own look-ups.
//!
//! # The protocol
//!
//! 1. **begin.** Before a create is sent, [`JournalStore::begin`] writes an
//!    [`Intent`]: provider, operation, the reconcile key (field and value, e.g.
//!    `external_id` = `order-1`), the [`RequestDigest`] of the request body,
//!    when, the state [`IntentState::Pending`] and the **sender's lease** for
//!    the create's whole deadline. It answers
//!    - [`Begin::Fresh`] with the sender's [`Lease`]: written; the caller may
//!      send, and [renews](JournalStore::renew) the lease while it waits for
//!      the answer. A key whose intent was settled [`IntentState::NotDone`]
//!      is begun again this way, for the same request or a corrected one: its
//!      [attempt](Intent::attempt) number grows by one. Keys the caller
//!      cannot choose (an application id, a transaction id) stay usable
//!      after a definite refusal;
//!    - [`Begin::Existing`]: an intent with the same key and the same digest is
//!      there already, pending or done (a retry of the same create, perhaps
//!      after a crash). The caller must not send blindly: if it is done, that
//!      is the answer; if it is pending, the caller resolves it by the
//!      provider's look-up first;
//!    - `Err(`[`JournalError::Conflict`]`)`: the key is journalled, pending or
//!      done, for a *different* request. A reused key is refused before
//!      anything is sent.
//!
//!    Any error from `begin` means **the create was not sent and must not be**
//!    ([`JournalError::create_not_sent`]): a create the journal cannot record
//!    is a create nobody could recover.
//! 2. **send** the create.
//! 3. **settle.** After a definite answer, [`JournalStore::settle`] records
//!    [`Outcome::Done`] (with the provider's id when there is one) or
//!    [`Outcome::NotDone`]. An unknown outcome (timeout after sending, an
//!    unreadable answer, a crash) settles nothing: the intent stays pending.
//! 4. **recover.** Later, or in another process, a provider's recovery calls
//!    [`JournalStore::claim_pending`] for its provider with a grace period
//!    (`older_than`, so a create still in flight elsewhere is left alone) and
//!    a lease. A claim never takes an intent whose lease runs: a create still
//!    waiting for its answer is its sender's. Each claimed intent is resolved
//!    by the provider's look-up and settled, or
//!    [released](JournalStore::release) when the look-up could not tell, so a
//!    later recovery tries again. Recovery **never sends a create again**:
//!    re-sending is the caller's decision, after an intent is settled
//!    [`IntentState::NotDone`] (under the same key). [`recover`] is that loop,
//!    written once: a provider's `recover()` gives it the look-up and gets a
//!    [`RecoveryReport`].
//! 5. **prune.** [`JournalStore::prune`] deletes intents settled longer ago
//!    than the caller keeps them; pending intents are never deleted.
//!
//! Provider clients built with a journal (`ClientBuilder::journal`) run
//! steps 1 to 3 around every create through `partner-sdk-core`'s
//! `Transport::send_journalled`; see the workspace's `ARCHITECTURE.md`.
//!
//! # Guarantees
//!
//! - One intent per (provider, operation, key field, key value). Its digest is
//!   fixed by the `begin` of its attempt; another digest under that key, while
//!   it is pending or done, is a conflict.
//! - Settling is final for `Done`: settling again with the same outcome is a
//!   no-op, with another outcome an error ([`JournalError::AlreadySettled`]).
//!   A `NotDone` intent changes only by being begun again (a new attempt).
//! - A lease (the sender's from `begin`, a recovery's from a claim) holds the
//!   intent: until it expires, or its holder settles the intent (or, for a
//!   claim, releases it), no claim returns that intent, whichever store
//!   instance or replica asks (the stores sharing a database see each other's
//!   leases). Each lease taken increments [`Intent::leases`], which names the
//!   lease: [`renew`](JournalStore::renew) and
//!   [`release`](JournalStore::release) act only on the lease they name.
//! - With `SqliteJournal` (feature `sqlite`) an intent written by
//!   `begin` or settled by `settle` is on disk when the call returns (WAL,
//!   `synchronous=FULL`), so it survives the process being killed.
//!
//! # Limits
//!
//! - The journal stores no personal data and no request: only the key, the
//!   digest (XXH3-128, from which the request cannot be read back), the provider's id and the
//!   `NotDone` reason. Give a reason that names an error code, never a
//!   person; pick reconcile keys that are not personal data.
//! - A lease is time: a holder that stops renewing it (a process killed, a
//!   clock paused) loses the intent to the next claim once it expires.
//!   Settling stays safe (the outcome of a look-up is the same whoever asks).
//! - Times come from the clock of the process ([`MemoryJournal`],
//!   `SqliteJournal`) or of the database server (`PostgresJournal`, feature
//!   `postgres`).
//!   Durations are clamped to 100 years.
//! - Settled intents are kept until [`JournalStore::prune`] deletes them;
//!   [`MemoryJournal`] is bounded ([`MemoryJournal::with_capacity`]) and
//!   drops its oldest settled intents when full.
//! - [`MemoryJournal`] lives and dies with the process: it serves tests and
//!   services that keep no state across restarts.
//!
//! # Your own store
//!
//! [`JournalStore`] is a trait, so a service can keep the journal in its own
//! database, next to its orders. `begin` must be durable (committed) when it
//! returns, since the create is sent right after. Build intents with
//! [`Intent::new`], begin an intent settled not done again with
//! [`Intent::begin_again`], answer `begin` with [`Begin::against`] when the
//! key holds a pending or done intent, and check a settle with
//! [`Intent::check_settle`], so the semantics stay those of the stores
//! shipped here. Run the conformance checks of this crate's
//! `tests/integration/` against it.
//!
//! Each method returns a [`JournalFuture`], a boxed `Send` future: write
//! its body as `Box::pin(async move { .. })`, or hand on another store's.
//!
//! ```
//! use std::time::Duration;
//!
//! use partner_sdk_journal::{
//!     Begin, Intent, IntentKey, JournalFuture, JournalStore, MemoryJournal, NewIntent, Outcome,
//! };
//!
//! /// The memory store, counting the creates begun.
//! #[derive(Default)]
//! struct Counted(MemoryJournal, std::sync::atomic::AtomicU64);
//!
//! impl JournalStore for Counted {
//!     fn begin<'a>(
//!         &'a self,
//!         intent: &'a NewIntent,
//!         lease: Duration,
//!     ) -> JournalFuture<'a, Begin> {
//!         Box::pin(async move {
//!             self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!             self.0.begin(intent, lease).await
//!         })
//!     }
//!     fn settle<'a>(
//!         &'a self,
//!         key: &'a IntentKey,
//!         attempt: u32,
//!         outcome: Outcome,
//!     ) -> JournalFuture<'a, ()> {
//!         self.0.settle(key, attempt, outcome)
//!     }
//!     fn renew<'a>(
//!         &'a self,
//!         key: &'a IntentKey,
//!         lease: u32,
//!         duration: Duration,
//!     ) -> JournalFuture<'a, bool> {
//!         self.0.renew(key, lease, duration)
//!     }
//!     fn claim_pending<'a>(
//!         &'a self,
//!         provider: &'a str,
//!         older_than: Duration,
//!         lease: Duration,
//!         limit: usize,
//!     ) -> JournalFuture<'a, Vec<Intent>> {
//!         self.0.claim_pending(provider, older_than, lease, limit)
//!     }
//!     fn release<'a>(&'a self, claimed: &'a Intent) -> JournalFuture<'a, ()> {
//!         self.0.release(claimed)
//!     }
//!     fn get<'a>(&'a self, key: &'a IntentKey) -> JournalFuture<'a, Option<Intent>> {
//!         self.0.get(key)
//!     }
//!     fn prune<'a>(&'a self, older_than: Duration) -> JournalFuture<'a, u64> {
//!         self.0.prune(older_than)
//!     }
//! }
//!
//! let store: std::sync::Arc<dyn JournalStore> = std::sync::Arc::new(Counted::default());
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod recovery;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod row;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::{Xxh3, xxh3_128};

/// The PostgreSQL connection pool [`PostgresJournal::from_pool`] takes (and
/// its `tokio_postgres`), at the versions this crate is built with.
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use deadpool_postgres;
pub use memory::{DEFAULT_MEMORY_CAPACITY, MemoryJournal};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{
    POSTGRES_CONNECT_TIMEOUT, POSTGRES_POOL_SIZE, POSTGRES_STATEMENT_TIMEOUT, PostgresJournal,
};
pub use recovery::{
    DEFAULT_RECOVERY_GRACE, RECOVERY_BATCH, RECOVERY_LEASE, RecoveryReport, Resolved, recover,
};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteJournal;

/// The longest duration a store takes: larger ones (`older_than`, a lease)
/// are clamped to it, 100 years.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// The key a create is reconciled by: the field of the request that names
/// it and that field's value, e.g. `external_id` = `order-1`.
///
/// The provider is asked for the create's outcome by this key; the errors of
/// a create whose outcome is unknown carry it, and the journal files the
/// create under it ([`IntentKey`]). `Display` writes `field=value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReconcileKey {
    field: Cow<'static, str>,
    value: String,
}

impl ReconcileKey {
    /// The key `field` = `value`, e.g. `("external_id", "order-1")`.
    pub fn new(field: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            value: value.into(),
        }
    }

    /// The field name, e.g. `external_id`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The value, e.g. `order-1`.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for ReconcileKey {
    /// `field=value`, e.g. `external_id=order-1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.field, self.value)
    }
}

/// Which intent: provider, operation and the [`ReconcileKey`] (field and
/// value).
///
/// Two intents are the same intent when all four are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IntentKey {
    provider: String,
    operation: String,
    key: ReconcileKey,
}

impl IntentKey {
    /// The key of `operation` at `provider` reconciled by `field` = `value`,
    /// e.g. `("dtone", "create_transaction", "external_id", "order-1")`.
    pub fn new(
        provider: impl Into<String>,
        operation: impl Into<String>,
        field: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        Self::with_key(provider, operation, ReconcileKey::new(field, value))
    }

    /// The key of `operation` at `provider` reconciled by `key`.
    pub fn with_key(
        provider: impl Into<String>,
        operation: impl Into<String>,
        key: ReconcileKey,
    ) -> Self {
        Self {
            provider: provider.into(),
            operation: operation.into(),
            key,
        }
    }

    /// The provider, e.g. `dtone`.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The operation, e.g. `create_transaction`.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The reconcile key, e.g. `external_id=order-1`.
    pub fn reconcile_key(&self) -> &ReconcileKey {
        &self.key
    }

    /// The reconcile key's field name, e.g. `external_id`.
    pub fn field(&self) -> &str {
        self.key.field()
    }

    /// The reconcile key's value, e.g. `order-1`.
    pub fn value(&self) -> &str {
        self.key.value()
    }
}

/// XXH3-128 of the request as sent: tells the same request from another
/// one under a reused key, without keeping the request.
///
/// The digest guards against a mistake (a key reused for another order),
/// not an adversary: XXH3 is a specified, stable, non-cryptographic hash,
/// the same on every platform and version.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestDigest([u8; 16]);

impl RequestDigest {
    /// The digest of `body`, the bytes the create sends.
    pub fn of(body: &[u8]) -> Self {
        Self(xxh3_128(body).to_be_bytes())
    }

    /// The digest of a request sent in `parts` (its path parameters, then its
    /// body): each part is hashed after its length, so no two splits of the
    /// same bytes give the same digest.
    pub fn of_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut hasher = Xxh3::new();
        for part in parts {
            hasher.update(&(part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        Self(hasher.digest128().to_be_bytes())
    }

    /// A digest computed elsewhere (as read back from a store).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// A digest read back as a slice; `None` unless it is 16 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 16]>::try_from(bytes).ok().map(Self)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for RequestDigest {
    /// Lower-case hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for RequestDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestDigest({self})")
    }
}

/// What [`JournalStore::begin`] writes: the key and the request's digest.
/// The store adds the time and the pending state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntent {
    /// Which intent.
    pub key: IntentKey,
    /// The digest of the request about to be sent.
    pub digest: RequestDigest,
}

impl NewIntent {
    /// The intent to send the request whose digest is `digest` under `key`.
    pub fn new(key: IntentKey, digest: RequestDigest) -> Self {
        Self { key, digest }
    }
}

/// Where an intent stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentState {
    /// Written, not settled: the create may have been sent, or not, and its
    /// outcome is unknown until a look-up settles it.
    Pending,
    /// The provider did it; its id for the result when it gave one.
    Done {
        /// The provider's id (e.g. DT One's transaction id).
        provider_id: Option<String>,
    },
    /// The provider did not do it (refused, or a look-up found nothing): the
    /// caller may send again, under the same key (a new attempt) or another.
    NotDone {
        /// Why, as an error code or short text; never personal data.
        reason: String,
    },
}

impl IntentState {
    /// Whether the intent is still pending.
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Pending)
    }

    /// The state's name as the SQL stores keep it: `pending`, `done`,
    /// `not_done`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done { .. } => "done",
            Self::NotDone { .. } => "not_done",
        }
    }
}

/// A definite answer to a create, given to [`JournalStore::settle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider did it; its id for the result when it gave one.
    Done {
        /// The provider's id (e.g. DT One's transaction id).
        provider_id: Option<String>,
    },
    /// The provider did not do it.
    NotDone {
        /// Why, as an error code or short text; never personal data.
        reason: String,
    },
}

impl From<Outcome> for IntentState {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Done { provider_id } => Self::Done { provider_id },
            Outcome::NotDone { reason } => Self::NotDone { reason },
        }
    }
}

/// One journalled create, as a store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Intent {
    /// Which intent.
    pub key: IntentKey,
    /// The digest of the request it was begun for.
    pub digest: RequestDigest,
    /// When `begin` wrote it (the store's clock).
    pub created_at: SystemTime,
    /// Where it stands.
    pub state: IntentState,
    /// Which attempt at the create under this key: 1 for the first `begin`,
    /// one more each time it is begun again after [`IntentState::NotDone`].
    pub attempt: u32,
    /// How many leases were taken on it (each `begin`'s, each claim's); also
    /// the name of the current lease, which [`JournalStore::renew`] and
    /// [`JournalStore::release`] check.
    pub leases: u32,
    /// Until when the current lease holds it; `None` when released.
    /// Meaningful only while pending.
    pub lease_until: Option<SystemTime>,
}

impl Intent {
    /// A pending intent, first attempt, held by no lease, written at
    /// `created_at`: what a store starts from when it reads a record back
    /// (then sets the other fields), or on `begin` (then takes the sender's
    /// lease with [`take_lease`](Self::take_lease)).
    pub fn new(key: IntentKey, digest: RequestDigest, created_at: SystemTime) -> Self {
        Self {
            key,
            digest,
            created_at,
            state: IntentState::Pending,
            attempt: 1,
            leases: 0,
            lease_until: None,
        }
    }

    /// Takes a new lease until `until`: one more [`leases`](Self::leases),
    /// which names it. Returns the sender's [`Lease`].
    pub fn take_lease(&mut self, until: SystemTime) -> Lease {
        self.leases = self.leases.saturating_add(1);
        self.lease_until = Some(until);
        Lease {
            attempt: self.attempt,
            number: self.leases,
        }
    }

    /// Begins an intent settled [`IntentState::NotDone`] again for `new` at
    /// `now`, leased until `until`: pending, the new digest, one more
    /// [`attempt`](Self::attempt). `None` (and nothing changed) unless it is
    /// settled not done.
    pub fn begin_again(
        &mut self,
        new: &NewIntent,
        now: SystemTime,
        until: SystemTime,
    ) -> Option<Lease> {
        if !matches!(self.state, IntentState::NotDone { .. }) {
            return None;
        }
        self.state = IntentState::Pending;
        self.digest = new.digest;
        self.created_at = now;
        self.attempt = self.attempt.saturating_add(1);
        Some(self.take_lease(until))
    }

    /// Whether `outcome` of `attempt` may be written over this intent:
    /// `Ok(true)` when it is pending at that attempt (write it), `Ok(false)`
    /// when it is settled with that very outcome already (nothing to write),
    /// [`JournalError::AlreadySettled`] when it is settled otherwise or the
    /// attempt is over.
    pub fn check_settle(&self, attempt: u32, outcome: &Outcome) -> Result<bool, JournalError> {
        if attempt != self.attempt {
            return Err(self.already_settled());
        }
        let same = match (&self.state, outcome) {
            (IntentState::Pending, _) => return Ok(true),
            (IntentState::Done { provider_id: a }, Outcome::Done { provider_id: b }) => a == b,
            (IntentState::NotDone { reason: a }, Outcome::NotDone { reason: b }) => a == b,
            _ => false,
        };
        if same {
            Ok(false)
        } else {
            Err(self.already_settled())
        }
    }

    fn already_settled(&self) -> JournalError {
        JournalError::AlreadySettled {
            provider: self.key.provider.clone(),
            operation: self.key.operation.clone(),
            field: self.key.field().to_owned(),
        }
    }
}

/// The lease the sender of a create holds from [`JournalStore::begin`]:
/// renew it with [`JournalStore::renew`] while waiting for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The attempt at the create under its key ([`Intent::attempt`]).
    pub attempt: u32,
    /// The lease's name ([`Intent::leases`] when it was taken).
    pub number: u32,
}

/// The answer of [`JournalStore::begin`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an Existing intent must be resolved, not sent again"]
pub enum Begin {
    /// The intent is written (first attempt, or a new attempt after
    /// [`IntentState::NotDone`]) and leased to the caller: send the create,
    /// renew the lease while waiting, then settle it.
    Fresh(Lease),
    /// This create is journalled already, pending or done (same key, same
    /// digest): do not send it blindly. Done: that is the answer. Pending:
    /// resolve it by the provider's look-up first.
    Existing(Intent),
}

impl Begin {
    /// The answer to `new` when `existing`, pending or done, holds its key:
    /// [`Begin::Existing`] when the digests match, [`JournalError::Conflict`]
    /// when they do not. (An intent settled not done is begun again instead:
    /// [`Intent::begin_again`].)
    pub fn against(existing: Intent, new: &NewIntent) -> Result<Self, JournalError> {
        if existing.digest == new.digest {
            Ok(Self::Existing(existing))
        } else {
            Err(JournalError::Conflict {
                provider: new.key.provider.clone(),
                operation: new.key.operation.clone(),
                field: new.key.field().to_owned(),
            })
        }
    }
}

/// The journal call an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalStep {
    /// Opening the store or creating its schema.
    Open,
    /// [`JournalStore::begin`]: the create was not sent.
    Begin,
    /// [`JournalStore::settle`]: the answer came, but is not recorded; the
    /// intent stays pending and a recovery resolves it.
    Settle,
    /// [`JournalStore::claim_pending`].
    Claim,
    /// [`JournalStore::release`].
    Release,
    /// [`JournalStore::get`].
    Get,
    /// [`JournalStore::renew`].
    Renew,
    /// [`JournalStore::prune`].
    Prune,
}

impl JournalStep {
    fn consequence(self) -> &'static str {
        match self {
            Self::Open => "the journal is not open",
            Self::Begin => "the create was not sent",
            Self::Settle => "the answer is not recorded, the intent stays pending",
            Self::Claim => "nothing was claimed",
            Self::Release => "the lease runs until it expires",
            Self::Get => "nothing was read",
            Self::Renew => "the lease runs until it expires",
            Self::Prune => "nothing more was pruned",
        }
    }
}

impl fmt::Display for JournalStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open => "open",
            Self::Begin => "begin",
            Self::Settle => "settle",
            Self::Claim => "claim",
            Self::Release => "release",
            Self::Get => "get",
            Self::Renew => "renew",
            Self::Prune => "prune",
        })
    }
}

/// A store's own error (SQLite's, PostgreSQL's, a service's database's).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a journal call failed. Errors name the provider, operation and key
/// field, never the key's value or the request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The store could not be reached or written in time (I/O, connection,
    /// lock, a call over its time bound).
    #[error("intent journal unavailable during {step}: {}", step.consequence())]
    Unavailable {
        /// The call that failed.
        step: JournalStep,
        /// The store's error.
        #[source]
        source: BoxError,
    },
    /// The key is journalled for a different request (another digest): a
    /// reused key, refused before sending. The create was not sent.
    #[error(
        "{provider} {operation}: this {field} is journalled for a different request; \
         refused, the create was not sent"
    )]
    Conflict {
        /// The provider.
        provider: String,
        /// The operation.
        operation: String,
        /// The reconcile key's field name.
        field: String,
    },
    /// No intent under this key (settle of an intent never begun).
    #[error("{provider} {operation}: no intent journalled under this {field}")]
    NotFound {
        /// The provider.
        provider: String,
        /// The operation.
        operation: String,
        /// The reconcile key's field name.
        field: String,
    },
    /// The intent is settled with another outcome (settling is final), or
    /// the attempt settled is over (the key was begun again since).
    #[error("{provider} {operation}: the intent under this {field} is already settled otherwise")]
    AlreadySettled {
        /// The provider.
        provider: String,
        /// The operation.
        operation: String,
        /// The reconcile key's field name.
        field: String,
    },
    /// The store holds a record this SDK cannot read (an unknown state, a
    /// digest of the wrong length): written by something else.
    #[error("intent journal record unreadable during {step} ({what}): {}", step.consequence())]
    Corrupt {
        /// The call that read it.
        step: JournalStep,
        /// What was wrong.
        what: &'static str,
    },
}

impl JournalError {
    /// A store's error during `step`.
    pub fn unavailable(step: JournalStep, source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            step,
            source: source.into(),
        }
    }

    /// Whether this error means the create was not sent (an error of
    /// [`JournalStore::begin`]); a create whose intent cannot be written must
    /// not be sent.
    pub fn create_not_sent(&self) -> bool {
        match self {
            Self::Conflict { .. } => true,
            Self::Unavailable { step, .. } | Self::Corrupt { step, .. } => {
                *step == JournalStep::Begin
            }
            Self::NotFound { .. } | Self::AlreadySettled { .. } => false,
        }
    }

    pub(crate) fn not_found(key: &IntentKey) -> Self {
        Self::NotFound {
            provider: key.provider.clone(),
            operation: key.operation.clone(),
            field: key.field().to_owned(),
        }
    }
}

/// What a [`JournalStore`] method returns: a boxed `Send` future, so that a
/// store is held as `Arc<dyn JournalStore>`.
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// Where intents are kept. `Arc<dyn JournalStore>` is how clients hold one.
///
/// Implementations must make `begin` atomic per key (two concurrent `begin`s
/// of one key: one `Fresh`, the other `Existing` or `Conflict`) and
/// `claim_pending` atomic per intent (two concurrent claims never return the
/// same intent). Times are the store's; see the [module](self) for the
/// protocol and its guarantees.
pub trait JournalStore: Send + Sync {
    /// Writes `intent` as pending before its create is sent, leased to the
    /// caller for `lease` from now (the create's whole deadline): a new key,
    /// or a key whose intent was settled not done (a new attempt, any
    /// digest), is [`Begin::Fresh`]. An error means the create must not be
    /// sent ([`JournalError::create_not_sent`]).
    fn begin<'a>(&'a self, intent: &'a NewIntent, lease: Duration) -> JournalFuture<'a, Begin>;

    /// Records the definite outcome of `attempt` ([`Intent::attempt`],
    /// [`Lease::attempt`]) at the create under `key` and ends any lease on
    /// it. Settling again with the same outcome is `Ok`; an attempt that is
    /// over (the key was begun again since) is
    /// [`JournalError::AlreadySettled`], so a late answer never settles a
    /// newer attempt.
    fn settle<'a>(
        &'a self,
        key: &'a IntentKey,
        attempt: u32,
        outcome: Outcome,
    ) -> JournalFuture<'a, ()>;

    /// Extends the lease named `lease` (an [`Intent::leases`] number: the
    /// sender's [`Lease::number`], or a claimed intent's) on the pending
    /// intent under `key` to `duration` from now. `Ok(false)` when that
    /// lease is no longer held: the intent was settled, or claimed or begun
    /// again since.
    fn renew<'a>(
        &'a self,
        key: &'a IntentKey,
        lease: u32,
        duration: Duration,
    ) -> JournalFuture<'a, bool>;

    /// Claims up to `limit` pending intents of `provider` written at least
    /// `older_than` ago whose lease, if any, has expired, oldest first: each
    /// gets a lease of `lease` from now and one more [`Intent::leases`].
    /// The intents are returned as claimed.
    fn claim_pending<'a>(
        &'a self,
        provider: &'a str,
        older_than: Duration,
        lease: Duration,
        limit: usize,
    ) -> JournalFuture<'a, Vec<Intent>>;

    /// Ends the lease of a `claimed` intent whose look-up could not tell, so
    /// the next recovery may claim it at once. A no-op when the intent was
    /// settled or claimed again since (its [`Intent::leases`] differ).
    fn release<'a>(&'a self, claimed: &'a Intent) -> JournalFuture<'a, ()>;

    /// The intent under `key`, if any.
    fn get<'a>(&'a self, key: &'a IntentKey) -> JournalFuture<'a, Option<Intent>>;

    /// Deletes the intents settled (done or not done) at least `older_than`
    /// ago; pending intents are never deleted. Returns how many were
    /// deleted. A key pruned is a key never journalled: keep intents as long
    /// as a retry of their create may come.
    fn prune<'a>(&'a self, older_than: Duration) -> JournalFuture<'a, u64>;
}

/// `d`, at most [`MAX_DURATION`].
pub(crate) fn clamp(d: Duration) -> Duration {
    d.min(MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> IntentKey {
        IntentKey::new("dtone", "create_transaction", "external_id", "order-1")
    }

    #[test]
    fn an_intent_key_holds_its_reconcile_key() {
        let key = key();
        assert_eq!(
            key.reconcile_key(),
            &ReconcileKey::new("external_id", "order-1")
        );
        assert_eq!((key.field(), key.value()), ("external_id", "order-1"));
        assert_eq!(key.reconcile_key().to_string(), "external_id=order-1");
        assert_eq!(
            IntentKey::with_key(
                "dtone",
                "create_transaction",
                ReconcileKey::new("external_id", String::from("order-1"))
            ),
            key
        );
    }

    #[test]
    fn digest_is_xxh3_128_of_the_body() {
        // The reference implementation's values (python-xxhash's
        // xxh3_128_hexdigest).
        let digest = RequestDigest::of(b"abc");
        assert_eq!(digest.to_string(), "06b05ab6733a618578af5f94892f3950");
        assert_eq!(
            RequestDigest::of(b"").to_string(),
            "99aa06d3014798d86001c324468d497f"
        );
        assert_eq!(RequestDigest::from_slice(digest.as_bytes()), Some(digest));
        assert_eq!(RequestDigest::from_slice(&[0; 15]), None);
        assert!(format!("{digest:?}").starts_with("RequestDigest(06b05ab6"));
    }

    #[test]
    fn parts_are_length_prefixed() {
        let split = |a: &'static [u8], b: &'static [u8]| RequestDigest::of_parts([a, b]);
        assert_ne!(split(b"ab", b"c"), split(b"a", b"bc"));
        assert_eq!(split(b"ab", b"c"), split(b"ab", b"c"));
        assert_ne!(split(b"ab", b"c"), RequestDigest::of(b"abc"));
    }

    #[test]
    fn begin_against_an_existing_intent() {
        let existing = Intent::new(key(), RequestDigest::of(b"one"), SystemTime::UNIX_EPOCH);
        let same = NewIntent::new(key(), RequestDigest::of(b"one"));
        let other = NewIntent::new(key(), RequestDigest::of(b"two"));
        assert_eq!(
            Begin::against(existing.clone(), &same).ok(),
            Some(Begin::Existing(existing.clone()))
        );
        let err = Begin::against(existing, &other).err();
        assert!(matches!(err, Some(JournalError::Conflict { .. })));
        let err = err.map(|e| (e.to_string(), e.create_not_sent()));
        assert_eq!(
            err,
            Some((
                "dtone create_transaction: this external_id is journalled for a different \
                 request; refused, the create was not sent"
                    .to_owned(),
                true
            ))
        );
    }

    #[test]
    fn settling_is_final() {
        let mut intent = Intent::new(key(), RequestDigest::of(b"one"), SystemTime::UNIX_EPOCH);
        let done = Outcome::Done {
            provider_id: Some("42".into()),
        };
        assert!(matches!(intent.check_settle(1, &done), Ok(true)));
        // Another attempt's answer never settles this one.
        assert!(matches!(
            intent.check_settle(2, &done),
            Err(JournalError::AlreadySettled { .. })
        ));
        intent.state = done.clone().into();
        assert!(matches!(intent.check_settle(1, &done), Ok(false)));
        let not_done = Outcome::NotDone {
            reason: "refused".into(),
        };
        assert!(matches!(
            intent.check_settle(1, &not_done),
            Err(JournalError::AlreadySettled { .. })
        ));
    }

    #[test]
    fn only_an_intent_not_done_is_begun_again() {
        let mut intent = Intent::new(key(), RequestDigest::of(b"one"), SystemTime::UNIX_EPOCH);
        let first = intent.take_lease(SystemTime::UNIX_EPOCH);
        assert_eq!(
            first,
            Lease {
                attempt: 1,
                number: 1
            }
        );
        let corrected = NewIntent::new(key(), RequestDigest::of(b"two"));
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(9);
        assert_eq!(intent.begin_again(&corrected, now, now), None);
        intent.state = IntentState::Done { provider_id: None };
        assert_eq!(intent.begin_again(&corrected, now, now), None);
        intent.state = IntentState::NotDone {
            reason: "refused: 429".into(),
        };
        assert_eq!(
            intent.begin_again(&corrected, now, now),
            Some(Lease {
                attempt: 2,
                number: 2
            })
        );
        assert_eq!(
            (intent.state.clone(), intent.digest, intent.created_at),
            (IntentState::Pending, corrected.digest, now)
        );
    }

    #[test]
    fn errors_say_whether_the_create_was_sent() {
        let begin = JournalError::unavailable(JournalStep::Begin, "disk full");
        assert!(begin.create_not_sent());
        assert_eq!(
            begin.to_string(),
            "intent journal unavailable during begin: the create was not sent"
        );
        let settle = JournalError::unavailable(JournalStep::Settle, "disk full");
        assert!(!settle.create_not_sent());
        assert_eq!(
            settle.to_string(),
            "intent journal unavailable during settle: the answer is not recorded, \
             the intent stays pending"
        );
        assert!(
            !JournalError::not_found(&key())
                .to_string()
                .contains("order-1")
        );
    }

    #[test]
    fn durations_are_clamped() {
        assert_eq!(clamp(Duration::MAX), MAX_DURATION);
        assert_eq!(clamp(Duration::from_secs(1)), Duration::from_secs(1));
    }
}
