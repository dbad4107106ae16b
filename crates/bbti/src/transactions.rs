//! Transactions: `GetTransaction` (`GET /v1/transactions/{transactionId}`).

use partner_sdk_core::Request;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::delivery::DeliveryDetail;
use crate::error::{Result, invalid};
use crate::types::{Grade, TransactionStatus, or_default, text};

/// The device as offered by the user and as confirmed at inspection
/// (`confirmed*` stay empty/zero until then).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransactionProduct {
    /// Offered model name.
    #[serde(default, deserialize_with = "text")]
    pub offered_model_name: String,
    /// Offered storage name.
    #[serde(default, deserialize_with = "text")]
    pub offered_storage_name: String,
    /// Offered memory name.
    #[serde(default, deserialize_with = "text")]
    pub offered_memory_name: String,
    /// Offered carrier name.
    #[serde(default, deserialize_with = "text")]
    pub offered_carrier_name: String,
    /// Offered grade.
    #[serde(default, deserialize_with = "or_default")]
    pub offered_grade: Grade,
    /// Offered price in yen.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub offered_price: i64,
    /// Confirmed model name.
    #[serde(default, deserialize_with = "text")]
    pub confirmed_model_name: String,
    /// Confirmed storage name.
    #[serde(default, deserialize_with = "text")]
    pub confirmed_storage_name: String,
    /// Confirmed memory name.
    #[serde(default, deserialize_with = "text")]
    pub confirmed_memory_name: String,
    /// Confirmed carrier name.
    #[serde(default, deserialize_with = "text")]
    pub confirmed_carrier_name: String,
    /// Confirmed grade.
    #[serde(default, deserialize_with = "or_default")]
    pub confirmed_grade: Grade,
    /// Confirmed price in yen.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub confirmed_price: i64,
}

impl TransactionProduct {
    /// True once inspection confirmed a grade.
    pub fn is_confirmed(&self) -> bool {
        !matches!(self.confirmed_grade, Grade::Unspecified)
    }
}

/// Answer of `GET /v1/transactions/{transactionId}` (no personal data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Transaction {
    /// The transaction.
    #[serde(default, deserialize_with = "text")]
    pub transaction_id: String,
    /// Belong's deal id.
    #[serde(default, deserialize_with = "text")]
    pub deal_id: String,
    /// Where it stands.
    #[serde(default, deserialize_with = "or_default")]
    pub status: TransactionStatus,
    /// Offered and confirmed device.
    #[serde(default, deserialize_with = "or_default")]
    pub product: TransactionProduct,
    /// Delivery, once registered.
    #[serde(default, deserialize_with = "or_default")]
    pub delivery_detail: Option<DeliveryDetail>,
}

impl Transaction {
    /// A transaction in a status (other fields default).
    pub fn new(transaction_id: impl Into<String>, status: TransactionStatus) -> Self {
        Transaction {
            transaction_id: transaction_id.into(),
            status,
            ..Self::default()
        }
    }
}

/// `GetTransaction` response.
pub type GetTransactionResponse = Transaction;

impl Client {
    /// `GET /v1/transactions/{transactionId}`: status, product and delivery.
    pub async fn get_transaction(&self, transaction_id: &str) -> Result<Transaction> {
        self.fetch_transaction("get_transaction", transaction_id)
            .await
    }

    /// `GET /v1/transactions/{transactionId}`, sent as `operation`.
    pub(crate) async fn fetch_transaction(
        &self,
        operation: &'static str,
        transaction_id: &str,
    ) -> Result<Transaction> {
        if transaction_id.trim().is_empty() {
            return Err(invalid("transactionId", "is required"));
        }
        let req = Request::get(operation, "/v1/transactions/{transactionId}").param(transaction_id);
        Ok(self.transport.send(req).await?)
    }
}
