//! Cassettes: each provider's flow recorded through the proxy with the
//! sandbox as upstream, the file searched for every credential and
//! personal value, then replayed with the sandbox stopped for the same
//! results; a changed request is a mismatch naming the closest recorded
//! one; a stale or other provider's cassette is refused.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use partner_sdk_sandbox::cassette::{
    CassetteError, MISMATCH_STATUS, Provider, REDACTED, Recorder, Replayer,
};
use serde_json::Value;

/// A cassette path in a fresh temporary directory.
fn cassette_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "partner-sdk-cassette-{}-{}",
        std::process::id(),
        name
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.json"))
}

/// Names whose every value in a cassette must be [`REDACTED`].
const CREDENTIAL_NAMES: &[&str] = &[
    "authorization",
    "x-transferto-apikey",
    "x-transferto-nonce",
    "x-transferto-hmac",
    "x-session-key",
    "x-session-token",
    "access_token",
    "refresh_token",
    "sessionKey",
    "sessionToken",
    "apiId",
    "apiSecret",
    "client_secret",
];

fn assert_credentials_redacted(value: &Value, failures: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if CREDENTIAL_NAMES.contains(&key.as_str()) && child != REDACTED {
                    failures.push(format!("{key} = {child}"));
                }
                assert_credentials_redacted(child, failures);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| assert_credentials_redacted(v, failures)),
        _ => {}
    }
}

/// The cassette holds none of `secrets` and every credential field or
/// header is redacted.
fn assert_clean(path: &Path, secrets: &[&str]) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let found: Vec<&&str> = secrets.iter().filter(|s| text.contains(**s)).collect();
    assert!(found.is_empty(), "{found:?} in the cassette:\n{text}");
    let cassette: Value = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    assert_credentials_redacted(&cassette, &mut failures);
    assert!(failures.is_empty(), "{failures:?}");
    assert!(
        !cassette["interactions"].as_array().unwrap().is_empty(),
        "{text}"
    );
    cassette
}

fn seen<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

mod dtone {
    use super::*;
    use partner_sdk_dtone::{Category, Decimal, TransactionRequest};
    use partner_sdk_sandbox::dtone::{API_KEY, API_SECRET, DtoneSandbox};

    pub(super) const PHONE: &str = "+61412345678";
    pub(super) const ORDER: &str = "cassette-order-1";

    pub(super) fn client(base_url: &str) -> partner_sdk_dtone::Client {
        partner_sdk_dtone::Client::builder()
            .base_url(base_url)
            .credentials(API_KEY, API_SECRET)
            .build()
            .unwrap()
    }

    pub(super) async fn flow(base_url: &str) -> Vec<String> {
        let c = client(base_url);
        let request = TransactionRequest::new(PHONE, 315, ORDER)
            .simulation(true)
            .local_value(Decimal::from_str("19").unwrap());
        let tx = c
            .create_transaction(Category::VariableValueRecharges, &request)
            .await
            .unwrap();
        let found = c
            .get_transaction_by_external_id(Category::VariableValueRecharges, ORDER)
            .await
            .unwrap();
        assert_eq!(found, tx);
        assert_eq!(tx.account_number, PHONE);
        vec![
            format!("{tx:?}"),
            tx.account_number.clone(),
            format!("{found:?}"),
        ]
    }

    /// Records the flow into a new cassette; the results and the path.
    pub(super) async fn record(name: &str) -> (Vec<String>, PathBuf) {
        let sandbox = DtoneSandbox::start().await;
        let recorder = Recorder::start(Provider::Dtone, &sandbox.base_url())
            .await
            .unwrap();
        let results = flow(&recorder.base_url()).await;
        let path = cassette_path(name);
        recorder.finish(&path).await.unwrap();
        drop(sandbox);
        (results, path)
    }

    #[tokio::test]
    async fn recorded_replayed_and_clean() {
        let (recorded, path) = record("dtone").await;
        let cassette = assert_clean(
            &path,
            &[API_KEY, API_SECRET, PHONE, PHONE.trim_start_matches('+')],
        );
        assert_eq!(cassette["provider"], "dtone");
        assert_eq!(cassette["base_path"], "/v1.1");
        assert_eq!(
            cassette["sdk_version"],
            partner_sdk_sandbox::cassette::SDK_VERSION
        );

        let replayer = Replayer::start_for(Provider::Dtone, &path).await.unwrap();
        assert_eq!(flow(&replayer.base_url()).await, recorded);
        replayer.finish().await.unwrap();
    }

    #[tokio::test]
    async fn a_changed_request_is_a_mismatch_naming_the_closest() {
        let (_, path) = record("dtone-mismatch").await;
        let replayer = Replayer::start(&path).await.unwrap();
        let c = client(&replayer.base_url());
        let err = c
            .get_transaction_by_external_id(Category::VariableValueRecharges, "cassette-order-2")
            .await
            .unwrap_err();
        assert_eq!(
            err.status().map(|s| s.as_u16()),
            Some(MISMATCH_STATUS),
            "{err}"
        );
        let mismatches = replayer.mismatches().await;
        assert_eq!(mismatches.len(), 1);
        let m = &mismatches[0];
        assert!(m.request.starts_with("GET /v1.1/"), "{m}");
        let closest = m.closest.as_deref().unwrap();
        assert!(closest.contains(ORDER), "{m}");
        assert!(
            m.differences.iter().any(|d| d.contains("cassette-order-2")),
            "{m}"
        );
        match replayer.finish().await {
            Err(CassetteError::Mismatches(found)) => assert_eq!(found, mismatches),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn stale_and_other_provider_cassettes_are_refused() {
        let (_, path) = record("dtone-stale").await;
        match Replayer::start_for(Provider::Bbti, &path).await {
            Err(CassetteError::OtherProvider {
                recorded, expected, ..
            }) => assert_eq!((recorded, expected), (Provider::Dtone, Provider::Bbti)),
            other => panic!("{other:?}"),
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cassette: Value = serde_json::from_str(&text).unwrap();
        cassette["sdk_version"] = Value::from("0.0.1");
        std::fs::write(&path, cassette.to_string()).unwrap();
        match Replayer::start(&path).await {
            Err(CassetteError::Stale { recorded, .. }) => assert_eq!(recorded, "0.0.1"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn record_missing_answers_what_it_holds_and_records_the_rest() {
        let (_, path) = record("dtone-missing").await;
        let before = partner_sdk_sandbox::cassette::Cassette::load(&path)
            .unwrap()
            .interactions
            .len();
        let sandbox = DtoneSandbox::start().await;
        let recorder = Recorder::record_missing(Provider::Dtone, &path, &sandbox.base_url())
            .await
            .unwrap();
        let c = client(&recorder.base_url());
        // Held: answered from the cassette, so the fresh sandbox (which has
        // no such transaction) is not asked.
        c.get_transaction_by_external_id(Category::VariableValueRecharges, ORDER)
            .await
            .unwrap();
        assert_eq!(sandbox.transaction_count(), 0);
        // Missing: forwarded and added.
        let err = c
            .get_transaction_by_external_id(Category::VariableValueRecharges, "cassette-order-3")
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
        let cassette = recorder.finish(&path).await.unwrap();
        assert_eq!(cassette.interactions.len(), before + 1);
    }
}

mod bbti {
    use super::*;
    use partner_sdk_bbti::{
        Condition, Date, KycRequest, PickupTime, PriceProductRequest, RegisterDeliveryRequest,
    };
    use partner_sdk_sandbox::bbti::{BbtiSandbox, CLIENT_ID, CLIENT_SECRET, PROGRAM_ID};

    const EMAIL: &str = "hanako.sato@example.jp";
    const PHONE: &str = "0398765432";
    const ADDRESS: &str = "丸の内2-7-3";

    fn client(sandbox: &BbtiSandbox, base_url: &str) -> partner_sdk_bbti::Client {
        let token_url = sandbox
            .token_url()
            .replacen(&sandbox.base_url(), base_url, 1);
        sandbox
            .client_builder()
            .base_url(base_url)
            .token_url(token_url)
            .build()
            .unwrap()
    }

    /// The flow's results and the eKYC link (an answer's own personal
    /// value: a placeholder on replay).
    async fn flow(c: &partner_sdk_bbti::Client) -> (Vec<String>, String) {
        let quote = c
            .price_products(
                &PriceProductRequest::new(PROGRAM_ID, "iphone-8")
                    .storage_key("128gb")
                    .carrier_key("simfree")
                    .condition(Condition::Pass, Condition::Fail)
                    .submission_id("cassette-77"),
            )
            .await
            .unwrap();
        let mut results = vec![seen(&quote)];
        let kyc = KycRequest {
            transaction_id: quote.transaction_id.clone(),
            email: EMAIL.into(),
            last_name: "佐藤".into(),
            first_name: "花子".into(),
            last_name_kana: Some("サトウ".into()),
            first_name_kana: Some("ハナコ".into()),
            date_of_birth: Date::new(1985, 12, 24),
            zip: "1000005".into(),
            state: "東京都".into(),
            city: "千代田区".into(),
            address: ADDRESS.into(),
            occupation: "会社員".into(),
            ..KycRequest::default()
        };
        let k = c.register_kyc(&kyc).await.unwrap();
        results.push(k.transaction_id.clone());
        results.push(seen(
            &c.get_transaction(&quote.transaction_id).await.unwrap(),
        ));
        let mut d = RegisterDeliveryRequest::pickup(
            &quote.transaction_id,
            Date::new(2030, 3, 1),
            PickupTime::AllDay,
        );
        d.last_name = "佐藤".into();
        d.first_name = "花子".into();
        d.zip = "1000005".into();
        d.state = "東京都".into();
        d.city = "千代田区".into();
        d.address = ADDRESS.into();
        d.phone_number = PHONE.into();
        results.push(seen(&c.register_delivery(&d).await.unwrap()));
        for _ in 0..8 {
            let t = c.get_transaction(&quote.transaction_id).await.unwrap();
            results.push(seen(&t));
            if t.status.is_final() {
                break;
            }
        }
        (results, k.url)
    }

    #[tokio::test]
    async fn recorded_replayed_and_clean() {
        let sandbox = BbtiSandbox::start().await;
        let recorder = Recorder::start(Provider::Bbti, &sandbox.base_url())
            .await
            .unwrap();
        let (recorded, link) = flow(&client(&sandbox, &recorder.base_url())).await;
        let path = cassette_path("bbti");
        recorder.finish(&path).await.unwrap();

        assert_clean(
            &path,
            &[
                CLIENT_ID,
                CLIENT_SECRET,
                EMAIL,
                PHONE,
                ADDRESS,
                "花子",
                "佐藤",
                "ハナコ",
                &link,
            ],
        );

        let replayer = Replayer::start_for(Provider::Bbti, &path).await.unwrap();
        let c = client(&sandbox, &replayer.base_url());
        drop(sandbox);
        let (replayed, replayed_link) = flow(&c).await;
        assert_eq!(replayed, recorded);
        assert_eq!(replayed_link, "https://redacted.invalid/url-1");
        replayer.finish().await.unwrap();
    }
}

mod brighte {
    use super::*;
    use partner_sdk_brighte::{NewUser, UserRole, UserUpdate};
    use partner_sdk_core::ExposeSecret as _;
    use partner_sdk_sandbox::brighte::{ACCOUNT_ID, API_ID, API_SECRET, BrighteSandbox};

    const EMAIL: &str = "sam.seller@example.com.au";
    const MOBILE: &str = "0411222333";

    fn client(base_url: &str) -> partner_sdk_brighte::Client {
        partner_sdk_brighte::Client::builder()
            .base_url(base_url)
            .credentials(API_ID, API_SECRET)
            .build()
            .unwrap()
    }

    /// The results and the API credentials the flow was given.
    async fn flow(c: &partner_sdk_brighte::Client) -> (Vec<String>, Vec<String>) {
        let accounts = c.list_accounts().await.unwrap();
        let user = c
            .create_user(&NewUser {
                role: UserRole::TeamMember,
                first_name: "Samwise".into(),
                last_name: "Sellerton".into(),
                email: EMAIL.into(),
                mobile: MOBILE.into(),
                account_id: ACCOUNT_ID.into(),
            })
            .await
            .unwrap();
        let updated = c
            .update_user(&user.id, &UserUpdate::new().first_name("Samantha"))
            .await
            .unwrap();
        let fetched = c.get_user(&user.id).await.unwrap();
        let key = c
            .generate_user_api_credentials(&user.id, ACCOUNT_ID)
            .await
            .unwrap();
        c.delete_user(&user.id).await.unwrap();
        let results = vec![
            format!("{accounts:?}"),
            format!("{user:?}"),
            format!(
                "{:?} {:?} {:?} {:?}",
                fetched.first_name, fetched.last_name, fetched.email, fetched.mobile
            ),
            format!("{:?}", updated.first_name),
        ];
        let given = vec![
            key.api_id.to_string(),
            key.api_secret.expose_secret().to_string(),
        ];
        (results, given)
    }

    #[tokio::test]
    async fn recorded_replayed_and_clean() {
        let sandbox = BrighteSandbox::start().await;
        let recorder = Recorder::start(Provider::Brighte, &sandbox.base_url())
            .await
            .unwrap();
        let (recorded, given) = flow(&client(&recorder.base_url())).await;
        let path = cassette_path("brighte");
        recorder.finish(&path).await.unwrap();
        drop(sandbox);

        let mut secrets = vec![
            API_ID,
            API_SECRET,
            EMAIL,
            MOBILE,
            "Samwise",
            "Sellerton",
            "Samantha",
        ];
        secrets.extend(given.iter().map(String::as_str));
        assert_clean(&path, &secrets);

        let replayer = Replayer::start_for(Provider::Brighte, &path).await.unwrap();
        let (replayed, replayed_given) = flow(&client(&replayer.base_url())).await;
        assert_eq!(replayed, recorded);
        assert_eq!(
            replayed_given,
            vec![REDACTED.to_owned(), REDACTED.to_owned()]
        );
        replayer.finish().await.unwrap();
    }
}

mod tradein_promo {
    use super::*;
    use partner_sdk_sandbox::tradein_promo::{
        CLIENT_ID, CLIENT_SECRET, IMEI_GALAXY, TradeinPromoSandbox,
    };
    use partner_sdk_tradein_promo::{ConditionName, FlowType, PromotionRequest};

    fn client(sandbox: &TradeinPromoSandbox, base_url: &str) -> partner_sdk_tradein_promo::Client {
        let token_url = sandbox
            .token_url()
            .replacen(&sandbox.base_url(), base_url, 1);
        sandbox
            .client_builder()
            .base_url(base_url)
            .token_url(token_url)
            .build()
            .unwrap()
    }

    async fn flow(c: &partner_sdk_tradein_promo::Client) -> Vec<String> {
        let mut results = Vec::new();
        for power_on in [true, false] {
            let request = PromotionRequest::by_imei(IMEI_GALAXY)
                .device_bill_code("689C")
                .flow_type(FlowType::Upgrade)
                .answer(ConditionName::PowerOn, power_on);
            let offer = c.get_promotion(&request).await.unwrap();
            results.push(format!("{offer:?}"));
            results.push(format!("{:?}", offer.trade_in_value()));
        }
        results
    }

    #[tokio::test]
    async fn recorded_replayed_and_clean() {
        let sandbox = TradeinPromoSandbox::start().await;
        let recorder = Recorder::start(Provider::TradeinPromo, &sandbox.base_url())
            .await
            .unwrap();
        let recorded = flow(&client(&sandbox, &recorder.base_url())).await;
        let path = cassette_path("tradein-promo");
        recorder.finish(&path).await.unwrap();
        assert_clean(&path, &[CLIENT_ID, CLIENT_SECRET, IMEI_GALAXY]);

        let replayer = Replayer::start_for(Provider::TradeinPromo, &path)
            .await
            .unwrap();
        let c = client(&sandbox, &replayer.base_url());
        drop(sandbox);
        assert_eq!(flow(&c).await, recorded);
        replayer.finish().await.unwrap();
    }
}
