//! DT One's DVS OpenAPI document (`fixtures/dtone/dvs-openapi-1.23.0.json`)
//! against the DVS client: one client method per documented operation, and
//! every `example` the document gives sent or decoded as it means it.

use std::collections::BTreeSet;

use dtone::dvs::{self, ProductQuery, TransactionQuery};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn document() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/dtone/dvs-openapi-1.23.0.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every documented operation (method and path) and the client method that
/// sends it.
const OPERATIONS: [(&str, &str, &str); 26] = [
    ("GET", "/services", "list_services, services"),
    ("GET", "/services/{service_id}", "get_service"),
    ("GET", "/countries", "list_countries, countries"),
    ("GET", "/countries/{country_iso_code}", "get_country"),
    ("GET", "/operators", "list_operators, operators"),
    ("GET", "/operators/{operator_id}", "get_operator"),
    ("GET", "/benefit-types", "list_benefit_types, benefit_types"),
    ("GET", "/promotions", "list_promotions, promotions"),
    ("GET", "/promotions/{promotion_id}", "get_promotion"),
    ("GET", "/campaigns", "list_campaigns, campaigns"),
    ("GET", "/campaigns/{campaign_id}", "get_campaign"),
    ("GET", "/products", "list_products, products"),
    ("GET", "/products/{product_id}", "get_product"),
    (
        "POST",
        "/async/transactions",
        "create_transaction, create_or_resolve",
    ),
    ("POST", "/sync/transactions", "create_transaction_sync"),
    ("GET", "/transactions/{transaction_id}", "get_transaction"),
    (
        "GET",
        "/transactions",
        "list_transactions, transactions, find_by_external_id",
    ),
    (
        "POST",
        "/async/transactions/{transaction_id}/confirm",
        "confirm_transaction",
    ),
    (
        "POST",
        "/sync/transactions/{transaction_id}/confirm",
        "confirm_transaction_sync",
    ),
    (
        "POST",
        "/transactions/{transaction_id}/cancel",
        "cancel_transaction",
    ),
    ("GET", "/balances", "list_balances, balances"),
    ("POST", "/lookup/mobile-number", "lookup_mobile_number"),
    (
        "GET",
        "/lookup/mobile-number/{mobile_number}",
        "list_mobile_number_operators",
    ),
    ("POST", "/lookup/statement-inquiry", "lookup_statements"),
    (
        "POST",
        "/lookup/credit-party-benefits",
        "lookup_credit_party_benefits",
    ),
    (
        "POST",
        "/lookup/credit-party-status",
        "lookup_credit_party_status",
    ),
];

#[test]
fn the_client_has_a_method_for_each_documented_operation() {
    let doc = document();
    assert_eq!(doc["info"]["version"], "1.23.0");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, covered);
}

/// Every `example` in the document, by its JSON pointer.
fn examples(value: &Value, pointer: String, found: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "example" {
                    found.push((format!("{pointer}/example"), v.clone()));
                }
                examples(
                    v,
                    format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                    found,
                );
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                examples(v, format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// The example at `pointer`, as a string.
fn example<'a>(all: &'a [(String, Value)], pointer: &str) -> &'a Value {
    &all.iter()
        .find(|(p, _)| p == pointer)
        .unwrap_or_else(|| panic!("no example at {pointer}"))
        .1
}

#[tokio::test]
async fn every_example_of_the_document_is_sent_or_decoded_as_it_means() {
    let doc = document();
    let mut all = Vec::new();
    examples(&doc, String::new(), &mut all);
    let text = |p: &str| example(&all, p).as_str().unwrap().to_owned();

    // The ten examples, each checked below; a new one fails here first.
    let from = "/paths/~1transactions/get/parameters/9/example";
    let to = "/paths/~1transactions/get/parameters/10/example";
    let sort = "/components/schemas/product_sort/example";
    let esim = "/components/schemas/esim_balance/properties";
    let quantity = format!("{esim}/validity/properties/quantity/example");
    let interval = format!("{esim}/extended_data_policy/properties/interval/example");
    let fixed_time = format!("{esim}/extended_data_policy/properties/fixed_time/example");
    let throttle = format!("{esim}/extended_data_policy/properties/throttle_speed/example");
    let language = "/components/parameters/Accept-Language/schema/example";
    let content_language = "/components/headers/Content-Language/schema/example";
    let vary = "/components/headers/Vary/schema/example";
    let checked: BTreeSet<&str> = [
        from,
        to,
        sort,
        &quantity,
        &interval,
        &fixed_time,
        &throttle,
        language,
        content_language,
        vary,
    ]
    .into_iter()
    .collect();
    let documented: BTreeSet<&str> = all.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(documented, checked);

    let server = MockServer::start().await;
    // The date filters, as documented (microseconds, `Z` or an offset),
    // sent verbatim.
    Mock::given(method("GET"))
        .and(path("/v1/transactions"))
        .and(query_param("from_date", text(from)))
        .and(query_param("to_date", text(to)))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    // The product order and the language: sent; the answer's language
    // headers do not disturb decoding.
    Mock::given(method("GET"))
        .and(path("/v1/products"))
        .and(query_param("sort", text(sort)))
        .and(header("accept-language", text(language)))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-language", text(content_language))
                .insert_header("vary", text(vary))
                .set_body_json(json!([{"id": 1, "type": "FIXED_VALUE_RECHARGE", "name": "Uno"}])),
        )
        .expect(1)
        .mount(&server)
        .await;
    // An eSIM transaction's metadata, with the balance's examples.
    let balance = json!({
        "size": {"amount": 10, "unit": "GB"},
        "validity": {"quantity": example(&all, &quantity), "unit": "DAY"},
        "country_set": "WWW",
        "extended_data_policy": {
            "type": "UNLIMITED", "reset_type": "TIME_INTERVAL",
            "interval": text(&interval), "fixed_time": text(&fixed_time),
            "throttle_speed": text(&throttle)
        }
    });
    Mock::given(method("GET"))
        .and(path("/v1/transactions/5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 5, "external_id": "esim-1",
            "metadata": {"type": "ESIM", "activation_type": "DATA_PLAN", "balance": balance}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = dvs::Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .credentials("key", "secret")
        .build()
        .unwrap();
    let page = client
        .list_transactions(
            &TransactionQuery::new()
                .from_date(text(from))
                .to_date(text(to)),
        )
        .await
        .unwrap();
    assert!(page.items.is_empty());
    let products = client
        .list_products(
            &ProductQuery::new()
                .sort(text(sort))
                .language(text(language)),
        )
        .await
        .unwrap();
    assert_eq!(products.items[0].name, "Uno");
    let tx = client.get_transaction(5).await.unwrap();
    let metadata = Value::Object(tx.metadata.unwrap());
    assert_eq!(metadata["balance"], balance);
    assert_eq!(metadata["balance"]["validity"]["quantity"], 365);
}
