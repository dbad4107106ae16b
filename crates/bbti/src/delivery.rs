//! Delivery: `RegisterDelivery` (`POST /v1/delivery/register`).
//!
//! PICKUP needs a date and a time slot; BRING_IN answers with a QR code and
//! a barcode (PNG images, decoded here from base64). Never retried
//! automatically; a lost answer is `OutcomeUnknown` carrying
//! `("transactionId", value)`.

use std::fmt;

use base64::Engine as _;
use partner_sdk_core::provider::boxed;
use partner_sdk_core::secret::redacted;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Call;
use crate::client::Client;
use crate::error::{Result, invalid};
use crate::types::{Date, DeliveryPattern, PickupTime, or_default, text};

/// Body of `POST /v1/delivery/register`. Fill it with struct syntax and
/// `..Default::default()`, or start from [`RegisterDeliveryRequest::pickup`] /
/// [`RegisterDeliveryRequest::bring_in`].
///
/// Required before sending: `transactionId`, `deliveryPattern`,
/// `lastName`, `firstName`, `zip`, `state`, `city`, `address`,
/// `phoneNumber`, and for PICKUP `pickupDate` and `pickupTime` (a courier
/// needs a slot). `building` and the katakana names are optional.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterDeliveryRequest {
    /// Transaction from a pricing call.
    pub transaction_id: String,
    /// Pickup or bring-in.
    pub delivery_pattern: DeliveryPattern,
    /// Family name.
    pub last_name: String,
    /// Given name.
    pub first_name: String,
    /// Family name in katakana. Optional: the API does not mark it
    /// required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name_kana: Option<String>,
    /// Given name in katakana. Optional, like the family name in katakana.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name_kana: Option<String>,
    /// Postal code.
    pub zip: String,
    /// Prefecture.
    pub state: String,
    /// City (ward level).
    pub city: String,
    /// Street address.
    pub address: String,
    /// Building and room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Phone number.
    pub phone_number: String,
    /// Pickup date (PICKUP only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_date: Option<Date>,
    /// Pickup time slot (PICKUP only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_time: Option<PickupTime>,
}

/// Personal data (address, building, city, first_name, first_name_kana,
/// last_name, last_name_kana, phone_number, state, zip) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for RegisterDeliveryRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterDeliveryRequest")
            .field("transaction_id", &self.transaction_id)
            .field("delivery_pattern", &self.delivery_pattern)
            .field("last_name", &redacted(&self.last_name))
            .field("first_name", &redacted(&self.first_name))
            .field("last_name_kana", &redacted(&self.last_name_kana))
            .field("first_name_kana", &redacted(&self.first_name_kana))
            .field("zip", &redacted(&self.zip))
            .field("state", &redacted(&self.state))
            .field("city", &redacted(&self.city))
            .field("address", &redacted(&self.address))
            .field("building", &redacted(&self.building))
            .field("phone_number", &redacted(&self.phone_number))
            .field("pickup_date", &self.pickup_date)
            .field("pickup_time", &self.pickup_time)
            .finish()
    }
}

impl RegisterDeliveryRequest {
    /// A courier pickup on `date` in `slot` (address fields still to fill).
    pub fn pickup(transaction_id: impl Into<String>, date: Date, slot: PickupTime) -> Self {
        RegisterDeliveryRequest {
            transaction_id: transaction_id.into(),
            delivery_pattern: DeliveryPattern::Pickup,
            pickup_date: Some(date),
            pickup_time: Some(slot),
            ..Self::default()
        }
    }

    /// A bring-in delivery (address fields still to fill).
    pub fn bring_in(transaction_id: impl Into<String>) -> Self {
        RegisterDeliveryRequest {
            transaction_id: transaction_id.into(),
            delivery_pattern: DeliveryPattern::BringIn,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        let required = [
            ("transactionId", &self.transaction_id),
            ("lastName", &self.last_name),
            ("firstName", &self.first_name),
            ("zip", &self.zip),
            ("state", &self.state),
            ("city", &self.city),
            ("address", &self.address),
            ("phoneNumber", &self.phone_number),
        ];
        for (field, value) in required {
            if value.trim().is_empty() {
                return Err(invalid(field, "is required"));
            }
        }
        for (field, value) in [
            ("lastNameKana", &self.last_name_kana),
            ("firstNameKana", &self.first_name_kana),
        ] {
            if matches!(value, Some(v) if v.trim().is_empty()) {
                return Err(invalid(field, "must not be empty when set"));
            }
        }
        match &self.delivery_pattern {
            DeliveryPattern::Pickup => {
                let date = self
                    .pickup_date
                    .ok_or_else(|| invalid("pickupDate", "is required for PICKUP"))?;
                date.validate("pickupDate")?;
                match &self.pickup_time {
                    None | Some(PickupTime::Unspecified) => {
                        return Err(invalid("pickupTime", "is required for PICKUP"));
                    }
                    Some(_) => {}
                }
            }
            DeliveryPattern::BringIn => {
                if self.pickup_date.is_some() {
                    return Err(invalid("pickupDate", "is only for PICKUP"));
                }
                if self.pickup_time.is_some() {
                    return Err(invalid("pickupTime", "is only for PICKUP"));
                }
            }
            DeliveryPattern::Unspecified => {
                return Err(invalid("deliveryPattern", "is required"));
            }
            DeliveryPattern::Other(_) => {}
        }
        Ok(())
    }
}

/// An image sent as base64 text (QR code, barcode), kept as decoded bytes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Image(pub Vec<u8>);

impl Image {
    /// The decoded bytes (a PNG for BBTI codes).
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
    /// True when the provider sent none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// True when the bytes start with the PNG signature.
    pub fn is_png(&self) -> bool {
        self.0.starts_with(b"\x89PNG\r\n\x1a\n")
    }
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Image({} bytes)", self.0.len())
    }
}

impl Serialize for Image {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = Option::<String>::deserialize(d)?.unwrap_or_default();
        let trimmed = raw.trim();
        // Tolerate a data-URI prefix and line breaks.
        let payload = trimmed
            .split_once(";base64,")
            .map_or(trimmed, |(_, rest)| rest);
        let compact: String = payload
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        if compact.is_empty() {
            return Ok(Image::default());
        }
        let engines = [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        engines
            .iter()
            .find_map(|e| e.decode(&compact).ok())
            .map(Image)
            .ok_or_else(|| serde::de::Error::custom("image is not valid base64"))
    }
}

/// How the device travels to Belong; no personal data.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryDetail {
    /// Pickup or bring-in.
    #[serde(default, deserialize_with = "or_default")]
    pub delivery_pattern: DeliveryPattern,
    /// Courier tracking number.
    #[serde(default, deserialize_with = "text")]
    pub tracking_number: String,
    /// Bring-in reservation id.
    #[serde(default, deserialize_with = "text")]
    pub reservation_id: String,
    /// Bring-in reservation password (when the QR code cannot be read);
    /// redacted in `Debug`.
    #[serde(default, deserialize_with = "text")]
    pub reservation_pw: String,
    /// Pickup date.
    #[serde(default, deserialize_with = "or_default")]
    pub pickup_date: Option<Date>,
    /// Pickup time slot.
    #[serde(default, deserialize_with = "or_default")]
    pub pickup_time: PickupTime,
    /// Last day to bring the device in.
    #[serde(default, deserialize_with = "or_default")]
    pub bring_in_expiration_date: Option<Date>,
    /// QR code (PNG) for bring-in.
    #[serde(default)]
    pub qr_code: Image,
    /// Barcode (PNG) for bring-in.
    #[serde(default)]
    pub barcode: Image,
}

impl fmt::Debug for DeliveryDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryDetail")
            .field("delivery_pattern", &self.delivery_pattern)
            .field("tracking_number", &self.tracking_number)
            .field("reservation_id", &self.reservation_id)
            .field("reservation_pw", &partner_sdk_core::secret::REDACTED)
            .field("pickup_date", &self.pickup_date)
            .field("pickup_time", &self.pickup_time)
            .field("bring_in_expiration_date", &self.bring_in_expiration_date)
            .field("qr_code", &self.qr_code)
            .field("barcode", &self.barcode)
            .finish()
    }
}

impl DeliveryDetail {
    /// A detail for a delivery pattern (other fields default).
    pub fn new(delivery_pattern: DeliveryPattern) -> Self {
        DeliveryDetail {
            delivery_pattern,
            ..Self::default()
        }
    }
}

/// Answer of `POST /v1/delivery/register`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegisterDeliveryResponse {
    /// The transaction.
    #[serde(default, deserialize_with = "text")]
    pub transaction_id: String,
    /// The registered delivery.
    #[serde(default, deserialize_with = "or_default")]
    pub delivery_detail: DeliveryDetail,
}

impl RegisterDeliveryResponse {
    /// A response.
    pub fn new(transaction_id: impl Into<String>, delivery_detail: DeliveryDetail) -> Self {
        RegisterDeliveryResponse {
            transaction_id: transaction_id.into(),
            delivery_detail,
        }
    }
}

impl Client {
    /// `POST /v1/delivery/register`: registers how the device reaches Belong.
    pub fn register_delivery<'a>(
        &'a self,
        request: &'a RegisterDeliveryRequest,
    ) -> Call<'a, RegisterDeliveryResponse> {
        boxed(async move {
            request.validate()?;
            let id: fn(&RegisterDeliveryResponse) -> &str = |r| &r.transaction_id;
            let tx = &request.transaction_id;
            Ok(self
                .send_registration(
                    "register_delivery",
                    "/v1/delivery/register",
                    request,
                    tx,
                    id,
                )
                .await?)
        })
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_prints_no_personal_data() {
        let request = RegisterDeliveryRequest {
            transaction_id: "tx-1".into(),
            last_name: "Yamada".into(),
            phone_number: "09012345678".into(),
            address: "1-2-3 Jingumae".into(),
            ..RegisterDeliveryRequest::default()
        };
        let printed = format!("{request:?}");
        for personal in ["Yamada", "09012345678", "Jingumae"] {
            assert!(!printed.contains(personal), "{printed}");
        }
        assert!(printed.contains("tx-1"), "{printed}");
    }
}
