//! Building the index: every name and alias of the listed professions, the generic words and the
//! occupations that are not on the list become phrases of stems; joined forms, inverse document
//! frequencies and the words only one listed profession uses are computed once at the end.
//!
//! The terms are read in two parts on two threads, each with its own vocabulary; the second
//! part's words are then renumbered into the first's. Numbering new words in the order they
//! first appear makes the result exactly that of one pass over all terms.

use super::*;

/// One term of the catalog to index, in index order.
struct Term<'a> {
    text: &'a str,
    target: Target,
    /// Topic flags (see [`Phrase`]); `closed` and `asks` matter only for topics.
    topic: bool,
    closed: bool,
    asks: bool,
}

/// The phrases of a run of terms, with the vocabulary they use numbered in order of first
/// appearance, and build-only state: each raw word analysed once, the folded forms laid end to
/// end, and the joined forms waiting until every real word is in.
struct Part<'a> {
    vocab: vocab::Vocab,
    vocab_len: Vec<usize>,
    list: PhraseList,
    /// Each raw word (borrowed from the catalog): its range of `word_entries`.
    word_cache: HashMap<&'a str, (u32, u32)>,
    word_entries: Vec<IndexWord>,
    folded_text: String,
    /// Joined forms (a range of `joined_text`), with their phrase's target and topic flag.
    pending_joined: Vec<(u32, u32, Target, bool)>,
    joined_text: String,
    /// The words of the last term read, and that term.
    scratch: Vec<IndexWord>,
    scratch_of: &'a str,
}

impl Matcher {
    pub fn new(catalog: Arc<Catalog>) -> Matcher {
        let cat = catalog.clone();
        let lex = &cat.lexicon;
        let folded_set = |p: &PerLang| -> HashSet<String> { p.iter().map(|(_, w)| normalize::word(w).folded).collect() };
        let mut m = Matcher {
            morph: Morph::with_exceptions(&lex.stem_exceptions),
            vocab: Default::default(),
            vocab_len: Vec::new(),
            weight: Vec::new(),
            phrase_tokens: Vec::new(),
            phrase_weights: Vec::new(),
            posting_starts: Vec::new(),
            posting_ids: Vec::new(),
            posting_weights: Vec::new(),
            owner: Vec::new(),
            identity: Vec::new(),
            listed_vocab: Vec::new(),
            listed_text: String::new(),
            listed_starts: Vec::new(),
            phrases: Vec::new(),
            stopwords: folded_set(&lex.stopwords),
            qualifiers: folded_set(&lex.qualifiers),
            stack: folded_set(&lex.stack),
            functions: HashSet::default(),
            context: HashSet::default(),
            // (Without the soft sign too: "записатся" is how many type "записаться".)
            requests: folded_set(&lex.requests).into_iter().flat_map(|w| [w.replace('ь', ""), w]).collect(),
            cues: query::Cues::new(lex),
            domain_markers: folded_set(&lex.domain_markers),
            place_markers: folded_set(&lex.place_markers),
            determiners: folded_set(&lex.determiners),
            place_joiners: folded_set(&lex.place_joiners),
            ward_nouns: folded_set(&lex.ward_nouns),
            agent_endings: lex.agent_endings.iter().map(|(_, w)| normalize::word(w).folded).collect(),
            code_words: folded_set(&lex.code_words),
            tool_names: lex.tool_names.iter().map(|(_, n)| n.to_lowercase()).collect(),
            institutions: folded_set(&lex.institutions),
            compound_heads: HashSet::default(),
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
            sorted_vocab: Vec::new(),
            joined: Vec::new(),
            topic_word: Vec::new(),
            generic_word: Vec::new(),
            sigs: Vec::new(),
            gram_starts: Vec::new(),
            gram_ids: Vec::new(),
            generic_codes: Vec::new(),
            generic_closed: Vec::new(),
            generic_narrows: Vec::new(),
            generic_needs_topic: Vec::new(),
            generic_stack_code: Vec::new(),
            code_index: catalog.professions.iter().enumerate().map(|(i, p)| (p.code.clone(), i)).collect(),
            catalog,
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
        m.functions = lex.functions.iter().map(|(_, w)| m.morph.stem(&normalize::word(w))).collect();
        m.compound_heads = lex.compound_heads.iter().map(|(_, w)| m.morph.stem(&normalize::word(w))).collect();
        let mut terms = Vec::new();
        fn term(text: &str, target: Target) -> Term<'_> {
            Term { text, target, topic: false, closed: false, asks: true }
        }
        for (i, p) in cat.professions.iter().enumerate() {
            let t = Target::Listed(i as u16);
            terms.extend(Lang::ALL.iter().map(|&lang| term(p.name.get(lang), t)));
            terms.extend(p.aliases.iter().map(|(_, a)| term(a, t)));
        }
        for (i, g) in lex.generic.iter().enumerate() {
            terms.extend(g.terms.iter().map(|(_, a)| term(a, Target::Generic(i as u16))));
            m.generic_codes.push(g.codes.clone());
            m.generic_closed.push(g.closed);
            m.generic_narrows.push(g.narrows);
            m.generic_needs_topic.push(g.needs_topic);
            m.generic_stack_code.push(g.stack_code.clone());
        }
        // Topic words point at listed professions without naming an occupation: they are
        // phrases of each of their professions, marked so they never make a name (see `score`).
        for t in &lex.topics {
            for (_, text) in t.terms.iter() {
                for c in &t.codes {
                    let target = Target::Listed(m.code_index[c] as u16);
                    terms.push(Term { text, target, topic: true, closed: t.closed, asks: t.asks });
                }
            }
        }
        // An education field's name ("креативные индустрии", "healthcare") is a generic word too:
        // it asks which of the field's professions is meant.
        for (_, (field, members)) in cat.by_field() {
            let i = m.generic_codes.len() as u16;
            terms.extend(Lang::ALL.iter().map(|&lang| term(field.name.get(lang), Target::Generic(i))));
            m.generic_codes.push(members.iter().map(|p| p.code.clone()).collect());
            m.generic_closed.push(false);
            m.generic_narrows.push(false);
            m.generic_needs_topic.push(false);
            m.generic_stack_code.push(None);
        }
        for (i, g) in cat.not_listed.iter().enumerate() {
            terms.extend(g.terms.iter().map(|(_, a)| term(a, Target::NotListed(i as u16))));
        }
        // Two parts of about equal work: the second thread takes the later terms.
        let (first, second) = terms.split_at(terms.len() / 2);
        let parts = std::thread::scope(|scope| {
            let other = scope.spawn(|| Part::read(&m, second));
            let one = Part::read(&m, first);
            (one, other.join())
        });
        let (one, two) = match parts {
            (one, Ok(two)) => (one, two),
            (one, Err(_)) => (one, Part::read(&m, second)),
        };
        m.take_parts(one, two);
        m
    }
}

impl<'a> Part<'a> {
    /// The phrases of `terms` (analysed as `m` reads words).
    fn read(m: &Matcher, terms: &[Term<'a>]) -> Part<'a> {
        // Sized for the terms (a term has a few words; most words repeat).
        let n = terms.len();
        let mut part = Part {
            vocab: vocab::Vocab::with_capacity(n),
            vocab_len: Vec::with_capacity(n),
            list: PhraseList {
                phrases: Vec::with_capacity(n),
                tokens: Vec::with_capacity(n * 4),
                weights: Vec::with_capacity(n * 4),
                listed_vocab: Vec::new(),
            },
            word_cache: HashMap::with_capacity_and_hasher(n, Default::default()),
            word_entries: Vec::with_capacity(n),
            folded_text: String::new(),
            pending_joined: Vec::new(),
            joined_text: String::new(),
            scratch: Vec::new(),
            scratch_of: "",
        };
        for t in terms {
            part.add_phrase(m, t);
        }
        part
    }

    /// Adds one term as a phrase.
    fn add_phrase(&mut self, m: &Matcher, term: &Term<'a>) {
        // Terms repeat their words ("инженер …" thousands of times): each distinct word is
        // analysed, stemmed and interned once (see `cache_word`).
        let mut words = std::mem::take(&mut self.scratch);
        // A topic's term comes once for each profession it points at: its words are read once.
        if !std::ptr::eq(term.text, self.scratch_of) {
            words.clear();
            for raw in term.text.split(|c: char| !normalize::is_word_char(c)).filter(|w| !w.is_empty()) {
                let (from, n) = match self.word_cache.get(raw) {
                    Some(&r) => r,
                    None => self.cache_word(m, raw),
                };
                words.extend_from_slice(&self.word_entries[from as usize..(from + n) as usize]);
                if words.len() >= MAX_WORDS {
                    words.truncate(MAX_WORDS);
                    break;
                }
            }
            self.scratch_of = term.text;
        }
        if !words.is_empty() {
            // "web developer" is also typed "webdeveloper": the joined form of short phrases is
            // indexed too, once all real words are in (see `take_parts`). It is the words as
            // written with only the last one stemmed, as for two query words typed apart
            // (`score_text`).
            if (2..=3).contains(&words.len()) && words.iter().all(|w| w.folded_len >= JOIN_MIN_CHARS) {
                let from = self.joined_text.len() as u32;
                for w in &words[..words.len() - 1] {
                    self.joined_text.push_str(&self.folded_text[w.folded.0 as usize..w.folded.1 as usize]);
                }
                self.joined_text.push_str(&self.vocab[words[words.len() - 1].token as usize]);
                self.pending_joined.push((from, self.joined_text.len() as u32, term.target, term.topic));
            }
            // In a topic ("онкологическое отделение") the workplace word is context: it weighs
            // little, so "отделение" alone does not point at oncology.
            let topic = term.topic;
            let tokens = words.iter().map(|w| (w.token, w.qualifier || (topic && w.context)));
            self.list.push(tokens, term.target, topic, term.closed, term.asks);
        }
        self.scratch = words;
    }

    /// Analyses one raw word of the index's terms and remembers the result.
    fn cache_word(&mut self, m: &Matcher, raw: &'a str) -> (u32, u32) {
        let mut analysed = Vec::new();
        m.analyze_word(raw, &mut analysed);
        let from = self.word_entries.len() as u32;
        for (w, qualifier) in analysed {
            let stem = m.morph.stem(&w);
            let context = m.context.contains(stem.as_str()) || m.context.contains(&w.folded);
            let token = intern(&mut self.vocab, &mut self.vocab_len, &stem);
            let at = self.folded_text.len() as u32;
            self.folded_text.push_str(&w.folded);
            let folded_len = w.folded.chars().count();
            self.word_entries.push(IndexWord { token, qualifier, context, folded: (at, self.folded_text.len() as u32), folded_len });
        }
        let r = (from, self.word_entries.len() as u32 - from);
        self.word_cache.insert(raw, r);
        r
    }
}

/// A word's id in a vocabulary (beside which its length is kept), added at the end if new.
fn intern(vocab: &mut vocab::Vocab, vocab_len: &mut Vec<usize>, stem: &str) -> u32 {
    let n = vocab.len();
    let id = vocab.intern(stem);
    if vocab.len() > n {
        vocab_len.push(stem.chars().count());
    }
    id
}

/// Phrases laid out flat while the index is built (see [`Phrase::start`]), and the words of the
/// listed names among them.
#[derive(Default)]
struct PhraseList {
    phrases: Vec<Phrase>,
    tokens: Vec<u32>,
    weights: Vec<f32>,
    listed_vocab: Vec<u32>,
}

impl PhraseList {
    /// A phrase of these words (each once, in order).
    fn push(&mut self, words: impl Iterator<Item = (u32, bool)>, target: Target, topic: bool, closed: bool, asks: bool) {
        let start = self.tokens.len();
        for (t, q) in words {
            if !self.tokens[start..].contains(&t) {
                self.tokens.push(t);
                self.weights.push(if q { QUALIFIER_WEIGHT } else { 1.0 });
            }
        }
        if matches!(target, Target::Listed(_)) && !topic {
            self.listed_vocab.extend_from_slice(&self.tokens[start..]);
        }
        let len = (self.tokens.len() - start) as u32;
        self.phrases.push(Phrase { target, topic, closed, asks, start: start as u32, len, total: 0.0 });
    }

    /// Another list after this one, its words renumbered (`renumber[old] = new`).
    fn append(&mut self, other: PhraseList, renumber: &[u32]) {
        let shift = self.tokens.len() as u32;
        self.tokens.extend(other.tokens.iter().map(|t| renumber[*t as usize]));
        self.weights.extend(other.weights);
        self.phrases.extend(other.phrases.into_iter().map(|p| Phrase { start: p.start + shift, ..p }));
        self.listed_vocab.extend(other.listed_vocab.iter().map(|t| renumber[*t as usize]));
    }
}

impl Matcher {
    /// The two parts as one index (the second's words renumbered after the first's), then
    /// joined forms, inverse document frequencies, postings and owners once every phrase is in.
    fn take_parts(&mut self, one: Part, two: Part) {
        self.vocab = one.vocab;
        self.vocab_len = one.vocab_len;
        let renumber: Vec<u32> = two.vocab.iter().map(|w| intern(&mut self.vocab, &mut self.vocab_len, w)).collect();
        let mut list = one.list;
        list.append(two.list, &renumber);
        // The fuzzy table needs only the words. A second thread starts it on the real words
        // while this one adds the joined forms, takes those next, and finishes it while this
        // one weighs the phrases and sorts the words.
        let real_words = self.vocab.len();
        let (tx, rx) = std::sync::mpsc::channel::<Arc<vocab::Vocab>>();
        let (vocab, vocab_len) = (&self.vocab, &self.vocab_len);
        let (joined_words, weighed, sorted, sigs, side) = std::thread::scope(|scope| {
            let side = scope.spawn(move || {
                let mut g = GramTable::default();
                vocab.iter().zip(vocab_len).for_each(|(w, &len)| g.add(w, len));
                for w in rx.recv().iter().flat_map(|more| more.iter()) {
                    g.add(w, w.chars().count());
                }
                g.finish()
            });
            // A joined form that stems to a real word (`инженер`+`ии` → `инженерии` → `инженер`)
            // would turn that word into this phrase: skip those.
            let mut joined_words = vocab::Vocab::default();
            for (text, pending) in [(&one.joined_text, &one.pending_joined), (&two.joined_text, &two.pending_joined)] {
                for &(from, to, target, topic) in pending {
                    let stem = &text[from as usize..to as usize];
                    if vocab.id(stem).is_some() {
                        continue;
                    }
                    let t = (real_words + joined_words.intern(stem) as usize) as u32;
                    list.push(std::iter::once((t, false)), target, topic, false, true);
                }
            }
            let joined_words = Arc::new(joined_words);
            let _ = tx.send(joined_words.clone());
            let words = real_words + joined_words.len();
            let weighed = weigh(&mut list.phrases, &mut list.weights, &list.tokens, words);
            let all: Vec<&str> = vocab.iter().chain(joined_words.iter()).collect();
            let sigs: Vec<u64> = all.iter().map(|v| signature(v)).collect();
            let sorted = sorted_ids(&all);
            drop(all);
            (joined_words, weighed, sorted, sigs, side.join())
        });
        for w in joined_words.iter() {
            intern(&mut self.vocab, &mut self.vocab_len, w);
        }
        (self.phrases, self.phrase_tokens, self.phrase_weights, self.listed_vocab) = (list.phrases, list.tokens, list.weights, list.listed_vocab);
        self.joined = (0..self.vocab.len()).map(|i| i >= real_words).collect();
        let (starts, ids) = side.unwrap_or_else(|_| {
            let mut g = GramTable::default();
            self.vocab.iter().zip(&self.vocab_len).for_each(|(w, &len)| g.add(w, len));
            g.finish()
        });
        (self.gram_starts, self.gram_ids, self.sorted_vocab, self.sigs) = (starts, ids, sorted, sigs);
        (self.weight, self.topic_word, self.unknown_weight, self.posting_starts, self.posting_ids, self.posting_weights, self.owner, self.identity) = weighed;
        self.generic_word = vec![false; self.vocab.len()];
        for p in self.phrases.iter().filter(|p| matches!(p.target, Target::Generic(_)) && p.len == 1) {
            self.generic_word[self.phrase_tokens[p.start as usize] as usize] = true;
        }
        self.listed_vocab.sort_unstable();
        self.listed_vocab.dedup();
        for id in &self.listed_vocab {
            self.listed_starts.push(self.listed_text.len());
            self.listed_text.push_str(&self.vocab[*id as usize]);
            self.listed_text.push('\n');
        }
    }

    /// The phrases holding a vocabulary entry (in id order) and its weight in each.
    pub(super) fn postings(&self, id: u32) -> (&[u32], &[f32]) {
        let r = self.posting_starts[id as usize] as usize..self.posting_starts[id as usize + 1] as usize;
        (&self.posting_ids[r.clone()], &self.posting_weights[r])
    }

    /// A phrase's words.
    pub(super) fn tokens(&self, p: &Phrase) -> &[u32] {
        &self.phrase_tokens[p.start as usize..(p.start + p.len) as usize]
    }
}

/// What [`weigh`] finds: per word its weight and whether only topics hold it, the weight of a
/// word no phrase holds, the postings (starts, phrase ids, weights) and per word its owner.
type Weighed = (Vec<f32>, Vec<bool>, f32, Vec<u32>, Vec<u32>, Vec<f32>, Vec<Option<u16>>, Vec<bool>);

/// Inverse document frequencies, phrase weights (each word's share times its weight, and the
/// total), the postings with each posting's weight, and per word the listed profession that
/// alone uses it, if any.
fn weigh(phrases: &mut [Phrase], phrase_weights: &mut [f32], phrase_tokens: &[u32], words: usize) -> Weighed {
    // Document frequencies count names, generic words and other occupations: topics (one
    // phrase per profession they point at) would dilute the words they share with names.
    let mut count = vec![0u32; words + 1];
    let mut df = vec![0u32; words];
    for p in phrases.iter() {
        for &t in &phrase_tokens[p.start as usize..(p.start + p.len) as usize] {
            count[t as usize] += 1;
            df[t as usize] += u32::from(!p.topic);
        }
    }
    let n = phrases.iter().filter(|p| !p.topic).count().max(1) as f32;
    let topic_word = df.iter().map(|&d| d == 0).collect();
    let weight: Vec<f32> = df.iter().zip(&count).map(|(&d, &c)| (1.0 + n / (if d == 0 { c } else { d }).max(1) as f32).ln()).collect();
    // Postings as one flat table: each word's range of phrase ids (in id order) and weights.
    let mut total = 0u32;
    for c in count.iter_mut() {
        let k = *c;
        *c = total;
        total += k;
    }
    let mut next = count.clone();
    let mut posting_ids = vec![0; total as usize];
    let mut posting_weights = vec![0.0; total as usize];
    // Owner per word: unseen, or the one listed profession of every non-topic phrase, or none.
    const UNSEEN: u32 = u32::MAX;
    const NONE: u32 = u32::MAX - 1;
    let mut owner = vec![UNSEEN; words];
    // …and the same over listed names alone: whether other occupations share the word or not,
    // it identifies that profession among the listed ones (see `Matcher::identity`).
    let mut listed_owner = vec![UNSEEN; words];
    for (id, p) in phrases.iter_mut().enumerate() {
        let range = p.start as usize..(p.start + p.len) as usize;
        let mut sum = 0.0;
        for (&t, w) in phrase_tokens[range.clone()].iter().zip(&mut phrase_weights[range]) {
            *w *= weight[t as usize];
            sum += *w;
            let at = &mut next[t as usize];
            posting_ids[*at as usize] = id as u32;
            posting_weights[*at as usize] = *w;
            *at += 1;
            if !p.topic {
                let claim = |o: u32| match (p.target, o) {
                    (Target::Listed(i), UNSEEN) => i as u32,
                    (Target::Listed(i), o) if o == i as u32 => o,
                    _ => NONE,
                };
                owner[t as usize] = claim(owner[t as usize]);
                if matches!(p.target, Target::Listed(_)) {
                    listed_owner[t as usize] = claim(listed_owner[t as usize]);
                }
            }
        }
        p.total = sum;
    }
    let owner = owner.into_iter().map(|o| (o < NONE).then_some(o as u16)).collect();
    let identity = listed_owner.into_iter().map(|o| o < NONE).collect();
    (weight, topic_word, (1.0 + n).ln(), count, posting_ids, posting_weights, owner, identity)
}

/// The fuzzy index as one flat table of `GRAM_SLOTS` lists (see [`lookup::gram_slot`]), built as
/// words come in id order: each word's slots are counted then; at the end the lists are filled
/// from the last word back so each ends up in id order (for the probes of `lookup`).
/// `starts[slot]..starts[slot + 1]` is a slot's range of `ids`.
#[derive(Default)]
struct GramTable {
    starts: Vec<u32>,
    /// Each word's slots: `slots[ends[id - 1]..ends[id]]`.
    slots: Vec<u32>,
    ends: Vec<usize>,
    grams: Vec<u32>,
}

impl GramTable {
    /// The next word, of `len` letters.
    fn add(&mut self, w: &str, len: usize) {
        if self.starts.is_empty() {
            self.starts = vec![0; lookup::GRAM_SLOTS + 1];
        }
        if len >= similarity::FUZZY_MIN_LEN.saturating_sub(1) {
            lookup::bigrams_into(w, &mut self.grams);
            for g in &self.grams {
                let slot = lookup::gram_slot(*g, len);
                self.starts[slot] += 1;
                self.slots.push(slot as u32);
            }
        }
        self.ends.push(self.slots.len());
    }

    /// The table's starts and ids.
    fn finish(mut self) -> (Vec<u32>, Vec<u32>) {
        if self.starts.is_empty() {
            self.starts = vec![0; lookup::GRAM_SLOTS + 1];
        }
        // Each slot's end, then (filling backwards) its start.
        let mut total = 0u32;
        for c in self.starts.iter_mut() {
            total += *c;
            *c = total;
        }
        let mut ids = vec![0u32; total as usize];
        for id in (0..self.ends.len()).rev() {
            let from = if id == 0 { 0 } else { self.ends[id - 1] };
            for &slot in &self.slots[from..self.ends[id]] {
                let e = &mut self.starts[slot as usize];
                *e -= 1;
                ids[*e as usize] = id as u32;
            }
        }
        self.starts[lookup::GRAM_SLOTS] = total;
        (self.starts, ids)
    }
}

/// Vocabulary ids in string order, for prefix ranges: ordered first on the first eight bytes as
/// one number, the full strings compared only where those agree.
fn sorted_ids<S: AsRef<str>>(vocab: &[S]) -> Vec<u32> {
    let key = |v: &str| {
        let mut k = [0u8; 8];
        let n = v.len().min(8);
        k[..n].copy_from_slice(&v.as_bytes()[..n]);
        u64::from_be_bytes(k)
    };
    let mut keyed: Vec<(u64, u32)> = vocab.iter().enumerate().map(|(id, v)| (key(v.as_ref()), id as u32)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| vocab[a.1 as usize].as_ref().cmp(vocab[b.1 as usize].as_ref())));
    keyed.into_iter().map(|(_, id)| id).collect()
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
        let mut table = GramTable::default();
        vocab.iter().zip(&lens).for_each(|(w, &len)| table.add(w, len));
        let (starts, ids) = table.finish();
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
