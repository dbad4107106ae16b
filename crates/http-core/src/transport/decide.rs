//! What an attempt's outcome means for the call: a pure function, so that
//! every rule is a row of a table test. The loop around it
//! ([`Transport`](super::Transport)) does the side effects: hooks, logs,
//! dropping a refused credential, sleeping, building the error.

use std::time::Duration;

use reqwest::StatusCode;

use crate::retry::{RetryPolicy, is_retryable_status};

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// The connection was never opened: nothing was sent.
    NotSent,
    /// Sent, and no answer came: a timeout or a connection lost after
    /// sending.
    NoAnswer,
    /// An answer that must not be used: larger than the limit.
    Unusable,
    /// A redirect, never followed: the request was sent and may have been
    /// processed before the server pointed elsewhere.
    Redirected,
    /// A 2xx answer.
    Success,
    /// An error answer.
    Refused {
        /// Its status.
        status: StatusCode,
        /// The provider's error body says the credentials were refused
        /// (`ErrorBody::is_unauthorized`).
        unauthorized: bool,
        /// After a fresh login, such a refusal is about the request, not the
        /// credentials (`ErrorBody::refusal_after_reauth_is_api_error`).
        refusal_is_about_request: bool,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
        /// The provider says the resource does not exist
        /// (`ErrorBody::is_not_found`).
        not_found: bool,
        /// The body is the provider's own error format (it names a code or
        /// a message), not a gateway's or a proxy's page.
        own_format: bool,
        /// The provider's own "internal error, try later"
        /// (`ErrorBody::is_internal_error`): it proves nothing about a
        /// create's outcome.
        internal_error: bool,
    },
}

/// Where the call stands when the attempt ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    /// The request may be sent again (GET/HEAD/PUT/DELETE, or a POST the
    /// provider deduplicates).
    pub(crate) idempotent: bool,
    /// The attempt that just ended, from 1.
    pub(crate) attempt: u32,
    /// Credentials were already refreshed once in this call.
    pub(crate) reauthenticated: bool,
    /// The request is a DELETE and an earlier attempt of this call was sent
    /// and may have been applied (no answer came, or a 5xx).
    pub(crate) delete_may_be_done: bool,
    /// What the attempt came to.
    pub(crate) seen: Seen,
}

/// How long to wait before the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The policy's jittered backoff.
    Backoff,
    /// The backoff, but at least this long (the server's `Retry-After`).
    AtLeast(Duration),
}

/// What the call does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Hand the answer to the caller.
    Done,
    /// A DELETE retried after an attempt that may have been applied finds
    /// nothing: that attempt did it. The call succeeds.
    AlreadyDone,
    /// Send the request again after the wait.
    Retry(Wait),
    /// Drop the refused credential and try once more with a fresh one (the
    /// attempt is not counted); fails as [`Decision::Fail`] when the
    /// strategy cannot log in again.
    Reauthenticate,
    /// End with the error this outcome makes (the provider's error, a
    /// transport error, a timeout, a redirect, an answer too large).
    Fail,
    /// The credentials were refused again right after a fresh login.
    CredentialsRefused,
    /// A request that creates something was sent and the answer does not say
    /// whether it took effect: none came, a 5xx came (a gateway's or the
    /// provider's), a redirect, the provider's own internal-error code, or
    /// an error answer that is not the provider's own. Never sent again.
    OutcomeUnknown,
}

/// The rules, in order.
pub(crate) fn decide(policy: &RetryPolicy, facts: Facts) -> Decision {
    let can_retry = facts.attempt < policy.max_attempts;
    match facts.seen {
        Seen::Success => Decision::Done,
        Seen::Unusable => Decision::Fail,
        Seen::Redirected if !facts.idempotent => Decision::OutcomeUnknown,
        Seen::Redirected => Decision::Fail,
        Seen::NotSent if can_retry => Decision::Retry(Wait::Backoff),
        Seen::NotSent => Decision::Fail,
        Seen::NoAnswer if !facts.idempotent => Decision::OutcomeUnknown,
        Seen::NoAnswer if can_retry => Decision::Retry(Wait::Backoff),
        Seen::NoAnswer => Decision::Fail,
        Seen::Refused {
            unauthorized: true,
            refusal_is_about_request,
            ..
        } => match (facts.reauthenticated, refusal_is_about_request) {
            (false, _) => Decision::Reauthenticate,
            (true, false) => Decision::CredentialsRefused,
            (true, true) => Decision::Fail,
        },
        Seen::Refused {
            not_found: true,
            own_format: true,
            ..
        } if facts.delete_may_be_done => Decision::AlreadyDone,
        Seen::Refused {
            internal_error: true,
            ..
        } if !facts.idempotent => Decision::OutcomeUnknown,
        Seen::Refused {
            status, own_format, ..
        } if !facts.idempotent && !refused_before_processing(status, own_format) => {
            Decision::OutcomeUnknown
        }
        Seen::Refused {
            status,
            retry_after,
            ..
        } => {
            if !(facts.idempotent && can_retry && is_retryable_status(status)) {
                return Decision::Fail;
            }
            match retry_after {
                Some(wait) if wait > policy.max_delay => Decision::Fail,
                Some(wait) => Decision::Retry(Wait::AtLeast(wait)),
                None => Decision::Retry(Wait::Backoff),
            }
        }
    }
}

/// An error answer to a create that says it did not take effect: the
/// provider's own refusal below 500, or an answer any gateway gives before it
/// forwards a request: credentials, a firewall or a proxy refused (401, 403,
/// 407), no such route or method (404, 405), a request too large (413, 414,
/// 431), a rate limit (429). A 5xx, or any other answer in a format that is
/// not the provider's (an HTML 400, 408, 409, 422, ...), may come after the
/// provider processed the request.
fn refused_before_processing(status: StatusCode, own_format: bool) -> bool {
    if status.is_server_error() {
        return false;
    }
    own_format
        || matches!(
            status.as_u16(),
            401 | 403 | 404 | 405 | 407 | 413 | 414 | 429 | 431
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, retry_after: Option<u64>) -> Seen {
        Seen::Refused {
            status: StatusCode::from_u16(status).unwrap(),
            unauthorized: false,
            refusal_is_about_request: false,
            retry_after: retry_after.map(Duration::from_secs),
            not_found: status == 404,
            own_format: true,
            internal_error: false,
        }
    }

    /// The provider's own "internal error, try later" code, with `status`.
    fn internal(status: u16) -> Seen {
        Seen::Refused {
            status: StatusCode::from_u16(status).unwrap(),
            unauthorized: false,
            refusal_is_about_request: false,
            retry_after: None,
            not_found: false,
            own_format: true,
            internal_error: true,
        }
    }

    /// An answer that is not the provider's own error format (an HTML page).
    fn foreign(status: u16) -> Seen {
        Seen::Refused {
            status: StatusCode::from_u16(status).unwrap(),
            unauthorized: false,
            refusal_is_about_request: false,
            retry_after: None,
            not_found: status == 404,
            own_format: false,
            internal_error: false,
        }
    }

    fn unauthorized(about_request: bool) -> Seen {
        Seen::Refused {
            status: StatusCode::UNAUTHORIZED,
            unauthorized: true,
            refusal_is_about_request: about_request,
            retry_after: None,
            not_found: false,
            own_format: true,
            internal_error: false,
        }
    }

    #[test]
    fn every_rule_as_a_row() {
        use Decision::*;
        const GET: bool = true;
        const POST: bool = false;
        let secs = Duration::from_secs;
        // (idempotent, attempt, reauthenticated, seen) -> decision, with
        // the default policy: 3 attempts, waits capped at 20 s.
        let rows: &[(bool, u32, bool, Seen, Decision)] = &[
            // A 2xx is done, whatever the method or attempt.
            (GET, 1, false, Seen::Success, Done),
            (POST, 3, true, Seen::Success, Done),
            // An oversized answer ends the call.
            (GET, 1, false, Seen::Unusable, Fail),
            // A redirect ends a read; a create it answers was sent and may
            // have been processed: unknown, never resent.
            (GET, 1, false, Seen::Redirected, Fail),
            (POST, 1, false, Seen::Redirected, OutcomeUnknown),
            // Nothing sent: safe to retry for any method, while attempts remain.
            (POST, 1, false, Seen::NotSent, Retry(Wait::Backoff)),
            (GET, 2, false, Seen::NotSent, Retry(Wait::Backoff)),
            (GET, 3, false, Seen::NotSent, Fail),
            // Sent, no answer: idempotent requests retry; a create never does.
            (GET, 1, false, Seen::NoAnswer, Retry(Wait::Backoff)),
            (GET, 3, false, Seen::NoAnswer, Fail),
            (POST, 1, false, Seen::NoAnswer, OutcomeUnknown),
            (POST, 3, false, Seen::NoAnswer, OutcomeUnknown),
            // Retryable statuses on idempotent requests, honouring Retry-After.
            (GET, 1, false, refused(503, None), Retry(Wait::Backoff)),
            (
                GET,
                1,
                false,
                refused(429, Some(5)),
                Retry(Wait::AtLeast(secs(5))),
            ),
            (
                GET,
                1,
                false,
                refused(408, Some(20)),
                Retry(Wait::AtLeast(secs(20))),
            ),
            (GET, 1, false, refused(502, Some(21)), Fail),
            (GET, 2, false, refused(504, None), Retry(Wait::Backoff)),
            (GET, 3, false, refused(504, None), Fail),
            // Other statuses end the call.
            (GET, 1, false, refused(500, None), Fail),
            (GET, 1, false, refused(404, None), Fail),
            (GET, 1, false, foreign(502), Retry(Wait::Backoff)),
            (GET, 1, false, foreign(404), Fail),
            // A create is never sent again. The provider's own refusal below
            // 500, or a gateway's refusal of the caller, says it was not
            // done; a 5xx or any other foreign answer leaves it unknown.
            (POST, 1, false, refused(400, None), Fail),
            (POST, 1, false, refused(409, None), Fail),
            (POST, 1, false, refused(429, Some(1)), Fail),
            (POST, 1, false, foreign(429), Fail),
            (POST, 1, false, foreign(403), Fail),
            (POST, 1, false, foreign(401), Fail),
            (POST, 1, false, refused(500, None), OutcomeUnknown),
            (POST, 1, false, refused(503, None), OutcomeUnknown),
            (POST, 3, false, foreign(500), OutcomeUnknown),
            (POST, 1, false, foreign(502), OutcomeUnknown),
            (POST, 1, false, foreign(503), OutcomeUnknown),
            (POST, 1, false, foreign(504), OutcomeUnknown),
            (POST, 1, false, foreign(404), Fail),
            (POST, 1, false, foreign(413), Fail),
            (POST, 1, false, foreign(400), OutcomeUnknown),
            (POST, 1, false, foreign(408), OutcomeUnknown),
            (POST, 1, false, foreign(422), OutcomeUnknown),
            // The provider's own "internal error, try later" proves nothing
            // of a create, whatever the status; a read is the usual error,
            // retried by its status alone.
            (POST, 1, false, internal(400), OutcomeUnknown),
            (POST, 1, false, internal(200), OutcomeUnknown),
            (POST, 1, false, internal(500), OutcomeUnknown),
            (GET, 1, false, internal(500), Fail),
            (GET, 1, false, internal(400), Fail),
            (GET, 1, false, internal(503), Retry(Wait::Backoff)),
            // Refused credentials: log in again once.
            (GET, 1, false, unauthorized(false), Reauthenticate),
            (POST, 3, false, unauthorized(false), Reauthenticate),
            (GET, 1, true, unauthorized(false), CredentialsRefused),
            (GET, 1, true, unauthorized(true), Fail),
            (GET, 1, false, unauthorized(true), Reauthenticate),
        ];
        let policy = RetryPolicy::default();
        for &(idempotent, attempt, reauthenticated, seen, expected) in rows {
            let facts = Facts {
                idempotent,
                attempt,
                reauthenticated,
                delete_may_be_done: false,
                seen,
            };
            assert_eq!(decide(&policy, facts), expected, "{facts:?}");
        }
    }

    #[test]
    fn a_policy_of_one_attempt_never_retries() {
        let policy = RetryPolicy::none();
        for seen in [Seen::NotSent, Seen::NoAnswer, refused(503, None)] {
            let facts = Facts {
                idempotent: true,
                attempt: 1,
                reauthenticated: false,
                delete_may_be_done: false,
                seen,
            };
            assert_eq!(decide(&policy, facts), Decision::Fail, "{seen:?}");
        }
    }

    #[test]
    fn a_delete_finding_nothing_after_a_lost_answer_is_done() {
        let policy = RetryPolicy::default();
        let facts = |delete_may_be_done, seen| Facts {
            idempotent: true,
            attempt: 2,
            reauthenticated: false,
            delete_may_be_done,
            seen,
        };
        assert_eq!(
            decide(&policy, facts(true, refused(404, None))),
            Decision::AlreadyDone
        );
        // Only the provider's own "not found": a gateway's 404 page says
        // nothing of the resource.
        assert_eq!(decide(&policy, facts(true, foreign(404))), Decision::Fail);
        // Not found on the first attempt, or after one that was refused: an error.
        assert_eq!(
            decide(&policy, facts(false, refused(404, None))),
            Decision::Fail
        );
        // Anything else after a lost answer follows the usual rules.
        assert_eq!(
            decide(&policy, facts(true, refused(503, None))),
            Decision::Retry(Wait::Backoff)
        );
    }
}
