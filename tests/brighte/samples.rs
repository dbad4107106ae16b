//! The seed's samples that are not endpoint calls: checkout request and
//! form, redirect, webhook payload, POD templates, request bodies; and the
//! independent test vectors.

use crate::support as common;

use std::time::Duration;

use brighte::checkout::{self, CheckoutRequest, ProductCategoryName};
use brighte::webhook::{self, Ack};
use brighte::{
    AccountId, ApplicationStatus, CalloutRequest, FinanceRequest, FinanceType, InMemoryReplayStore,
    NewQuote, NewUser, RepaymentRequest, UserRole, Verifier,
};
use common::*;
use serde_json::json;

const CHECKSUM: &str = "03c1b09f674be675da01bddd39936b28e1bbb360802066d445f304147bc441ff";

fn html_form_values(html: &str) -> Vec<(String, String)> {
    html.lines()
        .filter(|l| l.starts_with("<input"))
        .map(|l| {
            let attr = |name: &str| {
                let start = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let end = start + l[start..].find('"').unwrap();
                l[start..end].to_owned()
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

#[test]
fn checksum_of_the_seed_html_form_matches_the_independent_vector() {
    let sample = html_form_values(&fixture("checkout_form.html"));
    let form = CheckoutRequest::new(
        "http://yourwebsite.com/checkout-success.html",
        d("7000"),
        d("700"),
        24,
        ProductCategoryName::from("Storage Battery(s)"),
        "Powerwall Home Battery",
    )
    .into_form()
    .unwrap();
    assert_eq!(form.checksum(), CHECKSUM);
    let ours: Vec<(String, String)> = form
        .fields()
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let strip = |v: &[(String, String)]| -> Vec<(String, String)> {
        v.iter().filter(|(k, _)| k != "checksum").cloned().collect()
    };
    assert_eq!(strip(&ours), strip(&sample), "same fields, same order");
    let placeholder = &sample.iter().find(|(k, _)| k == "checksum").unwrap().1;
    assert_eq!(
        placeholder.len(),
        32,
        "the seed's checksum is a 32-hex placeholder"
    );
    assert_ne!(form.checksum(), placeholder);
}

#[test]
fn checkout_json_sample_has_the_fields_we_post() {
    let sample: serde_json::Value =
        serde_json::from_str(&fixture("checkout_request.json")).unwrap();
    let form = CheckoutRequest::new(
        "http://yourwebsite.com/checkout-success?yourtrackingid=S888",
        d("7000.12"),
        d("750.24"),
        24,
        ProductCategoryName::from("Storage Battery(s)"),
        "Powerwall Home Battery",
    )
    .reference_number("12345J")
    .into_form()
    .unwrap();
    let mut ours = form.to_json();
    let mut theirs = sample.clone();
    ours.as_object_mut().unwrap().remove("checksum");
    theirs.as_object_mut().unwrap().remove("checksum");
    assert_eq!(ours, theirs);
    let joined = "http://yourwebsite.com/checkout-success?yourtrackingid=S8887000.12750.2424Storage Battery(s)Powerwall Home Battery";
    assert_eq!(
        form.checksum(),
        partner_sdk::core::signature::sha256_hex(joined)
    );
}

#[test]
fn checkout_validation_names_the_field() {
    let ok = || {
        CheckoutRequest::new(
            "https://shop.example/done?x=1",
            d("1000"),
            d("0"),
            12,
            ProductCategoryName::SolarSystem,
            "Panels",
        )
    };
    let field = |r: CheckoutRequest| match r.into_form().unwrap_err().as_core() {
        Some(partner_sdk::core::Error::InvalidInput(e)) => e.field.to_string(),
        other => panic!("{other:?}"),
    };
    assert!(ok().into_form().is_ok());
    assert_eq!(
        field(CheckoutRequest {
            redirect: "/relative".into(),
            ..ok()
        }),
        "redirect"
    );
    assert_eq!(
        field(CheckoutRequest {
            redirect: "ftp://x/y".into(),
            ..ok()
        }),
        "redirect"
    );
    assert_eq!(
        field(CheckoutRequest {
            deposit_amount: d("1001"),
            ..ok()
        }),
        "deposit_amount"
    );
    assert_eq!(
        field(CheckoutRequest {
            total_purchase_amount: d("-1"),
            ..ok()
        }),
        "total_purchase_amount"
    );
    assert_eq!(
        field(CheckoutRequest {
            repayment_term: 0,
            ..ok()
        }),
        "repayment_term"
    );
    assert_eq!(
        field(CheckoutRequest {
            product_category: "Jet Skis".into(),
            ..ok()
        }),
        "product_category"
    );
    assert_eq!(
        field(CheckoutRequest {
            product_description: " ".into(),
            ..ok()
        }),
        "product_description"
    );
    assert_eq!(
        field(ok().reference_number("123456789012345678901")),
        "reference_number"
    );
    assert!(
        ok().reference_number("12345678901234567890")
            .into_form()
            .is_ok()
    );
    assert_eq!(ProductCategoryName::KNOWN.len(), 32);
    assert_eq!(
        ProductCategoryName::from("battery storage"),
        ProductCategoryName::BatteryStorage
    );
}

#[test]
fn redirect_success_failure_and_signature() {
    let r = checkout::parse_redirect("?error_code=10000&transaction_id=123456").unwrap();
    assert_eq!(r.transaction_id, "123456");
    let err = checkout::parse_redirect(
        "https://shop.example/done?error_code=10002&error_msg=Invalid+deposit",
    )
    .unwrap_err();
    match err {
        brighte::Error::Checkout(e) => {
            assert_eq!(e.code, "10002");
            assert_eq!(e.message, "Invalid deposit");
        }
        other => panic!("{other:?}"),
    }
    let signed =
        format!("error_code=10000&transaction_id=77&timestamp={TS}&token={TOKEN}&signature={SIG}");
    let key = Verifier::new(KEY);
    let r = checkout::verify_redirect_at(&key, &signed, at(946684800)).unwrap();
    assert_eq!(r.timestamp(), 946684800);
    assert_eq!(r.token(), TOKEN);
    assert_eq!(r.claims().transaction_id, "77");
    let is_sig =
        |e: brighte::Error| matches!(e.as_core(), Some(partner_sdk::core::Error::Signature(_)));
    assert!(is_sig(
        checkout::verify_redirect(&Verifier::new("wrong-key"), &signed).unwrap_err()
    ));
    assert!(is_sig(
        checkout::verify_redirect(&key, "error_code=10000&transaction_id=77").unwrap_err()
    ));
    let flipped = signed.replace("fec7", "fec8");
    assert!(is_sig(
        checkout::verify_redirect(&key, &flipped).unwrap_err()
    ));
    // A failure code is reported only after the signature verified.
    let failed =
        format!("error_code=10002&error_msg=Bad&timestamp={TS}&token={TOKEN}&signature={SIG}");
    assert!(matches!(
        checkout::verify_redirect_at(&key, &failed, at(946684800)).unwrap_err(),
        brighte::Error::Checkout(_)
    ));
    assert!(is_sig(
        checkout::verify_redirect(&Verifier::new("wrong-key"), &failed).unwrap_err()
    ));
    // The redirect path has a tolerance and, with it, a replay store.
    let is_too_old = |e: brighte::Error| matches!(e, brighte::Error::Notice(n) if matches!(*n, brighte::NoticeError::TooOld { .. }));
    let tolerant = Verifier::new(KEY).tolerance(Duration::from_secs(60));
    checkout::verify_redirect_at(&tolerant, &signed, at(946684830)).unwrap();
    assert!(
        is_too_old(checkout::verify_redirect_at(&tolerant, &signed, at(946685800)).unwrap_err()),
        "stale"
    );
    let store = std::sync::Arc::new(InMemoryReplayStore::new());
    let v = Verifier::new(KEY).replay_store(Duration::from_secs(60), store.clone());
    checkout::verify_redirect_at(&v, &signed, at(946684830)).unwrap();
    assert!(
        is_sig(checkout::verify_redirect_at(&v, &signed, at(946684830)).unwrap_err()),
        "replay"
    );
    assert!(
        is_too_old(checkout::verify_redirect_at(&v, &signed, at(946685800)).unwrap_err()),
        "stale"
    );
    assert_eq!(store.len(), 1);
}

#[test]
fn webhook_sample_parses_and_the_vector_verifies() {
    let sample = fixture("webhook_payload.json");
    let raw = brighte::WebhookPayload::parse(sample.as_bytes()).unwrap();
    assert_eq!(raw.id, "BRIGHTEID");
    assert_eq!(raw.reference_number.as_deref(), Some("BRIGHTEREF"));
    assert_eq!(raw.timestamp, TS);
    assert_eq!(raw.token, TOKEN);
    assert_eq!(raw.token.len(), 50);
    let tolerant = |key: &str| Verifier::new(key).tolerance(Duration::from_secs(300));
    // The seed's signature was made with an unknown key: it fails with ours.
    assert!(webhook::verify_at(&tolerant(KEY), sample.as_bytes(), at(946684800)).is_err());
    // The independent vector: same timestamp and token, signed with KEY.
    let ours = sample.replace(
        "4743b5be4b4eddebb7fc43d6bff001a067e1c7e11c69a2d022fb465e4e6ae4e8",
        SIG,
    );
    let notice = webhook::verify_at(&tolerant(KEY), ours.as_bytes(), at(946684900)).unwrap();
    assert_eq!(notice.timestamp(), 946684800);
    assert_eq!(notice.token(), TOKEN);
    // The status is a claim: the signature does not cover it.
    assert_eq!(notice.claims().status, Some(ApplicationStatus::Approved));
    assert_eq!(notice.claims().application_id, "BRIGHTEID");
    let forged = ours.replace("APPROVED", "PAID");
    let forged = webhook::verify_at(&tolerant(KEY), forged.as_bytes(), at(946684900)).unwrap();
    assert_eq!(forged.timestamp(), notice.timestamp());
    assert_eq!(forged.claims().status, Some(ApplicationStatus::Paid));

    let is_sig = |r: brighte::Result<webhook::SignedWebhook>| {
        matches!(
            r.unwrap_err().as_core(),
            Some(partner_sdk::core::Error::Signature(_))
        )
    };
    assert!(is_sig(webhook::verify_at(
        &tolerant("wrong-key"),
        ours.as_bytes(),
        at(946684800)
    )));
    let flipped = ours.replace("fec75821", "fec75822");
    assert!(is_sig(webhook::verify_at(
        &tolerant(KEY),
        flipped.as_bytes(),
        at(946684800)
    )));
    // Authentic but out of its time: typed, and answered 401 too.
    let out_of_time = |r: brighte::Result<webhook::SignedWebhook>| match r {
        Err(brighte::Error::Notice(e)) => Some(*e),
        _ => None,
    };
    assert!(matches!(
        out_of_time(webhook::verify_at(
            &tolerant(KEY),
            ours.as_bytes(),
            at(946684800 + 301)
        )),
        Some(brighte::NoticeError::TooOld { .. })
    ));
    assert!(matches!(
        out_of_time(webhook::verify_at(
            &tolerant(KEY),
            ours.as_bytes(),
            at(946684800 - 301)
        )),
        Some(brighte::NoticeError::FromTheFuture { .. })
    ));
    let stale = webhook::verify_at(&tolerant(KEY), ours.as_bytes(), at(946684800 + 301));
    assert_eq!(Ack::for_outcome(&stale), Ack::Unauthenticated);
    // A bad signature neither claims success nor stops redelivery.
    let r = webhook::verify_at(&tolerant(KEY), flipped.as_bytes(), at(946684800));
    assert_eq!(Ack::for_outcome(&r), Ack::Unauthenticated);
    assert_eq!(Ack::for_outcome(&r).status_code(), 401);
    let malformed = webhook::verify_at(&tolerant(KEY), b"not a webhook", at(946684800));
    assert_eq!(Ack::for_outcome(&malformed).status_code(), 400);
}

#[test]
fn request_bodies_serialise_equal_to_the_samples() {
    let body = |name: &str| http_sample(name).body.unwrap();
    let quote = NewQuote {
        first_name: "Test First".into(),
        last_name: "Lastnametest".into(),
        phone: "0434632777".into(),
        email: "generic.test.case420@gmail.com".into(),
        total_purchase_amount: d("15000"),
        deposit_amount: d("5000"),
        repayment_term: 48,
        product_category: "Storage Battery(s)".into(),
        product_description: "This product stores solar energy".into(),
        account_id: "E435".into(),
    };
    assert_eq!(
        serde_json::to_value(&quote).unwrap(),
        body("quote_create_request.http")
    );
    let user = NewUser {
        role: UserRole::Other("team+member".into()),
        first_name: "Testfn".into(),
        last_name: "TestLn".into(),
        email: "first.last1536623737@brighte.com.au".into(),
        mobile: "0411085823".into(),
        account_id: "E81".into(),
    };
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        body("user_create_request.http")
    );
    assert_eq!(UserRole::from("team+member"), UserRole::TeamMember);
    assert_eq!(
        serde_json::to_value(UserRole::TeamMember).unwrap(),
        json!("TEAM MEMBER")
    );
    let rep = RepaymentRequest {
        total_purchase_amount: d("15000"),
        deposit_amount: d("1000"),
        repayment_term: 48,
        include_fees: true,
    };
    assert_eq!(
        serde_json::to_value(&rep).unwrap(),
        body("calculate_repayment_amount_request.http")
    );
    let callout = CalloutRequest {
        account_id: Some(AccountId::Number(3)),
        first_name: "John".into(),
        last_name: "Smith".into(),
        phone: "0434090090".into(),
        email: "email@gmail.com".into(),
        total_purchase_amount: d("15000"),
        deposit_amount: d("5000"),
        repayment_term: 48,
        product_category: "Storage Battery(s)".into(),
        product_description: "Excellent Battery".into(),
    };
    assert_eq!(
        serde_json::to_value(&callout).unwrap(),
        body("callout_request_create_request.http")
    );
    let fin = FinanceRequest::new(d("10000"), 24)
        .finance_type(FinanceType::Other("consumer".into()))
        .deposit(d("1500"))
        .add_establishment_fee(false);
    assert_eq!(
        serde_json::to_value(&fin).unwrap(),
        body("calculators_finance_request.http")
    );
    assert_eq!(FinanceType::from("consumer"), FinanceType::Consumer);
    let upload = brighte::DocumentUpload::new(
        brighte::ApplicationDocumentType::Invoice,
        "invoice.jpg",
        b"x".to_vec(),
    )
    .to_body()
    .unwrap();
    let mut sample = body("application_document_create_request.http");
    assert_eq!(
        sample["filecontent"],
        json!("xxx"),
        "placeholder content in the seed"
    );
    sample["filecontent"] = json!("eA==");
    assert_eq!(serde_json::to_value(&upload).unwrap(), sample);
    // Money is written with the decimal's own digits, never through f64.
    let money = |s: &str| {
        let text = serde_json::to_string(&RepaymentRequest {
            total_purchase_amount: d(s),
            ..rep.clone()
        })
        .unwrap();
        let start = text.find("\"totalPurchaseAmount\":").unwrap() + 22;
        let end = start + text[start..].find(',').unwrap();
        text[start..end].to_owned()
    };
    assert_eq!(money("165.47"), "165.47");
    assert_eq!(money("7000.00"), "7000.00");
    assert_eq!(money("15000"), "15000");
    assert_eq!(money("0.1"), "0.1");
    assert_eq!(money("12345678901234567.89"), "12345678901234567.89");
    assert_eq!(
        money("0.0000000000000000000000000001"),
        "0.0000000000000000000000000001"
    );
}

#[test]
fn every_sample_response_parses_once_its_pod_placeholders_are_filled() {
    // Samples that are plain JSON.
    for name in [
        "session_create_response.json",
        "session_delete_response.json",
        "application_document_types_response.json",
        "application_secure_code_response.json",
        "user_delete_response.json",
        "calculators_finance_response.json",
        "webhook_payload.json",
        "checkout_request.json",
    ] {
        let v: serde_json::Value =
            serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(v.is_object());
    }
    let calc = brighte::calculator::decode_finance(
        fixture("calculators_finance_response.json").as_bytes(),
    )
    .unwrap();
    assert_eq!(calc.repayment_amount, Some(d("165.47")));
    assert_eq!(calc.weekly_account_keeping_fee, Some(d("1")));
    // Samples with POD placeholders (and the seed's trailing commas) are not JSON as written.
    for name in [
        "accounts_response.json",
        "applications_response.json",
        "quote_get_response.json",
    ] {
        assert!(
            serde_json::from_str::<serde_json::Value>(&fixture(name)).is_err(),
            "{name}"
        );
    }
    let apps = fixture("applications_response.json").replace("boolean", "true");
    let page = brighte::applications::decode_applications_page(
        fill(&apps, "Application POD", &application_pod())
            .to_string()
            .as_bytes(),
        1,
    )
    .unwrap();
    assert_eq!(page.next, Some(2));
    assert_eq!(page.items[0].applicants.len(), 2);
}

#[test]
fn pod_templates_name_only_fields_our_types_read() {
    let keys = |name: &str| -> Vec<String> {
        fixture(name)
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix('"')
                    .and_then(|l| l.split_once('"'))
                    .map(|(k, _)| k.to_owned())
            })
            .collect()
    };
    let check = |pod: &str, value: serde_json::Value| {
        let ks = keys(pod);
        assert!(!ks.is_empty(), "{pod}");
        let obj = value.as_object().unwrap();
        for k in ks {
            let alias = match k.as_str() {
                "type" => "document_type",
                "firstName" => "first_name",
                "lastName" => "last_name",
                "repaymentAmount" => "repayment_amount",
                "apiId" => "api_id",
                other => other,
            };
            assert!(
                obj.contains_key(&k) || obj.contains_key(alias),
                "{pod}: {k}"
            );
        }
    };
    check(
        "pod_application.txt",
        serde_json::to_value(brighte::Application::default()).unwrap(),
    );
    check(
        "pod_applicant.txt",
        serde_json::to_value(brighte::Applicant::default()).unwrap(),
    );
    check(
        "pod_application_document.txt",
        serde_json::to_value(brighte::ApplicationDocument::default()).unwrap(),
    );
    check(
        "pod_quote.txt",
        serde_json::to_value(brighte::Quote::default()).unwrap(),
    );
    check(
        "pod_user.txt",
        serde_json::to_value(brighte::User::default()).unwrap(),
    );
    check(
        "pod_account.txt",
        serde_json::to_value(brighte::Account::default()).unwrap(),
    );
    check(
        "pod_content.txt",
        serde_json::to_value(brighte::Content::default()).unwrap(),
    );
    check(
        "pod_product_category.txt",
        serde_json::to_value(brighte::ProductCategory::default()).unwrap(),
    );
    check(
        "pod_repayment_amount.txt",
        serde_json::to_value(brighte::RepaymentAmount::default()).unwrap(),
    );
    check(
        "pod_callout.txt",
        serde_json::to_value(brighte::Callout::default()).unwrap(),
    );
    assert_eq!(keys("pod_user_key.txt"), ["apiId", "apiSecret"]);
}

#[test]
fn php_samples_use_the_same_parameters() {
    let receiver = fixture("checkout_redirect_receiver.php");
    assert!(
        receiver.contains("case 10000")
            && receiver.contains("transaction_id")
            && receiver.contains("error_msg")
    );
    let verify = fixture("checkout_redirect_verify.php");
    assert!(verify.contains("hash_hmac('sha256', $_GET['timestamp'] . $_GET['token']"));
}
