//! Building the index: every name and alias of the listed professions, the generic words and the
//! occupations that are not on the list become phrases of stems; joined forms, inverse document
//! frequencies and the words only one listed profession uses are computed once at the end.

use super::*;

impl Matcher {
    pub fn new(catalog: Arc<Catalog>) -> Matcher {
        let lex = &catalog.lexicon;
        let folded_set = |p: &PerLang| -> HashSet<String> { p.iter().map(|(_, w)| normalize::word(w).folded).collect() };
        let mut m = Matcher {
            morph: Morph::default(),
            vocab: Vec::new(),
            vocab_len: Vec::new(),
            stem_cache: Default::default(),
            word_cache: Default::default(),
            word_entries: Vec::new(),
            folded_pool: Vec::new(),
            vocab_ids: HashMap::default(),
            weight: Vec::new(),
            postings: Vec::new(),
            posting_weights: Vec::new(),
            owner: Vec::new(),
            listed_vocab: Vec::new(),
            listed_text: String::new(),
            listed_starts: Vec::new(),
            phrases: Vec::new(),
            stopwords: folded_set(&lex.stopwords),
            qualifiers: folded_set(&lex.qualifiers),
            context: HashSet::default(),
            requests: folded_set(&lex.requests),
            self_markers: folded_set(&lex.self_markers),
            domain_markers: folded_set(&lex.domain_markers),
            place_markers: folded_set(&lex.place_markers),
            agent_endings: lex.agent_endings.iter().map(|(_, w)| normalize::word(w).folded).collect(),
            code_words: folded_set(&lex.code_words),
            abbreviations: [true, false].map(|exact| {
                lex.abbreviations
                    .iter()
                    .filter(|a| a.exact_case == exact)
                    .map(|a| (if exact { a.from.clone() } else { normalize::word(&a.from).folded }, normalize::words(&a.to)))
                    .collect()
            }),
            phrase_abbreviations: lex
                .abbreviations
                .iter()
                .filter(|a| a.from.chars().any(|c| !normalize::is_word_char(c)))
                .map(|a| (a.from.to_lowercase(), a.to.clone()))
                .collect(),
            phrase_marks: lex.abbreviations.iter().flat_map(|a| a.from.chars()).filter(|c| !normalize::is_word_char(*c)).collect(),
            unknown_weight: 1.0,
            pending_joined: Vec::new(),
            sorted_vocab: Vec::new(),
            joined: Vec::new(),
            topic_word: Vec::new(),
            sigs: Vec::new(),
            gram_starts: Vec::new(),
            gram_ids: Vec::new(),
            generic_codes: Vec::new(),
            generic_closed: Vec::new(),
            code_index: catalog.professions.iter().enumerate().map(|(i, p)| (p.code.clone(), i)).collect(),
            catalog: catalog.clone(),
        };
        // A context word is known by its stem and by its base form: the stemmer cuts some base
        // forms deeper than their inflections (`опыт` → `оп`, `опыта` → `опыт`).
        // Qualifiers count as context in queries in any inflection ("в детской больнице").
        m.context = lex
            .context
            .iter()
            .chain(lex.qualifiers.iter())
            .flat_map(|(_, w)| {
                let w = normalize::word(w);
                [m.morph.stem(&w), w.folded]
            })
            .collect();
        let add = |m: &mut Matcher, text: &str, target: Target| m.add_phrase(text, target, false);
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
            m.generic_closed.push(g.closed);
        }
        // Topic words point at listed professions without naming an occupation: they are
        // phrases of each of their professions, marked so they never make a name (see `score`).
        for t in &lex.topics {
            let from = m.phrases.len();
            for (_, term) in t.terms.iter() {
                for c in &t.codes {
                    let i = catalog.professions.iter().position(|p| &p.code == c).expect("codes checked on load") as u16;
                    m.add_phrase(term, Target::Listed(i), true);
                }
            }
            for p in &mut m.phrases[from..] {
                p.closed = t.closed;
                p.asks = t.asks;
            }
        }
        // An education field's name ("креативные индустрии", "healthcare") is a generic word too:
        // it asks which of the field's professions is meant.
        for (_, (field, members)) in catalog.by_field() {
            let i = m.generic_codes.len() as u16;
            for lang in Lang::ALL {
                add(&mut m, field.name.get(lang), Target::Generic(i));
            }
            m.generic_codes.push(members.iter().map(|p| p.code.clone()).collect());
            m.generic_closed.push(false);
        }
        for (i, g) in catalog.not_listed.iter().enumerate() {
            for (_, term) in g.terms.iter() {
                add(&mut m, term, Target::NotListed(i as u16));
            }
        }
        m.finish();
        m
    }

    pub(super) fn cached_stem(&mut self, w: &Word) -> String {
        let cache = &mut self.stem_cache[w.kazakh as usize];
        if let Some(s) = cache.get(w.folded.as_str()) {
            return s.clone();
        }
        let s = self.morph.stem(w);
        cache.insert(w.folded.clone(), s.clone());
        s
    }

    pub(super) fn intern(&mut self, stem: String) -> u32 {
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

    pub(super) fn add_phrase(&mut self, text: &str, target: Target, topic: bool) {
        // Terms repeat their words ("инженер …" thousands of times): each distinct word is
        // analysed, stemmed and interned once (see `cache_word`).
        let mut words: Vec<IndexWord> = Vec::new();
        for raw in text.split(|c: char| !normalize::is_word_char(c)).filter(|w| !w.is_empty()) {
            let (from, n) = match self.word_cache.get(raw) {
                Some(&r) => r,
                None => self.cache_word(raw),
            };
            words.extend_from_slice(&self.word_entries[from..from + n]);
            if words.len() >= MAX_WORDS {
                words.truncate(MAX_WORDS);
                break;
            }
        }
        if words.is_empty() {
            return;
        }
        // In a topic ("онкологическое отделение") the workplace word is context: it weighs
        // little, so "отделение" alone does not point at oncology.
        let tokens: Vec<(u32, bool)> = words.iter().map(|w| (w.token, w.qualifier || (topic && w.context))).collect();
        // "web developer" is also typed "webdeveloper": the joined form of short phrases is
        // indexed too, once all real words are in (see `finish`). It is the words as written
        // with only the last one stemmed, as for two query words typed apart (`score_text`).
        if (2..=3).contains(&words.len()) && words.iter().all(|w| w.folded_len >= JOIN_MIN_CHARS) {
            let mut joined: String = words[..words.len() - 1].iter().map(|w| self.folded_pool[w.folded as usize].as_str()).collect();
            joined.push_str(&self.vocab[words[words.len() - 1].token as usize]);
            self.pending_joined.push((joined, target, topic));
        }
        self.push_tokens(tokens, target, topic);
    }

    /// Analyses one raw word of the index's terms and remembers the result.
    fn cache_word(&mut self, raw: &str) -> (usize, usize) {
        let mut analysed = Vec::new();
        self.analyze_word(raw, &mut analysed);
        let from = self.word_entries.len();
        for (w, qualifier) in analysed {
            let stem = self.cached_stem(&w);
            let context = self.context.contains(stem.as_str()) || self.context.contains(&w.folded);
            let token = self.intern(stem);
            let folded_len = w.folded.chars().count();
            self.folded_pool.push(w.folded);
            self.word_entries.push(IndexWord { token, qualifier, context, folded: (self.folded_pool.len() - 1) as u32, folded_len });
        }
        let r = (from, self.word_entries.len() - from);
        self.word_cache.insert(raw.to_string(), r);
        r
    }

    pub(super) fn push_phrase(&mut self, stems: Vec<(String, bool)>, target: Target, topic: bool) {
        let tokens = stems.into_iter().map(|(stem, q)| (self.intern(stem), q)).collect();
        self.push_tokens(tokens, target, topic);
    }

    fn push_tokens(&mut self, words: Vec<(u32, bool)>, target: Target, topic: bool) {
        let id = self.phrases.len() as u32;
        let mut tokens = Vec::new();
        let mut quals = Vec::new();
        for (t, q) in words {
            if !tokens.contains(&t) {
                tokens.push(t);
                quals.push(q);
                self.postings[t as usize].push(id);
            }
        }
        if matches!(target, Target::Listed(_)) && !topic {
            self.listed_vocab.extend(&tokens);
        }
        let weights = quals.iter().map(|&q| if q { QUALIFIER_WEIGHT } else { 1.0 }).collect();
        self.phrases.push(Phrase { target, topic, closed: false, asks: true, tokens, weights, total: 0.0 });
    }

    /// Joined forms, then inverse document frequencies once every phrase is in.
    pub(super) fn finish(&mut self) {
        // A joined form that stems to a real word (`инженер`+`ии` → `инженерии` → `инженер`)
        // would turn that word into this phrase: skip those.
        let real_words = self.vocab.len();
        for (stem, target, topic) in std::mem::take(&mut self.pending_joined) {
            if self.vocab_ids.get(&stem).is_none_or(|&id| id as usize >= real_words) {
                self.push_phrase(vec![(stem, false)], target, topic);
            }
        }
        self.joined = (0..self.vocab.len()).map(|i| i >= real_words).collect();
        self.sigs = self.vocab.iter().map(|v| signature(v)).collect();
        self.topic_word = self.postings.iter().map(|ps| ps.iter().all(|p| self.phrases[*p as usize].topic)).collect();
        self.stem_cache = Default::default();
        self.word_cache = Default::default();
        self.word_entries = Vec::new();
        self.folded_pool = Vec::new();
        // Document frequencies count names, generic words and other occupations: topics (one
        // phrase per profession they point at) would dilute the words they share with names.
        let n = self.phrases.iter().filter(|p| !p.topic).count().max(1) as f32;
        self.weight = self
            .postings
            .iter()
            .map(|ps| {
                let df = ps.iter().filter(|p| !self.phrases[**p as usize].topic).count();
                let df = if df == 0 { ps.len() } else { df };
                (1.0 + n / df.max(1) as f32).ln()
            })
            .collect();
        self.unknown_weight = (1.0 + n).ln();
        // The fuzzy table and the sorted vocabulary need only the words: they are built on a
        // second thread while this one weighs the phrases.
        let (vocab, vocab_len) = (&self.vocab, &self.vocab_len);
        let side = std::thread::scope(|scope| {
            let side = scope.spawn(|| (gram_table(vocab, vocab_len), sorted_ids(vocab)));
            let weighed = weigh(&mut self.phrases, &self.postings, &self.weight);
            (weighed, side.join())
        });
        let ((posting_weights, owner), side) = side;
        self.posting_weights = posting_weights;
        self.owner = owner;
        let ((starts, ids), sorted) = side.unwrap_or_else(|_| (gram_table(&self.vocab, &self.vocab_len), sorted_ids(&self.vocab)));
        self.gram_starts = starts;
        self.gram_ids = ids;
        self.sorted_vocab = sorted;
        self.listed_vocab.sort_unstable();
        self.listed_vocab.dedup();
        for id in &self.listed_vocab {
            self.listed_starts.push(self.listed_text.len());
            self.listed_text.push_str(&self.vocab[*id as usize]);
            self.listed_text.push('\n');
        }
    }
}

/// The fuzzy index as one flat table of `GRAM_SLOTS` lists (see [`lookup::gram_slot`]): counted,
/// then filled from the last word back so each list ends up in id order (for the probes of
/// `lookup`). `starts[slot]..starts[slot + 1]` is a slot's range of `ids`.
fn gram_table(vocab: &[String], vocab_len: &[usize]) -> (Vec<u32>, Vec<u32>) {
    let indexed = |id: usize| vocab_len[id] >= similarity::FUZZY_MIN_LEN.saturating_sub(1);
    let mut starts = vec![0u32; lookup::GRAM_SLOTS + 1];
    let mut grams = Vec::new();
    for (id, v) in vocab.iter().enumerate().filter(|(id, _)| indexed(*id)) {
        lookup::bigrams_into(v, &mut grams);
        for g in &grams {
            starts[lookup::gram_slot(*g, vocab_len[id])] += 1;
        }
    }
    // Each slot's end, then (filling backwards) its start.
    let mut total = 0u32;
    for c in starts.iter_mut() {
        total += *c;
        *c = total;
    }
    let mut ids = vec![0u32; total as usize];
    for (id, v) in vocab.iter().enumerate().rev().filter(|(id, _)| indexed(*id)) {
        lookup::bigrams_into(v, &mut grams);
        for g in &grams {
            let e = &mut starts[lookup::gram_slot(*g, vocab_len[id])];
            *e -= 1;
            ids[*e as usize] = id as u32;
        }
    }
    starts[lookup::GRAM_SLOTS] = total;
    (starts, ids)
}

/// Vocabulary ids in string order, for prefix ranges: ordered first on the first eight bytes as
/// one number, the full strings compared only where those agree.
fn sorted_ids(vocab: &[String]) -> Vec<u32> {
    let key = |v: &str| {
        let mut k = [0u8; 8];
        let n = v.len().min(8);
        k[..n].copy_from_slice(&v.as_bytes()[..n]);
        u64::from_be_bytes(k)
    };
    let mut keyed: Vec<(u64, u32)> = vocab.iter().enumerate().map(|(id, v)| (key(v), id as u32)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| vocab[a.1 as usize].cmp(&vocab[b.1 as usize])));
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// Phrase weights (each word's share times its weight, and the total), each posting's weight,
/// and per word the listed profession that alone uses it, if any.
type Weighed = (Vec<Vec<f32>>, Vec<Option<u16>>);
fn weigh(phrases: &mut [Phrase], postings: &[Vec<u32>], weight: &[f32]) -> Weighed {
    for p in phrases.iter_mut() {
        for (w, t) in p.weights.iter_mut().zip(&p.tokens) {
            *w *= weight[*t as usize];
        }
        p.total = p.weights.iter().sum();
    }
    let posting_weights = postings
        .iter()
        .enumerate()
        .map(|(t, ps)| {
            ps.iter()
                .map(|&p| {
                    let ph = &phrases[p as usize];
                    ph.tokens.iter().position(|&x| x as usize == t).map_or(0.0, |k| ph.weights[k])
                })
                .collect()
        })
        .collect();
    let owner = postings
        .iter()
        .map(|ps| {
            // Topic phrases ("онкоцентр") make no word a profession's own.
            let mut it = ps.iter().filter(|p| !phrases[**p as usize].topic).map(|p| phrases[*p as usize].target);
            match it.next() {
                Some(Target::Listed(i)) if it.all(|t| matches!(t, Target::Listed(j) if j == i)) => Some(i),
                _ => None,
            }
        })
        .collect();
    (posting_weights, owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_ids_is_string_order() {
        let vocab: Vec<String> =
            ["инженер", "инж", "a", "ab", "abcdefghij", "abcdefghi", "abcdefgh", "б", "", "zz", "инженерия", "ғарыш"].iter().map(|s| s.to_string()).collect();
        let mut naive: Vec<u32> = (0..vocab.len() as u32).collect();
        naive.sort_by(|a, b| vocab[*a as usize].cmp(&vocab[*b as usize]));
        assert_eq!(sorted_ids(&vocab), naive);
    }

    #[test]
    fn gram_table_lists_every_word_once_per_bigram_in_id_order() {
        let vocab: Vec<String> = ["нейрохирург", "хирург", "онколог", "онкология", "abc"].iter().map(|s| s.to_string()).collect();
        let lens: Vec<usize> = vocab.iter().map(|v| v.chars().count()).collect();
        let (starts, ids) = gram_table(&vocab, &lens);
        for (id, v) in vocab.iter().enumerate() {
            for g in lookup::bigrams(v) {
                let slot = lookup::gram_slot(g, lens[id]);
                let list = &ids[starts[slot] as usize..starts[slot + 1] as usize];
                assert_eq!(list.iter().filter(|x| **x == id as u32).count(), 1, "{v}");
                assert!(list.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }
}
