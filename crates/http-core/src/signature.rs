//! Hashing and HMAC helpers with constant-time verification. No provider logic:
//! each provider crate decides what is signed and how it is encoded.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

/// Raw HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: impl AsRef<[u8]>, message: impl AsRef<[u8]>) -> [u8; 32] {
    let mut mac = new_mac(key.as_ref());
    mac.update(message.as_ref());
    mac.finalize().into_bytes().into()
}

/// Raw HMAC-SHA256 under `key` of `parts` one after another, as of their
/// concatenation, without building it.
pub fn hmac_sha256_parts(key: impl AsRef<[u8]>, parts: &[&str]) -> [u8; 32] {
    let mut mac = new_mac(key.as_ref());
    for part in parts {
        mac.update(part.as_bytes());
    }
    mac.finalize().into_bytes().into()
}

/// Lower-case hex HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256_hex(key: impl AsRef<[u8]>, message: impl AsRef<[u8]>) -> String {
    hex::encode(hmac_sha256(key, message))
}

/// Standard padded base64 (no line breaks) HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256_base64(key: impl AsRef<[u8]>, message: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(key, message))
}

/// Verifies a hex HMAC-SHA256 `signature` (either case) of `message` under
/// `key` in constant time. A signature that is not 64 hex digits is `false`.
pub fn verify_hmac_sha256_hex(
    key: impl AsRef<[u8]>,
    message: impl AsRef<[u8]>,
    signature: &str,
) -> bool {
    let Ok(expected) = hex::decode(signature.trim()) else {
        return false;
    };
    let mut mac = new_mac(key.as_ref());
    mac.update(message.as_ref());
    mac.verify_slice(&expected).is_ok()
}

/// Compares two hex digests (either case) in constant time with respect to
/// their contents. Different lengths compare unequal, and an empty digest
/// matches nothing (not even another empty one).
pub fn verify_hex(expected: &str, actual: &str) -> bool {
    let (Ok(a), Ok(b)) = (hex::decode(expected.trim()), hex::decode(actual.trim())) else {
        return false;
    };
    !a.is_empty() && constant_time_eq(&a, &b)
}

/// Constant-time byte comparison.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this constructor cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from the project's independent test-vector sheet (computed with Python).
    #[test]
    fn dtone_style_base64_vector() {
        assert_eq!(
            hmac_sha256_base64("secret-abc", "12345678901543000000000"),
            "mRsW2dFHUU8NcWkUig/3AqmIgWfyY4/afdrw4+uIA9E="
        );
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(hmac_sha256_parts(
                "secret-abc",
                &["1234567890", "1543000000000"]
            )),
            "mRsW2dFHUU8NcWkUig/3AqmIgWfyY4/afdrw4+uIA9E="
        );
    }

    /// The class of bug a webhook library fixed in 2024 (a signature
    /// compared only over the bytes it has): an empty, truncated or
    /// prefix-only signature never verifies, whatever its length or case.
    #[test]
    fn an_empty_truncated_or_prefix_signature_never_verifies() {
        let msg = "946684800b08c02e08efec9e34611c5141e5f698bff949f95999e687ecc";
        let sig = "fec7582127d3640b45e4f0cd1180d2f1b368fa1048e5033e570ff3d55d530e57";
        let key = "brighte-private-key";
        assert!(verify_hmac_sha256_hex(key, msg, sig));
        for len in 0..sig.len() {
            assert!(
                !verify_hmac_sha256_hex(key, msg, &sig[..len]),
                "prefix of {len}"
            );
            assert!(!verify_hex(sig, &sig[..len]), "verify_hex, prefix of {len}");
        }
        for forged in [" ", "00", "  \t", "==", &format!("{sig}00"), &sig[2..]] {
            assert!(!verify_hmac_sha256_hex(key, msg, forged), "{forged:?}");
            assert!(!verify_hex(sig, forged), "verify_hex {forged:?}");
        }
        assert!(!verify_hex("", ""), "two empty digests are no match");
    }

    #[test]
    fn brighte_style_hex_vector_and_verification() {
        let msg = "946684800b08c02e08efec9e34611c5141e5f698bff949f95999e687ecc";
        let sig = "fec7582127d3640b45e4f0cd1180d2f1b368fa1048e5033e570ff3d55d530e57";
        assert_eq!(hmac_sha256_hex("brighte-private-key", msg), sig);
        assert!(verify_hmac_sha256_hex("brighte-private-key", msg, sig));
        assert!(verify_hmac_sha256_hex(
            "brighte-private-key",
            msg,
            &sig.to_uppercase()
        ));
        assert!(!verify_hmac_sha256_hex("wrong-key", msg, sig));
        assert!(!verify_hmac_sha256_hex(
            "brighte-private-key",
            msg,
            &sig[..62]
        ));
        assert!(!verify_hmac_sha256_hex("brighte-private-key", msg, "zz"));
    }

    #[test]
    fn sha256_checksum_vector() {
        let joined = "http://yourwebsite.com/checkout-success.html700070024Storage Battery(s)Powerwall Home Battery";
        assert_eq!(
            sha256_hex(joined),
            "03c1b09f674be675da01bddd39936b28e1bbb360802066d445f304147bc441ff"
        );
    }

    #[test]
    fn verify_hex_compares_case_insensitively_and_rejects_garbage() {
        assert!(verify_hex("ABCDEF", "abcdef"));
        assert!(!verify_hex("abcdef", "abcdee"));
        assert!(!verify_hex("abcdef", "abcd"));
        assert!(!verify_hex("xyz", "xyz"));
    }
}
