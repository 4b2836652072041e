//! Properties of the matcher over arbitrary input: it never panics, always gives one of the three
//! verdicts in a consistent shape, is deterministic, and answers even megabyte inputs.

use kasip::{Catalog, Matcher, VerdictKind};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(Arc::new(Catalog::embedded().unwrap())))
}

fn check_shape(q: &str) {
    let v = matcher().match_query(q);
    match v.kind {
        VerdictKind::Listed => assert!(v.code.is_some(), "{q:?}"),
        _ => assert!(v.code.is_none(), "{q:?}"),
    }
    assert!(v.candidates.len() <= kasip::matcher::MAX_CANDIDATES);
    for c in &v.candidates {
        assert!((0.0..=1.0).contains(&c.score), "{q:?} {c:?}");
        assert!(matcher().catalog().profession(&c.code).is_some());
    }
    assert_eq!(v, matcher().match_query(q), "not deterministic for {q:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_unicode_gets_a_verdict(q in "\\PC{0,80}") {
        check_shape(&q);
    }

    #[test]
    fn any_chars_including_controls(q in proptest::collection::vec(any::<char>(), 0..120)) {
        check_shape(&q.into_iter().collect::<String>());
    }

    #[test]
    fn mixed_words_and_codes(q in "([а-яёәғқңөұүһі]{1,12}|[a-z]{1,10}|[0-9 .-]{1,12}|[ ,;!?]){0,12}") {
        check_shape(&q);
    }
}

#[test]
fn hostile_inputs_are_answered() {
    let mb = "нейрохирург ".repeat(100_000);
    let cases = [
        String::new(),
        "\u{0}".repeat(1000),
        "\u{202E}нейрохирург\u{202C}".into(),
        "нейро\u{200B}хирург".into(),
        "😀".repeat(5000),
        "й\u{0306}\u{0306}\u{0306}".repeat(300),
        mb.clone(),
        "a".repeat(1 << 20),
        "2512-".repeat(10_000),
    ];
    for q in &cases {
        check_shape(q);
    }
    // The bound cuts long input, the job title at its start still counts.
    assert_eq!(matcher().match_query(&mb).kind, VerdictKind::Listed);
}
