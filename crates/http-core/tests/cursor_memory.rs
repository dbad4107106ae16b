//! A listing of 10 000 pages whose cursors are 16 KiB each: the stream
//! remembers every cursor it fetched (to stop on a repeated one), by a
//! 16-byte digest, so the process grows by far less than the 160 MiB the
//! cursors add up to.
//!
//! A test binary of its own, with one test, so that nothing else runs in
//! the process while the peak is measured.

use futures::TryStreamExt as _;
use partner_sdk_core::paginate::{Page, pages_with};
use partner_sdk_test_kit::{peak_rss, reset_peak_rss};

const MIB: u64 = 1 << 20;
const PAGES: u32 = 10_000;
const CURSOR_BYTES: usize = 16 * 1024;

/// The cursor of page `n`: 16 KiB, different for every page.
fn cursor(n: u32) -> String {
    let mut c = format!("{n:08}");
    c.extend(std::iter::repeat_n('x', CURSOR_BYTES - c.len()));
    c
}

#[tokio::test]
async fn ten_thousand_16_kib_cursors_grow_the_process_by_a_few_mib() {
    assert!(reset_peak_rss(), "cannot reset VmHWM");
    let before = peak_rss().expect("VmHWM");
    let pages = pages_with(PAGES, cursor(0), |c: String| async move {
        let n: u32 = c[..8].parse().unwrap();
        let next = (n + 1 < PAGES).then(|| cursor(n + 1));
        Ok::<_, partner_sdk_core::Error>(Page::new(vec![n], next))
    });
    let all: Vec<Vec<u32>> = pages.try_collect().await.unwrap();
    assert_eq!(all.len(), PAGES as usize);
    let grown = peak_rss().expect("VmHWM").saturating_sub(before);
    eprintln!("peak RSS grew by {} KiB", grown / 1024);
    // 10 000 cursors of 16 KiB are 160 MiB; their digests 160 KiB.
    assert!(grown < 8 * MIB, "grew by {} MiB", grown / MIB);
}
