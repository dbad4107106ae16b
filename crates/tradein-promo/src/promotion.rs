//! Potential promotions for a trade-in device:
//! `POST /v1/promotions/potential-promotions`.
//!
//! The caller identifies the device being traded in either by IMEI
//! ([`PromotionRequest::by_imei`]) or by make, model, capacity and trade-in
//! model code ([`PromotionRequest::by_device`]), answers the condition
//! questionnaire, and gets back the trade-in value, the model the provider
//! recognised and the promotions it qualifies for.

use std::str::FromStr;

use partner_sdk_core::secret::redacted;
use partner_sdk_core::{Decimal, Request};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Result;

/// Path of the operation, under the configured base URL.
pub const PATH: &str = "/v1/promotions/potential-promotions";

partner_sdk_core::open_enum! {
    /// What the qualification is for.
    #[derive(Default)]
    pub enum QualificationType {
        /// Trade in a device (the only documented value, and the default).
        #[default]
        TradeIn => "Trade-In",
    }
}

partner_sdk_core::open_enum! {
    /// The sales journey the trade-in belongs to.
    pub enum FlowType {
        /// Upgrade of an existing line (`UP`, the documented value).
        Upgrade => "UP",
    }
}

partner_sdk_core::open_enum! {
    /// A question of the device condition questionnaire. The questionnaire
    /// comes from the provider, so names not listed here are kept.
    pub enum ConditionName {
        /// The carrier's general "device is in good condition" question (`ATT_GENERIC`).
        AttGeneric => "ATT_GENERIC",
        /// The screen works (`LCD_FUNCTIONALITY`).
        LcdFunctionality => "LCD_FUNCTIONALITY",
        /// The device powers on (`POWER_ON`).
        PowerOn => "POWER_ON",
        /// The device is deactivated from the owner's account (`DEACTIVATED`).
        Deactivated => "DEACTIVATED",
    }
}

partner_sdk_core::open_enum! {
    /// An answer to a condition question.
    pub enum AnswerValue {
        /// The condition holds.
        Yes => "Yes",
        /// The condition does not hold.
        No => "No",
    }
}

impl From<bool> for AnswerValue {
    fn from(value: bool) -> Self {
        if value {
            AnswerValue::Yes
        } else {
            AnswerValue::No
        }
    }
}

partner_sdk_core::open_enum! {
    /// Kind of promotion (the `promotype` characteristic).
    pub enum PromoType {
        /// A trade-in credit.
        TradeIn => "tradeIn",
    }
}

/// One answered condition question: `{"name": ..., "value": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionAnswer {
    /// The question.
    pub name: ConditionName,
    /// The answers (the documented samples send exactly one).
    #[serde(default, deserialize_with = "list")]
    pub value: Vec<AnswerValue>,
}

impl ConditionAnswer {
    /// An answer with one value.
    pub fn new(name: impl Into<ConditionName>, value: impl Into<AnswerValue>) -> Self {
        ConditionAnswer {
            name: name.into(),
            value: vec![value.into()],
        }
    }

    /// The first answer is `Yes`.
    pub fn is_yes(&self) -> bool {
        self.value.first() == Some(&AnswerValue::Yes)
    }
}

/// How the traded-in device is identified: exactly one of the two modes.
/// `Debug` prints an IMEI as `[REDACTED]`: it names one handset, and so
/// its owner, for the life of the device.
#[derive(Clone, PartialEq, Eq)]
pub enum DeviceIdentification {
    /// By IMEI (scenario 1). Not length-checked: the provider's own sample is
    /// not a 15-digit IMEI.
    Imei(String),
    /// By make, model and capacity with the trade-in model code (scenario 2).
    Device {
        /// Manufacturer, e.g. `Apple`.
        make: String,
        /// Model name, e.g. `Iphone 12 Pro`.
        model: String,
        /// Storage capacity, e.g. `128GB`.
        capacity: String,
        /// The trade-in catalogue code of the model, e.g. `2234245`.
        trade_in_model_code: String,
    },
}

impl std::fmt::Debug for DeviceIdentification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceIdentification::Imei(imei) => {
                f.debug_tuple("Imei").field(&redacted(imei)).finish()
            }
            DeviceIdentification::Device {
                make,
                model,
                capacity,
                trade_in_model_code,
            } => f
                .debug_struct("Device")
                .field("make", make)
                .field("model", model)
                .field("capacity", capacity)
                .field("trade_in_model_code", trade_in_model_code)
                .finish(),
        }
    }
}

/// A request for the promotions a trade-in device qualifies for.
///
/// The two constructors make a request with no identification, or with both
/// identification modes, impossible; [`validate`](Self::validate) (run by
/// [`Client::get_promotion`] before anything is sent) refuses empty values.
///
/// ```
/// use partner_sdk_tradein_promo::{ConditionName, FlowType, PromotionRequest};
/// let request = PromotionRequest::by_imei("12345789")
///     .device_bill_code("689C")
///     .flow_type(FlowType::Upgrade)
///     .answer(ConditionName::PowerOn, true);
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRequest {
    identification: DeviceIdentification,
    qualification_type: QualificationType,
    device_bill_code: Option<String>,
    flow_type: Option<FlowType>,
    condition_answers: Vec<ConditionAnswer>,
}

impl PromotionRequest {
    fn with(identification: DeviceIdentification) -> Self {
        PromotionRequest {
            identification,
            qualification_type: QualificationType::TradeIn,
            device_bill_code: None,
            flow_type: None,
            condition_answers: Vec::new(),
        }
    }

    /// Identifies the trade-in device by IMEI.
    pub fn by_imei(imei: impl Into<String>) -> Self {
        Self::with(DeviceIdentification::Imei(imei.into()))
    }

    /// Identifies the trade-in device by make, model, capacity and trade-in
    /// model code.
    pub fn by_device(
        make: impl Into<String>,
        model: impl Into<String>,
        capacity: impl Into<String>,
        trade_in_model_code: impl Into<String>,
    ) -> Self {
        Self::with(DeviceIdentification::Device {
            make: make.into(),
            model: model.into(),
            capacity: capacity.into(),
            trade_in_model_code: trade_in_model_code.into(),
        })
    }

    /// Qualification type (default `Trade-In`).
    pub fn qualification_type(mut self, value: impl Into<QualificationType>) -> Self {
        self.qualification_type = value.into();
        self
    }

    /// Bill code of the new device being bought, e.g. `689C`.
    pub fn device_bill_code(mut self, code: impl Into<String>) -> Self {
        self.device_bill_code = Some(code.into());
        self
    }

    /// Sales journey, e.g. [`FlowType::Upgrade`].
    pub fn flow_type(mut self, flow: impl Into<FlowType>) -> Self {
        self.flow_type = Some(flow.into());
        self
    }

    /// Adds one condition answer (`true` is `Yes`).
    pub fn answer(mut self, name: impl Into<ConditionName>, value: impl Into<AnswerValue>) -> Self {
        self.condition_answers
            .push(ConditionAnswer::new(name, value));
        self
    }

    /// Adds condition answers.
    pub fn condition_answers(mut self, answers: impl IntoIterator<Item = ConditionAnswer>) -> Self {
        self.condition_answers.extend(answers);
        self
    }

    /// How the device is identified.
    pub fn identification(&self) -> &DeviceIdentification {
        &self.identification
    }

    /// The qualification type.
    pub fn get_qualification_type(&self) -> &QualificationType {
        &self.qualification_type
    }

    /// The bill code, when set.
    pub fn get_device_bill_code(&self) -> Option<&str> {
        self.device_bill_code.as_deref()
    }

    /// The flow type, when set.
    pub fn get_flow_type(&self) -> Option<&FlowType> {
        self.flow_type.as_ref()
    }

    /// The condition answers.
    pub fn get_condition_answers(&self) -> &[ConditionAnswer] {
        &self.condition_answers
    }

    /// The answer to `name`, when given.
    pub fn answer_to(&self, name: &ConditionName) -> Option<&ConditionAnswer> {
        self.condition_answers.iter().find(|a| &a.name == name)
    }

    /// Checks the request: identification values, bill code and flow type
    /// not blank; every answer named, with at least one non-blank value; no
    /// question answered twice. The error is [`partner_sdk_core::Error::InvalidInput`]
    /// naming the wire field (see [`Error::invalid_field`](crate::Error::invalid_field)).
    pub fn validate(&self) -> Result<()> {
        self.validate_fields().map_err(crate::Error::from)
    }

    fn validate_fields(&self) -> std::result::Result<(), partner_sdk_core::Error> {
        match &self.identification {
            DeviceIdentification::Imei(imei) => {
                not_blank("imei", imei)?;
            }
            DeviceIdentification::Device {
                make,
                model,
                capacity,
                trade_in_model_code,
            } => {
                not_blank("make", make)?;
                not_blank("model", model)?;
                not_blank("capacity", capacity)?;
                not_blank("tradeInModelCode", trade_in_model_code)?;
            }
        }
        not_blank("qualificationType", self.qualification_type.as_str())?;
        if let Some(code) = &self.device_bill_code {
            not_blank("deviceBillCode", code)?;
        }
        if let Some(flow) = &self.flow_type {
            not_blank("flowType", flow.as_str())?;
        }
        for (i, answer) in self.condition_answers.iter().enumerate() {
            not_blank(
                format!("deviceConditionAnswers[{i}].name"),
                answer.name.as_str(),
            )?;
            if answer.value.is_empty() {
                return Err(partner_sdk_core::Error::invalid_input(
                    format!("deviceConditionAnswers[{i}].value"),
                    "needs at least one answer",
                ));
            }
            for (j, v) in answer.value.iter().enumerate() {
                not_blank(
                    format!("deviceConditionAnswers[{i}].value[{j}]"),
                    v.as_str(),
                )?;
            }
            if self.condition_answers[..i]
                .iter()
                .any(|a| a.name == answer.name)
            {
                return Err(partner_sdk_core::Error::invalid_input(
                    format!("deviceConditionAnswers[{i}].name"),
                    format!("{} is answered twice", answer.name),
                ));
            }
        }
        Ok(())
    }
}

fn not_blank(
    field: impl Into<std::borrow::Cow<'static, str>>,
    value: &str,
) -> std::result::Result<(), partner_sdk_core::Error> {
    if value.trim().is_empty() {
        return Err(partner_sdk_core::Error::invalid_input(
            field,
            "must not be empty",
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(partner_sdk_core::Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// The request as it goes on the wire (field order as in the provider's samples).
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    imei: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    make: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    capacity: Option<String>,
    #[serde(default)]
    qualification_type: Option<QualificationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_bill_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flow_type: Option<FlowType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trade_in_model_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    device_condition_answers: Vec<ConditionAnswer>,
}

impl Serialize for PromotionRequest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut wire = WireRequest {
            qualification_type: Some(self.qualification_type.clone()),
            device_bill_code: self.device_bill_code.clone(),
            flow_type: self.flow_type.clone(),
            device_condition_answers: self.condition_answers.clone(),
            ..WireRequest::default()
        };
        match &self.identification {
            DeviceIdentification::Imei(imei) => wire.imei = Some(imei.clone()),
            DeviceIdentification::Device {
                make,
                model,
                capacity,
                trade_in_model_code,
            } => {
                wire.make = Some(make.clone());
                wire.model = Some(model.clone());
                wire.capacity = Some(capacity.clone());
                wire.trade_in_model_code = Some(trade_in_model_code.clone());
            }
        }
        wire.serialize(s)
    }
}

/// Reads a request body (as a server or a test sees it). Refuses a body with
/// no identification, with both modes, or with an incomplete device mode.
impl<'de> Deserialize<'de> for PromotionRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let wire = WireRequest::deserialize(d)?;
        let device_fields = [
            &wire.make,
            &wire.model,
            &wire.capacity,
            &wire.trade_in_model_code,
        ];
        let identification = match (&wire.imei, device_fields) {
            (Some(imei), [None, None, None, None]) => DeviceIdentification::Imei(imei.clone()),
            (None, [Some(make), Some(model), Some(capacity), Some(code)]) => {
                DeviceIdentification::Device {
                    make: make.clone(),
                    model: model.clone(),
                    capacity: capacity.clone(),
                    trade_in_model_code: code.clone(),
                }
            }
            (Some(_), _) => {
                return Err(de::Error::custom(
                    "imei and make/model/capacity/tradeInModelCode are exclusive",
                ));
            }
            (None, [None, None, None, None]) => {
                return Err(de::Error::custom(
                    "either imei or make/model/capacity/tradeInModelCode is required",
                ));
            }
            (None, _) => {
                return Err(de::Error::custom(
                    "make, model, capacity and tradeInModelCode go together",
                ));
            }
        };
        Ok(PromotionRequest {
            identification,
            qualification_type: wire.qualification_type.unwrap_or_default(),
            device_bill_code: wire.device_bill_code,
            flow_type: wire.flow_type,
            condition_answers: wire.device_condition_answers,
        })
    }
}

/// A `{name, value}` pair of the response. Values are text on the wire
/// (money included, e.g. `"81.0"`); numbers and booleans are kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Characteristic {
    /// Name, e.g. `tradeInValue`.
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    /// Value as text.
    #[serde(default, deserialize_with = "text")]
    pub value: String,
}

impl Characteristic {
    /// A characteristic.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Characteristic {
            name: name.into(),
            value: value.into(),
        }
    }

    /// The value as a decimal, when it is one (`"81.0"`, `"350"`, `" 1e2 "`).
    pub fn decimal(&self) -> Option<Decimal> {
        parse_decimal(&self.value)
    }
}

/// A promotion the device qualifies for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Promotion {
    /// Promotion id, e.g. `wrlspr-29966`.
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    /// Customer-facing offer text.
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    /// Characteristics (`discount`, `promotype`, and any others, kept).
    #[serde(default, deserialize_with = "list")]
    pub promotion_characteristics: Vec<Characteristic>,
    /// Fields this SDK version does not know, kept as received.
    #[serde(flatten)]
    pub other_fields: serde_json::Map<String, serde_json::Value>,
}

impl Promotion {
    /// A promotion with an id and offer text.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Promotion {
            id: Some(id.into()),
            name: Some(name.into()),
            promotion_characteristics: Vec::new(),
            other_fields: serde_json::Map::new(),
        }
    }

    /// Adds a characteristic.
    pub fn with_characteristic(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.promotion_characteristics
            .push(Characteristic::new(name, value));
        self
    }

    /// Adds the `discount` characteristic (sent as text with one decimal at least).
    pub fn with_discount(self, discount: Decimal) -> Self {
        self.with_characteristic("discount", money_text(discount))
    }

    /// Adds the `promotype` characteristic.
    pub fn with_promo_type(self, promo_type: PromoType) -> Self {
        self.with_characteristic("promotype", promo_type.as_str())
    }

    /// Promotion id.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Customer-facing offer text.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The characteristic called `name` (case-insensitive).
    pub fn characteristic(&self, name: &str) -> Option<&Characteristic> {
        find(&self.promotion_characteristics, name)
    }

    /// The discount (`discount`), e.g. 350.0.
    pub fn discount(&self) -> Option<Decimal> {
        self.characteristic("discount")
            .and_then(Characteristic::decimal)
    }

    /// The promotion type (`promotype`), e.g. [`PromoType::TradeIn`].
    pub fn promo_type(&self) -> Option<PromoType> {
        self.characteristic("promotype")
            .or_else(|| self.characteristic("promoType"))
            .map(|c| PromoType::from(c.value.as_str()))
    }
}

/// A potential promotion: its id and the promotion itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PotentialPromotion {
    /// Id (the same as the promotion's in the documented samples).
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    /// The promotion.
    #[serde(default)]
    pub promotion: Option<Promotion>,
    /// Fields this SDK version does not know, kept as received.
    #[serde(flatten)]
    pub other_fields: serde_json::Map<String, serde_json::Value>,
}

impl PotentialPromotion {
    /// Wraps a promotion, reusing its id.
    pub fn new(promotion: Promotion) -> Self {
        PotentialPromotion {
            id: promotion.id.clone(),
            promotion: Some(promotion),
            other_fields: serde_json::Map::new(),
        }
    }
}

/// One qualification result: characteristics of the traded-in device and
/// the promotions it qualifies for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QualificationItem {
    /// Characteristics (`tradeInValue`, `tradeInModel`, and any others, kept).
    #[serde(rename = "characteristic", default, deserialize_with = "list")]
    pub characteristics: Vec<Characteristic>,
    /// Promotions the device qualifies for.
    #[serde(rename = "potentialPromotion", default, deserialize_with = "list")]
    pub potential_promotions: Vec<PotentialPromotion>,
    /// Fields this SDK version does not know, kept as received.
    #[serde(flatten)]
    pub other_fields: serde_json::Map<String, serde_json::Value>,
}

impl QualificationItem {
    /// An item with the trade-in value and the recognised model.
    pub fn new(trade_in_value: Decimal, trade_in_model: impl Into<String>) -> Self {
        QualificationItem {
            characteristics: vec![
                Characteristic::new("tradeInValue", money_text(trade_in_value)),
                Characteristic::new("tradeInModel", trade_in_model),
            ],
            potential_promotions: Vec::new(),
            other_fields: serde_json::Map::new(),
        }
    }

    /// Adds a characteristic.
    pub fn with_characteristic(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.characteristics.push(Characteristic::new(name, value));
        self
    }

    /// Adds a promotion.
    pub fn with_promotion(mut self, promotion: Promotion) -> Self {
        self.potential_promotions
            .push(PotentialPromotion::new(promotion));
        self
    }

    /// The characteristic called `name` (case-insensitive).
    pub fn characteristic(&self, name: &str) -> Option<&Characteristic> {
        find(&self.characteristics, name)
    }

    /// The trade-in value (`tradeInValue`), e.g. 81.0.
    pub fn trade_in_value(&self) -> Option<Decimal> {
        self.characteristic("tradeInValue")
            .and_then(Characteristic::decimal)
    }

    /// The model the provider recognised (`tradeInModel`).
    pub fn trade_in_model(&self) -> Option<&str> {
        self.characteristic("tradeInModel")
            .map(|c| c.value.as_str())
    }

    /// The promotions (skipping entries with no promotion object).
    pub fn promotions(&self) -> impl Iterator<Item = &Promotion> {
        self.potential_promotions
            .iter()
            .filter_map(|p| p.promotion.as_ref())
    }
}

/// Whether the device qualifies: a typed state, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Eligibility<'a> {
    /// The device qualifies; the first qualification item.
    Eligible(&'a QualificationItem),
    /// `potentialQualificationItem` was empty or absent: no trade-in offer.
    NotEligible,
}

/// The answer: zero or more qualification items. An empty list means the
/// device is not eligible (see [`eligibility`](Self::eligibility)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PromotionResponse {
    /// Echo of the qualification type.
    #[serde(default, deserialize_with = "opt_enum")]
    pub qualification_type: Option<QualificationType>,
    /// Qualification results.
    #[serde(
        rename = "potentialQualificationItem",
        default,
        deserialize_with = "list"
    )]
    pub potential_qualification_items: Vec<QualificationItem>,
    /// Fields this SDK version does not know, kept as received.
    #[serde(flatten)]
    pub other_fields: serde_json::Map<String, serde_json::Value>,
}

impl PromotionResponse {
    /// A response with these items (none = not eligible).
    pub fn new(
        qualification_type: QualificationType,
        items: impl IntoIterator<Item = QualificationItem>,
    ) -> Self {
        PromotionResponse {
            qualification_type: Some(qualification_type),
            potential_qualification_items: items.into_iter().collect(),
            other_fields: serde_json::Map::new(),
        }
    }

    /// A "not eligible" response.
    pub fn not_eligible(qualification_type: QualificationType) -> Self {
        Self::new(qualification_type, [])
    }

    /// Eligible (with the first item) or not.
    pub fn eligibility(&self) -> Eligibility<'_> {
        match self.potential_qualification_items.first() {
            Some(item) => Eligibility::Eligible(item),
            None => Eligibility::NotEligible,
        }
    }

    /// True when at least one qualification item came back.
    pub fn is_eligible(&self) -> bool {
        !self.potential_qualification_items.is_empty()
    }

    /// The first qualification item.
    pub fn item(&self) -> Option<&QualificationItem> {
        self.potential_qualification_items.first()
    }

    /// Trade-in value of the first item.
    pub fn trade_in_value(&self) -> Option<Decimal> {
        self.item().and_then(QualificationItem::trade_in_value)
    }

    /// Recognised model of the first item.
    pub fn trade_in_model(&self) -> Option<&str> {
        self.item().and_then(QualificationItem::trade_in_model)
    }

    /// Every promotion of every item.
    pub fn promotions(&self) -> impl Iterator<Item = &Promotion> {
        self.potential_qualification_items
            .iter()
            .flat_map(QualificationItem::promotions)
    }
}

impl Client {
    /// Fetches the promotions a trade-in device qualifies for.
    ///
    /// The request is validated first ([`PromotionRequest::validate`]); an
    /// empty `potentialQualificationItem` (or an empty 2xx body, e.g. 204)
    /// comes back as [`Eligibility::NotEligible`], not as an error.
    ///
    /// This POST only looks data up and creates nothing on the provider's
    /// side, so sending it twice has no effect beyond the answer: it is
    /// marked idempotent and retried on timeouts, connection errors and
    /// 408/429/502/503/504 like a GET.
    pub async fn get_promotion(&self, request: &PromotionRequest) -> Result<PromotionResponse> {
        request.validate()?;
        let req = Request::post("get_promotion", PATH)
            .json(request)
            .idempotent(true);
        let response = self.transport().execute(req).await?;
        if response.body().iter().all(u8::is_ascii_whitespace) {
            // 204 No Content (or an empty 200): nothing qualifies.
            return Ok(PromotionResponse::default());
        }
        Ok(response.json()?)
    }
}

fn find<'a>(list: &'a [Characteristic], name: &str) -> Option<&'a Characteristic> {
    list.iter().find(|c| c.name == name).or_else(|| {
        list.iter()
            .find(|c| c.name.trim().eq_ignore_ascii_case(name))
    })
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let t = t.strip_prefix('$').unwrap_or(t).replace(',', "");
    Decimal::from_str(&t)
        .ok()
        .or_else(|| Decimal::from_scientific(&t).ok())
}

/// Money as the provider writes it: at least one decimal place (`81.0`).
fn money_text(value: Decimal) -> String {
    if value.scale() == 0 {
        format!("{value}.0")
    } else {
        value.to_string()
    }
}

fn value_text(value: serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        // A single-element list of text (TMF `value: ["x"]`) is that text.
        serde_json::Value::Array(items) if items.len() == 1 => {
            items.into_iter().next().and_then(value_text)
        }
        other => Some(other.to_string()),
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(value_text(serde_json::Value::deserialize(d)?).unwrap_or_default())
}

fn opt_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(value_text(serde_json::Value::deserialize(d)?).filter(|s| !s.is_empty()))
}

fn opt_enum<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    Ok(opt_text(d)?.map(|s| T::from(s.as_str())))
}

/// A list that may arrive as `null` (empty) or as a single object.
fn list<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(d)?;
    match value {
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Array(_) => serde_json::from_value(value).map_err(de::Error::custom),
        single => serde_json::from_value(single)
            .map(|v| vec![v])
            .map_err(de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_text_keeps_one_decimal() {
        assert_eq!(money_text(Decimal::from(81)), "81.0");
        assert_eq!(money_text(Decimal::new(8150, 2)), "81.50");
    }

    #[test]
    fn lenient_decimal_parsing() {
        for (text, want) in [
            ("81.0", "81.0"),
            (" 350 ", "350"),
            ("$1,200.5", "1200.5"),
            ("1e2", "100"),
        ] {
            assert_eq!(parse_decimal(text).unwrap().to_string(), want, "{text}");
        }
        assert!(parse_decimal("n/a").is_none());
    }
}
