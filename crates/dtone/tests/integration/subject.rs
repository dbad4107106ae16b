//! DT One as the shared suites' subject: a client signing each request
//! (no endpoint to call first), whose read is an account check (the MSISDN
//! in its URL) and whose creates are transactions in every category.

use partner_sdk_dtone::{
    AccountVerification, Category, Client, Error, ErrorCode, TransactionRequest,
};
use partner_sdk_test_kit::subject::{BoxFuture, Outcome};
use partner_sdk_test_kit::{Auth, Call, ErrorAnswer, Ids, Settings};

use crate::common::{KEY, SECRET};

/// The DT One client under test.
pub(crate) struct Dtone;

/// An answer every transaction create accepts.
pub(crate) const ACCEPTED: &str = r#"{"transaction_id": "9001", "simulation": 1, "status": "0", "external_id": "order-1", "account_number": "+50212345678", "product_id": 64}"#;

/// A transaction request in `category` with `external_id`.
pub(crate) fn transaction(category: Category, external_id: &str) -> TransactionRequest {
    let request = TransactionRequest::new("+50212345678", 64, external_id).simulation(true);
    match category {
        Category::VariableValueRecharges | Category::VariableValuePayments => {
            request.local_value(partner_sdk_core::Decimal::from(15))
        }
        _ => request,
    }
}

impl partner_sdk_test_kit::Subject for Dtone {
    partner_sdk_test_kit::provider_subject!(Client, Error, ErrorCode);

    const PROVIDER: &'static str = "dtone";
    const CREDENTIALS: (&'static str, &'static str) = (KEY, SECRET);
    const AUTH: Auth = Auth::None;
    const SENT_HEADERS: &'static [(&'static str, &'static str)] = &[("x-transferto-apikey", KEY)];
    const PROTECTED_HEADERS: &'static [&'static str] = &[
        "X-TransferTo-Apikey",
        "X-TransferTo-Nonce",
        "X-TransferTo-Hmac",
    ];
    const ERROR: ErrorAnswer = ErrorAnswer {
        body: r#"{"errors": [{"code": 1000301, "message": "Product not available"}]}"#,
        code: "1000301",
        message: "Product not available",
    };
    const CODE: ErrorCode = ErrorCode::ProductNotAvailable;
    const INTERNAL_ERRORS: &'static [(u16, &'static str)] = &[
        (
            400,
            r#"{"errors": [{"code": 1000500, "message": "Internal server error"}]}"#,
        ),
        (
            201,
            r#"{"errors": [{"code": 1000500, "message": "Internal server error"}]}"#,
        ),
        (
            400,
            r#"{"errors": [{"code": 1000218, "message": "Transaction timeout"}]}"#,
        ),
    ];

    fn build(api: &str, _auth: &str, settings: &Settings) -> Client {
        let builder = Client::builder()
            .base_url(format!("{api}/v1.1"))
            .credentials(KEY, SECRET);
        partner_sdk_test_kit::with_settings!(builder, settings)
            .build()
            .unwrap()
    }

    fn read() -> Call<Self> {
        let path = "/v1.1/products/64/account_number/+61400999888/status";
        Call::new("verify_account_number", "GET", path, |c: &Client| {
            Box::pin(async move {
                let verification = c.verify_account_number(64, "+61400999888").await?;
                assert_eq!(verification, AccountVerification::Verified);
                Ok(())
            })
        })
        .template("/products/{product_id}/account_number/{account_number}/status")
        .answer(r#"{"verified": true}"#)
        .personal("61400999888")
    }

    fn creates() -> Vec<Call<Self>> {
        [
            (
                Category::FixedValueRecharges,
                "/v1.1/transactions/fixed_value_recharges",
            ),
            (
                Category::VariableValueRecharges,
                "/v1.1/transactions/variable_value_recharges",
            ),
            (
                Category::FixedValueVouchers,
                "/v1.1/transactions/fixed_value_vouchers",
            ),
            (
                Category::VariableValuePayments,
                "/v1.1/transactions/variable_value_payments",
            ),
        ]
        .into_iter()
        .map(|(category, path)| {
            Call::new("create_transaction", "POST", path, move |c: &Client| {
                Box::pin(async move {
                    let request = transaction(category, "order-1");
                    c.create_transaction(category, &request).await.map(drop)
                })
            })
            .template("/transactions/{type}")
            .answer(ACCEPTED)
            .key("external_id", "order-1")
        })
        .collect()
    }
}

impl Ids for Dtone {
    fn id_calls<'a>(
        client: &'a Client,
        id: &'a str,
    ) -> Vec<(&'static str, BoxFuture<'a, Outcome<Self>>)> {
        let mut calls: Vec<(&'static str, BoxFuture<'a, Outcome<Self>>)> = vec![(
            "account_number",
            Box::pin(async move { client.verify_account_number(64, id).await.map(drop) }),
        )];
        for category in Category::ALL {
            calls.push((
                "external_id",
                Box::pin(async move {
                    client
                        .get_transaction_by_external_id(category, id)
                        .await
                        .map(drop)
                }),
            ));
            calls.push((
                "external_id",
                Box::pin(async move { client.resolve_outcome(category, id).await.map(drop) }),
            ));
        }
        let voucher = Category::FixedValueVouchers;
        calls.push((
            "external_id",
            Box::pin(async move {
                let request = TransactionRequest::new("+50212345678", 64, id);
                client.create_transaction(voucher, &request).await.map(drop)
            }),
        ));
        calls.push((
            "external_id",
            Box::pin(async move {
                let request = TransactionRequest::new("+50212345678", 64, id);
                client.create_or_resolve(voucher, &request).await.map(drop)
            }),
        ));
        calls
    }
}
