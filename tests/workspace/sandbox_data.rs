//! The sandbox serves copies of the providers' samples kept inside its own
//! package (so that the published crate builds alone); each copy must stay
//! byte-for-byte the sample in `fixtures/`.

#[test]
fn sandbox_data_are_the_providers_samples_verbatim() {
    let pairs = [
        (
            "bbti/price_list_sample.csv",
            include_str!("../../crates/sandbox/data/bbti/price_list_sample.csv"),
            include_str!("../../fixtures/bbti/price_list_sample.csv"),
        ),
        (
            "dtone/products_by_operator.json",
            include_str!("../../crates/sandbox/data/dtone/products_by_operator.json"),
            include_str!("../../fixtures/dtone/products_by_operator.json"),
        ),
        (
            "dtone/suggested_values.json",
            include_str!("../../crates/sandbox/data/dtone/suggested_values.json"),
            include_str!("../../fixtures/dtone/suggested_values.json"),
        ),
        (
            "tradein-promo/scenario1-response.json",
            include_str!("../../crates/sandbox/data/tradein-promo/scenario1-response.json"),
            include_str!("../../fixtures/tradein-promo/scenario1-response.json"),
        ),
        (
            "tradein-promo/scenario2-response.json",
            include_str!("../../crates/sandbox/data/tradein-promo/scenario2-response.json"),
            include_str!("../../fixtures/tradein-promo/scenario2-response.json"),
        ),
    ];
    for (name, served, sample) in pairs {
        assert_eq!(
            served, sample,
            "crates/sandbox/data/{name} differs from fixtures/{name}"
        );
    }
}
