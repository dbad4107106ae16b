//! The checks the request types share: each refuses a bad value with
//! `InvalidInput` naming its field, before anything is sent.

use rust_decimal::Decimal;

use crate::error::{Error, Result};

pub(crate) fn check_email(field: &'static str, email: &str) -> Result<()> {
    let e = email.trim();
    match e.split_once('@') {
        Some((user, host))
            if !user.is_empty() && !host.is_empty() && !e.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(Error::invalid(field, "must be an email address")),
    }
}

pub(crate) fn check_money(field: &'static str, d: Decimal) -> Result<()> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(Error::invalid(field, "must not be negative"));
    }
    Ok(())
}

pub(crate) fn check_text(field: &'static str, s: &str) -> Result<()> {
    if s.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

pub(crate) fn check_term(field: &'static str, months: u32) -> Result<()> {
    if months == 0 {
        return Err(Error::invalid(field, "must be at least one month"));
    }
    Ok(())
}
