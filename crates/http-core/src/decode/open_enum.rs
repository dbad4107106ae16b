//! [`open_enum!`](crate::open_enum): enums that keep the values nobody documented.

/// Defines a string enum that keeps values it does not know.
///
/// Generates the enum with the listed variants plus `Other(String)`, and
/// `as_str`, `Display`, `FromStr` (infallible), `From<&str>`, `Serialize` and
/// `Deserialize` (which also accepts numbers, kept as their text). Matching is
/// exact first, then ASCII case-insensitive, so `"invoice"` still finds
/// `INVOICE`; `Other` keeps the text as received so it round-trips.
///
/// ```
/// partner_sdk_core::open_enum! {
///     /// Device grade.
///     pub enum Grade {
///         /// Best condition.
///         A => "GRADE_A",
///         /// Worn.
///         B => "GRADE_B",
///     }
/// }
/// let g: Grade = serde_json::from_str("\"GRADE_Z\"").unwrap();
/// assert_eq!(g, Grade::Other("GRADE_Z".into()));
/// assert_eq!(serde_json::to_string(&g).unwrap(), "\"GRADE_Z\"");
/// assert_eq!("grade_a".parse::<Grade>().unwrap(), Grade::A);
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $wire:literal $(| $alias:literal)*
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )*
            /// A value this SDK version does not know, kept as received.
            Other(::std::string::String),
        }

        impl $name {
            /// Every known variant, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(s) => s.as_str(),
                }
            }

            /// True for a value this SDK version does not know.
            pub fn is_other(&self) -> bool {
                matches!(self, $name::Other(_))
            }

            fn from_wire(s: &str) -> Self {
                $(
                    if s == $wire $(|| s == $alias)* {
                        return $name::$variant;
                    }
                )*
                $(
                    if s.eq_ignore_ascii_case($wire) $(|| s.eq_ignore_ascii_case($alias))* {
                        return $name::$variant;
                    }
                )*
                $name::Other(s.to_owned())
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    $($name::$variant => f.write_str(stringify!($variant)),)*
                    $name::Other(s) => f.debug_tuple("Other").field(s).finish(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok($name::from_wire(s))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::from_wire(s)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let text = $crate::decode::string(d)?;
                Ok($name::from_wire(&text))
            }
        }
    };
}

#[cfg(test)]
#[allow(unreachable_pub)]
mod tests {
    open_enum! {
        /// Test enum.
        pub enum Colour {
            /// Red.
            Red => "RED" | "rouge",
            /// Team member (wire value has a space).
            TeamMember => "TEAM MEMBER",
        }
    }

    #[test]
    fn open_enum_round_trips_known_aliases_and_unknown_values() {
        let c: Colour = serde_json::from_str("\"rouge\"").unwrap();
        assert_eq!(c, Colour::Red);
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"RED\"");
        let c: Colour = serde_json::from_str("\"team member\"").unwrap();
        assert_eq!(c, Colour::TeamMember);
        let c: Colour = serde_json::from_str("\"Mauve\"").unwrap();
        assert_eq!(c, Colour::Other("Mauve".into()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"Mauve\"");
        let c: Colour = serde_json::from_str("7").unwrap();
        assert_eq!(c.as_str(), "7");
        assert!(c.is_other());
        assert_eq!(Colour::KNOWN.len(), 2);
        assert_eq!(format!("{:?}", Colour::Red), "Red");
    }
}
