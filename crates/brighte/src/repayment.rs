//! Repayment amount of a loan (vendor API).

use partner_sdk_core::Request;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::common::wire;
use crate::error::Result;
use crate::validate::{check_amounts, check_term};

/// Inputs of `POST calculate-repayment-amount`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepaymentRequest {
    /// Total amount of the loan.
    #[serde(rename = "totalPurchaseAmount", serialize_with = "wire::money")]
    pub total_purchase_amount: Decimal,
    /// Deposit, subtracted from the total.
    #[serde(rename = "depositAmount", serialize_with = "wire::money")]
    pub deposit_amount: Decimal,
    /// Term in months.
    #[serde(rename = "repaymentTerm")]
    pub repayment_term: u32,
    /// Include the establishment fee of first-time customers (sent as 1/0).
    #[serde(rename = "includeFees", serialize_with = "wire::flag")]
    pub include_fees: bool,
}

impl RepaymentRequest {
    /// Checks the amounts and term.
    pub fn validate(&self) -> Result<()> {
        check_amounts(self.total_purchase_amount, Some(self.deposit_amount))?;
        check_term("repayment_term", self.repayment_term)
    }
}

/// Amount of each instalment and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RepaymentAmount {
    /// Amount of each instalment.
    #[serde(
        rename = "repaymentAmount",
        deserialize_with = "partner_sdk_core::decode::decimal",
        serialize_with = "wire::money"
    )]
    pub repayment_amount: Decimal,
    /// Number of instalments over the term.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub instalments: i64,
}

#[derive(Deserialize)]
struct RepaymentEnvelope {
    #[serde(rename = "repaymentAmount")]
    repayment_amount: RepaymentAmount,
}

impl Client {
    /// Calculates the repayment amount (`POST calculate-repayment-amount`).
    /// A calculation, so safe to retry.
    pub async fn calculate_repayment_amount(
        &self,
        request: &RepaymentRequest,
    ) -> Result<RepaymentAmount> {
        request.validate()?;
        let e: RepaymentEnvelope = self
            .vendor_send(
                Request::post("calculate_repayment_amount", "/calculate-repayment-amount")
                    .json(request)
                    .idempotent(true),
            )
            .await?;
        Ok(e.repayment_amount)
    }
}
