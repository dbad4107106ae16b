//! The URL of a request: the base URL's path, then each template piece as
//! one path segment, each parameter exactly one percent-encoded segment, then
//! the query.

use std::borrow::Cow;

use url::Url;

use super::{Request, Transport};
use crate::error::{Error, Result};

impl Transport {
    /// The URL `request` would be sent to.
    ///
    /// Each parameter becomes exactly one path segment: empty values, `.`,
    /// `..` and values with control characters (which the URL parser would
    /// strip, turning `"..\t"` into `..`) are refused, and every segment is
    /// checked again as the parser saw it.
    pub fn url_for(&self, request: &Request) -> Result<Url> {
        let mut url = self.inner.path_base.clone();
        let mut count = self.inner.path_base_segments;
        let mut params = request.params.iter();
        for piece in request.template.split('/').filter(|p| !p.is_empty()) {
            let (name, segment) = fill_piece(piece, &mut params)?;
            url.path_segments_mut()
                .map_err(|_| no_path())?
                .push(&segment);
            count += 1;
            if segment_count(&url) != count {
                return Err(match name {
                    Some(name) => {
                        Error::invalid_input(name.to_owned(), "would change the request path")
                    }
                    None => Error::config(format!(
                        "{}: path template {piece:?} is not one segment",
                        request.operation
                    )),
                });
            }
        }
        if params.next().is_some() {
            return Err(Error::config(format!(
                "{}: more parameters than placeholders",
                request.operation
            )));
        }
        if !request.query.is_empty() {
            // Already form-encoded: set as it is, after a base URL's own query.
            match url.query().filter(|q| !q.is_empty()) {
                Some(base) => {
                    let joined = format!("{base}&{}", request.query);
                    url.set_query(Some(&joined));
                }
                None => url.set_query(Some(&request.query)),
            }
        }
        Ok(url)
    }
}

/// One piece of a path template with its placeholder (if any) filled from
/// `params`: the placeholder's name and the segment.
fn fill_piece<'a>(
    piece: &'a str,
    params: &mut std::slice::Iter<'a, String>,
) -> Result<(Option<&'a str>, Cow<'a, str>)> {
    // Pieces are short: a byte scan, not a `str` pattern searcher.
    let find = |byte: u8| piece.bytes().position(|b| b == byte);
    // Most pieces are literal: no `{`, no search for `}`.
    let open = find(b'{');
    match (open, open.and_then(|_| find(b'}'))) {
        (Some(open), Some(close)) if open < close => {
            let name = &piece[open + 1..close];
            let value = params
                .next()
                .ok_or_else(|| Error::invalid_input(name.to_owned(), "missing path parameter"))?;
            check_segment(name, value)?;
            let (before, after) = (&piece[..open], &piece[close + 1..]);
            let segment = if before.is_empty() && after.is_empty() {
                Cow::Borrowed(value.as_str())
            } else {
                Cow::Owned(format!("{before}{value}{after}"))
            };
            Ok((Some(name), segment))
        }
        _ => Ok((None, Cow::Borrowed(piece))),
    }
}

/// The error for a base URL whose path cannot be edited (refused by
/// [`parse_base_url`](super::parse_base_url) already; kept rather than a panic).
pub(super) fn no_path() -> Error {
    Error::config("base URL cannot carry a path")
}

/// Path segments of `url`; the bare root `/` has none.
pub(super) fn segment_count(url: &Url) -> usize {
    match url.path() {
        "" | "/" => 0,
        // A base URL's path starts with `/`, and each segment follows one.
        path => path.bytes().filter(|&b| b == b'/').count(),
    }
}

fn check_segment(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(name.to_owned(), "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            name.to_owned(),
            "must not contain control characters",
        ));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid_input(
            name.to_owned(),
            "must not be a relative path segment",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    fn transport(base: &str) -> Transport {
        Transport::builder("demo").base_url(base).build().unwrap()
    }

    #[test]
    fn path_parameters_are_single_encoded_segments() {
        let t = transport("https://api.example/v1.1/");
        let req = Request::get("op", "/items/{id}/ext-{ext}")
            .param("a/b?c#d e")
            .param("é%");
        let url = t.url_for(&req).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.example/v1.1/items/a%2Fb%3Fc%23d%20e/ext-%C3%A9%25"
        );
        assert_eq!(url.query(), None);
        assert_eq!(url.fragment(), None);
    }

    #[test]
    fn relative_and_empty_segments_are_refused() {
        let t = transport("https://api.example");
        for bad in ["..", ".", ""] {
            let err = t
                .url_for(&Request::get("op", "/items/{id}").param(bad))
                .unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput(e) if e.field == "id"),
                "{err}"
            );
        }
        let err = t.url_for(&Request::get("op", "/items/{id}")).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)));
    }

    #[test]
    fn control_characters_are_refused_and_segments_are_checked_as_parsed() {
        let t = transport("https://api.example/v1/");
        for bad in ["..\t", ".\t.", "\n..", "a\rb", "\u{7f}", "\u{0}", "\u{85}"] {
            let err = t
                .url_for(&Request::get("op", "/items/{id}").param(bad))
                .unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput(e) if e.field == "id"),
                "{bad:?}: {err}"
            );
        }
        // A template piece the parser would not keep as one segment.
        let err = t
            .url_for(&Request::get("op", "/items/../{id}").param("x"))
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        let url = t
            .url_for(&Request::get("op", "/items/{id}").param("%2e%2e"))
            .unwrap();
        assert_eq!(url.path(), "/v1/items/%252e%252e");
    }

    #[test]
    fn query_is_encoded_and_keeps_base_path() {
        #[derive(Serialize)]
        struct Q<'a> {
            categories: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            page_token: Option<&'a str>,
        }
        let t = transport("http://127.0.0.1:9/rest/vendor/v1");
        let req = Request::get("op", "/applications")
            .query(&Q {
                categories: "smartphone,note-pc",
                page_token: None,
            })
            .query_pair("q", "a&b=c");
        assert_eq!(
            t.url_for(&req).unwrap().as_str(),
            "http://127.0.0.1:9/rest/vendor/v1/applications?categories=smartphone%2Cnote-pc&q=a%26b%3Dc"
        );
    }

    #[test]
    fn query_follows_a_base_query_and_a_refused_query_adds_nothing() {
        let t = transport("http://127.0.0.1:9/v1?tenant=a%20b");
        let req = Request::get("op", "/x")
            .query_pair("q", "1 2")
            .query(&[("list", "a,b")]);
        assert_eq!(
            t.url_for(&req).unwrap().as_str(),
            "http://127.0.0.1:9/v1/x?tenant=a%20b&q=1+2&list=a%2Cb"
        );
    }
}
