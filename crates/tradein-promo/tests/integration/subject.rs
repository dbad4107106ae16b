//! The trade-in promotion API as the shared suites' subject: an OAuth2
//! client (its token endpoint a full URL, with a scope) whose one call, the
//! promotion look-up, is a read; it creates nothing.

use partner_sdk_test_kit::{Auth, Call, ErrorAnswer, Settings};
use partner_sdk_tradein_promo::{Client, Error, ErrorCode};

use crate::common::{
    API_PATH, CLIENT_ID, CLIENT_SECRET, OFFER, SCOPE, TOKEN, TOKEN_PATH, scenario1,
};

/// The trade-in promotion client under test.
pub(crate) struct Promo;

impl partner_sdk_test_kit::Subject for Promo {
    partner_sdk_test_kit::provider_subject!(Client, Error, ErrorCode);

    const PROVIDER: &'static str = "tradein-promo";
    const CREDENTIALS: (&'static str, &'static str) = (CLIENT_ID, CLIENT_SECRET);
    const AUTH: Auth = Auth::Token {
        path: TOKEN_PATH,
        token: TOKEN,
        lifetime: 1799,
    };
    const SENT_HEADERS: &'static [(&'static str, &'static str)] = &[
        ("authorization", "Bearer promo-access-token-value"),
        ("appname", "shop"),
    ];
    const PROTECTED_HEADERS: &'static [&'static str] = &["AppName"];
    const ERROR: ErrorAnswer = ErrorAnswer {
        body: r#"{"code":"ERR503","reason":"Service Unavailable","message":"promotion engine down","status":"503"}"#,
        code: "ERR503",
        message: "promotion engine down",
    };
    const CODE: ErrorCode = ErrorCode::ServiceUnavailable;

    fn build(api: &str, auth: &str, settings: &Settings) -> Client {
        let builder = Client::builder()
            .base_url(format!("{api}/omni-svcs"))
            .token_url(format!("{auth}{TOKEN_PATH}"))
            .credentials(CLIENT_ID, CLIENT_SECRET)
            .scope(SCOPE)
            .app_name("shop");
        partner_sdk_test_kit::with_settings!(builder, settings, token)
            .build()
            .unwrap()
    }

    fn read() -> Call<Self> {
        Call::new("get_promotion", "POST", API_PATH, |c: &Client| {
            Box::pin(async move {
                assert!(c.get_promotion(&scenario1()).await?.is_eligible());
                Ok(())
            })
        })
        .template("/v1/promotions/potential-promotions")
        .answer(OFFER)
    }
}
