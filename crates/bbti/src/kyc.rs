//! eKYC: `IssueEKYCApplicationURL` (`POST /v1/kyc`).
//!
//! Registers the user behind a transaction and returns the URL where they
//! complete eKYC. The personal data cannot be changed or read back later.
//! Never retried automatically; a lost answer is `OutcomeUnknown` carrying
//! `("transactionId", value)`: check [`Client::get_transaction`] first.

use partner_sdk_core::provider::boxed;
use partner_sdk_core::secret::redacted;
use serde::{Deserialize, Serialize};

use crate::Call;
use crate::client::Client;
use crate::error::{Result, invalid};
use crate::types::{Date, text};

/// Body of `POST /v1/kyc`. Fill it with struct syntax and `..Default::default()`.
///
/// Required before sending: `transactionId`, `email`, `lastName`,
/// `firstName`, `dateOfBirth`, `zip`, `state`, `city`, `address`,
/// `occupation` (every field of Belong's published sample that its API
/// reference does not call optional). `userIdInPartner`, `redirectUrl` and
/// the katakana names are optional.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KycRequest {
    /// Transaction from a pricing call.
    pub transaction_id: String,
    /// The user's id at the partner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id_in_partner: Option<String>,
    /// A deliverable e-mail address.
    pub email: String,
    /// Family name.
    pub last_name: String,
    /// Given name.
    pub first_name: String,
    /// Family name in katakana. Optional: the API does not require it
    /// and Belong's own KYC sample has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name_kana: Option<String>,
    /// Given name in katakana. Optional, like the family name in katakana.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name_kana: Option<String>,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Postal code.
    pub zip: String,
    /// Prefecture.
    pub state: String,
    /// City (ward level).
    pub city: String,
    /// Street address.
    pub address: String,
    /// Occupation.
    pub occupation: String,
    /// Where the eKYC page sends the user back (domain pre-registered with Belong).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

/// Personal data (address, city, date_of_birth, email, first_name,
/// first_name_kana, last_name, last_name_kana, occupation, state,
/// user_id_in_partner, zip) is printed as `[REDACTED]`.
impl std::fmt::Debug for KycRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KycRequest")
            .field("transaction_id", &self.transaction_id)
            .field("user_id_in_partner", &redacted(&self.user_id_in_partner))
            .field("email", &redacted(&self.email))
            .field("last_name", &redacted(&self.last_name))
            .field("first_name", &redacted(&self.first_name))
            .field("last_name_kana", &redacted(&self.last_name_kana))
            .field("first_name_kana", &redacted(&self.first_name_kana))
            .field("date_of_birth", &redacted(&self.date_of_birth))
            .field("zip", &redacted(&self.zip))
            .field("state", &redacted(&self.state))
            .field("city", &redacted(&self.city))
            .field("address", &redacted(&self.address))
            .field("occupation", &redacted(&self.occupation))
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

impl KycRequest {
    fn validate(&self) -> Result<()> {
        let required = [
            ("transactionId", &self.transaction_id),
            ("email", &self.email),
            ("lastName", &self.last_name),
            ("firstName", &self.first_name),
            ("zip", &self.zip),
            ("state", &self.state),
            ("city", &self.city),
            ("address", &self.address),
            ("occupation", &self.occupation),
        ];
        for (field, value) in required {
            if value.trim().is_empty() {
                return Err(invalid(field, "is required"));
            }
        }
        let at = self.email.find('@');
        if !matches!(at, Some(i) if i > 0 && i + 1 < self.email.len())
            || self.email.contains(char::is_whitespace)
        {
            return Err(invalid("email", "is not an e-mail address"));
        }
        self.date_of_birth.validate("dateOfBirth")?;
        if let Some(url) = &self.redirect_url
            && partner_sdk_core::Url::parse(url)
                .map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
        {
            return Err(invalid("redirectUrl", "must be an absolute http(s) URL"));
        }
        for (field, value) in [
            ("userIdInPartner", &self.user_id_in_partner),
            ("lastNameKana", &self.last_name_kana),
            ("firstNameKana", &self.first_name_kana),
        ] {
            if matches!(value, Some(v) if v.trim().is_empty()) {
                return Err(invalid(field, "must not be empty when set"));
            }
        }
        Ok(())
    }
}

/// Answer of `POST /v1/kyc`. The eKYC URL opens the user's KYC to whoever
/// holds it: `Debug` prints it as `[REDACTED]`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KycResponse {
    /// The transaction.
    #[serde(default, deserialize_with = "text")]
    pub transaction_id: String,
    /// Where the user completes eKYC.
    #[serde(default, deserialize_with = "text")]
    pub url: String,
}

/// The eKYC URL (url) is printed as `[REDACTED]`.
impl std::fmt::Debug for KycResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KycResponse")
            .field("transaction_id", &self.transaction_id)
            .field("url", &redacted(&self.url))
            .finish()
    }
}

impl KycResponse {
    /// A response.
    pub fn new(transaction_id: impl Into<String>, url: impl Into<String>) -> Self {
        KycResponse {
            transaction_id: transaction_id.into(),
            url: url.into(),
        }
    }
}

impl Client {
    /// `POST /v1/kyc`: registers the user and returns the eKYC URL.
    pub fn register_kyc<'a>(&'a self, request: &'a KycRequest) -> Call<'a, KycResponse> {
        boxed(async move {
            request.validate()?;
            let id: fn(&KycResponse) -> &str = |r| &r.transaction_id;
            let tx = &request.transaction_id;
            Ok(self
                .send_registration("register_kyc", "/v1/kyc", request, tx, id)
                .await?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_personal_data() {
        let request = KycRequest {
            transaction_id: "tx-1".into(),
            email: "taro@example.jp".into(),
            last_name: "Yamada".into(),
            first_name: "Taro".into(),
            zip: "1500001".into(),
            address: "1-2-3 Jingumae".into(),
            ..KycRequest::default()
        };
        let printed = format!("{request:?}");
        for personal in ["taro@example.jp", "Yamada", "Taro", "1500001", "Jingumae"] {
            assert!(!printed.contains(personal), "{printed}");
        }
        assert!(printed.contains("tx-1"), "{printed}");
    }

    #[test]
    fn debug_prints_no_ekyc_link() {
        let response = KycResponse::new("tx-1", "https://ekyc.example/s/Zq81xKey");
        for printed in [format!("{response:?}"), format!("{response:#?}")] {
            assert!(!printed.contains("Zq81xKey"), "{printed}");
            assert!(printed.contains("tx-1"), "{printed}");
        }
    }
}
