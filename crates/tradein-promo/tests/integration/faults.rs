//! Fault matrix through the public trade-in promotion client: the shared
//! faults suite.
//!
//! The promotion POST only looks data up (it creates nothing), so it is
//! marked idempotent and retried like a GET on connection errors, timeouts
//! and 408/429/502/503/504. The only other POST, the token request, is
//! single-flight.

partner_sdk_test_kit::faults_suite!(crate::subject::Promo, token);
