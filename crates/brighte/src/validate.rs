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

/// The amounts of a finance proposal: neither negative, and the deposit
/// (when given) not above the total.
pub(crate) fn check_amounts(total: Decimal, deposit: Option<Decimal>) -> Result<()> {
    check_money("total_purchase_amount", total)?;
    if let Some(d) = deposit {
        check_money("deposit_amount", d)?;
        if d > total {
            return Err(Error::invalid(
                "deposit_amount",
                "must not exceed total_purchase_amount",
            ));
        }
    }
    Ok(())
}

/// What a quote and a callout both put to a customer: checked field by
/// field in this order, each failure naming its field. [`proposal!`]
/// borrows it from a request that has these fields.
pub(crate) struct Proposal<'a> {
    pub(crate) first_name: &'a str,
    pub(crate) last_name: &'a str,
    pub(crate) phone: &'a str,
    pub(crate) email: &'a str,
    pub(crate) total_purchase_amount: Decimal,
    pub(crate) deposit_amount: Decimal,
    pub(crate) repayment_term: u32,
    pub(crate) product_category: &'a str,
    pub(crate) product_description: &'a str,
}

impl Proposal<'_> {
    /// Names, phone and email present, amounts as [`check_amounts`] checks
    /// them, a term of a month or more, the product described.
    pub(crate) fn check(&self) -> Result<()> {
        check_text("first_name", self.first_name)?;
        check_text("last_name", self.last_name)?;
        check_text("phone", self.phone)?;
        check_email("email", self.email)?;
        check_amounts(self.total_purchase_amount, Some(self.deposit_amount))?;
        check_term("repayment_term", self.repayment_term)?;
        check_text("product_category", self.product_category)?;
        check_text("product_description", self.product_description)
    }
}

/// The [`Proposal`] of a request with the same fields by the same names
/// (a quote, a callout).
macro_rules! proposal {
    ($request:expr) => {{
        let r = $request;
        $crate::validate::Proposal {
            first_name: &r.first_name,
            last_name: &r.last_name,
            phone: &r.phone,
            email: &r.email,
            total_purchase_amount: r.total_purchase_amount,
            deposit_amount: r.deposit_amount,
            repayment_term: r.repayment_term,
            product_category: &r.product_category,
            product_description: &r.product_description,
        }
    }};
}
pub(crate) use proposal;
