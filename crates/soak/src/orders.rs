//! What one order is: its external id, the account number that names it in
//! the sandbox's ledger, the request a replica sends, and its journal key.
//!
//! Order `n` is sent under `external_id` `order-n` to the account
//! `5` followed by `n` on ten digits, so a transaction in the sandbox names
//! its order twice: by the key it was sent under and by its payload. A
//! second transaction for one order is found whichever id it was sent
//! under.

use partner_sdk_dtone::{Category, TransactionRequest};
use partner_sdk_journal::IntentKey;

/// The category every order is created in.
pub(crate) const CATEGORY: Category = Category::FixedValueRecharges;

/// The sandbox's fixed-value recharge product every order buys.
const PRODUCT_ID: i64 = 64;

/// The reconcile key of order `n`.
pub(crate) fn external_id(order: u64) -> String {
    format!("order-{order}")
}

/// The beneficiary account of order `n`: eleven digits, which the sandbox
/// verifies.
pub(crate) fn account_number(order: u64) -> String {
    format!("5{order:010}")
}

/// The order an account number names, if it is one of the soak's.
pub(crate) fn order_of_account(account: &str) -> Option<u64> {
    let digits = account.strip_prefix('5')?;
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The order an external id names (`order-n`, or `order-n` followed by
/// anything that is not a digit), if it is one of the soak's.
pub(crate) fn order_of_external_id(external_id: &str) -> Option<u64> {
    let rest = external_id.strip_prefix("order-")?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The create of order `n`.
pub(crate) fn request(order: u64) -> TransactionRequest {
    TransactionRequest::new(account_number(order), PRODUCT_ID, external_id(order))
}

/// The journal's key of order `n`, as the DT One client journals a
/// transaction: `create_transaction/<category>` and its `external_id`.
pub(crate) fn intent_key(order: u64) -> IntentKey {
    IntentKey::new(
        "dtone",
        format!("create_transaction/{}", CATEGORY.as_str()),
        "external_id",
        external_id(order),
    )
}

/// The orders replica `index` of `replicas` sends, out of `creates`.
pub(crate) fn orders_of(index: u64, replicas: u64, creates: u64) -> impl Iterator<Item = u64> {
    (index..creates).step_by(usize::try_from(replicas.max(1)).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_named_by_its_key_and_by_its_account() {
        for order in [0, 7, 1999, 9_999_999_999] {
            assert_eq!(order_of_account(&account_number(order)), Some(order));
            assert_eq!(order_of_external_id(&external_id(order)), Some(order));
        }
        assert_eq!(order_of_external_id("order-12-retry"), Some(12));
        assert_eq!(order_of_external_id("other-12"), None);
        assert_eq!(order_of_account("+15550199"), None);
    }

    #[test]
    fn replicas_share_the_orders_out() {
        let mut all: Vec<u64> = (0..3).flat_map(|r| orders_of(r, 3, 10)).collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }
}
