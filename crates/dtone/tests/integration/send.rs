//! Compile-time proof that the client, its futures and its errors are `Send`
//! (and the client `Sync`), so they work on multi-threaded runtimes.

use partner_sdk_dtone::{Category, Client, Error, ProductFilter, TransactionRequest};

fn send_sync<T: Send + Sync>(_: &T) {}
fn send<T: Send>(_: &T) {}

#[allow(dead_code)]
fn futures_are_send(c: &Client, req: &TransactionRequest) {
    send(&c.ping());
    send(&c.list_countries(None));
    send(&c.list_services(None));
    send(&c.list_operators(&partner_sdk_dtone::OperatorFilter::new()));
    send(&c.list_country_services(1));
    send(&c.list_products_by_operator(1));
    send(&c.list_products_by_country(1, &ProductFilter::new()));
    send(&c.list_products_by_service(1, &ProductFilter::new()));
    send(&c.list_suggested_values(1));
    send(&c.verify_account_number(1, "1"));
    send(&c.create_transaction(Category::FixedValueRecharges, req));
    send(&c.get_transaction_by_external_id(Category::FixedValueRecharges, "x"));
    send(&c.resolve_outcome(Category::FixedValueRecharges, "x"));
    send(&c.create_or_resolve(Category::FixedValueRecharges, req));
}

#[test]
fn client_and_errors_are_send_and_sync() {
    let c = Client::builder()
        .base_url(partner_sdk_dtone::PRODUCTION_URL)
        .credentials("k", "s")
        .build()
        .unwrap();
    send_sync(&c);
    let e: Error = Client::builder().build().unwrap_err();
    send_sync(&e);
    let _ = futures_are_send;
}
