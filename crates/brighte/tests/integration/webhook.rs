//! Brighte's webhook redelivery schedule and acknowledgements, as data. The
//! checks on the provider's verbatim samples are in the workspace's
//! `tests/brighte/`.

use std::time::Duration;

use partner_sdk_brighte::webhook::{self, Ack, REDELIVERY_SCHEDULE};

#[test]
fn redelivery_schedule_is_data() {
    let mins: Vec<u64> = REDELIVERY_SCHEDULE
        .iter()
        .map(|d| d.as_secs() / 60)
        .collect();
    assert_eq!(mins, [10, 10, 15, 30, 60, 120, 240]);
    assert_eq!(webhook::redelivery_delay(1), Some(Duration::from_secs(600)));
    assert_eq!(webhook::redelivery_delay(8), None);
    assert_eq!(
        webhook::REDELIVERY_WINDOW,
        Duration::from_secs((10 + 10 + 15 + 30 + 60 + 120 + 240) * 60)
    );
    assert!(webhook::CONFIRM_TOLERANCE > webhook::REDELIVERY_WINDOW);
    assert!(Ack::Accepted.stops_redelivery() && Ack::NotAcceptable.stops_redelivery());
    for ack in [Ack::RetryLater, Ack::Unauthenticated, Ack::Malformed] {
        assert!(!ack.stops_redelivery());
        assert!(![200, 406].contains(&ack.status_code()));
    }
}
