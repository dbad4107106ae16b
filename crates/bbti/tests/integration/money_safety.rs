//! The money-safety matrix over every BBTI create (pricing by product and
//! by app code, KYC and delivery registration): the shared suite.

partner_sdk_test_kit::money_safety_suite!(crate::subject::Bbti);
