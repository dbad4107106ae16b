//! `partner-sandbox record` and `serve --replay` as processes: a DT One
//! flow recorded through the proxy to a sandbox in this process, the file
//! searched for the credentials and the phone number, then replayed by
//! `serve --replay` with the sandbox stopped, and a changed request
//! answered with 599 naming the closest recorded one.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use partner_sdk_dtone::{Category, TransactionRequest};
use partner_sdk_sandbox::dtone::{API_KEY, API_SECRET, DtoneSandbox};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_partner-sandbox");
const PHONE: &str = "+61498765432";

/// A process killed when dropped, its stdout lines on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines }
    }

    /// The base URL the process prints.
    async fn base_url(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            while let Ok(line) = self.lines.try_recv() {
                if let Some(url) = line.strip_prefix("base URL") {
                    return url.trim().to_owned();
                }
                seen.push(line);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no base URL in {seen:#?}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(base_url: &str) -> partner_sdk_dtone::Client {
    partner_sdk_dtone::Client::builder()
        .base_url(base_url)
        .credentials(API_KEY, API_SECRET)
        .build()
        .unwrap()
}

async fn flow(base_url: &str) -> String {
    let c = client(base_url);
    let tx = c
        .create_transaction(
            Category::VariableValueRecharges,
            &TransactionRequest::new(PHONE, 315, "cli-order-1")
                .simulation(true)
                .local_value(partner_sdk_dtone::Decimal::new(19, 0)),
        )
        .await
        .unwrap();
    let found = c
        .get_transaction_by_external_id(Category::VariableValueRecharges, "cli-order-1")
        .await
        .unwrap();
    assert_eq!(found, tx);
    format!("{tx:?} {}", tx.account_number)
}

/// A base port whose DT One port (BASE+4) is free now.
fn free_base() -> u16 {
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    port - 4
}

#[tokio::test]
async fn record_then_serve_replay_offline() {
    let dir = std::env::temp_dir().join(format!("partner-sdk-cassette-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("dtone.json");
    let out_arg = out.to_str().unwrap();

    let sandbox = DtoneSandbox::start().await;
    let record = Running::start(&[
        "record",
        "--provider",
        "dtone",
        "--upstream",
        &sandbox.base_url(),
        "--out",
        out_arg,
    ]);
    let recorded = flow(&record.base_url().await).await;
    drop(record);
    drop(sandbox);

    let text = std::fs::read_to_string(&out).unwrap();
    for secret in [API_KEY, API_SECRET, PHONE, PHONE.trim_start_matches('+')] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let cassette: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(cassette["provider"], "dtone");
    assert_eq!(cassette["interactions"].as_array().unwrap().len(), 2);

    let base = free_base().to_string();
    let serve = Running::start(&["serve", "--replay", out_arg, "--port", &base]);
    let base_url = serve.base_url().await;
    assert!(base_url.ends_with("/v1.1"), "{base_url}");
    assert_eq!(flow(&base_url).await, recorded);

    let err = client(&base_url)
        .get_transaction_by_external_id(Category::VariableValueRecharges, "cli-order-2")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(599), "{err}");
    let http = partner_sdk_core::exchange::http_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let answer = http
        .get(format!("{base_url}/transactions?external_id=cli-order-2"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 599);
    let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"], "no recorded request matches");
    assert!(
        body["closest"].as_str().unwrap().contains("cli-order-1"),
        "{body}"
    );
    assert!(
        !body["differences"].as_array().unwrap().is_empty(),
        "{body}"
    );
}
