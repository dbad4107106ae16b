//! Brighte's hosted checkout page, as a browser sees it: the form posted
//! with `Accept: text/html`, the purchase shown, each of the four
//! choices ending in the signed redirect and the matching webhook.

use std::time::{Duration, Instant};

use partner_sdk_brighte::checkout::{self, CheckoutRequest, ProductCategoryName};
use partner_sdk_brighte::{ApplicationStatus, Verifier};
use partner_sdk_sandbox::brighte::{BrighteSandbox, PRIVATE_KEY};
use rust_decimal::Decimal;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn form(description: &str) -> checkout::CheckoutForm {
    // 7001 financed would be C.APPROV then APPROVED by the amount rule: the
    // page's choice wins over it.
    CheckoutRequest::new(
        "http://127.0.0.1:9/done?order=7",
        Decimal::from(7001),
        Decimal::ZERO,
        24,
        ProductCategoryName::BatteryStorage,
        description,
    )
    .reference_number("ORDER-7")
    .into_form()
    .unwrap()
}

fn http() -> partner_sdk_core::reqwest::Client {
    partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .redirect(partner_sdk_core::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Posts `body` as a browser would; the status and the page.
async fn post_page(sb: &BrighteSandbox, body: String) -> (u16, String) {
    let resp = http()
        .post(sb.checkout_url())
        .header("accept", BROWSER_ACCEPT)
        .header("origin", "http://127.0.0.1:9")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ctype.starts_with("text/html"), "{ctype}");
    (status, resp.text().await.unwrap())
}

/// The hidden checkout id of the page.
fn checkout_id(page: &str) -> String {
    let at = page.find("name=\"checkout\" value=\"").unwrap() + 23;
    page[at..].split('"').next().unwrap().to_owned()
}

/// Posts a decision from the page; the answer.
async fn decide(
    sb: &BrighteSandbox,
    id: &str,
    decision: &str,
) -> partner_sdk_core::reqwest::Response {
    http()
        .post(format!("{}/checkout/decide", sb.base_url()))
        .header("accept", BROWSER_ACCEPT)
        .header("origin", sb.base_url())
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("checkout={id}&decision={decision}"))
        .send()
        .await
        .unwrap()
}

async fn wait_for_deliveries(sb: &BrighteSandbox, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while sb.webhook_deliveries().len() < n {
        assert!(Instant::now() < deadline, "{:?}", sb.webhook_deliveries());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_page_shows_the_purchase_escaped_and_the_four_choices() {
    let sb = BrighteSandbox::start().await;
    let (status, page) = post_page(&sb, form("Battery <b>\"big\"</b> & co").to_urlencoded()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Battery &#60;b&#62;&#34;big&#34;&#60;/b&#62; &#38; co"),
        "{page}"
    );
    assert!(!page.contains("<b>\"big\""), "{page}");
    for shown in [
        "7001",
        "24 months",
        "ORDER-7",
        "Battery Storage",
        "http://127.0.0.1:9",
    ] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    for choice in ["approve", "refer", "decline", "cancel"] {
        assert!(
            page.contains(&format!("value=\"{choice}\"")),
            "{choice}: {page}"
        );
    }
    assert!(page.contains("action=\"/checkout/decide\""), "{page}");
    // Nothing is submitted until the customer decides.
    assert!(sb.applications().is_empty());
}

#[tokio::test]
async fn each_choice_redirects_signed_and_its_webhook_follows() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let sb = BrighteSandbox::start().await;
    sb.register_webhook(format!("{}/hooks", receiver.uri()));
    let client = sb.client();
    let cases = [
        ("approve", ApplicationStatus::Approved),
        ("refer", ApplicationStatus::Refer),
        ("decline", ApplicationStatus::Declined),
        ("cancel", ApplicationStatus::Withdraw),
    ];
    for (n, (choice, status)) in cases.iter().enumerate() {
        let (_, page) = post_page(&sb, form("Powerwall").to_urlencoded()).await;
        let id = checkout_id(&page);
        let resp = decide(&sb, &id, choice).await;
        assert_eq!(resp.status().as_u16(), 302, "{choice}");
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with("http://127.0.0.1:9/done?order=7&error_code=10000&"),
            "{location}"
        );
        // The triple verifies and the application is fetched as decided.
        let app = checkout::confirm(&client, &Verifier::new(PRIVATE_KEY), &location)
            .await
            .unwrap();
        assert_eq!(app.status.as_ref(), Some(status), "{choice}");
        assert_eq!(app.reference_number.as_deref(), Some("ORDER-7"));
        // Its one webhook, of that status, answered 200.
        wait_for_deliveries(&sb, n + 1).await;
        let delivery = &sb.webhook_deliveries()[n];
        assert_eq!(delivery.application_id, app.id);
        assert_eq!(delivery.status, status.as_str());
        assert_eq!(delivery.response_status, Some(200));
        // A checkout is decided once.
        let again = decide(&sb, &id, "approve").await;
        assert_eq!(again.status().as_u16(), 404);
        assert!(again.text().await.unwrap().contains("not open"));
    }
    // The signed notices reached the receiver.
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 4);
}

#[tokio::test]
async fn a_tampered_form_is_an_error_page_and_nothing_is_submitted() {
    let sb = BrighteSandbox::start().await;
    let body = form("Powerwall")
        .to_urlencoded()
        .replace("total_purchase_amount=7001", "total_purchase_amount=1");
    let (status, page) = post_page(&sb, body).await;
    assert_eq!(status, 400);
    assert!(page.contains("Invalid checksum."), "{page}");
    assert!(!page.contains("name=\"checkout\""), "{page}");
    // A wrong public key is an error page too.
    let resp = http()
        .post(format!("{}/checkout?key=wrong", sb.base_url()))
        .header("accept", BROWSER_ACCEPT)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form("Powerwall").to_urlencoded())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.text().await.unwrap().contains("Invalid API key"));
    assert!(sb.applications().is_empty());
}

#[tokio::test]
async fn a_decision_from_another_site_or_without_a_choice_is_refused() {
    let sb = BrighteSandbox::start().await;
    let (_, page) = post_page(&sb, form("Powerwall").to_urlencoded()).await;
    let id = checkout_id(&page);
    let cross = http()
        .post(format!("{}/checkout/decide", sb.base_url()))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("checkout={id}&decision=approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);
    let foreign = http()
        .post(format!("{}/checkout/decide", sb.base_url()))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("checkout={id}&decision=approve"))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
    let none = decide(&sb, &id, "maybe").await;
    assert_eq!(none.status().as_u16(), 400);
    // The checkout is still open: the refusals decided nothing.
    assert!(sb.applications().is_empty());
    assert_eq!(decide(&sb, &id, "approve").await.status().as_u16(), 302);
    assert_eq!(sb.applications().len(), 1);
}
