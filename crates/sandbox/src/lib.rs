//! In-process fake servers of the four partner APIs.
//!
//! Each provider module starts a loopback server that behaves like the
//! documented provider, so examples and users' own tests run with no
//! credentials and no network.

pub mod bbti;
pub mod brighte;
pub mod dtone;
pub mod tradein_promo;
