//! Watching the top-level keys of a JSON body while it is decoded.
//!
//! Some providers hide an error in a 2xx answer, marked by a top-level key
//! (`code`, `errors`). Checking for it with a pass of its own reads every
//! successful body twice. [`decode_watching`] instead wraps the typed
//! decode's deserializer at the top level only: it sees each top-level key
//! as serde hands it to the typed value (escapes already resolved), so one
//! pass both decodes and says whether a marking key was there. Values below
//! the top level go to serde untouched. The wrappers' methods only note and
//! forward, and are `#[inline]` so that the optimizer folds them into the
//! typed decode's loop over the keys (BENCHMARKS.md, "Instructions and
//! allocations per call").

use std::cell::Cell;
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    Visitor,
};

/// What the watch has seen of the top level so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Nothing yet.
    Pending,
    /// Inside the top-level object, no marking key so far.
    Object,
    /// Inside the top-level object, reading a key.
    Key,
    /// Certainly free of the keys: not an object, or an object read to its
    /// end without any of them.
    Clean,
    /// A marking key, or something the watch could not read as a key.
    Marked,
}

#[derive(Clone, Copy)]
struct Watch<'w> {
    keys: &'w [&'w str],
    seen: &'w Cell<Seen>,
}

impl Watch<'_> {
    #[inline]
    fn get(self) -> Seen {
        self.seen.get()
    }
    #[inline]
    fn set(self, seen: Seen) {
        self.seen.set(seen);
    }
    /// The top-level value is not an object.
    #[inline]
    fn not_object(self) {
        if self.get() == Seen::Pending {
            self.set(Seen::Clean);
        }
    }
    /// A key read as text.
    #[inline]
    fn key_text(self, key: &[u8]) {
        if self.get() == Seen::Key {
            let marked = self.keys.iter().any(|k| k.as_bytes() == key);
            self.set(if marked { Seen::Marked } else { Seen::Object });
        }
    }
    /// A key read as a number or a boolean: no marking key is one.
    #[inline]
    fn key_other(self) {
        if self.get() == Seen::Key {
            self.set(Seen::Object);
        }
    }
    /// A key read in a way the watch cannot follow (an array's elements,
    /// read with the watch clean, note nothing).
    #[inline]
    fn key_opaque(self) {
        if self.get() != Seen::Clean {
            self.set(Seen::Marked);
        }
    }
}

/// Decodes `body` as JSON into `T` in one pass and says whether the body is
/// certainly free of `keys` at its top level: its top level is not an
/// object, or is an object read to its end without any of them. `false`
/// when a key is there or the decode did not read the whole top level (it
/// failed, or `T` read the top level in a way the watch cannot follow: an
/// externally tagged enum, a raw value).
pub(crate) fn decode_watching<T: DeserializeOwned>(
    body: &[u8],
    keys: &[&str],
) -> (serde_json::Result<T>, bool) {
    let seen = Cell::new(Seen::Pending);
    let watch = Watch { keys, seen: &seen };
    let mut de = serde_json::Deserializer::from_slice(body);
    let result = T::deserialize(Top { de: &mut de, watch }).and_then(|value| {
        de.end()?;
        Ok(value)
    });
    (result, seen.get() == Seen::Clean)
}

/// Forwards each `deserialize_*` method taking only a visitor, wrapping the
/// visitor with `Self::visitor`.
macro_rules! forward_deserialize {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let watch = self.watch;
            self.de.$method(Self::visitor(visitor, watch))
        }
    )*};
}

/// Forwards every `deserialize_*` method but `deserialize_newtype_struct`
/// (which each wrapper handles itself), wrapping the visitor with
/// `Self::visitor`, or for a sequence (`deserialize_seq`, `_tuple`,
/// `_tuple_struct`) with `Self::$seq_visitor`.
macro_rules! forward_deserializer {
    ($seq_visitor:ident) => {
        forward_deserialize! {
            deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
            deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
            deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
            deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
            deserialize_option deserialize_unit deserialize_map
            deserialize_identifier deserialize_ignored_any
        }
        #[inline]
        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let watch = self.watch;
            self.de.deserialize_seq(Self::$seq_visitor(visitor, watch))
        }
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            let watch = self.watch;
            self.de
                .deserialize_unit_struct(name, Self::visitor(visitor, watch))
        }
        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            let watch = self.watch;
            self.de
                .deserialize_tuple(len, Self::$seq_visitor(visitor, watch))
        }
        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            let watch = self.watch;
            self.de
                .deserialize_tuple_struct(name, len, Self::$seq_visitor(visitor, watch))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            let watch = self.watch;
            self.de
                .deserialize_struct(name, fields, Self::visitor(visitor, watch))
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            let watch = self.watch;
            self.de
                .deserialize_enum(name, variants, Self::visitor(visitor, watch))
        }
        fn is_human_readable(&self) -> bool {
            self.de.is_human_readable()
        }
    };
}

/// Forwards the visitor methods that carry a plain value, calling
/// `Watch::$note` first.
macro_rules! forward_visit {
    ($note:ident; $($method:ident($ty:ty))*) => {$(
        #[inline]
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.watch.$note();
            self.inner.$method(v)
        }
    )*};
}

/// The deserializer of the top-level value.
struct Top<'w, D> {
    de: D,
    watch: Watch<'w>,
}

impl<'w, D> Top<'w, D> {
    #[inline]
    fn visitor<V>(inner: V, watch: Watch<'w>) -> TopVisitor<'w, V, false> {
        TopVisitor { inner, watch }
    }
    /// The visitor of a value read as a sequence: its elements go through
    /// [`TopSeq`]. Only there, so that a struct's or a raw `Value`'s
    /// decode keeps serde_json's own sequence (a struct read from an array
    /// would otherwise compile a second decoder for each field's type).
    #[inline]
    fn seq_visitor<V>(inner: V, watch: Watch<'w>) -> TopVisitor<'w, V, true> {
        TopVisitor { inner, watch }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Top<'_, D> {
    type Error = D::Error;

    forward_deserializer!(seq_visitor);

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // serde_json's raw values and numbers are newtypes with a private
        // name that it reads as a map of its own: not the body's keys, so
        // leave them unwatched (the body is then not known to be clean).
        if name.starts_with("$serde_json") {
            return self.de.deserialize_newtype_struct(name, visitor);
        }
        let watch = self.watch;
        self.de
            .deserialize_newtype_struct(name, Self::visitor(visitor, watch))
    }
}

/// The visitor of the top-level value; `ELEMENTS`: a sequence's elements
/// are read through [`TopSeq`].
struct TopVisitor<'w, V, const ELEMENTS: bool> {
    inner: V,
    watch: Watch<'w>,
}

impl<'de, 'w, V: Visitor<'de>, const ELEMENTS: bool> Visitor<'de> for TopVisitor<'w, V, ELEMENTS> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! { not_object;
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char)
        visit_string(String) visit_byte_buf(Vec<u8>)
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.watch.not_object();
        self.inner.visit_str(v)
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.watch.not_object();
        self.inner.visit_borrowed_str(v)
    }
    #[inline]
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        self.watch.not_object();
        self.inner.visit_bytes(v)
    }
    #[inline]
    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        self.watch.not_object();
        self.inner.visit_borrowed_bytes(v)
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.watch.not_object();
        self.inner.visit_none()
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.watch.not_object();
        self.inner.visit_unit()
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Top {
            de,
            watch: self.watch,
        })
    }
    #[inline]
    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Top {
            de,
            watch: self.watch,
        })
    }
    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.watch.not_object();
        match ELEMENTS {
            true => self.inner.visit_seq(TopSeq {
                seq,
                watch: self.watch,
            }),
            false => self.inner.visit_seq(seq),
        }
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if self.watch.get() == Seen::Pending {
            self.watch.set(Seen::Object);
        }
        self.inner.visit_map(TopMap {
            map,
            watch: self.watch,
        })
    }
    #[inline]
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        // An externally tagged enum reads the top-level key as its variant.
        self.watch.key_opaque();
        self.inner.visit_enum(data)
    }
}

/// The elements of a top-level array, each read through [`Top`] with the
/// watch already [`Seen::Clean`], so that it notes nothing: an element is
/// then decoded by the same code as the same type at the top level (one
/// deserializer per answer type whether it comes alone or in a list).
struct TopSeq<'w, A> {
    seq: A,
    watch: Watch<'w>,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TopSeq<'_, A> {
    type Error = A::Error;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.seq.next_element_seed(ElementSeed {
            seed,
            watch: self.watch,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

/// One element's seed: hands serde a [`Top`] over the element.
struct ElementSeed<'w, S> {
    seed: S,
    watch: Watch<'w>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for ElementSeed<'_, S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Top {
            de,
            watch: self.watch,
        })
    }
}

/// The entries of the top-level object: keys watched, values untouched.
struct TopMap<'w, A> {
    map: A,
    watch: Watch<'w>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TopMap<'_, A> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let watch = self.watch;
        if watch.get() == Seen::Object {
            watch.set(Seen::Key);
        }
        let key = self.map.next_key_seed(KeySeed { seed, watch })?;
        if watch.get() == Seen::Key {
            // The end of the object (no key), or a key that never reached
            // the watch as text.
            watch.set(if key.is_none() {
                Seen::Clean
            } else {
                Seen::Marked
            });
        }
        Ok(key)
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// One top-level key's seed: hands serde a watching deserializer.
struct KeySeed<'w, S> {
    seed: S,
    watch: Watch<'w>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(KeyDe {
            de,
            watch: self.watch,
        })
    }
}

/// The deserializer of one top-level key.
struct KeyDe<'w, D> {
    de: D,
    watch: Watch<'w>,
}

impl<'w, D> KeyDe<'w, D> {
    #[inline]
    fn visitor<V>(inner: V, watch: Watch<'w>) -> KeyVisitor<'w, V> {
        KeyVisitor { inner, watch }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDe<'_, D> {
    type Error = D::Error;

    forward_deserializer!(visitor);

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let watch = self.watch;
        self.de
            .deserialize_newtype_struct(name, Self::visitor(visitor, watch))
    }
}

/// The visitor of one top-level key: notes its text.
struct KeyVisitor<'w, V> {
    inner: V,
    watch: Watch<'w>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! { key_other;
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char)
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.watch.key_text(v.as_bytes());
        self.inner.visit_str(v)
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.watch.key_text(v.as_bytes());
        self.inner.visit_borrowed_str(v)
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.watch.key_text(v.as_bytes());
        self.inner.visit_string(v)
    }
    #[inline]
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        self.watch.key_text(v);
        self.inner.visit_bytes(v)
    }
    #[inline]
    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        self.watch.key_text(v);
        self.inner.visit_borrowed_bytes(v)
    }
    #[inline]
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        self.watch.key_text(&v);
        self.inner.visit_byte_buf(v)
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.watch.key_opaque();
        self.inner.visit_none()
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.watch.key_opaque();
        self.inner.visit_unit()
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(KeyDe {
            de,
            watch: self.watch,
        })
    }
    #[inline]
    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(KeyDe {
            de,
            watch: self.watch,
        })
    }
    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.watch.key_opaque();
        self.inner.visit_seq(seq)
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.watch.key_opaque();
        self.inner.visit_map(map)
    }
    #[inline]
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.watch.key_opaque();
        self.inner.visit_enum(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Page {
        #[serde(default)]
        models: Vec<Value>,
        #[serde(default, rename = "nextPageToken")]
        next: Option<String>,
    }

    fn watch<T: DeserializeOwned>(body: &str, keys: &[&str]) -> (serde_json::Result<T>, bool) {
        decode_watching::<T>(body.as_bytes(), keys)
    }

    #[test]
    fn an_object_without_the_keys_is_clean_and_decodes_as_serde_does() {
        let body = r#"{"models": [{"code": 3}], "nextPageToken": "n", "other": {"errors": 1}}"#;
        let (page, clean) = watch::<Page>(body, &["code", "errors"]);
        assert!(clean);
        assert_eq!(page.unwrap(), serde_json::from_str::<Page>(body).unwrap());
    }

    #[test]
    fn a_top_level_key_marks_the_body_whether_or_not_the_type_has_it() {
        for body in [
            r#"{"code": 3, "message": "x"}"#,
            r#"{"models": [], "code": 0}"#,
            r#"{"co\u0064e": 3}"#,
        ] {
            let (page, clean) = watch::<Page>(body, &["code"]);
            assert!(page.is_ok() && !clean, "{body}");
            let (value, clean) = watch::<Value>(body, &["code"]);
            assert!(value.is_ok() && !clean, "{body}");
        }
        #[derive(Deserialize)]
        struct WithCode {
            #[allow(dead_code)]
            code: i64,
        }
        let (value, clean) = watch::<WithCode>(r#"{"code": 3}"#, &["code"]);
        assert!(value.is_ok() && !clean);
    }

    #[test]
    fn arrays_and_scalars_are_clean() {
        assert!(watch::<Vec<Value>>(r#"[{"code": 3}]"#, &["code"]).1);
        assert!(watch::<String>(r#""code""#, &["code"]).1);
        assert!(watch::<Option<Page>>("null", &["code"]).1);
        assert!(watch::<Value>("12", &["code"]).1);
    }

    #[test]
    fn an_arrays_elements_decode_as_serde_does_and_note_nothing() {
        #[derive(Debug, Deserialize, PartialEq)]
        enum Tagged {
            Models(Vec<Value>),
        }
        let body = r#"[{"models": [1], "code": 3}, {"nextPageToken": "n"}]"#;
        let (pages, clean) = watch::<Vec<Page>>(body, &["code"]);
        assert!(clean);
        assert_eq!(
            pages.unwrap(),
            serde_json::from_str::<Vec<Page>>(body).unwrap()
        );
        let body = r#"[{"Models": []}, [{"Models": [{"code": 1}]}]]"#;
        let (tagged, clean) = watch::<(Tagged, Vec<Tagged>)>(body, &["code"]);
        assert!(clean);
        assert_eq!(tagged.unwrap(), serde_json::from_str(body).unwrap());
        let (failed, clean) = watch::<Vec<Page>>(r#"[{"models": 3}]"#, &["code"]);
        assert!(failed.is_err() && clean);
    }

    #[test]
    fn wrappers_are_seen_through() {
        #[derive(Deserialize)]
        struct Wrapper(#[allow(dead_code)] Page);
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            A(#[allow(dead_code)] Page),
        }
        #[derive(Deserialize)]
        struct Flat {
            #[serde(flatten)]
            #[allow(dead_code)]
            rest: std::collections::HashMap<String, Value>,
        }
        let marked = r#"{"models": [], "code": 5}"#;
        let clean = r#"{"models": []}"#;
        assert!(!watch::<Option<Page>>(marked, &["code"]).1);
        assert!(watch::<Option<Page>>(clean, &["code"]).1);
        assert!(!watch::<Box<Wrapper>>(marked, &["code"]).1);
        assert!(watch::<Wrapper>(clean, &["code"]).1);
        assert!(!watch::<Either>(marked, &["code"]).1);
        assert!(watch::<Either>(clean, &["code"]).1);
        assert!(!watch::<Flat>(marked, &["code"]).1);
        assert!(watch::<Flat>(clean, &["code"]).1);
    }

    #[test]
    fn what_the_watch_cannot_follow_is_never_clean() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        enum Tagged {
            Models(Vec<Value>),
        }
        assert!(!watch::<Tagged>(r#"{"Models": []}"#, &["code"]).1);
        let (raw, clean) = watch::<Box<serde_json::value::RawValue>>(r#"{"a": 1}"#, &["code"]);
        assert!(raw.is_ok() && !clean);
        let (failed, clean) = watch::<Page>(r#"{"models": 3}"#, &["code"]);
        assert!(failed.is_err() && !clean);
        let (trailing, _) = watch::<Page>(r#"{"models": []} x"#, &["code"]);
        assert!(trailing.is_err());
    }

    proptest::proptest! {
        /// Clean exactly when a JSON parser finds none of the keys at the
        /// top level, and the decode equals serde_json's own.
        #[test]
        fn the_watch_agrees_with_serde(
            value in crate::decode::scan::tests::json_value(vec!["code", "errors", "a", "co\"de", "x\\y", ""]),
            pretty in proptest::bool::ANY,
        ) {
            let body = if pretty {
                serde_json::to_vec_pretty(&value).unwrap()
            } else {
                serde_json::to_vec(&value).unwrap()
            };
            let keys = ["code", "errors"];
            let (decoded, clean) = decode_watching::<Value>(&body, &keys);
            proptest::prop_assert_eq!(decoded.unwrap(), value.clone());
            let marked = value
                .as_object()
                .is_some_and(|map| keys.iter().any(|k| map.contains_key(*k)));
            proptest::prop_assert_eq!(clean, !marked);
        }
    }
}
