//! DT One DVS benchmark section: get_transaction overhead (HTTP Basic
//! authentication, a transaction answer with its parties and prices).

use partner_sdk_core::ErrorBody;
use partner_sdk_core::reqwest::StatusCode;

use crate::Report;
use crate::support::{Canned, CannedServer};

const KEY: &str = "bench-dvs-key";
const SECRET: &str = "bench-dvs-secret";

/// get_transaction: typed SDK call vs hand-written reqwest + serde_json.
pub(crate) async fn overhead(report: &mut Report) {
    let body = include_bytes!("../../crates/dtone/tests/fixtures/dvs/transaction.json").to_vec();
    let server = CannedServer::start(vec![("/v1/transactions", Canned::json(body))]).await;
    let base = format!("{}/v1", server.url);
    let client = || {
        dtone::dvs::Client::builder()
            .base_url(&base)
            .credentials(KEY, SECRET)
            .build()
            .expect("dvs client")
    };
    let (sdk, sdk_again) = (client(), client());
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client");
    let url = format!("{base}/transactions/9000000001");
    let raw_with = |same_work: bool| {
        let (http, url) = (&http, &url);
        move || {
            let mut req = http.get(url).basic_auth(KEY, Some(SECRET));
            if same_work {
                req = req.timeout(partner_sdk_core::defaults::DEFAULT_TIMEOUT);
            }
            async move {
                let bytes = req.send().await.expect("send").bytes().await.expect("body");
                if same_work {
                    let hidden = ErrorBody::error_in_success(
                        &dtone::dvs::DvsErrorBody,
                        StatusCode::OK,
                        &bytes,
                    );
                    assert!(hidden.is_none());
                }
                let tx: dtone::dvs::Transaction = serde_json::from_slice(&bytes).expect("decode");
                assert_eq!(tx.id, 9_000_000_001);
            }
        }
    };
    let typed = || async {
        let tx = sdk.get_transaction(9_000_000_001).await.expect("sdk call");
        assert_eq!(tx.id, 9_000_000_001);
    };
    let typed_again = || async {
        let tx = sdk_again
            .get_transaction(9_000_000_001)
            .await
            .expect("sdk call");
        assert_eq!(tx.id, 9_000_000_001);
    };
    crate::overhead_rows(report, "DVS get_transaction", typed, typed_again, raw_with).await;
}
