//! The Brighte sandbox, driven only through the `brighte` client API.

use std::time::{Duration, Instant};

use partner_sdk_brighte::checkout::{self, CheckoutRequest, ProductCategoryName, RedirectClaims};
use partner_sdk_brighte::{
    ApplicationStatus, ErrorCode, ListQuery, NewQuote, NewUser, UserRole, UserUpdate,
};
use partner_sdk_brighte::{Verifier, webhook};
use partner_sdk_sandbox::brighte::{ACCOUNT_ID, BrighteSandbox, PRIVATE_KEY, STATUS_CHANGE_AFTER};
use rust_decimal::Decimal;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCALE: f64 = 0.0002;
/// The status rule's test reads each first status before the change: 0.6 s
/// of real time, so a loaded machine still reads them in time.
const STATUS_SCALE: f64 = 0.002;

fn checkout(total: i64, deposit: i64) -> CheckoutRequest {
    CheckoutRequest::new(
        "https://shop.example/done?order=42",
        Decimal::from(total),
        Decimal::from(deposit),
        24,
        ProductCategoryName::BatteryStorage,
        "Powerwall Home Battery",
    )
    .reference_number("ORDER-42")
}

async fn submit(
    sb: &BrighteSandbox,
    req: CheckoutRequest,
) -> partner_sdk_brighte::Result<RedirectClaims> {
    let location = sb.submit_checkout(&req.into_form().unwrap()).await.unwrap();
    assert!(
        location.starts_with("https://shop.example/done?order=42&"),
        "{location}"
    );
    checkout::verify_redirect(&Verifier::new(PRIVATE_KEY), &location).map(|r| r.into_claims())
}

#[tokio::test]
async fn checkout_applies_the_last_digit_rule_for_each_digit() {
    let sb = BrighteSandbox::builder()
        .time_scale(STATUS_SCALE)
        .start()
        .await;
    let client = sb.client();
    use ApplicationStatus as S;
    let cases = [
        (1, S::ConditionallyApproved, S::Approved),
        (2, S::ConditionallyApproved, S::Declined),
        (3, S::Refer, S::Approved),
        (4, S::Refer, S::Declined),
        (5, S::Declined, S::Declined),
    ];
    let mut ids = Vec::new();
    for (digit, first, _) in &cases {
        // Financed = total - deposit = 1000 + digit (+ cents ignored).
        let r = submit(&sb, checkout(1500 + digit, 500)).await.unwrap();
        let app = client.get_application(&r.transaction_id).await.unwrap();
        assert_eq!(app.status.as_ref(), Some(first), "digit {digit}");
        assert_eq!(app.financed_amount, Some(Decimal::from(1000 + digit)));
        assert_eq!(app.reference_number.as_deref(), Some("ORDER-42"));
        ids.push(r.transaction_id);
    }
    tokio::time::sleep(STATUS_CHANGE_AFTER.mul_f64(STATUS_SCALE) + Duration::from_millis(20)).await;
    for ((digit, _, second), id) in cases.iter().zip(&ids) {
        let app = client.get_application(id).await.unwrap();
        assert_eq!(app.status.as_ref(), Some(second), "digit {digit}");
    }
    // $1005.99 → rule 5: cents are ignored.
    let r = submit(
        &sb,
        CheckoutRequest {
            total_purchase_amount: "1005.99".parse().unwrap(),
            deposit_amount: Decimal::ZERO,
            ..checkout(0, 0)
        },
    )
    .await
    .unwrap();
    assert_eq!(
        client
            .get_application(&r.transaction_id)
            .await
            .unwrap()
            .status,
        Some(S::Declined)
    );
}

#[tokio::test]
async fn a_tampered_checksum_is_refused_with_10002() {
    let sb = BrighteSandbox::start().await;
    let form = checkout(2001, 0).into_form().unwrap();
    let mut body = form.to_urlencoded();
    body = body.replace("total_purchase_amount=2001", "total_purchase_amount=2");
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .redirect(partner_sdk_core::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .post(sb.checkout_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    match checkout::verify_redirect(&Verifier::new(PRIVATE_KEY), &location).unwrap_err() {
        partner_sdk_brighte::Error::Checkout(e) => {
            assert_eq!(e.code, "10002");
            assert!(e.message.contains("checksum"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    // A wrong key in the verifier is a signature error.
    assert!(checkout::verify_redirect(&Verifier::new("wrong"), &location).is_err());
    // An invalid redirect is a plain 400.
    let bad = http
        .post(sb.checkout_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("redirect=nope&total_purchase_amount=1")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn webhooks_are_signed_retried_on_the_schedule_and_stop_at_200() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let sb = BrighteSandbox::builder()
        .time_scale(SCALE)
        .webhook_url(format!("{}/hooks/brighte", receiver.uri()))
        .start()
        .await;
    let started = Instant::now();
    let r = submit(&sb, checkout(1005, 0)).await.unwrap();
    let schedule = partner_sdk_brighte::webhook::REDELIVERY_SCHEDULE;
    let needed = (schedule[0] + schedule[1]).mul_f64(SCALE);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sb.webhook_deliveries().len() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deliveries = sb.webhook_deliveries();
    let got: Vec<_> = deliveries
        .iter()
        .map(|d| (d.attempt, d.response_status))
        .collect();
    assert_eq!(
        got,
        [(1, Some(500)), (2, Some(500)), (3, Some(200))],
        "stops at the first 200"
    );
    assert!(
        started.elapsed() >= needed,
        "waited at least the scaled schedule"
    );
    let requests = receiver.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    let verifier = Verifier::new(PRIVATE_KEY);
    let notices: Vec<_> = requests
        .iter()
        .map(|req| webhook::verify(&verifier, &req.body).unwrap())
        .collect();
    for notice in &notices {
        assert_eq!(notice.claims().application_id, r.transaction_id);
        assert_eq!(notice.claims().status, Some(ApplicationStatus::Declined));
        assert_eq!(
            notice.claims().reference_number.as_deref(),
            Some("ORDER-42")
        );
        // A redelivery is the same message: first timestamp and token kept.
        assert_eq!(notice.timestamp(), notices[0].timestamp());
        assert_eq!(notice.token(), notices[0].token());
    }
    assert!(requests.iter().all(|req| req.body == requests[0].body));
}

#[tokio::test]
async fn a_406_also_stops_redelivery_and_both_statuses_are_sent() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(406))
        .mount(&receiver)
        .await;
    let sb = BrighteSandbox::builder().time_scale(SCALE).start().await;
    sb.register_webhook(receiver.uri());
    submit(&sb, checkout(1003, 0)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sb.webhook_deliveries().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let statuses: Vec<_> = sb
        .webhook_deliveries()
        .iter()
        .map(|d| (d.status.clone(), d.attempt))
        .collect();
    assert_eq!(
        statuses,
        [("REFER".to_owned(), 1), ("APPROVED".to_owned(), 1)]
    );
}

#[tokio::test]
async fn list_applications_pages_at_500() {
    let sb = BrighteSandbox::start().await;
    sb.insert_applications(ACCOUNT_ID, 1201);
    sb.insert_applications("E2", 3);
    let client = sb.client();
    let q = ListQuery::new().account(ACCOUNT_ID);
    let page = client.list_applications(&q).await.unwrap();
    assert_eq!(page.items.len(), 500);
    assert_eq!(page.next, Some(2));
    let mut sizes = Vec::new();
    for n in 1.. {
        let p = client.list_applications(&q.clone().page(n)).await.unwrap();
        sizes.push(p.items.len());
        if p.next.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [500, 500, 201]);
    let rest = client
        .list_applications(&ListQuery::new().page(3))
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 204);
}

#[tokio::test]
async fn sessions_accounts_and_logout() {
    let sb = BrighteSandbox::start().await;
    let client = sb.client();
    let accounts = client.list_accounts().await.unwrap();
    assert_eq!(accounts[0].id.to_string(), ACCOUNT_ID);
    assert!(client.logout().await.unwrap());
    // A new session is opened on the next call.
    assert_eq!(client.list_accounts().await.unwrap().len(), 1);
    let bad = partner_sdk_brighte::Client::builder()
        .base_url(sb.base_url())
        .credentials("nope", "nope")
        .build()
        .unwrap();
    let err = bad.list_accounts().await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Unauthorized));
}

#[tokio::test]
async fn quotes_users_documents_payment_and_calculators() {
    let sb = BrighteSandbox::builder().time_scale(0.0).start().await;
    let client = sb.client();
    let quote = client
        .create_quote(&NewQuote {
            first_name: "Jane".into(),
            last_name: "Citizen".into(),
            phone: "0400000000".into(),
            email: "jane@example.com".into(),
            total_purchase_amount: Decimal::from(15000),
            deposit_amount: Decimal::from(5000),
            repayment_term: 48,
            product_category: "Battery Storage".into(),
            product_description: "Battery".into(),
            account_id: ACCOUNT_ID.into(),
        })
        .await
        .unwrap();
    assert_eq!(
        client
            .get_quote(&quote.id)
            .await
            .unwrap()
            .applicant
            .as_deref(),
        Some("Jane Citizen")
    );
    let listed = client
        .list_quotes(&ListQuery::new().account(ACCOUNT_ID))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    client.resend_quote(&quote.id).await.unwrap();
    client.delete_quote(&quote.id).await.unwrap();
    assert_eq!(
        client.get_quote(&quote.id).await.unwrap_err().code(),
        Some(ErrorCode::NotFound)
    );

    let user = client
        .create_user(&NewUser {
            role: UserRole::TeamMember,
            first_name: "Sam".into(),
            last_name: "Seller".into(),
            email: "sam@example.com".into(),
            mobile: "0411000000".into(),
            account_id: ACCOUNT_ID.into(),
        })
        .await
        .unwrap();
    let updated = client
        .update_user(&user.id, &UserUpdate::new().first_name("Samantha"))
        .await
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Samantha"));
    let users = client
        .list_users(&ListQuery::new().account(ACCOUNT_ID))
        .await
        .unwrap();
    assert_eq!(users.items.len(), 1);
    let key = client
        .generate_user_api_credentials(&user.id, ACCOUNT_ID)
        .await
        .unwrap();
    assert!(!key.api_id.is_empty());
    client.delete_user(&user.id).await.unwrap();
    assert_eq!(
        client.get_user(&user.id).await.unwrap_err().code(),
        Some(ErrorCode::NotFound)
    );

    // time scale 0: the second status is immediate.
    let r = submit(&sb, checkout(1001, 0)).await.unwrap();
    let doc = partner_sdk_brighte::DocumentUpload::new(
        partner_sdk_brighte::ApplicationDocumentType::Invoice,
        "invoice.pdf",
        b"%PDF-1.4".to_vec(),
    );
    client
        .upload_application_document(&r.transaction_id, &doc)
        .await
        .unwrap();
    assert_eq!(
        client
            .list_application_documents(&r.transaction_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let paid = client
        .request_application_payment(&r.transaction_id)
        .await
        .unwrap();
    assert_eq!(paid.status, Some(ApplicationStatus::Paid));
    assert_eq!(
        client.get_application("nope").await.unwrap_err().code(),
        Some(ErrorCode::NotFound)
    );
    assert!(
        !client
            .send_application_secure_code("0416123456")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(client.list_product_categories().await.unwrap().len(), 32);
    assert_eq!(
        client
            .get_content(&partner_sdk_brighte::ContentType::Tnc)
            .await
            .unwrap()
            .content_type,
        Some(partner_sdk_brighte::ContentType::Tnc)
    );
    assert!(
        !client
            .list_application_document_types()
            .await
            .unwrap()
            .is_empty()
    );

    let anon = partner_sdk_brighte::Client::builder()
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let calc = anon
        .calculate_finance(
            &partner_sdk_brighte::FinanceRequest::new(Decimal::from(10000), 24)
                .deposit(Decimal::from(1500)),
        )
        .await
        .unwrap();
    assert_eq!(calc.instalments, Some(52));
    assert_eq!(calc.financed_amount, Some(Decimal::from(8500)));
    let rep = client
        .calculate_repayment_amount(&partner_sdk_brighte::RepaymentRequest {
            total_purchase_amount: Decimal::from(15000),
            deposit_amount: Decimal::from(1000),
            repayment_term: 48,
            include_fees: true,
        })
        .await
        .unwrap();
    assert_eq!(rep.instalments, 104);
}

#[tokio::test]
async fn fixed_port_start_and_missing_session_headers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sb = BrighteSandbox::start_on(listener).await;
    assert_eq!(sb.base_url(), format!("http://127.0.0.1:{port}"));
    let raw = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client")
        .get(format!("{}/rest/vendor/v1/account", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 401);
    let body: serde_json::Value = serde_json::from_slice(&raw.bytes().await.unwrap()).unwrap();
    assert_eq!(body["status"], 4010);
    assert_eq!(sb.client().list_accounts().await.unwrap().len(), 1);
}

#[tokio::test]
async fn request_payment_is_notified_by_webhook_like_any_other_change() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let sb = BrighteSandbox::builder()
        .time_scale(0.0)
        .webhook_url(receiver.uri())
        .start()
        .await;
    let client = sb.client();
    // 1001 financed: C.APPROV, then APPROVED (at once with time scale 0).
    let r = submit(&sb, checkout(1001, 0)).await.unwrap();
    let paid = client
        .request_application_payment(&r.transaction_id)
        .await
        .unwrap();
    assert_eq!(paid.status, Some(ApplicationStatus::Paid));
    let deadline = Instant::now() + Duration::from_secs(10);
    while sb.webhook_deliveries().len() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut statuses: Vec<String> = sb
        .webhook_deliveries()
        .iter()
        .map(|d| d.status.clone())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["APPROVED", "C.APPROV", "PAID"]);
    let verifier = Verifier::new(PRIVATE_KEY);
    let paid_notice = receiver
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|req| webhook::verify(&verifier, &req.body).unwrap())
        .find(|n| n.claims().status == Some(ApplicationStatus::Paid))
        .expect("a signed PAID notice");
    assert_eq!(paid_notice.claims().application_id, r.transaction_id);
    assert_eq!(
        paid_notice.claims().reference_number.as_deref(),
        Some("ORDER-42")
    );
}

#[tokio::test]
async fn application_fetches_fail_on_request() {
    let sb = BrighteSandbox::builder().time_scale(0.0).start().await;
    let client = sb.client();
    let r = submit(&sb, checkout(1005, 0)).await.unwrap();
    sb.fail_application_fetches(1);
    let err = client.get_application(&r.transaction_id).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.code(), Some(ErrorCode::InternalError));
    assert_eq!(
        client
            .get_application(&r.transaction_id)
            .await
            .unwrap()
            .status,
        Some(ApplicationStatus::Declined)
    );
}
