//! Schemas and enums shared by several BBTI resources.
//!
//! BBTI speaks protobuf JSON (grpc-gateway): fields left at their default
//! value are omitted, 64-bit integers may arrive as JSON strings, and enums
//! are strings. Every decoder here accepts those shapes; unknown enum values
//! are kept as `Other(String)`.

use serde::{Deserialize, Deserializer, Serialize};

/// Text from a string or a number; `null` and a missing field are `""`.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    partner_sdk_core::decode::opt_string(d).map(Option::unwrap_or_default)
}

/// `i32` from a number or a string; `null`, `""` and missing are 0.
pub(crate) fn i32_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let wide = partner_sdk_core::decode::i64_or_zero(d)?;
    i32::try_from(wide).map_err(|_| {
        serde::de::Error::invalid_value(serde::de::Unexpected::Signed(wide), &"a 32-bit integer")
    })
}

/// A key/display-value pair: `key` is the normalised slug used in requests
/// (`iphone-8`), `value` the display name, often Japanese (`SIMフリー版`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeyValue {
    /// Normalised slug, e.g. `apple`, `64gb`, `simfree`.
    #[serde(default, deserialize_with = "text")]
    pub key: String,
    /// Display name, e.g. `Apple`, `64GB`, `SIMフリー版`.
    #[serde(default, deserialize_with = "text")]
    pub value: String,
}

impl KeyValue {
    /// A pair from its slug and display name.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        KeyValue {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A calendar date in the `google.type.Date` shape; zeros mark unknown parts.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Date {
    /// Year (1..=9999, or 0).
    #[serde(default, deserialize_with = "i32_or_zero")]
    pub year: i32,
    /// Month (1..=12, or 0).
    #[serde(default, deserialize_with = "i32_or_zero")]
    pub month: i32,
    /// Day of month (1..=31, or 0).
    #[serde(default, deserialize_with = "i32_or_zero")]
    pub day: i32,
}

impl Date {
    /// A date from year, month and day.
    pub const fn new(year: i32, month: i32, day: i32) -> Self {
        Date { year, month, day }
    }

    /// True when all three parts are zero (the protobuf "not set" value).
    pub fn is_unset(&self) -> bool {
        self.year == 0 && self.month == 0 && self.day == 0
    }

    /// Checks ranges and that a full date exists in the calendar; used to
    /// refuse bad input before sending.
    pub(crate) fn validate(&self, field: &'static str) -> partner_sdk_core::Result<()> {
        let leap = (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0;
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => {
                return Err(partner_sdk_core::Error::invalid_input(
                    field,
                    "month must be 1..=12",
                ));
            }
        };
        if !(1..=9999).contains(&self.year) {
            return Err(partner_sdk_core::Error::invalid_input(
                field,
                "year must be 1..=9999",
            ));
        }
        if !(1..=days).contains(&self.day) {
            return Err(partner_sdk_core::Error::invalid_input(
                field,
                "day does not exist in that month",
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

macro_rules! unspecified_default {
    ($($name:ident),*) => {$(
        impl Default for $name {
            fn default() -> Self {
                $name::Unspecified
            }
        }
    )*};
}

partner_sdk_core::open_enum! {
    /// Device grade computed from its condition (`GRADE_A` best).
    pub enum Grade {
        /// Not set.
        Unspecified => "GRADE_UNSPECIFIED",
        /// Grade S (older API generations only).
        S => "GRADE_S",
        /// Grade A.
        A => "GRADE_A",
        /// Grade B.
        B => "GRADE_B",
        /// Grade C.
        C => "GRADE_C",
        /// Grade D.
        D => "GRADE_D",
    }
}

impl Grade {
    /// The grade of a price-list letter (`a`, `B`, ...), `None` for anything else.
    pub fn from_letter(letter: &str) -> Option<Grade> {
        match letter.trim().to_ascii_lowercase().as_str() {
            "s" => Some(Grade::S),
            "a" => Some(Grade::A),
            "b" => Some(Grade::B),
            "c" => Some(Grade::C),
            "d" => Some(Grade::D),
            _ => None,
        }
    }

    /// The price-list letter of a known grade (`a`, `b`, ...).
    pub fn letter(&self) -> Option<&'static str> {
        match self {
            Grade::S => Some("s"),
            Grade::A => Some("a"),
            Grade::B => Some("b"),
            Grade::C => Some("c"),
            Grade::D => Some("d"),
            _ => None,
        }
    }
}

partner_sdk_core::open_enum! {
    /// Result of one condition check (functionality or appearance).
    pub enum Condition {
        /// Not checked.
        Unspecified => "CONDITION_UNSPECIFIED",
        /// The check passed.
        Pass => "CONDITION_PASS",
        /// The check failed.
        Fail => "CONDITION_FAIL",
    }
}

partner_sdk_core::open_enum! {
    /// How the device reaches Belong.
    pub enum DeliveryPattern {
        /// Not set.
        Unspecified => "DELIVERY_PATTERN_UNSPECIFIED",
        /// A courier picks the device up on a date and time slot.
        Pickup => "DELIVERY_PATTERN_PICKUP",
        /// The user brings the device in with a QR code or barcode.
        BringIn => "DELIVERY_PATTERN_BRING_IN" | "DELIVERY_PATTERN_BRING",
    }
}

partner_sdk_core::open_enum! {
    /// Pickup time slot (Japan time).
    pub enum PickupTime {
        /// Not set.
        Unspecified => "PICKUP_TIME_UNSPECIFIED",
        /// Any time of the day.
        AllDay => "PICKUP_TIME_ALL_DAY",
        /// Until 13:00.
        To13 => "PICKUP_TIME_TO_13",
        /// 14:00 to 16:00.
        From14To16 => "PICKUP_TIME_14_TO_16",
        /// 16:00 to 18:00.
        From16To18 => "PICKUP_TIME_16_TO_18",
        /// 17:00 to 18:30.
        From17To1830 => "PICKUP_TIME_17_TO_1830",
    }
}

partner_sdk_core::open_enum! {
    /// Where a trade-in transaction stands.
    pub enum TransactionStatus {
        /// Not set (transaction registered, nothing else yet).
        Unspecified => "TRANSACTION_STATUS_UNSPECIFIED",
        /// The user applied for eKYC.
        KycApplied => "TRANSACTION_STATUS_KYC_APPLIED",
        /// eKYC succeeded.
        KycVerified => "TRANSACTION_STATUS_KYC_VERIFIED",
        /// eKYC was declined.
        KycDeclined => "TRANSACTION_STATUS_KYC_DECLINED",
        /// Delivery information registered.
        DeliveryRegistered => "TRANSACTION_STATUS_DELIVERY_REGISTERED",
        /// The device is on its way.
        DeliveryShipped => "TRANSACTION_STATUS_DELIVERY_SHIPPED",
        /// Belong received the device.
        DeliveryReceived => "TRANSACTION_STATUS_DELIVERY_RECEIVED",
        /// The device was registered at inspection.
        DeviceRegistered => "TRANSACTION_STATUS_DEVICE_REGISTERED",
        /// Inspection confirmed the grade.
        GradeConfirmed => "TRANSACTION_STATUS_GRADE_CONFIRMED",
        /// Payment to the user is pending.
        PaymentPending => "TRANSACTION_STATUS_PAYMENT_PENDING",
        /// Payment to the user failed.
        PaymentFailed => "TRANSACTION_STATUS_PAYMENT_FAILED",
        /// The transaction is closed (paid).
        Close => "TRANSACTION_STATUS_CLOSE",
        /// The transaction was cancelled.
        Cancel => "TRANSACTION_STATUS_CANCEL",
    }
}

impl TransactionStatus {
    /// True once the transaction can no longer change (closed, cancelled or KYC declined).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TransactionStatus::Close | TransactionStatus::Cancel | TransactionStatus::KycDeclined
        )
    }
}

unspecified_default!(
    Grade,
    Condition,
    DeliveryPattern,
    PickupTime,
    TransactionStatus
);

/// Decodes a field that protobuf JSON omits or sends as `null` into its default.
pub(crate) fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    partner_sdk_core::decode::null_as_default(d)
}
