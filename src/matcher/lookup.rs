//! Finding the vocabulary entries a query word may be: the exact stem, or fuzzy neighbours.

use super::*;

thread_local! {
    /// Per vocabulary entry: how many of a word's bigram lists hold it, while one word is looked
    /// up (all zero between lookups).
    static COUNTS: std::cell::RefCell<Vec<u16>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Fuzzy neighbours kept per word, best first: enough that ties at one edit are not cut off.
const MAX_FUZZY_HITS: usize = 10;
/// A compound is read as its listed head only from this many letters, with a combining form of
/// at least `COMPOUND_MIN_PREFIX` letters and a head of at least `COMPOUND_MIN_HEAD`.
const COMPOUND_MIN_LEN: usize = 11;
const COMPOUND_MIN_PREFIX: usize = 3;
const COMPOUND_MIN_HEAD: usize = 7;
/// How well a compound reads as a specialty whose compounds are its subspecialties.
const COMPOUND_SUBSPECIALTY: f32 = 0.95;
/// Stems up to this long also match the same stem one or two letters longer.
const EXTEND_MAX_LEN: usize = 5;

impl Matcher {
    /// Vocabulary entries like `stem`: the exact one if known, else fuzzy neighbours.
    pub(super) fn lookup(&self, stem: &str, len: usize, allow_prefix: bool) -> Vec<(u32, f32)> {
        // A word only topics know (`онкологиялык`) is still read as the listed names it is near.
        let topic_word = self.vocab.id(stem).filter(|&id| self.topic_word[id as usize]);
        if let Some(id) = topic_word {
            let mut hits = self.fuzzy(stem, len, allow_prefix);
            hits.retain(|h| h.0 != id && self.listed_vocab.binary_search(&h.0).is_ok());
            hits.insert(0, (id, 1.0));
            hits.truncate(MAX_FUZZY_HITS);
            return hits;
        }
        if let Some(id) = self.vocab.id(stem) {
            // The stemmer cuts some short words deeper in some forms (`систем` → `сист`): the
            // same word cut one or two letters later is also this word. Longer stems are whole
            // words of their own (`фармацевт` is not `фармацевтика`).
            let mut hits = vec![(id, 1.0)];
            // (Russian only: the English stemmer's deep cuts are other words — `autom` of
            // "automation" is no `automot` of "automotive".)
            if allow_prefix && (similarity::FUZZY_MIN_LEN..=EXTEND_MAX_LEN).contains(&len) && !stem.is_ascii() {
                let start = self.sorted_vocab.partition_point(|id| &self.vocab[*id as usize] < stem);
                for vid in self.sorted_vocab[start..].iter().take_while(|id| self.vocab[**id as usize].starts_with(stem)) {
                    let v = &self.vocab[*vid as usize];
                    let vl = self.vocab_len[*vid as usize];
                    if (len + 1..=len + 2).contains(&vl) && !self.joined[*vid as usize] {
                        hits.push((*vid, similarity::word_similarity(stem, len, v, vl, true)));
                    }
                }
            }
            return hits;
        }
        let mut hits = self.fuzzy(stem, len, allow_prefix);
        if hits.is_empty() && allow_prefix {
            hits.extend(self.compound_head(stem, len));
        }
        hits
    }

    /// A compound made of a combining form and a listed specialty (`кардиоанестезиолог`,
    /// `нейрорадиолог`) reads as the specialty — fully where the lexicon says its compounds are
    /// subspecialties of it, else only weakly (a question, never "listed": `нейропедиатр` is a
    /// child neurologist).
    fn compound_head(&self, stem: &str, len: usize) -> Option<(u32, f32)> {
        if len < COMPOUND_MIN_LEN {
            return None;
        }
        stem.char_indices().skip(COMPOUND_MIN_PREFIX).take_while(|(i, _)| stem.len() - i >= 3).find_map(|(i, _)| {
            let tail = &stem[i..];
            let id = self.vocab.id(tail)?;
            let sim = if self.compound_heads.contains(tail) { COMPOUND_SUBSPECIALTY } else { similarity::IDENTITY_CAP - 0.04 };
            (self.owner[id as usize].is_some() && self.vocab_len[id as usize] >= COMPOUND_MIN_HEAD).then_some((id, sim))
        })
    }

    /// The vocabulary ids (in id order) of words of one length holding one bigram.
    fn gram_list(&self, slot: usize) -> &[u32] {
        &self.gram_ids[self.gram_starts[slot] as usize..self.gram_starts[slot + 1] as usize]
    }

    /// Fuzzy neighbours of `stem` through the bigram index, best first.
    fn fuzzy(&self, stem: &str, len: usize, allow_prefix: bool) -> Vec<(u32, f32)> {
        if len < similarity::FUZZY_MIN_LEN {
            return Vec::new();
        }
        // Candidates come from the bigram index, not a scan: a word within k edits keeps all but
        // at most 3k of the query's q bigrams (a swap breaks three), so it stands in at least
        // q − 3k of their lists (counted in a per-thread scratch array). Then the length, the
        // letter signature (k edits change at most 2k of its bits) and finally the edit distance.
        let max_edits = (((1.0 - similarity::FUZZY_MIN) * (len + 3) as f32).floor() as usize).min(3);
        let sig = signature(stem);
        let max_bits = 2 * max_edits as u32;
        let lo = len.saturating_sub(max_edits).max(similarity::FUZZY_MIN_LEN);
        // The lists are kept per word length, so only the lengths within reach are counted.
        let query_grams = bigrams(stem);
        let mut hits: Vec<(u32, f32)> = Vec::new();
        COUNTS.with(|counts| {
            let mut counts = counts.borrow_mut();
            if counts.len() < self.vocab.len() {
                counts.resize(self.vocab.len(), 0);
            }
            let mut touched: Vec<u32> = Vec::new();
            let mut lists: Vec<&[u32]> = Vec::with_capacity(query_grams.len());
            for vl in lo..=len + max_edits {
                // The edits a pair of these lengths may differ by (as `word_similarity` allows).
                let k = ((1.0 - similarity::FUZZY_MIN) * len.max(vl) as f32).floor() as usize;
                if vl.abs_diff(len) > k {
                    continue;
                }
                lists.clear();
                lists.extend(query_grams.iter().map(|g| self.gram_list(gram_slot(*g, vl))));
                let need = lists.len().saturating_sub(3 * k).max(1);
                // Every word holding `need` of the lists is in one of the `q − need + 1`
                // shortest: those are counted in full, the long ones (common bigrams) only
                // probed for those candidates.
                lists.sort_unstable_by_key(|l| l.len());
                let (short, long) = lists.split_at(lists.len() + 1 - need);
                touched.clear();
                for l in short {
                    for &id in *l {
                        let c = &mut counts[id as usize];
                        if *c == 0 {
                            touched.push(id);
                        }
                        *c = c.saturating_add(1);
                    }
                }
                for &id in &touched {
                    let mut c = std::mem::take(&mut counts[id as usize]) as usize;
                    if (sig ^ self.sigs[id as usize]).count_ones() > max_bits || c + long.len() < need {
                        continue;
                    }
                    c += long.iter().filter(|l| l.binary_search(&id).is_ok()).count();
                    if c < need {
                        continue;
                    }
                    let s = similarity::word_similarity(stem, len, &self.vocab[id as usize], vl, allow_prefix);
                    if s > 0.0 {
                        hits.push((id, s));
                    }
                }
            }
        });
        if allow_prefix && len >= 6 {
            self.prefix_neighbours(stem, len, 0, &mut hits);
        }
        // Words that alone identify a listed profession take only typo-like edits; any word
        // reached by typo-like edits alone (a sound-alike vowel: `неанатолог`) reads as well
        // as those edits say.
        for h in hits.iter_mut() {
            let typo = similarity::identity_similarity(stem, &self.vocab[h.0 as usize], h.1);
            h.1 = if self.identity[h.0 as usize] { typo } else { h.1.max(typo) };
        }
        hits.sort_by(|a, b| b.1.total_cmp(&a.1));
        hits.truncate(MAX_FUZZY_HITS);
        hits
    }

    /// Words sharing the first six letters with `stem` (string order makes them a range), whose
    /// length differs by more than `skip_within` (those were already compared), not joined forms.
    /// Only for words not known as such: a known word (`фармацевт`) is not read as another that
    /// begins like it (`фармацевтический`).
    pub(super) fn prefix_neighbours(&self, stem: &str, len: usize, skip_within: usize, hits: &mut Vec<(u32, f32)>) {
        let head: String = stem.chars().take(6).collect();
        let start = self.sorted_vocab.partition_point(|id| &self.vocab[*id as usize] < head.as_str());
        for &id in self.sorted_vocab[start..].iter().take_while(|id| self.vocab[**id as usize].starts_with(head.as_str())) {
            let vl = self.vocab_len[id as usize];
            if vl.abs_diff(len) <= skip_within || self.joined[id as usize] || hits.iter().any(|h| h.0 == id) {
                continue;
            }
            let s = similarity::word_similarity(stem, len, &self.vocab[id as usize], vl, true);
            if s > 0.0 && s < 1.0 {
                hits.push((id, s));
            }
        }
    }
}

/// Letters the fuzzy index tells apart: start and end marks, Latin, digits, Russian and
/// Kazakh; anything else shares one slot (such words are rare and still verified by distance).
const ALPHABET: usize = 81;
/// Words this long and longer share a length slot.
const MAX_LEN_SLOT: usize = 40;
/// Slots of the fuzzy index: every bigram of the alphabet for every length.
pub(super) const GRAM_SLOTS: usize = ALPHABET * ALPHABET * (MAX_LEN_SLOT + 1);

/// [`letter_of`] for the characters a table holds (ASCII and the Cyrillic block), else computed.
fn letter(c: char) -> usize {
    let u = c as usize;
    if u < 128 {
        ASCII_LETTERS[u] as usize
    } else if (0x400..0x500).contains(&u) {
        CYRILLIC_LETTERS[u - 0x400] as usize
    } else {
        letter_of(c)
    }
}

/// [`letter_of`] laid out for ASCII and for the Cyrillic block (U+0400…U+04FF).
static ASCII_LETTERS: [u8; 128] = letters_from(0);
static CYRILLIC_LETTERS: [u8; 256] = letters_from(0x400);

const fn letters_from<const N: usize>(base: u32) -> [u8; N] {
    let mut t = [0u8; N];
    let mut i = 0;
    while i < N {
        t[i] = match char::from_u32(base + i as u32) {
            Some(c) => letter_of(c) as u8,
            None => (ALPHABET - 1) as u8,
        };
        i += 1;
    }
    t
}

const fn letter_of(c: char) -> usize {
    match c {
        '^' => 0,
        '$' => 1,
        'a'..='z' => 2 + (c as usize - 'a' as usize),
        '0'..='9' => 28 + (c as usize - '0' as usize),
        'а'..='я' => 38 + (c as usize - 'а' as usize),
        'ё' => 70,
        'ә' => 71,
        'ғ' => 72,
        'қ' => 73,
        'ң' => 74,
        'ө' => 75,
        'ұ' => 76,
        'ү' => 77,
        'һ' => 78,
        'і' => 79,
        _ => 80,
    }
}

/// The distinct bigrams of a word with its start and end marked (`^н`, `не`, …, `г$`), as
/// bigram numbers (see [`gram_slot`]).
pub(super) fn bigrams(w: &str) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(w.len() + 1);
    bigrams_into(w, &mut out);
    out
}

/// [`bigrams`] into a buffer the caller keeps (the index builds thousands).
pub(super) fn bigrams_into(w: &str, out: &mut Vec<u32>) {
    out.clear();
    // Bigrams seen, hashed to one bit each: only a bit already set needs the list searched
    // (the index builds some 27,000 words' bigrams at start-up).
    let mut seen = 0u64;
    let mut prev = letter('^');
    for c in w.chars().chain(std::iter::once('$')) {
        let l = letter(c);
        let k = (prev * ALPHABET + l) as u32;
        let bit = 1u64 << (k.wrapping_mul(2654435761) >> 26);
        if seen & bit == 0 || !out.contains(&k) {
            seen |= bit;
            out.push(k);
        }
        prev = l;
    }
}

/// A bigram's slot in the index for words of `len` letters.
pub(super) fn gram_slot(gram: u32, len: usize) -> usize {
    len.min(MAX_LEN_SLOT) * ALPHABET * ALPHABET + gram as usize
}

/// Which letters a word has, hashed into 64 bits.
pub(super) fn signature(w: &str) -> u64 {
    w.chars().fold(0u64, |acc, c| acc | 1u64 << ((c as u32).wrapping_mul(2654435761) >> 26))
}

#[cfg(test)]
mod tests {
    use super::super::tests::m;
    use super::*;

    #[test]
    fn letter_tables_agree_with_the_rule() {
        for c in (0u32..0x600).filter_map(char::from_u32).chain(['ə', 'ı', '€', '😀']) {
            assert_eq!(letter(c), letter_of(c), "{c:?}");
        }
    }

    /// The bigram index loses nothing a full scan would find: for edited forms of vocabulary
    /// words (a letter changed, dropped, added, two swapped), every entry within the fuzzy
    /// threshold that a scan of the whole vocabulary finds is among the lookup's candidates.
    #[test]
    fn the_index_finds_what_a_scan_finds() {
        let m = m();
        let mut checked = 0;
        for (i, v) in m.vocab.iter().enumerate().step_by(61) {
            let chars: Vec<char> = v.chars().collect();
            if chars.len() < 6 || m.joined[i] {
                continue;
            }
            let k = chars.len() / 2;
            let mut variants = Vec::new();
            let mut sub = chars.clone();
            sub[k] = if sub[k] == 'x' { 'y' } else { 'x' };
            variants.push(sub);
            let mut del = chars.clone();
            del.remove(k);
            variants.push(del);
            let mut ins = chars.clone();
            ins.insert(k, 'q');
            variants.push(ins);
            let mut swap = chars.clone();
            swap.swap(k, k + 1);
            variants.push(swap);
            for w in variants {
                let w: String = w.into_iter().collect();
                if m.vocab.id(&w).is_some() {
                    continue;
                }
                let len = w.chars().count();
                let found: Vec<u32> = m.lookup(&w, len, false).into_iter().map(|h| h.0).collect();
                let max_edits = (((1.0 - similarity::FUZZY_MIN) * (len + 3) as f32).floor() as usize).min(3);
                let mut scan: Vec<(u32, f32)> = (0..m.vocab.len() as u32)
                    .filter(|&id| m.vocab_len[id as usize].abs_diff(len) <= max_edits)
                    .map(|id| (id, similarity::word_similarity(&w, len, &m.vocab[id as usize], m.vocab_len[id as usize], false)))
                    .filter(|(_, s)| *s > 0.0)
                    .collect();
                scan.sort_by(|a, b| b.1.total_cmp(&a.1));
                // The lookup keeps the best few; the scan's best must be among them.
                if let Some((best, s)) = scan.first() {
                    assert!(found.contains(best), "{w:?}: scan found {:?} ({s}), lookup {found:?}", &m.vocab[*best as usize]);
                }
                checked += 1;
            }
        }
        assert!(checked > 80, "only {checked} edited words checked");
    }
}
