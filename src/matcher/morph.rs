//! Word endings: the Russian and English Snowball stemmers (rust-stemmers) and a small Kazakh
//! suffix stripper, so `программистом`, `developers` and `бағдарламашымын` meet their base forms.
//! The same function stems the index and the query, so the stems only need to be consistent, not
//! linguistically perfect.

use rust_stemmers::{Algorithm, Stemmer};

use super::normalize::Word;

pub struct Morph {
    ru: Stemmer,
    en: Stemmer,
}

impl Default for Morph {
    fn default() -> Self {
        Morph { ru: Stemmer::create(Algorithm::Russian), en: Stemmer::create(Algorithm::English) }
    }
}

/// Kazakh endings in folded spelling (see `normalize::fold_char`), longest first within a class.
/// The accusative `-ны/-ні` is left out: it reads the same as a possessive after `н`
/// (`маманы` is маман + ы, not мама + ны).
/// Personal endings (`-мын` "I am"), case endings, possessives and the plural, in the order they
/// are peeled off a word.
const KK_PERSONAL: &[&str] = &["мыз", "миз", "пыз", "пиз", "быз", "биз", "сыз", "сиз", "мын", "мин", "пын", "пин", "бын", "бин", "сын", "син"];
const KK_CASE: &[&str] = &[
    "ынан", "инен", "нын", "нин", "дын", "дин", "тын", "тин", "дан", "ден", "тан", "тен", "нан", "нен", "нда", "нде", "мен", "пен", "бен", "ына", "ине", "ды",
    "ди", "ты", "ти", "га", "ге", "ка", "ке", "да", "де", "та", "те",
];
/// The cases that stand before a personal ending ("Өзбекстаннанмын" — I am from Uzbekistan;
/// "ауруханадамын" — I am at the hospital): ablative and locative, not the dative that a
/// noun like `медбике` merely ends with.
const KK_CASE_BEFORE_PERSONAL: &[&str] = &["ынан", "инен", "дан", "ден", "тан", "тен", "нан", "нен", "нда", "нде", "да", "де", "та", "те"];
const KK_POSSESSIVE: &[&str] = &["сы", "си", "ым", "им", "ы", "и"];
/// Personal endings no Russian word ends with.
const KK_PERSONAL_ONLY: &[&str] = &["мыз", "пыз", "быз", "мын", "пын", "бын"];
const KK_PLURAL: &[&str] = &["лар", "лер", "дар", "дер", "тар", "тер"];
/// Relational adjectives (`бұлттық` — of clouds): the noun they are made from, as the
/// accusative-like `-ты` of `бұлтты` already gives.
const KK_RELATIONAL: &[&str] = &["лык", "лик", "дык", "дик", "тык", "тик"];

/// A stem shorter than this is not cut further: short Kazakh roots would collide.
const KK_MIN_STEM: usize = 4;

impl Morph {
    pub fn stem(&self, w: &Word) -> String {
        let s = w.folded.as_str();
        if s.chars().all(|c| c.is_ascii_digit()) {
            return s.to_string();
        }
        if w.kazakh {
            kazakh_stem(s)
        } else if s.chars().any(crate::lang::is_cyrillic) {
            // Kazakh words need no Kazakh letter (`маманымын`, "I am a specialist"); a personal
            // ending that Russian words do not have is peeled off before the Russian stemmer,
            // which then treats the rest as it treats the bare word.
            let bare = KK_PERSONAL_ONLY.iter().find_map(|e| s.strip_suffix(e).filter(|r| r.chars().count() >= KK_MIN_STEM)).unwrap_or(s);
            self.ru.stem(bare).into_owned()
        } else if s.chars().all(|c| c.is_ascii_alphanumeric()) {
            // English agent nouns keep their `-er`: Snowball reads `reporter` as `report` and
            // `composer` as `compos`, so "reporting" and "Jetpack Compose" would name occupations.
            let singular = s.strip_suffix('s').filter(|r| r.ends_with("er")).unwrap_or(s);
            match singular.strip_suffix("er").filter(|r| r.len() >= 3) {
                Some(root) => format!("{}er", self.en.stem(root)),
                None => self.en.stem(s).into_owned(),
            }
        } else {
            s.to_string()
        }
    }
}

fn strip_one(s: &str, suffixes: &[&str]) -> Option<String> {
    let n = s.chars().count();
    suffixes.iter().find_map(|suf| {
        let k = suf.chars().count();
        (s.ends_with(suf) && n - k >= KK_MIN_STEM).then(|| s[..s.len() - suf.len()].to_string())
    })
}

pub fn kazakh_stem(s: &str) -> String {
    let mut cur = s.to_string();
    // "I am X" puts the personal ending on the bare noun ("медбикемін", "дәрігермін"), or on a
    // place ("Алматыданмын"): after one, only those cases are cut (`медбике` is no dative).
    let personal = strip_one(&cur, KK_PERSONAL);
    let classes: &[&[&str]] = if personal.is_some() {
        &[KK_CASE_BEFORE_PERSONAL, KK_POSSESSIVE, KK_PLURAL, KK_POSSESSIVE]
    } else {
        &[KK_CASE, KK_POSSESSIVE, KK_PLURAL, KK_POSSESSIVE]
    };
    if let Some(next) = personal {
        cur = next;
    }
    for class in classes {
        if let Some(next) = strip_one(&cur, class) {
            cur = next;
        }
    }
    if let Some(next) = strip_one(&cur, KK_RELATIONAL) {
        cur = next;
    }
    cur
}

#[cfg(test)]
mod tests {
    #[test]
    fn english_agent_nouns_keep_er() {
        let m = super::Morph::default();
        let st = |w: &str| m.stem(&crate::matcher::normalize::word(w));
        assert_eq!(st("developers"), st("developer"));
        assert_ne!(st("reporting"), st("reporter"));
        assert_ne!(st("compose"), st("composer"));
    }

    use super::super::normalize::word;
    use super::*;

    fn st(s: &str) -> String {
        Morph::default().stem(&word(s))
    }

    #[test]
    fn russian_inflections_meet() {
        assert_eq!(st("программистом"), st("программист"));
        assert_eq!(st("разработчиком"), st("разработчик"));
        assert_eq!(st("онкологом"), st("онколог"));
        assert_eq!(st("ёлкой"), st("елка"));
    }

    #[test]
    fn english_inflections_meet() {
        assert_eq!(st("developers"), st("developer"));
    }

    #[test]
    fn kazakh_endings_meet() {
        assert_eq!(st("бағдарламашымын"), st("бағдарламашы"));
        assert_eq!(st("дәрігермін"), st("дәрігер"));
        assert_eq!(st("дәрігері"), st("дәрігер"));
        assert_eq!(st("мұғалімі"), st("мұғалім"));
        assert_eq!(st("әзірлеушісі"), st("әзірлеуші"));
        assert_eq!(st("маманымын"), st("маман"));
        assert_eq!(st("маманы"), st("маман"));
    }
}
