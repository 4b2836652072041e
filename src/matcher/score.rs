//! Scoring a query against the index: per phrase, recall (how much of the phrase the query
//! covers) and precision (how much of the query the phrase explains), combined per profession.

use super::*;

#[derive(Default)]
pub(super) struct Scores {
    pub(super) listed: Vec<f32>,
    /// Per listed profession: the best recall of a phrase that explains the whole query and
    /// shares a distinctive word with it (see `Matcher::owner`).
    pub(super) partial: Vec<f32>,
    /// Per listed profession: whether the query has one of its distinctive words.
    pub(super) distinct: Vec<bool>,
    /// Query words with no exact match in the vocabulary.
    pub(super) unknown: usize,
    pub(super) not_listed: (f32, Option<u16>),
    pub(super) generic: (f32, Option<u16>),
}

impl Scores {
    pub(super) fn top(&self) -> f32 {
        let l = self.listed.iter().copied().fold(0.0, f32::max);
        l.max(self.not_listed.0).max(self.generic.0)
    }
}

impl Matcher {
    pub(super) fn score_text(&self, text: &str, mut trace: Option<&mut Vec<(u32, f32, f32, f32)>>) -> Scores {
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
                    let s = similarity::combine(recall, precision);
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
                sc.listed[i] = similarity::combine(best_recall[i], precision);
                if precision >= 0.999 {
                    sc.partial[i] = distinct_recall[i];
                }
            }
        }
        sc
    }

    /// The readings of a query worth scoring: as typed, and (for one-script text) the wrong-layout
    /// and transliterated readings.
    pub(super) fn variants(cleaned: &str) -> Vec<(String, f32)> {
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
}

pub(super) fn apply_penalty(mut sc: Scores, penalty: f32) -> Scores {
    if penalty < 1.0 {
        sc.listed.iter_mut().for_each(|s| *s *= penalty);
        sc.partial.iter_mut().for_each(|s| *s *= penalty);
        sc.not_listed.0 *= penalty;
        sc.generic.0 *= penalty;
    }
    sc
}
