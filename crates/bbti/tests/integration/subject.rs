//! BBTI as the shared suites' subject: an OAuth2 client whose read is a
//! transaction look-up and whose creates are the pricings and the KYC and
//! delivery registrations.

use futures::StreamExt as _;
use partner_sdk_bbti::{
    Client, Error, ErrorCode, ModelQuery, PriceByAppCodeRequest, PriceProductRequest,
};
use partner_sdk_test_kit::subject::{BoxFuture, Outcome};
use partner_sdk_test_kit::{Auth, Call, ErrorAnswer, Ids, Pages, Settings};
use serde_json::json;

use crate::common::{CLIENT_ID, CLIENT_SECRET, kyc_request, pickup_request};

/// The BBTI client under test.
pub(crate) struct Bbti;

/// The token the suites' token endpoint hands out.
const TOKEN: &str = "suite-token-4f1";

/// An answer every BBTI create accepts.
const ACCEPTED: &str =
    r#"{"transactionId": "T-1", "url": "https://ekyc.example/T-1", "price": 1000, "grade": "A"}"#;

impl partner_sdk_test_kit::Subject for Bbti {
    partner_sdk_test_kit::provider_subject!(Client, Error, ErrorCode);

    const PROVIDER: &'static str = "bbti";
    const CREDENTIALS: (&'static str, &'static str) = (CLIENT_ID, CLIENT_SECRET);
    const AUTH: Auth = Auth::Token {
        path: "/auth/v1/token",
        token: TOKEN,
        lifetime: 3600,
    };
    const SENT_HEADERS: &'static [(&'static str, &'static str)] =
        &[("authorization", "Bearer suite-token-4f1")];
    const PROTECTED_HEADERS: &'static [&'static str] = &[];
    const ERROR: ErrorAnswer = ErrorAnswer {
        body: r#"{"code": 3, "message": "invalid argument", "details": []}"#,
        code: "3",
        message: "invalid argument",
    };
    const CODE: ErrorCode = ErrorCode::InvalidArgument;
    const INTERNAL_ERRORS: &'static [(u16, &'static str)] = &[
        (500, r#"{"code": 13, "message": "internal", "details": []}"#),
        (
            400,
            r#"{"code": "UNAVAILABLE", "message": "try later", "details": []}"#,
        ),
        (
            200,
            r#"{"code": 4, "message": "deadline exceeded", "details": []}"#,
        ),
        (409, r#"{"code": 2, "message": "unknown", "details": []}"#),
    ];

    fn build(api: &str, auth: &str, settings: &Settings) -> Client {
        let builder = Client::builder()
            .base_url(api)
            .token_url(format!("{auth}/auth/v1/token"))
            .credentials(CLIENT_ID, CLIENT_SECRET);
        partner_sdk_test_kit::with_settings!(builder, settings, token)
            .build()
            .unwrap()
    }

    fn read() -> Call<Self> {
        Call::new(
            "get_transaction",
            "GET",
            "/v1/transactions/TX-PERSONAL-0042",
            |c: &Client| {
                Box::pin(async move {
                    let tx = c.get_transaction("TX-PERSONAL-0042").await?;
                    assert_eq!(tx.transaction_id, "TX-PERSONAL-0042");
                    Ok(())
                })
            },
        )
        .template("/v1/transactions/{transactionId}")
        .answer(r#"{"transactionId": "TX-PERSONAL-0042", "status": "RECEIVED"}"#)
        .personal("PERSONAL-0042")
    }

    fn creates() -> Vec<Call<Self>> {
        vec![
            Call::new(
                "price_products",
                "POST",
                "/v1/pricing/products",
                |c: &Client| {
                    Box::pin(async move {
                        let request = PriceProductRequest::new("partner-standard", "iphone-8")
                            .storage_key("64gb")
                            .submission_id("order-1");
                        c.price_products(&request).await.map(drop)
                    })
                },
            )
            .key("submissionId", "order-1"),
            Call::new("price_codes", "POST", "/v1/pricing/codes", |c: &Client| {
                Box::pin(async move {
                    let request = PriceByAppCodeRequest::new("p", "code").submission_id("order-1");
                    c.price_codes(&request).await.map(drop)
                })
            })
            .key("submissionId", "order-1"),
            Call::new("register_kyc", "POST", "/v1/kyc", |c: &Client| {
                Box::pin(async move { c.register_kyc(&kyc_request()).await.map(drop) })
            })
            .key("transactionId", kyc_request().transaction_id),
            Call::new(
                "register_delivery",
                "POST",
                "/v1/delivery/register",
                |c: &Client| {
                    Box::pin(async move { c.register_delivery(&pickup_request()).await.map(drop) })
                },
            )
            .key("transactionId", pickup_request().transaction_id),
        ]
        .into_iter()
        .map(|call| call.answer(ACCEPTED))
        .collect()
    }
}

impl Ids for Bbti {
    fn id_calls<'a>(
        client: &'a Client,
        id: &'a str,
    ) -> Vec<(&'static str, BoxFuture<'a, Outcome<Self>>)> {
        vec![(
            "transactionId",
            Box::pin(async move { client.get_transaction(id).await.map(drop) }),
        )]
    }
}

impl Pages for Bbti {
    fn endless_page(n: usize) -> String {
        json!({
            "nextPageToken": format!("t{n}"),
            "models": [{"model": {"key": format!("m{n}"), "value": format!("m{n}")}}],
        })
        .to_string()
    }

    fn list_all(client: &Client) -> BoxFuture<'_, Vec<Outcome<Self>>> {
        Box::pin(
            client
                .models(&ModelQuery::new())
                .map(|item| item.map(drop))
                .collect(),
        )
    }
}
