//! Checkout: the browser form that starts an application at Brighte, and
//! the redirect that brings the customer back.
//!
//! The redirect's `timestamp`, `token` and `signature` prove only that
//! Brighte issued that (timestamp, token) pair; `error_code`,
//! `transaction_id` and `error_msg` are claims. [`confirm`] verifies the
//! signature and the redirect's age (10 minutes by default), then fetches
//! the application; [`confirm_expecting`] also refuses a redirect for
//! another application or reference number than the checkout's
//! ([`ExpectedCheckout`]); [`verify_redirect`] and [`parse_redirect`]
//! return the claims for vendors who cannot fetch.
//!
//! The checksum is the lower-case hex SHA-256 of the six fields
//! `redirect ‖ total_purchase_amount ‖ deposit_amount ‖ repayment_term ‖
//! product_category ‖ product_description`, concatenated with no separator,
//! exactly as posted (`reference_number` is not included). The
//! documentation's own sample checksum is a 32-hex placeholder.

use std::time::SystemTime;

use rust_decimal::Decimal;
use url::Url;

use crate::applications::Application;
use crate::client::Client;
use crate::error::{CheckoutError, Error, NoticeError, Result};
use crate::signing::{SignedNotice, Verifier};
use crate::validate::{check_amounts, check_term, check_text};

/// Checkout path under the portal host (`/checkout?key=PUBLIC_API_KEY`).
pub const CHECKOUT_PATH: &str = "/checkout";
/// `error_code` of a submitted application.
pub const SUCCESS_CODE: &str = "10000";
/// `error_code` of invalid data.
pub const INVALID_DATA_CODE: &str = "10002";
/// Longest reference number.
pub const MAX_REFERENCE_LEN: usize = 20;

partner_sdk_core::open_enum! {
    /// The documented checkout product categories. Anything else is
    /// `Other`; of those only the sample's `"Storage Battery(s)"`
    /// ([`ProductCategoryName::SAMPLE_EXTRA`]) passes validation.
    pub enum ProductCategoryName {
        /// Solar System.
        SolarSystem => "Solar System",
        /// Solar & Battery System.
        SolarAndBatterySystem => "Solar & Battery System",
        /// Battery Storage.
        BatteryStorage => "Battery Storage",
        /// Off-Grid System.
        OffGridSystem => "Off-Grid System",
        /// Smart Home Technology.
        SmartHomeTechnology => "Smart Home Technology",
        /// Air Conditioning & Ventilation.
        AirConditioningAndVentilation => "Air Conditioning & Ventilation",
        /// Plumbing.
        Plumbing => "Plumbing",
        /// Electrical.
        Electrical => "Electrical",
        /// Fireplaces.
        Fireplaces => "Fireplaces",
        /// Flooring.
        Flooring => "Flooring",
        /// Guttering.
        Guttering => "Guttering",
        /// Roofing.
        Roofing => "Roofing",
        /// Blinds, Curtains & Shutters.
        BlindsCurtainsAndShutters => "Blinds, Curtains & Shutters",
        /// Awnings.
        Awnings => "Awnings",
        /// Verandahs, Patios & Pergolas.
        VerandahsPatiosAndPergolas => "Verandahs, Patios & Pergolas",
        /// Driveways, Concrete & Paving.
        DrivewaysConcreteAndPaving => "Driveways, Concrete & Paving",
        /// Landscaping.
        Landscaping => "Landscaping",
        /// Outdoor Blinds.
        OutdoorBlinds => "Outdoor Blinds",
        /// Trailers and Campers.
        TrailersAndCampers => "Trailers and Campers",
        /// Carports.
        Carports => "Carports",
        /// Decking.
        Decking => "Decking",
        /// Sheds.
        Sheds => "Sheds",
        /// Fencing.
        Fencing => "Fencing",
        /// Garage Doors.
        GarageDoors => "Garage Doors",
        /// Home Improvements - Other.
        HomeImprovementsOther => "Home Improvements - Other",
        /// Pools & Spas.
        PoolsAndSpas => "Pools & Spas",
        /// Windows/Blinds/Shutters/Glazing.
        WindowsBlindsShuttersGlazing => "Windows/Blinds/Shutters/Glazing",
        /// Solar Hot Water Systems (incl heat pump).
        SolarHotWaterSystems => "Solar Hot Water Systems (incl heat pump)",
        /// Pool Heating Systems (non-solar).
        PoolHeatingSystems => "Pool Heating Systems (non-solar)",
        /// Energy Efficient Products.
        EnergyEfficientProducts => "Energy Efficient Products",
        /// Water Filtration.
        WaterFiltration => "Water Filtration",
        /// Security System.
        SecuritySystem => "Security System",
    }
}

impl ProductCategoryName {
    /// The category the documentation's samples use although it is not in
    /// its list; accepted and kept as `Other`.
    pub const SAMPLE_EXTRA: &'static str = "Storage Battery(s)";

    /// True for a documented category or [`Self::SAMPLE_EXTRA`].
    pub fn is_accepted(&self) -> bool {
        match self {
            ProductCategoryName::Other(s) => s == Self::SAMPLE_EXTRA,
            _ => true,
        }
    }
}

/// A checkout request, validated by [`into_form`](Self::into_form).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutRequest {
    /// Absolute http(s) URL the customer returns to (may carry a query).
    pub redirect: String,
    /// Purchase total in dollars, posted as written (`7000`, `7000.12`).
    pub total_purchase_amount: Decimal,
    /// Deposit in dollars.
    pub deposit_amount: Decimal,
    /// Repayment term in months.
    pub repayment_term: u32,
    /// Product category.
    pub product_category: ProductCategoryName,
    /// Product description.
    pub product_description: String,
    /// Optional reference number (at most 20 characters).
    pub reference_number: Option<String>,
}

/// The validated POST fields of a checkout, with the checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutForm {
    fields: Vec<(&'static str, String)>,
}

impl CheckoutRequest {
    /// A request without a reference number.
    pub fn new(
        redirect: impl Into<String>,
        total_purchase_amount: Decimal,
        deposit_amount: Decimal,
        repayment_term: u32,
        product_category: impl Into<ProductCategoryName>,
        product_description: impl Into<String>,
    ) -> Self {
        CheckoutRequest {
            redirect: redirect.into(),
            total_purchase_amount,
            deposit_amount,
            repayment_term,
            product_category: product_category.into(),
            product_description: product_description.into(),
            reference_number: None,
        }
    }

    /// Sets the reference number.
    pub fn reference_number(mut self, reference: impl Into<String>) -> Self {
        self.reference_number = Some(reference.into());
        self
    }

    /// Checks every field; each failure names it.
    pub fn validate(&self) -> Result<()> {
        let url = Url::parse(self.redirect.trim())
            .map_err(|e| Error::invalid("redirect", format!("not an absolute URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(Error::invalid(
                "redirect",
                "must be an absolute http(s) URL",
            ));
        }
        check_amounts(self.total_purchase_amount, Some(self.deposit_amount))?;
        check_term("repayment_term", self.repayment_term)?;
        if !self.product_category.is_accepted() {
            return Err(Error::invalid(
                "product_category",
                format!(
                    "{:?} is not a documented product category",
                    self.product_category.as_str()
                ),
            ));
        }
        check_text("product_description", &self.product_description)?;
        if let Some(r) = &self.reference_number
            && r.chars().count() > MAX_REFERENCE_LEN
        {
            return Err(Error::invalid(
                "reference_number",
                "must be at most 20 characters",
            ));
        }
        Ok(())
    }

    /// Validates and returns the POST fields, checksum last.
    pub fn into_form(self) -> Result<CheckoutForm> {
        self.validate()?;
        let mut fields = vec![
            ("redirect", self.redirect.trim().to_owned()),
            (
                "total_purchase_amount",
                self.total_purchase_amount.to_string(),
            ),
            ("deposit_amount", self.deposit_amount.to_string()),
            ("repayment_term", self.repayment_term.to_string()),
            (
                "product_category",
                self.product_category.as_str().to_owned(),
            ),
            ("product_description", self.product_description),
        ];
        let sum = checksum(&fields.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>());
        if let Some(r) = self.reference_number.filter(|r| !r.is_empty()) {
            fields.push(("reference_number", r));
        }
        fields.push(("checksum", sum));
        Ok(CheckoutForm { fields })
    }
}

/// SHA-256 (lower-case hex) of the six checksummed values in documented
/// order: redirect, total, deposit, term, category, description.
pub fn checksum(values: &[&str]) -> String {
    partner_sdk_core::signature::sha256_hex(values.concat())
}

/// `https://host/checkout?key=PUBLIC_API_KEY` under `base_url`.
pub fn checkout_url(base_url: &str, public_api_key: &str) -> Result<Url> {
    if public_api_key.trim().is_empty() {
        return Err(Error::invalid("public_api_key", "must not be empty"));
    }
    let base = partner_sdk_core::transport::parse_base_url(base_url)?;
    let mut url = base.clone();
    url.set_path(&format!(
        "{}{CHECKOUT_PATH}",
        base.path().trim_end_matches('/')
    ));
    url.set_query(None);
    url.query_pairs_mut()
        .append_pair("key", public_api_key.trim());
    Ok(url)
}

impl CheckoutForm {
    /// The fields in posting order (checksum last).
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.fields
    }

    /// One field's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The checksum.
    pub fn checksum(&self) -> &str {
        self.get("checksum").unwrap_or_default()
    }

    /// `application/x-www-form-urlencoded` body of the fields.
    pub fn to_urlencoded(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.fields {
            s.append_pair(k, v);
        }
        s.finish()
    }

    /// The fields as a JSON object of strings (the documentation's JSON sample shape).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    }

    /// An HTML `<form method="POST">` posting the fields to `action`
    /// (the checkout URL) with a submit button; every value is escaped.
    pub fn to_html(&self, action: &Url, button_label: &str) -> String {
        let mut html = format!(
            "<form action=\"{}\" method=\"POST\">\n",
            escape_html(action.as_str())
        );
        for (k, v) in &self.fields {
            html.push_str(&format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape_html(k),
                escape_html(v)
            ));
        }
        html.push_str(&format!(
            "<button type=\"submit\">{}</button>\n</form>\n",
            escape_html(button_label)
        ));
        html
    }
}

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a successful checkout redirect (`error_code=10000`) says. Not
/// covered by Brighte's signature: confirm it with [`confirm`] before
/// acting on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedirectClaims {
    /// The application id the redirect names (`transaction_id`).
    pub transaction_id: String,
}

/// A redirect whose signature verified; its fields are claims.
pub type SignedRedirect = SignedNotice<RedirectClaims>;

/// The query pairs of a redirect URL (a whole URL, or its query with or
/// without a leading `?`).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let q = match query.split_once('?') {
        Some((_, q)) => q,
        None => query,
    };
    let q = q.split('#').next().unwrap_or_default();
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == key)
        .map(|(_, v)| v.as_str())
}

/// The claims of parsed pairs: the application id on `error_code=10000`,
/// otherwise [`Error::Checkout`] with `error_msg` (also a claim).
fn claims(pairs: &[(String, String)]) -> Result<RedirectClaims> {
    let code = get(pairs, "error_code").map(str::trim).unwrap_or_default();
    if code == SUCCESS_CODE {
        let id = get(pairs, "transaction_id")
            .map(str::trim)
            .unwrap_or_default();
        if id.is_empty() {
            return Err(Error::invalid(
                "transaction_id",
                "missing from a successful redirect",
            ));
        }
        return Ok(RedirectClaims {
            transaction_id: id.to_owned(),
        });
    }
    if code.is_empty() {
        return Err(Error::invalid("error_code", "missing from the redirect"));
    }
    Err(CheckoutError {
        code: code.to_owned(),
        message: get(pairs, "error_msg").unwrap_or_default().to_owned(),
    }
    .into())
}

/// The signature parameters, or a signature error when one is missing.
fn signature_params(pairs: &[(String, String)]) -> Result<(&str, &str, &str)> {
    match (
        get(pairs, "timestamp"),
        get(pairs, "token"),
        get(pairs, "signature"),
    ) {
        (Some(ts), Some(token), Some(sig)) => Ok((ts, token, sig)),
        _ => Err(partner_sdk_core::Error::signature(
            "redirect has no signature, timestamp or token although a private key is configured",
        )
        .into()),
    }
}

/// Parses a redirect without checking a signature, for vendors without a
/// private API key. `10002` (or any code other than 10000) becomes
/// [`Error::Checkout`]. Anyone can type such a URL: fetch the application
/// before acting on it.
pub fn parse_redirect(query: &str) -> Result<RedirectClaims> {
    claims(&query_pairs(query))
}

/// Verifies a redirect's signature with `verifier` (its age bound, clock
/// skew and replay store apply), then parses it. A failure code is reported after
/// the signature check, as [`Error::Checkout`]. The result's fields are
/// claims; for the documented flow use [`confirm`].
pub fn verify_redirect(verifier: &Verifier, query: &str) -> Result<SignedRedirect> {
    verify_redirect_at(verifier, query, SystemTime::now())
}

/// [`verify_redirect`] at a given "now".
pub fn verify_redirect_at(
    verifier: &Verifier,
    query: &str,
    now: SystemTime,
) -> Result<SignedRedirect> {
    let pairs = query_pairs(query);
    let (ts, token, sig) = signature_params(&pairs)?;
    let timestamp = verifier.verify_at(ts, token, sig, now)?;
    Ok(SignedNotice::new(timestamp, token, claims(&pairs)?))
}

/// What the merchant knows of the checkout it started, for
/// [`confirm_expecting`]: a redirect for anything else is refused.
///
/// Brighte's signature does not cover the redirect's application id, so
/// anyone holding one valid redirect can put another application's id
/// next to it; requiring the application id or the reference number the
/// checkout was started with makes such a redirect an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpectedCheckout {
    application_id: Option<String>,
    reference_number: Option<String>,
}

impl ExpectedCheckout {
    /// Expects nothing: [`confirm_expecting`] then is [`confirm`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires the redirect to name this application id
    /// (`transaction_id`); another id is refused before anything is
    /// fetched.
    pub fn application_id(mut self, id: impl Into<String>) -> Self {
        self.application_id = Some(id.into());
        self
    }

    /// Requires the application Brighte returns to carry this reference
    /// number (the `reference_number` the checkout form posted). The
    /// redirect does not carry it, so it is checked on the fetched
    /// application; another one is refused and the application is not
    /// returned.
    pub fn reference_number(mut self, reference: impl Into<String>) -> Self {
        self.reference_number = Some(reference.into());
        self
    }
}

/// Verifies a redirect's signature, then fetches the application it names
/// with the vendor session and returns it as Brighte's API reports it.
///
/// The verifier's age bound applies (by default
/// [`DEFAULT_MAX_AGE`](crate::signing::DEFAULT_MAX_AGE), 10 minutes: a
/// redirect is followed at once and never resent); a redirect older than
/// it, or signed further in the future than the verifier's clock skew, is
/// [`Error::Notice`] and nothing is fetched. Its replay store is not used,
/// so the customer may reload the page. The signature does not bind the
/// application id: a customer can put another application's id next to
/// their own valid triple, so use [`confirm_expecting`] with what the
/// checkout was started with, or check that the fetched application is the
/// one of this order (its `reference_number`, amount and status) before
/// releasing anything.
pub async fn confirm(client: &Client, verifier: &Verifier, query: &str) -> Result<Application> {
    confirm_at(client, verifier, query, SystemTime::now()).await
}

/// [`confirm`] at a given "now".
pub async fn confirm_at(
    client: &Client,
    verifier: &Verifier,
    query: &str,
    now: SystemTime,
) -> Result<Application> {
    confirm_expecting_at(client, verifier, query, &ExpectedCheckout::new(), now).await
}

/// [`confirm`], refusing a redirect for another checkout than `expected`:
/// another application id is [`NoticeError::OtherApplication`] before
/// anything is fetched, a fetched application with another reference
/// number is [`NoticeError::OtherReference`].
pub async fn confirm_expecting(
    client: &Client,
    verifier: &Verifier,
    query: &str,
    expected: &ExpectedCheckout,
) -> Result<Application> {
    confirm_expecting_at(client, verifier, query, expected, SystemTime::now()).await
}

/// [`confirm_expecting`] at a given "now".
pub async fn confirm_expecting_at(
    client: &Client,
    verifier: &Verifier,
    query: &str,
    expected: &ExpectedCheckout,
    now: SystemTime,
) -> Result<Application> {
    let pairs = query_pairs(query);
    let (ts, token, sig) = signature_params(&pairs)?;
    verifier.authenticate_at(ts, token, sig, now, None)?;
    let claims = claims(&pairs)?;
    if let Some(id) = &expected.application_id
        && id.trim() != claims.transaction_id
    {
        return Err(NoticeError::OtherApplication.into());
    }
    let application = client.get_application(&claims.transaction_id).await?;
    if let Some(reference) = &expected.reference_number
        && application.reference_number.as_deref().map(str::trim) != Some(reference.trim())
    {
        return Err(NoticeError::OtherReference.into());
    }
    Ok(application)
}
