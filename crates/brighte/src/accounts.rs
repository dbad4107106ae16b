//! Accounts (branches) of the logged-in user.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::common::AccountId;
use crate::error::Result;

/// An account (branch). Most entities need its id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// Unique id (number or text, kept as sent).
    #[serde(default)]
    pub id: AccountId,
    /// Legal name of the entity.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub entity_legal_name: Option<String>,
    /// Trading name of the entity.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub entity_trading_name: Option<String>,
}

#[derive(Deserialize)]
struct AccountsEnvelope {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    accounts: Vec<Account>,
}

impl Client {
    /// Accounts of the current user (`GET account`; one endpoint table says
    /// `accounts`, the sample `account`).
    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        let e: AccountsEnvelope = self
            .vendor_send(crate::client::get("list_accounts", "/account"))
            .await?;
        Ok(e.accounts)
    }
}
