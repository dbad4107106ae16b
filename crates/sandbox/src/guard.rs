//! What keeps a web page the developer visits from driving the sandbox.
//!
//! - The admin API (everything under [`ADMIN_PREFIX`], and any page served
//!   there) answers only requests whose `Host` is a loopback name
//!   (`localhost`, `127.0.0.0/8`, `[::1]`, any port): a page that rebinds
//!   its own DNS name to 127.0.0.1 still sends its own name as `Host`, and
//!   is answered 421.
//! - A request to the admin API or to a fake provider API that carries an
//!   `Origin` other than a loopback origin (`null` included) is answered
//!   403: browsers send `Origin` on every cross-site write and every
//!   script-initiated cross-origin read, and the SDK's clients never send
//!   one. Brighte's checkout page is the exception: the customer's browser
//!   posts the merchant's form to it from the merchant's site, which may
//!   run under any name.
//! - A write to the admin API (`POST`, `PUT`, `PATCH`, and a `DELETE` with
//!   a body or a content type) takes `Content-Type: application/json`
//!   only, and is answered 415 otherwise: a form or `text/plain` body is
//!   what a cross-site page can send without a preflight.
//!
//! The fake provider APIs take any `Host`: a client may reach them under
//! any name that resolves to loopback.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::json;
use wiremock::{Match, Request, ResponseTemplate};

/// The path prefix of the admin API on every fake.
pub const ADMIN_PREFIX: &str = "/__sandbox";

/// A webhook URL the sandbox refuses to deliver to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookUrlError {
    /// Not an http(s) URL with a host (shown without its user info).
    #[error("not an http:// or https:// URL with a host: {0}")]
    NotHttp(String),
    /// Not on the loopback interface, and the sandbox was not started to
    /// allow that (shown without its user info).
    #[error(
        "{0} is not a loopback URL: the sandbox delivers webhooks to localhost, 127.0.0.0/8 or [::1] only, unless started with --allow-remote-webhooks (allow_remote_webhooks(true) in process)"
    )]
    Remote(String),
}

/// The paths a browser is meant to reach from another site: Brighte's
/// checkout page.
const BROWSER_PAGES: &[&str] = &["/checkout"];

fn refused(status: u16, message: String) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

/// Whether `host` (a host name or an IP literal, IPv6 in brackets or not)
/// names the loopback interface.
fn is_loopback_name(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || bare.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a `Host` header value (`name`, `name:port`, `[v6]`,
/// `[v6]:port`) names the loopback interface.
pub(crate) fn is_loopback_host(value: &str) -> bool {
    let name = if let Some(rest) = value.strip_prefix('[') {
        match rest.split_once(']') {
            Some((v6, port)) if port.is_empty() || is_port(port.strip_prefix(':')) => v6,
            _ => return false,
        }
    } else {
        match value.split_once(':') {
            Some((name, port)) if is_port(Some(port)) => name,
            Some(_) => return false,
            None => value,
        }
    };
    is_loopback_name(name)
}

fn is_port(port: Option<&str>) -> bool {
    port.is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_ok())
}

/// Whether `url` is an http(s) URL on the loopback interface.
pub(crate) fn is_loopback_url(url: &url::Url) -> bool {
    matches!(url.scheme(), "http" | "https")
        && match url.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
}

/// Whether an `Origin` header value is a loopback origin (`null` is not).
fn is_loopback_origin(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|url| is_loopback_url(&url))
}

/// Checks a webhook URL the sandbox is asked to deliver to: an http(s)
/// URL, on loopback unless `allow_remote`.
pub(crate) fn check_webhook_url(url: &str, allow_remote: bool) -> Result<(), WebhookUrlError> {
    let shown = partner_sdk_core::secret::without_userinfo(url).into_owned();
    let parsed = match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => parsed,
        _ => return Err(WebhookUrlError::NotHttp(shown)),
    };
    if allow_remote || is_loopback_url(&parsed) {
        Ok(())
    } else {
        Err(WebhookUrlError::Remote(shown))
    }
}

/// The refusal of a request whose `Origin` is not a loopback origin.
fn origin_refusal(request: &Request) -> Option<ResponseTemplate> {
    let origins = request.headers.get_all("origin");
    let foreign = origins
        .iter()
        .find(|o| !o.to_str().is_ok_and(is_loopback_origin))?;
    Some(refused(
        403,
        format!(
            "cross-site request refused: Origin {} is not a loopback origin",
            String::from_utf8_lossy(foreign.as_bytes())
        ),
    ))
}

/// The refusal of an admin request, or `None` when it may be answered.
pub(crate) fn admin_refusal(request: &Request) -> Option<ResponseTemplate> {
    // HTTP/1.1 names the host in `Host`; HTTP/2 and an absolute request
    // target name it in the request's URL (which is `localhost` when the
    // target has no authority). Both must be loopback.
    let hosts = request.headers.get_all("host");
    let mut hosts = hosts.iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        (None, _) => Some(request.url.host_str().unwrap_or_default()),
        (Some(_), Some(_)) => None,
    };
    if !host.is_some_and(is_loopback_host) || !is_loopback_url(&request.url) {
        return Some(refused(
            421,
            format!(
                "the sandbox's admin API answers only a loopback Host (localhost, 127.0.0.1 or [::1], any port); this request named {}",
                host.map_or_else(
                    || "no single readable Host".to_owned(),
                    |h| format!("Host {h}")
                )
            ),
        ));
    }
    if let Some(refusal) = origin_refusal(request) {
        return Some(refusal);
    }
    let content_type = request.headers.get("content-type");
    let needs_json = match request.method.as_str() {
        "POST" | "PUT" | "PATCH" => true,
        "DELETE" => content_type.is_some() || !request.body.is_empty(),
        _ => false,
    };
    let is_json = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if needs_json && !is_json {
        return Some(refused(
            415,
            "the sandbox's admin API takes writes with Content-Type: application/json only".into(),
        ));
    }
    None
}

/// Matches a request to a fake provider API (not the admin API, not a
/// browser page) whose `Origin` is not a loopback origin.
pub(crate) struct ForeignOrigin;

impl Match for ForeignOrigin {
    fn matches(&self, request: &Request) -> bool {
        let path = request.url.path().trim_end_matches('/');
        !path.starts_with(ADMIN_PREFIX)
            && !BROWSER_PAGES.contains(&path)
            && origin_refusal(request).is_some()
    }
}

/// Answers what [`ForeignOrigin`] matched.
pub(crate) struct RefuseForeignOrigin;

impl wiremock::Respond for RefuseForeignOrigin {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        origin_refusal(request).unwrap_or_else(|| {
            refused(
                403,
                "cross-site request refused: Origin is not a loopback origin".into(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_with_and_without_ports() {
        for ok in [
            "localhost",
            "LOCALHOST:18082",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.1.2.3:9",
            "[::1]",
            "[::1]:18082",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:18082",
            "localhost.evil.example",
            "localhost:",
            "localhost:x",
            "127.0.0.1:99999",
            "0.0.0.0:18082",
            "[::1",
            "[::1]x",
            "[::2]:1",
            "10.0.0.1",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn loopback_origins_only() {
        for ok in [
            "http://localhost:3000",
            "https://127.0.0.1",
            "http://[::1]:8080",
        ] {
            assert!(is_loopback_origin(ok), "{ok}");
        }
        for bad in [
            "null",
            "https://evil.example",
            "file://",
            "http://localhost.evil.example",
        ] {
            assert!(!is_loopback_origin(bad), "{bad}");
        }
    }

    #[test]
    fn webhook_urls_are_loopback_unless_allowed() {
        assert!(check_webhook_url("http://127.0.0.1:3000/hooks", false).is_ok());
        assert!(check_webhook_url("http://localhost/hooks", false).is_ok());
        let remote = check_webhook_url("https://user:pw@hooks.example/x", false).unwrap_err();
        assert!(matches!(remote, WebhookUrlError::Remote(_)));
        assert!(!remote.to_string().contains("pw"), "{remote}");
        assert!(check_webhook_url("https://hooks.example/x", true).is_ok());
        for bad in ["ftp://127.0.0.1/", "not a url", "mailto:a@b"] {
            assert!(
                matches!(
                    check_webhook_url(bad, true),
                    Err(WebhookUrlError::NotHttp(_))
                ),
                "{bad}"
            );
        }
    }
}
