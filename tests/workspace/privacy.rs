//! Personal data never printed: one table over the four providers, a row per
//! public type that holds personal data or a bearer link, checked by the
//! test kit's `assert_never_printed` (`{:?}` and `{:#?}`); and the check that
//! every type whose fields are named like personal data has a row, so a new
//! type is one row here.

use partner_sdk::dtone::dvs;
use partner_sdk::{bbti, brighte, dtone, tradein_promo};
use partner_sdk_test_kit::privacy::{Row, assert_never_printed, personal_types};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FIRST: &str = "Gracie-Fn";
const LAST: &str = "Hopperly-Ln";
const MIDDLE: &str = "Brewster-Mn";
const FULL: &str = "Gracie-Fn Hopperly-Ln";
const EMAIL: &str = "gracie.hopperly@mail.example";
const PHONE: &str = "0499123456";
const DOB: &str = "1906-12-09";
const ADDRESS: &str = "12 Lovelace Lane";
const ZIP: &str = "1500077";
const CITY: &str = "Shibuya-Ward";
const STATE: &str = "Tokyo-Pref";
const BUILDING: &str = "Annex Room 404";
const OCCUPATION: &str = "Rear Admiral";
const KANA: &str = "ホッパー";
const TEAM_MEMBER: &str = "Agent Kowalski";
const SMS: &str = "Happy birthday Gracie";
const CUSTOM: &str = "loyalty-member-88120";
const ACCOUNT_NUMBER: &str = "628123456789";
const IMEI: &str = "356938035643809";
const EKYC_URL: &str = "https://ekyc.example/s/EkycKey-Zq81";
const PIN: &str = "PIN-77310421";
const PIN2: &str = "PIN-99021337";
const RESERVATION_PW: &str = "pw-Res-5521";
const API_SECRET: &str = "api-secret-Kx71";
const DOCUMENT: &[u8] = b"Invoice for Gracie-Fn Hopperly-Ln";
const DOCUMENT_BASE64: &str = "SW52b2ljZSBmb3IgR3JhY2llLUZuIEhvcHBlcmx5LUxu";
const BILL_NAME: &str = "ABD KARIM-Nm";
/// A password in a URL's user info, and a client secret.
const URL_PASSWORD: &str = "pw-Url-3318";
const CLIENT_SECRET: &str = "client-secret-Vb29";

/// A URL whose user info holds [`URL_PASSWORD`].
fn url_with_password(host: &str) -> String {
    format!("https://user:{URL_PASSWORD}@{host}/v1")
}

const PERSON: &[&str] = &[FIRST, LAST, EMAIL, PHONE];

fn bbti_rows() -> Vec<Row> {
    let kyc = bbti::KycRequest {
        transaction_id: "tx-kyc-1".into(),
        user_id_in_partner: Some(CUSTOM.into()),
        email: EMAIL.into(),
        last_name: LAST.into(),
        first_name: FIRST.into(),
        last_name_kana: Some(KANA.into()),
        first_name_kana: Some(KANA.into()),
        date_of_birth: bbti::Date::new(1906, 12, 9),
        zip: ZIP.into(),
        state: STATE.into(),
        city: CITY.into(),
        address: ADDRESS.into(),
        occupation: OCCUPATION.into(),
        redirect_url: Some("https://shop.example/kyc-done".into()),
    };
    let delivery = bbti::RegisterDeliveryRequest {
        last_name: LAST.into(),
        first_name: FIRST.into(),
        last_name_kana: Some(KANA.into()),
        first_name_kana: Some(KANA.into()),
        zip: ZIP.into(),
        state: STATE.into(),
        city: CITY.into(),
        address: ADDRESS.into(),
        building: Some(BUILDING.into()),
        phone_number: PHONE.into(),
        ..bbti::RegisterDeliveryRequest::pickup(
            "tx-delivery-1",
            bbti::Date::new(2026, 12, 24),
            bbti::PickupTime::Unspecified,
        )
    };
    let mut detail = bbti::DeliveryDetail::new(bbti::DeliveryPattern::BringIn);
    detail.reservation_id = "resv-1".into();
    detail.reservation_pw = RESERVATION_PW.into();
    vec![
        Row::new(
            "KycRequest",
            kyc,
            &[
                FIRST, LAST, EMAIL, CUSTOM, KANA, ZIP, STATE, CITY, ADDRESS, OCCUPATION, "1906",
            ],
        )
        .readable(&["tx-kyc-1"]),
        Row::new(
            "KycResponse",
            bbti::KycResponse::new("tx-kyc-1", EKYC_URL),
            &[EKYC_URL, "EkycKey"],
        )
        .readable(&["tx-kyc-1"]),
        Row::new(
            "RegisterDeliveryRequest",
            delivery,
            &[
                FIRST, LAST, KANA, ZIP, STATE, CITY, ADDRESS, BUILDING, PHONE,
            ],
        )
        .readable(&["tx-delivery-1", "2026"]),
        Row::new("DeliveryDetail", detail, &[RESERVATION_PW]).readable(&["resv-1"]),
        Row::new(
            "ClientBuilder",
            bbti::Client::builder()
                .base_url(url_with_password("api.example"))
                .token_url(url_with_password("auth.example"))
                .credentials("client-id-1", CLIENT_SECRET),
            &[URL_PASSWORD, CLIENT_SECRET],
        )
        .readable(&["api.example", "auth.example"]),
    ]
}

fn brighte_rows() -> Vec<Row> {
    let mut applicant = brighte::Applicant::default();
    applicant.id = "applicant-1".into();
    applicant.name = Some(FULL.into());
    applicant.email = Some(EMAIL.into());
    applicant.mobile = Some(PHONE.into());
    applicant.dob = Some(DOB.into());
    let mut application = brighte::Application::default();
    application.id = "app-1".into();
    application.applicants = vec![applicant.clone()];
    application.team_member = Some(TEAM_MEMBER.into());
    application.reference_number = Some("ref-1".into());
    application.status = Some(brighte::ApplicationStatus::Approved);
    application.financed_amount = Some(Decimal::new(700012, 2));
    let mut user = brighte::User::default();
    user.id = "user-1".into();
    user.role = Some(brighte::UserRole::Administrator);
    user.first_name = Some(FIRST.into());
    user.last_name = Some(LAST.into());
    user.email = Some(EMAIL.into());
    user.mobile = Some(PHONE.into());
    let new_user = brighte::NewUser {
        role: brighte::UserRole::TeamMember,
        first_name: FIRST.into(),
        last_name: LAST.into(),
        email: EMAIL.into(),
        mobile: PHONE.into(),
        account_id: brighte::AccountId::from(1357),
    };
    let update = brighte::UserUpdate::new()
        .role(brighte::UserRole::Administrator)
        .first_name(FIRST)
        .last_name(LAST)
        .email(EMAIL)
        .mobile(PHONE);
    let mut quote = brighte::Quote::default();
    quote.id = "quote-1".into();
    quote.applicant_email = Some(EMAIL.into());
    quote.applicant = Some(FULL.into());
    quote.team_member = Some(TEAM_MEMBER.into());
    quote.total_purchase_amount = Some(Decimal::new(700012, 2));
    quote.status = Some(brighte::QuoteStatus::Sent);
    let new_quote = brighte::NewQuote {
        first_name: FIRST.into(),
        last_name: LAST.into(),
        phone: PHONE.into(),
        email: EMAIL.into(),
        total_purchase_amount: Decimal::new(700012, 2),
        deposit_amount: Decimal::ZERO,
        repayment_term: 24,
        product_category: "Solar System".into(),
        product_description: "6.6 kW panels".into(),
        account_id: brighte::AccountId::from(1357),
    };
    let callout_request = brighte::CalloutRequest {
        account_id: Some(brighte::AccountId::from(1357)),
        first_name: FIRST.into(),
        last_name: LAST.into(),
        phone: PHONE.into(),
        email: EMAIL.into(),
        total_purchase_amount: Decimal::new(700012, 2),
        deposit_amount: Decimal::ZERO,
        repayment_term: 24,
        product_category: "Solar System".into(),
        product_description: "6.6 kW panels".into(),
    };
    let mut callout = brighte::Callout::default();
    callout.id = "callout-1".into();
    callout.first_name = Some(FIRST.into());
    callout.last_name = Some(LAST.into());
    callout.phone = Some(PHONE.into());
    callout.email = Some(EMAIL.into());
    callout.applicant_email = Some(EMAIL.into());
    callout.full_name = Some(FULL.into());
    callout.status = Some(brighte::CalloutStatus::Open);
    let upload = brighte::DocumentUpload::new(
        brighte::ApplicationDocumentType::Invoice,
        "invoice-1.pdf",
        DOCUMENT,
    );
    let upload_body = upload.to_body().unwrap();
    assert_eq!(upload_body.filecontent, DOCUMENT_BASE64);
    vec![
        Row::new("Applicant", applicant, &[FULL, EMAIL, PHONE, DOB]).readable(&["applicant-1"]),
        Row::new(
            "Application",
            application,
            &[FULL, EMAIL, PHONE, DOB, TEAM_MEMBER],
        )
        .readable(&["app-1", "applicant-1", "ref-1", "Approved", "7000.12"]),
        Row::new("User", user, PERSON).readable(&["user-1", "Administrator"]),
        Row::new("NewUser", new_user, PERSON).readable(&["TeamMember", "1357"]),
        Row::new("UserUpdate", update, PERSON).readable(&["Administrator"]),
        Row::new("Quote", quote, &[EMAIL, FULL, TEAM_MEMBER])
            .readable(&["quote-1", "Sent", "7000.12"]),
        Row::new("NewQuote", new_quote, PERSON).readable(&["7000.12", "24", "1357"]),
        Row::new("CalloutRequest", callout_request, PERSON).readable(&["7000.12", "1357"]),
        Row::new("Callout", callout, &[FIRST, LAST, PHONE, EMAIL, FULL])
            .readable(&["callout-1", "Open"]),
        Row::new("DocumentUpload", upload, &["Invoice for", "Gracie"]).readable(&["invoice-1.pdf"]),
        Row::new("DocumentUploadBody", upload_body, &[DOCUMENT_BASE64])
            .readable(&["invoice-1.pdf"]),
        Row::new(
            "ClientBuilder",
            brighte::Client::builder()
                .base_url(url_with_password("api.example"))
                .credentials("api-id-1", CLIENT_SECRET),
            &[URL_PASSWORD, CLIENT_SECRET],
        )
        .readable(&["api.example"]),
        Row::new(
            "Client",
            brighte::Client::builder()
                .base_url("https://api.example")
                .credentials("api-id-1", CLIENT_SECRET)
                .build()
                .unwrap(),
            &[CLIENT_SECRET],
        )
        .readable(&["api.example"]),
        Row::new(
            "UserKey",
            brighte::UserKey::new("api-id-1", API_SECRET),
            &[API_SECRET],
        )
        .readable(&["api-id-1"]),
    ]
}

fn party() -> dtone::Party {
    let mut party = dtone::Party::new()
        .first_name(FIRST)
        .middle_name(MIDDLE)
        .last_name(LAST)
        .email(EMAIL)
        .mobile(PHONE);
    party.custom_field_1 = Some(CUSTOM.into());
    party
}

fn dtone_rows(bill: dtone::Bill) -> Vec<Row> {
    let request = dtone::TransactionRequest::new(ACCOUNT_NUMBER, 315, "order-1")
        .sender(party())
        .recipient(party())
        .sender_sms(true, Some(SMS.into()))
        .recipient_sms(true, Some(SMS.into()));
    let mut tx = dtone::Transaction::default();
    tx.transaction_id = "dt-tx-1".into();
    tx.external_id = "order-1".into();
    tx.status = "0".into();
    tx.account_number = ACCOUNT_NUMBER.into();
    tx.sender = Some(party());
    tx.recipient = Some(party());
    tx.sender_sms_text = Some(SMS.into());
    tx.recipient_sms_text = Some(SMS.into());
    tx.custom_field_1 = Some(CUSTOM.into());
    tx.custom_field_2 = Some(CUSTOM.into());
    tx.custom_field_3 = Some(CUSTOM.into());
    tx.voucher = Some(dtone::Voucher::with_pins(
        Some(PIN.into()),
        Some(PIN2.into()),
    ));
    let details: dtone::BillDetails =
        serde_json::from_value(json!({"fee": 5000, "currency": "IDR", "name": BILL_NAME})).unwrap();
    let payment = bill.payment("order-bill-1");
    let everything = [
        FIRST,
        MIDDLE,
        LAST,
        EMAIL,
        PHONE,
        CUSTOM,
        SMS,
        ACCOUNT_NUMBER,
        PIN,
        PIN2,
    ];
    vec![
        Row::new(
            "Party",
            party(),
            &[FIRST, MIDDLE, LAST, EMAIL, PHONE, CUSTOM],
        ),
        Row::new("TransactionRequest", request, &everything).readable(&["order-1", "315"]),
        Row::new("Transaction", tx.clone(), &everything).readable(&["dt-tx-1", "order-1"]),
        Row::new(
            "Resolution",
            dtone::Resolution::Found(Box::new(tx)),
            &everything,
        )
        .readable(&["dt-tx-1"]),
        Row::new(
            "Voucher",
            dtone::Voucher::with_pins(Some(PIN.into()), Some(PIN2.into())),
            &[PIN, PIN2],
        ),
        Row::new("BillDetails", details, &[BILL_NAME]).readable(&["5000", "IDR"]),
        Row::new("Bill", bill, &[ACCOUNT_NUMBER, BILL_NAME]).readable(&["410", "62973"]),
        Row::new("BillPayment", payment, &[ACCOUNT_NUMBER]).readable(&["order-bill-1", "410"]),
        Row::new(
            "ClientBuilder",
            dtone::Client::builder()
                .base_url(url_with_password("api.example"))
                .credentials("key-1", CLIENT_SECRET),
            &[URL_PASSWORD, CLIENT_SECRET],
        )
        .readable(&["api.example"]),
    ]
}

fn tradein_promo_rows() -> Vec<Row> {
    vec![
        Row::new(
            "DeviceIdentification",
            tradein_promo::DeviceIdentification::Imei(IMEI.into()),
            &[IMEI],
        )
        .readable(&["Imei"]),
        Row::new(
            "PromotionRequest",
            tradein_promo::PromotionRequest::by_imei(IMEI).device_bill_code("689C"),
            &[IMEI],
        )
        .readable(&["689C"]),
        Row::new(
            "ClientBuilder",
            tradein_promo::Client::builder()
                .base_url(url_with_password("api.example"))
                .token_url(url_with_password("auth.example"))
                .credentials("client-id-1", CLIENT_SECRET)
                .scope("promo"),
            &[URL_PASSWORD, CLIENT_SECRET],
        )
        .readable(&["api.example", "auth.example"]),
    ]
}

/// DT One's DVS types: the answers decoded from JSON (they have no public
/// constructor), the requests built.
fn dvs_rows() -> Vec<Row> {
    let person = json!({
        "first_name": FIRST, "last_name": LAST, "middle_name": MIDDLE, "email": EMAIL,
        "mobile_number": PHONE, "address_text": ADDRESS, "address_city": CITY,
        "address_postal_code": ZIP, "address_country_iso_code": "SGP",
    });
    let party = json!({"mobile_number": PHONE, "account_number": ACCOUNT_NUMBER});
    let tx = json!({
        "id": 1, "external_id": "order-1", "sender": person, "beneficiary": person,
        "credit_party_identifier": party, "debit_party_identifier": party,
        "pin": {"code": PIN, "serial": "SN-1"},
        "additional_identifier": {"purchaser_id": CUSTOM},
    });
    vec![
        Row::new(
            "Person",
            serde_json::from_value::<dvs::Person>(person.clone()).unwrap(),
            &[FIRST, LAST, MIDDLE, EMAIL, PHONE, ADDRESS, CITY, ZIP],
        )
        .readable(&["SGP"]),
        Row::new(
            "PartyIdentifier",
            serde_json::from_value::<dvs::PartyIdentifier>(party.clone()).unwrap(),
            &[PHONE, ACCOUNT_NUMBER],
        ),
        Row::new(
            "Transaction",
            serde_json::from_value::<dvs::Transaction>(tx).unwrap(),
            &[FIRST, LAST, EMAIL, PHONE, ACCOUNT_NUMBER, PIN, CUSTOM],
        )
        .readable(&["order-1", "SN-1"]),
        Row::new(
            "TransactionQuery",
            dvs::TransactionQuery::new()
                .external_id("order-1")
                .credit_party_mobile_number(PHONE)
                .credit_party_account_number(ACCOUNT_NUMBER),
            &[PHONE, ACCOUNT_NUMBER],
        )
        .readable(&["order-1"]),
        Row::new(
            "CreditParty",
            dvs::CreditParty::account_number(ACCOUNT_NUMBER).account_qualifier(CUSTOM),
            &[ACCOUNT_NUMBER, CUSTOM],
        ),
        Row::new(
            "MobileNumberLookup",
            dvs::MobileNumberLookup::new(PHONE).per_page(10),
            &[PHONE],
        ),
        Row::new(
            "StatementInquiry",
            dvs::StatementInquiry::new(3005, ACCOUNT_NUMBER).account_qualifier(CUSTOM),
            &[ACCOUNT_NUMBER, CUSTOM],
        )
        .readable(&["3005"]),
        Row::new(
            "TransactionRequest",
            dvs::TransactionRequest::new("order-1", 3001)
                .credit_party(dvs::PartyIdentifier::mobile_number(PHONE))
                .debit_party(dvs::PartyIdentifier::account_number(ACCOUNT_NUMBER))
                .sender(dvs::Person::new().first_name(FIRST).email(EMAIL))
                .beneficiary(dvs::Person::new().last_name(LAST).address_city(CITY))
                .purchaser_id(CUSTOM)
                .callback_url(EKYC_URL),
            &[
                PHONE,
                ACCOUNT_NUMBER,
                FIRST,
                EMAIL,
                LAST,
                CITY,
                CUSTOM,
                EKYC_URL,
            ],
        )
        .readable(&["order-1", "3001"]),
    ]
}

/// A bill as `get_bill` answers it (a `Bill` has no public constructor).
async fn bill() -> dtone::Bill {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/product/variable_value_payments/410"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "account_currency": "MYR",
            "local_value": 62973,
            "local_currency": "IDR",
            "fee": 3,
            "payment": {"fee": 5000, "currency": "IDR", "amount": 57973, "name": BILL_NAME}
        })))
        .expect(1)
        .mount(&server)
        .await;
    dtone::Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials("key", "secret")
        .build()
        .unwrap()
        .get_bill(410, ACCOUNT_NUMBER)
        .await
        .unwrap()
}

async fn rows() -> Vec<Row> {
    let mut rows = bbti_rows();
    rows.extend(brighte_rows());
    rows.extend(dtone_rows(bill().await));
    rows.extend(dvs_rows());
    rows.extend(tradein_promo_rows());
    rows
}

#[tokio::test]
async fn no_personal_value_or_bearer_link_is_ever_printed() {
    assert_never_printed(&rows().await);
}

#[test]
fn every_type_with_a_personal_field_has_a_row() {
    let rows = {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(rows())
    };
    let covered: Vec<&str> = rows.iter().map(Row::type_name).collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let mut missing = Vec::new();
    for dir in ["bbti", "brighte", "dtone", "tradein-promo"] {
        let found = personal_types(&root.join(dir).join("src"));
        assert!(!found.is_empty(), "{dir}: the scan found no type");
        missing.extend(
            found
                .into_iter()
                .filter(|t| !covered.contains(&t.as_str()))
                .map(|t| format!("{dir}::{t}")),
        );
    }
    assert!(missing.is_empty(), "no row for {missing:?}");
}
