//! Fake bbti server.
