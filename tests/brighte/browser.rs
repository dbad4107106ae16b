//! Brighte Checkout clicked through in a real browser: headless Chromium,
//! driven over WebDriver (`chromedriver`), on the shop of
//! `examples/brighte_checkout_web.rs` and the sandbox's hosted checkout
//! page.
//!
//! Without `chromium` and `chromedriver` on `PATH` the test says so and
//! passes, unless a browser is required (`CI` set, or
//! `PARTNER_SDK_REQUIRE_BROWSER=1`, as `.ci/run` sets): then it fails.
//! It saves screenshots of the pages to `PARTNER_SDK_SCREENSHOTS` (a
//! directory; `docs/images` refreshes the README's), or to this test's
//! scratch directory.

// The example's own `main` is not called here.
#[allow(dead_code)]
#[path = "../../examples/brighte_checkout_web.rs"]
mod shop;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use fantoccini::{Client, ClientBuilder, Locator};
use partner_sdk::brighte::ApplicationStatus;
use sandbox::dashboard::Dashboard;
use serde_json::{Value, json};

const REQUIRE_ENV: &str = "PARTNER_SDK_REQUIRE_BROWSER";
const SCREENSHOTS_ENV: &str = "PARTNER_SDK_SCREENSHOTS";

/// The flags that run Chromium headless on a CI machine, with no network
/// of its own and no first-run work.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1100,760",
];

/// `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A headless Chromium session, and what it runs on: the chromedriver
/// process and the browser's own profile directory, both gone on drop.
struct Browser {
    client: Client,
    driver: Child,
    profile: PathBuf,
    shots: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// Starts chromedriver and a session; `None`, after saying so, when
    /// Chromium is not installed and the browser is not required.
    async fn start() -> Option<Browser> {
        let (chromium, driver) = match (on_path("chromium"), on_path("chromedriver")) {
            (Some(chromium), Some(driver)) => (chromium, driver),
            _ => {
                let required = std::env::var_os("CI").is_some()
                    || std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
                assert!(
                    !required,
                    "chromium and chromedriver are not on PATH, and a browser is required here \
                     (CI or {REQUIRE_ENV}=1): install Debian's chromium and chromium-driver"
                );
                eprintln!(
                    "skipped: chromium and chromedriver are not on PATH (install Debian's \
                     chromium and chromium-driver)"
                );
                return None;
            }
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile =
            std::env::temp_dir().join(format!("partner-sdk-browser-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).expect("a profile directory");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let shots = std::env::var_os(SCREENSHOTS_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
        std::fs::create_dir_all(&shots).expect("the screenshot directory");
        let url = format!("http://127.0.0.1:{port}");
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        Some(Browser {
            client: loop {
                match ClientBuilder::new(connector.clone())
                    .capabilities(capabilities.clone())
                    .connect(&url)
                    .await
                {
                    Ok(client) => break client,
                    // chromedriver may not be listening yet.
                    Err(_) if Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("no WebDriver session on {url}: {e}"),
                }
            },
            driver,
            profile,
            shots,
        })
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("the page loads");
    }

    /// Waits (10 s at most) for the element `css`; its text.
    async fn text_of(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // Found on a page that reloads itself, the element may be gone
            // by the time its text is read: then it is looked up again.
            let error = match self.client.find(Locator::Css(css)).await {
                Ok(element) => match element.text().await {
                    Ok(text) => return text,
                    Err(e) => e,
                },
                Err(e) => e,
            };
            if Instant::now() >= deadline {
                panic!(
                    "no {css} on {}: {error}\n{}",
                    self.url().await,
                    self.client.source().await.unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the element `css` (waiting for it).
    async fn click(&self, css: &str) {
        self.text_of(css).await;
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .expect("the element");
        element.click().await.expect("the click");
    }

    async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Saves a screenshot of the page as `name`.png.
    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path: &Path = &self.shots;
        std::fs::write(path.join(format!("{name}.png")), png).expect("the screenshot is saved");
    }

    /// Waits (10 s at most) until the element `css` reads `expected`.
    async fn wait_for_css_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The element may belong to a page being replaced.
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} reads {text:?}, never {expected:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (10 s at most) until the page's text contains `text`; the
    /// page is reloaded by itself where it waits for something.
    async fn wait_for_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The page reloads itself: the body read may be a replaced one.
            let body = match self.client.find(Locator::Css("body")).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if body.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} never shown on {}:\n{body}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_in_a_browser_approve_decline_and_a_tampered_form() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let sandbox = Arc::new(sandbox::Sandbox::start().await);
    let dashboard = Dashboard::start(Arc::clone(&sandbox)).await.unwrap();
    let shop = shop::Shop::on_sandbox(&sandbox.brighte, Some(dashboard.url())).unwrap();
    let shop_url = shop::serve(Arc::clone(&shop), Some(&sandbox.brighte))
        .await
        .unwrap();

    // Approve: product page → Brighte's page → back at the shop, approved,
    // then the webhook confirmed.
    browser.goto(&shop_url).await;
    assert_eq!(browser.text_of("#order").await, "ORDER-1");
    browser.screenshot("shop-product").await;
    browser.click("form button[type=submit]").await;
    assert_eq!(
        browser.text_of("#product-description").await,
        "Powerwall Home Battery"
    );
    assert!(browser.url().await.starts_with(&sandbox.brighte.base_url()));
    browser.screenshot("brighte-checkout").await;
    browser.click("#approve").await;
    assert_eq!(browser.text_of("#outcome").await, "approved");
    assert!(
        browser.url().await.starts_with(&shop_url),
        "{}",
        browser.url().await
    );
    browser
        .wait_for_text("Brighte's webhook confirmed: approved")
        .await;
    browser.screenshot("shop-approved").await;
    let apps = sandbox.brighte.applications();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["status"], "APPROVED");
    assert_eq!(apps[0]["reference_number"], "ORDER-1");
    let approved_id = apps[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        shop.webhook_status(&approved_id),
        Some(ApplicationStatus::Approved)
    );
    let deliveries: Vec<Value> = sandbox.brighte.state()["webhook_deliveries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        deliveries
            .iter()
            .any(|d| d["application_id"] == approved_id.as_str()
                && d["status"] == "APPROVED"
                && d["response_status"] == 200),
        "{deliveries:?}"
    );

    // The dashboard, from the shop's link: the application approved and
    // its delivery answered 200.
    browser.click("#dashboard").await;
    let row = format!("#application-{approved_id}");
    assert_eq!(
        browser.text_of(&format!("{row} td.status")).await,
        "APPROVED"
    );
    let deliveries = browser.text_of("#brighte-deliveries").await;
    assert!(
        deliveries.contains(&format!("{approved_id} APPROVED 1 200")),
        "{deliveries}"
    );
    browser.goto(&format!("{}#brighte", dashboard.url())).await;
    browser.screenshot("dashboard").await;
    // Readable on a phone: at a phone's width the page does not scroll
    // sideways (wide tables scroll inside their own box).
    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone's window");
    browser.goto(dashboard.url()).await;
    let widths = browser
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("the page's widths");
    let (page_width, window_width) = (widths[0].as_u64(), widths[1].as_u64());
    assert!(
        page_width.is_some() && page_width <= window_width,
        "the dashboard is wider than a phone: {widths}"
    );
    browser
        .client
        .set_window_size(1100, 760)
        .await
        .expect("a laptop's window");
    // Its action: the application moved to PAID, the signed webhook goes
    // out, and the shop confirms it by fetch.
    browser
        .client
        .find(Locator::Css(&format!("{row} select[name=status]")))
        .await
        .expect("the status menu")
        .select_by_value("PAID")
        .await
        .expect("PAID chosen");
    browser.click(&format!("{row} button")).await;
    // The click loads the dashboard again (a redirect after the post).
    browser
        .wait_for_css_text(&format!("{row} td.status"), "PAID")
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while shop.webhook_status(&approved_id) != Some(ApplicationStatus::Paid) {
        assert!(
            Instant::now() < deadline,
            "the PAID webhook never confirmed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    browser.goto(dashboard.url()).await;
    let deliveries = browser.text_of("#brighte-deliveries").await;
    assert!(
        deliveries.contains(&format!("{approved_id} PAID 1 200")),
        "{deliveries}"
    );

    // Decline.
    browser.goto(&shop_url).await;
    assert_eq!(browser.text_of("#order").await, "ORDER-2");
    browser.click("form button[type=submit]").await;
    browser.click("#decline").await;
    assert_eq!(browser.text_of("#outcome").await, "declined");
    browser
        .wait_for_text("Brighte's webhook confirmed: declined")
        .await;
    assert_eq!(sandbox.brighte.applications()[1]["status"], "DECLINED");

    // A tampered form: the amount changed in the page before posting.
    browser.goto(&shop_url).await;
    browser.text_of("#order").await;
    browser
        .client
        .execute(
            "document.querySelector('input[name=total_purchase_amount]').value = '1.00';",
            vec![],
        )
        .await
        .expect("the form is changed");
    browser.click("form button[type=submit]").await;
    assert_eq!(browser.text_of("#error-message").await, "Invalid checksum.");
    browser.screenshot("brighte-checkout-error").await;
    assert_eq!(sandbox.brighte.applications().len(), 2);

    browser
        .client
        .clone()
        .close()
        .await
        .expect("the session ends");
}
