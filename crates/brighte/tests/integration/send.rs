//! Compile-time proof that the client, its futures and streams are Send.

use partner_sdk_brighte::{Client, ListQuery};

fn assert_send<T: Send>(_: &T) {}
fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

#[test]
fn client_futures_and_streams_are_send() {
    assert_send_sync::<Client>();
    assert_send_sync::<partner_sdk_brighte::Verifier>();
    let client = Client::builder()
        .base_url(partner_sdk_brighte::PRODUCTION_URL)
        .build()
        .unwrap();
    let q = ListQuery::new().account("E1");
    assert_send(&client.applications(&q));
    assert_send(&client.quotes(&q));
    assert_send(&client.users(&q));
    assert_send(&client.list_accounts());
    assert_send(&client.get_application("1"));
    assert_send(&client.logout());
    assert_send(&client.login());
    let f = partner_sdk_brighte::FinanceRequest::new(1.into(), 1);
    assert_send(&client.calculate_finance(&f));
    fn static_stream<S: futures::Stream + Send + 'static>(_: S) {}
    static_stream(client.applications(&q));
}

#[cfg(feature = "webhook-service")]
#[test]
fn the_webhook_handler_and_its_futures_are_send() {
    use partner_sdk_brighte::webhook::WebhookHandler;
    assert_send_sync::<WebhookHandler>();
    let client = Client::builder()
        .base_url(partner_sdk_brighte::PRODUCTION_URL)
        .build()
        .unwrap();
    let handler = WebhookHandler::new(client, partner_sdk_brighte::Verifier::new("k"), |_| async {
        Ok::<(), std::io::Error>(())
    });
    assert_send(&handler.handle(b"{}"));
}
