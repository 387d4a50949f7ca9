//! Mail built to hurt a parser, From a bank's address with a passing verdict: each is refused
//! by its shape, without reaching `mail-parser`; the same from anyone else is read no further
//! than its header. How fast that is, is measured in BENCHMARKS.md.

use super::super::fixtures::hostile::{BANK_HEADER, OTHER_HEADER, bombs, nested_messages};
use super::super::{Outcome, Refusal, classify};

#[test]
fn bombs_from_a_bank_sender_are_refused_by_their_shape() {
    for (what, raw, refusal) in bombs(BANK_HEADER) {
        assert_eq!(classify(&raw), Outcome::Refused(refusal), "{what}");
    }
    // Just inside the limits, a deep but legal shape is still parsed (and is no alert).
    let outcome = classify(&nested_messages(BANK_HEADER, 7));
    assert!(!matches!(outcome, Outcome::Refused(_)), "{outcome:?}");
}

#[test]
fn bombs_from_anyone_else_are_read_no_further_than_the_header() {
    for (what, raw, refusal) in bombs(OTHER_HEADER) {
        let want = match refusal {
            // A header that is itself the bomb, or a size no fetch ever returns, is refused
            // before the sender is known.
            Refusal::LineTooLong | Refusal::TooLarge => Outcome::Refused(refusal),
            _ => Outcome::NotBank,
        };
        assert_eq!(classify(&raw), want, "{what}");
    }
}
