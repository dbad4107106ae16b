//! The checkout URL and the HTML form escape what they are given. The
//! checks on the provider's verbatim checkout samples are in the
//! workspace's `tests/brighte/`.

use crate::common::d;
use partner_sdk_brighte::checkout::{self, CheckoutRequest, ProductCategoryName};

#[test]
fn checkout_url_and_html_form_are_escaped() {
    let url = checkout::checkout_url("https://portal.brighte.com.au", "YOUR_API_KEY").unwrap();
    assert_eq!(
        url.as_str(),
        "https://portal.brighte.com.au/checkout?key=YOUR_API_KEY"
    );
    let form = CheckoutRequest::new(
        "https://shop.example/done?a=1&b=\"2\"",
        d("10"),
        d("0"),
        6,
        ProductCategoryName::Plumbing,
        "<script>alert('x')</script>",
    )
    .into_form()
    .unwrap();
    let html = form.to_html(&url, "Buy now with Brighte");
    assert!(html.contains("action=\"https://portal.brighte.com.au/checkout?key=YOUR_API_KEY\""));
    assert!(
        html.contains("value=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"https://shop.example/done?a=1&amp;b=&quot;2&quot;\""),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert!(
        form.to_urlencoded()
            .starts_with("redirect=https%3A%2F%2Fshop.example")
    );
}

mod redirects {
    //! A checkout redirect gets old (the default age bound), cannot come
    //! from the future beyond the clock skew, and can be held to the
    //! checkout it answers: each refusal is typed and fetches nothing. On
    //! the independent signature vector (`KEY`, `TS`, `TOKEN`, `SIG`).

    use std::time::Duration;

    use partner_sdk_brighte::checkout::{self, ExpectedCheckout};
    use partner_sdk_brighte::signing::{DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE};
    use partner_sdk_brighte::webhook::Ack;
    use partner_sdk_brighte::{Error, NoticeError, Verifier};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use crate::common::{KEY, SIG, TOKEN, TS, at, client_for, mount_session};

    const SIGNED: u64 = 946_684_800;

    /// Brighte's redirect back for application 77, signed on the vector.
    fn redirect() -> String {
        format!(
            "https://shop.example/done?error_code=10000&transaction_id=77&timestamp={TS}&token={TOKEN}&signature={SIG}"
        )
    }

    /// A Brighte whose application 77 carries reference `ORDER-1`,
    /// fetched exactly `fetches` times.
    async fn brighte(fetches: u64) -> MockServer {
        let server = MockServer::start().await;
        mount_session(&server, fetches.min(1)).await;
        Mock::given(method("GET"))
            .and(path("/rest/vendor/v1/applications/77"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "status": 2000,
                "application": {"id": "77", "status": "APPROVED", "reference_number": "ORDER-1"}
            })))
            .expect(fetches)
            .mount(&server)
            .await;
        server
    }

    fn notice_error(error: Error) -> NoticeError {
        match error {
            Error::Notice(e) => *e,
            other => panic!("not a notice error: {other:?}"),
        }
    }

    #[test]
    fn the_defaults_are_minutes() {
        assert_eq!(DEFAULT_MAX_AGE, Duration::from_secs(600));
        assert_eq!(DEFAULT_CLOCK_SKEW, Duration::from_secs(60));
    }

    #[tokio::test]
    async fn a_redirect_older_than_the_default_bound_is_refused_before_any_fetch() {
        let server = brighte(1).await;
        let client = client_for(&server);
        let verifier = Verifier::new(KEY);
        let fresh = checkout::confirm_at(&client, &verifier, &redirect(), at(SIGNED + 9 * 60))
            .await
            .unwrap();
        assert_eq!(fresh.id, "77");
        let old = checkout::confirm_at(&client, &verifier, &redirect(), at(SIGNED + 11 * 60))
            .await
            .unwrap_err();
        assert_eq!(Ack::for_error(&old), Ack::Unauthenticated);
        let text = old.to_string();
        assert_eq!(
            notice_error(old),
            NoticeError::TooOld {
                age: Duration::from_secs(660),
                max_age: DEFAULT_MAX_AGE,
            }
        );
        assert!(
            text.contains("660 s ago") && text.contains("600 s"),
            "{text}"
        );
        // So does verifying without fetching.
        let unverified = checkout::verify_redirect_at(&verifier, &redirect(), at(SIGNED + 3600));
        assert!(matches!(
            unverified.map(|_| ()).map_err(notice_error),
            Err(NoticeError::TooOld { .. })
        ));
        server.verify().await;
    }

    #[tokio::test]
    async fn the_age_bound_is_configurable() {
        let server = brighte(1).await;
        let client = client_for(&server);
        let patient = Verifier::new(KEY).max_age(Duration::from_secs(3600));
        checkout::confirm_at(&client, &patient, &redirect(), at(SIGNED + 30 * 60))
            .await
            .unwrap();
        let strict = Verifier::new(KEY).max_age(Duration::from_secs(60));
        let old = checkout::confirm_at(&client, &strict, &redirect(), at(SIGNED + 61))
            .await
            .unwrap_err();
        assert!(matches!(notice_error(old), NoticeError::TooOld { .. }));
        server.verify().await;
    }

    #[tokio::test]
    async fn a_redirect_from_the_future_beyond_the_skew_is_refused_before_any_fetch() {
        let server = brighte(1).await;
        let client = client_for(&server);
        let verifier = Verifier::new(KEY);
        // A clock 30 s behind Brighte's is within the skew.
        checkout::confirm_at(&client, &verifier, &redirect(), at(SIGNED - 30))
            .await
            .unwrap();
        let ahead = checkout::confirm_at(&client, &verifier, &redirect(), at(SIGNED - 120))
            .await
            .unwrap_err();
        assert_eq!(Ack::for_error(&ahead), Ack::Unauthenticated);
        assert_eq!(
            notice_error(ahead),
            NoticeError::FromTheFuture {
                ahead: Duration::from_secs(120),
                skew: DEFAULT_CLOCK_SKEW,
            }
        );
        server.verify().await;
    }

    #[tokio::test]
    async fn a_redirect_for_another_application_is_refused_before_any_fetch() {
        let server = brighte(1).await;
        let client = client_for(&server);
        let verifier = Verifier::new(KEY);
        let now = at(SIGNED + 5);
        let other = ExpectedCheckout::new().application_id("78");
        let err = checkout::confirm_expecting_at(&client, &verifier, &redirect(), &other, now)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert_eq!(notice_error(err), NoticeError::OtherApplication);
        assert!(!text.contains("77") && !text.contains("78"), "{text}");
        let ours = ExpectedCheckout::new().application_id("77");
        let app = checkout::confirm_expecting_at(&client, &verifier, &redirect(), &ours, now)
            .await
            .unwrap();
        assert_eq!(app.id, "77");
        server.verify().await;
    }

    #[tokio::test]
    async fn a_redirect_for_another_reference_returns_no_application() {
        let server = brighte(2).await;
        let client = client_for(&server);
        let verifier = Verifier::new(KEY);
        let now = at(SIGNED + 5);
        let other = ExpectedCheckout::new().reference_number("ORDER-2");
        let err = checkout::confirm_expecting_at(&client, &verifier, &redirect(), &other, now)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert_eq!(notice_error(err), NoticeError::OtherReference);
        assert!(
            !text.contains("ORDER-1") && !text.contains("ORDER-2"),
            "{text}"
        );
        let ours = ExpectedCheckout::new()
            .application_id("77")
            .reference_number("ORDER-1");
        let app = checkout::confirm_expecting_at(&client, &verifier, &redirect(), &ours, now)
            .await
            .unwrap();
        assert_eq!(app.reference_number.as_deref(), Some("ORDER-1"));
        server.verify().await;
    }

    #[tokio::test]
    async fn a_forged_redirect_is_a_signature_error_whatever_its_age() {
        let server = brighte(0).await;
        let client = client_for(&server);
        let forged = redirect().replace(SIG, &"0".repeat(64));
        for now in [at(SIGNED), at(SIGNED + 3600), at(SIGNED - 3600)] {
            let err = checkout::confirm_at(&client, &Verifier::new(KEY), &forged, now)
                .await
                .unwrap_err();
            assert!(
                matches!(err.as_core(), Some(partner_sdk_core::Error::Signature(_))),
                "{err:?}"
            );
        }
        server.verify().await;
    }
}
