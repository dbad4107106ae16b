//! The DVS client against wiremock: every read operation's request (method,
//! path, query, body, Basic auth header) and its answer decoded field by
//! field from the answers in `tests/fixtures/dvs/` (written to the DVS
//! document's schemas, see its README); paging to the last page, a hostile
//! endless listing cut by `max_pages`, unknown types and statuses kept.

use std::str::FromStr;
use std::time::Duration;

use futures::TryStreamExt as _;
use partner_sdk_dtone::Decimal;
use partner_sdk_dtone::dvs::{
    self, BalanceQuery, BenefitType, CalculationMode, CampaignQuery, Client, CountryQuery,
    CreditParty, CreditPartyLookup, ErrorCode, MobileNumberLookup, OperatorQuery, PageQuery,
    ProductQuery, ProductType, PromotionQuery, ServiceQuery, StatementInquiry, StatusClass,
    TransactionQuery, UnitType, Value,
};
use partner_sdk_test_kit::json_answer;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{KEY, SECRET, fast_retry};

/// `Basic base64("test-api-key-7781:test-api-secret-Zq93")`, computed
/// independently:
/// `python3 -c 'import base64; print(base64.b64encode(b"test-api-key-7781:test-api-secret-Zq93").decode())'`.
pub(crate) const BASIC: &str = "Basic dGVzdC1hcGkta2V5LTc3ODE6dGVzdC1hcGktc2VjcmV0LVpxOTM=";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/dvs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn first_of(name: &str) -> String {
    let all: Vec<serde_json::Value> = serde_json::from_str(&fixture(name)).unwrap();
    all[0].to_string()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub(crate) fn builder(server: &MockServer) -> dvs::ClientBuilder {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(5))
}

fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// A page of a listing: the body and DT One's paging headers.
fn page(body: &str, page: u32, total_pages: u32) -> ResponseTemplate {
    let mut t = json_answer(body)
        .insert_header("x-page", page.to_string())
        .insert_header("x-total-pages", total_pages.to_string())
        .insert_header("x-per-page", "50");
    if page < total_pages {
        t = t.insert_header("x-next-page", (page + 1).to_string());
    }
    t
}

fn get(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/v1{p}")))
        .and(header("authorization", BASIC))
}

fn post(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("/v1{p}")))
        .and(header("authorization", BASIC))
}

#[test]
fn the_urls_are_dt_ones() {
    assert_eq!(dvs::PRODUCTION_URL, "https://dvs-api.dtone.com/v1");
    assert_eq!(
        dvs::PREPRODUCTION_URL,
        "https://preprod-dvs-api.dtone.com/v1"
    );
    let err = Client::builder()
        .credentials(KEY, SECRET)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("base_url"), "{err}");
    let err = Client::builder()
        .base_url(dvs::PRODUCTION_URL)
        .credentials("", SECRET)
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
}

#[tokio::test]
async fn services_list_get_and_stream() {
    let server = MockServer::start().await;
    get("/services")
        .and(query_param("country_iso_code", "GTM"))
        .and(query_param("page", "1"))
        .and(query_param("per_page", "20"))
        .respond_with(page(&fixture("services.json"), 1, 1))
        .expect(2)
        .mount(&server)
        .await;
    get("/services/7")
        .respond_with(json_answer(&first_of("services.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let q = ServiceQuery::new().country_iso_code("GTM").per_page(20);
    let p = c.list_services(&q).await.unwrap();
    assert_eq!(p.next, None);
    assert_eq!(p.items.len(), 2);
    assert_eq!((p.items[0].id, p.items[0].name.as_str()), (1, "Mobile"));
    let subs: Vec<_> = p.items[0]
        .subservices
        .iter()
        .map(|s| (s.id, s.name.as_str()))
        .collect();
    assert_eq!(subs, [(11, "Airtime"), (12, "Bundles")]);
    assert_eq!((p.items[1].id, p.items[1].name.as_str()), (7, "Gift Cards"));
    assert!(p.items[1].subservices.is_empty());
    let all: Vec<_> = c.services(&q).try_collect().await.unwrap();
    assert_eq!(all, p.items);
    let one = c.get_service(7).await.unwrap();
    assert_eq!(one, p.items[0]);
    assert!(c.get_service(0).await.unwrap_err().is_invalid_input());
}

#[tokio::test]
async fn countries_list_and_get() {
    let server = MockServer::start().await;
    get("/countries")
        .and(query_param("service_id", "1"))
        .and(query_param("subservice_id", "11"))
        .and(query_param("page", "1"))
        .and(query_param_is_missing("per_page"))
        .respond_with(page(&fixture("countries.json"), 1, 1))
        .mount(&server)
        .await;
    get("/countries/GTM")
        .respond_with(json_answer(&first_of("countries.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let p = c
        .list_countries(&CountryQuery::new().service_id(1).subservice_id(11))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 2);
    let gt = &p.items[0];
    assert_eq!(
        (gt.name.as_str(), gt.iso_code.as_str()),
        ("Guatemala", "GTM")
    );
    assert_eq!(gt.regions.len(), 1);
    assert_eq!(
        (gt.regions[0].name.as_str(), gt.regions[0].code.as_str()),
        ("Guatemala", "GT-GU")
    );
    assert_eq!(p.items[1].iso_code, "SGP");
    assert_eq!(&c.get_country("GTM").await.unwrap(), gt);
    let all: Vec<_> = c
        .countries(&CountryQuery::new().service_id(1).subservice_id(11))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn operators_list_and_get() {
    let server = MockServer::start().await;
    get("/operators")
        .and(query_param("country_iso_code", "GTM"))
        .and(query_param("service_id", "1"))
        .and(query_param_is_missing("subservice_id"))
        .respond_with(page(&fixture("operators.json"), 1, 1))
        .mount(&server)
        .await;
    get("/operators/1959")
        .respond_with(json_answer(&first_of("operators.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let q = OperatorQuery::new().country_iso_code("GTM").service_id(1);
    let p = c.list_operators(&q).await.unwrap();
    let op = &p.items[0];
    assert_eq!((op.id, op.name.as_str()), (1959, "Claro Guatemala"));
    assert_eq!(
        (op.country.name.as_str(), op.country.iso_code.as_str()),
        ("Guatemala", "GTM")
    );
    assert_eq!(op.regions[0].code, "GT-GU");
    assert_eq!(&c.get_operator(1959).await.unwrap(), op);
    let all: Vec<_> = c.operators(&q).try_collect().await.unwrap();
    assert_eq!(all, p.items);
}

#[tokio::test]
async fn benefit_types_list_and_stream() {
    let server = MockServer::start().await;
    get("/benefit-types")
        .and(query_param("page", "1"))
        .respond_with(page(&fixture("benefit_types.json"), 1, 1))
        .mount(&server)
        .await;
    let c = client(&server);
    let p = c.list_benefit_types(&PageQuery::new()).await.unwrap();
    let names: Vec<_> = p.items.iter().map(|b| b.name.clone()).collect();
    assert_eq!(
        names,
        [
            BenefitType::Talktime,
            BenefitType::Data,
            BenefitType::Sms,
            BenefitType::Payment,
            BenefitType::Credits
        ]
    );
    let all: Vec<_> = c
        .benefit_types(&PageQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, p.items);
}

#[tokio::test]
async fn promotions_list_and_get_with_a_language() {
    let server = MockServer::start().await;
    get("/promotions")
        .and(query_param("country_iso_code", "GTM"))
        .and(query_param("operator_id", "1959"))
        .and(query_param("product_id", "3001"))
        .and(header("accept-language", "es"))
        .respond_with(page(&fixture("promotions.json"), 1, 1))
        .mount(&server)
        .await;
    get("/promotions/501")
        .and(header("accept-language", "es"))
        .respond_with(json_answer(&first_of("promotions.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let q = PromotionQuery::new()
        .country_iso_code("GTM")
        .operator_id(1959)
        .product_id(3001)
        .language("es");
    let p = c.list_promotions(&q).await.unwrap();
    let promo = &p.items[0];
    assert_eq!((promo.id, promo.title.as_str()), (501, "Double data"));
    assert_eq!(
        promo.description.as_deref(),
        Some("Twice the data on every bundle")
    );
    assert_eq!(promo.terms.as_deref(), Some("Valid once per number"));
    assert_eq!(promo.start_date.as_deref(), Some("2026-12-01T00:00:00Z"));
    assert_eq!(promo.end_date.as_deref(), Some("2026-12-31T23:59:59Z"));
    assert_eq!(
        (promo.operator.id, promo.operator.country.iso_code.as_str()),
        (1959, "GTM")
    );
    assert_eq!(promo.products.len(), 1);
    assert_eq!(
        (promo.products[0].id, &promo.products[0].kind),
        (3001, &ProductType::FixedValueRecharge)
    );
    assert_eq!(
        promo.products[0].description.as_deref(),
        Some("5 GB, 30 days")
    );
    assert_eq!(&c.get_promotion(501, Some("es")).await.unwrap(), promo);
    let all: Vec<_> = c.promotions(&q).try_collect().await.unwrap();
    assert_eq!(all, p.items);
    let bad = c
        .list_promotions(&PromotionQuery::new().language("es\n"))
        .await;
    assert_eq!(bad.unwrap_err().invalid_field(), Some("language"));
}

#[tokio::test]
async fn campaigns_list_and_get() {
    let server = MockServer::start().await;
    get("/campaigns")
        .and(query_param("operator_id", "1959"))
        .respond_with(page(&fixture("campaigns.json"), 1, 1))
        .mount(&server)
        .await;
    get("/campaigns/77")
        .respond_with(json_answer(&first_of("campaigns.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let q = CampaignQuery::new().operator_id(1959);
    let p = c.list_campaigns(&q).await.unwrap();
    let camp = &p.items[0];
    assert_eq!((camp.id, camp.title.as_str()), (77, "Holiday top-ups"));
    assert_eq!(
        camp.start_date.as_deref(),
        Some("2026-12-20T00:00:00+08:00")
    );
    let product = &camp.products[0];
    assert_eq!(product.kind, ProductType::RangedValueRecharge);
    assert_eq!(product.operator.as_ref().map(|o| o.id), Some(1959));
    assert_eq!(&c.get_campaign(77).await.unwrap(), camp);
    let all: Vec<_> = c.campaigns(&q).try_collect().await.unwrap();
    assert_eq!(all, p.items);
}

#[tokio::test]
async fn products_of_the_five_types_decode() {
    let server = MockServer::start().await;
    get("/products")
        .and(query_param("type", "RANGED_VALUE_RECHARGE"))
        .and(query_param("tags", "popular,promo"))
        .and(query_param("benefit_types", "TALKTIME,DATA"))
        .and(query_param("region", "GT-GU"))
        .and(query_param("sort", "name"))
        .and(query_param("country_iso_code", "GTM"))
        .and(query_param("per_page", "100"))
        .respond_with(page(&fixture("products.json"), 1, 1))
        .mount(&server)
        .await;
    get("/products/3001")
        .respond_with(json_answer(&first_of("products.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let q = ProductQuery::new()
        .kind(ProductType::RangedValueRecharge)
        .tag("popular")
        .tag("promo")
        .benefit_type(BenefitType::Talktime)
        .benefit_type(BenefitType::Data)
        .region("GT-GU")
        .sort("name")
        .country_iso_code("GTM")
        .per_page(100);
    let p = c.list_products(&q).await.unwrap();
    let kinds: Vec<_> = p.items.iter().map(|p| p.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            ProductType::FixedValueRecharge,
            ProductType::RangedValueRecharge,
            ProductType::FixedValuePinPurchase,
            ProductType::RangedValuePinPurchase,
            ProductType::RangedValuePayment
        ]
    );

    let fixed = &p.items[0];
    assert_eq!((fixed.id, fixed.name.as_str()), (3001, "Claro 100 GTQ"));
    assert!(!fixed.is_ranged());
    assert_eq!(fixed.tags, ["popular"]);
    assert_eq!(
        (fixed.service.id, fixed.service.name.as_str()),
        (1, "Mobile")
    );
    assert_eq!(fixed.service.subservice.as_ref().map(|s| s.id), Some(11));
    assert_eq!(fixed.operator.id, 1959);
    assert_eq!(
        fixed.required_credit_party_identifier_fields,
        [["mobile_number"]]
    );
    assert_eq!(fixed.destination_amount(), Some(dec("100")));
    let source = fixed.source.as_ref().unwrap();
    assert_eq!(source.unit_type, Some(UnitType::Currency));
    assert_eq!(source.unit.as_deref(), Some("USD"));
    assert_eq!(source.amount, Some(Value::Fixed(dec("12.35"))));
    let wholesale = fixed.prices.as_ref().unwrap().wholesale.as_ref().unwrap();
    assert_eq!(wholesale.amount, Some(Value::Fixed(dec("12.35"))));
    assert_eq!(wholesale.fee, Some(dec("0.15")));
    let rates = fixed.rates.as_ref().unwrap();
    assert_eq!(rates.wholesale, Some(dec("8.0971")));
    let validity = fixed.validity.as_ref().unwrap();
    assert_eq!(
        (
            validity.unit.as_ref().map(|u| u.as_str()),
            validity.quantity
        ),
        (Some("DAY"), Some(30))
    );
    let benefit = &fixed.benefits[0];
    assert_eq!(benefit.kind, BenefitType::Talktime);
    assert_eq!(benefit.amount.base, Some(Value::Fixed(dec("100"))));
    assert_eq!(
        benefit.amount.total_including_tax,
        Some(Value::Fixed(dec("112")))
    );
    assert_eq!(fixed.promotions[0].id, 501);
    assert_eq!(fixed.availability_zones.len(), 1);
    assert_eq!(fixed.availability_zones[0].as_str(), "INTERNATIONAL");

    let ranged = &p.items[1];
    assert!(ranged.is_ranged());
    assert_eq!(
        ranged.accepted_calculation_modes,
        [
            CalculationMode::SourceAmount,
            CalculationMode::DestinationAmount
        ]
    );
    let range = ranged.destination_range().unwrap();
    assert_eq!(
        (range.min, range.max, range.increment),
        (Some(dec("10")), Some(dec("500")), Some(dec("0.01")))
    );
    assert_eq!(ranged.destination_amount(), None);
    let retail = ranged.prices.as_ref().unwrap().retail.as_ref().unwrap();
    assert_eq!(
        (
            retail.unit_type.as_ref(),
            retail.amount.as_ref(),
            retail.fee
        ),
        (None, None, None)
    );
    let rb = &ranged.benefits[0];
    assert_eq!(
        rb.amount
            .base
            .as_ref()
            .and_then(Value::range)
            .and_then(|r| r.max),
        Some(dec("500"))
    );
    assert_eq!(rb.additional_information.as_deref(), Some("Airtime"));

    let pin = p.items[2].redemption.as_ref().unwrap();
    assert_eq!(pin.usage_info, ["Redeem at the store's website"]);
    assert_eq!(pin.validity.as_ref().and_then(|v| v.quantity), Some(12));
    assert_eq!(pin.terms.as_deref(), Some("Non-refundable"));
    assert_eq!(
        p.items[3].redemption.as_ref().map(|p| p.validity.is_none()),
        Some(true)
    );

    let payment = p.items[4].payment.as_ref().unwrap();
    let modes: Vec<_> = payment.modes.iter().map(|m| m.as_str()).collect();
    assert_eq!(modes, ["EXACT", "PARTIAL"]);
    let posting = payment.posting_period.as_ref().unwrap();
    assert_eq!(posting.quantity, Some(2));
    assert_eq!(posting.kind.as_ref().map(|k| k.as_str()), Some("BUSINESS"));
    assert!(payment.supports_statement_inquiry);
    assert_eq!(payment.required_inquiry_fields, [["account_number"]]);
    assert_eq!(
        p.items[4].required_statement_identifier_fields,
        [["reference"]]
    );

    assert_eq!(&c.get_product(3001, None).await.unwrap(), fixed);
    let all: Vec<_> = c.products(&q).try_collect().await.unwrap();
    assert_eq!(all, p.items);
}

#[tokio::test]
async fn a_product_of_an_unknown_type_is_kept() {
    let server = MockServer::start().await;
    let mut product: serde_json::Value = serde_json::from_str(&first_of("products.json")).unwrap();
    product["type"] = json!("FIXED_VALUE_ESIM");
    product["esim"] = json!({"size": "5GB"});
    product["destination"] = json!({"unit_type": "DATA", "unit": "GB", "amount": 5});
    get("/products/3001")
        .respond_with(json_answer(&product.to_string()))
        .mount(&server)
        .await;
    let got = client(&server).get_product(3001, None).await.unwrap();
    assert_eq!(got.kind, ProductType::Other("FIXED_VALUE_ESIM".into()));
    assert_eq!((got.id, got.name.as_str()), (3001, "Claro 100 GTQ"));
    let dest = got.destination.as_ref().unwrap();
    assert_eq!(dest.unit_type, Some(UnitType::Other("DATA".into())));
    assert_eq!(dest.amount, Some(Value::Fixed(dec("5"))));
}

/// Amounts sent as `null` leave their field empty; the rest decodes.
#[tokio::test]
async fn null_amounts_do_not_break_a_product() {
    let server = MockServer::start().await;
    let mut product: serde_json::Value = serde_json::from_str(&first_of("products.json")).unwrap();
    product["source"]["amount"] = json!(null);
    product["benefits"][0]["amount"]["base"] = json!(null);
    get("/products/3001")
        .respond_with(json_answer(&product.to_string()))
        .mount(&server)
        .await;
    let got = client(&server).get_product(3001, None).await.unwrap();
    assert_eq!(got.source.as_ref().map(|s| s.amount.is_none()), Some(true));
    assert_eq!(got.benefits[0].amount.base, None);
    assert_eq!(
        got.benefits[0].amount.total_including_tax,
        Some(Value::Fixed(dec("112")))
    );
    assert_eq!(got.destination_amount(), Some(dec("100")));
}

#[tokio::test]
async fn transactions_get_and_list_with_filters() {
    let server = MockServer::start().await;
    get("/transactions/9000000001")
        .respond_with(json_answer(&fixture("transaction.json")))
        .mount(&server)
        .await;
    get("/transactions")
        .and(query_param("external_id", "order-42"))
        .and(query_param("product_type", "FIXED_VALUE_RECHARGE"))
        .and(query_param("service_id", "1"))
        .and(query_param("subservice_id", "11"))
        .and(query_param("country_iso_code", "GTM"))
        .and(query_param("operator_id", "1959"))
        .and(query_param("status_id", "70000"))
        .and(query_param("credit_party_mobile_number", "+50212345100"))
        .and(query_param("credit_party_account_number", "ACC-1"))
        .and(query_param("from_date", "1970-01-01T00:00:00.000000Z"))
        .and(query_param("to_date", "2020-02-02T14:00:00.022220+08:00"))
        .and(query_param("page", "1"))
        .respond_with(page(&fixture("transactions.json"), 1, 1))
        .mount(&server)
        .await;
    let c = client(&server);
    let tx = c.get_transaction(9000000001).await.unwrap();
    assert_eq!((tx.id, tx.external_id.as_str()), (9000000001, "order-42"));
    assert_eq!(
        tx.creation_date.as_deref(),
        Some("2026-12-07T10:00:00.000000Z")
    );
    assert_eq!(tx.product_id, Some(3001));
    assert!(tx.auto_confirm);
    let status = tx.status.as_ref().unwrap();
    assert_eq!((status.id, status.message.as_str()), (70000, "COMPLETED"));
    assert_eq!(
        (status.class.id, status.class()),
        (7, StatusClass::Completed)
    );
    assert!(tx.is_final() && tx.is_success() && !tx.has_failed());
    assert_eq!(tx.operator_reference.as_deref(), Some("CLARO-778812"));
    assert_eq!(tx.pin, None);
    let product = tx.product.as_ref().unwrap();
    assert_eq!(
        (product.id, &product.kind),
        (3001, &ProductType::FixedValueRecharge)
    );
    assert_eq!(product.service.subservice, None);
    let wholesale = tx.prices.as_ref().unwrap().wholesale.as_ref().unwrap();
    assert_eq!(wholesale.amount, Some(Value::Fixed(dec("12.35"))));
    assert_eq!(tx.prices.as_ref().unwrap().retail, None);
    let requested = tx.requested_values.as_ref().unwrap();
    assert_eq!(
        requested.destination.as_ref().and_then(|d| d.amount),
        Some(dec("100"))
    );
    assert_eq!(tx.adjusted_values, tx.requested_values);
    assert_eq!(
        tx.credit_party_identifier
            .as_ref()
            .and_then(|p| p.mobile_number.as_deref()),
        Some("+50212345100")
    );
    assert_eq!(
        tx.sender.as_ref().and_then(|s| s.first_name.as_deref()),
        Some("Ana")
    );
    assert_eq!(
        tx.sender
            .as_ref()
            .and_then(|s| s.nationality_country_iso_code.as_deref()),
        Some("SGP")
    );
    assert_eq!(
        tx.beneficiary
            .as_ref()
            .and_then(|s| s.first_name.as_deref()),
        Some("Luis")
    );
    assert_eq!(tx.debit_party_identifier, None);
    assert_eq!(tx.metadata, None);
    let debug = format!("{tx:?}");
    assert!(
        !debug.contains("+50212345100") && !debug.contains("Ana"),
        "{debug}"
    );

    let q = TransactionQuery::new()
        .external_id("order-42")
        .product_type(ProductType::FixedValueRecharge)
        .service_id(1)
        .subservice_id(11)
        .country_iso_code("GTM")
        .operator_id(1959)
        .status_id(70000)
        .credit_party_mobile_number("+50212345100")
        .credit_party_account_number("ACC-1")
        .from_date("1970-01-01T00:00:00.000000Z")
        .to_date("2020-02-02T14:00:00.022220+08:00");
    let p = c.list_transactions(&q).await.unwrap();
    assert_eq!(p.items.len(), 3);
    assert_eq!(p.items[0], tx);
    let declined = &p.items[1];
    assert_eq!(declined.status_class(), StatusClass::Declined);
    assert!(declined.is_final() && declined.has_failed() && !declined.is_success());
    assert_eq!(
        declined.status.as_ref().map(|s| s.message.as_str()),
        Some("DECLINED-BARRED-CREDIT-PARTY")
    );
    let created = &p.items[2];
    assert_eq!(created.status_class(), StatusClass::Created);
    assert!(!created.is_final() && !created.has_failed());
    assert!(!created.auto_confirm);
    let pin = created.pin.as_ref().unwrap();
    assert_eq!(
        (pin.code.as_deref(), pin.serial.as_deref()),
        (Some("1234-5678-9012"), Some("SN-0001"))
    );
    assert!(!format!("{pin:?}").contains("1234-5678"));
    let all: Vec<_> = c.transactions(&q).try_collect().await.unwrap();
    assert_eq!(all, p.items);
    let err = c
        .list_transactions(&TransactionQuery::new().external_id(" "))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("external_id"));
}

#[tokio::test]
async fn an_unknown_status_and_class_are_kept() {
    let server = MockServer::start().await;
    let mut tx: serde_json::Value = serde_json::from_str(&fixture("transaction.json")).unwrap();
    tx["status"] = json!({"id": 110000, "message": "ON-HOLD-REVIEW", "class": {"id": 11, "message": "ON-HOLD"}});
    tx["brand_new_field"] = json!([1, 2]);
    get("/transactions/9000000001")
        .respond_with(json_answer(&tx.to_string()))
        .mount(&server)
        .await;
    let got = client(&server).get_transaction(9000000001).await.unwrap();
    assert_eq!(got.status_class(), StatusClass::Other("ON-HOLD".into()));
    assert_eq!(
        got.status.as_ref().map(|s| s.message.as_str()),
        Some("ON-HOLD-REVIEW")
    );
    assert!(!got.is_final() && !got.is_success() && !got.has_failed());
}

/// A transaction listing that does not decode fails without the answer's
/// values: transactions hold the parties' personal data.
#[tokio::test]
async fn an_unreadable_transaction_page_keeps_no_personal_value() {
    let server = MockServer::start().await;
    let body = json!([{
        "id": 1, "external_id": "order-1",
        "credit_party_identifier": {"mobile_number": "+6595123100"},
        "benefits": 5
    }]);
    get("/transactions")
        .respond_with(page(&body.to_string(), 1, 1))
        .mount(&server)
        .await;
    let err = client(&server)
        .list_transactions(&TransactionQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_core(),
            Some(partner_sdk_dtone::core::Error::Decode(_))
        ),
        "{err:?}"
    );
    let shown = format!("{err:?} {err}");
    assert!(!shown.contains("+6595123100"), "{shown}");
}

#[tokio::test]
async fn balances_list_and_stream() {
    let server = MockServer::start().await;
    get("/balances")
        .and(query_param("unit_type", "CURRENCY"))
        .and(query_param("unit", "USD"))
        .respond_with(page(&fixture("balances.json"), 1, 1))
        .mount(&server)
        .await;
    let c = client(&server);
    let q = BalanceQuery::new()
        .unit_type(UnitType::Currency)
        .unit("USD");
    let p = c.list_balances(&q).await.unwrap();
    let b = &p.items[0];
    assert_eq!((b.id, b.unit.as_str()), (1, "USD"));
    assert_eq!(b.unit_type, Some(UnitType::Currency));
    assert_eq!(
        (b.available, b.holding, b.credit_limit),
        (dec("1520.35"), dec("12.5"), dec("0"))
    );
    let all: Vec<_> = c.balances(&q).try_collect().await.unwrap();
    assert_eq!(all, p.items);
}

#[tokio::test]
async fn mobile_number_look_ups_by_get_and_post() {
    let server = MockServer::start().await;
    get("/lookup/mobile-number/+50212345100")
        .and(query_param("page", "1"))
        .and(query_param("per_page", "10"))
        .respond_with(page(&fixture("mobile_number_operators.json"), 1, 1))
        .mount(&server)
        .await;
    post("/lookup/mobile-number")
        .and(body_json(
            json!({"mobile_number": "+50212345100", "per_page": 10}),
        ))
        .respond_with(page(&fixture("mobile_number_operators.json"), 1, 1))
        .mount(&server)
        .await;
    let c = client(&server);
    let lookup = MobileNumberLookup::new("+50212345100").per_page(10);
    let by_get = c.list_mobile_number_operators(&lookup).await.unwrap();
    let found: Vec<_> = by_get
        .items
        .iter()
        .map(|o| (o.operator.id, o.operator.name.as_str(), o.identified))
        .collect();
    assert_eq!(
        found,
        [
            (1959, "Claro Guatemala", true),
            (1960, "Tigo Guatemala", false)
        ]
    );
    assert_eq!(by_get.items[0].operator.country.iso_code, "GTM");
    let by_post = c.lookup_mobile_number(&lookup).await.unwrap();
    assert_eq!(by_post, by_get);
    assert!(!format!("{lookup:?}").contains("12345100"));
}

#[tokio::test]
async fn statement_inquiry_and_credit_party_look_ups() {
    let server = MockServer::start().await;
    post("/lookup/statement-inquiry")
        .and(body_json(
            json!({"product_id": 3005, "account_number": "ACC-77", "account_qualifier": "RES"}),
        ))
        .respond_with(page(&fixture("statements.json"), 1, 1))
        .mount(&server)
        .await;
    post("/lookup/credit-party-benefits")
        .and(body_json(json!({"service_id": 1, "credit_party_identifier": {"mobile_number": "+50212345100"}, "page": 2})))
        .respond_with(page(&fixture("credit_party_benefits.json"), 2, 2))
        .mount(&server)
        .await;
    post("/lookup/credit-party-status")
        .and(body_json(json!({"service_id": 1, "credit_party_identifier": {"account_number": "ACC-77", "account_qualifier": "RES"}})))
        .respond_with(json_answer(&fixture("credit_party_status.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let statements = c
        .lookup_statements(&StatementInquiry::new(3005, "ACC-77").account_qualifier("RES"))
        .await
        .unwrap();
    let s = &statements.items[0];
    assert_eq!(s.reference.as_deref(), Some("INV-2026-11"));
    assert_eq!(
        (s.dates.due.as_deref(), s.dates.statement.as_deref()),
        (Some("2026-12-15"), Some("2026-11-30"))
    );
    assert_eq!(
        (s.balance.unit.as_deref(), s.balance.amount),
        (Some("GTQ"), Some(dec("245.9")))
    );

    let lookup = CreditPartyLookup::new(1, CreditParty::mobile_number("+50212345100")).page(2);
    let benefits = c.lookup_credit_party_benefits(&lookup).await.unwrap();
    assert_eq!(benefits.next, None);
    let b = &benefits.items[0];
    assert_eq!(
        (&b.kind, b.unit.as_deref(), b.amount),
        (&BenefitType::Data, Some("MB"), dec("2048"))
    );
    assert_eq!(b.expiration_date.as_deref(), Some("2027-01-06T00:00:00Z"));
    assert_eq!(b.country.as_ref().map(|c| c.iso_code.as_str()), Some("GTM"));

    let status = c
        .lookup_credit_party_status(&CreditPartyLookup::new(
            1,
            CreditParty::account_number("ACC-77").account_qualifier("RES"),
        ))
        .await
        .unwrap();
    assert_eq!(
        status.installation_date.as_deref(),
        Some("2026-12-01T10:00:00Z")
    );
    assert_eq!(
        status.activation_date.as_deref(),
        Some("2026-12-01T10:05:00Z")
    );

    let nobody = CreditPartyLookup::new(1, CreditParty::default());
    let err = c.lookup_credit_party_status(&nobody).await.unwrap_err();
    assert_eq!(err.invalid_field(), Some("credit_party_identifier"));
}

#[tokio::test]
async fn a_stream_follows_x_next_page_to_the_last_page() {
    let server = MockServer::start().await;
    for n in 1..=3u32 {
        let body =
            json!([{"id": n, "name": format!("service {n}"), "subservices": []}]).to_string();
        get("/services")
            .and(query_param("page", n.to_string()))
            .respond_with(page(&body, n, 3))
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let all: Vec<_> = c
        .services(&ServiceQuery::new())
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|s| s.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(partner_sdk_test_kit::received(&server).await.len(), 3);
    let second = c.list_services(&ServiceQuery::new().page(2)).await.unwrap();
    assert_eq!(second.next, Some(3));
    let from_three: Vec<_> = c
        .services(&ServiceQuery::new().page(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(from_three.len(), 1);
}

/// A server whose every page names a next page, with new items each time:
/// the stream stops after `max_pages` pages with a pagination error.
#[tokio::test]
async fn an_endless_listing_is_cut_by_max_pages() {
    struct Endless;
    impl wiremock::Respond for Endless {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let n: u32 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            let body = json!([{"id": n, "name": "again", "subservices": []}]).to_string();
            json_answer(&body).insert_header("x-next-page", (n + 1).to_string())
        }
    }
    let server = MockServer::start().await;
    get("/services").respond_with(Endless).mount(&server).await;
    let c = builder(&server).max_pages(4).build().unwrap();
    let mut stream = c.services(&ServiceQuery::new());
    let mut seen = Vec::new();
    let err = loop {
        match stream.try_next().await {
            Ok(Some(s)) => seen.push(s.id),
            Ok(None) => panic!("an endless listing ended"),
            Err(e) => break e,
        }
    };
    assert_eq!(seen, [1, 2, 3, 4]);
    assert!(
        matches!(
            err.as_core(),
            Some(partner_sdk_dtone::core::Error::Pagination(p))
                if matches!(p.reason, partner_sdk_dtone::core::PaginationStop::MaxPages(4))
        ),
        "{err:?}"
    );
    assert_eq!(partner_sdk_test_kit::received(&server).await.len(), 4);
}

#[tokio::test]
async fn paging_is_checked_before_sending() {
    let server = MockServer::start().await;
    let c = client(&server);
    let err = c
        .list_services(&ServiceQuery::new().per_page(101))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("per_page"));
    let err = c
        .list_balances(&BalanceQuery::new().page(0))
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("page"));
    let first = c
        .products(&ProductQuery::new().per_page(0))
        .try_next()
        .await
        .unwrap_err();
    assert_eq!(first.invalid_field(), Some("per_page"));
    assert!(partner_sdk_test_kit::received(&server).await.is_empty());
}

#[tokio::test]
async fn dvs_errors_carry_their_codes() {
    let server = MockServer::start().await;
    get("/transactions/404")
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"errors":[{"code":1008004,"message":"Transaction not found"}]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    get("/balances")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .insert_header("x-ratelimit-limit", "100")
                .insert_header("x-ratelimit-remaining", "0")
                .set_body_raw(
                    r#"{"errors":[{"code":1000429,"message":"Too many requests"}]}"#,
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.get_transaction(404).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::TransactionNotFound));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    // A transaction's answer may hold personal data: its error body is
    // withheld, its code and message kept.
    assert_eq!(
        err.api().and_then(|a| a.message()),
        Some("Transaction not found")
    );
    assert!(err.errors().is_empty());
    let err = c.list_balances(&BalanceQuery::new()).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::TooManyRequests));
    assert!(err.is_retryable());
    assert_eq!(
        err.api().and_then(|a| a.retry_after()),
        Some(Duration::from_secs(1))
    );
    let body =
        dvs::ApiErrorBody::from_body(fixture("error_external_id_reused.json").as_bytes()).unwrap();
    assert_eq!(body.error_code(), Some(ErrorCode::ExternalIdReused));
}

#[tokio::test]
async fn the_rate_limit_headers_are_in_the_call_metadata() {
    let server = MockServer::start().await;
    get("/balances")
        .respond_with(
            page(&fixture("balances.json"), 1, 1)
                .insert_header("x-ratelimit-limit", "100")
                .insert_header("x-ratelimit-remaining", "97"),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let (result, calls) =
        partner_sdk_dtone::core::metadata::capture(c.list_balances(&BalanceQuery::new())).await;
    result.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].operation, "list_balances");
    let h = |n: &str| calls[0].headers.get(n).and_then(|v| v.to_str().ok());
    assert_eq!(
        (h("x-ratelimit-limit"), h("x-ratelimit-remaining")),
        (Some("100"), Some("97"))
    );
}
