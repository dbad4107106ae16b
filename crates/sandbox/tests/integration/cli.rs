//! `partner-sandbox` driven as a process: `serve` on free ports (and its
//! `--allow-remote-webhooks`), `trigger` against a test receiver, `listen`
//! forwarding to it (POST only, no URL password printed), `inspect --json`
//! parsed, `fault` (on the DT One DVS fake too), and exit code 2 with a message for bad input to every
//! subcommand.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use partner_sdk_brighte::Verifier;
use partner_sdk_brighte::checkout::{CheckoutRequest, ProductCategoryName};
use partner_sdk_brighte::webhook;
use partner_sdk_sandbox::admin::{AdminClient, AdminError};
use partner_sdk_sandbox::brighte::{PRIVATE_KEY, PUBLIC_KEY};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_partner-sandbox");

/// Runs the binary to completion, off the runtime's threads.
async fn run(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || Command::new(BIN).args(&args).output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

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

    /// The first line containing `needle` within 20 s, collecting the lines.
    async fn wait_for(&self, needle: &str, seen: &mut Vec<String>) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            while let Ok(line) = self.lines.try_recv() {
                seen.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no line with {needle:?} in {seen:#?}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A base port whose five successors are free now.
fn free_base() -> u16 {
    for _ in 0..50 {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port();
        drop(probe);
        if base > u16::MAX - 6 {
            continue;
        }
        let free = (0..=5).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok());
        if free {
            return base;
        }
    }
    panic!("no free ports");
}

/// `serve` on a free base, once its fakes answer.
async fn serve() -> (Running, u16) {
    let base = free_base();
    let port = base.to_string();
    let serve = Running::start(&["serve", "--port", &port]);
    let mut seen = Vec::new();
    serve.wait_for("admin API", &mut seen).await;
    (serve, base)
}

/// A receiver answering each POST with the next status of `answers` (the
/// last one repeated), recording the bodies.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

async fn receiver(answers: &[u16]) -> Receiver {
    #[derive(Clone)]
    struct S {
        answers: Arc<Vec<u16>>,
        bodies: Arc<Mutex<Vec<String>>>,
    }
    async fn receive(State(s): State<S>, body: Bytes) -> StatusCode {
        let mut bodies = s.bodies.lock().unwrap();
        bodies.push(String::from_utf8_lossy(&body).into_owned());
        let i = (bodies.len() - 1).min(s.answers.len() - 1);
        StatusCode::from_u16(s.answers[i]).unwrap()
    }
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let state = S {
        answers: Arc::new(answers.to_vec()),
        bodies: Arc::clone(&bodies),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/brighte", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/webhooks/brighte", axum::routing::post(receive))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, bodies }
}

#[tokio::test(flavor = "multi_thread")]
async fn trigger_posts_a_signed_notice_and_replays_the_resends() {
    let r = receiver(&[503, 503, 200]).await;
    let out = run(&[
        "trigger",
        "brighte-webhook",
        "--to",
        &r.url,
        "--application",
        "42",
        "--status",
        "APPROVED",
        "--reference",
        "ORDER-42",
        "--resend",
        "2",
        "--no-wait",
    ])
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("attempt 1: answered 503"), "{stdout}");
    assert!(stdout.contains("attempt 3: answered 200"), "{stdout}");
    let bodies = r.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 3);
    // Every resend is the first delivery: same timestamp, token, signature.
    assert!(bodies.iter().all(|b| *b == bodies[0]));
    let notice = webhook::verify(&Verifier::new(PRIVATE_KEY), bodies[0].as_bytes()).unwrap();
    assert_eq!(notice.claims().application_id, "42");
    assert_eq!(
        notice.claims().reference_number.as_deref(),
        Some("ORDER-42")
    );

    // Signed with another key.
    let r = receiver(&[200]).await;
    let out = run(&[
        "trigger",
        "brighte-webhook",
        "--to",
        &r.url,
        "--application",
        "7",
        "--status",
        "PAID",
        "--key",
        "my-private-key",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("my-private-key"));
    let body = r.bodies.lock().unwrap()[0].clone();
    assert!(webhook::verify(&Verifier::new("my-private-key"), body.as_bytes()).is_ok());
    assert!(webhook::verify(&Verifier::new(PRIVATE_KEY), body.as_bytes()).is_err());

    // A custom body, posted as it is.
    let file =
        std::env::temp_dir().join(format!("partner-sandbox-body-{}.txt", std::process::id()));
    std::fs::write(&file, "id=9&status=PAID&timestamp=1&token=t&signature=s").unwrap();
    let r = receiver(&[401]).await;
    let out = run(&[
        "trigger",
        "brighte-webhook",
        "--to",
        &r.url,
        "--body",
        file.to_str().unwrap(),
    ])
    .await;
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("answered 401"));
    assert_eq!(
        r.bodies.lock().unwrap().clone(),
        ["id=9&status=PAID&timestamp=1&token=t&signature=s"]
    );

    // Nobody listening: a failure at run time, exit 1.
    let closed = format!("http://127.0.0.1:{}/", free_base());
    let out = run(&[
        "trigger",
        "brighte-webhook",
        "--to",
        &closed,
        "--application",
        "1",
        "--status",
        "PAID",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("could not be reached"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_forwards_the_sandboxs_deliveries_and_inspect_shows_them() {
    let (_serve, base) = serve().await;
    let port = base.to_string();
    // The app refuses the first delivery: the fake resends, listen forwards it.
    let app = receiver(&[503, 200]).await;
    let listen = Running::start(&["listen", "--forward-to", &app.url, "--port", &port]);
    let mut seen = Vec::new();
    listen
        .wait_for("forwarding the Brighte webhooks", &mut seen)
        .await;

    // A checkout of $1005 financed: DECLINED at once, one notice.
    let form = CheckoutRequest::new(
        "https://shop.example/done",
        1005.into(),
        0.into(),
        24,
        ProductCategoryName::BatteryStorage,
        "Powerwall",
    )
    .into_form()
    .unwrap();
    let brighte = format!("http://127.0.0.1:{}", base + 2);
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .redirect(partner_sdk_core::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = http
        .post(format!("{brighte}/checkout?key={PUBLIC_KEY}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_urlencoded())
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status().as_u16(), 302);

    let first = listen
        .wait_for("delivery attempt 1 of application", &mut seen)
        .await;
    assert!(
        first.contains("DECLINED") && first.ends_with("answered 503"),
        "{first}"
    );
    let second = listen
        .wait_for("delivery attempt 2 of application", &mut seen)
        .await;
    assert!(second.ends_with("answered 200"), "{second}");
    let bodies = app.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1]);

    // inspect --json: the application and both deliveries with the app's answers.
    let out = run(&["inspect", "--port", &port, "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fakes: Vec<&str> = state
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fakes,
        ["bbti", "brighte", "dtone", "dtone-dvs", "tradein-promo"]
    );
    let brighte_state = &state["brighte"];
    assert_eq!(brighte_state["applications"][0]["status"], "DECLINED");
    let answers: Vec<&Value> = brighte_state["webhook_deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["response_status"])
        .collect();
    assert_eq!(answers, [&Value::from(503), &Value::from(200)]);
    assert!(
        brighte_state["webhook_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );

    // The table form names every fake.
    let out = run(&["inspect", "--port", &port, "--provider", "brighte"]).await;
    let table = text(&out.stdout);
    assert!(
        table.contains("== brighte") && table.contains("DECLINED"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_forwards_post_only_and_prints_no_url_password() {
    let (_serve, base) = serve().await;
    let port = base.to_string();
    let app = receiver(&[200]).await;
    let with_password = app.url.replacen("http://", "http://user:hunter2@", 1);
    let listen = Running::start(&["listen", "--forward-to", &with_password, "--port", &port]);
    let mut seen = Vec::new();
    let line = listen
        .wait_for("forwarding the Brighte webhooks", &mut seen)
        .await;
    assert!(
        !line.contains("hunter2") && line.contains("http://[REDACTED]@127.0.0.1:"),
        "{line}"
    );
    let at = line
        .split("received at ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();

    // Anything but POST: 405, nothing forwarded.
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .unwrap();
    for method in ["GET", "PUT", "DELETE"] {
        let answer = http
            .request(method.parse().unwrap(), &at)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 405, "{method}");
        assert_eq!(answer.headers()["allow"], "POST");
    }
    listen.wait_for("refused a GET request", &mut seen).await;
    assert!(app.bodies.lock().unwrap().is_empty());

    // A delivery is forwarded, and its line shows no password either.
    let form = CheckoutRequest::new(
        "https://shop.example/done",
        1005.into(),
        0.into(),
        24,
        ProductCategoryName::BatteryStorage,
        "Powerwall",
    )
    .into_form()
    .unwrap();
    let brighte = format!("http://127.0.0.1:{}", base + 2);
    let redirect = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .redirect(partner_sdk_core::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{brighte}/checkout?key={PUBLIC_KEY}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_urlencoded())
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status().as_u16(), 302);
    let delivered = listen
        .wait_for("delivery attempt 1 of application", &mut seen)
        .await;
    assert!(delivered.ends_with("answered 200"), "{delivered}");
    assert_eq!(app.bodies.lock().unwrap().len(), 1);
    assert!(
        seen.iter().all(|line| !line.contains("hunter2")),
        "{seen:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_takes_a_remote_webhook_url_only_with_its_flag() {
    let (_serve, base) = serve().await;
    let remote = "https://hooks.example/brighte";
    match AdminClient::local(base + 2)
        .set_webhook_url(Some(remote))
        .await
    {
        Err(AdminError::Refused { status, body }) => {
            assert_eq!(status, 403);
            assert!(body.contains("--allow-remote-webhooks"), "{body}");
        }
        other => panic!("{other:?}"),
    }
    let open_base = free_base();
    let open = Running::start(&[
        "serve",
        "--port",
        &open_base.to_string(),
        "--allow-remote-webhooks",
    ]);
    let mut seen = Vec::new();
    let line = open.wait_for("webhooks:", &mut seen).await;
    assert!(line.contains("any URLs"), "{line}");
    open.wait_for("admin API", &mut seen).await;
    // Registered only: nothing is delivered by this test.
    let admin = AdminClient::local(open_base + 2);
    admin.set_webhook_url(Some(remote)).await.unwrap();
    assert_eq!(admin.state().await.unwrap()["webhook_url"], remote);
    admin.set_webhook_url(None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_queues_on_a_running_serve_and_inspect_lists_it() {
    let (_serve, base) = serve().await;
    let port = base.to_string();
    let out = run(&[
        "fault",
        "dtone",
        "hold",
        "--method",
        "POST",
        "--path",
        "/transactions/",
        "--port",
        &port,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&[
        "fault",
        "bbti",
        "rate-limited",
        "--retry-after",
        "3",
        "--times",
        "2",
        "--port",
        &port,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["inspect", "--port", &port, "--json", "--provider", "dtone"]).await;
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = &state["dtone"]["faults"][0];
    assert_eq!(rule["fault"]["kind"], "after_processing");
    assert_eq!(rule["fault"]["answer"]["how"], "hold");
    assert_eq!(rule["method"], "POST");
    let out = run(&["inspect", "--port", &port, "--json", "--provider", "bbti"]).await;
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["bbti"]["faults"][0]["times"], 2);
    let out = run(&["fault", "dtone", "clear", "--port", &port]).await;
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["inspect", "--port", &port, "--json", "--provider", "dtone"]).await;
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["dtone"]["faults"], Value::Array(vec![]));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_hosts_the_dvs_fake_which_fault_and_inspect_reach() {
    use partner_sdk_sandbox::dtone_dvs::{API_KEY, API_SECRET};
    let (_serve, base) = serve().await;
    let port = base.to_string();
    let out = run(&["fault", "dtone-dvs", "rate-limited", "--port", &port]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let http = partner_sdk_core::exchange::http_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let services = format!("http://127.0.0.1:{}/v1/services", base + 5);
    let get = || {
        http.get(&services)
            .basic_auth(API_KEY, Some(API_SECRET))
            .send()
    };
    assert_eq!(get().await.unwrap().status().as_u16(), 429);
    let ok = get().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.headers()["x-total"], "3");
    let out = run(&[
        "inspect",
        "--port",
        &port,
        "--json",
        "--provider",
        "dtone-dvs",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dvs = &state["dtone-dvs"];
    assert_eq!(dvs["provider"], "dtone-dvs");
    assert_eq!(dvs["balances"][0]["available"], 1000.0);
    assert_eq!(dvs["transactions"], Value::Array(vec![]));
    assert_eq!(dvs["faults"], Value::Array(vec![]));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_prints_the_dashboard_url_and_serves_it_on_the_base_port() {
    let base = free_base();
    let port = base.to_string();
    let serve = Running::start(&["serve", "--port", &port]);
    let mut seen = Vec::new();
    let line = serve.wait_for("dashboard", &mut seen).await;
    let url = format!("http://127.0.0.1:{base}/");
    assert!(line.contains(&url), "{line}");
    serve.wait_for("admin API", &mut seen).await;
    let http = partner_sdk_core::exchange::http_client_builder()
        .unwrap()
        .build()
        .unwrap();
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().await.unwrap();
    for section in [
        "bbti",
        "brighte",
        "tradein-promo",
        "dtone",
        "dtone-dvs",
        "faults",
    ] {
        assert!(page.contains(&format!("id=\"{section}\"")), "{section}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_serve_the_commands_that_need_one_fail_with_a_hint() {
    let port = free_base().to_string();
    for args in [
        vec!["inspect", "--port", &port],
        vec!["fault", "dtone", "garble", "--port", &port],
        vec![
            "listen",
            "--forward-to",
            "http://127.0.0.1:9/",
            "--port",
            &port,
        ],
    ] {
        let out = run(&args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("partner-sandbox serve --port"),
            "{args:?}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_to_every_subcommand_is_a_usage_error() {
    let bad: &[&[&str]] = &[
        &[],
        &["nonsense"],
        &["serve", "--port", "65535"],
        &["serve", "--port", "x"],
        &["serve", "--bogus"],
        &["serve", "--webhook-timeout", "0"],
        &["trigger"],
        &["trigger", "stripe-webhook"],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "not a url",
            "--application",
            "1",
            "--status",
            "PAID",
        ],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "ftp://host/",
            "--application",
            "1",
            "--status",
            "PAID",
        ],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "http://127.0.0.1:9/",
            "--application",
            "1",
            "--status",
            "GREAT",
        ],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "http://127.0.0.1:9/",
            "--application",
            "1",
        ],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "http://127.0.0.1:9/",
            "--body",
            "/no/such/file",
        ],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "http://127.0.0.1:9/",
            "--body",
            "/dev/null",
            "--application",
            "1",
        ],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "http://127.0.0.1:9/",
            "--application",
            "1",
            "--status",
            "PAID",
            "--resend",
            "8",
        ],
        &[
            "trigger",
            "brighte-webhook",
            "--to",
            "http://127.0.0.1:9/",
            "--application",
            "1",
            "--status",
            "PAID",
            "--time-scale",
            "-1",
        ],
        &["listen"],
        &["listen", "--forward-to", "localhost:3000"],
        &[
            "listen",
            "--forward-to",
            "http://127.0.0.1:3000/",
            "--port",
            "70000",
        ],
        &["inspect", "--provider", "stripe"],
        &["inspect", "--port", "-5"],
        &["fault"],
        &["fault", "dtone"],
        &["fault", "stripe", "garble"],
        &["fault", "dtone", "server-error", "--status", "404"],
        &["fault", "dtone", "slow"],
        &["fault", "dtone", "garble", "--times", "0"],
    ];
    for args in bad {
        let out = run(args).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error:") || stderr.contains("Usage:"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // --help on each command: a description, exit 0.
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["trigger", "--help"],
        &["trigger", "brighte-webhook", "--help"],
        &["listen", "--help"],
        &["inspect", "--help"],
        &["fault", "--help"],
        &["fault", "dtone", "hold", "--help"],
    ] {
        let out = run(args).await;
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).contains("Usage:"), "{args:?}");
    }
}
