//! Hostile and broken servers through the public trade-in promotion client:
//! the shared hostile-server suite. (This API has no path parameters, no
//! dates and no pagination.)

partner_sdk_test_kit::hostile_suite!(crate::subject::Promo, auth, token);
