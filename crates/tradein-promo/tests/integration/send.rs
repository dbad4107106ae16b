//! Compile-time proof that the client and its futures are `Send` (+ `Sync`).

use partner_sdk_tradein_promo::{Client, PromotionRequest, PromotionResponse};

fn assert_send<T: Send>(_: &T) {}
fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn client_is_send_sync_and_its_futures_are_send() {
    assert_send_sync::<Client>();
    fn assert_clone<T: Clone>() {}
    assert_clone::<Client>();
    assert_send_sync::<partner_sdk_tradein_promo::Error>();
    assert_send_sync::<PromotionResponse>();
    let client = Client::builder()
        .base_url("http://127.0.0.1:9/omni-svcs")
        .token_url("http://127.0.0.1:9/token")
        .credentials("id", "secret")
        .scope("s")
        .build()
        .unwrap();
    let request = PromotionRequest::by_imei("1");
    let future = client.get_promotion(&request);
    assert_send(&future);
    drop(future);
}
