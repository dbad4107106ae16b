//! The DT One DVS sandbox, driven with raw HTTP (no DVS client): every
//! operation, each row of the pre-production table, the error codes,
//! balances, callbacks and their resends, pagination.

use std::time::{Duration, Instant};

use partner_sdk_core::reqwest::{Client, Method, header::HeaderMap};
use partner_sdk_sandbox::dtone_dvs::{
    API_KEY, API_SECRET, DtoneDvsSandbox, SIMULATION_DELAYS, SYNC_HOLD_LIMIT,
};
use partner_sdk_sandbox::faults::{Fault, FaultRule};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn code(&self) -> Option<i64> {
        self.body["errors"][0]["code"].as_i64()
    }
    fn status_name(&self) -> &str {
        self.body["status"]["message"].as_str().unwrap_or_default()
    }
}

struct Dvs {
    sb: DtoneDvsSandbox,
    http: Client,
}

impl Dvs {
    async fn start() -> Dvs {
        Dvs::with(DtoneDvsSandbox::builder()).await
    }

    async fn with(builder: partner_sdk_sandbox::dtone_dvs::DtoneDvsSandboxBuilder) -> Dvs {
        Dvs {
            sb: builder.start().await,
            http: partner_sdk_core::exchange::http_client_builder()
                .unwrap()
                .build()
                .unwrap(),
        }
    }

    async fn call_as(
        &self,
        m: Method,
        path: &str,
        body: Option<Value>,
        auth: Option<(&str, &str)>,
    ) -> Answer {
        let mut req = self
            .http
            .request(m, format!("{}{path}", self.sb.base_url()));
        if let Some((user, password)) = auth {
            req = req.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.call_as(Method::GET, path, None, Some((API_KEY, API_SECRET)))
            .await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call_as(Method::POST, path, Some(body), Some((API_KEY, API_SECRET)))
            .await
    }

    async fn confirm(&self, id: i64) -> Answer {
        self.post(&format!("/async/transactions/{id}/confirm"), json!({}))
            .await
    }

    async fn cancel(&self, id: i64) -> Answer {
        self.post(&format!("/transactions/{id}/cancel"), json!({}))
            .await
    }

    /// Polls the transaction until its status class is final.
    async fn final_status(&self, id: i64) -> Answer {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let a = self.get(&format!("/transactions/{id}")).await;
            let class = a.body["status"]["class"]["message"].as_str().unwrap_or("");
            if !matches!(class, "CREATED" | "CONFIRMED" | "SUBMITTED") {
                return a;
            }
            assert!(Instant::now() < deadline, "not final: {}", a.body);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn balance(&self) -> (f64, f64) {
        let b = self.sb.balance();
        (
            b["available"].as_f64().unwrap(),
            b["holding"].as_f64().unwrap(),
        )
    }
}

fn topup(external_id: &str, number: &str) -> Value {
    json!({
        "external_id": external_id,
        "product_id": 1,
        "credit_party_identifier": {"mobile_number": number},
    })
}

fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn basic_authentication_is_checked() {
    let dvs = Dvs::start().await;
    for auth in [None, Some((API_KEY, "wrong")), Some(("other", API_SECRET))] {
        let a = dvs.call_as(Method::GET, "/services", None, auth).await;
        assert_eq!((a.status, a.code()), (401, Some(1000401)), "{auth:?}");
    }
    assert_eq!(dvs.get("/services").await.status, 200);
    let a = dvs.get("/no-such-route").await;
    assert_eq!((a.status, a.code()), (404, Some(1000404)));
}

#[tokio::test]
async fn discovery_lists_and_look_ups_with_filters() {
    let dvs = Dvs::start().await;
    assert_eq!(ids(&dvs.get("/services").await.body), [1, 2, 3]);
    assert_eq!(
        ids(&dvs.get("/services?country_iso_code=SGP").await.body),
        [1, 3]
    );
    let mobile = dvs.get("/services/1").await;
    assert_eq!(mobile.body["subservices"][0]["name"], "Airtime");
    assert_eq!(dvs.get("/services/99").await.code(), Some(1005004));

    let countries = dvs.get("/countries").await.body;
    assert_eq!(countries.as_array().unwrap().len(), 2);
    let gift = dvs.get("/countries?service_id=3").await.body;
    assert_eq!(
        gift,
        json!([{"name": "Singapore", "iso_code": "SGP", "regions": null}])
    );
    assert_eq!(dvs.get("/countries/IDN").await.body["name"], "Indonesia");
    let none = dvs.get("/countries/XXX").await;
    assert_eq!((none.status, none.code()), (404, Some(1005005)));

    assert_eq!(ids(&dvs.get("/operators").await.body), [1, 2, 3, 4]);
    assert_eq!(
        ids(&dvs.get("/operators?country_iso_code=IDN").await.body),
        [2, 3]
    );
    assert_eq!(
        ids(&dvs
            .get("/operators?service_id=1&subservice_id=11")
            .await
            .body),
        [1, 2]
    );
    assert_eq!(
        dvs.get("/operators/4").await.body["country"]["iso_code"],
        "SGP"
    );
    assert_eq!(dvs.get("/operators/9").await.code(), Some(1005006));

    let types = dvs.get("/benefit-types").await.body;
    assert_eq!(types.as_array().unwrap().len(), 5);
    assert_eq!(types[0], json!({"name": "TALKTIME"}));

    assert_eq!(ids(&dvs.get("/promotions").await.body), [1]);
    assert_eq!(
        ids(&dvs.get("/promotions?operator_id=2").await.body),
        [0i64; 0]
    );
    let promotion = dvs.get("/promotions/1").await.body;
    assert_eq!(promotion["operator"]["id"], 1);
    assert_eq!(promotion["products"][0]["type"], "FIXED_VALUE_RECHARGE");
    assert_eq!(dvs.get("/promotions/9").await.code(), Some(1003201));

    assert_eq!(ids(&dvs.get("/campaigns?operator_id=2").await.body), [1]);
    assert_eq!(
        ids(&dvs.get("/campaigns?product_id=3").await.body),
        [0i64; 0]
    );
    assert_eq!(
        dvs.get("/campaigns/1").await.body["products"][1]["operator"]["id"],
        2
    );
    assert_eq!(dvs.get("/campaigns/9").await.code(), Some(1003301));

    let products = dvs.get("/products").await.body;
    let types: Vec<&str> = products
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "FIXED_VALUE_RECHARGE",
            "RANGED_VALUE_RECHARGE",
            "FIXED_VALUE_PIN_PURCHASE",
            "RANGED_VALUE_PAYMENT"
        ]
    );
    assert_eq!(
        ids(&dvs.get("/products?type=RANGED_VALUE_PAYMENT").await.body),
        [4]
    );
    assert_eq!(
        ids(&dvs
            .get("/products?country_iso_code=IDN&service_id=1")
            .await
            .body),
        [2]
    );
    assert_eq!(
        ids(&dvs
            .get("/products?benefit_types=CREDITS,PAYMENT")
            .await
            .body),
        [3, 4]
    );
    assert_eq!(ids(&dvs.get("/products?operator_id=4").await.body), [3]);
    let card = dvs.get("/products/3").await.body;
    assert_eq!(card["pin"]["validity"]["unit"], "MONTH");
    assert_eq!(card["prices"]["wholesale"]["amount"], 9.5);
    let bill = dvs.get("/products/4").await.body;
    assert_eq!(bill["payment"]["supports_statement_inquiry"], true);
    let none = dvs.get("/products/99").await;
    assert_eq!((none.status, none.code()), (404, Some(1003001)));
    assert_eq!(
        dvs.get("/products?service_id=x").await.code(),
        Some(1000400)
    );
}

#[tokio::test]
async fn lists_page_with_dvs_headers() {
    let dvs = Dvs::start().await;
    let first = dvs.get("/products?per_page=3").await;
    assert_eq!(ids(&first.body), [1, 2, 3]);
    assert_eq!(first.header("x-total"), Some("4"));
    assert_eq!(first.header("x-total-pages"), Some("2"));
    assert_eq!(first.header("x-per-page"), Some("3"));
    assert_eq!(first.header("x-page"), Some("1"));
    assert_eq!(first.header("x-next-page"), Some("2"));
    assert_eq!(first.header("x-prev-page"), None);
    let second = dvs.get("/products?per_page=3&page=2").await;
    assert_eq!(ids(&second.body), [4]);
    assert_eq!(second.header("x-next-page"), None);
    assert_eq!(second.header("x-prev-page"), Some("1"));
    assert_eq!(first.header("content-language"), Some("en"));
    let default = dvs.get("/operators").await;
    assert_eq!(default.header("content-language"), None);
    assert_eq!(default.header("x-per-page"), Some("50"));
    assert_eq!(dvs.get("/operators?per_page=100").await.status, 200);
    for bad in ["per_page=101", "per_page=0", "page=0", "page=x"] {
        let a = dvs.get(&format!("/operators?{bad}")).await;
        assert_eq!((a.status, a.code()), (400, Some(1000400)), "{bad}");
    }
}

#[tokio::test]
async fn look_ups_of_numbers_statements_and_credit_parties() {
    let dvs = Dvs::start().await;
    let found = dvs.get("/lookup/mobile-number/+6595123100").await;
    assert_eq!(found.body[0]["id"], 1);
    assert_eq!(found.body[0]["identified"], true);
    assert_eq!(found.header("x-total"), Some("1"));
    let posted = dvs
        .post(
            "/lookup/mobile-number",
            json!({"mobile_number": "+6281234567100"}),
        )
        .await;
    assert_eq!(ids(&posted.body), [2]);
    assert_eq!(
        ids(&dvs.get("/lookup/mobile-number/+4420123456").await.body),
        [0i64; 0]
    );
    let bad = dvs.get("/lookup/mobile-number/0812").await;
    assert_eq!((bad.status, bad.code()), (400, Some(1005003)));

    let statements = dvs
        .post(
            "/lookup/statement-inquiry",
            json!({"product_id": 4, "account_number": "5123456789"}),
        )
        .await;
    assert_eq!(statements.status, 200);
    assert_eq!(statements.body[0]["balance"]["unit"], "IDR");
    assert_eq!(statements.body[0]["dates"]["due"], "2026-12-15");
    let unsupported = dvs
        .post(
            "/lookup/statement-inquiry",
            json!({"product_id": 1, "account_number": "5123456789"}),
        )
        .await;
    assert_eq!(unsupported.code(), Some(1007500));
    let unknown = dvs
        .post(
            "/lookup/statement-inquiry",
            json!({"product_id": 99, "account_number": "1"}),
        )
        .await;
    assert_eq!(unknown.code(), Some(1003001));

    let party =
        json!({"service_id": 1, "credit_party_identifier": {"mobile_number": "+6595123100"}});
    let benefits = dvs
        .post("/lookup/credit-party-benefits", party.clone())
        .await;
    assert_eq!(benefits.body[0]["type"], "TALKTIME");
    assert_eq!(benefits.body[0]["country"]["iso_code"], "SGP");
    assert!(benefits.body[0]["expiration_date"].is_null());
    let status = dvs.post("/lookup/credit-party-status", party).await;
    assert_eq!(status.status, 200);
    assert!(status.body["installation_date"].is_null());
    assert!(status.body["activation_date"].is_string());
    let no_service = dvs
        .post(
            "/lookup/credit-party-status",
            json!({"service_id": 99, "credit_party_identifier": {"mobile_number": "+6595123100"}}),
        )
        .await;
    assert_eq!(no_service.code(), Some(1005004));
    let no_party = dvs
        .post("/lookup/credit-party-benefits", json!({"service_id": 1}))
        .await;
    assert_eq!(no_party.code(), Some(1000400));
}

#[tokio::test]
async fn async_create_confirm_complete_moves_the_balance() {
    let dvs = Dvs::start().await;
    assert_eq!(dvs.balance(), (1000.0, 0.0));
    let created = dvs
        .post("/async/transactions", topup("order-1", "+6595123100"))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.status_name(), "CREATED");
    assert_eq!(created.body["status"]["class"]["id"], 1);
    assert_eq!(created.body["external_id"], "order-1");
    assert_eq!(created.body["product"]["type"], "FIXED_VALUE_RECHARGE");
    assert_eq!(created.body["prices"]["wholesale"]["amount"], 7.2);
    assert_eq!(created.body["prices"]["wholesale"]["fee"], 0.1);
    assert!(created.body["confirmation_date"].is_null());
    assert!(created.body["confirmation_expiration_date"].is_string());
    assert_eq!(dvs.balance(), (992.7, 7.3));
    let id = created.body["id"].as_i64().unwrap();

    let got = dvs.get(&format!("/transactions/{id}")).await;
    assert_eq!(got.status_name(), "CREATED");
    assert!(got.body.as_object().unwrap().contains_key("callback_url"));

    let confirmed = dvs
        .post(&format!("/async/transactions/{id}/confirm"), json!({}))
        .await;
    assert_eq!(confirmed.status, 202);
    assert_eq!(confirmed.status_name(), "CONFIRMED");
    assert!(confirmed.body["confirmation_date"].is_string());
    let done = dvs.final_status(id).await;
    assert_eq!(done.status_name(), "COMPLETED");
    assert_eq!(
        done.body["status"],
        json!({"id": 70000, "message": "COMPLETED", "class": {"id": 7, "message": "COMPLETED"}})
    );
    assert_eq!(done.body["operator_reference"], format!("OPREF-{id}"));
    assert!(done.body["pin"].is_null());
    assert_eq!(dvs.balance(), (992.7, 0.0));
    let balances = dvs.get("/balances").await;
    assert_eq!(balances.body[0]["available"], 992.7);
    assert_eq!(balances.body[0]["unit"], "USD");
    assert_eq!(ids(&dvs.get("/balances?unit=EUR").await.body), [0i64; 0]);
}

#[tokio::test]
async fn auto_confirm_and_the_transaction_list_filters() {
    let dvs = Dvs::start().await;
    let a = dvs
        .post(
            "/async/transactions",
            json!({"external_id": "auto-1", "product_id": 1, "auto_confirm": true,
                   "credit_party_identifier": {"mobile_number": "+6595123106"}}),
        )
        .await;
    assert_eq!(a.status_name(), "CONFIRMED");
    let declined_id = a.body["id"].as_i64().unwrap();
    let b = dvs
        .post(
            "/async/transactions",
            json!({"external_id": "card-1", "product_id": 3, "auto_confirm": true}),
        )
        .await;
    let card_id = b.body["id"].as_i64().unwrap();
    assert_eq!(
        dvs.final_status(declined_id).await.status_name(),
        "DECLINED"
    );
    let card = dvs.final_status(card_id).await;
    assert_eq!(card.status_name(), "COMPLETED");
    assert!(card.body["pin"]["code"].is_string());
    // Declined: voided; the card (9.50): captured.
    assert_eq!(dvs.balance(), (990.5, 0.0));

    let all = dvs.get("/transactions").await;
    assert_eq!(ids(&all.body), [declined_id, card_id]);
    assert_eq!(all.header("x-total"), Some("2"));
    let by_ext = dvs.get("/transactions?external_id=card-1").await;
    assert_eq!(ids(&by_ext.body), [card_id]);
    assert_eq!(
        ids(&dvs.get("/transactions?external_id=none").await.body),
        [0i64; 0]
    );
    assert_eq!(
        ids(&dvs.get("/transactions?status_id=90000").await.body),
        [declined_id]
    );
    assert_eq!(
        ids(&dvs
            .get("/transactions?product_type=FIXED_VALUE_PIN_PURCHASE")
            .await
            .body),
        [card_id]
    );
    assert_eq!(
        ids(&dvs
            .get("/transactions?credit_party_mobile_number=%2B6595123106")
            .await
            .body),
        [declined_id]
    );
    assert_eq!(
        ids(&dvs
            .get("/transactions?operator_id=4&service_id=3&country_iso_code=SGP")
            .await
            .body),
        [card_id]
    );
    assert_eq!(
        ids(&dvs
            .get("/transactions?from_date=2999-01-01T00:00:00Z")
            .await
            .body),
        [0i64; 0]
    );
    assert_eq!(
        ids(&dvs
            .get("/transactions?from_date=2000-01-01T00:00:00Z&to_date=2999-01-01T00:00:00Z")
            .await
            .body)
        .len(),
        2
    );
    assert_eq!(
        dvs.get("/transactions?from_date=yesterday").await.code(),
        Some(1000400)
    );
}

#[tokio::test]
async fn ranged_amounts_by_source_or_destination() {
    let dvs = Dvs::start().await;
    let by_source = dvs
        .post(
            "/async/transactions",
            json!({"external_id": "r-1", "product_id": 2, "calculation_mode": "SOURCE_AMOUNT",
                   "source": {"unit_type": "CURRENCY", "unit": "USD", "amount": 10},
                   "credit_party_identifier": {"mobile_number": "+6281234567100"}}),
        )
        .await;
    assert_eq!(by_source.status, 201, "{}", by_source.body);
    assert_eq!(
        by_source.body["requested_values"]["destination"]["amount"],
        150000.0
    );
    assert_eq!(by_source.body["prices"]["wholesale"]["amount"], 10.0);
    assert_eq!(by_source.body["benefits"][0]["amount"]["base"], 150000.0);
    let by_destination = dvs
        .post(
            "/async/transactions",
            json!({"external_id": "r-2", "product_id": 4, "calculation_mode": "DESTINATION_AMOUNT",
                   "destination": {"unit_type": "CURRENCY", "unit": "IDR", "amount": 75000},
                   "credit_party_identifier": {"account_number": "5123456100"}}),
        )
        .await;
    assert_eq!(by_destination.status, 201, "{}", by_destination.body);
    assert_eq!(
        by_destination.body["requested_values"]["source"]["amount"],
        5.0
    );
    let cases = [
        (
            json!({"calculation_mode": "SOURCE_AMOUNT", "source": {"unit_type": "CURRENCY", "unit": "USD", "amount": 101}}),
            1003002,
        ),
        (
            json!({"calculation_mode": "SOURCE_AMOUNT", "source": {"unit_type": "CURRENCY", "unit": "EUR", "amount": 10}}),
            1003003,
        ),
        (
            json!({"source": {"unit_type": "CURRENCY", "unit": "USD", "amount": 10}}),
            1000400,
        ),
    ];
    for (i, (extra, code)) in cases.into_iter().enumerate() {
        let mut body = json!({"external_id": format!("bad-{i}"), "product_id": 2,
            "credit_party_identifier": {"mobile_number": "+6281234567100"}});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let a = dvs.post("/async/transactions", body).await;
        assert_eq!((a.status, a.code()), (400, Some(code)), "{}", a.body);
    }
}

#[tokio::test]
async fn create_errors() {
    let dvs = Dvs::start().await;
    let first = dvs
        .post("/async/transactions", topup("dup", "+6595123100"))
        .await;
    assert_eq!(first.status, 201);
    let again = dvs
        .post("/async/transactions", topup("dup", "+6595123100"))
        .await;
    assert_eq!((again.status, again.code()), (400, Some(1007001)));
    assert_eq!(dvs.sb.transaction_count(), 1);
    let cases = [
        (
            json!({"product_id": 1, "credit_party_identifier": {"mobile_number": "+6595123100"}}),
            400,
            1000400,
        ),
        (
            json!({"external_id": "x".repeat(41), "product_id": 1, "credit_party_identifier": {"mobile_number": "+6595123100"}}),
            400,
            1000400,
        ),
        (json!({"external_id": "e1", "product_id": 99}), 404, 1003001),
        (json!({"external_id": "e2", "product_id": 1}), 400, 1000400),
        (
            json!({"external_id": "e3", "product_id": 1, "credit_party_identifier": {"mobile_number": "0812"}}),
            400,
            1005003,
        ),
        (
            json!({"external_id": "e4", "product_id": 1, "auto_confirm": "yes", "credit_party_identifier": {"mobile_number": "+6595123100"}}),
            400,
            1000400,
        ),
        (
            json!({"external_id": "e5", "product_id": 1, "callback_url": "ftp://x", "credit_party_identifier": {"mobile_number": "+6595123100"}}),
            400,
            1000400,
        ),
    ];
    for (body, status, code) in cases {
        let a = dvs.post("/async/transactions", body.clone()).await;
        assert_eq!((a.status, a.code()), (status, Some(code)), "{body}");
    }
    let not_json = dvs
        .call_as(
            Method::POST,
            "/async/transactions",
            Some(json!([1])),
            Some((API_KEY, API_SECRET)),
        )
        .await;
    assert_eq!(not_json.code(), Some(1000400));
}

#[tokio::test]
async fn insufficient_balance_is_1006001() {
    let dvs = Dvs::start().await;
    let ranged = |i: usize| {
        json!({"external_id": format!("big-{i}"), "product_id": 2, "calculation_mode": "SOURCE_AMOUNT",
               "source": {"unit_type": "CURRENCY", "unit": "USD", "amount": 100},
               "credit_party_identifier": {"mobile_number": "+6281234567100"}})
    };
    // 100 + 0.20 fee each: nine fit in 1000, the tenth does not.
    for i in 0..9 {
        assert_eq!(dvs.post("/async/transactions", ranged(i)).await.status, 201);
    }
    let refused = dvs.post("/async/transactions", ranged(9)).await;
    assert_eq!((refused.status, refused.code()), (400, Some(1006001)));
    let (available, holding) = dvs.balance();
    assert!((available - 98.2).abs() < 1e-9 && (holding - 901.8).abs() < 1e-9);
}

#[tokio::test]
async fn confirm_and_cancel_errors() {
    let dvs = Dvs::start().await;
    let create = |ext: &str| dvs.post("/async/transactions", topup(ext, "+6595123100"));
    let a = create("c-1").await.body["id"].as_i64().unwrap();
    assert_eq!(dvs.confirm(a).await.status, 202);
    let twice = dvs.confirm(a).await;
    assert_eq!((twice.status, twice.code()), (400, Some(1007002)));
    let sync_twice = dvs
        .post(&format!("/sync/transactions/{a}/confirm"), json!({}))
        .await;
    assert_eq!(sync_twice.code(), Some(1007002));
    let late_cancel = dvs.cancel(a).await;
    assert_eq!(
        (late_cancel.status, late_cancel.code()),
        (400, Some(1007007))
    );

    let b = create("c-2").await.body["id"].as_i64().unwrap();
    assert_eq!(dvs.balance().1, 7.3);
    let cancelled = dvs.cancel(b).await;
    assert_eq!(cancelled.status, 202);
    assert_eq!(cancelled.status_name(), "CANCELLED");
    assert_eq!(cancelled.body["status"]["class"]["id"], 4);
    assert_eq!(dvs.balance().1, 0.0, "voided");
    let cancel_twice = dvs.cancel(b).await;
    assert_eq!(
        (cancel_twice.status, cancel_twice.code()),
        (400, Some(1007005))
    );
    let confirm_cancelled = dvs.confirm(b).await;
    assert_eq!(
        (confirm_cancelled.status, confirm_cancelled.code()),
        (400, Some(1007004))
    );

    for path in [
        "/transactions/42".to_owned(),
        "/transactions/abc".to_owned(),
    ] {
        let a = dvs.get(&path).await;
        assert_eq!((a.status, a.code()), (404, Some(1008004)), "{path}");
    }
    assert_eq!(dvs.confirm(42).await.code(), Some(1008004));
    assert_eq!(dvs.cancel(42).await.code(), Some(1008004));
}

#[tokio::test]
async fn a_confirm_after_the_window_is_1007004() {
    let dvs =
        Dvs::with(DtoneDvsSandbox::builder().confirmation_window(Duration::from_millis(50))).await;
    let id = dvs
        .post("/async/transactions", topup("late", "+6595123100"))
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(80)).await;
    let late = dvs
        .post(&format!("/async/transactions/{id}/confirm"), json!({}))
        .await;
    assert_eq!((late.status, late.code()), (400, Some(1007004)));
}

/// One row of the pre-production table: the status before the delay is
/// not final, the final status comes no sooner than the scaled delay, and
/// the balance is captured or voided.
async fn simulation_row(number: &str, status: &str, pin: bool, delay: Duration) {
    const SCALE: f64 = 0.01;
    let dvs = Dvs::with(DtoneDvsSandbox::builder().time_scale(SCALE)).await;
    let created = dvs.post("/async/transactions", topup("row", number)).await;
    let id = created.body["id"].as_i64().unwrap();
    let started = Instant::now();
    let confirmed = dvs
        .post(&format!("/async/transactions/{id}/confirm"), json!({}))
        .await;
    assert_eq!(confirmed.status_name(), "CONFIRMED");
    let done = dvs.final_status(id).await;
    let elapsed = started.elapsed();
    assert_eq!(done.status_name(), status, "{number}");
    assert_eq!(done.body["pin"].is_object(), pin, "{number}");
    let scaled = delay.mul_f64(SCALE);
    assert!(
        elapsed >= scaled,
        "{number}: final after {elapsed:?} < {scaled:?}"
    );
    let captured = if status == "COMPLETED" { 7.3 } else { 0.0 };
    let (available, holding) = dvs.balance();
    assert!(
        (available - (1000.0 - captured)).abs() < 1e-9,
        "{number}: {available}"
    );
    assert_eq!(holding, 0.0);
}

#[tokio::test]
async fn suffix_100_completes_without_pin_after_3_s() {
    simulation_row("+6595123100", "COMPLETED", false, SIMULATION_DELAYS[0]).await;
}

#[tokio::test]
async fn suffix_201_completes_with_pin_after_20_s() {
    simulation_row("+6595123201", "COMPLETED", true, SIMULATION_DELAYS[1]).await;
}

#[tokio::test]
async fn suffix_302_declines_an_invalid_credit_party_after_5_min() {
    simulation_row(
        "+6595123302",
        "DECLINED-INVALID-CREDIT-PARTY",
        false,
        SIMULATION_DELAYS[2],
    )
    .await;
}

#[tokio::test]
async fn suffix_103_declines_a_barred_credit_party() {
    simulation_row(
        "+6595123103",
        "DECLINED-BARRED-CREDIT-PARTY",
        false,
        SIMULATION_DELAYS[0],
    )
    .await;
}

#[tokio::test]
async fn suffix_204_declines_an_unavailable_operator() {
    simulation_row(
        "+6595123204",
        "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE",
        false,
        SIMULATION_DELAYS[1],
    )
    .await;
}

#[tokio::test]
async fn suffix_105_declines_a_duplicated_transaction() {
    simulation_row(
        "+6595123105",
        "DECLINED-DUPLICATED-TRANSACTION",
        false,
        SIMULATION_DELAYS[0],
    )
    .await;
}

#[tokio::test]
async fn suffix_206_declines() {
    simulation_row("+6595123206", "DECLINED", false, SIMULATION_DELAYS[1]).await;
}

#[tokio::test]
async fn suffix_107_declines_with_an_exception() {
    simulation_row(
        "+6595123107",
        "DECLINED-EXCEPTION",
        false,
        SIMULATION_DELAYS[0],
    )
    .await;
}

#[tokio::test]
async fn sync_create_holds_the_answer_until_final_or_the_limit() {
    const SCALE: f64 = 0.005;
    let dvs = Dvs::with(DtoneDvsSandbox::builder().time_scale(SCALE)).await;
    let mut body = topup("sync-1", "+6595123200");
    body["auto_confirm"] = json!(true);
    let started = Instant::now();
    let done = dvs.post("/sync/transactions", body).await;
    assert_eq!(done.status, 201);
    assert_eq!(done.status_name(), "COMPLETED");
    assert!(started.elapsed() >= SIMULATION_DELAYS[1].mul_f64(SCALE));

    // 5 minutes is beyond the 180 s hold: the answer is still SUBMITTED.
    let mut slow = topup("sync-2", "+6595123300");
    slow["auto_confirm"] = json!(true);
    let started = Instant::now();
    let pending = dvs.post("/sync/transactions", slow).await;
    assert_eq!(pending.status_name(), "SUBMITTED");
    let held = started.elapsed();
    assert!(held >= SYNC_HOLD_LIMIT.mul_f64(SCALE), "{held:?}");
    let id = pending.body["id"].as_i64().unwrap();
    assert_eq!(dvs.final_status(id).await.status_name(), "COMPLETED");

    // Without auto_confirm: CREATED at once, then a sync confirm holds.
    let created = dvs
        .post("/sync/transactions", topup("sync-3", "+6595123106"))
        .await;
    assert_eq!(created.status_name(), "CREATED");
    let id = created.body["id"].as_i64().unwrap();
    let confirmed = dvs
        .post(&format!("/sync/transactions/{id}/confirm"), json!({}))
        .await;
    assert_eq!(confirmed.status, 202);
    assert_eq!(confirmed.status_name(), "DECLINED");
}

async fn receiver(failures: u64) -> MockServer {
    let server = MockServer::start().await;
    if failures > 0 {
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .up_to_n_times(failures)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn callbacks_post_each_status_change_and_resend_until_a_2xx() {
    let dvs = Dvs::start().await;
    let hooks = receiver(1).await;
    let mut body = topup("cb-1", "+6595123100");
    body["auto_confirm"] = json!(true);
    body["callback_url"] = json!(format!("{}/dvs/callbacks", hooks.uri()));
    let id = dvs.post("/async/transactions", body).await.body["id"]
        .as_i64()
        .unwrap();
    let id_u = u64::try_from(id).unwrap();
    wait_until("three statuses delivered", || {
        dvs.sb
            .callback_deliveries()
            .iter()
            .filter(|d| d.response_status == Some(204))
            .count()
            == 3
    })
    .await;
    let deliveries = dvs.sb.callback_deliveries();
    assert_eq!(deliveries.len(), 4, "{deliveries:?}");
    assert!(deliveries.iter().all(|d| d.transaction_id == id_u));
    let mut delivered: Vec<&str> = deliveries
        .iter()
        .filter(|d| d.response_status == Some(204))
        .map(|d| d.status.as_str())
        .collect();
    delivered.sort_unstable();
    assert_eq!(delivered, ["COMPLETED", "CONFIRMED", "SUBMITTED"]);
    let failed = deliveries
        .iter()
        .find(|d| d.response_status == Some(500))
        .unwrap();
    assert_eq!(failed.attempt, 1);
    assert!(
        deliveries
            .iter()
            .any(|d| d.status == failed.status && d.attempt == 2 && d.response_status == Some(204))
    );
    let received = hooks.received_requests().await.unwrap();
    assert_eq!(received.len(), 4);
    for r in &received {
        assert_eq!(r.url.path(), "/dvs/callbacks");
        let tx: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(tx["id"], id);
        assert_eq!(tx["external_id"], "cb-1");
        assert!(tx["status"]["class"]["message"].is_string());
    }
    assert_eq!(
        dvs.sb.state()["callback_deliveries"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn callbacks_give_up_after_the_resends() {
    let dvs = Dvs::start().await;
    let hooks = receiver(100).await;
    let mut body = topup("cb-2", "+6595123100");
    body["callback_url"] = json!(hooks.uri());
    let id = dvs.post("/async/transactions", body).await.body["id"]
        .as_i64()
        .unwrap();
    let cancelled = dvs
        .post(&format!("/transactions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(cancelled.status_name(), "CANCELLED");
    wait_until("four attempts", || dvs.sb.callback_deliveries().len() == 4).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let deliveries = dvs.sb.callback_deliveries();
    assert_eq!(
        deliveries.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == "CANCELLED" && d.response_status == Some(500))
    );
}

#[tokio::test]
async fn a_remote_callback_url_is_never_contacted() {
    let dvs = Dvs::start().await;
    let mut body = topup("cb-3", "+6595123100");
    body["callback_url"] = json!("https://user:pw@hooks.example/dvs");
    body["auto_confirm"] = json!(true);
    let a = dvs.post("/async/transactions", body).await;
    assert_eq!(a.status, 201);
    wait_until("three refusals", || dvs.sb.callback_deliveries().len() == 3).await;
    for d in dvs.sb.callback_deliveries() {
        assert_eq!(d.response_status, None);
        let error = d.error.unwrap();
        assert!(
            error.contains("not a loopback URL") && !error.contains("pw"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_reversal_returns_the_amount_and_calls_back() {
    let dvs = Dvs::start().await;
    let hooks = receiver(0).await;
    let mut body = topup("rev-1", "+6595123100");
    body["auto_confirm"] = json!(true);
    body["callback_url"] = json!(hooks.uri());
    let id = dvs.post("/async/transactions", body).await.body["id"]
        .as_i64()
        .unwrap();
    assert_eq!(dvs.final_status(id).await.status_name(), "COMPLETED");
    assert_eq!(dvs.balance(), (992.7, 0.0));
    let id_u = u64::try_from(id).unwrap();
    assert!(dvs.sb.reverse(id_u));
    assert!(!dvs.sb.reverse(id_u), "only a completed transaction");
    assert!(!dvs.sb.reverse(1));
    let reversed = dvs.get(&format!("/transactions/{id}")).await;
    assert_eq!(reversed.status_name(), "REVERSED");
    assert_eq!(reversed.body["status"]["class"]["id"], 8);
    assert_eq!(dvs.balance(), (1000.0, 0.0));
    wait_until("the REVERSED callback", || {
        dvs.sb
            .callback_deliveries()
            .iter()
            .any(|d| d.status == "REVERSED" && d.response_status == Some(204))
    })
    .await;
}

#[tokio::test]
async fn rate_limit_headers_and_a_429_from_the_fault_queue() {
    let dvs = Dvs::start().await;
    let first = dvs.get("/services").await;
    let second = dvs.get("/services").await;
    assert_eq!(first.header("x-ratelimit-limit"), Some("600"));
    let remaining = |a: &Answer| {
        a.header("x-ratelimit-remaining")
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    assert_eq!(remaining(&first), remaining(&second) + 1);
    dvs.sb.inject_fault(
        FaultRule::new(Fault::rate_limited(Duration::from_secs(2)))
            .method("POST")
            .path_contains("/async/transactions"),
    );
    assert_eq!(dvs.sb.state()["faults"].as_array().unwrap().len(), 1);
    let limited = dvs
        .post("/async/transactions", topup("rl-1", "+6595123100"))
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("2"));
    assert_eq!(dvs.sb.transaction_count(), 0, "not processed");
    let created = dvs
        .post("/async/transactions", topup("rl-1", "+6595123100"))
        .await;
    assert_eq!(created.status, 201);

    // An answer lost after processing: the create happened.
    dvs.sb
        .inject_fault(FaultRule::new(Fault::answer_garbled()).method("POST"));
    let garbled = dvs
        .post("/async/transactions", topup("rl-2", "+6595123100"))
        .await;
    assert_eq!(garbled.status, 200);
    assert!(garbled.body.is_null());
    let found = dvs.get("/transactions?external_id=rl-2").await;
    assert_eq!(found.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_admin_api_lists_transactions_balances_and_deliveries() {
    let dvs = Dvs::start().await;
    dvs.post("/async/transactions", topup("adm-1", "+6595123100"))
        .await;
    let admin = partner_sdk_sandbox::admin::AdminClient::new(&dvs.sb.base_url()).unwrap();
    let state = admin.state().await.unwrap();
    assert_eq!(state["provider"], "dtone-dvs");
    assert_eq!(state["transactions"][0]["external_id"], "adm-1");
    assert_eq!(state["transactions"][0]["status"]["message"], "CREATED");
    assert_eq!(state["balances"][0]["holding"], 7.3);
    assert_eq!(state["callback_deliveries"], json!([]));
    admin
        .inject_fault(&FaultRule::new(Fault::server_error(503)))
        .await
        .unwrap();
    assert_eq!(dvs.get("/services").await.status, 503);
    assert_eq!(dvs.sb.transactions()[0]["external_id"], "adm-1");
    // The admin API takes no provider credentials, and the fake's routes
    // refuse a foreign Origin.
    let foreign = dvs
        .http
        .get(format!("{}/services", dvs.sb.base_url()))
        .basic_auth(API_KEY, Some(API_SECRET))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 403);
}

#[tokio::test]
async fn the_whole_sandbox_starts_the_dvs_fake() {
    let sandbox = partner_sdk_sandbox::Sandbox::start().await;
    assert!(sandbox.dtone_dvs.base_url().ends_with("/v1"));
    assert_ne!(sandbox.dtone_dvs.base_url(), sandbox.dtone.base_url());
}
