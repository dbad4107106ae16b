//! Fake tradein_promo server.
