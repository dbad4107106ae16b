//! Bill payments (variable value payments): look up what an account owes,
//! then pay exactly that.
//!
//! DT One pays a bill only in full, in the local currency, and only after
//! a look-up of the amount to pay ("payments_variable" in DT One's
//! documentation):
//!
//! 1. `GET /product/variable_value_payments/{product_id}?account_number=..`
//!    answers the [`Bill`]: the amount to pay (`local_value`, the bill's
//!    `payment.amount` plus its `payment.fee`), the prices in your account's
//!    currency, and the bill's own details ([`BillDetails`]);
//! 2. `POST /transactions/variable_value_payments` pays it, with the
//!    looked-up `local_value`.
//!
//! [`Bill::payment`] builds that transaction from the bill, so the amount
//! sent is the amount looked up: [`BillPayment`] has no amount setter.
//!
//! ```no_run
//! # async fn run(client: partner_sdk_dtone::Client) -> partner_sdk_dtone::Result<()> {
//! let bill = client.get_bill(410, "5310012345").await?;
//! println!("to pay: {} {}", bill.local_value, bill.local_currency);
//! let tx = client
//!     .pay_bill(&bill.payment("order-77").simulation(true))
//!     .await?;
//! assert_eq!(tx.local_value, Some(bill.local_value));
//! # Ok(()) }
//! ```

use std::fmt;

use partner_sdk_core::{Decimal, Request};
use serde::Deserialize;

use crate::Call;
use crate::Client;
use crate::error::Result;
use crate::products::{Category, decimal_or_zero};
use crate::transactions::{Party, Transaction, TransactionRequest};
use crate::validate::{check_id, check_text};

/// The bill's own details (the look-up's `payment` block), in the local
/// currency. `name` is the account holder's: it is hidden from `Debug`.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct BillDetails {
    /// The biller's fee, included in the amount to pay.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub fee: Option<Decimal>,
    /// Currency of `amount` and `fee`.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub currency: Option<String>,
    /// The amount billed, without the fee.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub amount: Option<Decimal>,
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    name: Option<String>,
}

impl BillDetails {
    /// The account holder's name as the biller knows it (personal data:
    /// show it to the payer to confirm the account, do not log it).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl fmt::Debug for BillDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillDetails")
            .field("fee", &self.fee)
            .field("currency", &self.currency)
            .field("amount", &self.amount)
            .field(
                "name",
                &self
                    .name
                    .as_ref()
                    .map(|_| partner_sdk_core::secret::REDACTED),
            )
            .finish()
    }
}

/// The look-up's answer as DT One sends it.
#[derive(Deserialize)]
struct BillAnswer {
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    account_currency: String,
    #[serde(deserialize_with = "partner_sdk_core::decode::decimal")]
    local_value: Decimal,
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    local_currency: String,
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    wholesale_price: Option<Decimal>,
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    retail_price: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal_or_zero")]
    fee: Decimal,
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_object")]
    payment: Option<BillDetails>,
}

impl BillAnswer {
    /// The bill of `account_number` for `product_id` this answer tells.
    fn into_bill(self, product_id: i64, account_number: String) -> Bill {
        Bill {
            product_id,
            account_number,
            account_currency: self.account_currency,
            local_value: self.local_value,
            local_currency: self.local_currency,
            wholesale_price: self.wholesale_price,
            retail_price: self.retail_price,
            fee: self.fee,
            payment: self.payment,
        }
    }
}

/// What an account owes on a variable value payment product, from
/// [`Client::get_bill`]. The account number is hidden from `Debug`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bill {
    product_id: i64,
    account_number: String,
    /// Currency of the prices (your account's currency).
    pub account_currency: String,
    /// The amount to pay, in `local_currency`: the bill's amount plus its
    /// fee. A payment must send exactly this ([`Bill::payment`]).
    pub local_value: Decimal,
    /// Currency of `local_value`.
    pub local_currency: String,
    /// What you pay DT One, in `account_currency`.
    pub wholesale_price: Option<Decimal>,
    /// Suggested retail price, in `account_currency`.
    pub retail_price: Option<Decimal>,
    /// DT One's fee, in `account_currency` (0 when absent).
    pub fee: Decimal,
    /// The bill's own details, when DT One sends them.
    pub payment: Option<BillDetails>,
}

impl fmt::Debug for Bill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bill")
            .field("product_id", &self.product_id)
            .field("account_number", &partner_sdk_core::secret::REDACTED)
            .field("account_currency", &self.account_currency)
            .field("local_value", &self.local_value)
            .field("local_currency", &self.local_currency)
            .field("wholesale_price", &self.wholesale_price)
            .field("retail_price", &self.retail_price)
            .field("fee", &self.fee)
            .field("payment", &self.payment)
            .finish()
    }
}

impl Bill {
    /// The product the bill was looked up for.
    pub fn product_id(&self) -> i64 {
        self.product_id
    }

    /// The account the bill was looked up for (as given, trimmed).
    pub fn account_number(&self) -> &str {
        &self.account_number
    }

    /// The transaction that pays this bill in full: this product and
    /// account, `local_value` = the looked-up amount, identified by your
    /// `external_id`. A real payment unless
    /// [`simulation(true)`](BillPayment::simulation) is set; `simulation` is
    /// always sent (DT One simulates when it is omitted).
    pub fn payment(&self, external_id: impl Into<String>) -> BillPayment {
        BillPayment {
            request: TransactionRequest::new(
                self.account_number.clone(),
                self.product_id,
                external_id,
            )
            .local_value(self.local_value),
        }
    }
}

/// A transaction paying exactly the amount of a [`Bill`], built by
/// [`Bill::payment`] and sent by [`Client::pay_bill`]. Everything but the
/// product, the account and the amount can be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillPayment {
    request: TransactionRequest,
}

impl BillPayment {
    /// Simulates the payment (`simulation: "1"`) or makes it real (`"0"`,
    /// the default).
    pub fn simulation(mut self, simulate: bool) -> Self {
        self.request = self.request.simulation(simulate);
        self
    }
    /// Sender details.
    pub fn sender(mut self, sender: Party) -> Self {
        self.request = self.request.sender(sender);
        self
    }
    /// Recipient details.
    pub fn recipient(mut self, recipient: Party) -> Self {
        self.request = self.request.recipient(recipient);
        self
    }
    /// Sender SMS: whether to send it, and its text.
    pub fn sender_sms(mut self, notify: bool, text: Option<String>) -> Self {
        self.request = self.request.sender_sms(notify, text);
        self
    }
    /// Recipient SMS: whether to send it, and its text.
    pub fn recipient_sms(mut self, notify: bool, text: Option<String>) -> Self {
        self.request = self.request.recipient_sms(notify, text);
        self
    }
    /// The transaction request that will be sent (for
    /// [`Client::create_or_resolve`] with [`Category::VariableValuePayments`]).
    pub fn request(&self) -> &TransactionRequest {
        &self.request
    }
}

impl Client {
    /// `GET /product/variable_value_payments/{product_id}?account_number=..`:
    /// what `account_number` owes on a variable value payment product.
    ///
    /// DT One marks `account_number` optional in the path's syntax, but the
    /// amount to pay is an account's: the SDK always sends it. The answer
    /// carries the account holder's name, so a decode error keeps no body.
    pub async fn get_bill(&self, product_id: i64, account_number: &str) -> Result<Bill> {
        check_id("product_id", product_id)?;
        let account_number = check_text("account_number", account_number)?;
        let req = Request::get("get_bill", "/product/variable_value_payments/{product_id}")
            .param(product_id)
            .query_pair("account_number", account_number)
            .sensitive_answer();
        let answer: BillAnswer = self.transport.send(req).await?;
        Ok(answer.into_bill(product_id, account_number.to_owned()))
    }

    /// `POST /transactions/variable_value_payments`: pays a bill in full,
    /// exactly as [`Client::create_transaction`] creates any transaction
    /// (sent once; an unknown outcome is resolved by `external_id` with
    /// [`Client::resolve_outcome`] and [`Category::VariableValuePayments`]).
    pub fn pay_bill<'a>(&'a self, payment: &'a BillPayment) -> Call<'a, Transaction> {
        self.create(
            "pay_bill",
            Category::VariableValuePayments,
            &payment.request,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
        "account_currency": "MYR", "local_value": 62973, "local_currency": "IDR",
        "wholesale_price": 20.89, "retail_price": 20.89, "fee": 3,
        "payment": {"fee": 5000, "currency": "IDR", "amount": 57973, "name": "ABD KARIM"}
    }"#;

    fn bill(answer: BillAnswer) -> Bill {
        answer.into_bill(410, "5310012345".into())
    }

    #[test]
    fn the_sample_answer_decodes_and_adds_up() {
        let answer: BillAnswer = serde_json::from_str(SAMPLE).unwrap();
        let details = answer.payment.clone().unwrap();
        assert_eq!(answer.local_value, Decimal::from(62973));
        assert_eq!(
            details.amount.unwrap() + details.fee.unwrap(),
            answer.local_value
        );
        assert_eq!(details.name(), Some("ABD KARIM"));
        assert_eq!(answer.wholesale_price, Some(Decimal::new(2089, 2)));
        assert_eq!(answer.fee, Decimal::from(3));
    }

    #[test]
    fn an_empty_payment_block_is_none_and_strings_are_read_as_numbers() {
        let answer: BillAnswer = serde_json::from_str(
            r#"{"local_value": "62973.50", "local_currency": "IDR", "payment": []}"#,
        )
        .unwrap();
        assert_eq!(answer.local_value, Decimal::new(6_297_350, 2));
        assert!(answer.payment.is_none());
        assert_eq!(answer.fee, Decimal::ZERO);
    }

    #[test]
    fn a_bill_without_an_amount_does_not_decode() {
        assert!(serde_json::from_str::<BillAnswer>(r#"{"local_currency": "IDR"}"#).is_err());
    }

    #[test]
    fn debug_hides_the_name_and_the_account() {
        let bill = bill(serde_json::from_str(SAMPLE).unwrap());
        let text = format!("{bill:?}");
        assert!(!text.contains("ABD KARIM"), "{text}");
        assert!(!text.contains("5310012345"), "{text}");
        assert!(text.contains("62973"), "{text}");
    }

    #[test]
    fn the_payment_carries_the_looked_up_amount_and_an_explicit_simulation() {
        let bill = bill(serde_json::from_str(SAMPLE).unwrap());
        let real = serde_json::to_value(bill.payment("ext-1").request()).unwrap();
        assert_eq!(real["local_value"], "62973");
        assert_eq!(real["product_id"], "410");
        assert_eq!(real["account_number"], "5310012345");
        assert_eq!(real["simulation"], "0");
        let simulated = bill.payment("ext-1").simulation(true);
        assert_eq!(
            serde_json::to_value(simulated.request()).unwrap()["simulation"],
            "1"
        );
    }
}
