//! Lazy pagination as a `futures::Stream`.
//!
//! A provider crate supplies one closure that fetches the page for a cursor
//! (page number, page token) and says where the next page is. The stream
//! fetches a page only when the consumer has used up the previous one, stops
//! at the first page with no next cursor *or* no items (whatever a "has more"
//! flag claims), and ends after yielding the first error.

use std::future::Future;

use futures::stream::BoxStream;
use futures::{StreamExt as _, TryStreamExt as _, stream};

use crate::error::Result;

/// One page of results and the cursor of the next page, if any.
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

/// A stream of whole pages, starting at cursor `first`.
///
/// Boxed so that it is `Unpin` (`stream.next().await` works without pinning)
/// and nameable in a provider's return type.
///
/// Generic over the error type, so a provider crate pages with its own
/// `Error` and nothing is converted on the way.
pub fn pages<T, C, E, F, Fut>(first: C, fetch: F) -> BoxStream<'static, Result<Vec<T>, E>>
where
    T: Send + 'static,
    C: Send + 'static,
    E: Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>, E>> + Send + 'static,
{
    stream::try_unfold((Some(first), fetch), |(cursor, mut fetch)| async move {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        let page = fetch(cursor).await?;
        let next = if page.items.is_empty() {
            None
        } else {
            page.next
        };
        Ok(Some((page.items, (next, fetch))))
    })
    .boxed()
}

/// A stream of items across all pages, starting at cursor `first`.
pub fn paginate<T, C, E, F, Fut>(first: C, fetch: F) -> BoxStream<'static, Result<T, E>>
where
    T: Send + 'static,
    C: Send + 'static,
    E: Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T, C>, E>> + Send + 'static,
{
    pages(first, fetch)
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
    ) -> impl FnMut(u32) -> futures::future::Ready<Result<Page<u32, u32>>> + Send {
        move |n| {
            calls.fetch_add(1, Ordering::SeqCst);
            futures::future::ready(Ok(Page::numbered(vec![n * 10, n * 10 + 1], n, n < last)))
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
            futures::future::ready(Ok::<_, Error>(Page::numbered(items, n, true)))
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
            futures::future::ready(if n == 1 {
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

    #[test]
    fn token_pages_end_on_empty_token() {
        assert_eq!(Page::tokened(vec![1], Some(String::new())).next, None);
        assert_eq!(
            Page::tokened(vec![1], Some("t".into())).next.as_deref(),
            Some("t")
        );
    }
}
