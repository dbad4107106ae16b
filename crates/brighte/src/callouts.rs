//! Callout requests: ask Brighte to call a prospective customer.

use partner_sdk_core::Request;
use partner_sdk_core::provider::boxed;
use partner_sdk_core::secret::redacted;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::common::{AccountId, wire};
use crate::error::{Call, Result};
use crate::validate::proposal;

partner_sdk_core::open_enum! {
    /// `calloutStatus` (`FULLFILLED` as documented; `FULFILLED` also read).
    pub enum CalloutStatus {
        /// Open.
        Open => "OPEN",
        /// Fulfilled.
        Fulfilled => "FULLFILLED" | "FULFILLED",
        /// Closed.
        Closed => "CLOSED",
    }
}

/// A callout request to create (`POST callout-requests`).
#[derive(Clone, PartialEq, Serialize)]
pub struct CalloutRequest {
    /// Account (branch), sent when set (the sample sends it, the table omits it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    /// Client's first name.
    pub first_name: String,
    /// Client's last name.
    pub last_name: String,
    /// Client's phone.
    pub phone: String,
    /// Client's email.
    pub email: String,
    /// Proposed purchase amount.
    #[serde(serialize_with = "wire::money")]
    pub total_purchase_amount: Decimal,
    /// Proposed deposit.
    #[serde(serialize_with = "wire::money")]
    pub deposit_amount: Decimal,
    /// Term in months.
    pub repayment_term: u32,
    /// Product category.
    pub product_category: String,
    /// Description of the financed items.
    pub product_description: String,
}

/// Personal data (email, first_name, last_name, phone) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for CalloutRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalloutRequest")
            .field("account_id", &self.account_id)
            .field("first_name", &redacted(&self.first_name))
            .field("last_name", &redacted(&self.last_name))
            .field("phone", &redacted(&self.phone))
            .field("email", &redacted(&self.email))
            .field("total_purchase_amount", &self.total_purchase_amount)
            .field("deposit_amount", &self.deposit_amount)
            .field("repayment_term", &self.repayment_term)
            .field("product_category", &self.product_category)
            .field("product_description", &self.product_description)
            .finish()
    }
}

impl CalloutRequest {
    /// Checks every field; each failure names it.
    pub fn validate(&self) -> Result<()> {
        if let Some(a) = &self.account_id {
            a.check("account_id")?;
        }
        proposal!(self).check()
    }
}

/// A scheduled callout.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Callout {
    /// Unique id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub id: String,
    /// First name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub last_name: Option<String>,
    /// Phone.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub phone: Option<String>,
    /// Email.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub email: Option<String>,
    /// Proposed purchase amount.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub total_purchase_amount: Option<Decimal>,
    /// Proposed deposit.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub deposit_amount: Option<Decimal>,
    /// Term in months.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub repayment_term: Option<i64>,
    /// Product category.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_category: Option<String>,
    /// Description of the financed items.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_description: Option<String>,
    /// When Brighte will call (ISO 8601).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub call_datetime: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<CalloutStatus>,
    /// Creation time.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub created: Option<String>,
    /// Last change.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub modified: Option<String>,
    /// Applicant email (listed in the field table).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub applicant_email: Option<String>,
    /// `<first_name> <last_name>`.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub full_name: Option<String>,
    /// Proposed financed amount.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub financed_amount: Option<Decimal>,
}

/// Personal data (applicant_email, email, first_name, full_name, last_name,
/// phone) is printed as `[REDACTED]`.
impl std::fmt::Debug for Callout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callout")
            .field("id", &self.id)
            .field("first_name", &redacted(&self.first_name))
            .field("last_name", &redacted(&self.last_name))
            .field("phone", &redacted(&self.phone))
            .field("email", &redacted(&self.email))
            .field("total_purchase_amount", &self.total_purchase_amount)
            .field("deposit_amount", &self.deposit_amount)
            .field("repayment_term", &self.repayment_term)
            .field("product_category", &self.product_category)
            .field("product_description", &self.product_description)
            .field("call_datetime", &self.call_datetime)
            .field("status", &self.status)
            .field("created", &self.created)
            .field("modified", &self.modified)
            .field("applicant_email", &redacted(&self.applicant_email))
            .field("full_name", &redacted(&self.full_name))
            .field("financed_amount", &self.financed_amount)
            .finish()
    }
}

#[derive(Deserialize)]
struct CalloutEnvelope {
    callout: Callout,
}

impl Client {
    /// Creates a callout request (`POST callout-requests`). Never retried.
    /// Brighte offers no look-up of callout requests and takes no caller
    /// key: after an unknown outcome, check in the vendor portal before
    /// creating again.
    pub fn create_callout_request<'a>(&'a self, request: &'a CalloutRequest) -> Call<'a, Callout> {
        boxed(async move {
            request.validate()?;
            let e: CalloutEnvelope = self
                .vendor_send(
                    Request::post("create_callout_request", "/callout-requests")
                        .json(request)
                        // The answer (or a refusal) may repeat the customer's details.
                        .sensitive_answer(),
                )
                .await?;
            Ok(e.callout)
        })
    }
}
