//! Fake brighte server.
