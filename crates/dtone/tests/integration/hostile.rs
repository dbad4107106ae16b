//! Hostile and broken servers through the public DT One client: each case
//! ends in a typed error (or a clamped value), with the requests made
//! asserted, and never a panic, a followed redirect, an unbounded read, a
//! reused nonce or a voucher PIN in an error.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use partner_sdk_core::ReconcileKey;
use partner_sdk_dtone::{Category, Client, Error, RetryPolicy, TransactionRequest};
use partner_sdk_test_kit::{RawServer, Reply, count_method as count};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "hostile-key-5521";
const SECRET: &str = "hostile-secret-Qw81";
const PIN: &str = "PIN-77331-SECRET";
const CREATE_PATH: &str = "/v1.1/transactions/fixed_value_vouchers";

fn client_for(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1.1"))
        .credentials(KEY, SECRET)
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(50)),
        )
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn voucher_request(external_id: &str) -> TransactionRequest {
    TransactionRequest::new("+50212345678", 64, external_id)
}

fn transaction_json(external_id: &str, date: &str) -> serde_json::Value {
    json!({
        "transaction_id": "9001", "status": "0", "date": date,
        "external_id": external_id, "account_number": "+50212345678", "product_id": 64,
        "voucher": {"pin": PIN, "pin2": PIN, "value": "10"}
    })
}

fn core(e: &Error) -> &partner_sdk_core::Error {
    e.as_core().unwrap()
}

fn assert_no_pin(e: &Error) {
    let text = format!("{e} {e:?}");
    assert!(!text.contains("77331"), "{text}");
}

// 1. Absurd numbers ---------------------------------------------------------

#[tokio::test]
async fn absurd_retry_after_and_absurd_numbers_are_typed() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.1/ping"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551616"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1.1/transactions/fixed_value_vouchers/ext-big"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "transaction_id": 1e300, "status": "0", "product_id": u64::MAX,
        })))
        .expect(1)
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let err = c.ping().await.unwrap_err();
    assert_eq!(
        err.api().and_then(|a| a.retry_after()),
        Some(partner_sdk_core::defaults::MAX_RETRY_AFTER)
    );
    let err = c
        .get_transaction_by_external_id(Category::FixedValueVouchers, "big")
        .await
        .unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Decode(d) if d.path() == "product_id"),
        "{err:?}"
    );
    server.verify().await;
}

// 2. Dates at the calendar edge ------------------------------------------------

#[tokio::test]
async fn an_edge_date_in_a_201_is_created_answer_unreadable_and_reconciled() {
    let server = MockServer::start().await;
    let body = transaction_json("edge-1", "9999-12-31T23:59:59-01:00");
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_json(&body))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_vouchers/ext-edge-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .expect(1)
        .mount(&server)
        .await;
    let c = client_for(&server.uri());

    let err = c
        .create_transaction(Category::FixedValueVouchers, &voucher_request("edge-1"))
        .await
        .unwrap_err();
    match core(&err) {
        partner_sdk_core::Error::AnswerUnreadable(e) => {
            assert_eq!(e.status.as_u16(), 201);
            assert_eq!(e.key, Some(ReconcileKey::new("external_id", "edge-1")));
            assert!(e.cause.contains("`date`"), "{}", e.cause);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "edge-1"))
    );
    assert_no_pin(&err);

    // create_or_resolve looks it up instead of creating again; the look-up
    // cannot read the date either, so the original error stands.
    let err = c
        .create_or_resolve(Category::FixedValueVouchers, &voucher_request("edge-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::AnswerUnreadable(_)),
        "{err:?}"
    );
    assert_no_pin(&err);
    assert_eq!(
        (count(&server, "POST").await, count(&server, "GET").await),
        (2, 1)
    );
    server.verify().await;
}

#[tokio::test]
async fn edge_dates_in_a_lookup_decode_or_are_decode_errors() {
    // Out of range after conversion to UTC, or not in the calendar: typed.
    let refused = [
        "9999-12-31T23:59:59-01:00",
        "2023-02-30 10:00:00",
        "2024-13-01 10:00:00",
        "2024-01-01T25:00:00Z",
        "2024-01-00 10:00:00",
    ];
    // At the edge but real: decoded.
    let accepted = [
        ("0000-01-01T00:00:00+01:00", -1),
        ("0000-01-01 00:00:00", 0),
        ("9999-12-31T23:59:59+01:00", 9999),
        ("9999-12-31 23:59:59", 9999),
    ];
    let cases = refused
        .iter()
        .map(|d| (*d, None))
        .chain(accepted.iter().map(|(d, y)| (*d, Some(*y))));
    for (date, year) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(transaction_json("d-1", date)))
            .expect(1)
            .mount(&server)
            .await;
        let result = client_for(&server.uri())
            .get_transaction_by_external_id(Category::FixedValueVouchers, "d-1")
            .await;
        match (result, year) {
            (Ok(tx), Some(year)) => assert_eq!(tx.date.map(|d| d.year()), Some(year), "{date}"),
            (Err(err), None) => {
                assert!(
                    matches!(core(&err), partner_sdk_core::Error::Decode(d) if d.path() == "date"),
                    "{date}: {err:?}"
                );
                assert_no_pin(&err);
            }
            (other, _) => panic!("{date}: {other:?}"),
        }
        server.verify().await;
    }
}

// 3. Control characters in every id parameter ---------------------------------

const BAD_IDS: [&str; 8] = [
    "..\t", ".\t.", "\t..", "..\r\n", "a\nb", "x\u{7f}", "\u{0}", "id\u{1b}",
];

#[tokio::test]
async fn control_characters_in_ids_are_refused_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let c = client_for(&server.uri());
    for bad in BAD_IDS {
        let invalid = |e: &Error, field: &str| {
            assert!(
                matches!(core(e), partner_sdk_core::Error::InvalidInput(e) if e.field == field),
                "{bad:?}: {e:?}"
            );
        };
        invalid(
            &c.verify_account_number(64, bad).await.unwrap_err(),
            "account_number",
        );
        for category in Category::ALL {
            invalid(
                &c.get_transaction_by_external_id(category, bad)
                    .await
                    .unwrap_err(),
                "external_id",
            );
            invalid(
                &c.resolve_outcome(category, bad).await.unwrap_err(),
                "external_id",
            );
        }
        let create = voucher_request(bad);
        invalid(
            &c.create_transaction(Category::FixedValueVouchers, &create)
                .await
                .unwrap_err(),
            "external_id",
        );
        invalid(
            &c.create_or_resolve(Category::FixedValueVouchers, &create)
                .await
                .unwrap_err(),
            "external_id",
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

// 4. Redirects ---------------------------------------------------------------

#[tokio::test]
async fn a_redirect_is_refused_and_the_signed_headers_never_reach_the_other_host() {
    let elsewhere = MockServer::start().await;
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/grab?key={KEY}", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let ping = c.ping().await.unwrap_err();
    let create = c
        .create_transaction(Category::FixedValueVouchers, &voucher_request("r-1"))
        .await
        .unwrap_err();
    for e in [&ping, &create] {
        match core(e) {
            partner_sdk_core::Error::Redirect(e) => {
                assert_eq!(e.status.as_u16(), 307);
                assert_eq!(
                    e.location.as_deref(),
                    Some(format!("{}/grab", elsewhere.uri()).as_str())
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(!e.to_string().contains(KEY), "{e}");
    }
    assert_eq!(
        (count(&server, "GET").await, count(&server, "POST").await),
        (1, 1)
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

// 5. Bounded memory --------------------------------------------------------------

#[tokio::test]
async fn a_1_gib_answer_is_cut_at_the_configured_cap() {
    for content_length in [Some(1u64 << 30), None] {
        let server = RawServer::start(move |_, _| Reply::Stream {
            status: 201,
            content_length,
            total: 1 << 30,
        })
        .await;
        let c = Client::builder()
            .base_url(format!("{}/v1.1", server.uri()))
            .credentials(KEY, SECRET)
            .max_response_body(1024 * 1024)
            .build()
            .unwrap();
        let get = c.ping().await.unwrap_err();
        assert!(
            matches!(
                core(&get),
                partner_sdk_core::Error::ResponseTooLarge(e) if e.limit == 1_048_576
            ),
            "{get:?}"
        );
        // A create that was accepted but is too large to read is reconciled.
        let post = c
            .create_transaction(Category::FixedValueVouchers, &voucher_request("big-1"))
            .await
            .unwrap_err();
        assert!(
            matches!(core(&post), partner_sdk_core::Error::AnswerUnreadable(_)),
            "{post:?}"
        );
        assert_eq!(
            post.outcome_unknown_key(),
            Some(&ReconcileKey::new("external_id", "big-1"))
        );
        let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "POST"], "nothing retried");
    }
}

// 7. Nonces unique across clients sharing a key ------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_key_never_send_the_same_nonce() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.1/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "up"})))
        .expect(400)
        .mount(&server)
        .await;
    let replica = |name: &str| {
        Client::builder()
            .base_url(format!("{}/v1.1", server.uri()))
            .credentials(KEY, SECRET)
            .user_agent_suffix(name.to_owned())
            .build()
            .unwrap()
    };
    let tasks: Vec<_> = [replica("replica-a"), replica("replica-b")]
        .into_iter()
        .map(|c| {
            tokio::spawn(async move {
                for _ in 0..200 {
                    c.ping().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 400);
    let mut per_client: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut all = HashSet::new();
    for r in &received {
        let nonce = r.headers["x-transferto-nonce"].to_str().unwrap();
        assert_eq!(nonce.len(), 19, "{nonce}");
        assert_eq!(
            r.headers["x-transferto-hmac"].to_str().unwrap(),
            partner_sdk_dtone::hmac_signature(KEY, SECRET, nonce)
        );
        all.insert(nonce.to_owned());
        let agent = r.headers["user-agent"].to_str().unwrap().to_owned();
        per_client
            .entry(agent)
            .or_default()
            .push(nonce.parse().unwrap());
    }
    assert_eq!(all.len(), 400, "zero collisions");
    assert_eq!(per_client.len(), 2);
    for nonces in per_client.values() {
        assert!(
            nonces.windows(2).all(|w| w[0] < w[1]),
            "strictly increasing per client"
        );
    }
}

// 9. Nothing personal in errors; a 201 that does not decode -------------------

#[tokio::test]
async fn a_201_that_does_not_decode_keeps_pins_out_and_create_or_resolve_reconciles() {
    let server = MockServer::start().await;
    let mut broken = transaction_json("ok-1", "2024-01-01 10:00:00");
    broken["local_value"] = json!({"not": "a number"});
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_json(&broken))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_vouchers/ext-ok-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(transaction_json("ok-1", "2024-01-01 10:00:00")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client_for(&server.uri());
    let err = c
        .create_transaction(Category::FixedValueVouchers, &voucher_request("ok-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::AnswerUnreadable(e) if e.cause.contains("local_value")),
        "{err:?}"
    );
    assert_no_pin(&err);
    let tx = c
        .create_or_resolve(Category::FixedValueVouchers, &voucher_request("ok-1"))
        .await
        .unwrap();
    assert_eq!(tx.external_id, "ok-1");
    assert_eq!(tx.voucher.as_ref().and_then(|v| v.pin()), Some(PIN));
    assert_eq!(
        (count(&server, "POST").await, count(&server, "GET").await),
        (2, 1)
    );
    server.verify().await;
}

#[tokio::test]
async fn transport_errors_do_not_carry_the_msisdn() {
    let c = client_for("http://127.0.0.1:9");
    let err = c
        .verify_account_number(64, "+61400999888")
        .await
        .unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Transport(e)
            if e.path == "/products/{product_id}/account_number/{account_number}/status"),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("61400999888"), "{text}");
}
