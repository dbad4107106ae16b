//! What keeps a web page from driving the sandbox, seen from outside: the
//! admin API's `Host`, `Origin` and content-type checks over raw HTTP,
//! loopback-only webhook URLs, and the timeouts of deliveries and of
//! `AdminClient`.

use std::time::{Duration, Instant};

use partner_sdk_brighte::checkout::{CheckoutRequest, ProductCategoryName};
use partner_sdk_sandbox::admin::{AdminClient, AdminError, WebhookUrlError};
use partner_sdk_sandbox::brighte::BrighteSandbox;
use partner_sdk_sandbox::{DtoneSandbox, Sandbox};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Sends one HTTP/1.1 request with exactly these headers to the server of
/// `base` (`http://127.0.0.1:port`, any path) and returns the status and
/// body.
async fn raw(
    base: &str,
    request_line: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let base = url::Url::parse(base).unwrap();
    let addr = (
        base.host_str().unwrap().to_owned(),
        base.port_or_known_default().unwrap(),
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut text = format!("{request_line} HTTP/1.1\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn port_of(base: &str) -> u16 {
    url::Url::parse(base).unwrap().port().unwrap()
}

#[tokio::test]
async fn the_admin_api_refuses_a_foreign_host_and_answers_loopback_ones() {
    let sandbox = DtoneSandbox::start().await;
    let base = sandbox.base_url();
    let port = port_of(&base);
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("0.0.0.0:{port}"),
    ] {
        let (status, body) = raw(&base, "GET /__sandbox/state", &[("Host", &host)], "").await;
        assert_eq!(status, 421, "{host}: {body}");
        let message: Value = serde_json::from_str(&body).unwrap();
        assert!(
            message["message"]
                .as_str()
                .unwrap()
                .contains("loopback Host"),
            "{body}"
        );
    }
    // Two Host headers, one loopback: refused.
    let (status, _) = raw(
        &base,
        "GET /__sandbox/state",
        &[("Host", "127.0.0.1"), ("Host", "evil.example")],
        "",
    )
    .await;
    assert_eq!(status, 421);
    // An absolute request target naming another host: refused.
    let (status, _) = raw(
        &base,
        "GET http://evil.example/__sandbox/state",
        &[("Host", "127.0.0.1")],
        "",
    )
    .await;
    assert_eq!(status, 421);
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_owned(),
    ] {
        let (status, body) = raw(&base, "GET /__sandbox/state", &[("Host", &host)], "").await;
        assert_eq!(status, 200, "{host}: {body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["provider"],
            "dtone"
        );
    }
    // The provider's API takes any Host: a client may name loopback as it likes.
    let (status, body) = raw(
        &base,
        "GET /v1/services",
        &[("Host", "sandbox.test"), ("Authorization", "Basic eDp5")],
        "",
    )
    .await;
    assert_ne!(status, 421, "{body}");
    // The in-process client of the admin API still works.
    let admin = AdminClient::new(&base).unwrap();
    assert_eq!(admin.state().await.unwrap()["provider"], "dtone");
}

#[tokio::test]
async fn a_cross_site_origin_is_refused_and_a_loopback_one_accepted() {
    let sandbox = Sandbox::start().await;
    let base = sandbox.brighte.base_url();
    let port = port_of(&base);
    let host = format!("127.0.0.1:{port}");
    let rule = r#"{"fault": {"kind": "server_error", "status": 503}}"#;
    for origin in [
        "https://evil.example",
        "null",
        "http://localhost.evil.example:3000",
    ] {
        let headers = [
            ("Host", host.as_str()),
            ("Origin", origin),
            ("Content-Type", "application/json"),
        ];
        let (status, body) = raw(&base, "GET /__sandbox/state", &headers, "").await;
        assert_eq!(status, 403, "{origin}: {body}");
        assert!(body.contains("cross-site request refused"), "{body}");
        let (status, _) = raw(&base, "POST /__sandbox/faults", &headers, rule).await;
        assert_eq!(status, 403, "{origin}");
        let (status, _) = raw(&base, "DELETE /__sandbox/faults", &headers, "").await;
        assert_eq!(status, 403, "{origin}");
    }
    assert!(
        sandbox.brighte.state()["faults"]
            .as_array()
            .unwrap()
            .is_empty(),
        "no refused write was applied"
    );
    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]",
    ] {
        let headers = [
            ("Host", host.as_str()),
            ("Origin", origin),
            ("Content-Type", "application/json"),
        ];
        let (status, body) = raw(&base, "POST /__sandbox/faults", &headers, rule).await;
        assert_eq!(status, 201, "{origin}: {body}");
    }
    sandbox.brighte.clear_faults();

    // The fake provider APIs refuse a foreign Origin too; clients send none.
    for fake in [
        sandbox.bbti.base_url(),
        sandbox.brighte.base_url(),
        sandbox.tradein_promo.base_url(),
        sandbox.dtone.base_url(),
    ] {
        let (status, body) = raw(
            &fake,
            "POST /any/path",
            &[("Host", "127.0.0.1"), ("Origin", "https://evil.example")],
            "{}",
        )
        .await;
        assert_eq!(status, 403, "{fake}: {body}");
    }
    assert!(
        !sandbox
            .dtone_client()
            .list_products_by_operator(1959)
            .await
            .unwrap()
            .is_empty()
    );
    // Brighte's checkout page is posted to from the merchant's site.
    let form = CheckoutRequest::new(
        "https://shop.example/done",
        1005.into(),
        0.into(),
        24,
        ProductCategoryName::BatteryStorage,
        "Powerwall",
    )
    .into_form()
    .unwrap();
    let (status, body) = raw(
        &base,
        &format!(
            "POST /checkout?key={}",
            partner_sdk_sandbox::brighte::PUBLIC_KEY
        ),
        &[
            ("Host", "127.0.0.1"),
            ("Origin", "https://shop.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form.to_urlencoded(),
    )
    .await;
    assert_eq!(status, 302, "{body}");
}

#[tokio::test]
async fn a_write_without_a_json_body_is_refused() {
    let sandbox = DtoneSandbox::start().await;
    let base = sandbox.base_url();
    let rule = r#"{"fault": {"kind": "server_error", "status": 503}}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        None,
    ] {
        let mut headers = vec![("Host", "127.0.0.1")];
        if let Some(content_type) = content_type {
            headers.push(("Content-Type", content_type));
        }
        let (status, body) = raw(&base, "POST /__sandbox/faults", &headers, rule).await;
        assert_eq!(status, 415, "{content_type:?}: {body}");
    }
    let (status, _) = raw(
        &base,
        "DELETE /__sandbox/faults",
        &[("Host", "127.0.0.1"), ("Content-Type", "text/plain")],
        "x",
    )
    .await;
    assert_eq!(status, 415);
    assert!(sandbox.state()["faults"].as_array().unwrap().is_empty());
    let (status, body) = raw(
        &base,
        "POST /__sandbox/faults",
        &[
            ("Host", "127.0.0.1"),
            ("Content-Type", "Application/JSON; charset=utf-8"),
        ],
        rule,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // A DELETE without a body needs no content type.
    let (status, _) = raw(
        &base,
        "DELETE /__sandbox/faults",
        &[("Host", "127.0.0.1")],
        "",
    )
    .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn a_remote_webhook_url_is_refused_unless_allowed() {
    let sandbox = BrighteSandbox::start().await;
    let admin = AdminClient::new(&sandbox.base_url()).unwrap();
    for remote in [
        "https://hooks.example/brighte",
        "http://10.0.0.1/hooks",
        "http://0.0.0.0:3000/",
        "http://user:hunter2@hooks.example/",
    ] {
        match admin.set_webhook_url(Some(remote)).await {
            Err(AdminError::Refused { status: 403, body }) => {
                assert!(body.contains("--allow-remote-webhooks"), "{body}");
                assert!(!body.contains("hunter2"), "{body}");
            }
            other => panic!("{remote}: {other:?}"),
        }
        let refused = sandbox.try_register_webhook(remote).unwrap_err();
        assert!(matches!(refused, WebhookUrlError::Remote(_)), "{refused}");
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
    }
    assert!(matches!(
        admin.set_webhook_url(Some("ftp://127.0.0.1/")).await,
        Err(AdminError::Refused { status: 400, .. })
    ));
    assert_eq!(sandbox.state()["webhook_url"], Value::Null);
    for local in [
        "http://127.0.0.1:3000/hooks",
        "http://localhost:3000/hooks",
        "http://[::1]:3000/hooks",
    ] {
        admin.set_webhook_url(Some(local)).await.unwrap();
        sandbox.try_register_webhook(local).unwrap();
        assert_eq!(sandbox.state()["webhook_url"], local);
    }
    admin.set_webhook_url(None).await.unwrap();

    // Allowed: registered (and nothing is sent anywhere by this test).
    let open = BrighteSandbox::builder()
        .allow_remote_webhooks(true)
        .start()
        .await;
    let admin = AdminClient::new(&open.base_url()).unwrap();
    admin
        .set_webhook_url(Some("https://hooks.example/brighte"))
        .await
        .unwrap();
    open.try_register_webhook("https://hooks.example/other")
        .unwrap();
    assert_eq!(open.state()["webhook_url"], "https://hooks.example/other");
}

fn declined_checkout() -> partner_sdk_brighte::checkout::CheckoutForm {
    CheckoutRequest::new(
        "https://shop.example/done",
        1005.into(),
        0.into(),
        24,
        ProductCategoryName::BatteryStorage,
        "Powerwall",
    )
    .into_form()
    .unwrap()
}

#[tokio::test]
async fn a_remote_url_given_to_the_builder_is_never_contacted() {
    let sandbox = BrighteSandbox::builder()
        .time_scale(0.0)
        .webhook_url("https://hooks.example/brighte")
        .start()
        .await;
    sandbox.submit_checkout(&declined_checkout()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sandbox.webhook_deliveries().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let deliveries = sandbox.webhook_deliveries();
    assert_eq!(deliveries.len(), 1, "no resends of a refused URL");
    assert_eq!(deliveries[0].response_status, None);
    let error = deliveries[0].error.as_deref().unwrap();
    assert!(
        error.contains("not delivered") && error.contains("not a loopback URL"),
        "{error}"
    );
}

/// A loopback peer that accepts connections and never answers.
async fn silent_peer() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (url, task)
}

#[tokio::test]
async fn a_delivery_to_a_peer_that_never_answers_ends_within_the_timeout() {
    let (peer, task) = silent_peer().await;
    let timeout = Duration::from_millis(300);
    let sandbox = BrighteSandbox::builder()
        .time_scale(0.0)
        .webhook_timeout(timeout)
        .webhook_url(format!("{peer}/hooks"))
        .start()
        .await;
    let started = Instant::now();
    sandbox.submit_checkout(&declined_checkout()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while sandbox.webhook_deliveries().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deliveries = sandbox.webhook_deliveries();
    assert!(
        deliveries.len() >= 2,
        "resent after a timeout: {deliveries:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(deliveries[0].response_status, None);
    let error = deliveries[0].error.as_deref().unwrap();
    assert!(error.contains("no answer within"), "{error}");
    task.abort();
}

#[tokio::test]
async fn an_admin_call_to_a_peer_that_never_answers_ends_within_the_timeout() {
    let (peer, task) = silent_peer().await;
    let timeout = Duration::from_millis(300);
    let admin = AdminClient::new(&peer).unwrap().timeout(timeout);
    let started = Instant::now();
    match admin.state().await {
        Err(AdminError::TimedOut { after, .. }) => assert_eq!(after, timeout),
        other => panic!("{other:?}"),
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= timeout && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    assert!(matches!(
        admin.clear_faults().await,
        Err(AdminError::TimedOut { .. })
    ));
    // Errors name the URL without its user info.
    let with_password = peer.replacen("http://", "http://admin:hunter2@", 1);
    let err = AdminClient::new(&with_password)
        .unwrap()
        .timeout(timeout)
        .state()
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    task.abort();
}

#[tokio::test]
async fn a_triggered_notice_to_a_peer_that_never_answers_ends_within_the_timeout() {
    use partner_sdk_brighte::ApplicationStatus;
    use partner_sdk_sandbox::trigger::{BrighteNotice, Redelivery, deliver};
    let (peer, task) = silent_peer().await;
    let notice = BrighteNotice::signed("100001", &ApplicationStatus::Approved).build();
    let started = Instant::now();
    let attempts = deliver(
        &peer,
        &notice,
        Redelivery::none().timeout(Duration::from_millis(300)),
        |_| {},
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, None);
    assert!(
        attempts[0]
            .error
            .as_deref()
            .unwrap()
            .contains("no answer within"),
        "{attempts:?}"
    );
    task.abort();
}
