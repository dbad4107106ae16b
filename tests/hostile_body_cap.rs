//! A 1 GiB answer, served lazily (never allocated by the server), against
//! every provider's public client with the default 32 MiB cap: the call ends
//! with `Error::ResponseTooLarge` and the process's peak resident memory
//! (`VmHWM`, reset before each call) stays far below the answer's size.
//!
//! A test binary of its own, with one test, so that nothing else runs in
//! the process while the peak is measured.

use std::future::Future;
use std::time::Duration;

use partner_sdk::{bbti, brighte, dtone, tradein_promo};
use partner_sdk_test_kit::{RawServer, Reply, peak_rss, reset_peak_rss};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;
/// Far below 1 GiB: the 32 MiB cap, its buffer growth and the test's own use.
const CEILING: u64 = 160 * MIB;

fn stream(content_length: Option<u64>) -> Reply {
    Reply::Stream {
        status: 200,
        content_length,
        total: GIB,
    }
}

fn token() -> Reply {
    Reply::json(200, r#"{"access_token":"t","expires_in":3600}"#)
}

/// Runs `call` with the peak reset first; returns the peak seen meanwhile.
async fn peak_during<F: Future<Output = partner_sdk::core::Error>>(name: &str, call: F) -> u64 {
    assert!(reset_peak_rss(), "cannot reset VmHWM");
    let err = call.await;
    let peak = peak_rss().expect("VmHWM");
    assert!(
        matches!(
            err,
            partner_sdk::core::Error::ResponseTooLarge(ref e) if e.limit == 33_554_432
        ),
        "{name}: {err:?}"
    );
    eprintln!("{name}: peak RSS {} MiB", peak / MIB);
    assert!(peak < CEILING, "{name}: peak RSS {} MiB", peak / MIB);
    peak
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_answer_never_grows_the_process_beyond_the_cap() {
    if peak_rss().is_none() {
        eprintln!("no /proc/self/status: skipped");
        return;
    }
    let timeout = Duration::from_secs(120);
    for content_length in [None, Some(GIB)] {
        let framing = if content_length.is_some() {
            "content-length"
        } else {
            "chunked"
        };

        let auth = RawServer::start(|_, _| token()).await;
        let api = RawServer::start(move |_, _| stream(content_length)).await;
        let c = bbti::Client::builder()
            .base_url(api.uri())
            .token_url(format!("{}/auth/v1/token", auth.uri()))
            .credentials("id", "secret")
            .timeout(timeout)
            .build()
            .unwrap();
        peak_during(&format!("bbti ({framing})"), async {
            match c.list_prices(&bbti::PriceQuery::new()).await.unwrap_err() {
                bbti::Error::Http(e) => e,
                other => panic!("{other:?}"),
            }
        })
        .await;
        assert_eq!(api.requests().len(), 1);

        let api = RawServer::start(move |r, _| {
            if r.path().ends_with("/session") {
                Reply::json(
                    200,
                    r#"{"status":2000,"sessionKey":"k","sessionToken":"t"}"#,
                )
            } else {
                stream(content_length)
            }
        })
        .await;
        let c = brighte::Client::builder()
            .base_url(api.uri())
            .credentials("id", "secret")
            .timeout(timeout)
            .build()
            .unwrap();
        peak_during(&format!("brighte ({framing})"), async {
            c.list_accounts()
                .await
                .unwrap_err()
                .as_core()
                .unwrap()
                .clone()
        })
        .await;
        assert_eq!(api.requests().len(), 2, "login and one call");

        let api = RawServer::start(move |_, _| stream(content_length)).await;
        let c = dtone::Client::builder()
            .base_url(format!("{}/v1.1", api.uri()))
            .credentials("key", "secret")
            .timeout(timeout)
            .build()
            .unwrap();
        peak_during(&format!("dtone ({framing})"), async {
            c.ping().await.unwrap_err().as_core().unwrap().clone()
        })
        .await;
        assert_eq!(api.requests().len(), 1);

        let auth = RawServer::start(|_, _| token()).await;
        let api = RawServer::start(move |_, _| stream(content_length)).await;
        let c = tradein_promo::Client::builder()
            .base_url(format!("{}/omni-svcs", api.uri()))
            .token_url(format!("{}/token", auth.uri()))
            .credentials("id", "secret")
            .scope("scope")
            .timeout(timeout)
            .build()
            .unwrap();
        let request = tradein_promo::PromotionRequest::by_imei("12345789")
            .device_bill_code("689C")
            .flow_type(tradein_promo::FlowType::Upgrade)
            .answer(tradein_promo::ConditionName::AttGeneric, true)
            .answer(tradein_promo::ConditionName::LcdFunctionality, true)
            .answer(tradein_promo::ConditionName::PowerOn, true)
            .answer(tradein_promo::ConditionName::Deactivated, true);
        peak_during(&format!("tradein-promo ({framing})"), async {
            c.get_promotion(&request)
                .await
                .unwrap_err()
                .as_core()
                .unwrap()
                .clone()
        })
        .await;
        assert_eq!(api.requests().len(), 1);
    }
}
