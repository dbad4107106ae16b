//! Lazy pagination as a `futures::Stream`.
//!
//! A provider crate supplies one closure that fetches the page for a cursor
//! (page number, page token) and says where the next page is. The stream
//! fetches a page only when the consumer has used up the previous one, stops
//! at the first page with no next cursor *or* no items (whatever a "has more"
//! flag claims), and ends after yielding the first error.
//!
//! A server that never says "last page" cannot make the stream endless:
//!
//! - a next cursor the server already sent ends the stream with
//!   [`Error::Pagination`] / [`PaginationStop::RepeatedCursor`], after the
//!   items of the page that repeated it;
//! - a page with the same items as the previous one ends it with
//!   [`PaginationStop::RepeatedPage`] (its items are not yielded again);
//! - after `max_pages` pages ([`DEFAULT_MAX_PAGES`] unless a builder's
//!   `max_pages` says otherwise), a further page ends it with
//!   [`PaginationStop::MaxPages`] instead of being fetched.

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use xxhash_rust::xxh3::Xxh3;

use crate::defaults::DEFAULT_MAX_PAGES;
use crate::error::{Error, PaginationError, PaginationStop, Result};

/// A stream of items over every page of a listing: boxed, `Send` and
/// `Unpin`, ending after its first error. What every provider's `<things>`
/// listing method returns (through the provider crate's `ItemStream<T>`,
/// this alias over its own `Error`).
pub type ItemStream<T, E = Error> = BoxStream<'static, Result<T, E>>;

/// One page of a paginated listing: its items and the cursor of the next
/// page, if any. What every provider's one-page `list_<things>` method
/// returns; the cursor is what the listing's query takes to fetch the next
/// page (a page token, a page number).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T, C> {
    /// Items on this page.
    pub items: Vec<T>,
    /// Cursor of the next page; `None` on the last page.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page with a next cursor (or none).
    pub fn new(items: Vec<T>, next: Option<C>) -> Self {
        Page { items, next }
    }
}

impl<T> Page<T, u32> {
    /// A page-number page: the next cursor is `current + 1` when `has_more`.
    pub fn numbered(items: Vec<T>, current: u32, has_more: bool) -> Self {
        Page {
            items,
            next: has_more.then(|| current.saturating_add(1)),
        }
    }
}

impl<T> Page<T, String> {
    /// A token page: an empty or missing next token means the last page.
    pub fn tokened(items: Vec<T>, next_token: Option<String>) -> Self {
        Page {
            items,
            next: next_token.filter(|t| !t.is_empty()),
        }
    }
}

/// A stream of whole pages, starting at cursor `first`, capped at
/// [`DEFAULT_MAX_PAGES`] pages (see [`pages_with`]).
pub fn pages<T, C, E, F, Fut>(first: C, fetch: F) -> ItemStream<Vec<T>, E>
where
    T: Clone + PartialEq + Send + 'static,
    C: Clone + Eq + Hash + Send + 'static,
    E: From<Error> + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>, E>> + Send + 'static,
{
    pages_with(DEFAULT_MAX_PAGES, first, fetch)
}

enum Next<C> {
    Fetch(C),
    Stop(PaginationStop),
    Done,
}

struct Paging<T, C, F> {
    next: Next<C>,
    fetch: F,
    /// Digests of the cursors already fetched: 16 bytes each however long a
    /// cursor is, so a listing's memory is bounded by `max_pages` × 16 bytes
    /// (160 KiB at the default 10 000) plus the set's own overhead.
    seen: HashSet<u128>,
    previous: Vec<T>,
    fetched: u32,
    max_pages: u32,
}

/// A stream of whole pages, starting at cursor `first`, fetching at most
/// `max_pages` pages.
///
/// Boxed so that it is `Unpin` (`stream.next().await` works without pinning)
/// and nameable in a provider's return type.
///
/// Generic over the error type, so a provider crate pages with its own
/// `Error` (any type with `From<partner_sdk_core::Error>`) and nothing is
/// converted on the way.
pub fn pages_with<T, C, E, F, Fut>(max_pages: u32, first: C, fetch: F) -> ItemStream<Vec<T>, E>
where
    T: Clone + PartialEq + Send + 'static,
    C: Clone + Eq + Hash + Send + 'static,
    E: From<Error> + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>, E>> + Send + 'static,
{
    let state = Paging {
        next: Next::Fetch(first),
        fetch,
        seen: HashSet::new(),
        previous: Vec::new(),
        fetched: 0,
        max_pages: max_pages.max(1),
    };
    stream::try_unfold(state, |mut st| async move {
        let stop = |st: &Paging<T, C, F>, reason| {
            E::from(Error::from(PaginationError {
                pages: st.fetched,
                reason,
            }))
        };
        let cursor = match std::mem::replace(&mut st.next, Next::Done) {
            Next::Done => return Ok(None),
            Next::Stop(reason) => return Err(stop(&st, reason)),
            Next::Fetch(_) if st.fetched >= st.max_pages => {
                return Err(stop(&st, PaginationStop::MaxPages(st.max_pages)));
            }
            Next::Fetch(cursor) => cursor,
        };
        st.seen.insert(digest(&cursor));
        let page = (st.fetch)(cursor).await?;
        st.fetched += 1;
        if page.items.is_empty() {
            return Ok(Some((page.items, st)));
        }
        if st.fetched > 1 && page.items == st.previous {
            return Err(stop(&st, PaginationStop::RepeatedPage));
        }
        st.next = match page.next {
            Some(next) if st.seen.contains(&digest(&next)) => {
                Next::Stop(PaginationStop::RepeatedCursor)
            }
            Some(next) => Next::Fetch(next),
            None => Next::Done,
        };
        if !matches!(st.next, Next::Done) {
            st.previous.clone_from(&page.items);
        }
        Ok(Some((page.items, st)))
    })
    .boxed()
}

/// A cursor's 128-bit XXH3: what the stream remembers of it. It only
/// tells a repeated cursor apart from a new one; a collision (2^-128 for
/// two cursors a server did not craft) ends the listing with a cycle error,
/// as a real repeat does, and reads nothing twice.
fn digest<C: Hash>(cursor: &C) -> u128 {
    let mut xxh = Xxh3::new();
    cursor.hash(&mut xxh);
    xxh.digest128()
}

/// A stream of items across all pages, starting at cursor `first`, capped
/// at [`DEFAULT_MAX_PAGES`] pages (see [`paginate_with`]).
pub fn paginate<T, C, E, F, Fut>(first: C, fetch: F) -> ItemStream<T, E>
where
    T: Clone + PartialEq + Send + 'static,
    C: Clone + Eq + Hash + Send + 'static,
    E: From<Error> + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>, E>> + Send + 'static,
{
    paginate_with(DEFAULT_MAX_PAGES, first, fetch)
}

/// A stream of items across at most `max_pages` pages, starting at cursor
/// `first`; provider crates pass their transport's
/// [`max_pages`](crate::Transport::max_pages).
pub fn paginate_with<T, C, E, F, Fut>(max_pages: u32, first: C, fetch: F) -> ItemStream<T, E>
where
    T: Clone + PartialEq + Send + 'static,
    C: Clone + Eq + Hash + Send + 'static,
    E: From<Error> + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>, E>> + Send + 'static,
{
    pages_with(max_pages, first, fetch)
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn counting(
        calls: Arc<AtomicU32>,
        last: u32,
    ) -> impl FnMut(u32) -> futures_util::future::Ready<Result<Page<u32, u32>>> + Send {
        move |n| {
            calls.fetch_add(1, Ordering::SeqCst);
            futures_util::future::ready(Ok(Page::numbered(vec![n * 10, n * 10 + 1], n, n < last)))
        }
    }

    #[tokio::test]
    async fn yields_every_item_in_order_and_fetches_lazily() {
        let calls = Arc::new(AtomicU32::new(0));
        let all: Vec<u32> = paginate(1, counting(calls.clone(), 3))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, vec![10, 11, 20, 21, 30, 31]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = Arc::new(AtomicU32::new(0));
        let s = paginate(1, counting(calls.clone(), 3));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "nothing fetched before polling"
        );
        let first: Vec<u32> = s.take(1).try_collect().await.unwrap();
        assert_eq!(first, vec![10]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn stops_on_an_empty_page_even_if_told_there_is_more() {
        let pages_seen = Arc::new(AtomicU32::new(0));
        let p = pages_seen.clone();
        let items: Vec<u32> = paginate(1u32, move |n| {
            p.fetch_add(1, Ordering::SeqCst);
            let items = if n == 1 { vec![1] } else { vec![] };
            futures_util::future::ready(Ok::<_, Error>(Page::numbered(items, n, true)))
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, vec![1]);
        assert_eq!(pages_seen.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn ends_after_the_first_error() {
        let results: Vec<Result<u32>> = paginate(1u32, |n| {
            futures_util::future::ready(if n == 1 {
                Ok(Page::numbered(vec![1], 1, true))
            } else {
                Err(Error::invalid_input("page", "boom"))
            })
        })
        .collect()
        .await;
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
    }

    #[tokio::test]
    async fn a_repeated_cursor_stops_after_the_page_that_repeated_it() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let results: Vec<Result<u32>> = paginate(String::new(), move |token: String| {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let next = match token.as_str() {
                "" => "a",
                "a" => "b",
                _ => "a",
            };
            futures_util::future::ready(Ok(Page::tokened(vec![n], Some(next.to_owned()))))
        })
        .collect()
        .await;
        // "" -> a, a -> b, b -> a (repeated): three pages, then the error.
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(results.len(), 4);
        assert!(matches!(
            results[3],
            Err(Error::Pagination(ref p)) if (p.pages, p.reason) == (3, PaginationStop::RepeatedCursor)
        ));
    }

    #[tokio::test]
    async fn a_repeated_page_stops_without_yielding_it_again() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let results: Vec<Result<u32>> = paginate(1u32, move |n| {
            c.fetch_add(1, Ordering::SeqCst);
            futures_util::future::ready(Ok(Page::numbered(vec![1, 2], n, true)))
        })
        .collect()
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(results.len(), 3);
        assert!(matches!(
            results[2],
            Err(Error::Pagination(ref p)) if (p.pages, p.reason) == (2, PaginationStop::RepeatedPage)
        ));
    }

    #[tokio::test]
    async fn the_page_cap_stops_an_endless_listing() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let results: Vec<Result<u32>> = paginate_with(4, 1u32, move |n| {
            c.fetch_add(1, Ordering::SeqCst);
            futures_util::future::ready(Ok(Page::numbered(vec![n], n, true)))
        })
        .collect()
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(results.len(), 5);
        assert!(matches!(
            results[4],
            Err(Error::Pagination(ref p)) if (p.pages, p.reason) == (4, PaginationStop::MaxPages(4))
        ));
        // Exactly at the cap with no further page is fine.
        let last: Vec<u32> = paginate_with(3, 1u32, |n| {
            futures_util::future::ready(Ok::<_, Error>(Page::numbered(vec![n], n, n < 3)))
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(last, vec![1, 2, 3]);
    }

    #[test]
    fn token_pages_end_on_empty_token() {
        assert_eq!(Page::tokened(vec![1], Some(String::new())).next, None);
        assert_eq!(
            Page::tokened(vec![1], Some("t".into())).next.as_deref(),
            Some("t")
        );
    }

    #[test]
    fn cursors_are_remembered_by_a_fixed_size_digest() {
        let long = "x".repeat(16 * 1024);
        assert_eq!(digest(&long), digest(&long.clone()));
        assert_ne!(digest(&long), digest(&format!("{long}y")));
        assert_ne!(digest(&1u32), digest(&2u32));
        // What the stream keeps per cursor, whatever its length.
        assert_eq!(std::mem::size_of_val(&digest(&long)), 16);
    }
}
