//! Pricing: `PriceProduct` (`POST /v1/pricing/products`) and `PriceByAppCode`
//! (`POST /v1/pricing/codes`).
//!
//! Both create a BBTI transaction. `submissionId` only links it to the
//! caller's own id; BBTI does not document deduplication, so these POSTs are
//! never retried automatically. When the answer does not say whether the
//! transaction was registered (none came, a 5xx, a gateway's page), the call
//! fails with `OutcomeUnknown` carrying `("submissionId", value)` so the
//! caller can look the transaction up before sending again. A request
//! without a `submissionId` is sent with a generated one, so there is
//! always a key; a client with a journal requires the caller's own
//! (a generated one would be another key on the retry after a crash, and
//! the retry a second create).

use std::borrow::Cow;

use partner_sdk_core::Request;
use partner_sdk_core::provider::boxed;
use serde::{Deserialize, Serialize};

use crate::Call;
use crate::client::Client;
use crate::error::{Result, invalid};
use crate::types::{Condition, Grade, KeyValue, or_default, text};

/// The device's condition checks; which ones matter depends on the product type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCondition {
    /// Does the device work (screen, buttons, battery, ...).
    #[serde(default, deserialize_with = "or_default")]
    pub functionality: Condition,
    /// Cosmetic state.
    #[serde(default, deserialize_with = "or_default")]
    pub appearance: Condition,
}

impl DeviceCondition {
    /// Both checks.
    pub fn new(functionality: Condition, appearance: Condition) -> Self {
        DeviceCondition {
            functionality,
            appearance,
        }
    }
}

fn required(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(invalid(field, "is required"));
    }
    Ok(())
}

fn optional(field: &'static str, value: &Option<String>) -> Result<()> {
    match value {
        Some(v) if v.trim().is_empty() => Err(invalid(field, "must not be empty when set")),
        _ => Ok(()),
    }
}

/// Body of `PriceProduct` (the "Standard API").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceProductRequest {
    /// Partner program id (use the campaign's program for campaign pricing).
    pub program_id: String,
    /// The caller's own transaction id, searchable on the Belong side and
    /// the key to reconcile an unknown outcome by. When `None`, the client
    /// sends a generated one (a random UUID) and reports it in
    /// [`Error::outcome_unknown_key`](crate::Error::outcome_unknown_key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<String>,
    /// Model slug, e.g. `iphone-8`.
    pub model_key: String,
    /// Storage slug (not for earphones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_key: Option<String>,
    /// Memory slug (not for smartphones or earphones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_key: Option<String>,
    /// Carrier slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier_key: Option<String>,
    /// Condition checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<DeviceCondition>,
    /// Campaign code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_code: Option<String>,
}

impl PriceProductRequest {
    /// A request for a model in a program.
    pub fn new(program_id: impl Into<String>, model_key: impl Into<String>) -> Self {
        PriceProductRequest {
            program_id: program_id.into(),
            model_key: model_key.into(),
            ..Self::default()
        }
    }
    /// Sets the caller's own transaction id.
    pub fn submission_id(mut self, id: impl Into<String>) -> Self {
        self.submission_id = Some(id.into());
        self
    }
    /// Sets the storage slug.
    pub fn storage_key(mut self, key: impl Into<String>) -> Self {
        self.storage_key = Some(key.into());
        self
    }
    /// Sets the memory slug.
    pub fn memory_key(mut self, key: impl Into<String>) -> Self {
        self.memory_key = Some(key.into());
        self
    }
    /// Sets the carrier slug.
    pub fn carrier_key(mut self, key: impl Into<String>) -> Self {
        self.carrier_key = Some(key.into());
        self
    }
    /// Sets the condition checks.
    pub fn condition(mut self, functionality: Condition, appearance: Condition) -> Self {
        self.condition = Some(DeviceCondition::new(functionality, appearance));
        self
    }
    /// Sets the campaign code.
    pub fn campaign_code(mut self, code: impl Into<String>) -> Self {
        self.campaign_code = Some(code.into());
        self
    }
}

impl Pricing for PriceProductRequest {
    fn validate(&self) -> Result<()> {
        required("programId", &self.program_id)?;
        required("modelKey", &self.model_key)?;
        optional("submissionId", &self.submission_id)?;
        optional("storageKey", &self.storage_key)?;
        optional("memoryKey", &self.memory_key)?;
        optional("carrierKey", &self.carrier_key)?;
        optional("campaignCode", &self.campaign_code)
    }
    fn given_submission_id(&self) -> Option<&str> {
        self.submission_id.as_deref()
    }
    fn submission_id_mut(&mut self) -> &mut Option<String> {
        &mut self.submission_id
    }
}

/// Body of `PriceByAppCode` (the "AppCode API").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceByAppCodeRequest {
    /// Partner program id.
    pub program_id: String,
    /// The caller's own transaction id, searchable on the Belong side and
    /// the key to reconcile an unknown outcome by. When `None`, the client
    /// sends a generated one (a random UUID) and reports it in
    /// [`Error::outcome_unknown_key`](crate::Error::outcome_unknown_key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<String>,
    /// Opaque code from the partner app (version, SKU and condition).
    pub app_code: String,
    /// Campaign code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_code: Option<String>,
}

impl PriceByAppCodeRequest {
    /// A request for an app code in a program.
    pub fn new(program_id: impl Into<String>, app_code: impl Into<String>) -> Self {
        PriceByAppCodeRequest {
            program_id: program_id.into(),
            app_code: app_code.into(),
            ..Self::default()
        }
    }
    /// Sets the caller's own transaction id.
    pub fn submission_id(mut self, id: impl Into<String>) -> Self {
        self.submission_id = Some(id.into());
        self
    }
    /// Sets the campaign code.
    pub fn campaign_code(mut self, code: impl Into<String>) -> Self {
        self.campaign_code = Some(code.into());
        self
    }
}

impl Pricing for PriceByAppCodeRequest {
    fn validate(&self) -> Result<()> {
        required("programId", &self.program_id)?;
        required("appCode", &self.app_code)?;
        optional("submissionId", &self.submission_id)?;
        optional("campaignCode", &self.campaign_code)
    }
    fn given_submission_id(&self) -> Option<&str> {
        self.submission_id.as_deref()
    }
    fn submission_id_mut(&mut self) -> &mut Option<String> {
        &mut self.submission_id
    }
}

/// Answer of both pricing calls: the new transaction, the grade and the price.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PriceResponse {
    /// The BBTI transaction created for this device.
    #[serde(default, deserialize_with = "text")]
    pub transaction_id: String,
    /// Model.
    #[serde(default, deserialize_with = "or_default")]
    pub model: KeyValue,
    /// Storage.
    #[serde(default, deserialize_with = "or_default")]
    pub storage: KeyValue,
    /// Memory.
    #[serde(default, deserialize_with = "or_default")]
    pub memory: KeyValue,
    /// Carrier.
    #[serde(default, deserialize_with = "or_default")]
    pub carrier: KeyValue,
    /// Grade computed from the condition.
    #[serde(default, deserialize_with = "or_default")]
    pub grade: Grade,
    /// Offered price in yen, campaign delta included.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub price: i64,
    /// Campaign delta in yen.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub delta_price: i64,
}

impl PriceResponse {
    /// A response for a transaction (other fields default).
    pub fn new(transaction_id: impl Into<String>, grade: Grade, price: i64) -> Self {
        PriceResponse {
            transaction_id: transaction_id.into(),
            grade,
            price,
            ..Self::default()
        }
    }
}

/// `PriceProduct` response.
pub type PriceProductResponse = PriceResponse;
/// `PriceByAppCode` response.
pub type PriceByAppCodeResponse = PriceResponse;

impl Client {
    /// `POST /v1/pricing/products`: grades and prices a device and registers
    /// a transaction. Never retried (see the module docs). Without a
    /// `submissionId`, a generated one is sent; with a
    /// [journal](crate::ClientBuilder::journal) a request without one is
    /// refused before anything is sent (`InvalidInput` naming
    /// `submissionId`).
    pub fn price_products<'a>(
        &'a self,
        request: &'a PriceProductRequest,
    ) -> Call<'a, PriceResponse> {
        self.price("price_products", "/v1/pricing/products", request)
    }

    /// `POST /v1/pricing/codes`: prices a device from an app code and
    /// registers a transaction. Never retried (see the module docs). Without
    /// a `submissionId`, a generated one is sent; with a
    /// [journal](crate::ClientBuilder::journal) a request without one is
    /// refused before anything is sent (`InvalidInput` naming
    /// `submissionId`).
    pub fn price_codes<'a>(
        &'a self,
        request: &'a PriceByAppCodeRequest,
    ) -> Call<'a, PriceResponse> {
        self.price("price_codes", "/v1/pricing/codes", request)
    }

    /// Checks `request` and posts it as `operation` to `path`, keyed by its
    /// `submissionId` (see [`keyed`]).
    fn price<'a, R: Pricing>(
        &'a self,
        operation: &'static str,
        path: &'static str,
        request: &'a R,
    ) -> Call<'a, PriceResponse> {
        boxed(async move {
            request.validate()?;
            if self.transport.journal().is_some() && request.given_submission_id().is_none() {
                return Err(invalid(
                    "submissionId",
                    "required when the client has a journal: the same request sent again \
                     after a crash must carry the same key",
                ));
            }
            let (request, id) = keyed(request);
            let req = Request::post(operation, path)
                .json(&*request)
                .reconcile_with("submissionId", id);
            Ok(self
                .send_create(req, |r: &PriceResponse| &r.transaction_id)
                .await?)
        })
    }
}

/// A pricing request: its checks, and its `submissionId`.
trait Pricing: Clone + Serialize + Send + Sync {
    /// Refuses a request BBTI would refuse, naming the field.
    fn validate(&self) -> Result<()>;
    /// The caller's own transaction id, when given.
    fn given_submission_id(&self) -> Option<&str>;
    /// The caller's own transaction id, to set.
    fn submission_id_mut(&mut self) -> &mut Option<String>;
}

/// The pricing request as sent and its `submissionId`: the caller's, else a
/// random (v4) UUID set on a copy, so that every create has a key to
/// reconcile by.
fn keyed<R: Pricing>(request: &R) -> (Cow<'_, R>, String) {
    match request.given_submission_id() {
        Some(id) => (Cow::Borrowed(request), id.to_owned()),
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            let mut owned = request.clone();
            *owned.submission_id_mut() = Some(id.clone());
            (Cow::Owned(owned), id)
        }
    }
}
