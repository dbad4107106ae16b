//! Diagnostic rows for section 1: CPU per call, without the network, of the
//! check for an error hidden in a 2xx body as a pass of its own
//! (`ErrorBody::error_in_success`) next to the typed decode that both the
//! SDK and the hand-written call do. The SDK makes that pass only for
//! Brighte (a scan that stops at its leading `status`); for BBTI and DT One
//! `send` folds the check into the decode (`ErrorBody::error_keys`), so
//! their rows show the pass it no longer makes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use partner_sdk_core::ErrorBody;
use partner_sdk_core::reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::Report;
use crate::support::median;

const LOOPS: u32 = 2_000;
const RUNS: usize = 21;

fn per_call(mut f: impl FnMut()) -> Duration {
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        for _ in 0..LOOPS {
            f();
        }
        samples.push(started.elapsed() / LOOPS);
    }
    median(samples)
}

fn row<T: DeserializeOwned>(report: &mut Report, name: &str, errors: &dyn ErrorBody, body: &[u8]) {
    let check = per_call(|| {
        black_box(errors.error_in_success(StatusCode::OK, black_box(body)));
    });
    let decode = per_call(|| {
        black_box(serde_json::from_slice::<T>(black_box(body)).expect("decode"));
    });
    report.row(
        &format!("1c. {name}: separate 2xx error check vs typed decode, CPU per call"),
        check,
        decode,
        "diagnostic",
    );
}

/// A `ListPrices` answer as BBTI sends it (the client decodes it into a
/// `Page`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct BbtiPricesAnswer {
    #[allow(dead_code)]
    next_page_token: String,
    #[allow(dead_code)]
    models: Vec<bbti::ModelPrice>,
}

#[derive(serde::Deserialize)]
struct BrighteEnvelope {
    #[allow(dead_code)]
    application: brighte::Application,
}

/// Section 1c.
pub(crate) fn bench(report: &mut Report) {
    row::<BbtiPricesAnswer>(
        report,
        "BBTI list_prices",
        &bbti::BbtiErrorBody,
        include_bytes!("../../fixtures/bbti/list_prices.json"),
    );
    row::<dtone::Products>(
        report,
        "DT One list_products_by_operator",
        &dtone::DtoneErrorBody,
        include_bytes!("../../fixtures/dtone/products_by_operator.json"),
    );
    row::<BrighteEnvelope>(
        report,
        "Brighte get application",
        &brighte::BrighteErrorBody,
        &crate::brighte::application_body(),
    );
}
