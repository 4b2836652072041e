//! Messages in ru/kk/en from the fluent files in `locales/`, embedded at compile time. No message
//! text lives in code: callers pass an id and named arguments.

use crate::lang::Lang;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Chat clients show Unicode isolation marks as stray characters.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A message argument.
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Num(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Num(n as i64)
    }
}

fn langid(lang: Lang) -> LanguageIdentifier {
    lang.code().parse().expect("ru, kk and en are valid language identifiers")
}

/// Looks a message up. A missing id returns the id itself (tests/locales.rs makes sure none is
/// missing), never a panic in front of a user.
pub fn t(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let lid = langid(lang);
    if args.is_empty() {
        return LOCALES.try_lookup(&lid, id).unwrap_or_else(|| id.to_string());
    }
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Arg::Str(s) => FluentValue::from(s.to_string()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            (Cow::Owned(k.to_string()), value)
        })
        .collect();
    LOCALES.try_lookup_with_args(&lid, id, &map).unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_each_language_without_isolation_marks() {
        assert!(t(Lang::Ru, "not-listed", &[]).contains("нет в перечне"));
        assert!(t(Lang::En, "not-listed", &[]).contains("not on the list"));
        assert!(t(Lang::Kk, "not-listed", &[]).contains("тізбеде жоқ"));
        let s = t(Lang::En, "not-listed-code", &[("code", "1234-5-678".into())]);
        assert!(s.contains("1234-5-678"));
        assert!(!s.contains('\u{2068}') && !s.contains('\u{2069}'));
    }

    #[test]
    fn unknown_id_is_not_a_panic() {
        assert_eq!(t(Lang::En, "no-such-message", &[]), "no-such-message");
    }
}
