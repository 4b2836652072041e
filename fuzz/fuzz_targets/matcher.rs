//! Fuzzes the matcher and the text parsers around it with arbitrary bytes:
//! `cargo +nightly fuzz run matcher`. Any panic, hang or out-of-bounds is a bug.
#![no_main]

use kasip::{Catalog, Matcher, VerdictKind};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(Arc::new(Catalog::embedded().unwrap())))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let v = matcher().match_query(&text);
    assert_eq!(v.kind == VerdictKind::Listed, v.code.is_some());
    let _ = kasip::reply::Callback::decode(&text, matcher().catalog());
    for kind in [kasip::formats::Kind::Text, kasip::formats::Kind::Csv, kasip::formats::Kind::Xlsx] {
        let _ = kasip::formats::read(data, kind, 1000);
    }
    let _ = kasip::reply::quote(&text);
});
