//! The DVS callback receiver fed by the DVS sandbox: a transaction created
//! there with a plain POST (the client creates nothing yet) calls back at
//! each status change, with DT One's resends; the receiver, on a loopback
//! axum server, hands the closure the transaction fetched from the sandbox,
//! once per status.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use partner_sdk::dtone::dvs::{self, StatusClass, callback::CallbackHandler};
use sandbox::dtone_dvs::{API_KEY, API_SECRET, DtoneDvsSandbox};
use serde_json::json;

#[tokio::test]
async fn sandbox_callbacks_reach_the_closure_once_per_status_as_fetched() {
    let sb = DtoneDvsSandbox::start().await;
    let client = dvs::Client::builder()
        .base_url(sb.base_url())
        .credentials(API_KEY, API_SECRET)
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::<(i64, StatusClass)>::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let (recorded, counted) = (Arc::clone(&seen), Arc::clone(&calls));
    let handler = CallbackHandler::new(client, move |tx| {
        let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
        let recorded = Arc::clone(&recorded);
        async move {
            if first {
                // The first call fails: the sandbox resends, as DT One does.
                return Err(std::io::Error::other("not ready"));
            }
            recorded.lock().unwrap().push((tx.id, tx.status_class()));
            Ok(())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback_url = format!("http://{}/dvs/callbacks", listener.local_addr().unwrap());
    let app = handler.router("/dvs/callbacks");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let created = partner_sdk::core::exchange::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .post(format!("{}/async/transactions", sb.base_url()))
        .basic_auth(API_KEY, Some(API_SECRET))
        .json(&json!({
            "external_id": "dvs-callback-1",
            "product_id": 1,
            "auto_confirm": true,
            "callback_url": callback_url,
            "credit_party_identifier": {"mobile_number": "+6595123100"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();

    // Until every status the sandbox announced, COMPLETED among them, was
    // answered 200 in the end (the failed first one resent).
    let settled = |announced: &[sandbox::dtone_dvs::CallbackDelivery]| {
        announced.iter().any(|d| d.status == "COMPLETED")
            && announced.iter().all(|d| {
                announced
                    .iter()
                    .any(|a| a.status == d.status && a.response_status == Some(200))
            })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !settled(&sb.callback_deliveries()) {
        let announced = sb.callback_deliveries();
        assert!(Instant::now() < deadline, "{announced:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let announced = sb.callback_deliveries();
    assert!(announced.iter().any(|d| d.response_status == Some(503)));
    let seen = seen.lock().unwrap().clone();
    // The closure saw fetched statuses of this transaction, each once, the
    // last one final.
    assert!(seen.iter().all(|(tx, _)| *tx == id), "{seen:?}");
    for (i, (_, class)) in seen.iter().enumerate() {
        assert!(!seen[..i].iter().any(|(_, c)| c == class), "{seen:?}");
    }
    assert_eq!(seen.last().map(|s| &s.1), Some(&StatusClass::Completed));
    server.abort();
}
