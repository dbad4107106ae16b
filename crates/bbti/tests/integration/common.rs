//! Shared test helpers: an auth server and an API server on loopback.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use partner_sdk_bbti::{Client, Date, KycRequest, PickupTime, RegisterDeliveryRequest};
use partner_sdk_test_kit::fast_retry;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CLIENT_ID: &str = "partner-client";
pub const CLIENT_SECRET: &str = "s3cr3t-Client-Secret-value";
pub const TOKEN: &str = "test-access-token-abc123";
/// `Basic base64(partner-client:s3cr3t-Client-Secret-value)`.
pub fn basic() -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    )
}

// Small bodies shaped like BBTI's samples. The verbatim samples in the
// workspace's `fixtures/bbti/` are asserted by the workspace-level tests
// (`tests/bbti_*.rs`); these tests stay inside the package.

/// A `GET /v1/manufacturers` answer.
pub const MANUFACTURERS: &str = r#"{"manufacturers": [{"key": "apple", "value": "Apple"}, {"key": "google", "value": "Google"}]}"#;

/// An `rpcStatus` for an expired token.
pub const UNAUTHENTICATED: &str = r#"{"code": 16, "message": "token is expired", "details": []}"#;

pub struct Servers {
    pub auth: MockServer,
    pub api: MockServer,
}

impl Servers {
    /// Auth server answering the token endpoint with `TOKEN` (lifetime 3600 s),
    /// expecting `token_calls` token requests when `Some`.
    pub async fn start(token_calls: Option<u64>) -> Servers {
        let auth = MockServer::start().await;
        let api = MockServer::start().await;
        let mut m = Mock::given(method("POST"))
            .and(path("/auth/v1/token"))
            .and(header("authorization", basic().as_str()))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(body_string("grant_type=client_credentials"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600
            })));
        if let Some(n) = token_calls {
            m = m.expect(n);
        }
        m.mount(&auth).await;
        Servers { auth, api }
    }

    pub fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    pub fn builder(&self) -> partner_sdk_bbti::ClientBuilder {
        Client::builder()
            .base_url(self.api.uri())
            .token_url(format!("{}/auth/v1/token", self.auth.uri()))
            .credentials(CLIENT_ID, CLIENT_SECRET)
            .retry_policy(fast_retry(Duration::from_millis(50)))
    }
}

pub fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

pub fn kyc_request() -> KycRequest {
    KycRequest {
        transaction_id: "01HM2Z8Q4V7K9D3T6W5X1Y0BCE".into(),
        user_id_in_partner: Some("user-4711".into()),
        email: "taro.yamada@example.jp".into(),
        last_name: "山田".into(),
        first_name: "太郎".into(),
        last_name_kana: Some("ヤマダ".into()),
        first_name_kana: Some("タロウ".into()),
        date_of_birth: Date::new(1990, 4, 1),
        zip: "1500002".into(),
        state: "東京都".into(),
        city: "渋谷区".into(),
        address: "渋谷1-2-3".into(),
        occupation: "会社員".into(),
        redirect_url: Some("https://partner.example.jp/trade-in/done".into()),
    }
}

pub fn pickup_request() -> RegisterDeliveryRequest {
    RegisterDeliveryRequest {
        last_name: "山田".into(),
        first_name: "太郎".into(),
        last_name_kana: Some("ヤマダ".into()),
        first_name_kana: Some("タロウ".into()),
        zip: "1500002".into(),
        state: "東京都".into(),
        city: "渋谷区".into(),
        address: "渋谷1-2-3".into(),
        building: Some("渋谷ビル101".into()),
        phone_number: "0312345678".into(),
        ..RegisterDeliveryRequest::pickup(
            "01HM2Z8Q4V7K9D3T6W5X1Y0BCE",
            Date::new(2024, 1, 20),
            PickupTime::From14To16,
        )
    }
}
