//! BBTI benchmark sections: list_prices overhead and the cold-client burst.

use std::time::{Duration, Instant};

use futures::StreamExt as _;

use crate::support::{Canned, CannedServer, median};
use partner_sdk_core::ErrorBody;
use partner_sdk_core::reqwest::StatusCode;

use crate::{Report, show};

const CLIENT_ID: &str = "bench-client";
const CLIENT_SECRET: &str = "bench-secret";
const TOKEN_PREFIX: &str = "/auth/v1/token";
const PRICES_PREFIX: &str = "/v1/prices";
/// Calls in flight in the cold-client burst.
const BURST: usize = 256;
/// Fresh clients measured in the cold-client section.
const COLD_TRIALS: usize = 31;

/// The access token of the token fixture, as the baseline sends it.
fn fixture_token() -> String {
    let token: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/bbti/token.json")).expect("token json");
    token["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

async fn server() -> CannedServer {
    CannedServer::start(vec![
        (
            TOKEN_PREFIX,
            Canned::json(include_bytes!("../../fixtures/bbti/token.json").to_vec()),
        ),
        (
            PRICES_PREFIX,
            Canned::json(include_bytes!("../../fixtures/bbti/list_prices.json").to_vec()),
        ),
    ])
    .await
}

fn client(server: &CannedServer) -> bbti::Client {
    bbti::Client::builder()
        .base_url(&server.url)
        .token_url(format!("{}/auth/v1/token", &server.url))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .expect("bbti client")
}

fn query() -> bbti::PriceQuery {
    bbti::PriceQuery::new()
        .manufacturer("apple")
        .model_key("iphone-8")
}

fn check(page: &bbti::Page<bbti::ModelPrice, String>) {
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].prices.len(), 2);
}

/// list_prices: typed SDK call (token from its cache) vs hand-written
/// reqwest + serde_json with a bearer token fetched beforehand.
pub(crate) async fn overhead(report: &mut Report) {
    let server = server().await;
    let sdk = client(&server);
    let sdk_again = client(&server);
    let q = query();
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client");
    let url = format!(
        "{}/v1/prices?manufacturers=apple&modelKey=iphone-8",
        server.url
    );
    let bearer = format!("Bearer {}", fixture_token());
    let raw_with = |same_work: bool| {
        let (http, url, bearer) = (&http, &url, &bearer);
        move || {
            let mut req = http
                .get(url)
                .header(reqwest::header::AUTHORIZATION, bearer)
                .header(reqwest::header::ACCEPT, "application/json");
            if same_work {
                req = req.timeout(partner_sdk_core::defaults::DEFAULT_TIMEOUT);
            }
            async move {
                let bytes = req.send().await.expect("send").bytes().await.expect("body");
                if same_work {
                    let hidden =
                        ErrorBody::error_in_success(&bbti::BbtiErrorBody, StatusCode::OK, &bytes);
                    assert!(hidden.is_none());
                }
                let page = bbti::catalogue::decode_prices_page(&bytes).expect("decode");
                check(&page);
            }
        }
    };
    let typed = || async {
        let page = sdk.list_prices(&q).await.expect("sdk call");
        check(&page);
    };
    let typed_again = || async {
        let page = sdk_again.list_prices(&q).await.expect("sdk call");
        check(&page);
    };
    if crate::overhead_rows(report, "BBTI list_prices", typed, typed_again, raw_with).await {
        assert_eq!(server.count(TOKEN_PREFIX), 2, "one token per client");
    }
}

/// Times of one burst of `BURST` concurrent calls: first completed call and
/// last completed call, from the moment the burst starts.
async fn burst(client: &bbti::Client, q: &bbti::PriceQuery) -> (Duration, Duration) {
    let started = Instant::now();
    let mut calls = (0..BURST)
        .map(|_| async {
            let page = client.list_prices(q).await.expect("sdk call");
            check(&page);
        })
        .collect::<futures::stream::FuturesUnordered<_>>();
    let mut first = None;
    while calls.next().await.is_some() {
        first.get_or_insert_with(|| started.elapsed());
    }
    (first.expect("at least one call"), started.elapsed())
}

/// A fresh client (no token, no connections) fires 256 calls at once:
/// how many token requests reach the server, and how long until the first
/// and the last call complete, against the same client once warm.
pub(crate) async fn cold_start(report: &mut Report) {
    let server = server().await;
    let q = query();
    let mut tokens = Vec::with_capacity(COLD_TRIALS);
    let (mut cold_first, mut cold_all) = (Vec::new(), Vec::new());
    let (mut warm_first, mut warm_all) = (Vec::new(), Vec::new());
    for _ in 0..COLD_TRIALS {
        server.reset();
        let client = client(&server);
        let (first, all) = burst(&client, &q).await;
        tokens.push(server.count(TOKEN_PREFIX));
        cold_first.push(first);
        cold_all.push(all);
        // The same client again: token cached, connections pooled.
        let (first, all) = burst(&client, &q).await;
        warm_first.push(first);
        warm_all.push(all);
        assert_eq!(server.count(PRICES_PREFIX), 2 * BURST as u64);
    }
    // One call alone: a fresh client's first call (token request, TCP
    // connect, call) against its second call.
    let (mut cold_one, mut warm_one) = (Vec::new(), Vec::new());
    for _ in 0..COLD_TRIALS {
        let client = client(&server);
        for times in [&mut cold_one, &mut warm_one] {
            let started = Instant::now();
            check(&client.list_prices(&q).await.expect("sdk call"));
            times.push(started.elapsed());
        }
    }
    let max_tokens = tokens.iter().copied().max().unwrap_or(0);
    let min_tokens = tokens.iter().copied().min().unwrap_or(0);
    report.note(
        &format!("2. BBTI cold client, {BURST} concurrent calls: token requests (per client, {COLD_TRIALS} clients)"),
        if min_tokens == max_tokens {
            format!("{max_tokens}")
        } else {
            format!("{min_tokens}–{max_tokens}")
        },
        "—".into(),
        "—".into(),
        "1",
    );
    let (cf, wf) = (median(cold_first), median(warm_first));
    report.note(
        &format!(
            "2. BBTI {BURST} concurrent calls: first call completed, cold vs warm client (median)"
        ),
        show(cf),
        show(wf),
        format!("{:.2}×", crate::support::ratio(cf, wf)),
        "report",
    );
    let (co, wo) = (median(cold_one), median(warm_one));
    report.note(
        "2. BBTI one call alone: cold vs warm client (median)",
        show(co),
        show(wo),
        format!("{:.2}×", crate::support::ratio(co, wo)),
        "report",
    );
    let (ca, wa) = (median(cold_all), median(warm_all));
    report.note(
        &format!("2. BBTI {BURST} concurrent calls: all completed, cold vs warm client (median)"),
        show(ca),
        show(wa),
        format!("{:.2}×", crate::support::ratio(ca, wa)),
        "report",
    );
}
