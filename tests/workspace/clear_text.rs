//! No credential in clear text, no password in a URL: every provider's
//! builder refuses a URL with user info without repeating the password, and
//! refuses to send credentials over plain `http` to a host that is not
//! loopback unless the caller opts in (the sandbox on loopback needs none).

use partner_sdk::{bbti, brighte, dtone, tradein_promo};

const PASSWORD: &str = "hunter2-Qx81";

/// `(builder Debug, build error)` of each provider for these URLs.
fn built(api: &str, auth: &str, allow: bool) -> Vec<(String, Result<(), String>)> {
    let show = |e: &dyn std::fmt::Debug| format!("{e:?}");
    let bbti = {
        let mut b = bbti::Client::builder()
            .base_url(api)
            .token_url(auth)
            .credentials("id", "secret");
        if allow {
            b = b.allow_http_credentials();
        }
        (
            show(&b),
            b.build().map(drop).map_err(|e| format!("{e} {e:?}")),
        )
    };
    let promo = {
        let mut b = tradein_promo::Client::builder()
            .base_url(api)
            .token_url(auth)
            .credentials("id", "secret")
            .scope("promo");
        if allow {
            b = b.allow_http_credentials();
        }
        (
            show(&b),
            b.build().map(drop).map_err(|e| format!("{e} {e:?}")),
        )
    };
    let dtone = {
        let mut b = dtone::Client::builder().base_url(api).credentials("k", "s");
        if allow {
            b = b.allow_http_credentials();
        }
        (
            show(&b),
            b.build().map(drop).map_err(|e| format!("{e} {e:?}")),
        )
    };
    let brighte = {
        let mut b = brighte::Client::builder()
            .base_url(api)
            .credentials("id", "secret");
        if allow {
            b = b.allow_http_credentials();
        }
        (
            show(&b),
            b.build().map(drop).map_err(|e| format!("{e} {e:?}")),
        )
    };
    vec![bbti, promo, dtone, brighte]
}

#[test]
fn a_url_with_a_password_is_refused_and_never_printed() {
    let with_password = format!("https://user:{PASSWORD}@api.example");
    for (api, auth) in [
        (with_password.as_str(), "https://auth.example"),
        ("https://api.example", with_password.as_str()),
    ] {
        for (i, (debug, result)) in built(api, auth, false).into_iter().enumerate() {
            assert!(!debug.contains(PASSWORD), "{i}: {debug}");
            if i >= 2 && auth.contains(PASSWORD) {
                continue; // DT One and Brighte have no token URL.
            }
            let err = result.unwrap_err();
            assert!(!err.contains(PASSWORD), "{i}: {err}");
            assert!(err.contains("user name or password"), "{i}: {err}");
        }
    }
}

#[test]
fn credentials_over_http_go_only_to_loopback_unless_allowed() {
    // The token endpoint in clear text behind an https API.
    let refused = built("https://api.example", "http://auth.example", false);
    for (i, (_, result)) in refused.iter().take(2).enumerate() {
        let err = result.as_ref().unwrap_err();
        assert!(err.contains("clear text"), "{i}: {err}");
    }
    // The API itself in clear text.
    for (i, (_, result)) in built("http://api.example", "https://auth.example", false)
        .iter()
        .enumerate()
    {
        let err = result.as_ref().unwrap_err();
        assert!(
            err.contains("base_url") && err.contains("clear text"),
            "{i}: {err}"
        );
    }
    // Opted in, or on loopback: built.
    for (api, auth, allow) in [
        ("http://api.example", "http://auth.example", true),
        ("http://127.0.0.1:9", "http://localhost:9", false),
    ] {
        for (i, (_, result)) in built(api, auth, allow).into_iter().enumerate() {
            assert!(result.is_ok(), "{i} {api} {auth}: {result:?}");
        }
    }
}
