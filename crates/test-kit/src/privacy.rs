//! Personal data never printed: one row per public type of the providers
//! that holds personal data or a bearer link, and one check over the table.
//!
//! A row is a value built with known personal values, those values, and the
//! values that must stay readable (ids, statuses, amounts).
//! [`assert_never_printed`] formats every row with `{:?}` and `{:#?}` and
//! fails on any personal value it finds, and on any readable value it does
//! not. [`personal_types`] reads a crate's sources for the types whose
//! fields are named like personal data, so a test can check that each has
//! a row: a new type is one row.
//!
//! ```
//! use partner_sdk_test_kit::privacy::{Row, assert_never_printed};
//!
//! #[derive(Debug)]
//! struct Order { id: u32 }
//! assert_never_printed(&[Row::new("Order", Order { id: 7 }, &["Grace Hopper"]).readable(&["7"])]);
//! ```

use std::fmt::Debug;
use std::path::{Path, PathBuf};

/// One type that holds personal data or a bearer link, built with known
/// values.
pub struct Row {
    type_name: &'static str,
    value: Box<dyn Debug>,
    personal: Vec<String>,
    readable: Vec<String>,
}

impl Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("type_name", &self.type_name)
            .finish_non_exhaustive()
    }
}

impl Row {
    /// `type_name` (as its crate declares it), a `value` of it and the
    /// `personal` values it was built with, none of which may be printed.
    pub fn new(type_name: &'static str, value: impl Debug + 'static, personal: &[&str]) -> Self {
        Row {
            type_name,
            value: Box::new(value),
            personal: personal.iter().map(|v| (*v).to_owned()).collect(),
            readable: Vec::new(),
        }
    }

    /// Values of the row that must be printed (ids, statuses, amounts), so
    /// that a `Debug` that prints nothing at all does not pass.
    pub fn readable(mut self, values: &[&str]) -> Self {
        self.readable = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// The type's name.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

/// Checks every row: neither `{:?}` nor `{:#?}` prints one of its personal
/// values, and both print each of its readable values. Every failure of
/// every row is reported at once.
pub fn assert_never_printed(rows: &[Row]) {
    let mut failures = Vec::new();
    for row in rows {
        assert!(
            !row.personal.is_empty(),
            "{}: a row names the personal values it was built with",
            row.type_name
        );
        for printed in [format!("{:?}", row.value), format!("{:#?}", row.value)] {
            for value in row.personal.iter().filter(|v| printed.contains(v.as_str())) {
                failures.push(format!("{} prints {value:?}: {printed}", row.type_name));
            }
            for value in row
                .readable
                .iter()
                .filter(|v| !printed.contains(v.as_str()))
            {
                failures.push(format!("{} hides {value:?}: {printed}", row.type_name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Field names that hold personal data or a bearer link: a field whose name
/// contains one of these (`recipient_sms_text`, `last_name_kana`) ...
pub const PERSONAL_FIELD_PARTS: &[&str] = &[
    "first_name",
    "last_name",
    "middle_name",
    "full_name",
    "date_of_birth",
    "account_number",
    "sms_text",
    "custom_field",
    "team_member",
    "user_id_in_partner",
];

/// ... or one of whose `_`-separated words is one of these (`email`,
/// `applicant_email`, `applicants`, a tuple variant `Imei(String)`).
pub const PERSONAL_FIELD_WORDS: &[&str] = &[
    "email",
    "mobile",
    "phone",
    "dob",
    "address",
    "building",
    "zip",
    "city",
    "occupation",
    "imei",
    "applicant",
    "applicants",
    "pin",
    "pin2",
    "url",
];

/// True when a field (or tuple variant) called `name` holds personal data
/// or a bearer link by [`PERSONAL_FIELD_PARTS`] and [`PERSONAL_FIELD_WORDS`].
pub fn is_personal_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    PERSONAL_FIELD_PARTS.iter().any(|part| name.contains(part))
        || name
            .split('_')
            .any(|word| PERSONAL_FIELD_WORDS.contains(&word))
}

/// Every `pub struct` or `pub enum` declared at the top level of a file
/// under `src` (a crate's `src/`) with a field or tuple variant whose name
/// [`is_personal_field`], sorted, each once.
pub fn personal_types(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut types = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line
                .strip_prefix("pub struct ")
                .or_else(|| line.strip_prefix("pub enum "))
            {
                current = rest
                    .trim_end()
                    .ends_with('{')
                    .then(|| identifier(rest).to_owned());
                continue;
            }
            if line == "}" {
                current = None;
                continue;
            }
            let Some(name) = &current else { continue };
            let field = line.trim_start();
            let field = field
                .strip_prefix("pub(crate) ")
                .or_else(|| field.strip_prefix("pub "))
                .unwrap_or(field);
            let ident = identifier(field);
            let declares = field[ident.len()..].starts_with([':', '(']);
            if !ident.is_empty() && declares && is_personal_field(ident) && !types.contains(name) {
                types.push(name.clone());
            }
        }
    }
    types.sort();
    types
}

/// The identifier `text` starts with.
fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_field_names_are_recognised_by_part_or_word() {
        for name in [
            "email",
            "applicant_email",
            "recipient_sms_text",
            "last_name_kana",
            "Imei",
            "phone_number",
            "url",
            "pin2",
        ] {
            assert!(is_personal_field(name), "{name}");
        }
        for name in ["id", "status", "pinned", "product_name", "emailed_at_count"] {
            assert!(!is_personal_field(name), "{name}");
        }
    }

    #[test]
    #[should_panic(expected = "Leaky prints")]
    fn a_printed_personal_value_fails_the_check() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Leaky {
            email: &'static str,
        }
        assert_never_printed(&[Row::new(
            "Leaky",
            Leaky {
                email: "ada@mail.example",
            },
            &["ada@mail.example"],
        )]);
    }
}
