//! The DT One sandbox, driven through the `dtone` client's public API.

use std::str::FromStr;

use partner_sdk_dtone::{
    AccountVerification, Category, Client, Decimal, ErrorCode, OperatorFilter, ProductFilter,
    Resolution, TransactionRequest,
};
use partner_sdk_sandbox::dtone::{API_KEY, API_SECRET, DtoneSandbox};

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[tokio::test]
async fn ping_and_discovery_with_filters() {
    let sb = DtoneSandbox::start().await;
    let c = sb.client();
    assert!(c.ping().await.unwrap().is_up());
    assert_eq!(c.list_countries(None).await.unwrap().len(), 3);
    let tv = c.list_countries(Some(1)).await.unwrap();
    assert_eq!(tv.len(), 1);
    assert_eq!(
        (tv[0].country_id, tv[0].country.as_str()),
        (756, "Guatemala")
    );
    assert_eq!(c.list_services(None).await.unwrap().len(), 3);
    let india = c.list_services(Some(766)).await.unwrap();
    assert_eq!(
        india.iter().map(|s| s.service_id).collect::<Vec<_>>(),
        vec![7]
    );
    assert_eq!(c.list_country_services(756).await.unwrap().len(), 2);
    let ops = c
        .list_operators(&OperatorFilter::new().country_id(756).service_id(7))
        .await
        .unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].operator, "Tigo Guatemala");
    assert_eq!(
        c.list_operators(&OperatorFilter::new())
            .await
            .unwrap()
            .len(),
        4
    );
    let err = c.list_country_services(999).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound));
}

#[tokio::test]
async fn products_by_operator_country_and_service_with_filters() {
    let sb = DtoneSandbox::start().await;
    let c = sb.client();
    let claro = c.list_products_by_operator(1959).await.unwrap();
    assert_eq!(claro.fixed_value_recharges.len(), 2);
    assert_eq!(claro.fixed_value_recharges[0].wholesale_price, dec("12.5"));
    assert_eq!(claro.len(), 2);

    let guatemala = c
        .list_products_by_country(756, &ProductFilter::new())
        .await
        .unwrap();
    assert_eq!(guatemala.len(), 3);
    assert_eq!(guatemala.fixed_value_vouchers[0].product_id, 70);
    let guatemala_tv = c
        .list_products_by_country(756, &ProductFilter::new().service_id(1))
        .await
        .unwrap();
    assert_eq!(guatemala_tv.len(), 2);
    let tigo = c
        .list_products_by_country(756, &ProductFilter::new().operator_id(2003))
        .await
        .unwrap();
    assert_eq!(
        tigo.iter()
            .map(|p| p.product.product_id())
            .collect::<Vec<_>>(),
        vec![70]
    );

    let bundles = c
        .list_products_by_service(7, &ProductFilter::new())
        .await
        .unwrap();
    assert_eq!(bundles.len(), 2);
    let bundles_india = c
        .list_products_by_service(7, &ProductFilter::new().country_id(766))
        .await
        .unwrap();
    assert_eq!(bundles_india.variable_value_recharges[0].product_id, 315);
    assert_eq!(bundles_india.len(), 1);
    let none = c
        .list_products_by_service(7, &ProductFilter::new().operator_id(1959))
        .await
        .unwrap();
    assert!(none.is_empty());
    let err = c.list_products_by_operator(4242).await.unwrap_err();
    assert_eq!(err.api().unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn suggested_values_and_account_verification() {
    let sb = DtoneSandbox::start().await;
    let c = sb.client();
    let values = c.list_suggested_values(315).await.unwrap();
    assert_eq!(values.len(), 2);
    assert_eq!(values[0].info("validity").as_deref(), Some("1 Day"));
    let err = c.list_suggested_values(64).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ProductTypeIncorrect));

    assert_eq!(
        c.verify_account_number(64, "+50212345678").await.unwrap(),
        AccountVerification::Verified
    );
    assert_eq!(
        c.verify_account_number(315, "12ab").await.unwrap(),
        AccountVerification::NotVerified
    );
    assert_eq!(
        c.verify_account_number(70, "+50212345678").await.unwrap(),
        AccountVerification::NotAvailable
    );
    let err = c.verify_account_number(9999, "1").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ProductNotAvailable));
}

#[tokio::test]
async fn simulated_transactions_are_created_looked_up_and_deduplicated() {
    let sb = DtoneSandbox::start().await;
    let c = sb.client();
    let request = TransactionRequest::new("+919876543210", 315, "sb-order-1")
        .simulation(true)
        .local_value(dec("19"));
    let tx = c
        .create_transaction(Category::VariableValueRecharges, &request)
        .await
        .unwrap();
    assert!(tx.is_success());
    assert!(tx.simulation);
    assert_eq!(tx.external_id, "sb-order-1");
    assert_eq!(tx.product_id, Some(315));
    assert_eq!(tx.local_value, Some(dec("19")));
    assert!(tx.date.is_some());
    assert_eq!(sb.transaction_count(), 1);

    let again = c
        .create_transaction(Category::VariableValueRecharges, &request)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(ErrorCode::ExternalIdAlreadyUsed));

    let found = c
        .get_transaction_by_external_id(Category::VariableValueRecharges, "sb-order-1")
        .await
        .unwrap();
    assert_eq!(found, tx);
    assert_eq!(
        c.resolve_outcome(Category::VariableValueRecharges, "unknown-id")
            .await
            .unwrap(),
        Resolution::NotFound
    );
    let err = c
        .get_transaction_by_external_id(Category::VariableValueRecharges, "unknown-id")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound));
    assert_eq!(sb.transaction_count(), 1);
}

#[tokio::test]
async fn vouchers_carry_a_pin_unless_simulated_and_bad_input_is_refused() {
    let sb = DtoneSandbox::start().await;
    let c = sb.client();
    let sim = c
        .create_transaction(
            Category::FixedValueVouchers,
            &TransactionRequest::new("+50212345678", 70, "v-sim").simulation(true),
        )
        .await
        .unwrap();
    assert_eq!(sim.voucher.as_ref().unwrap().pin(), None);
    let real = c
        .create_transaction(
            Category::FixedValueVouchers,
            &TransactionRequest::new("+50212345678", 70, "v-real"),
        )
        .await
        .unwrap();
    assert!(real.voucher.as_ref().unwrap().pin().is_some());

    let wrong_type = c
        .create_transaction(
            Category::FixedValueVouchers,
            &TransactionRequest::new("+50212345678", 64, "w-1"),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong_type.code(), Some(ErrorCode::ProductNotCompatible));
    let bad_account = c
        .create_transaction(
            Category::FixedValueRecharges,
            &TransactionRequest::new("not-a-number", 64, "w-2"),
        )
        .await
        .unwrap_err();
    assert_eq!(bad_account.code(), Some(ErrorCode::AccountNumberIncorrect));
    let unknown = c
        .create_transaction(
            Category::FixedValueRecharges,
            &TransactionRequest::new("+50212345678", 4242, "w-3"),
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Some(ErrorCode::ProductNotAvailable));
    assert_eq!(sb.transaction_count(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_the_documented_body() {
    let sb = DtoneSandbox::start().await;
    let wrong = Client::builder()
        .base_url(sb.base_url())
        .credentials(API_KEY, "not-the-secret")
        .build()
        .unwrap();
    let err = wrong.ping().await.unwrap_err();
    assert_eq!(err.api().unwrap().status().as_u16(), 401);
    assert_eq!(err.code(), Some(ErrorCode::Unauthorized));
    let stranger = Client::builder()
        .base_url(sb.base_url())
        .credentials("someone-else", API_SECRET)
        .build()
        .unwrap();
    assert_eq!(
        stranger
            .list_products_by_operator(1959)
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::Unauthorized)
    );
    assert_eq!(sb.api_key(), API_KEY);
    assert_eq!(sb.api_secret(), API_SECRET);
}

#[tokio::test]
async fn missing_headers_and_reused_nonces_are_refused() {
    let sb = DtoneSandbox::start().await;
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client");
    let url = format!("{}/ping", sb.base_url());
    let missing = http.get(&url).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 401);
    let body: serde_json::Value = serde_json::from_slice(&missing.bytes().await.unwrap()).unwrap();
    assert_eq!(body["errors"][0]["code"], 1000401);

    let nonce = "1543000000000";
    let signed = || {
        http.get(&url)
            .header("X-TransferTo-apikey", API_KEY)
            .header("X-TransferTo-nonce", nonce)
            .header(
                "X-TransferTo-hmac",
                partner_sdk_dtone::hmac_signature(API_KEY, API_SECRET, nonce),
            )
            .send()
    };
    assert_eq!(signed().await.unwrap().status().as_u16(), 200);
    let replay = signed().await.unwrap();
    assert_eq!(replay.status().as_u16(), 401);
    let body: serde_json::Value = serde_json::from_slice(&replay.bytes().await.unwrap()).unwrap();
    assert_eq!(body["errors"][0]["code"], 1000401);
}

#[tokio::test]
async fn concurrent_calls_from_one_client_all_pass_the_nonce_check() {
    let sb = DtoneSandbox::start().await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let c = sb.client();
            tokio::spawn(async move { c.ping().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_the_key_are_never_refused_for_a_reused_nonce() {
    let sb = DtoneSandbox::start().await;
    // Two replicas: separate clients, one API key.
    let replica = || {
        Client::builder()
            .base_url(sb.base_url())
            .credentials(API_KEY, API_SECRET)
            .build()
            .unwrap()
    };
    let tasks: Vec<_> = [replica(), replica()]
        .into_iter()
        .flat_map(|c| {
            (0..100).map(move |_| {
                let c = c.clone();
                tokio::spawn(async move { c.ping().await })
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

/// wiremock verifies a server on drop by blocking on an async lock; dropped
/// in a task whose cooperative budget is spent, that spun forever (it hung
/// this suite once, after the 200 pings above). The fake shuts its server
/// down on a thread of its own.
#[tokio::test]
async fn a_fake_dropped_with_its_tasks_budget_spent_shuts_down() {
    let sb = DtoneSandbox::start().await;
    assert!(sb.client().ping().await.unwrap().is_up());
    while tokio::task::coop::has_budget_remaining() {
        tokio::task::coop::consume_budget().await;
    }
    drop(sb);
}

#[tokio::test]
async fn start_on_a_given_listener() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sb = DtoneSandbox::start_on(listener).await;
    assert!(sb.base_url().contains(&port.to_string()));
    assert!(sb.client().ping().await.unwrap().is_up());
}
