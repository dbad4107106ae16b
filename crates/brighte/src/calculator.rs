//! Public finance calculator (no authentication).

use partner_sdk_core::Request;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::common::wire;
use crate::error::Result;
use crate::validate::{check_amounts, check_term};

partner_sdk_core::open_enum! {
    /// Type of application (`financeType`, default `CONSUMER`).
    pub enum FinanceType {
        /// Consumer finance.
        Consumer => "CONSUMER",
        /// Small and medium enterprise finance.
        Sme => "SME",
    }
}

/// Inputs of `POST calculators/finance`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinanceRequest {
    /// How much to borrow.
    #[serde(rename = "totalPurchaseAmount", serialize_with = "wire::money")]
    pub total_purchase_amount: Decimal,
    /// Term in months.
    #[serde(rename = "repaymentTerm")]
    pub repayment_term: u32,
    /// Type of application (Brighte's default: consumer).
    #[serde(rename = "financeType", skip_serializing_if = "Option::is_none")]
    pub finance_type: Option<FinanceType>,
    /// Deposit (Brighte's default: 0).
    #[serde(
        rename = "depositAmount",
        skip_serializing_if = "Option::is_none",
        serialize_with = "wire::opt_money"
    )]
    pub deposit_amount: Option<Decimal>,
    /// Add the establishment fee of first-time customers (Brighte's
    /// default: true); sent as 1/0.
    #[serde(
        rename = "addEstablishmentFee",
        skip_serializing_if = "Option::is_none",
        serialize_with = "wire::opt_flag"
    )]
    pub add_establishment_fee: Option<bool>,
}

impl FinanceRequest {
    /// Borrow `total_purchase_amount` over `repayment_term` months, other
    /// inputs at Brighte's defaults.
    pub fn new(total_purchase_amount: Decimal, repayment_term: u32) -> Self {
        FinanceRequest {
            total_purchase_amount,
            repayment_term,
            finance_type: None,
            deposit_amount: None,
            add_establishment_fee: None,
        }
    }
    /// Sets the deposit.
    pub fn deposit(mut self, amount: Decimal) -> Self {
        self.deposit_amount = Some(amount);
        self
    }
    /// Sets the finance type.
    pub fn finance_type(mut self, t: FinanceType) -> Self {
        self.finance_type = Some(t);
        self
    }
    /// Whether to add the establishment fee.
    pub fn add_establishment_fee(mut self, add: bool) -> Self {
        self.add_establishment_fee = Some(add);
        self
    }

    /// Checks the amounts and term.
    pub fn validate(&self) -> Result<()> {
        check_amounts(self.total_purchase_amount, self.deposit_amount)?;
        check_term("repayment_term", self.repayment_term)
    }
}

/// What the finance calculator answers (dollar amounts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FinanceCalculation {
    /// Amount of each instalment.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub repayment_amount: Option<Decimal>,
    /// Number of instalments.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub instalments: Option<i64>,
    /// Purchase total.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub total_purchase_amount: Option<Decimal>,
    /// Deposit.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub deposit_amount: Option<Decimal>,
    /// Financed amount (total minus deposit).
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub financed_amount: Option<Decimal>,
    /// Establishment fee.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub establishment_fee: Option<Decimal>,
    /// Weekly account keeping fee.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub weekly_account_keeping_fee: Option<Decimal>,
    /// Annual fee.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub annual_fee: Option<Decimal>,
    /// Late payment fee.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub late_payment_fee: Option<Decimal>,
}

#[derive(Deserialize)]
struct FinanceEnvelope {
    data: FinanceCalculation,
}

/// Decodes a finance calculator answer.
pub fn decode_finance(body: &[u8]) -> std::result::Result<FinanceCalculation, serde_json::Error> {
    serde_json::from_slice::<FinanceEnvelope>(body).map(|e| e.data)
}

impl Client {
    /// Calculates repayments, instalments and fees
    /// (`POST /rest/pub/v1/calculators/finance`). Public: needs no
    /// credentials. A calculation, so safe to retry.
    pub async fn calculate_finance(&self, request: &FinanceRequest) -> Result<FinanceCalculation> {
        request.validate()?;
        let e: FinanceEnvelope = self
            .public_send(
                Request::post("calculate_finance", "/calculators/finance")
                    .json(request)
                    .idempotent(true),
            )
            .await?;
        Ok(e.data)
    }
}
