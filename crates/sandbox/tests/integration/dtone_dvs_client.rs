//! The DVS client against the DVS sandbox: all 26 operations through the
//! typed client, every row of the pre-production suffix table through a
//! synchronous create, and the balance as a top-up moves it.

use std::time::Duration;

use partner_sdk_dtone::Decimal;
use partner_sdk_dtone::dvs::{
    BalanceQuery, CampaignQuery, CountryQuery, CreditParty, CreditPartyLookup, ErrorCode,
    MobileNumberLookup, OperatorQuery, PageQuery, PartyIdentifier, ProductQuery, PromotionQuery,
    Resolution, ServiceQuery, StatementInquiry, StatusClass, TransactionQuery, TransactionRequest,
};
use partner_sdk_sandbox::dtone_dvs::DtoneDvsSandbox;

fn topup(external_id: &str, number: &str) -> TransactionRequest {
    TransactionRequest::new(external_id, 1).credit_party(PartyIdentifier::mobile_number(number))
}

fn usd_available(balance: &[partner_sdk_dtone::dvs::Balance]) -> Decimal {
    balance
        .iter()
        .find(|b| b.unit == "USD")
        .map(|b| b.available)
        .unwrap_or_default()
}

#[tokio::test]
async fn every_read_operation_through_the_client() {
    let sandbox = DtoneDvsSandbox::start().await;
    let c = sandbox.client();
    // Discovery: services, countries, operators, benefit types, promotions,
    // campaigns, products, each listed and (where DVS has it) read by id.
    let services = c.list_services(&ServiceQuery::new()).await.unwrap();
    assert!(!services.items.is_empty());
    let service = c.get_service(services.items[0].id).await.unwrap();
    assert_eq!(service.id, services.items[0].id);
    let countries = c.list_countries(&CountryQuery::new()).await.unwrap().items;
    let country = c.get_country(&countries[0].iso_code).await.unwrap();
    assert_eq!(country.iso_code, countries[0].iso_code);
    let operators = c.list_operators(&OperatorQuery::new()).await.unwrap();
    let operator = c.get_operator(operators.items[0].id).await.unwrap();
    assert_eq!(operator.id, operators.items[0].id);
    assert!(
        !c.list_benefit_types(&PageQuery::new())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let promotions = c.list_promotions(&PromotionQuery::new()).await.unwrap();
    let promotion = c.get_promotion(promotions.items[0].id, None).await.unwrap();
    assert_eq!(promotion.id, promotions.items[0].id);
    let campaigns = c.list_campaigns(&CampaignQuery::new()).await.unwrap();
    let campaign = c.get_campaign(campaigns.items[0].id).await.unwrap();
    assert_eq!(campaign.id, campaigns.items[0].id);
    let products = c.list_products(&ProductQuery::new()).await.unwrap().items;
    assert!(products.len() >= 4);
    let product = c.get_product(1, None).await.unwrap();
    assert_eq!(product.id, 1);
    let missing = c.get_product(99, None).await.unwrap_err();
    assert_eq!(missing.code(), Some(ErrorCode::ProductNotAvailable));
    // Look-ups.
    let by_path = c
        .list_mobile_number_operators(&MobileNumberLookup::new("+6595123100"))
        .await
        .unwrap();
    assert_eq!(by_path.items[0].operator.id, 1);
    let by_post = c
        .lookup_mobile_number(&MobileNumberLookup::new("+6281234567100"))
        .await
        .unwrap();
    assert_eq!(by_post.items[0].operator.id, 2);
    let statements = c
        .lookup_statements(&StatementInquiry::new(4, "5123456789"))
        .await
        .unwrap();
    assert_eq!(statements.items.len(), 1);
    let party = CreditPartyLookup::new(1, CreditParty::mobile_number("+6595123100"));
    assert!(
        !c.lookup_credit_party_benefits(&party)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let status = c.lookup_credit_party_status(&party).await.unwrap();
    assert!(status.activation_date.is_some());
    // Balances.
    let balances = c.list_balances(&BalanceQuery::new()).await.unwrap();
    assert!(usd_available(&balances.items) > Decimal::ZERO);
}

#[tokio::test]
async fn a_top_up_created_confirmed_and_completed_moves_the_balance() {
    let sandbox = DtoneDvsSandbox::start().await;
    let c = sandbox.client();
    let before = usd_available(&c.list_balances(&BalanceQuery::new()).await.unwrap().items);
    let created = c
        .create_transaction(&topup("order-1", "+6595123100"))
        .await
        .unwrap();
    assert_eq!(created.status_class(), StatusClass::Created);
    let held = c.list_balances(&BalanceQuery::new()).await.unwrap().items;
    assert!(
        usd_available(&held) < before,
        "funds move to holding on CREATED"
    );
    let confirmed = c.confirm_transaction(created.id).await.unwrap();
    assert!(!confirmed.has_failed());
    // A second confirm is "already done" (1007002).
    assert_eq!(
        c.confirm_transaction(created.id).await.unwrap().id,
        created.id
    );
    let mut tx = c.get_transaction(created.id).await.unwrap();
    for _ in 0..200 {
        if tx.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        tx = c.get_transaction(created.id).await.unwrap();
    }
    assert!(tx.is_success(), "{:?}", tx.status);
    let after = usd_available(&c.list_balances(&BalanceQuery::new()).await.unwrap().items);
    assert!(after < before);
    // Listed, found by external_id, reused external_id found again.
    let listed = c
        .list_transactions(&TransactionQuery::new().external_id("order-1"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    match c.find_by_external_id("order-1").await.unwrap() {
        Resolution::Found(found) => assert_eq!(found.id, created.id),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.find_by_external_id("never").await.unwrap(),
        Resolution::NotFound
    );
    let again = c
        .create_transaction(&topup("order-1", "+6595123100"))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(ErrorCode::ExternalIdReused));
    let resolved = c
        .create_or_resolve(&topup("order-1", "+6595123100"))
        .await
        .unwrap();
    assert_eq!(resolved.id, created.id);
}

#[tokio::test]
async fn a_cancelled_top_up_releases_its_funds_and_a_second_cancel_is_done() {
    let sandbox = DtoneDvsSandbox::start().await;
    let c = sandbox.client();
    let before = usd_available(&c.list_balances(&BalanceQuery::new()).await.unwrap().items);
    let created = c
        .create_transaction(&topup("order-2", "+6595123100"))
        .await
        .unwrap();
    let cancelled = c.cancel_transaction(created.id).await.unwrap();
    assert_eq!(cancelled.status_class(), StatusClass::Cancelled);
    assert_eq!(
        c.cancel_transaction(created.id)
            .await
            .unwrap()
            .status_class(),
        StatusClass::Cancelled
    );
    let after = usd_available(&c.list_balances(&BalanceQuery::new()).await.unwrap().items);
    assert_eq!(after, before);
    let late = c.confirm_transaction(created.id).await.unwrap_err();
    assert!(late.code().is_some(), "{late}");
    let unknown = c.get_transaction(999_999).await.unwrap_err();
    assert_eq!(unknown.code(), Some(ErrorCode::TransactionNotFound));
}

/// A synchronous top-up of a number ending in `suffix`, confirmed on
/// creation: its final status, whether it carries a PIN and its class. A
/// `3XX` row takes longer than DT One holds a synchronous call (180 s,
/// scaled): its answer is not final, and the final status is fetched.
async fn row(sandbox: &DtoneDvsSandbox, suffix: &str) -> (String, bool, StatusClass) {
    let c = sandbox.client();
    let number = format!("+6595123{suffix}");
    let mut tx = c
        .create_transaction_sync(
            &topup(&format!("row-{suffix}"), &number).auto_confirm(true),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(
        tx.is_final(),
        !suffix.starts_with('3'),
        "{suffix}: {:?}",
        tx.status
    );
    for _ in 0..500 {
        if tx.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        tx = c.get_transaction(tx.id).await.unwrap();
    }
    let status = tx.status.clone().unwrap_or_default();
    let pin = tx.pin.as_ref().is_some_and(|p| p.code.is_some());
    (status.message, pin, tx.status_class())
}

#[tokio::test]
async fn every_row_of_the_suffix_table_through_a_synchronous_create() {
    let sandbox = DtoneDvsSandbox::start().await;
    let rows = [
        ("100", "COMPLETED", false),
        ("200", "COMPLETED", false),
        ("300", "COMPLETED", false),
        ("101", "COMPLETED", true),
        ("201", "COMPLETED", true),
        ("102", "DECLINED-INVALID-CREDIT-PARTY", false),
        ("103", "DECLINED-BARRED-CREDIT-PARTY", false),
        ("104", "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE", false),
        ("105", "DECLINED-DUPLICATED-TRANSACTION", false),
        ("106", "DECLINED", false),
        ("107", "DECLINED-EXCEPTION", false),
    ];
    for (suffix, status, pin) in rows {
        let (got, got_pin, class) = row(&sandbox, suffix).await;
        assert_eq!((got.as_str(), got_pin), (status, pin), "{suffix}");
        assert_eq!(class.is_success(), status == "COMPLETED", "{suffix}");
    }
}
