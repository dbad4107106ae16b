//! Brighte benchmark section: get application overhead.

use serde::Deserialize;

use partner_sdk_core::ErrorBody;
use partner_sdk_core::reqwest::StatusCode;

use crate::Report;
use crate::support::{Canned, CannedServer};

const API_ID: &str = "bench-id";
const API_SECRET: &str = "bench-secret";
const SESSION_PREFIX: &str = "/rest/vendor/v1/session";
const APPLICATIONS_PREFIX: &str = "/rest/vendor/v1/applications";

/// The envelope a hand-written client decodes the answer into.
#[derive(Deserialize)]
struct Envelope {
    application: brighte::Application,
}

/// The seed's get-application answer with its `Application POD`
/// placeholder filled in following `pod_application.txt` and
/// `pod_applicant.txt` (two applicants, values as Brighte sends them).
pub(crate) fn application_body() -> Vec<u8> {
    let pod = serde_json::json!({
        "id": "100234",
        "applicants": [
            {"id": "A1", "name": "Jane Citizen", "email": "jane@example.com", "mobile": "0411222333", "dob": "1980-02-29", "joint_applicant": 0},
            {"id": "A2", "name": "John Citizen", "email": "john@example.com", "mobile": "0411222444", "dob": "1979-01-01", "joint_applicant": 1}
        ],
        "team_member": "Sam Seller",
        "financed_amount": "6249.88",
        "repayment_term": 24,
        "product_category": "Battery Storage",
        "product_description": "Powerwall Home Battery",
        "status": "C.APPROV",
        "created": "2016-08-08T06:54:36+00:00"
    });
    let sample = include_str!("../../fixtures/brighte/application_get_response.json");
    let filled = sample.replace("\"Application POD\"", &pod.to_string());
    // Keep the bytes as the seed lays them out, but make sure they are JSON.
    serde_json::from_str::<serde_json::Value>(&filled).expect("filled sample is JSON");
    filled.into_bytes()
}

fn session() -> (String, String) {
    let s: serde_json::Value = serde_json::from_str(include_str!(
        "../../fixtures/brighte/session_create_response.json"
    ))
    .expect("session json");
    (
        s["sessionKey"].as_str().expect("sessionKey").to_owned(),
        s["sessionToken"].as_str().expect("sessionToken").to_owned(),
    )
}

fn check(app: &brighte::Application) {
    assert_eq!(app.id, "100234");
    assert_eq!(app.applicants.len(), 2);
}

/// get application: typed SDK call (session from its cache) vs hand-written
/// reqwest + serde_json sending the session headers itself.
pub(crate) async fn overhead(report: &mut Report) {
    let server = CannedServer::start(vec![
        (
            SESSION_PREFIX,
            Canned::json(
                include_bytes!("../../fixtures/brighte/session_create_response.json").to_vec(),
            ),
        ),
        (APPLICATIONS_PREFIX, Canned::json(application_body())),
    ])
    .await;
    let client = || {
        brighte::Client::builder()
            .base_url(&server.url)
            .vendor_path_prefix("/rest/vendor/v1")
            .credentials(API_ID, API_SECRET)
            .build()
            .expect("brighte client")
    };
    let (sdk, sdk_again) = (client(), client());
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client");
    let url = format!("{}{APPLICATIONS_PREFIX}/100234", server.url);
    let (key, token) = session();
    let raw_with = |same_work: bool| {
        let (http, url, key, token) = (&http, &url, &key, &token);
        move || {
            let mut req = http
                .get(url)
                .header("x-session-key", key)
                .header("x-session-token", token)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::CONTENT_TYPE, "application/json");
            if same_work {
                req = req.timeout(partner_sdk_core::defaults::DEFAULT_TIMEOUT);
            }
            async move {
                let bytes = req.send().await.expect("send").bytes().await.expect("body");
                if same_work {
                    let hidden = ErrorBody::error_in_success(
                        &brighte::BrighteErrorBody,
                        StatusCode::OK,
                        &bytes,
                    );
                    assert!(hidden.is_none());
                }
                let e: Envelope = serde_json::from_slice(&bytes).expect("decode");
                check(&e.application);
            }
        }
    };
    let typed = || async {
        let app = sdk.get_application("100234").await.expect("sdk call");
        check(&app);
    };
    let typed_again = || async {
        let app = sdk_again.get_application("100234").await.expect("sdk call");
        check(&app);
    };
    let name = "Brighte get application";
    if crate::overhead_rows(report, name, typed, typed_again, raw_with).await {
        assert_eq!(server.count(SESSION_PREFIX), 2, "one session per client");
    }
}
