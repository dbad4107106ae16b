//! The dashboard over HTTP: `/` shows every provider's section and what
//! each fake holds (escaped); each action does what it says and only from
//! the dashboard's own page, on a loopback `Host`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use partner_sdk_bbti::{Condition, PriceProductRequest};
use partner_sdk_brighte::checkout::{CheckoutRequest, ProductCategoryName};
use partner_sdk_sandbox::bbti::PROGRAM_ID;
use partner_sdk_sandbox::dashboard::Dashboard;
use partner_sdk_sandbox::dtone_dvs::{API_KEY, API_SECRET};
use partner_sdk_sandbox::tradein_promo::IMEI_GALAXY;
use partner_sdk_sandbox::{
    BbtiSandbox, BrighteSandbox, DtoneDvsSandbox, DtoneSandbox, Sandbox, TradeinPromoSandbox,
};
use partner_sdk_tradein_promo::PromotionRequest;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A sandbox whose simulated changes wait (time scale 1): what the tests
/// set up stays as it is until an action moves it.
async fn sandbox() -> Arc<Sandbox> {
    Arc::new(Sandbox {
        bbti: BbtiSandbox::start().await,
        brighte: BrighteSandbox::builder().time_scale(1.0).start().await,
        tradein_promo: TradeinPromoSandbox::start().await,
        dtone: DtoneSandbox::start().await,
        dtone_dvs: DtoneDvsSandbox::builder().time_scale(1.0).start().await,
    })
}

fn http() -> partner_sdk_core::reqwest::Client {
    partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .redirect(partner_sdk_core::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(url: &str) -> (u16, String) {
    let resp = http().get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Posts a form as the dashboard's own page does.
async fn act(
    dashboard: &Dashboard,
    action: &str,
    form: &str,
) -> partner_sdk_core::reqwest::Response {
    let url = dashboard.url();
    http()
        .post(format!("{url}actions/{action}"))
        .header("origin", url.trim_end_matches('/'))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .unwrap()
}

/// A Brighte application of $1009 financed (REFER, no change to come),
/// described with markup.
async fn application(sandbox: &Sandbox) -> String {
    let form = CheckoutRequest::new(
        "http://127.0.0.1:9/done",
        1009.into(),
        0.into(),
        24,
        ProductCategoryName::BatteryStorage,
        "<script>alert(1)</script>",
    )
    .reference_number("ORDER-9")
    .into_form()
    .unwrap();
    sandbox.brighte.submit_checkout(&form).await.unwrap();
    sandbox.brighte.applications()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A DVS top-up, confirmed at once, final only after 5 minutes (suffix
/// 300): pending. Its callbacks go to `callback`, when given.
async fn pending_topup(sandbox: &Sandbox, external_id: &str, callback: Option<&str>) -> u64 {
    let mut body = json!({
        "external_id": external_id,
        "product_id": 1,
        "auto_confirm": true,
        "credit_party_identifier": {"mobile_number": "+6595123300"},
    });
    if let Some(url) = callback {
        body["callback_url"] = json!(url);
    }
    let answer = http()
        .post(format!(
            "{}/async/transactions",
            sandbox.dtone_dvs.base_url()
        ))
        .basic_auth(API_KEY, Some(API_SECRET))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let created: Value = serde_json::from_slice(&answer).unwrap();
    created["id"].as_u64().unwrap()
}

async fn receiver() -> MockServer {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    receiver
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_page_shows_every_provider_and_what_each_fake_holds() {
    let sandbox = sandbox().await;
    let dashboard = Dashboard::start(Arc::clone(&sandbox)).await.unwrap();
    assert!(dashboard.url().starts_with("http://127.0.0.1:"));

    // Empty: every section is there, saying so.
    let (status, page) = get(dashboard.url()).await;
    assert_eq!(status, 200);
    for section in [
        "id=\"bbti\"",
        "id=\"brighte\"",
        "id=\"tradein-promo\"",
        "id=\"dtone\"",
        "id=\"dtone-dvs\"",
        "id=\"faults\"",
    ] {
        assert!(page.contains(section), "{section}");
    }
    assert!(page.contains("None yet."));
    assert!(page.contains("name=\"viewport\""));
    assert!(!page.contains("<script"), "no script on the page");

    // Something in each fake.
    let quote = sandbox
        .bbti
        .client()
        .price_products(
            &PriceProductRequest::new(PROGRAM_ID, "iphone-8")
                .storage_key("128gb")
                .carrier_key("simfree")
                .condition(Condition::Pass, Condition::Fail),
        )
        .await
        .unwrap();
    assert!(sandbox.bbti.set_status(
        &quote.transaction_id,
        partner_sdk_bbti::TransactionStatus::KycVerified
    ));
    let app = application(&sandbox).await;
    sandbox
        .tradein_promo
        .client()
        .get_promotion(&PromotionRequest::by_imei(IMEI_GALAXY).device_bill_code("689C"))
        .await
        .unwrap();
    let topup = pending_topup(
        &sandbox,
        "order-dash-1",
        Some("http://127.0.0.1:9/callbacks"),
    )
    .await;
    sandbox.dtone.inject_fault(
        partner_sdk_sandbox::faults::FaultRule::new(
            partner_sdk_sandbox::faults::Fault::server_error(503),
        )
        .method("POST")
        .path_contains("/transactions"),
    );

    let (_, page) = get(dashboard.url()).await;
    // BBTI: the transaction and its timeline.
    assert!(page.contains(&quote.transaction_id), "{page}");
    assert!(
        page.contains(" → ") || page.contains("UNSPECIFIED"),
        "{page}"
    );
    // Brighte: the application, escaped, and its move form.
    assert!(
        page.contains(&format!("id=\"application-{app}\"")),
        "{page}"
    );
    assert!(page.contains("ORDER-9"));
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("action=\"/actions/brighte-status\""));
    // Trade-in: the look-up, the IMEI by its last four digits only.
    assert!(page.contains(&IMEI_GALAXY[IMEI_GALAXY.len() - 4..]));
    assert!(!page.contains(IMEI_GALAXY), "{page}");
    // DVS: the pending transaction with its actions, and the balance.
    assert!(page.contains(&format!("id=\"dvs-{topup}\"")), "{page}");
    assert!(page.contains("value=\"complete\""));
    assert!(page.contains("992.7"), "{page}");
    // The fault queued on DT One GS.
    assert!(
        page.contains("HTTP 503 × 1 for POST paths containing /transactions"),
        "{page}"
    );
}

#[tokio::test]
async fn moving_a_brighte_application_sends_the_signed_webhook() {
    let sandbox = sandbox().await;
    let hooks = receiver().await;
    sandbox
        .brighte
        .register_webhook(format!("{}/hooks", hooks.uri()));
    let dashboard = Dashboard::start(Arc::clone(&sandbox)).await.unwrap();
    let app = application(&sandbox).await;
    wait_until("the REFER webhook", || {
        sandbox.brighte.webhook_deliveries().len() == 1
    })
    .await;

    let resp = act(
        &dashboard,
        "brighte-status",
        &format!("application={app}&status=APPROVED"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/#brighte");
    assert_eq!(sandbox.brighte.applications()[0]["status"], "APPROVED");
    wait_until("the APPROVED webhook", || {
        sandbox.brighte.webhook_deliveries().len() == 2
    })
    .await;
    let delivery = &sandbox.brighte.webhook_deliveries()[1];
    assert_eq!(
        (delivery.status.as_str(), delivery.response_status),
        ("APPROVED", Some(200))
    );
    // Signed as Brighte signs.
    let received = hooks.received_requests().await.unwrap();
    let notice: Value = serde_json::from_slice(&received[1].body).unwrap();
    assert_eq!(notice["status"], "APPROVED");
    assert!(
        partner_sdk_brighte::Verifier::new(partner_sdk_sandbox::brighte::PRIVATE_KEY)
            .verify(
                notice["timestamp"].as_str().unwrap(),
                notice["token"].as_str().unwrap(),
                notice["signature"].as_str().unwrap()
            )
            .is_ok()
    );
    let (_, page) = get(dashboard.url()).await;
    assert!(
        page.contains("<td class=\"status\">APPROVED</td>"),
        "{page}"
    );

    // Unknown application, unknown status.
    let resp = act(
        &dashboard,
        "brighte-status",
        "application=nope&status=APPROVED",
    )
    .await;
    assert_eq!(resp.status().as_u16(), 404);
    let resp = act(
        &dashboard,
        "brighte-status",
        &format!("application={app}&status=BOGUS"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn completing_or_declining_a_pending_dvs_transaction_calls_back() {
    let sandbox = sandbox().await;
    let callbacks = receiver().await;
    let dashboard = Dashboard::start(Arc::clone(&sandbox)).await.unwrap();
    let url = format!("{}/dvs", callbacks.uri());
    let first = pending_topup(&sandbox, "order-dash-1", Some(&url)).await;
    wait_until("the CONFIRMED callback", || {
        sandbox.dtone_dvs.callback_deliveries().len() == 1
    })
    .await;

    let resp = act(
        &dashboard,
        "dvs-settle",
        &format!("transaction={first}&outcome=complete"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/#dtone-dvs");
    wait_until("the COMPLETED callback", || {
        sandbox.dtone_dvs.callback_deliveries().len() == 2
    })
    .await;
    let delivery = &sandbox.dtone_dvs.callback_deliveries()[1];
    assert_eq!(
        (delivery.status.as_str(), delivery.response_status),
        ("COMPLETED", Some(200))
    );
    assert_eq!(
        sandbox.dtone_dvs.transactions()[0]["status"]["message"],
        "COMPLETED"
    );
    // The holding was captured.
    assert_eq!(sandbox.dtone_dvs.balance()["holding"], 0.0);
    // Final now: not pending any more.
    let again = act(
        &dashboard,
        "dvs-settle",
        &format!("transaction={first}&outcome=decline"),
    )
    .await;
    assert_eq!(again.status().as_u16(), 409);

    // Another one, declined: its holding is voided.
    let second = pending_topup(&sandbox, "order-dash-2", None).await;
    let resp = act(
        &dashboard,
        "dvs-settle",
        &format!("transaction={second}&outcome=decline"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(
        sandbox.dtone_dvs.transactions()[1]["status"]["message"],
        "DECLINED"
    );
    assert_eq!(sandbox.dtone_dvs.balance()["available"], 992.7);
}

#[tokio::test]
async fn queuing_and_clearing_a_fault() {
    let sandbox = sandbox().await;
    let dashboard = Dashboard::start(Arc::clone(&sandbox)).await.unwrap();
    let resp = act(
        &dashboard,
        "fault",
        "provider=brighte&fault=429&method=GET&path=%2Fapplications&times=2",
    )
    .await;
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/#faults");
    let faults = sandbox.brighte.state()["faults"].clone();
    assert_eq!(faults.as_array().unwrap().len(), 1, "{faults}");
    assert_eq!(faults[0]["fault"]["kind"], "rate_limited");
    assert_eq!(faults[0]["method"], "GET");
    assert_eq!(faults[0]["path_contains"], "/applications");
    assert_eq!(faults[0]["times"], 2);
    let (_, page) = get(dashboard.url()).await;
    assert!(
        page.contains("429, Retry-After 1 s × 2 for GET paths containing /applications"),
        "{page}"
    );

    // Bad forms change nothing.
    for bad in [
        "provider=nope&fault=500",
        "provider=bbti&fault=nope",
        "provider=bbti&fault=500&times=0",
        "provider=bbti&fault=500&method=TRACE",
    ] {
        assert_eq!(
            act(&dashboard, "fault", bad).await.status().as_u16(),
            400,
            "{bad}"
        );
    }
    assert_eq!(sandbox.bbti.state()["faults"], json!([]));

    let resp = act(&dashboard, "clear-faults", "provider=brighte").await;
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(sandbox.brighte.state()["faults"], json!([]));
}

#[tokio::test]
async fn only_a_loopback_host_and_the_dashboards_own_forms() {
    let sandbox = sandbox().await;
    let dashboard = Dashboard::start(Arc::clone(&sandbox)).await.unwrap();
    let url = dashboard.url().to_owned();
    let http = http();
    // A rebound DNS name: 421, for the page and for actions.
    let page = http
        .get(&url)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 421);
    let write = http
        .post(format!("{url}actions/fault"))
        .header("host", "evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("provider=bbti&fault=500")
        .send()
        .await
        .unwrap();
    assert_eq!(write.status().as_u16(), 421);
    // Another site's form: 403, by its Origin or by Sec-Fetch-Site.
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("origin", "http://127.0.0.1:1"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let resp = http
            .post(format!("{url}actions/fault"))
            .header(name, value)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("provider=bbti&fault=500")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{name}: {value}");
    }
    // Not a form: 415.
    let json_body = http
        .post(format!("{url}actions/fault"))
        .header("content-type", "application/json")
        .body(r#"{"provider":"bbti","fault":"500"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status().as_u16(), 415);
    assert_eq!(sandbox.bbti.state()["faults"], json!([]));
    // A GET does not act.
    assert_eq!(get(&format!("{url}actions/fault")).await.0, 405);
}

#[tokio::test]
async fn a_move_or_settlement_drops_the_simulated_changes_still_to_come() {
    // Brighte: $1001 financed is C.APPROV, then APPROVED after 5 minutes
    // (1.5 s here); DVS: suffix 300 is SUBMITTED after 2.5 minutes and
    // final after 5 (1.5 s and 3 s here).
    let sandbox = Arc::new(Sandbox {
        bbti: BbtiSandbox::start().await,
        brighte: BrighteSandbox::builder().time_scale(0.005).start().await,
        tradein_promo: TradeinPromoSandbox::start().await,
        dtone: DtoneSandbox::start().await,
        dtone_dvs: DtoneDvsSandbox::builder().time_scale(0.01).start().await,
    });
    let hooks = receiver().await;
    sandbox
        .brighte
        .register_webhook(format!("{}/hooks", hooks.uri()));
    let dashboard = Dashboard::start(Arc::clone(&sandbox)).await.unwrap();

    let form = CheckoutRequest::new(
        "http://127.0.0.1:9/done",
        1001.into(),
        0.into(),
        24,
        ProductCategoryName::BatteryStorage,
        "Panels",
    )
    .into_form()
    .unwrap();
    sandbox.brighte.submit_checkout(&form).await.unwrap();
    let app = sandbox.brighte.applications()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_until("the C.APPROV webhook", || {
        sandbox.brighte.webhook_deliveries().len() == 1
    })
    .await;
    let moved = act(
        &dashboard,
        "brighte-status",
        &format!("application={app}&status=DECLINED"),
    )
    .await;
    assert_eq!(moved.status().as_u16(), 303);
    let topup = pending_topup(
        &sandbox,
        "order-dash-3",
        Some(&format!("{}/dvs", hooks.uri())),
    )
    .await;
    wait_until("the CONFIRMED callback", || {
        sandbox.dtone_dvs.callback_deliveries().len() == 1
    })
    .await;
    let settled = act(
        &dashboard,
        "dvs-settle",
        &format!("transaction={topup}&outcome=complete"),
    )
    .await;
    assert_eq!(settled.status().as_u16(), 303);

    // Past both simulated changes: none of them went out.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let brighte: Vec<String> = sandbox
        .brighte
        .webhook_deliveries()
        .iter()
        .map(|d| d.status.clone())
        .collect();
    assert_eq!(brighte, ["C.APPROV", "DECLINED"]);
    assert_eq!(sandbox.brighte.applications()[0]["status"], "DECLINED");
    let dvs: Vec<String> = sandbox
        .dtone_dvs
        .callback_deliveries()
        .iter()
        .map(|d| d.status.clone())
        .collect();
    assert_eq!(dvs, ["CONFIRMED", "COMPLETED"]);
    assert_eq!(
        sandbox.dtone_dvs.transactions()[0]["status"]["message"],
        "COMPLETED"
    );
}
