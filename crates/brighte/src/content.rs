//! Legal content (privacy policy, terms, direct debit agreement) and the
//! product categories.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Result;
use crate::validate::check_text;

partner_sdk_core::open_enum! {
    /// `contentType`.
    pub enum ContentType {
        /// Direct debit agreement.
        DirectDebitAgreement => "DIRECT_DEBIT_AGREEMENT",
        /// Privacy policy.
        PrivacyPolicy => "PRIVACY_POLICY",
        /// Terms and conditions.
        Tnc => "TNC",
    }
}

/// A legal document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Content {
    /// Which document.
    #[serde(default)]
    pub content_type: Option<ContentType>,
    /// Version (an ISO 8601 timestamp).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub version: Option<String>,
    /// The text.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub content: String,
}

/// A product category as served at run time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductCategory {
    /// Display name (the value checkout and quotes take).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub name: String,
    /// URL-safe slug.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub slug: Option<String>,
    /// Icon URL.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub icon: Option<String>,
}

#[derive(Deserialize)]
struct ContentEnvelope {
    content: Content,
}

#[derive(Deserialize)]
struct CategoriesEnvelope {
    #[serde(
        rename = "productCategories",
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    categories: Vec<ProductCategory>,
}

impl Client {
    /// A legal document (`GET content/{contentType}`).
    pub async fn get_content(&self, content_type: &ContentType) -> Result<Content> {
        check_text("content_type", content_type.as_str())?;
        let e: ContentEnvelope = self
            .vendor_send(
                crate::client::get("get_content", "/content/{contentType}")
                    .param(content_type.as_str()),
            )
            .await?;
        Ok(e.content)
    }

    /// Every product category (`GET product-categories`).
    pub async fn list_product_categories(&self) -> Result<Vec<ProductCategory>> {
        let e: CategoriesEnvelope = self
            .vendor_send(crate::client::get(
                "list_product_categories",
                "/product-categories",
            ))
            .await?;
        Ok(e.categories)
    }
}
