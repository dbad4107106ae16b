//! Personal data never printed, through the public client: a refused create
//! whose answer repeats the customer's details keeps none of them, an
//! answer that does not decode keeps no body, and the webhook handler's
//! report of a handled notice shows the application without its
//! applicants' details.

use partner_sdk_brighte::{AccountId, CalloutRequest, NewQuote, NewUser, UserRole};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{client_for, d, session_body};

const FIRST: &str = "Gracie-Fn";
const LAST: &str = "Hopperly-Ln";
const EMAIL: &str = "gracie.hopperly@mail.example";
const PHONE: &str = "0499123456";
const DOB: &str = "1906-12-09";

const PERSONAL: &[&str] = &[FIRST, LAST, EMAIL, PHONE, DOB];

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(session_body(), "application/json"))
        .mount(&server)
        .await;
    server
}

/// Brighte's refusal of a create that repeats what it was sent.
fn refusal() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "status": 4402,
        "message": format!("{EMAIL} is already registered"),
        "errors": {"email": EMAIL, "firstName": FIRST, "lastName": LAST, "mobile": PHONE},
    }))
}

fn assert_hidden(what: &str, shown: &str) {
    for value in PERSONAL {
        assert!(!shown.contains(value), "{what} shows {value}: {shown}");
    }
}

#[tokio::test]
async fn a_refused_create_keeps_none_of_the_customers_details() {
    let server = server().await;
    for route in ["/user/add", "/quote", "/callout-requests"] {
        Mock::given(method("POST"))
            .and(path(format!("/rest/vendor/v1{route}")))
            .respond_with(refusal())
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_for(&server);
    let user = NewUser {
        role: UserRole::TeamMember,
        first_name: FIRST.into(),
        last_name: LAST.into(),
        email: EMAIL.into(),
        mobile: PHONE.into(),
        account_id: AccountId::from(1357),
    };
    let quote = NewQuote {
        first_name: FIRST.into(),
        last_name: LAST.into(),
        phone: PHONE.into(),
        email: EMAIL.into(),
        total_purchase_amount: d("7000"),
        deposit_amount: d("0"),
        repayment_term: 24,
        product_category: "Solar System".into(),
        product_description: "6.6 kW panels".into(),
        account_id: AccountId::from(1357),
    };
    let callout = CalloutRequest {
        account_id: Some(AccountId::from(1357)),
        first_name: FIRST.into(),
        last_name: LAST.into(),
        phone: PHONE.into(),
        email: EMAIL.into(),
        total_purchase_amount: d("7000"),
        deposit_amount: d("0"),
        repayment_term: 24,
        product_category: "Solar System".into(),
        product_description: "6.6 kW panels".into(),
    };
    let errors = [
        ("create_user", client.create_user(&user).await.unwrap_err()),
        (
            "create_quote",
            client.create_quote(&quote).await.unwrap_err(),
        ),
        (
            "create_callout_request",
            client.create_callout_request(&callout).await.unwrap_err(),
        ),
    ];
    for (operation, err) in errors {
        let api = err.api().expect("Brighte's refusal");
        assert_eq!(api.operation(), operation);
        assert_eq!(api.code(), Some("4402"), "{operation}: the code stays");
        assert!(api.body().is_empty(), "{operation}");
        assert_hidden(operation, &format!("{err} {err:?} {err:#?}"));
    }
    server.verify().await;
}

#[tokio::test]
async fn an_application_that_does_not_decode_keeps_no_body() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/app-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": 2000,
            "application": {
                "id": "app-1",
                "financed_amount": "not an amount",
                "applicants": [{"id": "a-1", "name": format!("{FIRST} {LAST}"),
                    "email": EMAIL, "mobile": PHONE, "dob": DOB}],
            },
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server)
        .get_application("app-1")
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("financed_amount"),
        "the failing field stays: {shown}"
    );
    assert_hidden("get_application", &shown);
}

#[cfg(feature = "webhook-handler")]
#[tokio::test]
async fn the_report_of_a_handled_notice_shows_no_applicant_details() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use partner_sdk_brighte::webhook::{Ack, Handled, WebhookHandler, WebhookPayload};
    use partner_sdk_brighte::{ApplicationStatus, Verifier};

    use crate::common::KEY;

    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "status": 2000,
            "application": {
                "id": "7",
                "status": "APPROVED",
                "team_member": "Agent Kowalski",
                "applicants": [{"id": "a-1", "name": format!("{FIRST} {LAST}"),
                    "email": EMAIL, "mobile": PHONE, "dob": DOB}],
            },
        })))
        .expect(1)
        .mount(&server)
        .await;
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&reports);
    let handler = WebhookHandler::new(
        client_for(&server),
        Verifier::new(KEY).tolerance(Duration::from_secs(300)),
        |_application| async { Ok::<(), std::io::Error>(()) },
    )
    .on_answer(move |handled: &Handled<'_>| {
        seen.lock()
            .unwrap()
            .push(format!("{handled:?} {handled:#?}"));
    });
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let notice = serde_json::to_string(&WebhookPayload::signed(
        KEY,
        "7",
        None,
        &ApplicationStatus::Approved,
        now,
        "token-1",
    ))
    .unwrap();
    assert_eq!(handler.handle(notice.as_bytes()).await, Ack::Accepted);
    let reports = reports.lock().unwrap().clone();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].contains("a-1"), "ids stay: {}", reports[0]);
    assert_hidden("the handled notice", &reports[0]);
    assert!(!reports[0].contains("Kowalski"), "{}", reports[0]);
    server.verify().await;
}
