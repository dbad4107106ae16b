//! Brighte as the shared suites' subjects, one per API: [`Vendor`], the
//! vendor REST API behind a session login (a user look-up, and every
//! create), and [`Public`], the public calculator (no credentials needed,
//! nothing created).

use futures::StreamExt as _;
use partner_sdk_brighte::{
    AccountId, ApplicationDocumentType, CalloutRequest, Client, ContentType, DocumentUpload, Error,
    ErrorCode, FinanceRequest, ListQuery, NewQuote, NewUser, UserRole, UserUpdate,
};
use partner_sdk_core::Decimal;
use partner_sdk_test_kit::subject::{BoxFuture, Outcome};
use partner_sdk_test_kit::{Auth, Call, ErrorAnswer, Ids, Pages, Settings, Subject};

/// The vendor API of the Brighte client under test.
pub(crate) struct Vendor;

/// The public API of the Brighte client under test.
pub(crate) struct Public;

const API_ID: &str = "suite-api-id";
const API_SECRET: &str = "suite-api-Secret-8812";
const SESSION_KEY: &str = "suite-session-key-a1";
const SESSION_TOKEN: &str = "suite-session-token-b2";

/// An answer every vendor create accepts.
const ACCEPTED: &str = r#"{"status": 2000, "quote": {"id": 7}, "user": {"id": "U7"}, "callout": {"id": 7}, "calloutRequest": {"id": 7}, "application": {"id": 7}, "applicationDocument": {"type": "cca", "filename": "a.pdf"}}"#;

/// A Brighte client on `api` with the vendor prefix of the samples.
fn brighte_client(api: &str, settings: &Settings) -> Client {
    let builder = Client::builder()
        .base_url(api)
        .vendor_path_prefix("/rest/vendor/v1")
        .credentials(API_ID, API_SECRET);
    partner_sdk_test_kit::with_settings!(builder, settings)
        .build()
        .unwrap()
}

impl Subject for Vendor {
    partner_sdk_test_kit::provider_subject!(Client, Error, ErrorCode);

    const PROVIDER: &'static str = "brighte";
    const CREDENTIALS: (&'static str, &'static str) = (API_ID, API_SECRET);
    const ERROR: ErrorAnswer = ErrorAnswer {
        body: r#"{"status": 4402, "message": "Invalid data provided."}"#,
        code: "4402",
        message: "Invalid data provided.",
    };
    const CODE: ErrorCode = ErrorCode::InvalidInput;
    const INTERNAL_ERRORS: &'static [(u16, &'static str)] = &[
        (200, r#"{"status": 5000, "message": "Internal error."}"#),
        (200, r#"{"status": "4000", "message": "Internal failure."}"#),
        (400, r#"{"status": 5000, "message": "Internal error."}"#),
        (500, r#"{"status": 4000, "message": "Internal failure."}"#),
    ];

    const AUTH: Auth = Auth::Session {
        path: "/rest/vendor/v1/session",
        template: "/session",
        operation: "create_session",
        answer: r#"{"status": 2000, "sessionKey": "suite-session-key-a1", "sessionToken": "suite-session-token-b2"}"#,
        lifetime: 3600,
    };
    const SENT_HEADERS: &'static [(&'static str, &'static str)] = &[
        ("x-session-key", SESSION_KEY),
        ("x-session-token", SESSION_TOKEN),
    ];
    const PROTECTED_HEADERS: &'static [&'static str] = &["X-Session-Key", "X-Session-Token"];

    fn build(api: &str, _auth: &str, settings: &Settings) -> Client {
        brighte_client(api, settings)
    }

    /// A read whose answer holds no personal data, so that its errors keep
    /// the body (a user's, a quote's or an application's are sensitive).
    fn read() -> Call<Self> {
        Call::new(
            "list_application_documents",
            "GET",
            "/rest/vendor/v1/application/APP-PERSONAL-0042/document",
            |c: &Client| {
                Box::pin(async move {
                    let documents = c.list_application_documents("APP-PERSONAL-0042").await?;
                    assert_eq!(documents[0].filename.as_deref(), Some("invoice.pdf"));
                    Ok(())
                })
            },
        )
        .template("/application/{application_id}/document")
        .answer(
            r#"{"status": 2000, "applicationDocuments": [{"type": "invoice", "filename": "invoice.pdf"}]}"#,
        )
        .personal("PERSONAL-0042")
    }

    fn creates() -> Vec<Call<Self>> {
        let d = |v: i64| Decimal::from(v);
        let payment = "/rest/vendor/v1/application/7/request-payment";
        let document = "/rest/vendor/v1/application/7/document";
        vec![
            Call::new(
                "request_application_payment",
                "POST",
                payment,
                |c: &Client| {
                    Box::pin(async move { c.request_application_payment("7").await.map(drop) })
                },
            )
            .template("/application/{application_id}/request-payment")
            .key("application_id", "7"),
            Call::new(
                "create_quote",
                "POST",
                "/rest/vendor/v1/quote",
                move |c: &Client| {
                    Box::pin(async move {
                        let quote = NewQuote {
                            first_name: "A".into(),
                            last_name: "B".into(),
                            phone: "0400000000".into(),
                            email: "a@example.com".into(),
                            total_purchase_amount: d(1000),
                            deposit_amount: d(0),
                            repayment_term: 12,
                            product_category: "Solar System".into(),
                            product_description: "Panels".into(),
                            account_id: "E1".into(),
                        };
                        c.create_quote(&quote).await.map(drop)
                    })
                },
            )
            .template("/quote"),
            Call::new(
                "create_user",
                "POST",
                "/rest/vendor/v1/user/add",
                |c: &Client| {
                    Box::pin(async move {
                        let user = NewUser {
                            role: UserRole::Other("member".into()),
                            first_name: "A".into(),
                            last_name: "B".into(),
                            email: "a@example.com".into(),
                            mobile: "0400000000".into(),
                            account_id: "E1".into(),
                        };
                        c.create_user(&user).await.map(drop)
                    })
                },
            )
            .template("/user/add"),
            Call::new(
                "create_callout_request",
                "POST",
                "/rest/vendor/v1/callout-requests",
                move |c: &Client| {
                    Box::pin(async move {
                        let callout = CalloutRequest {
                            account_id: Some(AccountId::Number(3)),
                            first_name: "A".into(),
                            last_name: "B".into(),
                            phone: "0400000000".into(),
                            email: "a@example.com".into(),
                            total_purchase_amount: d(15000),
                            deposit_amount: d(5000),
                            repayment_term: 48,
                            product_category: "Storage Battery(s)".into(),
                            product_description: "Battery".into(),
                        };
                        c.create_callout_request(&callout).await.map(drop)
                    })
                },
            )
            .template("/callout-requests"),
            Call::new(
                "create_application_document",
                "POST",
                document,
                |c: &Client| {
                    Box::pin(async move {
                        let upload = DocumentUpload::new(
                            ApplicationDocumentType::Cca,
                            "a.pdf",
                            b"%PDF".to_vec(),
                        );
                        c.upload_application_document("7", &upload).await.map(drop)
                    })
                },
            )
            .template("/application/{application_id}/document"),
        ]
        .into_iter()
        .map(|call| call.answer(ACCEPTED))
        .collect()
    }
}

impl Ids for Vendor {
    fn id_calls<'a>(
        c: &'a Client,
        id: &'a str,
    ) -> Vec<(&'static str, BoxFuture<'a, Outcome<Self>>)> {
        vec![
            (
                "application_id",
                Box::pin(async move { c.get_application(id).await.map(drop) }),
            ),
            (
                "application_id",
                Box::pin(
                    async move { c.update_application_reference(id, "REF-1").await.map(drop) },
                ),
            ),
            (
                "application_id",
                Box::pin(async move { c.list_application_documents(id).await.map(drop) }),
            ),
            (
                "application_id",
                Box::pin(async move {
                    let upload = DocumentUpload::new(
                        ApplicationDocumentType::Invoice,
                        "invoice.pdf",
                        b"%PDF".to_vec(),
                    );
                    c.upload_application_document(id, &upload).await.map(drop)
                }),
            ),
            (
                "application_id",
                Box::pin(async move { c.request_application_payment(id).await.map(drop) }),
            ),
            (
                "id",
                Box::pin(async move { c.get_quote(id).await.map(drop) }),
            ),
            (
                "id",
                Box::pin(async move { c.resend_quote(id).await.map(drop) }),
            ),
            (
                "id",
                Box::pin(async move { c.delete_quote(id).await.map(drop) }),
            ),
            (
                "user_id",
                Box::pin(async move { c.get_user(id).await.map(drop) }),
            ),
            (
                "userId",
                Box::pin(async move {
                    let update = UserUpdate::new().first_name("Ann");
                    c.update_user(id, &update).await.map(drop)
                }),
            ),
            ("userId", Box::pin(async move { c.delete_user(id).await })),
            (
                "userId",
                Box::pin(
                    async move { c.generate_user_api_credentials(id, "E435").await.map(drop) },
                ),
            ),
            (
                "contentType",
                Box::pin(async move {
                    c.get_content(&ContentType::Other(id.to_owned()))
                        .await
                        .map(drop)
                }),
            ),
        ]
    }
}

impl Pages for Vendor {
    fn endless_page(n: usize) -> String {
        format!(r#"{{"status":2000,"quotes":[{{"id":"q{n}"}}],"hasMoreRecords":true}}"#)
    }

    fn list_all(client: &Client) -> BoxFuture<'_, Vec<Outcome<Self>>> {
        Box::pin(
            client
                .quotes(&ListQuery::new().account("E435"))
                .map(|item| item.map(drop))
                .collect(),
        )
    }
}

impl Subject for Public {
    partner_sdk_test_kit::provider_subject!(Client, Error, ErrorCode);

    const PROVIDER: &'static str = Vendor::PROVIDER;
    const CREDENTIALS: (&'static str, &'static str) = Vendor::CREDENTIALS;
    const ERROR: ErrorAnswer = Vendor::ERROR;
    const CODE: ErrorCode = Vendor::CODE;

    const AUTH: Auth = Auth::None;
    const SENT_HEADERS: &'static [(&'static str, &'static str)] = &[];
    const PROTECTED_HEADERS: &'static [&'static str] = &[];

    fn build(api: &str, _auth: &str, settings: &Settings) -> Client {
        brighte_client(api, settings)
    }

    fn read() -> Call<Self> {
        Call::new(
            "calculate_finance",
            "POST",
            "/rest/pub/v1/calculators/finance",
            |c: &Client| {
                Box::pin(async move {
                    let request = FinanceRequest::new(Decimal::new(10_000, 0), 24);
                    let calculation = c.calculate_finance(&request).await?;
                    assert_eq!(calculation.instalments, Some(52));
                    Ok(())
                })
            },
        )
        .template("/calculators/finance")
        .answer(r#"{"status": 2000, "data": {"repayment_amount": 165.47, "instalments": 52}}"#)
    }
}
