//! Every endpoint against wiremock: what is sent (method, path, query,
//! session headers, body) and what is parsed, using the seed's samples.

use crate::support as common;

use brighte::{
    AccountId, ApplicationDocumentType, ApplicationStatus, CalloutRequest, CalloutStatus,
    ContentType, DocumentUpload, FinanceRequest, FinanceType, ListQuery, NewQuote, NewUser,
    QuoteStatus, RepaymentRequest, UserRole, UserUpdate,
};
use common::*;
use futures::TryStreamExt as _;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn setup() -> (MockServer, brighte::Client) {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    let client = client_for(&server);
    (server, client)
}

#[tokio::test]
async fn session_is_created_once_with_the_sample_body_and_sent_as_headers() {
    let (server, client) = setup().await;
    let sample = http_sample("session_create_request.http");
    assert_eq!(sample.method, "POST");
    assert_eq!(sample.path, "/rest/vendor/v1/session");
    assert_eq!(
        sample.body,
        Some(json!({"apiId": "xxx", "apiSecret": "xxx"}))
    );
    let accounts = http_sample("accounts_request.http");
    let response = fill(
        &fixture("accounts_response.json"),
        "Account POD",
        &json!({"id": "E435", "entity_legal_name": "Some Solar Pty Ltd", "entity_trading_name": "Some Solar"}),
    );
    mount_sample(&server, &accounts, &[], false, response).await;
    let got = client.list_accounts().await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, AccountId::from("E435"));
    assert_eq!(got[0].entity_trading_name.as_deref(), Some("Some Solar"));
}

#[tokio::test]
async fn logout_sends_delete_session_with_the_session_headers() {
    let (server, client) = setup().await;
    let sample = http_sample("session_delete_request.http");
    let response: serde_json::Value =
        serde_json::from_str(&fixture("session_delete_response.json")).unwrap();
    mount_sample(&server, &sample, &[], false, response).await;
    assert!(
        !client.logout().await.unwrap(),
        "no session yet: nothing to end"
    );
    client.login().await.unwrap();
    assert!(client.logout().await.unwrap());
}

#[tokio::test]
async fn applications_stream_over_three_pages() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    let client = client_for(&server);
    for (page, more, ids) in [
        (1, json!(true), vec!["a1", "a2"]),
        (2, json!("1"), vec!["a3"]),
        (3, json!(false), vec!["a4"]),
    ] {
        let apps: Vec<_> = ids
            .iter()
            .map(|id| {
                let mut a = application_pod();
                a["id"] = json!(id);
                a
            })
            .collect();
        Mock::given(method("GET"))
            .and(path("/rest/vendor/v1/applications"))
            .and(query_param("pageNumber", page.to_string()))
            .and(query_param("accountId", "E81"))
            .and(query_param("startDate", "2018-01-01"))
            .and(header("x-session-key", SESSION_KEY))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"status": 2000, "applications": apps, "hasMoreRecords": more}),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let q = ListQuery::new()
        .account("E81")
        .start_date(time::macros::date!(2018 - 01 - 01));
    let apps: Vec<_> = client.applications(&q).try_collect().await.unwrap();
    let ids: Vec<_> = apps.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4"]);
    let a = &apps[0];
    assert_eq!(a.status, Some(ApplicationStatus::ConditionallyApproved));
    assert_eq!(a.financed_amount, Some(d("6249.88")));
    assert_eq!(a.repayment_term, Some(24));
    assert!(!a.applicants[0].joint_applicant && a.applicants[1].joint_applicant);
    assert_eq!(a.applicants[1].id, "2");
}

#[tokio::test]
async fn applications_sample_request_has_no_filters() {
    let (server, client) = setup().await;
    let sample = http_sample("applications_request.http");
    let text = fixture("applications_response.json").replace("boolean", "0");
    let response_v = fill(&text, "Application POD", &application_pod());
    mount_sample(&server, &sample, &[], false, response_v).await;
    let page = client.list_applications(&ListQuery::new()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next.is_none());
}

#[tokio::test]
async fn get_and_update_application() {
    let (server, client) = setup().await;
    let get = http_sample("application_get_request.http");
    let body = fill(
        &fixture("application_get_response.json"),
        "Application POD",
        &application_pod(),
    );
    mount_sample(&server, &get, &["100234"], false, body).await;
    let app = client.get_application("100234").await.unwrap();
    assert_eq!(app.id, "100234");
    assert_eq!(app.created.as_deref(), Some("2016-08-08T06:54:36+00:00"));

    let put = http_sample("application_update_request.http");
    assert_eq!(put.body, Some(json!({"reference_number": "NEW_REF_NUM"})));
    let mut updated = application_pod();
    updated["reference_number"] = json!("NEW_REF_NUM");
    let body = fill(
        &fixture("application_update_response.json"),
        "Application POD",
        &updated,
    );
    mount_sample(&server, &put, &["100234"], true, body).await;
    let app = client
        .update_application_reference("100234", "NEW_REF_NUM")
        .await
        .unwrap();
    assert_eq!(app.reference_number.as_deref(), Some("NEW_REF_NUM"));
}

#[tokio::test]
async fn document_types_documents_and_upload() {
    let (server, client) = setup().await;
    let types = http_sample("application_document_types_request.http");
    let body: serde_json::Value =
        serde_json::from_str(&fixture("application_document_types_response.json")).unwrap();
    mount_sample(&server, &types, &[], false, body).await;
    assert_eq!(
        client.list_application_document_types().await.unwrap(),
        vec![
            ApplicationDocumentType::Invoice,
            ApplicationDocumentType::Cca
        ]
    );

    let list = http_sample("application_documents_request.http");
    let body = fill(
        &fixture("application_documents_response.json"),
        "ApplicationDocument POD",
        &json!({"type": "INVOICE", "filename": "invoice.jpg"}),
    );
    mount_sample(&server, &list, &["100234"], false, body).await;
    let docs = client.list_application_documents("100234").await.unwrap();
    assert_eq!(
        docs[0].document_type,
        Some(ApplicationDocumentType::Invoice)
    );
    assert_eq!(docs[0].filename.as_deref(), Some("invoice.jpg"));

    let create = http_sample("application_document_create_request.http");
    let body = fill(
        &fixture("application_document_create_response.json"),
        "ApplicationDocument POD",
        &json!({"type": "invoice", "filename": "invoice.jpg"}),
    );
    Mock::given(method("POST"))
        .and(path(create.path_with(&["100234"])))
        .and(header("x-session-key", SESSION_KEY))
        .and(body_json(json!({
            "invoice_type": "invoice",
            "filename": "invoice.jpg",
            "filecontent": "/9j/4AAQ"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let upload = DocumentUpload::new(
        ApplicationDocumentType::Invoice,
        "invoice.jpg",
        vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10],
    );
    let doc = client
        .upload_application_document("100234", &upload)
        .await
        .unwrap();
    assert_eq!(doc.document_type, Some(ApplicationDocumentType::Invoice));
}

#[tokio::test]
async fn upload_refuses_other_file_types_before_sending() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    for name in ["invoice.gif", "invoice", "", "a/b.pdf"] {
        let upload = DocumentUpload::new(ApplicationDocumentType::Stc, name, vec![1]);
        let err = client
            .upload_application_document("1", &upload)
            .await
            .unwrap_err();
        assert!(
            matches!(err.as_core(), Some(partner_sdk::core::Error::InvalidInput(e)) if e.field == "filename"),
            "{name}: {err}"
        );
    }
    for name in ["a.JPG", "b.jpeg", "c.png", "d.pdf"] {
        assert!(
            DocumentUpload::new(ApplicationDocumentType::Stc, name, vec![1])
                .to_body()
                .is_ok()
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn request_payment_and_secure_code() {
    let (server, client) = setup().await;
    let pay = http_sample("application_request_payment_request.http");
    let mut paid = application_pod();
    paid["status"] = json!("PAID");
    let body = fill(
        &fixture("application_request_payment_response.json"),
        "Application POD",
        &paid,
    );
    mount_sample(&server, &pay, &["100234"], false, body).await;
    let app = client.request_application_payment("100234").await.unwrap();
    assert_eq!(app.status, Some(ApplicationStatus::Paid));

    let code = http_sample("application_secure_code_request.http");
    let body: serde_json::Value =
        serde_json::from_str(&fixture("application_secure_code_response.json")).unwrap();
    mount_sample(&server, &code, &[], true, body).await;
    let token = client
        .send_application_secure_code("0416123456")
        .await
        .unwrap();
    assert_eq!(token, "072b17a51edf4ca38f836293f3018f7117fa2c88");
}

#[tokio::test]
async fn quotes_list_get_create_resend_delete() {
    let (server, client) = setup().await;
    let list = http_sample("quotes_request.http");
    let text = fixture("quotes_response.json").replace("boolean", "false");
    mount_sample(
        &server,
        &list,
        &[],
        false,
        fill(&text, "Quote POD", &quote_pod()),
    )
    .await;
    let q = ListQuery::new()
        .account("E897.675")
        .start_date(time::macros::date!(2018 - 04 - 01))
        .end_date(time::macros::date!(2018 - 05 - 04));
    let quotes: Vec<_> = client.quotes(&q).try_collect().await.unwrap();
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0].deposit_amount, Some(d("5000")));
    assert_eq!(quotes[0].status, Some(QuoteStatus::Sent));

    let get = http_sample("quote_get_request.http");
    mount_sample(
        &server,
        &get,
        &[],
        false,
        fill(
            &fixture("quote_get_response.json"),
            "Quote POD",
            &quote_pod(),
        ),
    )
    .await;
    assert_eq!(client.get_quote("1").await.unwrap().id, "1");

    let create = http_sample("quote_create_request.http");
    mount_sample(
        &server,
        &create,
        &[],
        true,
        fill(
            &fixture("quote_create_response.json"),
            "Quote POD",
            &quote_pod(),
        ),
    )
    .await;
    let new = NewQuote {
        first_name: "Test First".into(),
        last_name: "Lastnametest".into(),
        phone: "0434632777".into(),
        email: "generic.test.case420@gmail.com".into(),
        total_purchase_amount: d("15000"),
        deposit_amount: d("5000"),
        repayment_term: 48,
        product_category: "Storage Battery(s)".into(),
        product_description: "This product stores solar energy".into(),
        account_id: "E435".into(),
    };
    let created = client.create_quote(&new).await.unwrap();
    assert_eq!(created.total_purchase_amount, Some(d("15000")));

    let resend = http_sample("quote_resend_request.http");
    assert_eq!(resend.method, "POST");
    mount_sample(
        &server,
        &resend,
        &["1"],
        false,
        fill(
            &fixture("quote_resend_response.json"),
            "Quote POD",
            &quote_pod(),
        ),
    )
    .await;
    client.resend_quote("1").await.unwrap();

    let delete = http_sample("quote_delete_request.http");
    mount_sample(
        &server,
        &delete,
        &["1"],
        false,
        fill(
            &fixture("quote_delete_response.json"),
            "Quote POD",
            &quote_pod(),
        ),
    )
    .await;
    client.delete_quote("1").await.unwrap();
}

#[tokio::test]
async fn users_list_get_create_update_delete_credentials() {
    let (server, client) = setup().await;
    let list = http_sample("users_request.http");
    let text = fixture("users_response.json").replace("boolean", "0");
    let mut snake = user_pod();
    snake.as_object_mut().unwrap().remove("firstName");
    snake["first_name"] = json!("Snake");
    let users_body = {
        let mut v = fill(&text, "User POD", &user_pod());
        v["users"].as_array_mut().unwrap().push(snake);
        v
    };
    mount_sample(&server, &list, &[], false, users_body).await;
    let q = ListQuery::new()
        .account("xxx")
        .start_date(time::macros::date!(2018 - 01 - 01))
        .end_date(time::macros::date!(2018 - 01 - 31));
    let users: Vec<_> = client.users(&q).try_collect().await.unwrap();
    assert_eq!(users[0].first_name.as_deref(), Some("Testfn"));
    assert_eq!(users[0].role, Some(UserRole::TeamMember));
    assert_eq!(users[1].first_name.as_deref(), Some("Snake"));

    let get = http_sample("user_get_request.http");
    mount_sample(
        &server,
        &get,
        &["U7"],
        false,
        fill(&fixture("user_get_response.json"), "User POD", &user_pod()),
    )
    .await;
    assert_eq!(
        client.get_user("U7").await.unwrap().last_name.as_deref(),
        Some("TestLn")
    );

    let create = http_sample("user_create_request.http");
    mount_sample(
        &server,
        &create,
        &[],
        true,
        fill(
            &fixture("user_create_response.json"),
            "User POD",
            &user_pod(),
        ),
    )
    .await;
    let new = NewUser {
        role: UserRole::Other("team+member".into()),
        first_name: "Testfn".into(),
        last_name: "TestLn".into(),
        email: "first.last1536623737@brighte.com.au".into(),
        mobile: "0411085823".into(),
        account_id: "E81".into(),
    };
    assert_eq!(client.create_user(&new).await.unwrap().id, "U7");

    let update = http_sample("user_update_request.http");
    mount_sample(
        &server,
        &update,
        &["U7"],
        true,
        fill(
            &fixture("user_update_response.json"),
            "User POD",
            &user_pod(),
        ),
    )
    .await;
    client
        .update_user(
            "U7",
            &UserUpdate::new().first_name("johnny").last_name("bravo"),
        )
        .await
        .unwrap();

    let delete = http_sample("user_delete_request.http");
    let body: serde_json::Value =
        serde_json::from_str(&fixture("user_delete_response.json")).unwrap();
    assert_eq!(
        body["status"],
        json!("2000"),
        "the seed sends this status as a string"
    );
    mount_sample(&server, &delete, &["U7"], false, body).await;
    client.delete_user("U7").await.unwrap();

    let creds = http_sample("user_generate_api_credentials_request.http");
    let body = fill(
        &fixture("user_generate_api_credentials_response.json"),
        "UserKey POD",
        &json!({"apiId": "new-id", "apiSecret": "new-secret"}),
    );
    mount_sample(&server, &creds, &["U7"], true, body).await;
    let key = client
        .generate_user_api_credentials("U7", "E81")
        .await
        .unwrap();
    assert_eq!(key.api_id, "new-id");
    assert_eq!(key.expose_api_secret(), "new-secret");
    assert!(!format!("{key:?}").contains("new-secret"));
}

#[tokio::test]
async fn content_categories_repayment_callout() {
    let (server, client) = setup().await;
    let content = http_sample("content_request.http");
    let body = fill(
        &fixture("content_response.json"),
        "Content POD",
        &json!({"content_type": "TNC", "version": "2018-01-01T00:00:00+00:00", "content": "<p>Terms</p>"}),
    );
    mount_sample(&server, &content, &["TNC"], false, body).await;
    let c = client.get_content(&ContentType::Tnc).await.unwrap();
    assert_eq!(c.content_type, Some(ContentType::Tnc));
    assert_eq!(c.content, "<p>Terms</p>");

    let cats = http_sample("product_categories_request.http");
    let body = fill(
        &fixture("product_categories_response.json"),
        "ProductCategory POD",
        &json!({"name": "Battery Storage", "slug": "battery-storage", "icon": "https://example.com/b.svg"}),
    );
    mount_sample(&server, &cats, &[], false, body).await;
    let cats = client.list_product_categories().await.unwrap();
    assert_eq!(cats[0].slug.as_deref(), Some("battery-storage"));

    let rep = http_sample("calculate_repayment_amount_request.http");
    let body = fill(
        &fixture("calculate_repayment_amount_response.json"),
        "RepaymentAmount POD",
        &json!({"repaymentAmount": "84.32", "instalments": 104}),
    );
    mount_sample(&server, &rep, &[], true, body).await;
    let r = client
        .calculate_repayment_amount(&RepaymentRequest {
            total_purchase_amount: d("15000"),
            deposit_amount: d("1000"),
            repayment_term: 48,
            include_fees: true,
        })
        .await
        .unwrap();
    assert_eq!(r.repayment_amount, d("84.32"));
    assert_eq!(r.instalments, 104);

    let callout = http_sample("callout_request_create_request.http");
    let body = fill(
        &fixture("callout_request_create_response.json"),
        "Callout POD",
        &callout_pod(),
    );
    mount_sample(&server, &callout, &[], true, body).await;
    let c = client
        .create_callout_request(&CalloutRequest {
            account_id: Some(AccountId::Number(3)),
            first_name: "John".into(),
            last_name: "Smith".into(),
            phone: "0434090090".into(),
            email: "email@gmail.com".into(),
            total_purchase_amount: d("15000"),
            deposit_amount: d("5000"),
            repayment_term: 48,
            product_category: "Storage Battery(s)".into(),
            product_description: "Excellent Battery".into(),
        })
        .await
        .unwrap();
    assert_eq!(c.status, Some(CalloutStatus::Fulfilled));
    assert_eq!(c.financed_amount, Some(d("10000.00")));
}

#[tokio::test]
async fn money_is_sent_as_the_decimals_exact_digits() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/quote"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": 2000, "quote": quote_pod()})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/calculate-repayment-amount"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": 2000, "repaymentAmount": {"repaymentAmount": 84.32, "instalments": 104}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // 0.1 and 7000.10 have no exact f64; 12345678901234567.89 loses its cents in one.
    client
        .create_quote(&NewQuote {
            first_name: "Test First".into(),
            last_name: "Lastnametest".into(),
            phone: "0434632777".into(),
            email: "generic.test.case420@gmail.com".into(),
            total_purchase_amount: d("12345678901234567.89"),
            deposit_amount: d("0.1"),
            repayment_term: 48,
            product_category: "Storage Battery(s)".into(),
            product_description: "This product stores solar energy".into(),
            account_id: "E435".into(),
        })
        .await
        .unwrap();
    client
        .calculate_repayment_amount(&RepaymentRequest {
            total_purchase_amount: d("7000.10"),
            deposit_amount: d("700"),
            repayment_term: 24,
            include_fees: false,
        })
        .await
        .unwrap();
    let bodies: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() != "/rest/vendor/v1/session")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect();
    assert!(
        bodies[0].contains(r#""total_purchase_amount":12345678901234567.89,"#),
        "{}",
        bodies[0]
    );
    assert!(
        bodies[0].contains(r#""deposit_amount":0.1,"#),
        "{}",
        bodies[0]
    );
    assert_eq!(
        bodies[1],
        r#"{"totalPurchaseAmount":7000.10,"depositAmount":700,"repaymentTerm":24,"includeFees":0}"#
    );
}

#[tokio::test]
async fn public_calculator_needs_no_session() {
    let server = MockServer::start().await;
    let sample = http_sample("calculators_finance_request.http");
    Mock::given(method("POST"))
        .and(path(sample.path.as_str()))
        .and(body_json(sample.body.clone().unwrap()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("calculators_finance_response.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let anon = brighte::Client::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let calc = anon
        .calculate_finance(
            &FinanceRequest::new(d("10000"), 24)
                .finance_type(FinanceType::Other("consumer".into()))
                .deposit(d("1500"))
                .add_establishment_fee(false),
        )
        .await
        .unwrap();
    assert_eq!(calc.repayment_amount, Some(d("165.47")));
    assert_eq!(calc.instalments, Some(52));
    assert_eq!(calc.late_payment_fee, Some(d("4.99")));
    assert_eq!(calc.financed_amount, Some(d("8500")));
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("x-session-key").is_none());
}

#[test]
fn empty_credentials_are_refused_at_build_naming_the_setting() {
    for (id, secret, field) in [
        (" ", "secret", "credentials.id"),
        ("id", "", "credentials.secret"),
    ] {
        let err = brighte::Client::builder()
            .base_url(brighte::PRODUCTION_URL)
            .credentials(id, secret)
            .build()
            .unwrap_err();
        match err.as_core() {
            Some(partner_sdk::core::Error::InvalidInput(e)) => assert_eq!(e.field, field),
            other => panic!("expected an invalid credential, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_client_without_credentials_cannot_call_the_vendor_api() {
    let server = MockServer::start().await;
    let anon = brighte::Client::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    assert!(!anon.has_credentials());
    let err = anon.list_accounts().await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err.as_core(), Some(partner_sdk::core::Error::Config(_))),
        "{err:?}"
    );
    assert!(text.contains("credentials"), "{text}");
    assert!(anon.logout().await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_vendor_prefix_is_configurable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/v1/vendor/session"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("session_create_response.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v1/vendor/product-categories"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": "2000", "productCategories": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = brighte::Client::builder()
        .base_url(server.uri())
        .vendor_path_prefix("/rest/v1/vendor")
        .credentials("a", "b")
        .build()
        .unwrap();
    assert!(client.list_product_categories().await.unwrap().is_empty());
    assert!(
        brighte::Client::builder()
            .vendor_path_prefix("rest")
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn a_401_logs_in_again_once() {
    let server = MockServer::start().await;
    mount_session(&server, 2).await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/account"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": 4010, "message": "Unauthorized."})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/account"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 2000, "accounts": [{"id": 3}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Without the grace that keeps a session refused moments after its login.
    let client = builder_for(&server)
        .session_refusal_grace(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let accounts = client.list_accounts().await.unwrap();
    assert_eq!(accounts[0].id, AccountId::Number(3));
}

#[tokio::test]
async fn a_second_401_after_login_is_the_api_error_with_brightes_code_and_message() {
    // The seed's tables answer 401/4010 for resources the user may not access.
    let cases = [
        ("/rest/vendor/v1/applications/9", "Invalid application ID."),
        ("/rest/vendor/v1/quotes/9", "Invalid quote ID."),
        ("/rest/vendor/v1/account", "Unauthorized."),
    ];
    for (at, message, grace) in cases
        .into_iter()
        .flat_map(|(at, message)| [(at, message, true), (at, message, false)])
    {
        let server = MockServer::start().await;
        // Twice. The first refusal, moments after the login, may be an
        // early expiry: one re-login and one more call, with or without the
        // grace. With the grace, the second refusal, within it, keeps the
        // session: no login, one call. Without it, one re-login and one more
        // call again.
        let (logins, calls) = if grace { (2, 3) } else { (3, 4) };
        mount_session(&server, logins).await;
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(json!({"status": "4010", "message": message})),
            )
            .expect(calls)
            .mount(&server)
            .await;
        let client = match grace {
            true => client_for(&server),
            false => builder_for(&server)
                .session_refusal_grace(std::time::Duration::ZERO)
                .build()
                .unwrap(),
        };
        let call = || async {
            match at {
                "/rest/vendor/v1/applications/9" => client.get_application("9").await.map(|_| ()),
                "/rest/vendor/v1/quotes/9" => client.get_quote("9").await.map(|_| ()),
                _ => client.list_accounts().await.map(|_| ()),
            }
            .unwrap_err()
        };
        let first = call().await;
        let err = call().await;
        assert_eq!(first.to_string(), err.to_string());
        assert!(
            matches!(err.as_core(), Some(partner_sdk::core::Error::Api(_))),
            "{err:?}"
        );
        assert_eq!(err.code(), Some(brighte::ErrorCode::Unauthorized));
        assert_eq!(err.api().unwrap().message(), Some(message));
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        let shown = err.to_string();
        assert!(shown.contains("4010") && shown.contains(message), "{shown}");
        server.verify().await;
    }
}

#[tokio::test]
async fn invalid_credentials_are_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": 4010, "message": "Invalid credentials."})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server).list_accounts().await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk::core::Error::Auth(_))),
        "{err:?}"
    );
    assert_eq!(err.api().unwrap().message(), Some("Invalid credentials."));
}

#[tokio::test]
async fn every_documented_error_code_maps_to_its_variant() {
    use brighte::ErrorCode as C;
    let cases = [
        (400, json!(4402), "Invalid input.", C::InvalidInput),
        (404, json!("4041"), "Invalid application ID.", C::NotFound),
        (500, json!(5000), "Internal error.", C::InternalError),
        (500, json!(4000), "Internal Error.", C::InternalFailure),
        (
            404,
            json!(4040),
            "Failed to generate auth code.",
            C::CodeGenerationFailed,
        ),
        (403, json!(4403), "Action not allowed.", C::Forbidden),
        (401, json!(4403), "Unauthorized.", C::Forbidden),
        (400, json!(4010), "Invalid filetype.", C::Unauthorized),
        (400, json!(4999), "Future.", C::Other("4999".into())),
    ];
    for (status, code, message, want) in cases {
        let server = MockServer::start().await;
        mount_session(&server, 1).await;
        Mock::given(method("GET"))
            .and(path("/rest/vendor/v1/applications/9"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"status": code, "message": message})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let err = client_for(&server).get_application("9").await.unwrap_err();
        assert_eq!(err.code(), Some(want.clone()), "{status} {code}: {err:?}");
        assert_eq!(err.api().unwrap().message(), Some(message));
        assert_eq!(err.status().unwrap().as_u16(), status);
    }
}

#[tokio::test]
async fn a_2xx_answer_with_an_error_status_is_an_error() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/9"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 4041, "message": "Application not found."})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client.get_application("9").await.unwrap_err();
    assert_eq!(err.code(), Some(brighte::ErrorCode::NotFound));
}

#[tokio::test]
async fn bad_inputs_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    let field = |e: brighte::Error| match e.as_core() {
        Some(partner_sdk::core::Error::InvalidInput(e)) => e.field.to_string(),
        _ => panic!("{e:?}"),
    };
    assert_eq!(
        field(client.get_application(" ").await.unwrap_err()),
        "application_id"
    );
    assert_eq!(
        field(
            client
                .send_application_secure_code("+61 4")
                .await
                .unwrap_err()
        ),
        "mobile"
    );
    assert_eq!(
        field(
            client
                .update_user("U1", &UserUpdate::new())
                .await
                .unwrap_err()
        ),
        "user_update"
    );
    let mut q = NewQuote {
        first_name: "A".into(),
        last_name: "B".into(),
        phone: "1".into(),
        email: "a@b".into(),
        total_purchase_amount: d("10"),
        deposit_amount: d("20"),
        repayment_term: 12,
        product_category: "Solar System".into(),
        product_description: "x".into(),
        account_id: "E1".into(),
    };
    assert_eq!(
        field(client.create_quote(&q).await.unwrap_err()),
        "deposit_amount"
    );
    q.deposit_amount = d("1");
    q.email = "nope".into();
    assert_eq!(field(client.create_quote(&q).await.unwrap_err()), "email");
    let r = RepaymentRequest {
        total_purchase_amount: d("-1"),
        deposit_amount: d("0"),
        repayment_term: 12,
        include_fees: false,
    };
    assert_eq!(
        field(client.calculate_repayment_amount(&r).await.unwrap_err()),
        "total_purchase_amount"
    );
    let f = FinanceRequest::new(d("100"), 0);
    assert_eq!(
        field(client.calculate_finance(&f).await.unwrap_err()),
        "repayment_term"
    );
    let q = ListQuery::new()
        .start_date(time::macros::date!(2020 - 01 - 02))
        .end_date(time::macros::date!(2020 - 01 - 01));
    assert_eq!(
        field(client.list_applications(&q).await.unwrap_err()),
        "start_date"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn concurrent_first_calls_share_one_login() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/product-categories"))
        .and(header("x-session-token", SESSION_TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 2000, "productCategories": []})),
        )
        .expect(32)
        .mount(&server)
        .await;
    let client = client_for(&server);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.list_product_categories().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_session_answer_with_an_error_status_keeps_neither_session_value() {
    let leaked_key = "leaked-session-key-Kq31";
    let leaked_token = "leaked-session-token-Tm92";
    let cases = [
        // A 200 carrying a session and status 2001.
        (
            200,
            json!({"status": 2001, "message": "Session limit reached.", "sessionKey": leaked_key, "sessionToken": leaked_token}),
            Some("Session limit reached."),
        ),
        // The same with the session repeated in the message.
        (
            200,
            json!({"status": "2001", "message": format!("token {leaked_token} not active"), "sessionKey": leaked_key, "sessionToken": leaked_token}),
            None,
        ),
        // Error statuses carrying one too.
        (
            401,
            json!({"status": 4010, "message": "Unauthorized.", "sessionKey": leaked_key, "sessionToken": leaked_token}),
            Some("Unauthorized."),
        ),
        (
            500,
            json!({"status": 5000, "message": "Internal error.", "sessionKey": leaked_key, "sessionToken": leaked_token}),
            Some("Internal error."),
        ),
    ];
    for (status, body, message) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/rest/vendor/v1/session"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
            .expect(1)
            .mount(&server)
            .await;
        let client = brighte::Client::builder()
            .base_url(server.uri())
            .credentials("id", "api-secret-Zq81")
            .build()
            .unwrap();
        let err = client.list_accounts().await.unwrap_err();
        let shown = format!("{err} | {err:?}");
        let api = err.api().expect("the session endpoint's answer is kept");
        let kept = String::from_utf8_lossy(api.body()).into_owned();
        for secret in [leaked_key, leaked_token] {
            assert!(!shown.contains(secret), "{status}: {shown}");
            assert!(!kept.contains(secret), "{status}: {kept}");
        }
        assert_eq!(api.status().as_u16(), status);
        assert_eq!(api.message(), message, "{status}: {body}");
        assert!(api.code().is_some());
        if status == 200 {
            assert!(
                matches!(err.as_core(), Some(partner_sdk::core::Error::Auth(_))),
                "{err:?}"
            );
            assert!(err.to_string().contains("2001"), "{err}");
        }
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const PRIVATE_KEY: &str = "brighte-private-key";

fn notice(id: &str, status: &str, timestamp: i64, token: &str) -> Vec<u8> {
    let ts = timestamp.to_string();
    json!({
        "id": id,
        "reference_number": "REF-1",
        "status": status,
        "timestamp": ts,
        "token": token,
        "signature": brighte::signing::sign(PRIVATE_KEY, &ts, token),
    })
    .to_string()
    .into_bytes()
}

async fn mount_application(server: &MockServer, times: u64) {
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/100234"))
        .and(header("x-session-key", SESSION_KEY))
        .and(header("x-session-token", SESSION_TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 2000, "application": application_pod()})),
        )
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn webhook_confirm_returns_the_fetched_application_not_the_claims() {
    use brighte::webhook::{self, Ack};
    let (server, client) = setup().await;
    mount_application(&server, 3).await;
    // A strict verifier: confirm still covers Brighte's 8-hour resends.
    let verifier =
        brighte::Verifier::new(PRIVATE_KEY).tolerance(std::time::Duration::from_secs(300));

    // Forged status on a valid triple: the fetched status wins.
    let forged = notice("100234", "PAID", unix_now(), "t1");
    let outcome = webhook::confirm(&client, &verifier, &forged).await;
    let app = outcome.as_ref().unwrap();
    assert_eq!(app.id, "100234");
    assert_eq!(app.status, Some(ApplicationStatus::ConditionallyApproved));
    assert_eq!(Ack::for_outcome(&outcome).status_code(), 200);

    // The same triple again: confirmed again, still Brighte's status.
    let again = webhook::confirm(&client, &verifier, &forged).await.unwrap();
    assert_eq!(again.status, Some(ApplicationStatus::ConditionallyApproved));

    // A resend 8 hours after its first delivery keeps the first timestamp.
    let stale = notice("100234", "C.APPROV", unix_now() - 8 * 3600, "t2");
    assert!(
        webhook::verify(&verifier, &stale).is_err(),
        "strict verify refuses it"
    );
    let resent = webhook::confirm(&client, &verifier, &stale).await;
    assert_eq!(Ack::for_outcome(&resent), Ack::Accepted);

    // A bad signature: nothing fetched, no success claimed.
    let mut bad: serde_json::Value = serde_json::from_slice(&forged).unwrap();
    bad["signature"] = json!("00".repeat(32));
    let bad = webhook::confirm(&client, &verifier, bad.to_string().as_bytes()).await;
    assert_eq!(Ack::for_outcome(&bad), Ack::Unauthenticated);
    assert_eq!(Ack::for_outcome(&bad).status_code(), 401);
    server.verify().await;
}

#[tokio::test]
async fn webhook_confirm_that_cannot_fetch_asks_brighte_to_resend() {
    use brighte::webhook::{self, Ack};
    let cases = [
        ResponseTemplate::new(500)
            .set_body_json(json!({"status": 5000, "message": "Internal error."})),
        ResponseTemplate::new(404)
            .set_body_json(json!({"status": 4041, "message": "Invalid application ID."})),
        ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
    ];
    for answer in cases {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .and(path("/rest/vendor/v1/applications/100234"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let verifier = brighte::Verifier::new(PRIVATE_KEY);
        let outcome = webhook::confirm(
            &client,
            &verifier,
            &notice("100234", "APPROVED", unix_now(), "t"),
        )
        .await;
        let ack = Ack::for_outcome(&outcome);
        assert_eq!(ack, Ack::RetryLater, "{outcome:?}");
        assert_eq!(ack.status_code(), 503);
        assert!(!ack.stops_redelivery());
    }
    // No session at all (the login is refused): also a resend.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": 4010, "message": "Invalid credentials."})),
        )
        .mount(&server)
        .await;
    let outcome = webhook::confirm(
        &client_for(&server),
        &brighte::Verifier::new(PRIVATE_KEY),
        &notice("100234", "APPROVED", unix_now(), "t"),
    )
    .await;
    assert_eq!(Ack::for_outcome(&outcome), Ack::RetryLater);
}

#[tokio::test]
async fn redirect_confirm_verifies_with_a_tolerance_then_fetches() {
    use brighte::checkout;
    let (server, client) = setup().await;
    mount_application(&server, 1).await;
    let verifier =
        brighte::Verifier::new(PRIVATE_KEY).tolerance(std::time::Duration::from_secs(300));
    let redirect = |ts: i64| {
        let t = ts.to_string();
        format!(
            "https://shop.example/done?cart=1&error_code=10000&transaction_id=100234&timestamp={t}&token=tok&signature={}",
            brighte::signing::sign(PRIVATE_KEY, &t, "tok")
        )
    };
    let app = checkout::confirm(&client, &verifier, &redirect(unix_now()))
        .await
        .unwrap();
    assert_eq!(app.status, Some(ApplicationStatus::ConditionallyApproved));
    // An hour-old redirect is refused by the tolerance, before any fetch.
    let stale = checkout::confirm(&client, &verifier, &redirect(unix_now() - 3600))
        .await
        .unwrap_err();
    assert!(
        matches!(&stale, brighte::Error::Notice(e) if matches!(**e, brighte::NoticeError::TooOld { .. })),
        "{stale:?}"
    );
    // A failure redirect is Brighte's claim of a failure, reported after the signature.
    let t = unix_now().to_string();
    let failed = format!(
        "error_code=10002&error_msg=Invalid+data&timestamp={t}&token=tok&signature={}",
        brighte::signing::sign(PRIVATE_KEY, &t, "tok")
    );
    assert!(matches!(
        checkout::confirm(&client, &verifier, &failed)
            .await
            .unwrap_err(),
        brighte::Error::Checkout(_)
    ));
    server.verify().await;
}
