//! The checkout URL and the HTML form escape what they are given. The
//! checks on the provider's verbatim checkout samples are in the
//! workspace's `tests/brighte/`.

use crate::common::d;
use partner_sdk_brighte::checkout::{self, CheckoutRequest, ProductCategoryName};

#[test]
fn checkout_url_and_html_form_are_escaped() {
    let url = checkout::checkout_url("https://portal.brighte.com.au", "YOUR_API_KEY").unwrap();
    assert_eq!(
        url.as_str(),
        "https://portal.brighte.com.au/checkout?key=YOUR_API_KEY"
    );
    let form = CheckoutRequest::new(
        "https://shop.example/done?a=1&b=\"2\"",
        d("10"),
        d("0"),
        6,
        ProductCategoryName::Plumbing,
        "<script>alert('x')</script>",
    )
    .into_form()
    .unwrap();
    let html = form.to_html(&url, "Buy now with Brighte");
    assert!(html.contains("action=\"https://portal.brighte.com.au/checkout?key=YOUR_API_KEY\""));
    assert!(
        html.contains("value=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"https://shop.example/done?a=1&amp;b=&quot;2&quot;\""),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert!(
        form.to_urlencoded()
            .starts_with("redirect=https%3A%2F%2Fshop.example")
    );
}
