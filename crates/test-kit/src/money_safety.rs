//! The money-safety suite: every create of a provider, under every answer
//! a payments API really gives ([`create_cases`]), is sent once and comes
//! to done, not done or unknown with its key (README, "Behaviour you can
//! rely on"). [`money_safety_suite!`](crate::money_safety_suite) runs it in
//! a provider's test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::subject::{
    Settings, Subject, auth_reply, client_on, core_outcome, raw_api_requests, raw_server,
};
use crate::{CreateCase, CreateExpect, Reply, assert_create_outcome, create_cases};

/// Expands to the money-safety suite's case for a [`Subject`] with
/// creates, as a `#[tokio::test]`.
///
/// In the provider's module of that name:
/// `partner_sdk_test_kit::money_safety_suite!(crate::subject::Bbti);`.
#[macro_export]
macro_rules! money_safety_suite {
    ($subject:ty $(,)?) => {
        $crate::__suite_cases!($subject, money_safety, [every_create_under_every_answer]);
    };
}

/// Every create, under every row of [`create_cases`] (the provider
/// refusing with its own error as a 400) and each of the provider's
/// internal errors ([`Subject::INTERNAL_ERRORS`], an unknown outcome), is
/// sent once and comes to what the row says, with its key.
pub async fn every_create_under_every_answer<S: Subject>() {
    let creates = S::creates();
    assert!(!creates.is_empty(), "{}: no creates", S::PROVIDER);
    for create in creates {
        let mut cases = create_cases(create.answer, (400, S::ERROR.body));
        cases.extend(S::INTERNAL_ERRORS.iter().map(|&(status, body)| CreateCase {
            name: "the provider's internal error",
            reply: Reply::json(status, body),
            expect: CreateExpect::Unknown,
        }));
        for case in cases {
            let reply = case.reply.clone();
            let server = raw_server::<S>(|_| auth_reply::<S>(), move |_, _| reply.clone()).await;
            let settings = Settings {
                timeout: Duration::from_millis(300),
                ..Settings::default()
            };
            let outcome = create.send(&client_on::<S>(&server.uri(), &settings)).await;
            let sent = raw_api_requests::<S>(&server)
                .iter()
                .filter(|r| r.path() == create.path)
                .count();
            assert_create_outcome(&case, core_outcome::<S>(&outcome), create.key.clone(), sent);
        }
    }
}
