//! Compile-time proof that the client, its futures and streams are `Send`
//! (and the client `Sync`).

use partner_sdk_bbti::*;

fn assert_send<T: Send>(_: &T) {}
fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn client_futures_and_streams_are_send() {
    assert_send_sync::<Client>();
    assert_send_sync::<Error>();
    let c = Client::builder()
        .base_url("http://127.0.0.1:9")
        .token_url("http://127.0.0.1:9/auth/v1/token")
        .credentials("id", "secret")
        .build()
        .unwrap();
    let pq = PriceQuery::new();
    let mq = ModelQuery::new();
    let pr = PriceProductRequest::new("p", "m");
    let cr = PriceByAppCodeRequest::new("p", "c");
    let k = KycRequest::default();
    let d = RegisterDeliveryRequest::default();
    assert_send(&c.list_manufacturers(&ManufacturerQuery::new()));
    assert_send(&c.list_series(&SeriesQuery::new()));
    assert_send(&c.list_models(&mq));
    assert_send(&c.list_prices(&pq));
    assert_send(&c.price_products(&pr));
    assert_send(&c.price_codes(&cr));
    assert_send(&c.register_kyc(&k));
    assert_send(&c.register_delivery(&d));
    assert_send(&c.get_transaction("t"));
    assert_send(&c.models(&mq));
    assert_send(&c.prices(&pq));
    assert_send(&read_csv_async(tokio::io::empty()));
}
