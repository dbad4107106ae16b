//! The money-safety matrix over every Brighte create (payment request,
//! quote, user, callout request, application document): the shared suite.
//! A payment request is keyed by its application; the other creates take
//! no caller key: an unknown outcome carries none, and is reconciled by
//! listing or by fetching the application.

partner_sdk_test_kit::money_safety_suite!(crate::subject::Vendor);
