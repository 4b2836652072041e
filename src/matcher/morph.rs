//! Word endings: the Russian and English Snowball stemmers (rust-stemmers) and a small Kazakh
//! suffix stripper, so `программистом`, `developers` and `бағдарламашымын` meet their base forms.
//! The same function stems the index and the query, so the stems only need to be consistent, not
//! linguistically perfect.

use std::collections::{BTreeMap, HashMap};

use rust_stemmers::{Algorithm, Stemmer};

use super::normalize::Word;

pub struct Morph {
    ru: Stemmer,
    en: Stemmer,
    /// Words a stemmer cuts wrongly for Kasip, with their stem (the lexicon's `stem_exceptions`).
    exceptions: HashMap<String, String>,
}

impl Default for Morph {
    fn default() -> Self {
        Morph { ru: Stemmer::create(Algorithm::Russian), en: Stemmer::create(Algorithm::English), exceptions: HashMap::new() }
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
/// The third person first ("бөлімі" — its department): see [`kazakh_third_possessive_bases`].
const KK_POSSESSIVE: &[&str] = &["сы", "си", "ы", "и", "ым", "им"];
const KK_POSSESSIVE_THIRD: &[&str] = KK_POSSESSIVE.split_at(4).0;
/// Personal endings no Russian word ends with.
const KK_PERSONAL_ONLY: &[&str] = &["мыз", "пыз", "быз", "мын", "пын", "бын"];
const KK_PLURAL: &[&str] = &["лар", "лер", "дар", "дер", "тар", "тер"];
/// Relational adjectives (`бұлттық` — of clouds): the noun they are made from, as the
/// accusative-like `-ты` of `бұлтты` already gives.
const KK_RELATIONAL: &[&str] = &["лык", "лик", "дык", "дик", "тык", "тик"];

/// The locative after a possessive ("ауруханасында" — in the hospital, "бөлімінде" — in the
/// department): Kazakh marks a workplace with an ending, not a preposition.
const KK_LOCATIVE_POSSESSED: &[&str] = &["сында", "синде", "ында", "инде"];
/// The bare locative ("бөлімде", "зауытта"): Russian words end like it too, so only in Kazakh text.
const KK_LOCATIVE: &[&str] = &["нда", "нде", "да", "де", "та", "те"];
/// Words that modify the noun after them: plurals used as attributes ("балалар ауруханасы"),
/// relational adjectives ("онкологиялық бөлім"), "-дағы" adjectives of place ("Алматыдағы") and
/// genitives ("ауданның").
const KK_ATTRIBUTIVE: &[&str] = &[
    "лар", "лер", "дар", "дер", "тар", "тер", "лык", "лик", "дык", "дик", "тык", "тик", "дагы", "деги", "тагы", "теги", "нын", "нин", "дын", "дин", "тын",
    "тин",
];

/// Whether a folded word is a Kazakh noun in the locative (a place), with `kazakh_text` telling
/// whether the text around it is Kazakh (see [`is_kazakh_signal`]).
pub fn kazakh_locative(folded: &str, kazakh_text: bool) -> Option<Locative> {
    let long_enough = |suf: &str| folded.ends_with(suf) && folded.chars().count() >= suf.chars().count() + 3;
    if KK_LOCATIVE_POSSESSED.iter().any(|s| long_enough(s)) {
        Some(Locative::Possessed)
    } else if kazakh_text && KK_LOCATIVE.iter().any(|s| long_enough(s)) {
        Some(Locative::Bare)
    } else {
        None
    }
}

/// A Kazakh locative with the possessive of a compound noun ("оқу орнында", "балалар
/// ауруханасында": the word before it is part of the place) or without.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Locative {
    Possessed,
    Bare,
}

/// Whether a folded Kazakh word modifies the noun after it (see `KK_ATTRIBUTIVE`).
pub fn kazakh_attributive(folded: &str) -> bool {
    KK_ATTRIBUTIVE.iter().any(|s| folded.ends_with(s) && folded.chars().count() >= s.chars().count() + 3)
}

/// Whether a word marks its text as Kazakh: a Kazakh letter, or a personal ending no Russian
/// word has ("дарыгермин").
pub fn is_kazakh_signal(w: &Word) -> bool {
    w.kazakh || KK_PERSONAL_ONLY.iter().any(|e| w.folded.ends_with(e) && w.folded.chars().count() >= e.chars().count() + KK_MIN_STEM)
}

/// A stem shorter than this is not cut further: short Kazakh roots would collide.
const KK_MIN_STEM: usize = 4;

impl Morph {
    /// The stemmers with the lexicon's exceptions (words folded like any query word).
    pub fn with_exceptions(exceptions: &BTreeMap<String, String>) -> Morph {
        let fold = |w: &str| super::normalize::word(w).folded;
        Morph { exceptions: exceptions.iter().map(|(w, s)| (fold(w), fold(s))).collect(), ..Morph::default() }
    }

    pub fn stem(&self, w: &Word) -> String {
        let s = w.folded.as_str();
        if s.chars().all(|c| c.is_ascii_digit()) {
            return s.to_string();
        }
        if let Some(stem) = self.exceptions.get(s) {
            return stem.clone();
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

    /// A word with Kazakh letters read by the Russian stemmer, its personal ending first taken
    /// off ("медбикемін" → медбике → `медбик`): the index stems a data word without Kazakh
    /// letters ("медбике") the Russian way, so a query word whose Kazakh stem the index does not
    /// know may still meet it so.
    pub fn russian_reading(&self, folded: &str) -> String {
        self.ru.stem(strip_one(folded, KK_PERSONAL).unwrap_or(folded)).into_owned()
    }
}

/// `s` without the first of `suffixes` it ends with, if a root of `KK_MIN_STEM` letters is left.
fn strip_one<'a>(s: &'a str, suffixes: &[&str]) -> Option<&'a str> {
    suffixes.iter().find_map(|suf| s.strip_suffix(suf).filter(|root| root.chars().count() >= KK_MIN_STEM))
}

/// What a folded word is under the third-person possessive, the head of a compound noun
/// ("нәрестелер бөлімі" → `болим`), each reading long enough to be a root.
pub fn kazakh_third_possessive_bases(folded: &str) -> impl Iterator<Item = &str> {
    KK_POSSESSIVE_THIRD.iter().filter_map(move |e| folded.strip_suffix(e)).filter(|base| base.chars().count() >= KK_MIN_STEM)
}

pub fn kazakh_stem(s: &str) -> String {
    let mut cur = s;
    // "I am X" puts the personal ending on the bare noun ("медбикемін", "дәрігермін") or on a
    // place ("Алматыданмын"). What is left is cut exactly as the bare word is: the index holds
    // the bare word, so both must meet even where a cut is no real case ending (`медбике` loses
    // its `-ке` either way).
    for class in [KK_PERSONAL, KK_CASE, KK_POSSESSIVE, KK_PLURAL, KK_POSSESSIVE, KK_RELATIONAL] {
        cur = strip_one(cur, class).unwrap_or(cur);
    }
    cur.to_string()
}

/// Adjective endings of Russian, folded (`ё` is `е`). "-ие" only after the letters that make
/// it an adjective's ("большие", "мягкие"): after others it is a noun's ("обучение").
/// (Not "-ую", "-юю": verbs end so too — "монтирую".)
const RU_ADJECTIVE: [&str; 19] = ["ый", "ой", "ая", "яя", "ое", "ее", "ые", "ого", "его", "ому", "ему", "ым", "ыми", "ими", "ых", "кие", "гие", "хие", "шие"];

/// Whether a folded Russian word ends like an adjective ("большое", "новой", "мобильные"); such
/// a word alone names no occupation. (Nouns ending so — "рабочий", "данные" — are rare among the
/// words that would decide a question.)
pub fn russian_adjective_shaped(folded: &str) -> bool {
    // ("данные" is data, a noun, in every case.)
    folded.chars().count() >= 5
        && !folded.starts_with("данн")
        && folded.chars().all(crate::lang::is_cyrillic)
        && RU_ADJECTIVE.iter().any(|e| folded.ends_with(e))
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

    #[test]
    fn the_lexicons_stem_exceptions_part_words_snowball_joins() {
        let cat = crate::catalog::Catalog::embedded().unwrap();
        let m = super::Morph::with_exceptions(&cat.lexicon.stem_exceptions);
        let st = |w: &str| m.stem(&crate::matcher::normalize::word(w));
        // A vet of small animals is no animator; threat modeling is no fashion model.
        assert_ne!(st("animals"), st("animation"));
        assert_eq!(st("animals"), st("animal"));
        assert_ne!(st("modeling"), st("model"));
        assert_eq!(st("Modelling"), st("modeling"));
        // An akim is no "ака" (Uzbek "brother"), whom Snowball's `ак` would make one.
        assert_ne!(st("ака"), st("аким"));
        assert_eq!(st("аким"), st("акимом"));
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
        // A bare noun that ends like a case meets its "I am" form.
        assert_eq!(st("мейірбикемін"), st("мейірбике"));
        // …and, written without Kazakh letters, the Russian stemmer's reading of it.
        assert_eq!(Morph::default().russian_reading(&word("медбикемін").folded), st("медбике"));
        assert_eq!(st("Алматыданмын"), st("Алматыдан"));
    }
}
