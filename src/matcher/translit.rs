//! Latin transliteration of Russian and Kazakh as people type it (`neirohirurg`, `neyrokhirurg`,
//! `programmist`, `pediatr`), and the Kazakh Latin alphabet (`dárіger`, `baǵdarlamashy`): several
//! schemes at once, longest letter groups first.

/// Multi-letter groups, longest first.
const GROUPS: &[(&str, &str)] = &[
    ("shch", "щ"),
    // The reflexive verb ending ("zapisatsya" — записаться), not a "ц".
    ("tsya", "тся"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "е"),
    ("ye", "е"),
    ("ju", "ю"),
    ("ja", "я"),
    ("ph", "ф"),
    ("ck", "к"),
    ("gh", "г"),
];

/// Groups the Kazakh Latin reading leaves to single letters: its `j` is ж ("jumys" — жұмыс).
const RUSSIAN_ONLY: &[&str] = &["ju", "ja"];

fn single(c: char, prev: Option<char>, next: Option<char>, kazakh: bool) -> &'static str {
    let vowel = |c: Option<char>| matches!(c, Some('a' | 'e' | 'i' | 'o' | 'u' | 'y'));
    match c {
        'a' => "а",
        'b' => "б",
        'c' => {
            if matches!(next, Some('e' | 'i' | 'y')) {
                "ц"
            } else {
                "к"
            }
        }
        'd' => "д",
        'e' => {
            if prev.is_none() {
                "э"
            } else {
                "е"
            }
        }
        'f' => "ф",
        'g' => "г",
        'h' => "х",
        // After a vowel and before no vowel, "i" is the й of a diphthong ("dizainer", "neirohirurg",
        // "isteimin").
        'i' if matches!(prev, Some('a' | 'e' | 'o')) && !vowel(next) => "й",
        // The 2021 Kazakh alphabet writes і and й as "ı" ("dızaıner" — дизайнер).
        'ı' if kazakh && matches!(prev, Some('a' | 'e' | 'o')) && !vowel(next) => "й",
        'ı' if kazakh => "и",
        'i' => "и",
        'j' if kazakh => "ж",
        'j' => "й",
        'k' => "к",
        'l' => "л",
        'm' => "м",
        'n' => "н",
        'o' => "о",
        'p' => "п",
        'q' => "к",
        'r' => "р",
        's' => "с",
        't' => "т",
        'u' => "у",
        'v' | 'w' => "в",
        // Kazakh and Uzbek Latin chat writes х as x ("neyroxirurg").
        'x' if kazakh => "х",
        'x' => "кс",
        'y' => {
            if vowel(prev) || (prev.is_none() && vowel(next)) {
                "й"
            } else {
                "ы"
            }
        }
        'z' => "з",
        '\'' => "ь",
        // Kazakh Latin (2017–2021 alphabets) and Turkish-keyboard spellings.
        'á' | 'ä' => "ә",
        'ǵ' | 'ğ' => "ғ",
        'ń' | 'ñ' => "ң",
        'ó' | 'ö' => "ө",
        'ú' | 'ū' => "ұ",
        'ü' | 'ý' => "ү",
        'ı' => "ы",
        'ş' => "ш",
        'ç' => "ч",
        'í' | 'ì' => "и",
        'é' | 'è' => "е",
        _ => "",
    }
}

/// Transliterates the ASCII letters of `text` to Cyrillic; other characters are kept. `None` when
/// the text has no Latin letters.
pub fn latin_to_cyrillic(text: &str) -> Option<String> {
    transliterate(text, false, &|_| false)
}

/// [`latin_to_cyrillic`], keeping as typed the words `keep` says are Latin words of their own
/// ("ya iOS razrabotchik": iOS is no Russian word in Latin letters).
pub fn latin_to_cyrillic_keeping(text: &str, keep: &dyn Fn(&str) -> bool) -> Option<String> {
    transliterate(text, false, keep)
}

/// The Kazakh chat reading of Latin letters, where `j` is ж, `x` is х and `ı` is і or й
/// ("jumys istedim", "neyroxirurg", "dızaınermin"); `None` when it reads no differently from [`latin_to_cyrillic`].
pub fn kazakh_latin_to_cyrillic(text: &str, keep: &dyn Fn(&str) -> bool) -> Option<String> {
    if !text.chars().any(|c| matches!(c, 'j' | 'x' | 'J' | 'X' | 'ı')) {
        return None;
    }
    transliterate(text, true, keep)
}

fn transliterate(text: &str, kazakh: bool, keep: &dyn Fn(&str) -> bool) -> Option<String> {
    if !text.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    'outer: while i < chars.len() {
        let c = chars[i];
        if !c.is_alphabetic() && c != '\'' {
            out.push(c);
            i += 1;
            continue;
        }
        if i == 0 || !chars[i - 1].is_alphabetic() {
            let end = chars[i..].iter().position(|c| !c.is_alphabetic()).map_or(chars.len(), |n| i + n);
            let word: String = chars[i..end].iter().collect();
            if keep(&word) {
                out.push_str(&word);
                i = end;
                continue;
            }
        }
        for (g, cyr) in GROUPS.iter().filter(|(g, _)| !(kazakh && RUSSIAN_ONLY.contains(g))) {
            let n = g.len();
            if i + n <= chars.len() && chars[i..i + n].iter().copied().eq(g.chars()) {
                out.push_str(cyr);
                i += n;
                continue 'outer;
            }
        }
        let prev = if i > 0 && chars[i - 1].is_alphabetic() { Some(chars[i - 1]) } else { None };
        out.push_str(single(c, prev, chars.get(i + 1).copied(), kazakh));
        i += 1;
    }
    Some(out)
}

/// English written in Russian letters, as job titles borrowed from English are typed ("видео
/// эдитор", "девелопер", "джуниор тестер"): the letters read back the way the loanword was
/// spelt into Russian (`дж` is j, `э` and `е` are e, `й` and `ы` are y, the signs are dropped).
/// `None` when the text has no Cyrillic letters.
pub fn english_in_cyrillic(text: &str) -> Option<String> {
    if !text.chars().any(crate::lang::is_cyrillic) {
        return None;
    }
    let lower = text.to_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        let latin = match c {
            'д' if chars.peek() == Some(&'ж') => {
                chars.next();
                "j"
            }
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'й' | 'ы' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "sch",
            'ъ' | 'ь' => "",
            'ю' => "yu",
            'я' => "ya",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(latin);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_schemes() {
        assert_eq!(latin_to_cyrillic("neyrokhirurg").unwrap(), "нейрохирург");
        assert_eq!(latin_to_cyrillic("programmist").unwrap(), "программист");
        assert_eq!(latin_to_cyrillic("pediatr").unwrap(), "педиатр");
        assert_eq!(latin_to_cyrillic("endokrinolog").unwrap(), "эндокринолог");
        assert_eq!(latin_to_cyrillic("oncolog").unwrap(), "онколог");
        assert_eq!(latin_to_cyrillic("vrach-gematolog").unwrap(), "врач-гематолог");
        assert_eq!(latin_to_cyrillic("zapisatsya").unwrap(), "записатся");
        assert_eq!(latin_to_cyrillic("123"), None);
        assert_eq!(latin_to_cyrillic("dizainer").unwrap(), "дизайнер");
        assert_eq!(latin_to_cyrillic("neirohirurg").unwrap(), "нейрохирург");
        assert_eq!(latin_to_cyrillic("geriatr").unwrap(), "гериатр");
    }

    #[test]
    fn english_loanwords_in_cyrillic() {
        assert_eq!(english_in_cyrillic("видео эдитор").unwrap(), "video editor");
        assert_eq!(english_in_cyrillic("Джуниор девелопер").unwrap(), "junior developer");
        assert_eq!(english_in_cyrillic("video editor"), None);
    }

    #[test]
    fn kazakh_latin_alphabet() {
        assert_eq!(latin_to_cyrillic("baǵdarlamashy").unwrap(), "бағдарламашы");
        assert_eq!(latin_to_cyrillic("dárigermin").unwrap(), "дәригермин");
        assert_eq!(latin_to_cyrillic("dybys operatory").unwrap(), "дыбыс операторы");
        assert_eq!(kazakh_latin_to_cyrillic("neyroxirurg jumys", &|_| false).unwrap(), "нейрохирург жумыс");
        assert_eq!(kazakh_latin_to_cyrillic("pediatr", &|_| false), None);
        assert_eq!(kazakh_latin_to_cyrillic("grafıkalyq dızaınermin", &|_| false).unwrap(), "графикалык дизайнермин");
    }
}
