//! Transactions: create one per product category, look one up by your
//! `external_id`, and resolve a create whose outcome is unknown.
//!
//! `external_id` is DT One's idempotency key: a second create with the same
//! value is refused with code 1000990, and the transaction can be looked up
//! with it. So a create is never resent by this client: when no answer
//! arrives after sending, the call ends with
//! [`partner_sdk_core::Error::OutcomeUnknown`] carrying `("external_id", value)`, and
//! [`Client::resolve_outcome`] (or [`Client::create_or_resolve`]) finds out
//! what happened.

use std::fmt;

use partner_sdk_core::provider::boxed;
use partner_sdk_core::secret::redacted;
use partner_sdk_core::{Decimal, ReconcileKey, Request};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::Call;
use crate::Client;
use crate::error::{Error, ErrorCode, Result};
use crate::products::Category;
use crate::shared::same_account;
use crate::validate::check_text;

/// A person on either side of a transaction (all fields optional).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Party {
    /// Last name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub last_name: Option<String>,
    /// Middle name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub middle_name: Option<String>,
    /// First name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub first_name: Option<String>,
    /// Email address.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub email: Option<String>,
    /// Mobile number (international format).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub mobile: Option<String>,
    /// Custom field 1 (responses only).
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub custom_field_1: Option<String>,
    /// Custom field 2 (responses only).
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub custom_field_2: Option<String>,
    /// Custom field 3 (responses only).
    #[serde(
        default,
        skip_serializing,
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub custom_field_3: Option<String>,
}

/// Personal data (custom_field_1, custom_field_2, custom_field_3, email,
/// first_name, last_name, middle_name, mobile) is printed as `[REDACTED]`.
impl std::fmt::Debug for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Party")
            .field("last_name", &redacted(&self.last_name))
            .field("middle_name", &redacted(&self.middle_name))
            .field("first_name", &redacted(&self.first_name))
            .field("email", &redacted(&self.email))
            .field("mobile", &redacted(&self.mobile))
            .field("custom_field_1", &redacted(&self.custom_field_1))
            .field("custom_field_2", &redacted(&self.custom_field_2))
            .field("custom_field_3", &redacted(&self.custom_field_3))
            .finish()
    }
}

impl Party {
    /// An empty party.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the first name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }
    /// Sets the middle name.
    pub fn middle_name(mut self, v: impl Into<String>) -> Self {
        self.middle_name = Some(v.into());
        self
    }
    /// Sets the last name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }
    /// Sets the email address.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }
    /// Sets the mobile number.
    pub fn mobile(mut self, v: impl Into<String>) -> Self {
        self.mobile = Some(v.into());
        self
    }
}

fn flag_str<S: Serializer>(v: &bool, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(if *v { "1" } else { "0" })
}

fn opt_flag_str<S: Serializer>(v: &Option<bool>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(b) => flag_str(b, s),
        None => s.serialize_none(),
    }
}

fn id_str<S: Serializer>(v: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn opt_decimal_str<S: Serializer>(
    v: &Option<Decimal>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

/// The body of `POST /transactions/{type}`.
///
/// Serialised the way DT One documents it: `product_id`, `simulation` and the
/// notification flags as strings (`"315"`, `"1"`/`"0"`); `local_value` as a
/// decimal string.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TransactionRequest {
    /// Beneficiary account: MSISDN, account number or email.
    pub account_number: String,
    /// Product id.
    #[serde(serialize_with = "id_str")]
    pub product_id: i64,
    /// Your unique id for this transaction (the idempotency key).
    pub external_id: String,
    /// `"1"`: simulate (no money moves); `"0"`: real transaction.
    #[serde(serialize_with = "flag_str")]
    pub simulation: bool,
    /// Notify the sender by SMS.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "opt_flag_str"
    )]
    pub sender_sms_notification: Option<bool>,
    /// Text of the sender SMS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_sms_text: Option<String>,
    /// Notify the recipient by SMS.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "opt_flag_str"
    )]
    pub recipient_sms_notification: Option<bool>,
    /// Text of the recipient SMS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_sms_text: Option<String>,
    /// Sender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// Recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Party>,
    /// Amount for variable value products (required for variable recharges).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "opt_decimal_str"
    )]
    pub local_value: Option<Decimal>,
}

/// Personal data (account_number, recipient_sms_text, sender_sms_text) is
/// printed as `[REDACTED]`.
impl std::fmt::Debug for TransactionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionRequest")
            .field("account_number", &redacted(&self.account_number))
            .field("product_id", &self.product_id)
            .field("external_id", &self.external_id)
            .field("simulation", &self.simulation)
            .field("sender_sms_notification", &self.sender_sms_notification)
            .field("sender_sms_text", &redacted(&self.sender_sms_text))
            .field(
                "recipient_sms_notification",
                &self.recipient_sms_notification,
            )
            .field("recipient_sms_text", &redacted(&self.recipient_sms_text))
            .field("sender", &self.sender)
            .field("recipient", &self.recipient)
            .field("local_value", &self.local_value)
            .finish()
    }
}

impl TransactionRequest {
    /// A real (non-simulated) transaction of `product_id` to `account_number`
    /// identified by your `external_id`.
    pub fn new(
        account_number: impl Into<String>,
        product_id: i64,
        external_id: impl Into<String>,
    ) -> Self {
        TransactionRequest {
            account_number: account_number.into(),
            product_id,
            external_id: external_id.into(),
            simulation: false,
            sender_sms_notification: None,
            sender_sms_text: None,
            recipient_sms_notification: None,
            recipient_sms_text: None,
            sender: None,
            recipient: None,
            local_value: None,
        }
    }
    /// Simulates the transaction (`simulation: "1"`).
    pub fn simulation(mut self, simulate: bool) -> Self {
        self.simulation = simulate;
        self
    }
    /// Amount of a variable value product.
    pub fn local_value(mut self, value: Decimal) -> Self {
        self.local_value = Some(value);
        self
    }
    /// Sender details.
    pub fn sender(mut self, sender: Party) -> Self {
        self.sender = Some(sender);
        self
    }
    /// Recipient details.
    pub fn recipient(mut self, recipient: Party) -> Self {
        self.recipient = Some(recipient);
        self
    }
    /// Sender SMS: whether to send it, and its text.
    pub fn sender_sms(mut self, notify: bool, text: Option<String>) -> Self {
        self.sender_sms_notification = Some(notify);
        self.sender_sms_text = text;
        self
    }
    /// Recipient SMS: whether to send it, and its text.
    pub fn recipient_sms(mut self, notify: bool, text: Option<String>) -> Self {
        self.recipient_sms_notification = Some(notify);
        self.recipient_sms_text = text;
        self
    }

    /// Checks the request for `category` before anything is sent.
    pub fn validate(&self, category: Category) -> Result<()> {
        let bad = |field: &'static str, reason: &'static str| -> Result<()> {
            Err(partner_sdk_core::Error::invalid_input(field, reason).into())
        };
        if self.account_number.trim().is_empty() {
            return bad("account_number", "must not be empty");
        }
        if self.product_id <= 0 {
            return bad("product_id", "must be a positive id");
        }
        check_text("external_id", &self.external_id)?;
        match (category.is_fixed(), self.local_value) {
            (true, Some(_)) => {
                return bad("local_value", "fixed value products take no local_value");
            }
            (false, Some(v)) if v <= Decimal::ZERO => {
                return bad("local_value", "must be positive");
            }
            (false, None) if category == Category::VariableValueRecharges => {
                return bad("local_value", "required for variable value recharges");
            }
            _ => {}
        }
        Ok(())
    }
}

/// Voucher data of a voucher transaction. The PINs are hidden from `Debug`.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Voucher {
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pin: Option<String>,
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pin2: Option<String>,
    /// Currency of the voucher value.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub currency: Option<String>,
    /// Voucher value (absent or empty in simulation).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub value: Option<Decimal>,
    /// Expiration date as sent.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub expiration_date: Option<String>,
    /// Information 1.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub info_1: Option<String>,
    /// Information 2.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub info_2: Option<String>,
    /// Information 3.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub info_3: Option<String>,
}

impl Voucher {
    /// A voucher with these PINs (for tests and fakes).
    pub fn with_pins(pin: Option<String>, pin2: Option<String>) -> Self {
        Voucher {
            pin,
            pin2,
            ..Voucher::default()
        }
    }
    /// The voucher PIN (secret: do not log it).
    pub fn pin(&self) -> Option<&str> {
        self.pin.as_deref()
    }
    /// The second PIN, when the voucher has one (secret).
    pub fn pin2(&self) -> Option<&str> {
        self.pin2.as_deref()
    }
}

impl fmt::Debug for Voucher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hide = |p: &Option<String>| p.as_ref().map(|_| partner_sdk_core::secret::REDACTED);
        f.debug_struct("Voucher")
            .field("pin", &hide(&self.pin))
            .field("pin2", &hide(&self.pin2))
            .field("currency", &self.currency)
            .field("value", &self.value)
            .field("expiration_date", &self.expiration_date)
            .field("info_1", &self.info_1)
            .field("info_2", &self.info_2)
            .field("info_3", &self.info_3)
            .finish()
    }
}

fn opt_date<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<PrimitiveDateTime>, D::Error> {
    let Some(text) = partner_sdk_core::decode::opt_string(d)? else {
        return Ok(None);
    };
    parse_date(&text).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "invalid or out-of-range date {text:?}, expected YYYY-MM-DD HH:MM:SS"
        ))
    })
}

/// Parses DT One's `YYYY-MM-DD HH:MM:SS` (no zone). Also accepts a `T`
/// separator, fractional seconds, and RFC 3339 with an offset (converted
/// to UTC). `None` for anything else, including a date that does not exist
/// (`2023-02-30`) or whose UTC conversion leaves the calendar's range
/// (`9999-12-31T23:59:59-01:00`); it never panics.
// Read by hand over `time`'s types: without `time`'s `parsing` and `macros`
// features a DT One application builds less (ARCHITECTURE.md, "Dependencies
// and build cost").
pub fn parse_date(text: &str) -> Option<PrimitiveDateTime> {
    let mut s = Digits(text.trim().as_bytes());
    let year = i32::try_from(s.number(4)?).ok()?;
    s.expect(b"-")?;
    let month = Month::try_from(u8::try_from(s.number(2)?).ok()?).ok()?;
    s.expect(b"-")?;
    let day = u8::try_from(s.number(2)?).ok()?;
    s.expect(b" Tt")?;
    let hour = u8::try_from(s.number(2)?).ok()?;
    s.expect(b":")?;
    let minute = u8::try_from(s.number(2)?).ok()?;
    s.expect(b":")?;
    let second = u8::try_from(s.number(2)?).ok()?;
    let nanos = if s.expect(b".").is_some() {
        s.fraction()?
    } else {
        0
    };
    let offset = match s.0 {
        [] => None,
        [b'Z' | b'z'] => Some(UtcOffset::UTC),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let mut o = Digits(rest);
            let (h, m) = (o.number(2)?, {
                o.expect(b":")?;
                o.number(2)?
            });
            if !o.0.is_empty() || h > 23 || m > 59 {
                return None;
            }
            let secs = i32::try_from(h * 3600 + m * 60).ok()?;
            Some(UtcOffset::from_whole_seconds(if *sign == b'-' { -secs } else { secs }).ok()?)
        }
        _ => return None,
    };
    let local = PrimitiveDateTime::new(
        Date::from_calendar_date(year, month, day).ok()?,
        Time::from_hms_nano(hour, minute, second, nanos).ok()?,
    );
    match offset {
        None => Some(local),
        Some(offset) => {
            let utc = local
                .assume_offset(offset)
                .checked_to_offset(UtcOffset::UTC)?;
            Some(PrimitiveDateTime::new(utc.date(), utc.time()))
        }
    }
}

/// The unread rest of a date being parsed.
struct Digits<'a>(&'a [u8]);

impl Digits<'_> {
    /// Exactly `n` ASCII digits.
    fn number(&mut self, n: usize) -> Option<u32> {
        let (digits, rest) = self.0.split_at_checked(n)?;
        let mut value = 0;
        for d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(d - b'0');
        }
        self.0 = rest;
        Some(value)
    }

    /// One byte out of `any`.
    fn expect(&mut self, any: &[u8]) -> Option<()> {
        let (first, rest) = self.0.split_first()?;
        any.contains(first).then(|| self.0 = rest)
    }

    /// One or more digits of a second's fraction, as nanoseconds (digits
    /// past the ninth are dropped).
    fn fraction(&mut self) -> Option<u32> {
        let n = self.0.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let (digits, rest) = self.0.split_at(n);
        let mut nanos = 0;
        for i in 0..9 {
            nanos = nanos * 10 + digits.get(i).map_or(0, |d| u32::from(d - b'0'));
        }
        self.0 = rest;
        Some(nanos)
    }
}

/// A transaction as DT One returns it (create answer or lookup).
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// DT One's transaction id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub transaction_id: String,
    /// Whether it was a simulation (`1`/`"1"`).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::flag")]
    pub simulation: bool,
    /// Status code as sent; `"0"` is success.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub status: String,
    /// Status text, e.g. `Transaction successful`.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub status_message: Option<String>,
    /// When DT One recorded it (`YYYY-MM-DD HH:MM:SS`, no zone given).
    #[serde(default, deserialize_with = "opt_date")]
    pub date: Option<PrimitiveDateTime>,
    /// Beneficiary account.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub account_number: String,
    /// Your id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub external_id: String,
    /// The operator's reference.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub operator_reference: Option<String>,
    /// Product id (a string on the wire here).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub product_id: Option<i64>,
    /// Product name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product: Option<String>,
    /// Product description.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_desc: Option<String>,
    /// Currency of the product value.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_currency: Option<String>,
    /// Product value.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub product_value: Option<Decimal>,
    /// Currency of the local value.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub local_currency: Option<String>,
    /// Value received by the beneficiary.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub local_value: Option<Decimal>,
    /// Operator id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub operator_id: Option<i64>,
    /// Operator name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub operator: Option<String>,
    /// Country id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub country_id: Option<i64>,
    /// Country name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub country: Option<String>,
    /// Currency of the prices.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub account_currency: Option<String>,
    /// What you paid DT One.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub wholesale_price: Option<Decimal>,
    /// Retail price.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub retail_price: Option<Decimal>,
    /// Fee.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub fee: Option<Decimal>,
    /// Sender as recorded.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_object")]
    pub sender: Option<Party>,
    /// Recipient as recorded.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_object")]
    pub recipient: Option<Party>,
    /// Whether the sender was notified by SMS.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_flag")]
    pub sender_sms_notification: Option<bool>,
    /// Sender SMS text.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub sender_sms_text: Option<String>,
    /// Whether the recipient was notified by SMS.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_flag")]
    pub recipient_sms_notification: Option<bool>,
    /// Recipient SMS text.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub recipient_sms_text: Option<String>,
    /// Custom field 1.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub custom_field_1: Option<String>,
    /// Custom field 2.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub custom_field_2: Option<String>,
    /// Custom field 3.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub custom_field_3: Option<String>,
    /// Voucher data (voucher products only).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_object")]
    pub voucher: Option<Voucher>,
}

/// Personal data (account_number, custom_field_1, custom_field_2,
/// custom_field_3, recipient_sms_text, sender_sms_text) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("transaction_id", &self.transaction_id)
            .field("simulation", &self.simulation)
            .field("status", &self.status)
            .field("status_message", &self.status_message)
            .field("date", &self.date)
            .field("account_number", &redacted(&self.account_number))
            .field("external_id", &self.external_id)
            .field("operator_reference", &self.operator_reference)
            .field("product_id", &self.product_id)
            .field("product", &self.product)
            .field("product_desc", &self.product_desc)
            .field("product_currency", &self.product_currency)
            .field("product_value", &self.product_value)
            .field("local_currency", &self.local_currency)
            .field("local_value", &self.local_value)
            .field("operator_id", &self.operator_id)
            .field("operator", &self.operator)
            .field("country_id", &self.country_id)
            .field("country", &self.country)
            .field("account_currency", &self.account_currency)
            .field("wholesale_price", &self.wholesale_price)
            .field("retail_price", &self.retail_price)
            .field("fee", &self.fee)
            .field("sender", &self.sender)
            .field("recipient", &self.recipient)
            .field("sender_sms_notification", &self.sender_sms_notification)
            .field("sender_sms_text", &redacted(&self.sender_sms_text))
            .field(
                "recipient_sms_notification",
                &self.recipient_sms_notification,
            )
            .field("recipient_sms_text", &redacted(&self.recipient_sms_text))
            .field("custom_field_1", &redacted(&self.custom_field_1))
            .field("custom_field_2", &redacted(&self.custom_field_2))
            .field("custom_field_3", &redacted(&self.custom_field_3))
            .field("voucher", &self.voucher)
            .finish()
    }
}

impl Transaction {
    /// True when `status` is `"0"` (success).
    pub fn is_success(&self) -> bool {
        self.status.trim() == "0"
    }
}

/// What [`Client::resolve_outcome`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// DT One has a transaction with this external id.
    Found(Box<Transaction>),
    /// DT One knows no transaction with this external id (code 1000404).
    NotFound,
}

impl Client {
    /// `POST /transactions/{type}`: creates a transaction (201).
    ///
    /// Never resent: a timeout after sending ends with
    /// [`partner_sdk_core::Error::OutcomeUnknown`] carrying `("external_id", ..)`;
    /// resolve it with [`Client::resolve_outcome`]. A 2xx answer that cannot
    /// be read (it does not decode, or is over the size limit) means the
    /// transaction was created: it ends with
    /// [`partner_sdk_core::Error::AnswerUnreadable`] carrying the same key and
    /// the failing field path, never the answer (it may hold voucher PINs).
    ///
    /// With a [journal](crate::ClientBuilder::journal), the create is
    /// journalled under its category and `external_id` before it is sent
    /// and settled after a definite answer (done with the
    /// `transaction_id`, or not done on DT One's refusal; code 1000990,
    /// `external_id` already used, and unknown outcomes leave it pending).
    /// Nothing is sent when the journal cannot write the intent or holds
    /// the `external_id` for a different request
    /// ([`partner_sdk_core::Error::Journal`]). The same request journalled
    /// already is not sent again: it is looked up by `external_id`, and the
    /// transaction found is returned (and the intent settled); when DT One
    /// has none yet, or the intent was settled not done, the call ends with
    /// [`partner_sdk_core::Error::Journalled`] and its state.
    pub fn create_transaction<'a>(
        &'a self,
        category: Category,
        request: &'a TransactionRequest,
    ) -> Call<'a, Transaction> {
        self.create("create_transaction", category, request)
    }

    /// [`create_transaction`](Self::create_transaction), sent as
    /// `operation` (the public method's name); journalled under
    /// `create_transaction/<category>` whichever method sends it, so that
    /// one `external_id` is one intent.
    pub(crate) fn create<'a>(
        &'a self,
        operation: &'static str,
        category: Category,
        request: &'a TransactionRequest,
    ) -> Call<'a, Transaction> {
        boxed(async move {
            request.validate(category)?;
            let req = Request::post(operation, "/transactions/{type}")
                .param(category.as_str())
                .json(request)
                .reconcile_with("external_id", request.external_id.clone())
                .sensitive_answer();
            self.send_transaction(operation, category, request, req)
                .await
        })
    }

    /// `GET /transactions/{type}/ext-{external_id}`: a transaction by your id.
    /// An unknown id is an API error with code [`ErrorCode::NotFound`]; an
    /// answer that does not decode is a decode error without the body (it
    /// may hold voucher PINs).
    pub async fn get_transaction_by_external_id(
        &self,
        category: Category,
        external_id: &str,
    ) -> Result<Transaction> {
        self.look_up("get_transaction_by_external_id", category, external_id)
            .await
    }

    /// `GET /transactions/{type}/ext-{external_id}`, sent as `operation`.
    async fn look_up(
        &self,
        operation: &'static str,
        category: Category,
        external_id: &str,
    ) -> Result<Transaction> {
        check_text("external_id", external_id)?;
        let req = Request::get(operation, "/transactions/{type}/ext-{external_id}")
            .param(category.as_str())
            .param(external_id)
            .sensitive_answer();
        Ok(self.transport.send(req).await?)
    }

    /// Looks `external_id` up after a create whose outcome is unknown:
    /// [`Resolution::Found`] when it went through, [`Resolution::NotFound`]
    /// (code 1000404) when DT One has no such transaction.
    pub async fn resolve_outcome(
        &self,
        category: Category,
        external_id: &str,
    ) -> Result<Resolution> {
        self.resolve("resolve_outcome", category, external_id).await
    }

    /// [`resolve_outcome`](Self::resolve_outcome), its look-up sent as
    /// `operation`.
    pub(crate) async fn resolve(
        &self,
        operation: &'static str,
        category: Category,
        external_id: &str,
    ) -> Result<Resolution> {
        match self.look_up(operation, category, external_id).await {
            Ok(tx) => Ok(Resolution::Found(Box::new(tx))),
            Err(e) if e.code() == Some(ErrorCode::NotFound) => Ok(Resolution::NotFound),
            Err(e) => Err(e),
        }
    }

    /// Creates a transaction and, when the answer does not say what became
    /// of it, finds out instead of sending it again: after an unknown
    /// outcome (no answer, a 5xx, a gateway's page), an accepted but
    /// unreadable answer, or code 1000990 (`external_id` already used, as
    /// when a retry meets its own first attempt), it looks the transaction up
    /// by `external_id` once.
    ///
    /// The transaction found is returned only when it is this request's:
    /// same simulation flag, same product, same account number (phone
    /// numbers compared by their digits, other accounts exactly) and, for a
    /// variable-value product, the same amount. One that differs is
    /// [`Error::ExternalIdConflict`] naming the fields (never their
    /// values), never returned as this one. This request's transaction that
    /// failed at DT One ([`Transaction::has_failed`]) is
    /// [`Error::TransactionFailed`], never returned as done; one whose
    /// status is not final yet is returned (it exists, and is not created
    /// twice). When DT One knows no transaction under the id, or the
    /// look-up fails, the create's own error is returned
    /// ([`partner_sdk_core::Error::OutcomeUnknown`]: not created yet, and
    /// sending the same request again is safe, since a duplicate
    /// `external_id` is refused; [`partner_sdk_core::Error::AnswerUnreadable`]:
    /// it exists, but the look-up could not read it either).
    ///
    /// With a [journal](crate::ClientBuilder::journal), a transaction found
    /// settles its intent done (not done, naming its status, when it
    /// failed). One not found stays pending: the same
    /// request sent again is then refused as journalled
    /// ([`partner_sdk_core::Error::Journalled`]) until [`Client::recover`]
    /// settles it, after its grace period; one settled not done is begun
    /// again and sent under the same `external_id` (its next attempt), which
    /// DT One takes when no transaction holds that id (the create was
    /// refused, or never made); a failed transaction keeps its id, so an
    /// order sent again after one needs a new `external_id`.
    pub fn create_or_resolve<'a>(
        &'a self,
        category: Category,
        request: &'a TransactionRequest,
    ) -> Call<'a, Transaction> {
        boxed(async move {
            let operation = "create_or_resolve";
            let e = match self.create(operation, category, request).await {
                Err(e) if needs_resolving(&e) => e,
                other => return other,
            };
            match self
                .resolve(operation, category, &request.external_id)
                .await
            {
                Ok(Resolution::Found(tx)) => self.found_for(category, request, *tx).await,
                Ok(Resolution::NotFound) | Err(_) => Err(e),
            }
        })
    }
}

/// The create's answer leaves its fate to a look-up: unknown, accepted but
/// unreadable, or refused because its `external_id` is already used.
fn needs_resolving(e: &Error) -> bool {
    matches!(
        e,
        Error::Http(
            partner_sdk_core::Error::OutcomeUnknown(_)
                | partner_sdk_core::Error::AnswerUnreadable(_)
        )
    ) || e.code() == Some(ErrorCode::ExternalIdAlreadyUsed)
}

impl TransactionRequest {
    /// The key this request is reconciled by: `external_id` and its value.
    pub(crate) fn reconcile_key(&self) -> ReconcileKey {
        ReconcileKey::new("external_id", self.external_id.clone())
    }

    /// The fields in which `tx`, found under this request's `external_id`,
    /// is not this request: the simulation flag, the product, the account
    /// number ([`same_account`]) and, when the request names one, the local
    /// amount (as a decimal: `5` and `5.00` are the same amount). A field
    /// the answer leaves out cannot confirm anything and counts as a
    /// difference.
    pub(crate) fn differences(&self, tx: &Transaction) -> Vec<&'static str> {
        let mut mismatched = Vec::new();
        if tx.simulation != self.simulation {
            mismatched.push("simulation");
        }
        if tx.product_id != Some(self.product_id) {
            mismatched.push("product_id");
        }
        if !same_account(&self.account_number, &tx.account_number) {
            mismatched.push("account_number");
        }
        if let Some(amount) = self.local_value
            && tx.local_value.map(|v| v.normalize()) != Some(amount.normalize())
        {
            mismatched.push("local_value");
        }
        mismatched
    }
}

impl Transaction {
    /// Whether DT One says this transaction failed: its `status` names a
    /// failure (`FAILED`, `DECLINED`, `REJECTED`, `CANCELLED`/`CANCELED`,
    /// `REVERSED`, any case) or is one of DT One's error codes (a number
    /// from 1000000, e.g. 1000214 "transaction rejected"). `"0"` is a
    /// success; any other status (one not final yet) is not a failure: the
    /// transaction exists and is not created twice.
    pub fn has_failed(&self) -> bool {
        let status = self.status.trim();
        const FAILED: [&str; 6] = [
            "FAILED",
            "DECLINED",
            "REJECTED",
            "CANCELLED",
            "CANCELED",
            "REVERSED",
        ];
        FAILED.iter().any(|f| status.eq_ignore_ascii_case(f))
            || status.parse::<u64>().is_ok_and(|code| code >= 1_000_000)
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_prints_no_personal_data() {
        let person = Party::new()
            .first_name("Grace")
            .last_name("Hopper")
            .email("grace@example.com")
            .mobile("+15550100");
        let request = TransactionRequest::new("+15550199", 5, "order-7")
            .recipient(person.clone())
            .sender(person);
        let printed = format!("{request:?}");
        for personal in [
            "Grace",
            "Hopper",
            "grace@example.com",
            "+15550100",
            "+15550199",
        ] {
            assert!(!printed.contains(personal), "{printed}");
        }
        assert!(printed.contains("order-7") && printed.contains("product_id: 5"));
        let transaction = Transaction {
            account_number: "+15550199".into(),
            external_id: "order-7".into(),
            ..Transaction::default()
        };
        let printed = format!("{transaction:?}");
        assert!(!printed.contains("+15550199"), "{printed}");
        assert!(printed.contains("order-7"), "{printed}");
    }
}
