//! Per-request HMAC-SHA256 over an API key and a fresh nonce.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::{Auth, AuthHeaders, BoxFuture};
use crate::error::{Error, Result};

/// Header names an [`HmacNonceAuth`] writes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HmacHeaders {
    /// Header carrying the API key.
    pub api_key: HeaderName,
    /// Header carrying the nonce.
    pub nonce: HeaderName,
    /// Header carrying the signature.
    pub signature: HeaderName,
}

impl HmacHeaders {
    /// The header names for the API key, the nonce and the signature.
    pub fn new(api_key: HeaderName, nonce: HeaderName, signature: HeaderName) -> Self {
        HmacHeaders {
            api_key,
            nonce,
            signature,
        }
    }
}

/// Per-request HMAC-SHA256 of `api_key ‖ nonce`, base64-encoded (DT One's
/// scheme).
///
/// A nonce is a 19-digit decimal number: Unix milliseconds (13 digits)
/// followed by a 6-digit number drawn at random once per process
/// ([`NONCE_PROCESS_DIGITS`]). The millisecond part comes from one counter
/// shared by every client in the process, bumped so that it never repeats:
/// nonces are strictly increasing within a client, unique across all clients
/// of a process, and unique across processes (replicas sharing one API key)
/// unless two of them draw the same 6-digit number (one chance in a million
/// per pair).
pub struct HmacNonceAuth {
    api_key: SecretString,
    secret: SecretString,
    headers: HmacHeaders,
}

/// Number of trailing nonce digits that identify the process.
pub const NONCE_PROCESS_DIGITS: u32 = 6;

/// The last millisecond counter value handed out in this process.
static LAST_NONCE_MILLIS: AtomicU64 = AtomicU64::new(0);

/// This process's random nonce suffix, below `10^NONCE_PROCESS_DIGITS`.
fn nonce_process_id() -> u64 {
    static ID: OnceLock<u64> = OnceLock::new();
    *ID.get_or_init(|| {
        use std::hash::{BuildHasher as _, Hasher as _};
        // RandomState is seeded from the operating system's randomness.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish() % 10u64.pow(NONCE_PROCESS_DIGITS)
    })
}

/// `millis ‖ process` as one number.
fn compose_nonce(millis: u64, process: u64) -> u64 {
    millis
        .saturating_mul(10u64.pow(NONCE_PROCESS_DIGITS))
        .saturating_add(process)
}

impl fmt::Debug for HmacNonceAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacNonceAuth")
            .field("api_key", &crate::secret::REDACTED)
            .field("secret", &crate::secret::REDACTED)
            .field("headers", &self.headers)
            .finish()
    }
}

impl HmacNonceAuth {
    /// HMAC auth writing these headers.
    pub fn new(api_key: SecretString, secret: SecretString, headers: HmacHeaders) -> Self {
        HmacNonceAuth {
            api_key,
            secret,
            headers,
        }
    }

    /// The next nonce (see the type's documentation for the format).
    pub fn next_nonce(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut last = LAST_NONCE_MILLIS.load(Ordering::Relaxed);
        let millis = loop {
            let next = now.max(last.saturating_add(1));
            match LAST_NONCE_MILLIS.compare_exchange_weak(
                last,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break next,
                Err(actual) => last = actual,
            }
        };
        compose_nonce(millis, nonce_process_id())
    }

    /// The signature for `nonce` as a sensitive header value: the MAC fed
    /// the key and the nonce in turn (no joined copy), encoded on the stack.
    fn signature_value(&self, nonce: &str) -> HeaderValue {
        let mac = crate::signature::hmac_sha256_parts(
            self.secret.expose_secret(),
            &[self.api_key.expose_secret(), nonce],
        );
        let mut text = [0u8; 44];
        // 32 bytes are 44 in padded base64, always a valid header value.
        let mut value = base64::engine::general_purpose::STANDARD
            .encode_slice(mac, &mut text)
            .ok()
            .and_then(|n| HeaderValue::from_bytes(&text[..n]).ok())
            .unwrap_or_else(|| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }

    /// The three headers for `nonce`, values marked sensitive.
    pub fn headers_for(&self, nonce: &str) -> Result<HeaderMap> {
        let bad = |what: &str| Error::config(format!("{what} is not a valid header value"));
        let mut key =
            HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| bad("API key"))?;
        key.set_sensitive(true);
        let nonce_value = HeaderValue::from_str(nonce).map_err(|_| bad("nonce"))?;
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(self.headers.api_key.clone(), key);
        headers.insert(self.headers.nonce.clone(), nonce_value);
        headers.insert(self.headers.signature.clone(), self.signature_value(nonce));
        Ok(headers)
    }

    /// Headers signed with a fresh nonce, its digits written on the stack.
    fn credentials(&self) -> Result<AuthHeaders> {
        self.headers_for(itoa::Buffer::new().format(self.next_nonce()))
            .map(|headers| AuthHeaders {
                headers,
                generation: 0,
            })
    }
}

impl Auth for HmacNonceAuth {
    fn authorize<'a>(&'a self, _: &'a reqwest::Client) -> BoxFuture<'a, Result<AuthHeaders>> {
        let result = self.credentials();
        Box::pin(async move { result })
    }

    fn ready(&self) -> Option<Result<AuthHeaders>> {
        Some(self.credentials())
    }

    fn login_deadline(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn dtone_like() -> HmacNonceAuth {
        HmacNonceAuth::new(
            SecretString::from("1234567890"),
            SecretString::from("secret-abc"),
            HmacHeaders {
                api_key: HeaderName::from_static("x-transferto-apikey"),
                nonce: HeaderName::from_static("x-transferto-nonce"),
                signature: HeaderName::from_static("x-transferto-hmac"),
            },
        )
    }

    #[test]
    fn hmac_nonce_signature_matches_the_independent_vector() {
        let auth = dtone_like();
        let headers = auth.headers_for("1543000000000").unwrap();
        assert_eq!(
            headers["x-transferto-hmac"].to_str().unwrap(),
            "mRsW2dFHUU8NcWkUig/3AqmIgWfyY4/afdrw4+uIA9E="
        );
        assert_eq!(headers["x-transferto-nonce"], "1543000000000");
        assert_eq!(headers["x-transferto-apikey"], "1234567890");
        let dbg = format!("{auth:?}");
        assert!(
            !dbg.contains("secret-abc") && !dbg.contains("1234567890"),
            "{dbg}"
        );
    }

    #[test]
    fn ready_credentials_carry_a_fresh_nonce_and_its_signature() {
        let auth = dtone_like();
        let first = auth.ready().unwrap().unwrap().headers;
        let second = auth.ready().unwrap().unwrap().headers;
        let nonce = |h: &HeaderMap| h["x-transferto-nonce"].to_str().unwrap().parse::<u64>();
        assert!(nonce(&first).unwrap() < nonce(&second).unwrap());
        for headers in [first, second] {
            let sent = headers["x-transferto-nonce"].to_str().unwrap();
            let expected =
                crate::signature::hmac_sha256_base64("secret-abc", format!("1234567890{sent}"));
            assert_eq!(headers["x-transferto-hmac"], expected.as_str());
            assert!(headers["x-transferto-hmac"].is_sensitive());
            assert_eq!(headers["x-transferto-apikey"], "1234567890");
        }
    }

    #[test]
    fn nonces_strictly_increase_across_threads() {
        let auth = Arc::new(dtone_like());
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let a = Arc::clone(&auth);
                std::thread::spawn(move || (0..1000).map(|_| a.next_nonce()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            let v = h.join().unwrap();
            assert!(v.windows(2).all(|w| w[0] < w[1]));
            all.extend(v);
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn nonces_carry_the_process_suffix_and_differ_across_processes() {
        let auth = dtone_like();
        let n = auth.next_nonce();
        assert_eq!(n.to_string().len(), 19, "{n}");
        assert_eq!(n % 1_000_000, nonce_process_id());
        // Two processes drawing different suffixes never collide, even on
        // the same millisecond counter values.
        let a: Vec<u64> = (1_700_000_000_000..1_700_000_000_200)
            .map(|ms| compose_nonce(ms, 17))
            .collect();
        let b: Vec<u64> = (1_700_000_000_000..1_700_000_000_200)
            .map(|ms| compose_nonce(ms, 900_017))
            .collect();
        assert!(a.iter().all(|n| !b.contains(n)));
        assert!(a.windows(2).all(|w| w[0] < w[1]));
    }
}
