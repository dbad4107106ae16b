//! Fetch a trade-in promotion, by IMEI and by make/model.
//!
//! With no environment this starts the embedded sandbox and runs offline:
//!
//! ```text
//! cargo run --example tradein_promo
//! ```
//!
//! To call a real provider instead, set all of:
//!
//! - `PROMO_BASE_URL`      API base, e.g. `https://<omni-svcs host>/omni-svcs`
//! - `PROMO_TOKEN_URL`     OAuth2 token endpoint
//! - `PROMO_CLIENT_ID`     OAuth2 client id
//! - `PROMO_CLIENT_SECRET` OAuth2 client secret
//! - `PROMO_SCOPE`         OAuth2 scope issued with the credentials
//!
//! and optionally `PROMO_APP_NAME` (the `appname` header), `PROMO_IMEI` and
//! `PROMO_MODEL_CODE` (the devices to ask about).

// `examples/tour.rs` includes this file and calls `run`.

use partner_sdk::tradein_promo::{
    Client, ConditionName, Eligibility, FlowType, PromotionRequest, PromotionResponse,
};
use sandbox::tradein_promo::{IMEI_GALAXY, IMEI_IPHONE, MODEL_CODE_SAMPLE, TradeinPromoSandbox};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn print_offer(label: &str, offer: &PromotionResponse) {
    match offer.eligibility() {
        Eligibility::Eligible(item) => {
            println!(
                "  {label}: {} worth {}",
                item.trade_in_model().unwrap_or("(model not named)"),
                item.trade_in_value()
                    .map_or_else(|| "(no value)".to_owned(), |v| format!("${v}")),
            );
            for p in item.promotions() {
                println!(
                    "    promotion {} ({}): {} off",
                    p.id().unwrap_or("?"),
                    p.promo_type()
                        .map_or_else(|| "?".to_owned(), |t| t.to_string()),
                    p.discount()
                        .map_or_else(|| "?".to_owned(), |d| format!("${d}")),
                );
            }
        }
        Eligibility::NotEligible => println!("  {label}: not eligible for a trade-in"),
        other => println!("  {label}: {other:?}"),
    }
}

fn answers(request: PromotionRequest, screen_ok: bool, powers_on: bool) -> PromotionRequest {
    request
        .device_bill_code("689C")
        .flow_type(FlowType::Upgrade)
        .answer(ConditionName::AttGeneric, true)
        .answer(ConditionName::LcdFunctionality, screen_ok)
        .answer(ConditionName::PowerOn, powers_on)
        .answer(ConditionName::Deactivated, true)
}

/// Runs the flow: against the sandbox, or the real API when the variables above are set.
pub(crate) async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let real = (
        env("PROMO_BASE_URL"),
        env("PROMO_TOKEN_URL"),
        env("PROMO_CLIENT_ID"),
        env("PROMO_CLIENT_SECRET"),
        env("PROMO_SCOPE"),
    );
    let (sandbox, client, imei, model_code) = match real {
        (Some(base), Some(token), Some(id), Some(secret), Some(scope)) => {
            println!("trade-in promotion: provider at {base}");
            let mut builder = Client::builder()
                .base_url(base)
                .token_url(token)
                .credentials(id, secret)
                .scope(scope);
            if let Some(app) = env("PROMO_APP_NAME") {
                builder = builder.app_name(app);
            }
            let imei = env("PROMO_IMEI").unwrap_or_else(|| IMEI_IPHONE.to_owned());
            let code = env("PROMO_MODEL_CODE").unwrap_or_else(|| MODEL_CODE_SAMPLE.to_owned());
            (None, builder.build()?, imei, code)
        }
        _ => {
            let sandbox = TradeinPromoSandbox::start().await;
            println!("trade-in promotion: sandbox at {}", sandbox.base_url());
            let client = sandbox.client();
            (
                Some(sandbox),
                client,
                IMEI_IPHONE.to_owned(),
                MODEL_CODE_SAMPLE.to_owned(),
            )
        }
    };

    let by_imei = answers(PromotionRequest::by_imei(&imei), true, true);
    print_offer(
        &format!("IMEI {imei}"),
        &client.get_promotion(&by_imei).await?,
    );

    let by_device = answers(
        PromotionRequest::by_device("Apple", "Iphone 12 Pro", "128GB", &model_code),
        true,
        true,
    );
    print_offer(
        &format!("Apple Iphone 12 Pro 128GB (code {model_code})"),
        &client.get_promotion(&by_device).await?,
    );

    if sandbox.is_some() {
        let cracked = answers(PromotionRequest::by_imei(IMEI_GALAXY), false, true);
        print_offer(
            "IMEI with a cracked screen",
            &client.get_promotion(&cracked).await?,
        );
        let dead = answers(PromotionRequest::by_imei(IMEI_GALAXY), true, false);
        print_offer(
            "IMEI that does not power on",
            &client.get_promotion(&dead).await?,
        );
        match client
            .get_promotion(&PromotionRequest::by_imei("000000000000000"))
            .await
        {
            Ok(_) => println!("  unknown IMEI: unexpectedly found"),
            Err(e) => println!(
                "  unknown IMEI: refused ({}: {})",
                e.code()
                    .map_or_else(|| "no code".to_owned(), |c| c.to_string()),
                e.api_body().and_then(|t| t.message).unwrap_or_default()
            ),
        }
    }
    Ok(())
}
