//! The key under which a [`WebhookHandler`](super::WebhookHandler)
//! remembers a notice it acknowledged; the store itself is the core's
//! [`NoticeStore`](partner_sdk_core::receiver::NoticeStore).

use partner_sdk_core::receiver::NoticeKey;

/// One notice as Brighte sent it: the signed timestamp and token, and the
/// application id next to them. Brighte's resends of a notice carry the
/// same three; a forger reusing a valid pair with another application id
/// makes another key.
pub(crate) fn notice_key(timestamp: i64, token: &str, application_id: &str) -> NoticeKey {
    NoticeKey::new([
        timestamp.to_string(),
        token.to_owned(),
        application_id.to_owned(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_apart_when_their_fields_do() {
        let a = notice_key(1, "a:b", "c").to_string();
        let b = notice_key(1, "a", "b:c").to_string();
        assert_ne!(a, b);
        assert_eq!(a, "1:1:3:a:b:c");
    }
}
