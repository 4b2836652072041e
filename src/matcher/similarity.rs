//! Scoring: how alike two words are, and how well a phrase of the index covers a query.
//!
//! Words are compared on their stems. Exact stems score 1. Otherwise strsim's Damerau-Levenshtein
//! (typos, transposed letters) or a long shared beginning (`фармацевтики` ~ `фармацевтической`)
//! gives a similarity in (0, 1); below [`FUZZY_MIN`] a pair does not count at all, so unrelated
//! words never add partial credit.
//!
//! A phrase's score combines *recall* (how much of the phrase's weight the query covers) and
//! *precision* (how much of the query's weight the phrase explains); weights are inverse document
//! frequencies, so `нейрохирург` counts more than `инженер`.

/// The lowest word similarity that counts as a match. One edit in a 5-letter stem is 0.8, two
/// edits in a 9-letter stem 0.78: typical typos pass, while `хирург`/`нейрохирург` (0.55) or
/// `педагог`/`педиатр` (0.57) do not. Chosen on the project's labelled set (tests/labelled.tsv).
pub const FUZZY_MIN: f32 = 0.78;

/// Words shorter than this (in characters) only match exactly: with 3 letters one edit is
/// another word (`лор`/`лес`).
pub const FUZZY_MIN_LEN: usize = 4;

/// A shared beginning counts when it is at least this long and covers 3/4 of the shorter word.
const PREFIX_MIN: usize = 6;

/// How much precision weighs against recall: score = recall × (FLOOR + (1 − FLOOR) × precision).
/// 0.45 was chosen on tests/labelled.tsv as the lowest floor that keeps unexplained occupation
/// words ("инженер-конструктор авиационной техники") below [`super::LISTED_MIN`].
/// Extra words in a query ("детский нейрохирург", a sentence) cost something but do not sink a
/// full match; a phrase that explains only part of a query with unknown informative words ends
/// below [`super::LISTED_MIN`]. Tuned on the labelled set.
pub const PRECISION_FLOOR: f32 = 0.45;

/// What a relational adjective scores against the noun it is made from.
pub const DERIVED_SIM: f32 = 0.79;

// A relational adjective is read (above FUZZY_MIN) but never claims (below CLAIM_RECALL).
const _: () = assert!(DERIVED_SIM < super::CLAIM_RECALL && DERIVED_SIM >= FUZZY_MIN);

/// Two stems that differ only by soft or hard signs.
const SIGN_SIM: f32 = 0.98;

fn without_signs(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| !matches!(c, 'ь' | 'ъ'))
}

/// Russian relational-adjective suffixes (what follows the noun in `онкологический`).
const RELATIONAL: &[&str] = &["ск", "ическ", "еск", "ческ"];

/// Similarity of two stems, 0 when below [`FUZZY_MIN`]. `la`/`lb` are their lengths in chars.
/// `allow_prefix`: whether a long shared beginning counts (not for two words typed as one).
pub fn word_similarity(a: &str, la: usize, b: &str, lb: usize, allow_prefix: bool) -> f32 {
    if a == b {
        return 1.0;
    }
    if la.min(lb) < FUZZY_MIN_LEN {
        return 0.0;
    }
    // A soft or hard sign left out is how Russian is typed in Latin and how many type it fast
    // ("mobilnyh" → `мобилн` for `мобильн`): the same word.
    if la.abs_diff(lb) <= 2 && la != lb && without_signs(a).eq(without_signs(b)) {
        return SIGN_SIM;
    }
    let longest = la.max(lb);
    let shorter = la.min(lb);
    let mut best = 0.0f32;
    // Optimal string alignment (Damerau-Levenshtein with adjacent transpositions) is O(la·lb):
    // skip it when the length gap alone rules it out.
    let max_edits = ((1.0 - FUZZY_MIN) * longest as f32).floor() as usize;
    if la.abs_diff(lb) <= max_edits {
        // More edits than `max_edits` cannot reach FUZZY_MIN: the banded count stops there.
        let d = bounded_osa(a, b, max_edits).unwrap_or(longest);
        best = 1.0 - d as f32 / longest as f32;
    }
    // A relational adjective made from a word (`онкологическ-` from `онколог`, `конструкторск-`
    // from `конструктор`) usually names a domain or a place ("онкологическое отделение",
    // "конструкторское бюро"), not the person: it reads as the word only weakly (below
    // `CLAIM_RECALL`, so it never stands for that occupation against another one).
    let derived = la > lb && a.starts_with(b) && RELATIONAL.iter().any(|suf| a[b.len()..].starts_with(suf));
    if derived && allow_prefix {
        return DERIVED_SIM;
    }
    if allow_prefix {
        let lcp = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        // A word that a much longer one merely begins with is its kin, not the same word: it
        // reads but never claims (`журнал` is no `журналист`).
        if lcp >= PREFIX_MIN && lcp * 4 >= shorter * 3 {
            let s = 0.7 + 0.25 * lcp as f32 / longest as f32;
            best = best.max(if lb >= la + 3 && lcp == la { s.min(DERIVED_SIM) } else { s });
        }
        // The stemmer cuts some forms deeper than others (`систем` → `сист`, `системы` →
        // `систем`): a whole short stem that begins a slightly longer one is the same word.
        if lcp == shorter && longest - shorter <= 2 {
            best = best.max(0.8 + 0.2 * shorter as f32 / longest as f32);
        }
    }
    if best < FUZZY_MIN {
        0.0
    } else {
        best
    }
}

/// Letters a word may have for the edit distances to keep it on the stack: no real word is longer.
const WORD_BUF: usize = 64;

/// The letters of `s` in `buf`, or `None` when they do not fit.
fn on_stack<'a>(s: &str, buf: &'a mut [char]) -> Option<&'a [char]> {
    let mut n = 0;
    for c in s.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(&buf[..n])
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions, as
/// `strsim::osa_distance`) when it is at most `k`, else `None`: rows stop as soon as every cell
/// exceeds `k`. Words longer than [`WORD_BUF`] letters fall back to strsim.
pub fn bounded_osa(a: &str, b: &str, k: usize) -> Option<usize> {
    const N: usize = WORD_BUF;
    let (mut ab, mut bb) = (['\0'; N], ['\0'; N]);
    let (Some(ac), Some(bc)) = (on_stack(a, &mut ab), on_stack(b, &mut bb)) else {
        return Some(strsim::osa_distance(a, b)).filter(|d| *d <= k);
    };
    let (la, lb) = (ac.len(), bc.len());
    if la.abs_diff(lb) > k {
        return None;
    }
    // Three rows: two back (for transpositions), previous, current.
    let mut prev2 = [0usize; N + 1];
    let mut prev: [usize; N + 1] = std::array::from_fn(|j| j);
    let mut cur = [0usize; N + 1];
    for i in 1..=la {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=lb {
            let cost = usize::from(ac[i - 1] != bc[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && ac[i - 1] == bc[j - 2] && ac[i - 2] == bc[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return None;
        }
        prev2[..=lb].copy_from_slice(&prev[..=lb]);
        prev[..=lb].copy_from_slice(&cur[..=lb]);
    }
    Some(prev[lb]).filter(|d| *d <= k)
}

/// A fuzzy reading of a word that alone identifies a listed profession (`педиатр`, `радиолог`)
/// that needed a non-typo edit scores at most this: enough for a question ("did you mean …?"),
/// never for "listed". `подиатр` and `рабиолог` are other words or no words, not typos.
pub const IDENTITY_CAP: f32 = 0.84;

/// Words of at least this many letters read through typo-like edits at half their cost (see
/// [`identity_similarity`]).
const TYPO_SURE_LEN: usize = 8;

/// Pairs people confuse by ear or that unstressed vowels and final devoicing make sound alike
/// (`онкалог`, `рентгинолог`, `нейрохерург`, `эндокринолок`).
const PHONETIC: &[(char, char)] = &[
    ('о', 'а'),
    ('е', 'и'),
    ('е', 'я'),
    ('и', 'я'),
    ('е', 'э'),
    ('и', 'ы'),
    ('у', 'ю'),
    ('б', 'п'),
    ('в', 'ф'),
    ('г', 'к'),
    ('д', 'т'),
    ('ж', 'ш'),
    ('з', 'с'),
    ('ш', 'щ'),
    ('ц', 'с'),
    ('ь', 'ъ'),
    ('й', 'и'),
    ('й', 'у'),
    ('c', 'k'),
    ('s', 'z'),
    ('f', 'v'),
];

fn is_vowel(c: char) -> bool {
    matches!(c, 'а' | 'е' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'ь' | 'ъ' | 'й' | 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

fn phonetic_pair(x: char, y: char) -> bool {
    (x.is_ascii() && y.is_ascii() && is_vowel(x) && is_vowel(y)) || PHONETIC.iter().any(|&(a, b)| (a, b) == (x, y) || (b, a) == (x, y))
}

/// Stricter similarity for a word that identifies a listed profession: the edit must be one
/// people make when typing or spelling by ear — a sound-alike letter (0.5), a doubled
/// letter added or dropped (0.5), a vowel added or dropped or two letters swapped (1). Any other edit (`подиатр` → `педиатр`,
/// `рабиолог` → `радиолог`) caps the similarity at [`IDENTITY_CAP`]. `sim` is the plain score.
pub fn identity_similarity(a: &str, b: &str, sim: f32) -> f32 {
    if sim <= 0.0 || sim >= 1.0 || a.starts_with(b) || b.starts_with(a) {
        return sim;
    }
    // Words are short: the letters and the three DP rows live on the stack; only a word longer
    // than the buffers (never a real one) takes the heap.
    const N: usize = WORD_BUF;
    let (mut ab, mut bb) = (['\0'; N], ['\0'; N]);
    let (distance, len) = match (on_stack(a, &mut ab), on_stack(b, &mut bb)) {
        (Some(a), Some(b)) => {
            let [x, y, z] = &mut [[0.0f32; N + 1]; 3];
            (typo_distance(a, b, [x, y, z]), a.len().max(b.len()))
        }
        _ => {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let [x, y, z] = &mut [(); 3].map(|_| vec![0.0f32; b.len() + 1]);
            (typo_distance(&a, &b, [x, y, z]), a.len().max(b.len()))
        }
    };
    let soft = 1.0 - distance / len as f32;
    if soft >= FUZZY_MIN {
        // In a long word one typo-like slip leaves no doubt what was meant ("педиатор",
        // "pediatritian"): it costs half what its share of the letters says.
        if len >= TYPO_SURE_LEN {
            1.0 - (1.0 - soft) / 2.0
        } else {
            soft
        }
    } else {
        sim.min(IDENTITY_CAP)
    }
}

/// The weighted edit distance of [`identity_similarity`], three rolling rows (the swap of two
/// letters looks two rows back).
fn typo_distance(a: &[char], b: &[char], rows: [&mut [f32]; 3]) -> f32 {
    const HARD: f32 = 100.0;
    let indel = |s: &[char], i: usize| -> f32 {
        let c = s[i];
        if (i > 0 && s[i - 1] == c) || s.get(i + 1) == Some(&c) {
            0.5
        } else if is_vowel(c) {
            1.0
        } else {
            HARD
        }
    };
    let [mut two_back, mut prev, mut cur] = rows;
    prev[0] = 0.0;
    for j in 1..=b.len() {
        prev[j] = prev[j - 1] + indel(b, j - 1);
    }
    for i in 1..=a.len() {
        cur[0] = prev[0] + indel(a, i - 1);
        for j in 1..=b.len() {
            let sub = if a[i - 1] == b[j - 1] {
                0.0
            } else if phonetic_pair(a[i - 1], b[j - 1]) {
                0.5
            } else {
                HARD
            };
            let mut v = (prev[j - 1] + sub).min(prev[j] + indel(a, i - 1)).min(cur[j - 1] + indel(b, j - 1));
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(two_back[j - 2] + 1.0);
            }
            cur[j] = v;
        }
        (two_back, prev, cur) = (prev, cur, two_back);
    }
    prev[b.len()]
}

/// Combines recall and precision into one score in [0, 1].
pub fn combine(recall: f32, precision: f32) -> f32 {
    (recall * (PRECISION_FLOOR + (1.0 - PRECISION_FLOOR) * precision)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_soft_sign_left_out_is_the_same_word() {
        let sim = |a: &str, b: &str| word_similarity(a, a.chars().count(), b, b.chars().count(), true);
        assert!(sim("мобилн", "мобильн") > sim("мобилн", "мобил"));
        assert!(sim("мобилн", "мобильн") < 1.0);
        // (Other letters are no sign: a real edit costs as before.)
        assert!(sim("мобилн", "мобиан") < sim("мобилн", "мобильн"));
    }

    #[test]
    fn bounded_osa_agrees_with_strsim() {
        let words = [
            "нейрохирург",
            "нейрохерург",
            "нейрохирургия",
            "хирург",
            "онколог",
            "онкалог",
            "ca",
            "abc",
            "acb",
            "педиатр",
            "подиатр",
            "developer",
            "devloper",
            "devolepr",
            "",
        ];
        for a in words {
            for b in words {
                let d = strsim::osa_distance(a, b);
                for k in 0..5 {
                    assert_eq!(bounded_osa(a, b, k), (d <= k).then_some(d), "{a:?} {b:?} k={k}");
                }
            }
        }
    }

    fn sim(a: &str, b: &str) -> f32 {
        word_similarity(a, a.chars().count(), b, b.chars().count(), true)
    }

    #[test]
    fn typos_match_but_other_words_do_not() {
        assert!(sim("гематалог", "гематолог") > 0.85);
        assert!(sim("неанатолог", "неонатолог") > 0.85);
        assert!(sim("ilustrator", "illustrator") > 0.85);
        assert!(sim("sofwar", "softwar") > 0.8);
        assert_eq!(sim("хирург", "нейрохирург"), 0.0);
        assert_eq!(sim("педагог", "педиатр"), 0.0);
        assert_eq!(sim("лор", "лес"), 0.0);
    }

    #[test]
    fn adjectives_do_not_name_the_person() {
        assert_eq!(sim("онкологическ", "онколог"), DERIVED_SIM);
        assert_eq!(sim("конструкторск", "конструктор"), DERIVED_SIM);
        assert!(sim("фармацевтическ", "фармацевтик") > 0.8);
    }

    #[test]
    fn identity_words_take_only_typo_like_edits() {
        let id = |a: &str, b: &str| identity_similarity(a, b, sim(a, b));
        assert!(id("эндокринолок", "эндокринолог") > 0.95);
        assert!(id("онкалог", "онколог") > 0.9);
        assert!(id("педиатор", "педиатр") >= 0.87);
        assert!(id("онклоог", "онколог") >= 0.85);
        assert!(id("подиатр", "педиатр") <= IDENTITY_CAP);
        assert!(id("рабиолог", "радиолог") <= IDENTITY_CAP);
        assert!(id("рабиолог", "радиолог") >= FUZZY_MIN);
        // A long word's typo-like slip costs half ("педиатор" reads almost as "педиатр"); a
        // short word's costs in full.
        assert!(id("педиатор", "педиатр") > 0.93);
        assert!(id("онкалог", "онколог") < 0.93);
    }

    #[test]
    fn identity_edits_read_the_same_beyond_the_stack_buffers() {
        // Past the stack buffers the letters and rows move to the heap; the distance must not
        // change.
        let long = "х".repeat(WORD_BUF + 5);
        let typo = identity_similarity(&format!("{long}онкалог"), &format!("{long}онколог"), 0.9);
        let len = (long.chars().count() + 7) as f32;
        // а/о sound alike: half an edit, and in a word this long at half its cost.
        assert!((typo - (1.0 - 0.25 / len)).abs() < 1e-6, "{typo}");
        let other = identity_similarity(&format!("{long}рабиолог"), &format!("{long}радиолог"), 0.9);
        assert!(other <= IDENTITY_CAP, "{other}");
        let swap = identity_similarity(&format!("онклоог{long}"), &format!("онколог{long}"), 0.9);
        assert!((swap - (1.0 - 0.5 / len)).abs() < 1e-6, "{swap}");
    }

    #[test]
    fn transposition_is_one_edit() {
        assert!(sim("онклоог", "онколог") >= 0.85);
    }

    #[test]
    fn long_shared_beginning_matches() {
        assert!(sim("фармацевтик", "фармацевтическ") > 0.8);
        assert!(sim("сист", "систем") > 0.8);
        assert_eq!(sim("лазер", "лазерщик"), 0.0);
    }

    #[test]
    fn combine_stays_in_range() {
        assert_eq!(combine(1.0, 1.0), 1.0);
        assert_eq!(combine(0.0, 1.0), 0.0);
        assert!((combine(1.0, 0.0) - PRECISION_FLOOR).abs() < 1e-6);
        assert!(combine(0.9, 0.5) < combine(0.9, 1.0));
    }
}
