//! Text clean-up shared by the query and the index: bound the length, drop what is not text,
//! unify letters that people type interchangeably, split into words.

use crate::lang::{is_cyrillic, is_kazakh_letter};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Queries are cut to this many characters before matching: the longest official name is 118
/// characters, and a sentence around a job title fits well within 256. Anything longer is a paste
/// of something else; cutting keeps matching time bounded whatever arrives.
pub const MAX_QUERY_CHARS: usize = 256;

/// Cleans raw input: cut at [`MAX_QUERY_CHARS`], NFKC (full-width and compatibility forms become
/// plain letters), control and format characters (zero-width, bidi overrides, NUL) become spaces,
/// combining marks left over after composition are dropped, case is folded.
pub fn clean(raw: &str) -> String {
    let cut: String = raw.chars().take(MAX_QUERY_CHARS).collect();
    let mut out = String::with_capacity(cut.len());
    for c in cut.nfkc() {
        if c.is_control() || is_format(c) {
            out.push(' ');
        } else if is_combining_mark(c) {
            continue;
        } else {
            out.push(c);
        }
    }
    out
}

/// The text with each of `names` (lower-cased, matched in any case as whole words) replaced by
/// a comma: a program's name ("Adobe Illustrator") is a tool, and its words must not read as
/// the occupation they spell.
pub fn drop_names(text: String, names: &[String]) -> String {
    let mut lower = text.to_lowercase();
    // (Lower-casing that changes byte lengths would misplace a match: leave such text.)
    if lower.len() != text.len() || !names.iter().any(|n| lower.contains(n.as_str())) {
        return text;
    }
    let mut out = text;
    for name in names {
        let mut at = 0;
        while let Some(i) = lower[at..].find(name.as_str()).map(|i| i + at) {
            let end = i + name.len();
            let whole = out[..i].chars().next_back().is_none_or(|c| !is_word_char(c)) && out[end..].chars().next().is_none_or(|c| !is_word_char(c));
            if whole {
                out.replace_range(i..end, ",");
                lower.replace_range(i..end, ",");
                at = i + 1;
            } else {
                at = end;
            }
        }
    }
    out
}

/// Top-level domains of the sites people name as employers ("Booking.com", "Kaspi.kz",
/// "hh.ru"). (Not `.net` or `.js`: "ASP.NET" and "Node.js" are stacks.)
const WEB_DOMAINS: [&str; 14] = ["com", "kz", "ru", "uz", "kg", "tj", "by", "ua", "io", "org", "ai", "dev", "app", "co"];

/// The text with each web address ("Booking.com", "www.kaspi.kz") replaced by a comma: a site
/// is an employer's name, and its words ("booking") must not read as words of the message.
pub fn drop_web_names(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('.') {
        return text.into();
    }
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut at = 0;
    while at < text.len() {
        let Some(from) = text[at..].find(name_char).map(|i| at + i) else { break };
        let to = text[from..].find(|c: char| !name_char(c)).map_or(text.len(), |i| from + i);
        let run = text[from..to].trim_end_matches('.');
        let site = run.rsplit_once('.').is_some_and(|(name, tld)| {
            !name.is_empty() && name.chars().any(|c| c.is_ascii_alphabetic()) && WEB_DOMAINS.contains(&tld.to_ascii_lowercase().as_str())
        });
        out.push_str(&text[at..from]);
        if site {
            out.push(',');
            out.push_str(&text[from + run.len()..to]);
            changed = true;
        } else {
            out.push_str(&text[from..to]);
        }
        at = to;
    }
    if !changed {
        return text.into();
    }
    out.push_str(&text[at..]);
    out.into()
}

/// Unicode format characters (category Cf) that survive NFKC: zero-width joiners and spaces,
/// bidi marks and overrides, the BOM, soft hyphen, word joiner.
fn is_format(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A word of the input: `folded` is the lower-cased form used for matching, `kazakh` says whether
/// it was written with letters only Kazakh has (it decides which stemmer applies).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub folded: String,
    pub kazakh: bool,
    /// Written with a capital and then lower case (`Google`, `Иванов`): inside a sentence, an
    /// unknown word like this is a name, not an occupation.
    pub capitalized: bool,
}

/// Splits into words on anything that is not a letter or a digit.
pub fn words(text: &str) -> Vec<Word> {
    text.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(word).collect()
}

/// Letters and digits, with fast paths for the scripts Kasip reads (the generic Unicode tables
/// are slow, and this runs over every word of the index at start-up).
pub fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{04FF}') || (!c.is_ascii() && c.is_alphanumeric())
}

/// Lower case, with fast paths for ASCII and Cyrillic (Russian and Kazakh letters).
fn lower(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        '\u{0410}'..='\u{042F}' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        '\u{0400}'..='\u{040F}' => char::from_u32(c as u32 + 0x50).unwrap_or(c),
        '\u{048A}'..='\u{04BF}' | '\u{04D0}'..='\u{04FF}' if (c as u32).is_multiple_of(2) => char::from_u32(c as u32 + 1).unwrap_or(c),
        _ if c.is_ascii() || matches!(c, '\u{0430}'..='\u{045F}') => c,
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

pub fn word(w: &str) -> Word {
    let has_cyr = w.chars().any(is_cyrillic);
    let capitalized = w.chars().next().is_some_and(char::is_uppercase) && w.chars().skip(1).any(char::is_lowercase);
    let mut kazakh = false;
    let mut folded = String::with_capacity(w.len());
    for c in w.chars() {
        let l = lower(c);
        // Latin look-alikes inside a Cyrillic word (a Latin `i` for Kazakh `і`, `ə` for `ә`) are
        // what people without a Kazakh keyboard type.
        kazakh |= is_kazakh_letter(l) || l == 'ə' || (has_cyr && l == 'i');
        folded.push(fold_char(l, has_cyr));
    }
    // Kazakh spells loanwords with a soft sign ("мобильді") that people typing in Latin drop
    // ("mobildi"): in a Kazakh word it is no letter to match.
    if kazakh {
        folded.retain(|c| c != 'ь');
    }
    Word { folded, kazakh, capitalized }
}

/// The text with each word typed mostly in Latin but with a few Kazakh letters ("dәrіgerі":
/// `ә` and `і` from a Kazakh keyboard) written wholly in Latin: it is Kazakh in Latin, and read
/// as such (its Cyrillic letters would leave it in neither script).
pub fn latin_words(text: &str) -> std::borrow::Cow<'_, str> {
    let mixed = |w: &str| {
        // (The Kazakh letter first: most words have none, and the counts are not needed then.)
        let cyrillic = || w.chars().filter(|&c| is_cyrillic(c)).count();
        w.chars().any(|c| is_kazakh_letter(lower(c)))
            && w.chars().filter(char::is_ascii_alphabetic).count() > cyrillic()
            && w.chars().all(|c| latin_of(lower(c)).is_some())
    };
    if !text.split(|c: char| !is_word_char(c)).any(mixed) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_word_char) {
        out.push_str(&rest[..start]);
        let end = rest[start..].find(|c: char| !is_word_char(c)).map_or(rest.len(), |i| start + i);
        let w = &rest[start..end];
        if mixed(w) {
            out.extend(w.chars().map(|c| latin_of(lower(c)).unwrap_or(c)));
        } else {
            out.push_str(w);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.into()
}

/// The Latin letter a Kazakh letter, or a Cyrillic one shaped like a Latin one, stands for in a
/// word typed mostly in Latin (Kazakh Latin of 2021 where it has one: `ә` → `a` as `ä` folds).
fn latin_of(c: char) -> Option<char> {
    Some(match c {
        'ә' | 'а' => 'a',
        'і' | 'и' => 'i',
        'ө' | 'о' => 'o',
        'ү' | 'ұ' | 'у' => 'u',
        'ғ' | 'г' => 'g',
        'қ' | 'к' => 'k',
        'ң' | 'н' => 'n',
        'һ' => 'h',
        'е' => 'e',
        'р' => 'r',
        'с' => 's',
        'т' => 't',
        'м' => 'm',
        'л' => 'l',
        'д' => 'd',
        'б' => 'b',
        'з' => 'z',
        'п' => 'p',
        'в' => 'v',
        'ш' => 'ş',
        _ if c.is_ascii() => c,
        _ => return None,
    })
}

/// One spelling per letter: `ё`→`е`, Kazakh letters to their nearest Russian ones (people type
/// `дарігер`, `курылысшы` without a Kazakh keyboard), and inside Cyrillic words the Latin
/// look-alikes to Cyrillic.
pub fn fold_char(c: char, in_cyrillic_word: bool) -> char {
    match c {
        // (`э` too: a transliterated "etu", "ekonomist" starts with either.)
        'ё' | 'э' => 'е',
        'ә' | 'ə' => 'а',
        'ғ' => 'г',
        'қ' => 'к',
        'ң' => 'н',
        'ө' => 'о',
        'ұ' | 'ү' => 'у',
        'һ' => 'х',
        'і' => 'и',
        _ if in_cyrillic_word => match c {
            'a' => 'а',
            'e' => 'е',
            'o' => 'о',
            'p' => 'р',
            'c' => 'с',
            'x' => 'х',
            'y' => 'у',
            'k' => 'к',
            'm' => 'м',
            't' => 'т',
            'h' => 'н',
            'b' => 'в',
            'i' => 'и',
            _ => c,
        },
        _ => c,
    }
}

/// Which script a text is mostly written in; decides which variants are worth trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    Cyrillic,
    Mixed,
    None,
}

pub fn script(text: &str) -> Script {
    let lat = text.chars().any(|c| c.is_ascii_alphabetic());
    let cyr = text.chars().any(is_cyrillic);
    match (lat, cyr) {
        (true, false) => Script::Latin,
        (false, true) => Script::Cyrillic,
        (true, true) => Script::Mixed,
        (false, false) => Script::None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_names_are_set_apart_as_whole_words() {
        let names = ["adobe illustrator".to_string(), "affinity designer".to_string()];
        assert_eq!(super::drop_names("Designer (Adobe Illustrator, Figma)".into(), &names), "Designer (,, Figma)");
        assert_eq!(super::drop_names("Affinity Designer".into(), &names), ",");
        // Not inside another word, nor the name's words alone.
        assert_eq!(super::drop_names("xadobe illustrators".into(), &names), "xadobe illustrators");
        assert_eq!(super::drop_names("Illustrator".into(), &names), "Illustrator");
    }

    use super::*;

    #[test]
    fn web_names_are_dropped() {
        assert_eq!(drop_web_names("Frontend Developer — Booking.com — Amsterdam"), "Frontend Developer — , — Amsterdam");
        assert_eq!(drop_web_names("iOS, www.kaspi.kz."), "iOS, ,.");
        assert_eq!(drop_web_names("Java (hh.ru)!"), "Java (,)!");
        assert_eq!(drop_web_names("ASP.NET и Node.js, г. Алматы"), "ASP.NET и Node.js, г. Алматы");
    }

    #[test]
    fn clean_strips_controls_and_marks() {
        assert_eq!(clean("вра\u{200B}ч\u{0000}"), "вра ч ");
        assert_eq!(clean("\u{202E}abc"), " abc");
        assert_eq!(clean("ＡＢＣ"), "ABC");
        // a combining acute after a letter composes or is dropped, never kept alone
        assert!(!clean("e\u{0301}\u{0301}\u{0301}").chars().any(is_combining_mark));
    }

    #[test]
    fn clean_bounds_length() {
        let long = "а".repeat(10_000);
        assert_eq!(clean(&long).chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn kazakh_letters_in_a_latin_word_become_latin() {
        assert_eq!(super::latin_words("balalar dәrіgerі!"), "balalar darigeri!");
        // (A Cyrillic word with a Latin look-alike stays as it is, for `word` to fold.)
        assert_eq!(super::latin_words("дарiгер"), "дарiгер");
        assert_eq!(super::latin_words("Python-разработчик"), "Python-разработчик");
        // (A Russian ending on a Latin word has no Kazakh letter: "DevOpsом" stays.)
        assert_eq!(super::latin_words("DevOpsом"), "DevOpsом");
    }

    #[test]
    fn kazakh_letters_and_lookalikes_fold() {
        let w = word("Дəрігер");
        assert!(w.kazakh);
        assert_eq!(w.folded, "даригер");
        let w = word("дарiгер"); // Latin i
        assert!(w.kazakh);
        assert_eq!(w.folded, "даригер");
        assert_eq!(word("Ёлка").folded, "елка");
        assert!(!word("врач").kazakh);
    }

    #[test]
    fn fast_lowercase_agrees_with_unicode() {
        for c in ('\u{0400}'..='\u{04FF}').chain('A'..='z').chain(['Ǎ', 'Σ', 'ə', 'Ə']) {
            assert_eq!(lower(c), c.to_lowercase().next().unwrap(), "{c} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn words_split_on_punctuation() {
        let ws: Vec<_> = words("Врач-нейрохирург, (детский)").into_iter().map(|w| w.folded).collect();
        assert_eq!(ws, ["врач", "нейрохирург", "детский"]);
    }
}
