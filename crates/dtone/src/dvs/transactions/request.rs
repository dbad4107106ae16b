//! The body of a transaction create, and how a transaction found under its
//! `external_id` is compared with it.

use std::fmt;

use std::str::FromStr;

use partner_sdk_core::secret::redacted;
use partner_sdk_core::{Decimal, ReconcileKey};
use serde::{Serialize, Serializer};

use super::{AdditionalIdentifier, PartyIdentifier, Person, StatementIdentifier, Transaction};
use crate::dvs::common::{Amount, CalculationMode, UnitType};
use crate::dvs::error::Result;
use crate::shared::same_account;
use crate::validate::{check_id, check_text};

/// The longest `external_id` DT One takes.
pub const MAX_EXTERNAL_ID_LEN: usize = 40;

/// An amount a create asks for: `{unit_type, unit, amount}`.
///
/// DVS reads `amount` as a double: it is sent as the JSON number whose
/// value is exactly this decimal (`100.50` goes out as `100.5`), and an
/// amount no double holds exactly (more than 15 significant digits) is
/// refused by [`TransactionRequest::validate`], never rounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RequestedAmount {
    /// Unit type (`CURRENCY`, `DATA`, ...).
    pub unit_type: UnitType,
    /// Unit: an ISO 4217 currency code for [`UnitType::Currency`].
    pub unit: String,
    /// The amount.
    #[serde(serialize_with = "exact_double")]
    pub amount: Decimal,
}

impl RequestedAmount {
    /// An amount of `unit_type` in `unit`.
    pub fn new(unit_type: UnitType, unit: impl Into<String>, amount: Decimal) -> Self {
        RequestedAmount {
            unit_type,
            unit: unit.into(),
            amount,
        }
    }

    /// An amount of money in `currency` (ISO 4217, e.g. `USD`).
    pub fn currency(currency: impl Into<String>, amount: Decimal) -> Self {
        Self::new(UnitType::Currency, currency, amount)
    }
}

/// The double whose value is exactly `d`, if one is: the shortest text of
/// the nearest double (what JSON writers print) reads back as `d`.
fn double_of(d: &Decimal) -> Option<f64> {
    let f = f64::from_str(&d.to_string()).ok()?;
    let back = Decimal::from_str(&f.to_string()).ok()?;
    (f.is_finite() && back == *d).then_some(f)
}

/// Serialises a decimal as the JSON number of the same value ([`double_of`]);
/// one no double holds exactly is an error, never rounded.
fn exact_double<S: Serializer>(d: &Decimal, s: S) -> std::result::Result<S::Ok, S::Error> {
    match double_of(d) {
        Some(f) => s.serialize_f64(f),
        None => Err(serde::ser::Error::custom(
            "an amount with more digits than a double holds exactly",
        )),
    }
}

/// The body of `POST /async/transactions` and `POST /sync/transactions`.
///
/// `external_id` (at most 40 characters) is your unique reference for the
/// transaction: DT One refuses it a second time (1007001), and finds the
/// transaction by it. Build with [`TransactionRequest::new`] and the
/// setters; a ranged product takes [`source_amount`](Self::source_amount)
/// or [`destination_amount`](Self::destination_amount), which also set the
/// calculation mode.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TransactionRequest {
    /// Your unique reference.
    pub external_id: String,
    /// The product.
    pub product_id: i64,
    /// Which amount a ranged product's price is computed from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculation_mode: Option<CalculationMode>,
    /// What you pay (ranged products, [`CalculationMode::SourceAmount`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<RequestedAmount>,
    /// What the beneficiary gets (ranged products,
    /// [`CalculationMode::DestinationAmount`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<RequestedAmount>,
    /// Whether DT One confirms the transaction on creation (no separate
    /// confirm call).
    pub auto_confirm: bool,
    /// The sender, when the product asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<Person>,
    /// The beneficiary, when the product asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<Person>,
    /// Who pays, when the product asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debit_party_identifier: Option<PartyIdentifier>,
    /// Who receives: the number or account topped up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_party_identifier: Option<PartyIdentifier>,
    /// The statement a payment settles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_identifier: Option<StatementIdentifier>,
    /// Further identifiers (the purchaser's id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_identifier: Option<AdditionalIdentifier>,
    /// Where DT One posts the transaction's status changes (asynchronous
    /// creates only; a synchronous create sends none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

/// The parties, the purchaser and the callback URL (it may carry a token
/// of yours) are printed as `[REDACTED]` or by their own redacting `Debug`.
impl fmt::Debug for TransactionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactionRequest")
            .field("external_id", &self.external_id)
            .field("product_id", &self.product_id)
            .field("calculation_mode", &self.calculation_mode)
            .field("source", &self.source)
            .field("destination", &self.destination)
            .field("auto_confirm", &self.auto_confirm)
            .field("sender", &self.sender)
            .field("beneficiary", &self.beneficiary)
            .field("debit_party_identifier", &self.debit_party_identifier)
            .field("credit_party_identifier", &self.credit_party_identifier)
            .field("statement_identifier", &self.statement_identifier)
            .field("additional_identifier", &self.additional_identifier)
            .field("callback_url", &redacted(&self.callback_url))
            .finish()
    }
}

impl TransactionRequest {
    /// A create of `product_id` under your `external_id`, not confirmed on
    /// creation.
    pub fn new(external_id: impl Into<String>, product_id: i64) -> Self {
        TransactionRequest {
            external_id: external_id.into(),
            product_id,
            calculation_mode: None,
            source: None,
            destination: None,
            auto_confirm: false,
            sender: None,
            beneficiary: None,
            debit_party_identifier: None,
            credit_party_identifier: None,
            statement_identifier: None,
            additional_identifier: None,
            callback_url: None,
        }
    }

    /// Confirms the transaction on creation (DT One recommends it when the
    /// price is known).
    pub fn auto_confirm(mut self, auto_confirm: bool) -> Self {
        self.auto_confirm = auto_confirm;
        self
    }

    /// The receiving party: the number or account topped up.
    pub fn credit_party(mut self, party: PartyIdentifier) -> Self {
        self.credit_party_identifier = Some(party);
        self
    }

    /// The paying party.
    pub fn debit_party(mut self, party: PartyIdentifier) -> Self {
        self.debit_party_identifier = Some(party);
        self
    }

    /// The sender.
    pub fn sender(mut self, person: Person) -> Self {
        self.sender = Some(person);
        self
    }

    /// The beneficiary.
    pub fn beneficiary(mut self, person: Person) -> Self {
        self.beneficiary = Some(person);
        self
    }

    /// The statement a payment settles.
    pub fn statement(mut self, statement: StatementIdentifier) -> Self {
        self.statement_identifier = Some(statement);
        self
    }

    /// The purchaser's id (`additional_identifier.purchaser_id`).
    pub fn purchaser_id(mut self, id: impl Into<String>) -> Self {
        self.additional_identifier = Some(AdditionalIdentifier {
            purchaser_id: Some(id.into()),
        });
        self
    }

    /// What you pay, for a ranged product: sets `source` and the
    /// calculation mode [`CalculationMode::SourceAmount`].
    pub fn source_amount(mut self, amount: RequestedAmount) -> Self {
        self.calculation_mode = Some(CalculationMode::SourceAmount);
        self.source = Some(amount);
        self.destination = None;
        self
    }

    /// What the beneficiary gets, for a ranged product: sets `destination`
    /// and the calculation mode [`CalculationMode::DestinationAmount`].
    pub fn destination_amount(mut self, amount: RequestedAmount) -> Self {
        self.calculation_mode = Some(CalculationMode::DestinationAmount);
        self.destination = Some(amount);
        self.source = None;
        self
    }

    /// Where DT One posts the transaction's status changes (asynchronous
    /// creates). An `http` or `https` URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Refuses, naming the field, what DT One would refuse: an empty or
    /// over-long `external_id`, a product id that is not positive, an
    /// amount that is not positive or without a unit, a calculation mode
    /// without its amount, a callback URL that is not `http(s)`.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, reason: &'static str| -> Result<()> {
            Err(partner_sdk_core::Error::invalid_input(field, reason).into())
        };
        check_text("external_id", &self.external_id)?;
        if self.external_id.chars().count() > MAX_EXTERNAL_ID_LEN {
            return bad("external_id", "must be at most 40 characters");
        }
        check_id("product_id", self.product_id)?;
        for (field, amount) in [("source", &self.source), ("destination", &self.destination)] {
            if let Some(a) = amount {
                if a.amount <= Decimal::ZERO {
                    return bad(field, "amount must be positive");
                }
                if double_of(&a.amount).is_none() {
                    return bad(
                        field,
                        "amount has more digits than DVS reads exactly (a double: at most 15 significant digits)",
                    );
                }
                check_text(field, &a.unit)?;
            }
        }
        match (&self.calculation_mode, &self.source, &self.destination) {
            (Some(CalculationMode::SourceAmount), None, _) => {
                return bad("source", "required with calculation_mode SOURCE_AMOUNT");
            }
            (Some(CalculationMode::DestinationAmount), _, None) => {
                return bad(
                    "destination",
                    "required with calculation_mode DESTINATION_AMOUNT",
                );
            }
            _ => {}
        }
        if let Some(party) = &self.credit_party_identifier
            && party.mobile_number.is_none()
            && party.account_number.is_none()
        {
            return bad(
                "credit_party_identifier",
                "needs a mobile_number or an account_number",
            );
        }
        if let Some(url) = &self.callback_url {
            let scheme_ok = partner_sdk_core::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            if !scheme_ok {
                return bad("callback_url", "must be an http or https URL");
            }
        }
        Ok(())
    }

    /// The key this request is reconciled by: `external_id` and its value.
    pub(crate) fn reconcile_key(&self) -> ReconcileKey {
        ReconcileKey::new("external_id", self.external_id.clone())
    }

    /// The fields in which `tx`, found under this request's `external_id`,
    /// is not this request: the product, the credit party (mobile numbers
    /// by their digits, account numbers exactly) and the amount asked for,
    /// when the request names one (as a decimal: `5` and `5.00` are the
    /// same amount). A field the answer leaves out cannot confirm anything
    /// and counts as a difference.
    pub(crate) fn differences(&self, tx: &Transaction) -> Vec<&'static str> {
        let mut mismatched = Vec::new();
        let product = tx.product_id.or(tx.product.as_ref().map(|p| p.id));
        if product != Some(self.product_id) {
            mismatched.push("product_id");
        }
        if let Some(sent) = &self.credit_party_identifier {
            let found = tx.credit_party_identifier.as_ref();
            let same = |sent: &Option<String>, found: Option<&Option<String>>| match sent {
                None => true,
                Some(sent) => found
                    .and_then(Option::as_ref)
                    .is_some_and(|found| same_account(sent, found)),
            };
            if !same(&sent.mobile_number, found.map(|f| &f.mobile_number))
                || !same(&sent.account_number, found.map(|f| &f.account_number))
            {
                mismatched.push("credit_party_identifier");
            }
        }
        let requested = tx.requested_values.as_ref();
        let amount_of = |a: Option<&Amount>| a.and_then(|a| a.amount).map(|d| d.normalize());
        if let Some(source) = &self.source
            && amount_of(requested.and_then(|v| v.source.as_ref()))
                != Some(source.amount.normalize())
        {
            mismatched.push("source");
        }
        if let Some(destination) = &self.destination
            && amount_of(requested.and_then(|v| v.destination.as_ref()))
                != Some(destination.amount.normalize())
        {
            mismatched.push("destination");
        }
        mismatched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_body_is_the_documented_shape_with_exact_amounts() {
        let req = TransactionRequest::new("order-1", 42)
            .auto_confirm(true)
            .credit_party(PartyIdentifier::mobile_number("+6281234567100"))
            .destination_amount(RequestedAmount::currency("IDR", dec("50000.00")))
            .callback_url("https://shop.example/dvs/callback");
        req.validate().unwrap();
        let body = serde_json::to_string(&req).unwrap();
        assert_eq!(
            body,
            r#"{"external_id":"order-1","product_id":42,"calculation_mode":"DESTINATION_AMOUNT","destination":{"unit_type":"CURRENCY","unit":"IDR","amount":50000.0},"auto_confirm":true,"credit_party_identifier":{"mobile_number":"+6281234567100"},"callback_url":"https://shop.example/dvs/callback"}"#
        );
    }

    #[test]
    fn amounts_go_out_as_the_double_of_the_same_value_or_not_at_all() {
        for (text, sent) in [
            ("100.50", "100.5"),
            ("0.1", "0.1"),
            ("12.35", "12.35"),
            ("50000", "50000.0"),
            ("999999999999.99", "999999999999.99"),
        ] {
            let amount = RequestedAmount::currency("USD", dec(text));
            let json = serde_json::to_value(&amount).unwrap();
            assert_eq!(json["amount"].to_string(), sent, "{text}");
            assert_eq!(Decimal::from_str(sent).unwrap(), dec(text));
        }
        let too_fine = RequestedAmount::currency("USD", dec("1.0000000000000000001"));
        assert!(serde_json::to_value(&too_fine).is_err());
        let e = TransactionRequest::new("order-1", 42)
            .source_amount(too_fine)
            .validate()
            .unwrap_err();
        assert_eq!(e.invalid_field(), Some("source"), "{e}");
    }

    #[test]
    fn bad_requests_are_refused_naming_the_field() {
        let ok = || TransactionRequest::new("order-1", 42);
        let cases = [
            (TransactionRequest::new("", 42), "external_id"),
            (TransactionRequest::new("x".repeat(41), 42), "external_id"),
            (TransactionRequest::new("order-1", 0), "product_id"),
            (
                ok().source_amount(RequestedAmount::currency("USD", dec("0"))),
                "source",
            ),
            (
                ok().source_amount(RequestedAmount::currency(" ", dec("5"))),
                "source",
            ),
            (
                ok().credit_party(PartyIdentifier::default()),
                "credit_party_identifier",
            ),
            (ok().callback_url("ftp://x.example/"), "callback_url"),
            (ok().callback_url("not a url"), "callback_url"),
        ];
        for (req, field) in cases {
            let e = req.validate().unwrap_err();
            assert!(e.is_invalid_input(), "{field}: {e}");
            assert!(e.to_string().contains(field), "{field}: {e}");
        }
        let mut req = ok();
        req.calculation_mode = Some(CalculationMode::SourceAmount);
        assert!(req.validate().unwrap_err().to_string().contains("source"));
    }

    #[test]
    fn debug_prints_no_party_and_no_callback_url() {
        let req = TransactionRequest::new("order-1", 42)
            .credit_party(PartyIdentifier::mobile_number("+6281234567100"))
            .sender(Person::new().first_name("Grace").email("grace@example.com"))
            .purchaser_id("P-77")
            .callback_url("https://shop.example/cb?token=s3cret");
        let printed = format!("{req:?}");
        for secret in ["6281234567100", "Grace", "grace@", "P-77", "s3cret"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("order-1"));
    }
}
