//! Redaction under tracing. In its own test binary: a thread-local
//! subscriber must not race other tests over callsite registration.

use partner_sdk_core::{
    ClientCredentials, HmacHeaders, HmacNonceAuth, Request, RetryPolicy, SecretString, Session,
    Transport, Url,
};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "top-secret-value-42";
const TOKEN: &str = "tok-abcdef-123456";

#[derive(Debug, Deserialize, PartialEq)]
struct Thing {
    id: u32,
}

async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}),
        ))
        .expect(1)
        .mount(server)
        .await;
}

fn oauth(server: &MockServer) -> ClientCredentials {
    ClientCredentials::new(
        "demo",
        Url::parse(&format!("{}/auth/v1/token", server.uri())).unwrap(),
        "client-id",
        SecretString::from(SECRET),
    )
}

fn transport(server: &MockServer, auth: impl partner_sdk_core::Auth) -> Transport {
    Transport::builder("demo")
        .base_url(server.uri())
        .auth(auth)
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap()
}

#[tokio::test]
async fn traced_calls_and_debug_output_contain_no_secret_and_no_body() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let body_marker = "body-marker-should-not-be-logged";
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 1, "note": body_marker})),
        )
        .mount(&server)
        .await;
    let capture = partner_sdk_core::test_util::LogCapture::start();

    let auth = oauth(&server);
    let debug_auth = format!("{auth:?}");
    let t = transport(&server, auth);
    let got: Thing = t
        .send(
            Request::post("create", "/things")
                .json(&json!({"secret_field": body_marker}))
                .idempotent(true),
        )
        .await
        .unwrap();
    assert_eq!(got, Thing { id: 1 });

    let hmac = HmacNonceAuth::new(
        SecretString::from("api-key-visible?"),
        SecretString::from(SECRET),
        HmacHeaders::new(
            "x-key".parse().unwrap(),
            "x-nonce".parse().unwrap(),
            "x-sig".parse().unwrap(),
        ),
    );
    let session = Session::from_headers([("x-session-token", SECRET)]).unwrap();
    let everything = format!(
        "{debug_auth} {t:?} {hmac:?} {session:?} {:?}",
        SecretString::from(SECRET)
    );
    let logs = capture.text();
    assert!(
        logs.contains("partner_sdk.call"),
        "spans were recorded: {logs}"
    );
    for haystack in [&logs, &everything] {
        assert!(!haystack.contains(SECRET), "secret leaked: {haystack}");
        assert!(!haystack.contains(TOKEN), "token leaked: {haystack}");
        assert!(!haystack.contains(body_marker), "body leaked: {haystack}");
        assert!(
            !haystack.contains("Y2xpZW50LWlk"),
            "basic credentials leaked"
        );
    }
}
