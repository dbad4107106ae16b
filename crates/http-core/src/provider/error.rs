//! A provider's error kit: [`provider_error!`](crate::provider_error) writes
//! the accessors of its `Error`, [`error_code!`](crate::error_code) its typed
//! codes as it sends them.

/// Writes the accessors every provider `Error` has, for an enum with an
/// `Http(partner_sdk_core::Error)` variant (plus the provider's own), its
/// typed `code` (made by [`error_code!`](crate::error_code)) and its
/// error-body type (with `from_api(&ApiError) -> Option<Self>`).
///
/// The accessors are inherent methods, so callers need no trait in scope:
/// `as_core`, `status`, `is_retryable`, `is_invalid_input`,
/// `invalid_field`, `api`, `code`, `api_body` and `outcome_unknown_key`.
///
/// A provider `Error` is `Clone` like the core's, and as small: a variant
/// of its own whose fields are larger than a pointer holds them in a `Box`.
///
/// ```
/// use partner_sdk_core::ApiError;
///
/// /// Everything a call can fail with.
/// #[derive(Debug, Clone, thiserror::Error)]
/// #[non_exhaustive]
/// pub enum Error {
///     /// Transport, API, decoding or input error.
///     #[error(transparent)]
///     Http(#[from] partner_sdk_core::Error),
/// }
///
/// partner_sdk_core::error_code! {
///     /// The provider's codes.
///     pub enum ErrorCode {
///         /// Not found.
///         NotFound => "E404",
///     }
/// }
///
/// /// The provider's error body.
/// pub struct ApiErrorBody(serde_json::Value);
///
/// impl ApiErrorBody {
///     /// The body of an API error, when it is JSON.
///     pub fn from_api(api: &ApiError) -> Option<Self> {
///         api.json().map(ApiErrorBody)
///     }
/// }
///
/// partner_sdk_core::provider_error!(Error, code: ErrorCode, body: ApiErrorBody);
///
/// let e = Error::from(partner_sdk_core::Error::invalid_input("imei", "must not be empty"));
/// assert!(e.is_invalid_input() && !e.is_retryable());
/// assert_eq!(e.invalid_field(), Some("imei"));
/// assert!(e.api().is_none() && e.code().is_none() && e.api_body().is_none());
/// assert!(e.outcome_unknown_key().is_none());
/// ```
#[macro_export]
macro_rules! provider_error {
    ($error:ident, code: $code:ty, body: $body:ty $(,)?) => {
        impl $error {
            /// The core error this wraps, when it is one (every variant but
            /// the provider's own).
            #[allow(unreachable_patterns)]
            pub fn as_core(&self) -> ::std::option::Option<&$crate::Error> {
                match self {
                    $error::Http(e) => ::std::option::Option::Some(e),
                    _ => ::std::option::Option::None,
                }
            }

            /// The HTTP status of an API or decoding error, or of a refused
            /// login or token request.
            pub fn status(&self) -> ::std::option::Option<$crate::reqwest::StatusCode> {
                self.as_core().and_then($crate::Error::status)
            }

            /// True when trying again later may help (timeouts, connection
            /// errors, 408/429/502/503/504); never for an unknown outcome.
            pub fn is_retryable(&self) -> bool {
                self.as_core().is_some_and($crate::Error::is_retryable)
            }

            /// True when the caller's input was refused before anything was
            /// sent.
            pub fn is_invalid_input(&self) -> bool {
                self.as_core().is_some_and($crate::Error::is_invalid_input)
            }

            /// The field an input error names (a dotted path for nested
            /// fields, the wire name where there is one).
            pub fn invalid_field(&self) -> ::std::option::Option<&str> {
                self.as_core().and_then($crate::Error::invalid_field)
            }

            /// The provider's error answer: an API error, or the answer
            /// that made a login or token request fail.
            pub fn api(&self) -> ::std::option::Option<&$crate::ApiError> {
                self.as_core().and_then($crate::Error::answer)
            }

            /// The provider's code of the error answer, typed; `None` when
            /// the answer carried none, or one not of the provider's form.
            pub fn code(&self) -> ::std::option::Option<$code> {
                self.api()
                    .and_then($crate::ApiError::code)
                    .and_then(<$code>::parse)
            }

            /// The error answer's body in the provider's documented shape,
            /// when it has that shape.
            pub fn api_body(&self) -> ::std::option::Option<$body> {
                self.api().and_then(<$body>::from_api)
            }

            /// The key to reconcile with when a create's outcome is
            /// unknown, or it took effect but its answer is unreadable,
            /// e.g. `external_id=order-1`.
            pub fn outcome_unknown_key(&self) -> ::std::option::Option<&$crate::ReconcileKey> {
                self.as_core().and_then($crate::Error::outcome_unknown_key)
            }
        }
    };
}

/// Defines a provider's error codes: an enum of the documented codes plus
/// `Other`, which keeps any code this SDK version does not know.
///
/// Three forms, by how the provider sends its codes:
///
/// - text (`Variant => "4010" | "alias"`): an [`open_enum!`](crate::open_enum)
///   with `Other(String)`, plus the shared accessors below;
/// - numbers (`Variant = 1000204` after `enum Name: u32`): `Other(u32)`,
///   `Display` writes the number;
/// - numbers with names (`Variant = 3 => "INVALID_ARGUMENT"`, as gRPC
///   codes): as numbers, read from the number or the name, with `name()`,
///   and `Display` writes the name.
///
/// Every form has the same accessors: `from_code(wire)` and `code()`, the
/// value on the wire (`&str` or the number); `parse(&str)`, the code as
/// [`ApiError::code`](crate::ApiError::code) holds it (`None` when the text
/// is not of the provider's form); `KNOWN`, every documented code; and
/// `is_other()`.
///
/// ```
/// partner_sdk_core::error_code! {
///     /// Codes of a numeric provider.
///     pub enum Code: u32 {
///         /// 404: not found.
///         NotFound = 404,
///     }
/// }
/// assert_eq!(Code::parse(" 404"), Some(Code::NotFound));
/// assert_eq!(Code::from_code(7), Code::Other(7));
/// assert_eq!(Code::parse("seven"), None);
/// assert_eq!(Code::NotFound.to_string(), "404");
/// ```
#[macro_export]
macro_rules! error_code {
    (
        @numeric
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $ty:ty {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code this SDK version does not know, kept as received.
            Other($ty),
        }

        impl $name {
            /// Every documented code, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The code for its number on the wire.
            pub fn from_code(code: $ty) -> Self {
                match code {
                    $( $code => $name::$variant, )*
                    other => $name::Other(other),
                }
            }

            /// The number on the wire.
            pub fn code(self) -> $ty {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Other(code) => code,
                }
            }

            /// True for a code this SDK version does not know.
            pub fn is_other(&self) -> bool {
                ::std::matches!(self, $name::Other(_))
            }
        }

        impl ::std::convert::From<$ty> for $name {
            /// [`from_code`](Self::from_code).
            fn from(code: $ty) -> Self {
                Self::from_code(code)
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $wire:literal $(| $alias:literal)*
            ),* $(,)?
        }
    ) => {
        $crate::open_enum! {
            $(#[$meta])*
            $vis enum $name {
                $(
                    $(#[$vmeta])*
                    $variant => $wire $(| $alias)*
                ),*
            }
        }

        impl $name {
            /// The code for its value on the wire.
            pub fn from_code(code: &str) -> Self {
                Self::from(code)
            }

            /// The value on the wire.
            pub fn code(&self) -> &str {
                self.as_str()
            }

            /// The code as an error answer carries it; always `Some`, as
            /// any text is a code of this provider.
            pub fn parse(text: &str) -> ::std::option::Option<Self> {
                ::std::option::Option::Some(Self::from(text))
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $ty:ty {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal => $label:literal
            ),* $(,)?
        }
    ) => {
        $crate::error_code! {
            @numeric
            $(#[$meta])*
            $vis enum $name : $ty {
                $( $(#[$vmeta])* $variant = $code ),*
            }
        }

        impl $name {
            /// The code's name, e.g. `INVALID_ARGUMENT` (`UNKNOWN_CODE` for
            /// a code this SDK version does not know).
            pub fn name(&self) -> &'static str {
                match self {
                    $( $name::$variant => $label, )*
                    $name::Other(_) => "UNKNOWN_CODE",
                }
            }

            /// The code as an error answer carries it: its number or its
            /// name (any case); `None` for other text.
            pub fn parse(text: &str) -> ::std::option::Option<Self> {
                let text = text.trim();
                if let ::std::result::Result::Ok(code) = text.parse::<$ty>() {
                    return ::std::option::Option::Some(Self::from_code(code));
                }
                Self::KNOWN
                    .iter()
                    .find(|known| known.name().eq_ignore_ascii_case(text))
                    .copied()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $ty:ty {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal
            ),* $(,)?
        }
    ) => {
        $crate::error_code! {
            @numeric
            $(#[$meta])*
            $vis enum $name : $ty {
                $( $(#[$vmeta])* $variant = $code ),*
            }
        }

        impl $name {
            /// The code as an error answer carries it: its number; `None`
            /// for text that is not one.
            pub fn parse(text: &str) -> ::std::option::Option<Self> {
                text.trim().parse::<$ty>().ok().map(Self::from_code)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::write!(f, "{}", self.code())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    /// The three forms, as provider crates use them (not every accessor here).
    #[allow(dead_code, unreachable_pub)]
    mod codes {
        crate::error_code! {
            /// Text codes.
            pub enum TextCode {
                /// Not found.
                NotFound => "4041" | "NF",
            }
        }

        crate::error_code! {
            /// Numeric codes.
            pub enum NumberCode: u32 {
                /// Not found.
                NotFound = 1000404,
                /// Bad parameter.
                InvalidParameter = 1000999,
            }
        }

        crate::error_code! {
            /// Numeric codes with names.
            pub enum NamedCode: i64 {
                /// 0.
                Ok = 0 => "OK",
                /// 3.
                InvalidArgument = 3 => "INVALID_ARGUMENT",
            }
        }
    }
    use codes::{NamedCode, NumberCode, TextCode};

    #[test]
    fn text_codes_keep_any_text() {
        assert_eq!(TextCode::from_code("4041"), TextCode::NotFound);
        assert_eq!(TextCode::parse("nf"), Some(TextCode::NotFound));
        assert_eq!(TextCode::NotFound.code(), "4041");
        let other = TextCode::from_code("9999");
        assert!(other.is_other());
        assert_eq!(other.code(), "9999");
        assert_eq!(TextCode::KNOWN, &[TextCode::NotFound]);
    }

    #[test]
    fn numeric_codes_keep_any_number_and_refuse_text() {
        assert_eq!(
            NumberCode::parse("1000999"),
            Some(NumberCode::InvalidParameter)
        );
        assert_eq!(NumberCode::parse("x"), None);
        assert_eq!(NumberCode::from_code(7), NumberCode::Other(7));
        assert_eq!(NumberCode::Other(7).code(), 7);
        assert!(NumberCode::Other(7).is_other());
        assert_eq!(NumberCode::NotFound.to_string(), "1000404");
        assert_eq!(NumberCode::KNOWN.len(), 2);
    }

    #[test]
    fn named_codes_read_numbers_and_names() {
        assert_eq!(NamedCode::parse("3"), Some(NamedCode::InvalidArgument));
        assert_eq!(
            NamedCode::parse("invalid_argument"),
            Some(NamedCode::InvalidArgument)
        );
        assert_eq!(NamedCode::parse("NOPE"), None);
        assert_eq!(NamedCode::parse("-4"), Some(NamedCode::Other(-4)));
        assert_eq!(NamedCode::Ok.to_string(), "OK");
        assert_eq!(NamedCode::Other(42).name(), "UNKNOWN_CODE");
        assert_eq!(NamedCode::InvalidArgument.code(), 3);
    }
}
