//! Users of the vendor account: list (paginated stream), get, create,
//! update, delete, generate API credentials.

use std::fmt;

use partner_sdk_core::provider::boxed;
use partner_sdk_core::secret::{REDACTED, redacted};
use partner_sdk_core::{ExposeSecret, Page, Request, SecretString};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::common::{AccountId, ListEnvelope, ListQuery, Listing, decode_page, list_stream};
use crate::error::{Call, Error, ItemStream, Result};
use crate::validate::{check_email, check_text};

partner_sdk_core::open_enum! {
    /// `userRole`. The documentation lists `TEAM MEMBER`; its sample sends
    /// `team+member` (a form-encoded space), also read as `TeamMember`.
    pub enum UserRole {
        /// `ADMINISTRATOR`.
        Administrator => "ADMINISTRATOR",
        /// `TEAM MEMBER`.
        TeamMember => "TEAM MEMBER" | "team+member" | "TEAM_MEMBER" | "TEAMMEMBER",
    }
}

/// A user. Names are read from `firstName`/`lastName` (template) or
/// `first_name`/`last_name` (field table).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// Unique id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub id: String,
    /// Role.
    #[serde(default)]
    pub role: Option<UserRole>,
    /// First name.
    #[serde(
        rename = "firstName",
        alias = "first_name",
        default,
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(
        rename = "lastName",
        alias = "last_name",
        default,
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub last_name: Option<String>,
    /// Unique email.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub email: Option<String>,
    /// Mobile number without country code.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub mobile: Option<String>,
}

/// Personal data (email, first_name, last_name, mobile) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("first_name", &redacted(&self.first_name))
            .field("last_name", &redacted(&self.last_name))
            .field("email", &redacted(&self.email))
            .field("mobile", &redacted(&self.mobile))
            .finish()
    }
}

/// A user to create (`POST user/add`).
#[derive(Clone, PartialEq, Serialize)]
pub struct NewUser {
    /// Role.
    pub role: UserRole,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Unique email.
    pub email: String,
    /// Mobile number without country code.
    pub mobile: String,
    /// Account (branch) of the user.
    pub account_id: AccountId,
}

/// Personal data (email, first_name, last_name, mobile) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("role", &self.role)
            .field("first_name", &redacted(&self.first_name))
            .field("last_name", &redacted(&self.last_name))
            .field("email", &redacted(&self.email))
            .field("mobile", &redacted(&self.mobile))
            .field("account_id", &self.account_id)
            .finish()
    }
}

impl NewUser {
    /// Checks every field; each failure names it.
    pub fn validate(&self) -> Result<()> {
        check_text("role", self.role.as_str())?;
        check_text("first_name", &self.first_name)?;
        check_text("last_name", &self.last_name)?;
        check_email("email", &self.email)?;
        check_text("mobile", &self.mobile)?;
        self.account_id.check("account_id")
    }
}

/// Changes to a user (`PUT user/{userId}`); only set fields are sent.
#[derive(Clone, Default, PartialEq, Serialize)]
pub struct UserUpdate {
    /// New role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<UserRole>,
    /// New first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// New last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// New email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New mobile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// Personal data (email, first_name, last_name, mobile) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserUpdate")
            .field("role", &self.role)
            .field("first_name", &redacted(&self.first_name))
            .field("last_name", &redacted(&self.last_name))
            .field("email", &redacted(&self.email))
            .field("mobile", &redacted(&self.mobile))
            .finish()
    }
}

impl UserUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the role.
    pub fn role(mut self, role: UserRole) -> Self {
        self.role = Some(role);
        self
    }
    /// Sets the first name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }
    /// Sets the last name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }
    /// Sets the email.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }
    /// Sets the mobile.
    pub fn mobile(mut self, v: impl Into<String>) -> Self {
        self.mobile = Some(v.into());
        self
    }

    /// Checks the set fields; an update must change something.
    pub fn validate(&self) -> Result<()> {
        if self == &UserUpdate::default() {
            return Err(Error::invalid("user_update", "sets no field"));
        }
        if let Some(v) = &self.first_name {
            check_text("first_name", v)?;
        }
        if let Some(v) = &self.last_name {
            check_text("last_name", v)?;
        }
        if let Some(v) = &self.email {
            check_email("email", v)?;
        }
        if let Some(v) = &self.mobile {
            check_text("mobile", v)?;
        }
        Ok(())
    }
}

/// API credentials generated for a user. The secret never prints.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct UserKey {
    /// API id.
    #[serde(
        rename = "apiId",
        default,
        deserialize_with = "partner_sdk_core::decode::string"
    )]
    pub api_id: String,
    /// API secret.
    #[serde(rename = "apiSecret", deserialize_with = "secret_string")]
    pub api_secret: SecretString,
}

impl UserKey {
    /// Credentials from their parts.
    pub fn new(api_id: impl Into<String>, api_secret: impl Into<String>) -> Self {
        UserKey {
            api_id: api_id.into(),
            api_secret: SecretString::from(api_secret.into()),
        }
    }
    /// The secret, for handing on to whoever will use it.
    pub fn expose_api_secret(&self) -> &str {
        self.api_secret.expose_secret()
    }
}

impl fmt::Debug for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserKey")
            .field("api_id", &self.api_id)
            .field("api_secret", &REDACTED)
            .finish()
    }
}

fn secret_string<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<SecretString, D::Error> {
    partner_sdk_core::decode::string(d).map(SecretString::from)
}

#[derive(Deserialize)]
struct UsersEnvelope {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    users: Vec<User>,
    #[serde(
        rename = "hasMoreRecords",
        default,
        deserialize_with = "partner_sdk_core::decode::flag"
    )]
    has_more_records: bool,
}

impl ListEnvelope for UsersEnvelope {
    type Item = User;
    fn into_parts(self) -> (Vec<User>, bool) {
        (self.users, self.has_more_records)
    }
}

#[derive(Deserialize)]
struct UserEnvelope {
    user: User,
}

#[derive(Deserialize)]
struct UserKeyEnvelope {
    #[serde(rename = "userKey")]
    user_key: UserKey,
}

/// Decodes a list answer of users, the answer for page `page_number` (see
/// [`decode_applications_page`](crate::applications::decode_applications_page)).
pub fn decode_users_page(
    body: &[u8],
    page_number: u32,
) -> std::result::Result<Page<User, u32>, serde_json::Error> {
    decode_page::<UsersEnvelope>(body, page_number)
}

/// The users listing, sent as `operation`.
fn listing(operation: &'static str) -> Listing {
    Listing {
        operation,
        path: "/users",
        account_required: true,
    }
}

impl Client {
    /// One page of users of an account (`GET users`; `account_id` required;
    /// the page is [`ListQuery::page`], default 1).
    pub async fn list_users(&self, query: &ListQuery) -> Result<Page<User, u32>> {
        self.list_page::<UsersEnvelope>(listing("list_users"), query)
            .await
    }

    /// Every user matching `query`, fetched page by page as polled.
    #[inline]
    pub fn users(&self, query: &ListQuery) -> ItemStream<User> {
        list_stream::<UsersEnvelope>(self, listing("users"), query)
    }

    /// One user (`GET user/{user_id}`).
    pub async fn get_user(&self, user_id: &str) -> Result<User> {
        check_text("user_id", user_id)?;
        let e: UserEnvelope = self
            .vendor_send(
                crate::client::get("get_user", "/user/{user_id}")
                    .param(user_id)
                    .sensitive_answer(),
            )
            .await?;
        Ok(e.user)
    }

    /// Creates a user (`POST user/add`). Never retried. After an unknown
    /// outcome (no key: Brighte takes none), list the account's users
    /// (`users`) for this e-mail address before creating again.
    pub fn create_user<'a>(&'a self, user: &'a NewUser) -> Call<'a, User> {
        boxed(async move {
            user.validate()?;
            let e: UserEnvelope = self
                .vendor_send(
                    Request::post("create_user", "/user/add")
                        .json(user)
                        // The answer (or a refusal) may repeat the user's details.
                        .sensitive_answer(),
                )
                .await?;
            Ok(e.user)
        })
    }

    /// Updates a user (`PUT user/{userId}`).
    pub async fn update_user(&self, user_id: &str, update: &UserUpdate) -> Result<User> {
        check_text("user_id", user_id)?;
        update.validate()?;
        let e: UserEnvelope = self
            .vendor_send(
                Request::put("update_user", "/user/{userId}")
                    .param(user_id)
                    .json(update)
                    .sensitive_answer(),
            )
            .await?;
        Ok(e.user)
    }

    /// Deletes a user (`DELETE user/{userId}`; Brighte answers
    /// `{"status": "2000"}` with the code as a string). An attempt whose
    /// answer was lost, followed by a retry that finds no such user, is a
    /// success: the lost attempt deleted it.
    pub async fn delete_user(&self, user_id: &str) -> Result<()> {
        check_text("user_id", user_id)?;
        let _: Option<serde_json::Value> = self
            .vendor_send_delete(
                crate::client::delete("delete_user", "/user/{userId}").param(user_id),
            )
            .await?;
        Ok(())
    }

    /// Generates an API id and secret for a user on an account
    /// (`POST user/{userId}/generate-api-credentials`; sent as `accountId`,
    /// as in the sample). Never retried.
    pub fn generate_user_api_credentials<'a>(
        &'a self,
        user_id: &'a str,
        account_id: impl Into<AccountId>,
    ) -> Call<'a, UserKey> {
        self.generate_api_credentials(user_id, account_id.into())
    }

    /// The body of [`generate_user_api_credentials`](Self::generate_user_api_credentials),
    /// not generic, so that it is compiled in this crate.
    fn generate_api_credentials<'a>(
        &'a self,
        user_id: &'a str,
        account_id: AccountId,
    ) -> Call<'a, UserKey> {
        boxed(async move {
            check_text("user_id", user_id)?;
            account_id.check("account_id")?;
            #[derive(Serialize)]
            struct Body {
                #[serde(rename = "accountId")]
                account_id: AccountId,
            }
            let e: UserKeyEnvelope = self
                .vendor_send::<UserKeyEnvelope>(
                    Request::post(
                        "generate_user_api_credentials",
                        "/user/{userId}/generate-api-credentials",
                    )
                    .param(user_id)
                    .json(&Body { account_id })
                    // The answer carries the generated secret: no error keeps it.
                    .sensitive_answer(),
                )
                .await?;
            Ok(e.user_key)
        })
    }
}
