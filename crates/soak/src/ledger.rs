//! The ledger check, as Jepsen does it: after the run, each order's
//! transactions at the sandbox are set against what the journal recorded.
//!
//! For each order the sandbox must hold exactly one transaction or none,
//! and the journal must agree: done ⇔ one transaction (the same id when the
//! journal kept one), not done ⇔ none. A pending intent is left for a
//! person. Transactions are grouped by the order their account number
//! names (see [`crate::orders`]), so a second transaction for one order is
//! counted whichever external id it was sent under.

use std::collections::BTreeMap;

use partner_sdk_journal::IntentState;
use serde_json::Value;

use crate::orders;

/// What the journal holds for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// No intent: the order was never begun.
    Missing,
    /// Begun, outcome not known.
    Pending,
    /// Settled done, with the provider's id when it kept one.
    Done(Option<String>),
    /// Settled not done.
    NotDone,
}

impl From<Option<IntentState>> for Recorded {
    fn from(state: Option<IntentState>) -> Self {
        match state {
            None => Recorded::Missing,
            Some(IntentState::Done { provider_id }) => Recorded::Done(provider_id),
            Some(state) if state.is_pending() => Recorded::Pending,
            Some(_) => Recorded::NotDone,
        }
    }
}

/// One transaction the sandbox holds, as the check reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Made {
    /// The sandbox's transaction id.
    pub(crate) transaction_id: String,
    /// The external id it was sent under.
    pub(crate) external_id: String,
    /// Its beneficiary account.
    pub(crate) account_number: String,
}

impl Made {
    /// The transactions of the sandbox's list (`transactions()`).
    pub(crate) fn from_sandbox(transactions: &[Value]) -> Vec<Made> {
        let text = |tx: &Value, name: &str| tx[name].as_str().unwrap_or_default().to_owned();
        transactions
            .iter()
            .map(|tx| Made {
                transaction_id: text(tx, "transaction_id"),
                external_id: text(tx, "external_id"),
                account_number: text(tx, "account_number"),
            })
            .collect()
    }
}

/// The check's findings.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    /// Orders done: one transaction, the journal agrees.
    pub(crate) done: u64,
    /// Orders not done: no transaction, the journal agrees.
    pub(crate) not_done: u64,
    /// Transactions beyond the first of an order.
    pub(crate) duplicates: u64,
    /// The orders with more than one transaction.
    pub(crate) duplicated_orders: Vec<u64>,
    /// Orders where the journal and the sandbox disagree, with why.
    pub(crate) lost: Vec<(u64, &'static str)>,
    /// Orders pending in the journal: left for a person.
    pub(crate) pending: Vec<u64>,
    /// Orders never begun (no intent, no transaction).
    pub(crate) never_begun: Vec<u64>,
    /// Transactions that name no order of the run, or two different ones.
    pub(crate) unaccounted: Vec<String>,
}

impl Ledger {
    /// Whether the run kept its promise: no duplicate, nothing lost,
    /// nothing unaccounted, every order begun.
    pub(crate) fn holds(&self) -> bool {
        self.duplicates == 0
            && self.lost.is_empty()
            && self.unaccounted.is_empty()
            && self.never_begun.is_empty()
    }
}

/// Checks `recorded` (the journal's state of order `n` at index `n`)
/// against `made` (every transaction of the sandbox).
pub(crate) fn check(recorded: &[Recorded], made: &[Made]) -> Ledger {
    let mut ledger = Ledger::default();
    let mut by_order: BTreeMap<u64, Vec<&Made>> = BTreeMap::new();
    for tx in made {
        let by_account = orders::order_of_account(&tx.account_number);
        let by_key = orders::order_of_external_id(&tx.external_id);
        match (by_account, by_key) {
            (Some(order), Some(key)) if order == key && order < recorded.len() as u64 => {
                by_order.entry(order).or_default().push(tx);
            }
            _ => ledger.unaccounted.push(tx.transaction_id.clone()),
        }
    }
    for (order, state) in (0u64..).zip(recorded) {
        let txs = by_order.get(&order).map(Vec::as_slice).unwrap_or_default();
        if txs.len() > 1 {
            ledger.duplicates += txs.len() as u64 - 1;
            ledger.duplicated_orders.push(order);
        }
        match (state, txs.first()) {
            (Recorded::Done(Some(id)), Some(_)) if txs.iter().all(|t| &t.transaction_id != id) => {
                ledger
                    .lost
                    .push((order, "the journal names another transaction"));
            }
            (Recorded::Done(_), Some(_)) => ledger.done += 1,
            (Recorded::Done(_), None) => ledger
                .lost
                .push((order, "done in the journal, no transaction")),
            (Recorded::NotDone, None) => ledger.not_done += 1,
            (Recorded::NotDone, Some(_)) => ledger
                .lost
                .push((order, "a transaction the journal says was not done")),
            (Recorded::Pending, _) => ledger.pending.push(order),
            (Recorded::Missing, None) => ledger.never_begun.push(order),
            (Recorded::Missing, Some(_)) => {
                ledger.lost.push((order, "a transaction without an intent"))
            }
        }
    }
    ledger
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(id: &str, order: u64, external_id: &str) -> Made {
        Made {
            transaction_id: id.to_owned(),
            external_id: external_id.to_owned(),
            account_number: orders::account_number(order),
        }
    }

    #[test]
    fn agreeing_records_hold() {
        let recorded = [
            Recorded::Done(Some("1".into())),
            Recorded::NotDone,
            Recorded::Done(None),
            Recorded::Pending,
        ];
        let ledger = check(
            &recorded,
            &[made("1", 0, "order-0"), made("2", 2, "order-2")],
        );
        assert!(ledger.holds(), "{ledger:?}");
        assert_eq!((ledger.done, ledger.not_done), (2, 1));
        assert_eq!(ledger.pending, vec![3]);
    }

    #[test]
    fn a_second_transaction_of_an_order_is_a_duplicate_whatever_its_key() {
        let recorded = [Recorded::Done(Some("1".into()))];
        let ledger = check(
            &recorded,
            &[made("1", 0, "order-0"), made("2", 0, "order-0-again")],
        );
        assert!(!ledger.holds());
        assert_eq!(ledger.duplicates, 1);
        assert_eq!(ledger.duplicated_orders, vec![0]);
    }

    #[test]
    fn disagreements_are_lost() {
        let recorded = [
            Recorded::Done(Some("9".into())),
            Recorded::Done(None),
            Recorded::NotDone,
            Recorded::Missing,
            Recorded::Missing,
        ];
        let ledger = check(
            &recorded,
            &[
                made("1", 0, "order-0"),
                made("3", 2, "order-2"),
                made("4", 3, "order-3"),
            ],
        );
        let orders: Vec<u64> = ledger.lost.iter().map(|(o, _)| *o).collect();
        assert_eq!(orders, vec![0, 1, 2, 3]);
        assert_eq!(ledger.never_begun, vec![4]);
        assert!(!ledger.holds());
    }

    #[test]
    fn a_transaction_of_no_order_is_unaccounted() {
        let recorded = [Recorded::NotDone];
        let ledger = check(
            &recorded,
            &[
                made("1", 0, "order-1"),
                Made {
                    transaction_id: "2".into(),
                    external_id: "order-0".into(),
                    account_number: "+15550199".into(),
                },
            ],
        );
        assert_eq!(ledger.unaccounted, vec!["1".to_owned(), "2".to_owned()]);
        assert!(!ledger.holds());
    }
}
