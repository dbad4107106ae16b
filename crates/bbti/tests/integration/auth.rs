//! OAuth2 client credentials: one token for many calls, a new one after
//! expiry or a 401, token errors as `Error::Auth`.

use crate::common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{CLIENT_ID, CLIENT_SECRET, MANUFACTURERS, Servers, UNAUTHENTICATED, basic, bearer};
use partner_sdk_bbti::ManufacturerQuery;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn manufacturers() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(MANUFACTURERS, "application/json")
}

#[tokio::test]
async fn one_token_for_many_concurrent_calls() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(manufacturers())
        .expect(20)
        .mount(&s.api)
        .await;
    let c = s.client();
    let calls = (0..20).map(|_| {
        let c = c.clone();
        async move { c.list_manufacturers(&ManufacturerQuery::new()).await }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
}

/// Issues `tok-1`, `tok-2`, ... with the given `expires_in`.
struct Issuer {
    n: AtomicU32,
    expires_in: Option<u64>,
}

impl Respond for Issuer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.n.fetch_add(1, Ordering::SeqCst) + 1;
        let mut body =
            serde_json::json!({"access_token": format!("tok-{n}"), "token_type": "bearer"});
        if let Some(e) = self.expires_in {
            body["expires_in"] = e.into();
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn issuing(expires_in: Option<u64>, expect: u64) -> (MockServer, MockServer) {
    let auth = MockServer::start().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(header("authorization", basic().as_str()))
        .respond_with(Issuer {
            n: AtomicU32::new(0),
            expires_in,
        })
        .expect(expect)
        .mount(&auth)
        .await;
    (auth, api)
}

fn client(auth: &MockServer, api: &MockServer) -> partner_sdk_bbti::Client {
    partner_sdk_bbti::Client::builder()
        .base_url(api.uri())
        .token_url(format!("{}/auth/v1/token", auth.uri()))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_new_token_is_fetched_after_expiry() {
    // expires_in 1 s: the refresh margin (at most half the lifetime) makes
    // the token stale after 0.5 s.
    let (auth, api) = issuing(Some(1), 2).await;
    for tok in ["tok-1", "tok-2"] {
        Mock::given(method("GET"))
            .and(path("/v1/manufacturers"))
            .and(header("authorization", format!("Bearer {tok}").as_str()))
            .respond_with(manufacturers())
            .expect(2)
            .mount(&api)
            .await;
    }
    let c = client(&auth, &api);
    let q = ManufacturerQuery::new();
    c.list_manufacturers(&q).await.unwrap();
    c.list_manufacturers(&q).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    c.list_manufacturers(&q).await.unwrap();
    c.list_manufacturers(&q).await.unwrap();
}

#[tokio::test]
async fn missing_expires_in_uses_the_default_lifetime() {
    let (auth, api) = issuing(None, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(manufacturers())
        .expect(3)
        .mount(&api)
        .await;
    let c = client(&auth, &api);
    for _ in 0..3 {
        c.list_manufacturers(&ManufacturerQuery::new())
            .await
            .unwrap();
    }
    assert_eq!(
        partner_sdk_bbti::DEFAULT_TOKEN_LIFETIME,
        Duration::from_secs(3600)
    );
}

#[tokio::test]
async fn a_401_fetches_a_new_token_and_retries_once() {
    let (auth, api) = issuing(Some(3600), 2).await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(UNAUTHENTICATED, "application/json"))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(manufacturers())
        .expect(1)
        .mount(&api)
        .await;
    client(&auth, &api)
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_refused_token_request_is_an_auth_error() {
    let auth = MockServer::start().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "invalid_client"})),
        )
        .expect(1)
        .mount(&auth)
        .await;
    Mock::given(method("GET"))
        .respond_with(manufacturers())
        .expect(0)
        .mount(&api)
        .await;
    let e = client(&auth, &api)
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            partner_sdk_bbti::Error::Http(partner_sdk_core::Error::Auth(_))
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_token_url_with_a_path_is_used_as_given() {
    let auth = MockServer::start().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gateway/auth/v1/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "x", "expires_in": "3600"})),
        )
        .expect(1)
        .mount(&auth)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(manufacturers())
        .mount(&api)
        .await;
    partner_sdk_bbti::Client::builder()
        .base_url(api.uri())
        .token_url(format!("{}/gateway/auth/v1/token", auth.uri()))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap()
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
}
