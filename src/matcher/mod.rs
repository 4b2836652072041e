//! The matcher: free text in, a verdict out — listed (with the code), unsure (with candidates to
//! ask about) or not listed (with the nearest listed professions). Pure library code: it knows
//! nothing of Telegram.
//!
//! normalize → variants (as typed, wrong layout, transliterated) → words and stems → candidate
//! phrases from an inverted index → score (see `score`) → verdict. The index holds the listed
//! professions' names and aliases, the generic words of `data/lexicon.toml`, and the vocabulary of
//! occupations that are not on the list; all three compete, so a query closest to "хирург" is
//! answered "not listed" rather than fuzzily matched to "нейрохирург".

pub mod layout;
pub mod morph;
pub mod normalize;
pub mod score;
pub mod translit;

use crate::catalog::{Catalog, Code, PerLang, Profession};
use crate::lang::Lang;
use morph::Morph;
use normalize::{Script, Word};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;
use std::sync::Arc;

/// A listed profession needs at least this score to be answered "listed". Below it the best we
/// can say is "unsure". Set on the labelled set as the lowest value that keeps false "listed"
/// answers at zero while official names with one typo or an extra word still pass.
pub const LISTED_MIN: f32 = 0.86;
/// …and must lead the next listed profession by this much; otherwise the user is asked.
pub const LISTED_MARGIN: f32 = 0.04;
/// Below this nothing on the list is near enough to ask about: "not listed".
pub const UNSURE_MIN: f32 = 0.5;
/// A generic word ("врач", "developer") wins when it scores at least this and no listed
/// profession beats it.
pub const GENERIC_MIN: f32 = 0.75;
/// An occupation that is not on the list wins when it scores at least this and is within
/// [`TIE`] of the best listed one: in a tie the safe answer is "not listed".
pub const NOT_LISTED_MIN: f32 = 0.7;
pub const TIE: f32 = 0.02;
/// Wrong-layout and transliterated readings score a little less than the text as typed, so a real
/// word is never outvoted by an accidental reading of it.
pub const VARIANT_PENALTY: f32 = 0.97;
/// Seniority, stack and similar qualifier words weigh this fraction of a normal word.
pub const QUALIFIER_WEIGHT: f32 = 0.2;
/// At most this many candidates in a clarifying question.
pub const MAX_CANDIDATES: usize = 10;
/// Suggestions with a "not listed" answer.
pub const NEAR_CANDIDATES: usize = 3;
/// Only this many words of a query are matched (a job title and its frame fit well within).
pub const MAX_WORDS: usize = 24;
/// A shortened official name ("инженер неорганических веществ") is listed when every word of
/// the query belongs to one phrase, that phrase covers at least this share of its weight, and one
/// of the words is distinctive of the profession (no other target uses it) — and nothing else on
/// the list comes within [`PARTIAL_MARGIN`].
pub const PARTIAL_RECALL_MIN: f32 = 0.6;
pub const PARTIAL_MARGIN: f32 = 0.1;
/// Fuzzy neighbours kept per word, best first: enough that ties at one edit are not cut off.
const MAX_FUZZY_HITS: usize = 10;
/// Stems up to this long also match the same stem one or two letters longer.
const EXTEND_MAX_LEN: usize = 5;
/// Words shorter than this are not joined with a neighbour (abbreviations like `ии`, `ml`).
const JOIN_MIN_CHARS: usize = 3;
/// A distinctive word counts only when matched this well (exact, or a one-letter typo).
pub const DISTINCTIVE_SIM: f32 = 0.85;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    Listed,
    Unsure,
    NotListed,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Listed => "listed",
            VerdictKind::Unsure => "unsure",
            VerdictKind::NotListed => "not_listed",
        }
    }
}

/// Why the verdict is what it is; the reply uses it to word the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Reason {
    /// Matched a name or alias of the profession.
    Name,
    /// A code typed by the user that is on the list.
    Code,
    /// A generic word that fits several listed professions.
    Generic,
    /// Several listed professions fit equally well.
    Ambiguous,
    /// Something on the list is near, but not near enough to say so.
    Weak,
    /// A unit group or short code: its listed members are offered.
    CodeGroup(String),
    /// A code that is not on the list.
    CodeNotListed(String),
    /// Recognised as an occupation that is not on the list.
    OtherOccupation,
    /// Nothing recognisable (chat, garbage, empty).
    NotUnderstood,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub code: Code,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub kind: VerdictKind,
    pub code: Option<Code>,
    pub candidates: Vec<Candidate>,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Listed(u16),
    NotListed(u16),
    Generic(u16),
}

struct Phrase {
    target: Target,
    tokens: Vec<u32>,
    weights: Vec<f32>,
    total: f32,
}

/// An analysed query word: its stem and whether it is a qualifier.
struct QWord {
    stem: String,
    len: usize,
    qualifier: bool,
}

/// A piece of the query matched against the vocabulary: one word, or two adjacent words joined
/// (`нейро хирург` → `нейрохирург`).
struct Unit {
    first: usize,
    last: usize,
    hits: Vec<(u32, f32)>,
}

#[derive(Default)]
struct Scores {
    listed: Vec<f32>,
    /// Per listed profession: the best recall of a phrase that explains the whole query and
    /// shares a distinctive word with it (see `Matcher::owner`).
    partial: Vec<f32>,
    /// Per listed profession: whether the query has one of its distinctive words.
    distinct: Vec<bool>,
    /// Query words with no exact match in the vocabulary.
    unknown: usize,
    not_listed: (f32, Option<u16>),
    generic: (f32, Option<u16>),
}

impl Scores {
    fn top(&self) -> f32 {
        let l = self.listed.iter().copied().fold(0.0, f32::max);
        l.max(self.not_listed.0).max(self.generic.0)
    }
}

pub struct Matcher {
    catalog: Arc<Catalog>,
    morph: Morph,
    vocab: Vec<String>,
    /// Length of each vocabulary entry in characters.
    vocab_len: Vec<usize>,
    vocab_ids: HashMap<String, u32>,
    weight: Vec<f32>,
    postings: Vec<Vec<u32>>,
    /// For each vocabulary entry, the one listed profession that alone uses it, if any
    /// (`неорганическ` → 2145-9-005): such a word identifies the profession on its own.
    owner: Vec<Option<u16>>,
    /// Vocabulary entries used by listed phrases: where "near" suggestions are looked for.
    listed_vocab: Vec<u32>,
    phrases: Vec<Phrase>,
    stopwords: HashSet<String>,
    qualifiers: HashSet<String>,
    abbreviations: Vec<(String, Vec<Word>, bool)>,
    unknown_weight: f32,
    pending_joined: Vec<(String, Target)>,
    /// Vocabulary ids in string order, for looking up the words a stem begins.
    sorted_vocab: Vec<u32>,
    /// Vocabulary entries that exist only as joined forms of phrases (`webdeveloper`).
    joined: Vec<bool>,
    /// Letter signatures of the vocabulary (see [`signature`]).
    sigs: Vec<u64>,
    /// The professions each generic target asks about: the lexicon's generic words, then the
    /// education fields.
    generic_codes: Vec<Vec<Code>>,
    /// Vocabulary ids by length in characters.
    by_len: Vec<Vec<u32>>,
    /// Stems of words already seen while building the index (many words repeat), for words
    /// read as Russian/English and as Kazakh.
    stem_cache: [HashMap<String, String>; 2],
}

impl Matcher {
    pub fn new(catalog: Arc<Catalog>) -> Matcher {
        let lex = &catalog.lexicon;
        let folded_set = |p: &PerLang| -> HashSet<String> { p.iter().map(|(_, w)| normalize::word(w).folded).collect() };
        let mut m = Matcher {
            morph: Morph::default(),
            vocab: Vec::new(),
            vocab_len: Vec::new(),
            stem_cache: Default::default(),
            vocab_ids: HashMap::default(),
            weight: Vec::new(),
            postings: Vec::new(),
            owner: Vec::new(),
            listed_vocab: Vec::new(),
            phrases: Vec::new(),
            stopwords: folded_set(&lex.stopwords),
            qualifiers: folded_set(&lex.qualifiers),
            abbreviations: lex
                .abbreviations
                .iter()
                .map(|a| (if a.exact_case { a.from.clone() } else { normalize::word(&a.from).folded }, normalize::words(&a.to), a.exact_case))
                .collect(),
            unknown_weight: 1.0,
            pending_joined: Vec::new(),
            sorted_vocab: Vec::new(),
            joined: Vec::new(),
            sigs: Vec::new(),
            by_len: Vec::new(),
            generic_codes: Vec::new(),
            catalog: catalog.clone(),
        };
        let add = |m: &mut Matcher, text: &str, target: Target| m.add_phrase(text, target);
        for (i, p) in catalog.professions.iter().enumerate() {
            let t = Target::Listed(i as u16);
            for lang in Lang::ALL {
                add(&mut m, p.name.get(lang), t);
            }
            for (_, a) in p.aliases.iter() {
                add(&mut m, a, t);
            }
        }
        for (i, g) in lex.generic.iter().enumerate() {
            for (_, term) in g.terms.iter() {
                add(&mut m, term, Target::Generic(i as u16));
            }
            m.generic_codes.push(g.codes.clone());
        }
        // An education field's name ("креативные индустрии", "healthcare") is a generic word too:
        // it asks which of the field's professions is meant.
        for (_, (field, members)) in catalog.by_field() {
            let i = m.generic_codes.len() as u16;
            for lang in Lang::ALL {
                add(&mut m, field.name.get(lang), Target::Generic(i));
            }
            m.generic_codes.push(members.iter().map(|p| p.code.clone()).collect());
        }
        for (i, g) in catalog.not_listed.iter().enumerate() {
            for (_, term) in g.terms.iter() {
                add(&mut m, term, Target::NotListed(i as u16));
            }
        }
        m.finish();
        m
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    fn cached_stem(&mut self, w: &Word) -> String {
        let cache = &mut self.stem_cache[w.kazakh as usize];
        if let Some(s) = cache.get(w.folded.as_str()) {
            return s.clone();
        }
        let s = self.morph.stem(w);
        cache.insert(w.folded.clone(), s.clone());
        s
    }

    fn intern(&mut self, stem: String) -> u32 {
        if let Some(&id) = self.vocab_ids.get(&stem) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab_len.push(stem.chars().count());
        self.vocab.push(stem.clone());
        self.vocab_ids.insert(stem, id);
        self.postings.push(Vec::new());
        id
    }

    fn add_phrase(&mut self, text: &str, target: Target) {
        let words = self.analyze(text);
        if words.is_empty() {
            return;
        }
        let stems: Vec<(String, bool)> = words.iter().map(|(w, q)| (self.cached_stem(w), *q)).collect();
        // "web developer" is also typed "webdeveloper": the joined form of short phrases is
        // indexed too, once all real words are in (see `finish`). It is the words as written
        // with only the last one stemmed, as for two query words typed apart (`score_text`).
        if (2..=3).contains(&words.len()) && words.iter().all(|w| w.0.folded.chars().count() >= JOIN_MIN_CHARS) {
            let mut joined: String = words[..words.len() - 1].iter().map(|w| w.0.folded.as_str()).collect();
            joined.push_str(&stems[stems.len() - 1].0);
            self.pending_joined.push((joined, target));
        }
        self.push_phrase(stems, target);
    }

    fn push_phrase(&mut self, stems: Vec<(String, bool)>, target: Target) {
        let id = self.phrases.len() as u32;
        let mut tokens = Vec::new();
        let mut quals = Vec::new();
        for (stem, q) in stems {
            let t = self.intern(stem);
            if !tokens.contains(&t) {
                tokens.push(t);
                quals.push(q);
                self.postings[t as usize].push(id);
            }
        }
        if matches!(target, Target::Listed(_)) {
            self.listed_vocab.extend(&tokens);
        }
        let weights = quals.iter().map(|&q| if q { QUALIFIER_WEIGHT } else { 1.0 }).collect();
        self.phrases.push(Phrase { target, tokens, weights, total: 0.0 });
    }

    /// Joined forms, then inverse document frequencies once every phrase is in.
    fn finish(&mut self) {
        // A joined form that stems to a real word (`инженер`+`ии` → `инженерии` → `инженер`)
        // would turn that word into this phrase: skip those.
        let real_words = self.vocab.len();
        for (stem, target) in std::mem::take(&mut self.pending_joined) {
            if self.vocab_ids.get(&stem).is_none_or(|&id| id as usize >= real_words) {
                self.push_phrase(vec![(stem, false)], target);
            }
        }
        self.joined = (0..self.vocab.len()).map(|i| i >= real_words).collect();
        self.sigs = self.vocab.iter().map(|v| signature(v)).collect();
        self.by_len = vec![Vec::new(); self.vocab_len.iter().max().map_or(0, |m| m + 1)];
        for (id, &l) in self.vocab_len.iter().enumerate() {
            self.by_len[l].push(id as u32);
        }
        self.stem_cache = Default::default();
        let n = self.phrases.len().max(1) as f32;
        self.weight = self.postings.iter().map(|p| (1.0 + n / p.len().max(1) as f32).ln()).collect();
        self.unknown_weight = (1.0 + n).ln();
        for p in &mut self.phrases {
            for (w, t) in p.weights.iter_mut().zip(&p.tokens) {
                *w *= self.weight[*t as usize];
            }
            p.total = p.weights.iter().sum();
        }
        self.owner = self
            .postings
            .iter()
            .map(|ps| {
                let mut it = ps.iter().map(|p| self.phrases[*p as usize].target);
                match it.next() {
                    Some(Target::Listed(i)) if it.all(|t| matches!(t, Target::Listed(j) if j == i)) => Some(i),
                    _ => None,
                }
            })
            .collect();
        self.sorted_vocab = (0..self.vocab.len() as u32).collect();
        self.sorted_vocab.sort_unstable_by(|a, b| self.vocab[*a as usize].cmp(&self.vocab[*b as usize]));
        self.listed_vocab.sort_unstable();
        self.listed_vocab.dedup();
    }

    /// Words of a text after abbreviations and stopwords, each flagged as qualifier or not.
    fn analyze(&self, text: &str) -> Vec<(Word, bool)> {
        let mut out = Vec::new();
        for raw in text.split(|c: char| !normalize::is_word_char(c)).filter(|w| !w.is_empty()) {
            let w = normalize::word(raw);
            let expanded = self.abbreviations.iter().find(|(from, _, exact)| if *exact { raw == from } else { w.folded == *from });
            let words = match expanded {
                Some((_, to, _)) => to.clone(),
                None => vec![w],
            };
            for w in words {
                // Single letters are left-overs (`I'm` → `i`, `m`), numbers are not occupations.
                if self.stopwords.contains(&w.folded) || w.folded.chars().all(|c| c.is_ascii_digit()) || w.folded.chars().nth(1).is_none() {
                    continue;
                }
                let q = self.qualifiers.contains(&w.folded);
                out.push((w, q));
                if out.len() >= MAX_WORDS {
                    return out;
                }
            }
        }
        out
    }

    /// Vocabulary entries like `stem`: the exact one if known, else fuzzy neighbours.
    fn lookup(&self, stem: &str, len: usize, allow_prefix: bool) -> Vec<(u32, f32)> {
        if let Some(&id) = self.vocab_ids.get(stem) {
            // The stemmer cuts some short words deeper in some forms (`систем` → `сист`): the
            // same word cut one or two letters later is also this word. Longer stems are whole
            // words of their own (`фармацевт` is not `фармацевтика`).
            let mut hits = vec![(id, 1.0)];
            if allow_prefix && (score::FUZZY_MIN_LEN..=EXTEND_MAX_LEN).contains(&len) {
                let start = self.sorted_vocab.partition_point(|id| self.vocab[*id as usize].as_str() < stem);
                for vid in self.sorted_vocab[start..].iter().take_while(|id| self.vocab[**id as usize].starts_with(stem)) {
                    let v = &self.vocab[*vid as usize];
                    let vl = self.vocab_len[*vid as usize];
                    if (len + 1..=len + 2).contains(&vl) && !self.joined[*vid as usize] {
                        hits.push((*vid, score::word_similarity(stem, len, v, vl, true)));
                    }
                }
            }
            return hits;
        }
        if len < score::FUZZY_MIN_LEN {
            return Vec::new();
        }
        // Cheap filters before the edit distance: only words of a near length (buckets), then the
        // letter signature (k edits change at most 2k of its bits); a long shared beginning is
        // looked up in string order.
        let max_edits = (((1.0 - score::FUZZY_MIN) * (len + 3) as f32).floor() as usize).min(3);
        let sig = signature(stem);
        let max_bits = 2 * max_edits as u32;
        let mut hits: Vec<(u32, f32)> = Vec::new();
        let lo = len.saturating_sub(max_edits).max(score::FUZZY_MIN_LEN);
        for bucket in self.by_len.iter().take(len + max_edits + 1).skip(lo) {
            for &id in bucket {
                if (sig ^ self.sigs[id as usize]).count_ones() <= max_bits {
                    let s = score::word_similarity(stem, len, &self.vocab[id as usize], self.vocab_len[id as usize], allow_prefix);
                    if s > 0.0 {
                        hits.push((id, s));
                    }
                }
            }
        }
        if allow_prefix && len >= 6 {
            self.prefix_neighbours(stem, len, max_edits, &mut hits);
        }
        hits.sort_by(|a, b| b.1.total_cmp(&a.1));
        hits.truncate(MAX_FUZZY_HITS);
        hits
    }

    /// Words sharing the first six letters with `stem` (string order makes them a range), whose
    /// length differs by more than `skip_within` (those were already compared), not joined forms.
    /// Only for words not known as such: a known word (`фармацевт`) is not read as another that
    /// begins like it (`фармацевтический`).
    fn prefix_neighbours(&self, stem: &str, len: usize, skip_within: usize, hits: &mut Vec<(u32, f32)>) {
        let head: String = stem.chars().take(6).collect();
        let start = self.sorted_vocab.partition_point(|id| self.vocab[*id as usize].as_str() < head.as_str());
        for &id in self.sorted_vocab[start..].iter().take_while(|id| self.vocab[**id as usize].starts_with(head.as_str())) {
            let vl = self.vocab_len[id as usize];
            if vl.abs_diff(len) <= skip_within || self.joined[id as usize] || hits.iter().any(|h| h.0 == id) {
                continue;
            }
            let s = score::word_similarity(stem, len, &self.vocab[id as usize], vl, true);
            if s > 0.0 && s < 1.0 {
                hits.push((id, s));
            }
        }
    }

    fn score_text(&self, text: &str, mut trace: Option<&mut Vec<(u32, f32, f32, f32)>>) -> Scores {
        let words = self.analyze(text);
        let n = self.catalog.professions.len();
        let mut sc = Scores { listed: vec![0.0; n], partial: vec![0.0; n], distinct: vec![false; n], ..Default::default() };
        if words.is_empty() {
            return sc;
        }
        let qwords: Vec<QWord> = words
            .iter()
            .map(|(w, q)| {
                let stem = self.morph.stem(w);
                QWord { len: stem.chars().count(), stem, qualifier: *q }
            })
            .collect();
        // Qualifiers ("senior", "детский") weigh little: they are only looked up exactly.
        let mut units: Vec<Unit> = qwords
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let hits = if q.qualifier {
                    self.vocab_ids.get(&q.stem).map(|&id| vec![(id, 1.0)]).unwrap_or_default()
                } else {
                    let mut hits = self.lookup(&q.stem, q.len, true);
                    // A typo can derail the stemmer (`мобильых` → `мобил`, far from `мобильн`):
                    // an unknown word is also compared as written.
                    let folded = &words[i].0.folded;
                    if !hits.iter().any(|h| h.1 >= 1.0) && folded != &q.stem {
                        for h in self.lookup(folded, folded.chars().count(), true) {
                            match hits.iter_mut().find(|x| x.0 == h.0) {
                                Some(x) => x.1 = x.1.max(h.1),
                                None => hits.push(h),
                            }
                        }
                    }
                    hits
                };
                Unit { first: i, last: i, hits }
            })
            .collect();
        // Words with no exact reading (qualifiers do not count): they make other readings of the
        // query worth trying, and let two words typed apart be looked up fuzzily as one.
        let unknown: Vec<bool> = units.iter().zip(&qwords).map(|(u, q)| !q.qualifier && !u.hits.iter().any(|h| h.1 >= 1.0)).collect();
        sc.unknown = unknown.iter().filter(|u| **u).count();
        for i in 0..words.len().saturating_sub(1) {
            if words[i].0.folded.chars().count() < JOIN_MIN_CHARS || words[i + 1].0.folded.chars().count() < JOIN_MIN_CHARS {
                continue;
            }
            let stem = format!("{}{}", words[i].0.folded, qwords[i + 1].stem);
            // Two words joined must spell a known word, not merely begin like one; a typo in the
            // joined form is only looked for when one of the parts is not a known word itself.
            let hits = if unknown[i] || unknown[i + 1] {
                self.lookup(&stem, stem.chars().count(), false)
            } else {
                self.vocab_ids.get(&stem).map(|&id| vec![(id, 1.0)]).unwrap_or_default()
            };
            if !hits.is_empty() {
                units.push(Unit { first: i, last: i + 1, hits });
            }
        }
        // Each query word weighs what its best-known reading weighs; unknown words weigh as much
        // as the rarest known word (an unexplained informative word is a reason for doubt).
        let qweights: Vec<f32> = qwords
            .iter()
            .enumerate()
            .map(|(j, q)| {
                let known = units
                    .iter()
                    .filter(|u| u.first <= j && j <= u.last)
                    .flat_map(|u| u.hits.iter().map(|(id, _)| self.weight[*id as usize]))
                    .fold(0.0f32, f32::max);
                let base = if known > 0.0 {
                    known
                } else if j > 0 && words[j].0.capitalized {
                    // A name inside a sentence ("engineer at Google", "в компании Казахтелеком").
                    self.unknown_weight * QUALIFIER_WEIGHT
                } else if q.len >= 3 {
                    self.unknown_weight
                } else {
                    self.unknown_weight * 0.3
                };
                if q.qualifier {
                    base * QUALIFIER_WEIGHT
                } else {
                    base
                }
            })
            .collect();
        let qtotal: f32 = qweights.iter().sum();

        let precision_of = |mask: u32| -> f32 {
            let explained: f32 = qweights.iter().enumerate().filter(|(j, _)| mask & (1 << j) != 0).map(|(_, w)| w).sum();
            if qtotal > 0.0 {
                explained / qtotal
            } else {
                0.0
            }
        };
        // Per listed profession: the best phrase recall, the words any of its phrases explain
        // (a query may combine two aliases: "мобильный разработчик ios"), and whether a
        // distinctive word of it was matched (with the best recall of such a phrase).
        let n = self.catalog.professions.len();
        let mut best_recall = vec![0.0f32; n];
        let mut masks = vec![0u32; n];
        let mut distinct_recall = vec![0.0f32; n];
        let mut seen = HashSet::default();
        for u in &units {
            for (id, _) in &u.hits {
                for &p in &self.postings[*id as usize] {
                    if !seen.insert(p) {
                        continue;
                    }
                    let phrase = &self.phrases[p as usize];
                    let mut covered = 0.0;
                    let mut mask = 0u32;
                    let mut distinctive = false;
                    for (t, w) in phrase.tokens.iter().zip(&phrase.weights) {
                        let mut best = 0.0f32;
                        for u2 in &units {
                            if let Some((_, s)) = u2.hits.iter().find(|(hid, _)| hid == t) {
                                best = best.max(*s);
                                for j in u2.first..=u2.last {
                                    mask |= 1 << j;
                                }
                            }
                        }
                        covered += w * best;
                        if best >= DISTINCTIVE_SIM && matches!((self.owner[*t as usize], phrase.target), (Some(o), Target::Listed(i)) if o == i) {
                            distinctive = true;
                        }
                    }
                    let recall = if phrase.total > 0.0 { covered / phrase.total } else { 0.0 };
                    let precision = precision_of(mask);
                    let s = score::combine(recall, precision);
                    if let Some(trace) = trace.as_deref_mut() {
                        trace.push((p, recall, precision, s));
                    }
                    match phrase.target {
                        Target::Listed(i) => {
                            let i = i as usize;
                            best_recall[i] = best_recall[i].max(recall);
                            masks[i] |= mask;
                            if distinctive {
                                sc.distinct[i] = true;
                                distinct_recall[i] = distinct_recall[i].max(recall);
                            }
                        }
                        Target::NotListed(g) => {
                            if s > sc.not_listed.0 {
                                sc.not_listed = (s, Some(g));
                            }
                        }
                        Target::Generic(g) => {
                            if s > sc.generic.0 {
                                sc.generic = (s, Some(g));
                            }
                        }
                    }
                }
            }
        }
        for i in 0..n {
            if best_recall[i] > 0.0 {
                let precision = precision_of(masks[i]);
                sc.listed[i] = score::combine(best_recall[i], precision);
                if precision >= 0.999 {
                    sc.partial[i] = distinct_recall[i];
                }
            }
        }
        sc
    }

    /// The readings of a query worth scoring: as typed, and (for one-script text) the wrong-layout
    /// and transliterated readings.
    fn variants(cleaned: &str) -> Vec<(String, f32)> {
        let mut v = vec![(cleaned.to_string(), 1.0)];
        let lower = cleaned.to_lowercase();
        match normalize::script(&lower) {
            Script::Latin => {
                if let Some(s) = layout::latin_to_cyrillic(&lower) {
                    v.push((s, VARIANT_PENALTY));
                }
                if let Some(s) = translit::latin_to_cyrillic(&lower) {
                    v.push((s, VARIANT_PENALTY));
                }
            }
            Script::Cyrillic => {
                if let Some(s) = layout::cyrillic_to_latin(&lower) {
                    v.push((s, VARIANT_PENALTY));
                }
            }
            _ => {}
        }
        v
    }

    /// Answers one query.
    pub fn match_query(&self, query: &str) -> Verdict {
        let cleaned = normalize::clean(query);
        if let Some(v) = self.match_code(&cleaned) {
            return v;
        }
        let mut best: Option<(Scores, f32)> = None;
        for (i, (text, penalty)) in Self::variants(&cleaned).into_iter().enumerate() {
            // Every word as typed is known exactly: other readings of it cannot be better.
            if i > 0 && best.as_ref().is_some_and(|(b, _)| b.unknown == 0) {
                break;
            }
            let sc = self.score_text(&text, None);
            let top = sc.top() * penalty;
            if best.as_ref().is_none_or(|(_, b)| top > *b) {
                best = Some((apply_penalty(sc, penalty), top));
            }
        }
        let (sc, _) = best.unwrap_or_default();
        self.decide(&cleaned, sc)
    }

    /// A maintainer's view of how a query was scored: the best phrases of each reading.
    pub fn explain(&self, query: &str) -> String {
        let cleaned = normalize::clean(query);
        let mut out = String::new();
        for (text, penalty) in Self::variants(&cleaned) {
            let mut trace = Vec::new();
            let words: Vec<String> = self.analyze(&text).iter().map(|(w, q)| format!("{}{}", self.morph.stem(w), if *q { "?" } else { "" })).collect();
            self.score_text(&text, Some(&mut trace));
            trace.sort_by(|a, b| b.3.total_cmp(&a.3));
            out.push_str(&format!("reading {text:?} (x{penalty}) words {words:?}\n"));
            for (p, r, pr, s) in trace.iter().take(8) {
                let ph = &self.phrases[*p as usize];
                let toks: Vec<String> = ph.tokens.iter().zip(&ph.weights).map(|(t, w)| format!("{}:{w:.1}", self.vocab[*t as usize])).collect();
                let target = match ph.target {
                    Target::Listed(i) => self.catalog.professions[i as usize].code.to_string(),
                    Target::NotListed(g) => format!("NOT:{}", self.catalog.not_listed[g as usize].isco),
                    Target::Generic(g) => format!("GEN#{g}"),
                };
                out.push_str(&format!("  {s:.3} r={r:.2} p={pr:.2} {target} {toks:?}\n"));
            }
        }
        out
    }

    fn ranked(&self, sc: &Scores) -> Vec<Candidate> {
        let mut c: Vec<Candidate> = sc
            .listed
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(i, s)| Candidate { code: self.catalog.professions[i].code.clone(), score: round(*s) })
            .collect();
        c.sort_by(|a, b| b.score.total_cmp(&a.score));
        c
    }

    fn decide(&self, cleaned: &str, sc: Scores) -> Verdict {
        let ranked = self.ranked(&sc);
        let (l1, l2) = (ranked.first().map_or(0.0, |c| c.score), ranked.get(1).map_or(0.0, |c| c.score));
        let (n, ng) = sc.not_listed;
        let (g, gg) = sc.generic;

        if n >= NOT_LISTED_MIN && n + TIE >= l1.max(g) {
            let field = ng.and_then(|i| self.catalog.not_listed[i as usize].field.clone());
            return self.not_listed(cleaned, &ranked, field.as_deref(), Reason::OtherOccupation);
        }
        let listed_ok = l1 >= LISTED_MIN && l1 - l2 >= LISTED_MARGIN;
        let partial_ok = ranked.first().is_some_and(|c| {
            let i = self.index_of(&c.code);
            sc.partial[i] >= PARTIAL_RECALL_MIN && l1 - l2 >= PARTIAL_MARGIN && l1 >= UNSURE_MIN
        });
        if let (true, Some(gi)) = (g >= GENERIC_MIN && g + TIE >= l1 && !(listed_ok && l1 + TIE >= g), gg) {
            return self.generic_verdict(gi, &ranked);
        }
        if listed_ok || (partial_ok && g < l1 + TIE) {
            return Verdict {
                kind: VerdictKind::Listed,
                code: Some(ranked[0].code.clone()),
                candidates: ranked.into_iter().take(NEAR_CANDIDATES).collect(),
                reason: Reason::Name,
            };
        }
        if l1 >= UNSURE_MIN {
            let spread = if l1 >= LISTED_MIN { 0.05 } else { 0.15 };
            let cands: Vec<Candidate> = ranked.into_iter().filter(|c| c.score + spread >= l1).take(MAX_CANDIDATES).collect();
            let reason = if l1 >= LISTED_MIN { Reason::Ambiguous } else { Reason::Weak };
            return Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason };
        }
        // A word that only one listed profession uses ("обогащение руды"), or a generic word
        // among others ("cloud devops"), deserves a question, unless the query reads as another
        // occupation.
        if n < NOT_LISTED_MIN {
            let cands: Vec<Candidate> = ranked.iter().filter(|c| sc.distinct[self.index_of(&c.code)]).take(MAX_CANDIDATES).cloned().collect();
            if !cands.is_empty() {
                return Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Weak };
            }
        }
        if let (true, Some(gi)) = (n < NOT_LISTED_MIN && g >= UNSURE_MIN && g >= n, gg) {
            return self.generic_verdict(gi, &ranked);
        }
        let reason = if n > 0.0 && ng.is_some() { Reason::OtherOccupation } else { Reason::NotUnderstood };
        let field = ng.and_then(|i| self.catalog.not_listed[i as usize].field.clone()).filter(|_| n >= UNSURE_MIN);
        self.not_listed(cleaned, &ranked, field.as_deref(), reason)
    }

    /// The clarifying question for a generic word: its professions, those the query matched best
    /// first (data order breaks ties, so the most typical member comes first).
    fn generic_verdict(&self, group: u16, ranked: &[Candidate]) -> Verdict {
        let score_of = |code: &Code| ranked.iter().find(|c| &c.code == code).map_or(0.0, |c| c.score);
        let mut cands: Vec<Candidate> = self.generic_codes[group as usize].iter().map(|c| Candidate { code: c.clone(), score: score_of(c) }).collect();
        cands.sort_by(|a, b| b.score.total_cmp(&a.score));
        cands.truncate(MAX_CANDIDATES);
        Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Generic }
    }

    /// A "not listed" verdict with the nearest listed professions: those the query partly
    /// matched, then those whose words contain the query's words (`хирург` → нейрохирург), then
    /// the field of the occupation it was recognised as.
    fn not_listed(&self, cleaned: &str, ranked: &[Candidate], field: Option<&str>, reason: Reason) -> Verdict {
        let mut near: Vec<Candidate> = ranked.iter().filter(|c| c.score >= 0.2).take(NEAR_CANDIDATES).cloned().collect();
        if near.len() < NEAR_CANDIDATES && reason != Reason::NotUnderstood {
            let stems: Vec<String> =
                self.analyze(cleaned).iter().filter(|(_, q)| !q).map(|(w, _)| self.morph.stem(w)).filter(|s| s.chars().count() >= 5).collect();
            for id in &self.listed_vocab {
                let v = &self.vocab[*id as usize];
                if stems.iter().any(|s| v.contains(s.as_str())) {
                    for &p in &self.postings[*id as usize] {
                        if let Target::Listed(i) = self.phrases[p as usize].target {
                            self.push_near(&mut near, &self.catalog.professions[i as usize], 0.3);
                        }
                    }
                }
            }
        }
        if let Some(f) = field {
            for p in self.catalog.professions.iter().filter(|p| p.fields.iter().any(|x| x == f)) {
                self.push_near(&mut near, p, 0.1);
            }
        }
        near.truncate(NEAR_CANDIDATES);
        Verdict { kind: VerdictKind::NotListed, code: None, candidates: near, reason }
    }

    fn index_of(&self, code: &Code) -> usize {
        self.catalog.professions.iter().position(|p| &p.code == code).unwrap_or(0)
    }

    fn push_near(&self, near: &mut Vec<Candidate>, p: &Profession, score: f32) {
        if near.len() < NEAR_CANDIDATES && !near.iter().any(|c| c.code == p.code) {
            near.push(Candidate { code: p.code.clone(), score });
        }
    }

    /// Codes: a full code (`3521 3 003`, `2211.7.002`), a short form (`2166-1`), or a four-digit
    /// unit group (`2512`) when the message is little else.
    fn match_code(&self, cleaned: &str) -> Option<Verdict> {
        let runs = digit_runs(cleaned);
        let run = runs.iter().find(|d| d.len() == 8 || d.len() == 5).or_else(|| {
            let rest_is_empty = self.analyze(cleaned).iter().all(|(w, _)| CODE_WORDS.contains(&w.folded.as_str()));
            runs.iter().find(|d| d.len() == 4 && rest_is_empty)
        })?;
        let profs = &self.catalog.professions;
        let members = |prefix: &str| -> Vec<Candidate> {
            profs.iter().filter(|p| p.code.as_str().replace('-', "").starts_with(prefix)).map(|p| Candidate { code: p.code.clone(), score: 1.0 }).collect()
        };
        if let Some(code) = Code::from_digits(run) {
            if let Some(p) = self.catalog.profession(&code) {
                return Some(Verdict {
                    kind: VerdictKind::Listed,
                    code: Some(p.code.clone()),
                    candidates: vec![Candidate { code: p.code.clone(), score: 1.0 }],
                    reason: Reason::Code,
                });
            }
        }
        let shown = match run.len() {
            8 => format!("{}-{}-{}", &run[..4], &run[4..5], &run[5..]),
            5 => format!("{}-{}", &run[..4], &run[4..]),
            _ => run.clone(),
        };
        // A full code under a listed short form (2166-1-xxx under 2166-1) or members of a group.
        let mut cands = if run.len() == 8 { members(&run[..5]).into_iter().filter(|c| c.code.as_str().len() == 6).collect() } else { members(run) };
        if !cands.is_empty() {
            cands.truncate(MAX_CANDIDATES);
            return Some(Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::CodeGroup(shown) });
        }
        let mut near = members(&run[..4]);
        near.iter_mut().for_each(|c| c.score = 0.5);
        near.truncate(NEAR_CANDIDATES);
        Some(Verdict { kind: VerdictKind::NotListed, code: None, candidates: near, reason: Reason::CodeNotListed(shown) })
    }
}

/// Words that may stand beside a code without making it a sentence.
const CODE_WORDS: &[&str] = &["код", "code", "нкз", "коды", "кода", "группа", "group", "коды", "коде", "кодом", "нкз01", "classifier", "классификатор"];

fn apply_penalty(mut sc: Scores, penalty: f32) -> Scores {
    if penalty < 1.0 {
        sc.listed.iter_mut().for_each(|s| *s *= penalty);
        sc.partial.iter_mut().for_each(|s| *s *= penalty);
        sc.not_listed.0 *= penalty;
        sc.generic.0 *= penalty;
    }
    sc
}

/// Which letters a word has, hashed into 64 bits.
fn signature(w: &str) -> u64 {
    w.chars().fold(0u64, |acc, c| acc | 1u64 << ((c as u32).wrapping_mul(2654435761) >> 26))
}

fn round(s: f32) -> f32 {
    (s * 1000.0).round() / 1000.0
}

/// Runs of digits joined by separators (`3521 3 003`, `2211.7.002`), as digit strings.
fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    let mut pending_sep = false;
    let mut prev_alpha = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if prev_alpha && cur.is_empty() {
                // digits glued to a word (`c1`, `5лет`) are not a code
            }
            cur.push(c);
            pending_sep = false;
        } else if matches!(c, ' ' | '-' | '.' | '_' | '/' | '–' | '—' | '\u{a0}') && !cur.is_empty() && !pending_sep {
            pending_sep = true;
        } else {
            if !cur.is_empty() {
                runs.push(std::mem::take(&mut cur));
            }
            pending_sep = false;
        }
        prev_alpha = c.is_alphabetic();
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn m() -> &'static Matcher {
        static M: OnceLock<Matcher> = OnceLock::new();
        M.get_or_init(|| Matcher::new(Arc::new(Catalog::embedded().unwrap())))
    }

    fn listed(q: &str) -> Option<String> {
        let v = m().match_query(q);
        (v.kind == VerdictKind::Listed).then(|| v.code.unwrap().to_string())
    }

    #[test]
    fn official_names_are_listed() {
        for p in &m().catalog().professions {
            assert_eq!(listed(&p.name.ru).as_deref(), Some(p.code.as_str()), "{}", p.name.ru);
        }
    }

    #[test]
    fn digit_runs_join_separators() {
        assert_eq!(digit_runs("код 3521 3 003"), ["35213003"]);
        assert_eq!(digit_runs("2211.7.002"), ["22117002"]);
        assert_eq!(digit_runs("5 лет, 2512"), ["5", "2512"]);
    }

    #[test]
    fn codes() {
        assert_eq!(listed("3521 3 003").as_deref(), Some("3521-3-003"));
        let v = m().match_query("2512-1-999");
        assert_eq!(v.kind, VerdictKind::NotListed);
        assert_eq!(v.reason, Reason::CodeNotListed("2512-1-999".into()));
        let v = m().match_query("2524");
        assert_eq!(v.kind, VerdictKind::Unsure);
        assert_eq!(v.candidates.len(), 3);
    }

    #[test]
    fn near_misses_are_not_listed() {
        for q in ["хирург", "стоматолог", "медсестра", "тестировщик", "учитель информатики", "инженер-строитель", "архитектор зданий"]
        {
            assert_eq!(m().match_query(q).kind, VerdictKind::NotListed, "{q}");
        }
    }

    #[test]
    fn generic_words_ask() {
        for q in ["врач", "инженер", "developer", "архитектор", "designer", "специалист"] {
            let v = m().match_query(q);
            assert_eq!(v.kind, VerdictKind::Unsure, "{q}");
            assert!(v.candidates.len() >= 2 && v.candidates.len() <= MAX_CANDIDATES, "{q}");
        }
    }

    /// Two different answers for the same words would make the verdict depend on data order: a
    /// listed phrase must not read the same as a phrase of another profession, a generic word or
    /// an occupation that is not on the list.
    #[test]
    fn no_phrase_means_two_things() {
        let m = m();
        let mut seen: HashMap<Vec<u32>, (String, &Phrase)> = HashMap::default();
        let mut conflicts = Vec::new();
        let name = |t: Target| match t {
            Target::Listed(i) => m.catalog.professions[i as usize].code.to_string(),
            Target::NotListed(g) => format!("not-listed {}", m.catalog.not_listed[g as usize].name),
            Target::Generic(g) => format!("generic #{g}"),
        };
        for p in &m.phrases {
            let mut key = p.tokens.clone();
            key.sort_unstable();
            let words: String = p.tokens.iter().map(|t| m.vocab[*t as usize].clone()).collect::<Vec<_>>().join(" ");
            match seen.get(&key) {
                Some((w, other)) => {
                    let (a, b) = (name(other.target), name(p.target));
                    let involves_listed = matches!(other.target, Target::Listed(_)) || matches!(p.target, Target::Listed(_));
                    if a != b && involves_listed {
                        conflicts.push(format!("{w:?}: {a} vs {b}"));
                    }
                }
                None => {
                    seen.insert(key, (words, p));
                }
            }
        }
        assert!(conflicts.is_empty(), "{conflicts:#?}");
    }

    #[test]
    fn names_inside_a_sentence_weigh_little_but_unknown_words_still_count() {
        assert_eq!(listed("I am a software engineer at Google").as_deref(), Some("2512-1-007"));
        // The same word in lower case may be an occupation Kasip does not know: no "listed".
        assert_ne!(listed("software engineer zzzqqq").as_deref(), Some("2512-1-007"));
    }

    #[test]
    fn empty_and_garbage() {
        for q in ["", "   ", ".", "/start", "qwerty", "🙂🙂🙂", "\u{0}\u{1}"] {
            assert_eq!(m().match_query(q).kind, VerdictKind::NotListed, "{q:?}");
        }
    }
}
