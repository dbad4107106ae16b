//! The checks the requests share: each refuses a bad value with
//! `InvalidInput` naming its field, before anything is sent.

use partner_sdk_core::Error;

/// The checks fail with the core's error, which both the Goods & Services
/// and the DVS error types convert from.
type Result<T> = std::result::Result<T, Error>;

/// A DT One id (service, country, operator, product): positive.
pub(crate) fn check_id(field: &'static str, id: i64) -> Result<()> {
    if id <= 0 {
        return Err(Error::invalid_input(field, "must be a positive id"));
    }
    Ok(())
}

/// An optional id: positive when given.
pub(crate) fn check_opt_id(field: &'static str, id: Option<i64>) -> Result<()> {
    id.map_or(Ok(()), |id| check_id(field, id))
}

/// A text value sent as given (`external_id`, an account number): not
/// blank and without control characters; returned trimmed.
pub(crate) fn check_text<'a>(field: &'static str, value: &'a str) -> Result<&'a str> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_are_trimmed_and_checked() {
        assert_eq!(check_text("account_number", " 531 ").unwrap(), "531");
        for bad in ["", "  ", "53\n1"] {
            let e = check_text("account_number", bad).unwrap_err();
            assert!(e.is_invalid_input(), "{bad:?}");
            assert!(e.to_string().contains("account_number"), "{e}");
        }
    }
}
