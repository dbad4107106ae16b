//! `partner-sandbox trigger brighte-webhook`: a signed notice posted to a
//! receiver, with Brighte's resends.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use partner_sdk_brighte::ApplicationStatus;
use partner_sdk_sandbox::trigger::{self, BrighteNotice, Redelivery};

use super::http_url;

#[derive(Debug, Subcommand)]
pub(crate) enum Trigger {
    /// Signs a Brighte application-status notice with the sandbox's private
    /// key (or --key) and posts it to --to; --resend N sends the same body
    /// again N times after Brighte's redelivery delays.
    BrighteWebhook(BrighteWebhook),
}

#[derive(Debug, Args)]
pub(crate) struct BrighteWebhook {
    /// The receiver's URL, e.g. http://127.0.0.1:3000/webhooks/brighte.
    #[arg(long, value_name = "URL", value_parser = http_url)]
    to: url::Url,
    /// The application the notice names.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "body",
        conflicts_with = "body"
    )]
    application: Option<String>,
    /// The status it announces: APPROVED, C.APPROV, DECLINED, PAID, QUOTE, REFER, ...
    #[arg(long, value_name = "S", value_parser = status,
          required_unless_present = "body", conflicts_with = "body")]
    status: Option<ApplicationStatus>,
    /// The reference number it carries.
    #[arg(long, value_name = "REF", conflicts_with = "body")]
    reference: Option<String>,
    /// The private API key to sign with (the sandbox's by default).
    #[arg(long, value_name = "KEY", conflicts_with = "body", value_parser = secret)]
    key: Option<Key>,
    /// Posts this file as it is instead of a signed notice (JSON when it
    /// starts with `{`, form-encoded otherwise).
    #[arg(long, value_name = "FILE", value_parser = body_file)]
    body: Option<String>,
    /// Resends after the first delivery, each after Brighte's delay (10 min,
    /// 10 min, 15 min, 30 min, 1 h, 2 h, 4 h), with the first timestamp.
    #[arg(long, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=7))]
    resend: u64,
    /// Resends at once instead of after Brighte's delays.
    #[arg(long, conflicts_with = "time_scale")]
    no_wait: bool,
    /// Multiplies Brighte's delays (e.g. 0.001: 10 minutes become 0.6 s).
    #[arg(long, value_name = "F", value_parser = scale)]
    time_scale: Option<f64>,
}

/// A private key from the command line, kept out of `Debug`.
#[derive(Clone)]
pub(crate) struct Key(String);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key([REDACTED])")
    }
}

fn secret(text: &str) -> Result<Key, String> {
    if text.is_empty() {
        return Err("the key is empty".into());
    }
    Ok(Key(text.to_owned()))
}

fn status(text: &str) -> Result<ApplicationStatus, String> {
    let status = ApplicationStatus::from(text);
    if status.is_other() {
        let known: Vec<&str> = ApplicationStatus::KNOWN
            .iter()
            .map(|s| s.as_str())
            .collect();
        return Err(format!("unknown status; one of {}", known.join(", ")));
    }
    Ok(status)
}

fn body_file(path: &str) -> Result<String, String> {
    let path = PathBuf::from(path);
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn scale(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
        .ok_or_else(|| "expected a number ≥ 0".to_owned())
}

pub(super) async fn run(trigger: Trigger) -> Result<(), String> {
    let Trigger::BrighteWebhook(args) = trigger;
    let notice = match (&args.body, &args.application, &args.status) {
        (Some(body), _, _) => BrighteNotice::raw(body.clone()),
        (None, Some(id), Some(status)) => {
            let mut builder = BrighteNotice::signed(id.clone(), status);
            if let Some(key) = &args.key {
                builder = builder.key(key.0.clone());
            }
            if let Some(reference) = &args.reference {
                builder = builder.reference_number(reference.clone());
            }
            builder.build()
        }
        _ => return Err("--application and --status, or --body, are needed".into()),
    };
    let scale = if args.no_wait {
        0.0
    } else {
        args.time_scale.unwrap_or(1.0)
    };
    let resends = usize::try_from(args.resend).unwrap_or(0);
    let redelivery = Redelivery::resends(resends).time_scale(scale);
    println!(
        "posting {} to {} ({} resend(s))",
        match (&args.application, &args.status) {
            (Some(id), Some(s)) => format!("a signed notice: application {id} is {}", s.as_str()),
            _ => "the body of --body".to_owned(),
        },
        args.to,
        resends
    );
    let attempts = trigger::deliver(args.to.as_str(), &notice, redelivery, |a| {
        match (a.status, &a.error) {
            (Some(code), _) => println!(
                "attempt {}: answered {code}{}",
                a.attempt,
                if matches!(code, 200 | 406) {
                    " (Brighte would stop delivering)"
                } else {
                    " (Brighte would resend)"
                }
            ),
            (None, error) => println!(
                "attempt {}: no answer ({})",
                a.attempt,
                error.as_deref().unwrap_or("unknown error")
            ),
        }
    })
    .await;
    if attempts.iter().all(|a| a.status.is_none()) {
        return Err(format!("{} could not be reached", args.to));
    }
    Ok(())
}
