//! The DT One sandbox's bill payments, through the public client: the
//! look-up answers the published sample bill, a payment must send exactly
//! its amount, and a create without `simulation` is simulated, as at DT One.

use partner_sdk_dtone::{Category, Decimal, ErrorCode, Resolution, TransactionRequest};
use partner_sdk_sandbox::dtone::{API_KEY, API_SECRET, DtoneSandbox};

const PRODUCT: i64 = 410;
const ACCOUNT: &str = "5310012345";

#[tokio::test]
async fn the_bill_is_the_published_sample() {
    let sb = DtoneSandbox::start().await;
    let bill = sb.client().get_bill(PRODUCT, ACCOUNT).await.unwrap();
    assert_eq!(bill.local_value, Decimal::from(62973));
    assert_eq!(bill.local_currency, "IDR");
    assert_eq!(bill.account_currency, "MYR");
    let details = bill.payment.as_ref().unwrap();
    assert_eq!(
        details.amount.unwrap() + details.fee.unwrap(),
        bill.local_value
    );
    assert_eq!(details.name(), Some("ABD KARIM"));
}

#[tokio::test]
async fn the_product_is_in_the_catalogue_as_a_variable_value_payment() {
    let sb = DtoneSandbox::start().await;
    let products = sb.client().list_products_by_operator(2010).await.unwrap();
    let found = products.find(PRODUCT).unwrap();
    assert_eq!(found.category, Category::VariableValuePayments);
    assert_eq!(products.len(), 1);
}

#[tokio::test]
async fn paying_the_bill_in_full_goes_through_and_can_be_looked_up() {
    let sb = DtoneSandbox::start().await;
    let client = sb.client();
    let bill = client.get_bill(PRODUCT, ACCOUNT).await.unwrap();
    let tx = client.pay_bill(&bill.payment("bill-real")).await.unwrap();
    assert!(tx.is_success());
    assert!(!tx.simulation);
    assert_eq!(tx.local_value, Some(Decimal::from(62973)));
    assert_eq!(tx.local_currency.as_deref(), Some("IDR"));
    assert_eq!(tx.wholesale_price, bill.wholesale_price);
    assert_eq!(tx.fee, Some(bill.fee));
    let simulated = client
        .pay_bill(&bill.payment("bill-sim").simulation(true))
        .await
        .unwrap();
    assert!(simulated.simulation);
    match client
        .resolve_outcome(Category::VariableValuePayments, "bill-real")
        .await
        .unwrap()
    {
        Resolution::Found(found) => assert_eq!(found.transaction_id, tx.transaction_id),
        other => panic!("{other:?}"),
    }
    assert_eq!(sb.transaction_count(), 2);
}

#[tokio::test]
async fn a_partial_payment_is_refused() {
    let sb = DtoneSandbox::start().await;
    let partial =
        TransactionRequest::new(ACCOUNT, PRODUCT, "bill-partial").local_value(Decimal::from(57973));
    let e = sb
        .client()
        .create_transaction(Category::VariableValuePayments, &partial)
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(e.code(), Some(ErrorCode::InvalidParameter));
    assert_eq!(sb.transaction_count(), 0);
}

#[tokio::test]
async fn bad_look_ups_answer_dtone_errors() {
    let sb = DtoneSandbox::start().await;
    let client = sb.client();
    let e = client.get_bill(PRODUCT, "12ab").await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::AccountNumberIncorrect));
    let e = client.get_bill(315, ACCOUNT).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::ProductTypeIncorrect));
    let e = client.get_bill(999, ACCOUNT).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::ProductNotAvailable));
}

/// A raw create, signed as the SDK signs, without `simulation`.
#[tokio::test]
async fn a_create_without_simulation_is_simulated() {
    let sb = DtoneSandbox::start().await;
    let nonce = "1700000000000123456";
    let answer = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client")
        .post(format!(
            "{}/transactions/fixed_value_recharges",
            sb.base_url()
        ))
        .header("x-transferto-apikey", API_KEY)
        .header("x-transferto-nonce", nonce)
        .header(
            "x-transferto-hmac",
            partner_sdk_dtone::hmac_signature(API_KEY, API_SECRET, nonce),
        )
        .header("content-type", "application/json")
        .body(r#"{"account_number":"+50212345678","product_id":"64","external_id":"no-flag"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    let tx: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(tx["simulation"], 1);
    assert_eq!(tx["operator_reference"], "");
}
