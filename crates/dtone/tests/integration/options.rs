//! Per-call options and call metadata through the public DT One client: the
//! shared options suite.

partner_sdk_test_kit::options_suite!(crate::subject::Dtone, creates);
