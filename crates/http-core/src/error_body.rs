//! How a provider shapes its error answers: the [`ErrorBody`] each provider
//! crate implements once, the [`ErrorFields`] it reads from a body, and
//! [`GenericErrorBody`] for providers without a documented shape. The
//! transport asks it about every answer: is this an error, which code and
//! message, does it refuse the credentials, does it say "not found".

use reqwest::StatusCode;

/// The provider-specific part of an error body: a code and a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorFields {
    /// Provider code, as text.
    pub code: Option<String>,
    /// Human-readable message.
    pub message: Option<String>,
}

/// How a provider shapes its error bodies. Each provider crate implements it
/// once; the transport calls it for every non-2xx answer and every 2xx body.
pub trait ErrorBody: Send + Sync + 'static {
    /// Extracts code and message from an error body. Must not fail: return
    /// `ErrorFields::default()` when the body is not the expected shape.
    fn parse(&self, status: StatusCode, body: &[u8]) -> ErrorFields;

    /// Detects an error carried in a 2xx body (e.g. `{"status": 4402}` with
    /// HTTP 200). The default says a 2xx is always a success.
    fn error_in_success(&self, _status: StatusCode, _body: &[u8]) -> Option<ErrorFields> {
        None
    }

    /// The top-level keys that can mark an error inside a 2xx JSON body,
    /// when the provider's errors are marked that way.
    ///
    /// With `Some(keys)`, [`Transport::send`](crate::transport::Transport::send)
    /// watches the top-level keys while it decodes a successful answer and
    /// calls [`error_in_success`](Self::error_in_success) only when one of
    /// `keys` is there or the decode fails: the body is read once instead of
    /// twice. `error_in_success` must then find no error in a body whose top
    /// level is not an object or is an object without any of `keys`. `None`
    /// (the default) calls it on every successful answer.
    fn error_keys(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// Whether this error answer means "credentials refused", so the
    /// transport logs in again once. The default is HTTP 401.
    fn is_unauthorized(&self, status: StatusCode, _fields: &ErrorFields) -> bool {
        status == StatusCode::UNAUTHORIZED
    }

    /// Whether this error answer says the resource does not exist, so that
    /// a DELETE retried after a lost answer and finding nothing is done
    /// ([`Transport::send_delete`](crate::transport::Transport::send_delete)).
    /// Only an answer in the provider's own format counts (one
    /// [`parse`](Self::parse) reads a code or a message from): a gateway's
    /// 404 page says nothing of the resource. The default is HTTP 404.
    fn is_not_found(&self, status: StatusCode, _fields: &ErrorFields) -> bool {
        status == StatusCode::NOT_FOUND
    }

    /// Whether this error answer is the provider's own "internal error, try
    /// later": a code that says the provider failed on its side, not that
    /// it refused the request. Such an answer proves nothing about a
    /// create: a create (a request not idempotent) so answered, with any
    /// status or inside a 2xx ([`error_in_success`](Self::error_in_success)),
    /// ends in [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) with
    /// its reconcile key, never resent, and its journal intent stays
    /// pending. Any other request so answered is the usual
    /// [`Error::Api`](crate::Error::Api), retried or not by its status. The
    /// default is `false`: only the status speaks.
    fn is_internal_error(&self, _status: StatusCode, _fields: &ErrorFields) -> bool {
        false
    }

    /// Whether an unauthorized answer that comes again right after a fresh
    /// login is the provider's answer to the request (kept as
    /// [`Error::Api`](crate::Error::Api) with its code and message) rather than a refusal of
    /// the credentials ([`Error::Auth`](crate::Error::Auth)). For providers that also use their
    /// "unauthorized" status for "not your resource". The default is `false`.
    fn refusal_after_reauth_is_api_error(
        &self,
        _status: StatusCode,
        _fields: &ErrorFields,
    ) -> bool {
        false
    }
}

/// An [`ErrorBody`] for providers with no documented error shape: looks for
/// common `code`/`message` keys and otherwise keeps only the raw body.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenericErrorBody;

impl ErrorBody for GenericErrorBody {
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ErrorFields {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return ErrorFields::default();
        };
        let text = |k: &str| {
            map.get(k).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        ErrorFields {
            code: text("code").or_else(|| text("error")),
            message: text("message")
                .or_else(|| text("error_description"))
                .or_else(|| text("reason")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_error_body_reads_common_keys_and_never_fails() {
        let p = GenericErrorBody.parse(
            StatusCode::BAD_REQUEST,
            br#"{"code":"ERR400","reason":"bad","message":"Bad imei"}"#,
        );
        assert_eq!(p.code.as_deref(), Some("ERR400"));
        assert_eq!(p.message.as_deref(), Some("Bad imei"));
        assert_eq!(
            GenericErrorBody.parse(StatusCode::BAD_GATEWAY, b"<html>"),
            ErrorFields::default()
        );
    }
}
