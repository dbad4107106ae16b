//! Fake dtone server.
