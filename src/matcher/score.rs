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
    /// Words that are not qualifiers or context.
    pub(super) words: usize,
    /// Words (not qualifiers) with some reading in the vocabulary: another reading of the query
    /// must read more words than this to replace it.
    pub(super) read: usize,
    pub(super) not_listed: (f32, Option<u16>),
    pub(super) generic: (f32, Option<u16>),
    /// The message asks for a service rather than describing the writer's work.
    pub(super) request: bool,
    /// The occupation is a wish or a course of study (see `Query::aspiration`).
    pub(super) aspiration: bool,
    /// The writer does the work they describe (see `Query::doing`).
    pub(super) doing: bool,
    pub(super) doing_mask: u32,
    /// A programming language or framework is among the words (see `Lexicon::stack`).
    pub(super) stack: bool,
    /// The clauses about the writer's past (see `Query::former`), scored on their own.
    pub(super) former: Option<Box<Scores>>,
    /// How much of the best not-listed phrase the query covers.
    pub(super) not_listed_recall: f32,
    /// The query words the best not-listed phrases explain (those within `TIE` of the best:
    /// which of two near-equal readings of an off-list job ranks first is chance).
    pub(super) not_listed_mask: u32,
    /// Per listed profession: the query words its phrases explain.
    pub(super) listed_mask: Vec<u32>,
    /// Whether the words are Latin (English titles put the head noun last).
    pub(super) latin: bool,
    /// The best generic word stands with a modifier it does not explain (see `has_modifier`).
    pub(super) generic_modified: bool,
    /// The best generic word stands alone in its segment but for context: "programmer, 10
    /// years", not "hardware developer".
    pub(super) generic_alone: bool,
    /// The query words the best generic word reads.
    pub(super) generic_mask: u32,
    /// Per listed profession: every word that matched it stands after a place marker
    /// ("работаю в реанимации"): a workplace, not an occupation.
    pub(super) place_only: Vec<bool>,
    /// Per listed profession: only its topic words matched ("работаю на фармзаводе").
    pub(super) topic_only: Vec<bool>,
    /// Per listed profession: what its topic words alone score (at most `TOPIC_CAP`), whatever
    /// else matched it.
    pub(super) topic: Vec<f32>,
    /// Per listed profession: a closed topic of it matched ("пишу бэкенд").
    pub(super) topic_closed: Vec<bool>,
    /// Per listed profession: the query words its topics read (as context or alone).
    pub(super) topic_mask: Vec<u32>,
    /// Per listed profession: part of its name read, every other word of the query context, a
    /// place or its own topic, and a topic of it read beside the name ("инженер по бортовому ПО
    /// спутников": the space-system engineer's name in part, its satellites in full).
    pub(super) confirmed: Vec<bool>,
    /// Per listed profession: its words stand with a modifier nothing on the list reads.
    pub(super) listed_modified: Vec<bool>,
    /// Per listed profession: an occupation off the list reads its title too, in one segment,
    /// with a word of another job function no listed phrase reads ("Инженер по продажам
    /// лазерного оборудования": a sales engineer; see `Lexicon::functions`).
    pub(super) listed_rival: Vec<bool>,
    /// Query words that are qualifiers or context (they never make the head of a title).
    pub(super) light_mask: u32,
    /// Whether the best generic word stands outside a place ("онкогинеколог в НИИ онкологии",
    /// not "работаю с большими данными").
    pub(super) generic_named: bool,
    /// Per query word: its segment.
    pub(super) segs: Vec<u16>,
    /// Segments that are another name for the work before them (see `Query::alt_segs`).
    pub(super) alt_segs: u32,
    /// Segments opened by a CV line's field separator (see `Query::field_segs`).
    pub(super) field_segs: u32,
    /// Query words after a place marker ("в онкологии").
    pub(super) place_mask: u32,
    /// Query words in brackets.
    pub(super) paren_mask: u32,
    /// Russian words shaped like adjectives ("большое", "новый"): alone they name no one.
    pub(super) adjective_mask: u32,
    /// Words shaped like the name of a person's occupation (`-ист`, `-olog`, see
    /// `Matcher::agent_shaped`); a listed reading without them names a field ("нейрохирургия").
    pub(super) agent_mask: u32,
    /// Words of a patient ("kids", "ребёнок"): alone they name no doctor ("married, 2 kids,
    /// working as a neurosurgeon").
    pub(super) patient_mask: u32,
    /// Words with no exact reading (read, if at all, only as a typo of some word): "Claude" is
    /// near "cloud", which does not make it one.
    pub(super) unread_mask: u32,
    /// Words naming an organisation or a legal status ("Army", "ИП"; see
    /// `Lexicon::institutions`).
    pub(super) institution_mask: u32,
}

/// One reading of a query (see [`Matcher::variants`]).
pub(super) struct Reading {
    pub text: String,
    /// Its score is multiplied by this (other readings than as typed are less likely).
    pub penalty: f32,
    pub how: &'static str,
    /// It counts only if it reads every word.
    pub whole: bool,
}

impl Scores {
    /// Where the occupation `mask` names stands in the title, smaller is nearer the head: its
    /// segment first (the title comes before what follows a comma), then its place in the
    /// segment — first word in Russian and Kazakh ("гинеколог-эндокринолог"), last in English
    /// ("paediatric neurosurgeon"). `None` when it names only qualifiers or context.
    pub(super) fn head_rank(&self, mask: u32) -> Option<(u16, i32)> {
        let core = mask & !self.light_mask;
        if core == 0 {
            return None;
        }
        let first = core.trailing_zeros() as usize;
        let seg = self.segs[first];
        let in_seg = (first..self.segs.len()).filter(|&j| core & (1 << j) != 0 && self.segs[j] == seg);
        let pos = if self.latin { -(in_seg.max().unwrap_or(first) as i32) } else { first as i32 };
        Some((seg, pos))
    }

    /// Whether the name `other` reads also stands in a title after a slash that follows the
    /// head's title ("NICU doctor / Neonatologist"): another name for the same work, so the
    /// head of the first title does not decide between them.
    pub(super) fn named_as_alternative(&self, head: u32, other: u32) -> bool {
        let Some(x) = self.segs_of(head & !self.light_mask).next() else { return false };
        let alt_from_head = |y: u16| y > x && (x + 1..=y).all(|s| self.alt_segs & query::seg_bit(s.min(255) as u8) != 0);
        self.segs_of(other & !self.light_mask).any(alt_from_head)
    }

    /// The head word of a title made of `mask`: first in Russian and Kazakh, last in English.
    pub(super) fn head_of(&self, mask: u32) -> u32 {
        if mask == 0 {
            0
        } else if self.latin {
            1u32 << (31 - mask.leading_zeros())
        } else {
            1u32 << mask.trailing_zeros()
        }
    }

    /// The words of the first segment (the title of a CV line; empty for no words).
    pub(super) fn first_seg_mask(&self) -> u32 {
        self.segs.first().map_or(0, |&s| self.seg_mask(s))
    }

    /// The fields of a CV line that the words of `mask` stand in (bit `n` for the `n`th field:
    /// fields are what `field_segs` separates, several segments each where brackets or quotes
    /// split them — "ТОО «Разработчик Софт» | бухгалтер" has two).
    pub(super) fn fields_of(&self, mask: u32) -> u32 {
        self.segs_of(mask).fold(0u32, |m, s| {
            let opened = (1..=s.min(31)).filter(|&x| self.opens_field(x)).count();
            m | 1 << opened.min(31)
        })
    }

    /// Whether segment `seg` opens a field of a CV line (see `Query::field_segs`).
    pub(super) fn opens_field(&self, seg: u16) -> bool {
        self.field_segs & query::seg_bit(seg.min(255) as u8) != 0
    }

    /// The words of segment `seg`.
    pub(super) fn seg_mask(&self, seg: u16) -> u32 {
        (0..self.segs.len()).filter(|&j| self.segs[j] == seg).fold(0u32, |m, j| m | 1 << j)
    }

    /// Whether the words of `mask` stand together in one segment, nothing between them.
    pub(super) fn one_run(&self, mask: u32) -> bool {
        let run = mask >> mask.trailing_zeros();
        mask != 0 && run & (run + 1) == 0 && self.segs.get(mask.trailing_zeros() as usize) == self.segs.get(31 - mask.leading_zeros() as usize)
    }

    /// The segment of each word of `mask`, in word order.
    pub(super) fn segs_of(&self, mask: u32) -> impl Iterator<Item = u16> + '_ {
        (0..self.segs.len()).filter(move |j| mask & (1 << j) != 0).map(|j| self.segs[j])
    }
}

impl Scores {
    pub(super) fn top(&self) -> f32 {
        let l = self.listed.iter().copied().fold(0.0, f32::max);
        l.max(self.not_listed.0).max(self.generic.0)
    }
}

thread_local! {
    /// Per phrase: covered weight and explained words, while one query is scored (all zero
    /// between queries).
    static ACC: std::cell::RefCell<Vec<(f32, u32)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What `--explain` shows of one reading: each word with its role and readings, and every phrase
/// reached with its recall, precision and score.
#[derive(Default)]
pub(super) struct Trace {
    pub words: Vec<WordTrace>,
    pub phrases: Vec<(u32, f32, f32, f32)>,
}

pub(super) struct WordTrace {
    pub folded: String,
    pub stem: String,
    /// context, occupation (a phrase claims it), domain, known, unknown.
    pub role: &'static str,
    pub seg: u8,
    pub paren: bool,
    /// Best vocabulary readings with their similarity (1 = exact stem).
    pub hits: Vec<(String, f32)>,
    /// Targets whose phrases it completes.
    pub claims: Vec<String>,
}

/// A phrase of the index the query reached: how much of it the query covers and which query
/// words it explains.
struct Reached {
    phrase: u32,
    recall: f32,
    mask: u32,
}

impl Matcher {
    /// Whether a group off the list is no occupation at all (statuses, chat: see
    /// [`NO_OCCUPATION`]).
    pub(super) fn no_occupation(&self, group: u16) -> bool {
        self.catalog.not_listed[group as usize].isco == NO_OCCUPATION
    }

    pub(super) fn score_text(&self, text: &str, mut trace: Option<&mut Trace>) -> Scores {
        let query = self.read_query(text);
        let n = self.catalog.professions.len();
        let mut sc = Scores {
            listed: vec![0.0; n],
            partial: vec![0.0; n],
            distinct: vec![false; n],
            place_only: vec![false; n],
            topic_only: vec![false; n],
            topic: vec![0.0; n],
            topic_closed: vec![false; n],
            topic_mask: vec![0; n],
            listed_modified: vec![false; n],
            listed_rival: vec![false; n],
            confirmed: vec![false; n],
            listed_mask: vec![0; n],
            request: query.request,
            aspiration: query.aspiration,
            doing: query.doing,
            doing_mask: query.doing_mask,
            stack: query.stack,
            // (Before this query's scratch is taken: the clause is a query of its own.)
            former: (!query.former.is_empty()).then(|| Box::new(self.score_text(&query.former, None))),
            ..Default::default()
        };
        let toks = &query.toks;
        if toks.is_empty() {
            return sc;
        }
        let qwords: Vec<QWord> = toks
            .iter()
            .map(|t| {
                let mut stem = self.morph.stem(&t.word);
                // Kazakh typed without its letters ("даригермин" for "дәрігермін") reads as
                // Russian: when that reading is no word of the index, the Kazakh one is tried.
                if !t.word.kazakh && self.vocab.id(&stem).is_none() && t.word.folded.chars().any(crate::lang::is_cyrillic) {
                    // (As a Kazakh word, without the soft sign its loanwords drop: "мобильди".)
                    let kk = if t.word.folded.contains('ь') && t.word.folded.chars().count() > KK_SIGN_DROP_MIN {
                        morph::kazakh_stem(&t.word.folded.replace('ь', ""))
                    } else {
                        morph::kazakh_stem(&t.word.folded)
                    };
                    if kk != stem && self.vocab.id(&kk).is_some() {
                        stem = kk;
                    }
                } else if t.word.kazakh && self.vocab.id(&stem).is_none() {
                    // …and the other way: "медбикемін" meets "медбике" as the index stems it.
                    let ru = self.morph.russian_reading(&t.word.folded);
                    if self.vocab.id(&ru).is_some() {
                        stem = ru;
                    }
                }
                // Context words ("больнице", "hospital") are known by their stems.
                let qualifier = t.qualifier || self.context.contains(&stem) || self.context.contains(&t.word.folded);
                QWord { len: stem.chars().count(), stem, qualifier }
            })
            .collect();
        // Qualifiers ("senior", "детский") weigh little: they are only looked up exactly.
        let mut units: Vec<Unit> = qwords
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let hits = if q.qualifier {
                    self.vocab.id(&q.stem).map(|id| vec![(id, 1.0)]).unwrap_or_default()
                } else {
                    let mut hits = self.lookup(&q.stem, q.len, true);
                    // A typo can derail the stemmer (`мобильых` → `мобил`, far from `мобильн`):
                    // an unknown word is also compared as written.
                    let folded = &toks[i].word.folded;
                    // Only for words long enough that one edit is a typo rather than another
                    // word (`пишу` is no `пишущ…`), and without shared-beginning readings.
                    let flen = folded.chars().count();
                    if !hits.iter().any(|h| h.1 >= 1.0) && folded != &q.stem && flen >= AS_WRITTEN_MIN_LEN {
                        for h in self.lookup(folded, flen, false) {
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
        sc.unread_mask = word_mask(unknown.iter().copied());
        sc.words = qwords.iter().filter(|q| !q.qualifier).count();
        sc.latin = toks.iter().all(|t| t.word.folded.is_ascii());
        sc.read = units.iter().zip(&qwords).filter(|(u, q)| !q.qualifier && !u.hits.is_empty()).count();
        sc.light_mask = word_mask(qwords.iter().map(|q| q.qualifier));
        sc.segs = toks.iter().map(|t| t.seg as u16).collect();
        sc.alt_segs = query.alt_segs;
        sc.field_segs = query.field_segs;
        sc.place_mask = word_mask(toks.iter().map(|t| t.place));
        sc.paren_mask = word_mask(toks.iter().map(|t| t.paren));
        sc.adjective_mask = word_mask(toks.iter().map(|t| morph::russian_adjective_shaped(&t.word.folded)));
        sc.agent_mask = word_mask(toks.iter().map(|t| self.agent_shaped(&t.word.folded)));
        // (By each word's stem as read above: "kids" is "kid".)
        sc.institution_mask =
            word_mask(toks.iter().zip(&qwords).map(|(t, q)| self.institutions.contains(&t.word.folded) || self.institutions.contains(&q.stem)));
        sc.patient_mask = word_mask(toks.iter().zip(&qwords).map(|(t, q)| self.cues.patients.contains(&t.word.folded) || self.cues.patients.contains(&q.stem)));
        for i in 0..toks.len().saturating_sub(1) {
            // Words are joined within a segment only ("инженер, конструкторское бюро" is no
            // "инженер-конструктор").
            if toks[i].seg != toks[i + 1].seg
                || toks[i].word.folded.chars().count() < JOIN_MIN_CHARS
                || toks[i + 1].word.folded.chars().count() < JOIN_MIN_CHARS
            {
                continue;
            }
            let stem = format!("{}{}", toks[i].word.folded, qwords[i + 1].stem);
            // Two words joined must spell a known word, not merely begin like one; a typo in the
            // joined form is only looked for when one of the parts is not a known word itself.
            let joined_len = stem.chars().count();
            // (Not for a qualifier or context word beside an unknown one: "senior kafka" is no
            // typo of anything, and long joins cost the most to look up.)
            // (Nor for a request word: "ищем разработчика" is no typo of "вебразработчик".)
            let asks = query.request_mask & (0b11 << i) != 0;
            let fuzzy = (unknown[i] || unknown[i + 1]) && !qwords[i].qualifier && !qwords[i + 1].qualifier && !asks && joined_len <= JOIN_FUZZY_MAX;
            let hits = if fuzzy {
                // (The typo lies in the part that is no known word: "разработчик чат-ботов" is
                // no "разработчик сайтов" typed badly.)
                let (first, second) = (&toks[i].word.folded, &qwords[i + 1]);
                let mut hits = self.lookup(&stem, joined_len, false);
                hits.retain(|&(id, s)| {
                    s >= 1.0 || typo_in_unknown_part(first, !unknown[i], second.len, !unknown[i + 1], &second.stem, &self.vocab[id as usize])
                });
                hits
            } else {
                self.vocab.id(&stem).map(|id| vec![(id, 1.0)]).unwrap_or_default()
            };
            if !hits.is_empty() {
                units.push(Unit { first: i, last: i + 1, hits });
            }
        }
        // Each query word weighs what its best-known reading weighs; an unknown word weighs as
        // much as the rarest known word (what that costs a match depends on where it stands: see
        // `cost` below).
        // (A word only topics know is context for anyone else: "веду диабет" beside an
        // endocrinologist costs what an unknown word costs.)
        let known: Vec<bool> =
            (0..toks.len()).map(|j| units.iter().any(|u| u.first <= j && j <= u.last && u.hits.iter().any(|h| !self.topic_word[h.0 as usize]))).collect();
        let base: Vec<f32> = (0..toks.len())
            .map(|j| {
                let w = units
                    .iter()
                    .filter(|u| u.first <= j && j <= u.last)
                    .flat_map(|u| u.hits.iter().map(|(id, _)| self.weight[*id as usize]))
                    .fold(0.0f32, f32::max);
                if w > 0.0 {
                    w
                } else {
                    self.unknown_weight
                }
            })
            .collect();

        // Pass 1: every phrase the query reaches, with its recall and the words it explains. Each
        // vocabulary entry the query reads is looked up once: its best similarity and the query
        // words that read it.
        let mut read: HashMap<u32, (f32, u32)> = HashMap::default();
        for u in &units {
            let words = ((1u32 << (u.last + 1)) - 1) & !((1u32 << u.first) - 1);
            for &(id, s) in &u.hits {
                let e = read.entry(id).or_insert((0.0, 0));
                e.0 = e.0.max(s);
                e.1 |= words;
            }
        }
        // Accumulate each phrase's covered weight and the words it explains over the postings
        // of what the query read: one pass, an addition per posting (the scratch space is kept
        // per thread between queries).
        let mut reached: Vec<Reached> = Vec::new();
        ACC.with(|acc| {
            let mut acc = acc.borrow_mut();
            if acc.len() < self.phrases.len() {
                acc.resize(self.phrases.len(), (0.0, 0));
            }
            let mut touched: Vec<u32> = Vec::new();
            for (&id, &(s, m)) in &read {
                let (ps, ws) = self.postings(id);
                for (&p, &w) in ps.iter().zip(ws) {
                    let e = &mut acc[p as usize];
                    if e.1 == 0 {
                        touched.push(p);
                    }
                    e.0 += w * s;
                    e.1 |= m;
                }
            }
            for p in touched {
                let (covered, mask) = std::mem::take(&mut acc[p as usize]);
                let phrase = &self.phrases[p as usize];
                let recall = if phrase.total > 0.0 { covered / phrase.total } else { 0.0 };
                // A phrase the query covers this little cannot matter for any answer.
                if recall >= MIN_RECALL || matches!(phrase.target, Target::Listed(_)) {
                    reached.push(Reached { phrase: p, recall, mask });
                }
            }
        });
        // Which words other occupations claim: a word that completes a phrase of some target is
        // that target's; for any other target it is a contradiction, not context.
        // Each claim keeps the words of the claiming phrase (see `precision_of`).
        let mut claims: Vec<Vec<(Target, u32)>> = vec![Vec::new(); toks.len()];
        // A topic ("онкоцентр") claims nothing: a nurse in an oncology centre is a nurse.
        let light = sc.light_mask;
        for r in reached.iter().filter(|r| {
            let p = &self.phrases[r.phrase as usize];
            r.recall >= CLAIM_RECALL && !p.topic && (r.mask & !light != 0 || !matches!(p.target, Target::NotListed(_)))
        }) {
            let target = self.phrases[r.phrase as usize].target;
            // Statuses and chat ("студент", "ищу работу") are no occupation beside another.
            if matches!(target, Target::NotListed(g) if self.no_occupation(g)) {
                continue;
            }
            for (j, c) in claims.iter_mut().enumerate() {
                // Qualifiers and context words are never another occupation ("consultant
                // neurosurgeon" is a neurosurgeon even though "consultant" alone is a job).
                if r.mask & (1 << j) != 0 && !qwords[j].qualifier {
                    match c.iter_mut().find(|(t, _)| *t == target) {
                        Some((_, m)) => *m |= r.mask,
                        None => c.push((target, r.mask)),
                    }
                }
            }
        }
        // A request word that an occupation's name holds is that name's: "children's book
        // illustrator" books nothing.
        let named = claims.iter().enumerate().filter(|(_, c)| !c.is_empty()).fold(0u32, |m, (j, _)| m | 1 << j);
        if sc.request && !query.request_free {
            sc.request = query.request_mask & !named != 0;
        }
        // …and a request verb in a clause of its own asks for no occupation named elsewhere
        // ("Пентестер / red team, ищу уязвимости": a pentester looks for vulnerabilities, not
        // for a pentester). (A patient — "у ребёнка желтушка" — is a request wherever it stands.)
        let named_segs = (0..toks.len()).filter(|j| named & (1 << j) != 0).fold(0u32, |m, j| m | query::seg_bit(toks[j].seg));
        if sc.request && query.request_mask == 0 && named_segs != 0 && named_segs & query.request_segs == 0 {
            sc.request = false;
        }
        if let Some(trace) = trace.as_deref_mut() {
            for (j, t) in toks.iter().enumerate() {
                let mut hits: Vec<(String, f32)> = units
                    .iter()
                    .filter(|u| u.first <= j && j <= u.last)
                    .flat_map(|u| u.hits.iter().map(|(id, s)| (self.vocab[*id as usize].to_string(), *s)))
                    .collect();
                hits.sort_by(|a, b| b.1.total_cmp(&a.1));
                hits.truncate(3);
                let role = if qwords[j].qualifier {
                    "context"
                } else if !claims[j].is_empty() {
                    "occupation"
                } else if t.domain {
                    "domain"
                } else if known[j] {
                    "known"
                } else if self.agent_shaped(&t.word.folded) {
                    "unknown, occupation-shaped"
                } else {
                    "unknown"
                };
                trace.words.push(WordTrace {
                    folded: t.word.folded.clone(),
                    stem: qwords[j].stem.clone(),
                    role,
                    seg: t.seg,
                    paren: t.paren,
                    hits,
                    claims: claims[j].iter().map(|(c, _)| self.target_name(*c)).collect(),
                });
            }
        }
        // Words some listed phrase (a name or a topic) reads: at a place they may tell one listed
        // profession from another ("инженер на целлюлозно-бумажном комбинате"); other place words
        // are a workplace (see `precision_with`).
        let listed_read = reached.iter().filter(|r| matches!(self.phrases[r.phrase as usize].target, Target::Listed(_))).fold(0u32, |acc, r| acc | r.mask);
        // What explaining the words in `mask` is worth for `target`: explained weight over the
        // explained weight plus what the other words cost.
        // Words in `free` (a topic of the same profession: "веду диабет" beside "эндокринолог")
        // confirm the match: they cost nothing and explain nothing.
        let precision_with = |mask: u32, target: Target, free: u32, home: u64| -> f32 {
            let home_segs: u64 =
                if home != 0 { home } else { (0..toks.len()).filter(|j| mask & (1 << j) != 0).fold(0, |acc, j| acc | 1u64 << toks[j].seg.min(63)) };
            let home_paren = (0..toks.len()).any(|j| mask & (1 << j) != 0 && toks[j].paren);
            let home_all_paren = home_paren && (0..toks.len()).all(|j| mask & (1 << j) == 0 || toks[j].paren);
            let home_place = (0..toks.len()).any(|j| mask & (1 << j) != 0 && toks[j].place);
            let (mut explained, mut cost, mut far) = (0.0f32, 0.0f32, 0.0f32);
            for j in 0..toks.len() {
                let t = &toks[j];
                let q = qwords[j].qualifier;
                if mask & (1 << j) != 0 {
                    explained += if q { base[j] * QUALIFIER_WEIGHT } else { base[j] };
                    continue;
                }
                if free & (1 << j) != 0 {
                    continue;
                }
                let own_seg = home_segs & (1u64 << t.seg.min(63)) != 0;
                // Claims by targets that agree with this one (another listed profession, a
                // generic word whose professions include it) are no contradiction: the person
                // qualifies either way.
                let rivals = || claims[j].iter().filter(|(c, _)| !self.consistent(*c, target)).map(|(_, m)| *m);
                let claimed = rivals().next().is_some();
                // After a comma, words none of which is shaped like an occupation ("post-CCT",
                // "оперирую", "public health reference lab", "жедел жәрдем ауруханасы") are
                // context even if some occupation's name is made of them: a workplace or a field.
                // (Not a listed title before brackets that hold an off-list reading alone:
                // "Медицинский физик (…, QA линака)" is no QA engineer.)
                let title_of_bracket = home_all_paren
                    && !t.paren
                    && matches!(target, Target::NotListed(_))
                    && claims[j].iter().any(|(c, _)| matches!(c, Target::Listed(_)) && !self.consistent(*c, target));
                let weak_elsewhere = claimed
                    && !own_seg
                    && !title_of_bracket
                    && rivals().all(|m| (0..toks.len()).filter(|k| m & (1 << k) != 0).all(|k| !self.agent_shaped(&toks[k].word.folded)));
                // An occupation named where someone works ("физик в отделении лучевой терапии")
                // is a department, not a second job.
                let at_place = t.place && !home_place;
                cost += if claimed && !weak_elsewhere && !at_place && (own_seg || home_paren || !t.paren) {
                    // Another occupation named beside this one: in the same segment it
                    // contradicts in full — unless it shares the head word with this match
                    // ("сервисный инженер" + "инженер по лазерному оборудованию": one engineer,
                    // two readings of the modifiers); after a comma it still weighs; in brackets
                    // after a title it is the title's explanation ("Android (Jetpack Compose)").
                    // (…and a reading met only in brackets gives way in full to the title
                    // before them.)
                    if rivals().any(|m| m & mask != 0) {
                        base[j] * KNOWN_UNCLAIMED
                    } else if own_seg || title_of_bracket {
                        base[j]
                    } else {
                        base[j] * OTHER_SEGMENT_CLAIM
                    }
                } else if !q && !own_seg && home_paren && !t.paren && claims[j].is_empty() && !known[j] && self.agent_shaped(&t.word.folded) {
                    // A title naming an occupation nothing knows, the match only in the brackets
                    // after it ("фармпредставитель (эндокринология)"): the title is the job.
                    base[j]
                } else if !own_seg && claims[j].is_empty() {
                    // (Context after the title — years, employer, city, a chat tail, no word of
                    // another occupation — adds up only so far: a long message is no weaker a
                    // title.)
                    far += CONTEXT_WEIGHT;
                    0.0
                } else if q || (t.place && listed_read & (1 << j) == 0) || (t.seg > 0 && t.word.capitalized && !known[j]) || !claims[j].is_empty() {
                    CONTEXT_WEIGHT
                } else if t.domain {
                    base[j]
                } else if known[j] {
                    base[j] * KNOWN_UNCLAIMED
                } else if self.agent_shaped(&t.word.folded) {
                    base[j] * AGENT_UNKNOWN
                } else {
                    CONTEXT_WEIGHT
                };
            }
            let cost = cost + far.min(FAR_CONTEXT_CAP);
            if explained > 0.0 {
                explained / (explained + cost)
            } else {
                0.0
            }
        };
        let precision_of = |mask: u32, target: Target| precision_with(mask, target, 0, 0);

        // A word that narrows a generic word into a particular occupation the generic phrase does
        // not explain: a domain ("по бухучёту"), or the word right beside the head — after it in
        // Russian and Kazakh ("преподаватель английского"), before it in English ("estate
        // developer") — that is not context or a place.
        // Words some listed phrase reads, even partly: such a word points at the list, it is no
        // unknown modifier.
        let listed_touch = reached.iter().filter(|r| matches!(self.phrases[r.phrase as usize].target, Target::Listed(_))).fold(0u32, |acc, r| acc | r.mask);
        // …and words that occupations off the list read: a modifier counts only with that
        // evidence ("английского" is in "учитель английского языка"); an unknown word may as well
        // be a listed trade Kasip has no name for ("по ремонту автомобилей").
        let other_touch = reached.iter().filter(|r| matches!(self.phrases[r.phrase as usize].target, Target::NotListed(_))).fold(0u32, |acc, r| acc | r.mask);
        let has_modifier = |mask: u32| -> bool {
            if mask == 0 {
                return false;
            }
            let (first, last) = (mask.trailing_zeros() as usize, 31 - mask.leading_zeros() as usize);
            let seg = toks[first].seg;
            let modifies = |j: usize| {
                mask & (1 << j) == 0
                    && listed_touch & (1 << j) == 0
                    && other_touch & (1 << j) != 0
                    && !qwords[j].qualifier
                    && !toks[j].place
                    && !toks[j].paren
                    && toks[j].seg == seg
            };
            // The word on the head's modifier side; in mixed text ("developer недвижимости")
            // both sides.
            let before = first.checked_sub(1);
            // (After the head: the first word the phrase does not read — "преподаватель
            // английского в вузе" is read as "преподаватель вуза" around the modifier.)
            let after = (first + 1..toks.len()).find(|j| mask & (1 << j) == 0).filter(|j| *j <= last + 1);
            let beside = match (toks[first].word.folded.is_ascii(), after.is_some_and(|j| toks[j].word.folded.is_ascii())) {
                (true, true) => before.is_some_and(modifies),
                (true, false) => before.is_some_and(modifies) || after.is_some_and(modifies),
                (false, _) => after.is_some_and(modifies),
            };
            beside || (0..toks.len()).any(|j| toks[j].domain && modifies(j))
        };
        // Pass 2: scores. Per listed profession: the best phrase recall, the words any of its
        // phrases explain (a query may combine two aliases: "мобильный разработчик ios"), and
        // whether a distinctive word of it was matched (with the best recall of such a phrase).
        let mut best_recall = vec![0.0f32; n];
        let mut masks = vec![0u32; n];
        let mut distinct_recall = vec![0.0f32; n];
        let mut topic_recall = vec![0.0f32; n];
        let mut echo_masks = vec![0u32; n];
        let mut full_segs = vec![0u64; n];
        let mut generic_mask = 0u32;
        let mut near_not_listed: Vec<(f32, u32)> = Vec::new();
        // The best reading as an occupation off the list (not a status or chat): see below.
        let mut occupation_off_list: (f32, Option<u16>, f32) = (0.0, None, 0.0);
        // The words each listed profession's topics read, before any phrase is scored: a generic
        // word is scored with them (see below).
        for r in reached.iter().filter(|r| r.recall >= TOPIC_RECALL_MIN && self.phrases[r.phrase as usize].topic) {
            if let Target::Listed(i) = self.phrases[r.phrase as usize].target {
                sc.topic_mask[i as usize] |= r.mask;
            }
        }
        let topic_masks = &sc.topic_mask;
        // Best recall first: a phrase scores at most its recall, so once the recall falls below
        // the best score of its kind no later phrase of that kind can win (unless tracing).
        reached.sort_unstable_by(|a, b| b.recall.total_cmp(&a.recall));
        for r in &reached {
            let phrase = &self.phrases[r.phrase as usize];
            let best_of_kind = match phrase.target {
                Target::Listed(_) => 0.0,
                Target::NotListed(g) if self.no_occupation(g) => sc.not_listed.0 - TIE,
                Target::NotListed(_) => occupation_off_list.0 - TIE,
                Target::Generic(_) => sc.generic.0,
            };
            if trace.is_none() && !matches!(phrase.target, Target::Listed(_)) && r.recall <= best_of_kind {
                continue;
            }
            // Context alone names no occupation off the list: "больнице" is not "главный врач
            // больницы". (A generic word may be light: "врач" beside a specialty.)
            // (Nor a workplace: "жедел жәрдем ауруханасында" is an emergency hospital, not an
            // emergency physician.)
            if matches!(phrase.target, Target::NotListed(_)) && r.mask & !sc.light_mask & !sc.place_mask == 0 {
                continue;
            }
            // A name is not made of a generic word and a modifier of the place after it: in
            // "врач в детской больнице" the "детской" is the hospital's, "детский врач" is not
            // named.
            if matches!(phrase.target, Target::Listed(_))
                && !phrase.topic
                && r.mask & sc.place_mask != 0
                && r.mask & sc.place_mask & !sc.light_mask == 0
                && (r.mask & !sc.place_mask).count_ones() == 1
                && self.tokens(phrase).iter().all(|&t| self.generic_word[t as usize] || self.context.contains(&self.vocab[t as usize]))
            {
                continue;
            }
            let precision = match phrase.target {
                // A word that heads its professions' names is confirmed by their topics as each
                // of them is ("инженер-исследователь по обогащению руд").
                Target::Generic(g) if self.generic_narrows[g as usize] => {
                    let free = self.generic_codes[g as usize].iter().fold(0u32, |m, c| m | topic_masks[self.index_of(c)]) & !r.mask;
                    precision_with(r.mask, phrase.target, free, 0)
                }
                Target::NotListed(_) | Target::Generic(_) => precision_of(r.mask, phrase.target),
                Target::Listed(_) if trace.is_some() => precision_of(r.mask, phrase.target),
                Target::Listed(_) => 0.0,
            };
            let s = similarity::combine(r.recall, precision);
            if let Some(trace) = trace.as_deref_mut() {
                trace.phrases.push((r.phrase, r.recall, precision, s));
            }
            match phrase.target {
                // A topic explains its words for the profession, and alone makes a weak match.
                Target::Listed(i) if phrase.topic => {
                    if r.recall >= TOPIC_RECALL_MIN {
                        sc.topic_closed[i as usize] |= phrase.closed && r.recall >= CLAIM_RECALL;
                        if phrase.asks {
                            topic_recall[i as usize] = topic_recall[i as usize].max(r.recall);
                        }
                    }
                }
                Target::Listed(i) => {
                    let i = i as usize;
                    best_recall[i] = best_recall[i].max(r.recall);
                    // A phrase that names the profession sets its home segments; a partial echo
                    // elsewhere ("ML Engineer (… LLM …)") confirms but does not move home.
                    if r.recall >= CLAIM_RECALL || full_segs[i] == 0 {
                        // (A phrase read across a comma or bracket is no name: "ML Engineer (…
                        // LLM …)" is not "LLM engineer".)
                        let segs = (0..toks.len()).filter(|j| r.mask & (1 << j) != 0).fold(0u64, |m, j| m | 1u64 << toks[j].seg.min(63));
                        if r.recall >= CLAIM_RECALL && segs.count_ones() == 1 {
                            full_segs[i] |= segs;
                        }
                        masks[i] |= r.mask;
                    } else {
                        let in_home = (0..toks.len())
                            .filter(|j| r.mask & (1 << j) != 0 && full_segs[i] & (1u64 << toks[*j].seg.min(63)) != 0)
                            .fold(0u32, |m, j| m | 1 << j);
                        masks[i] |= in_home;
                        echo_masks[i] |= r.mask & !in_home;
                    }
                    let distinctive = self
                        .tokens(phrase)
                        .iter()
                        .any(|t| self.owner[*t as usize] == Some(i as u16) && read.get(t).is_some_and(|(s, _)| *s >= DISTINCTIVE_SIM));
                    if distinctive {
                        sc.distinct[i] = true;
                        distinct_recall[i] = distinct_recall[i].max(r.recall);
                    }
                }
                Target::NotListed(g) => {
                    if !self.no_occupation(g) && s > occupation_off_list.0 {
                        occupation_off_list = (s, Some(g), r.recall);
                    }
                    near_not_listed.push((s, r.mask));
                    if s > sc.not_listed.0 {
                        sc.not_listed = (s, Some(g));
                        sc.not_listed_recall = r.recall;
                    }
                }
                Target::Generic(g) => {
                    // In a tie the reading that holds the title's head wins ("саунд-дизайнер для
                    // игр" is a sound designer, not a game designer).
                    let nearer_head = s == sc.generic.0
                        && generic_mask != 0
                        && if sc.latin {
                            r.mask.leading_zeros() < generic_mask.leading_zeros()
                        } else {
                            r.mask.trailing_zeros() < generic_mask.trailing_zeros()
                        };
                    if s > sc.generic.0 || nearer_head {
                        sc.generic = (s, Some(g));
                        sc.generic_modified = has_modifier(r.mask);
                        generic_mask = r.mask;
                    }
                }
            }
        }
        // The words of another job function (see `listed_rival`), outside brackets.
        let function_words = (0..toks.len()).filter(|&j| !toks[j].paren && self.functions.contains(&qwords[j].stem)).fold(0u32, |m, j| m | 1 << j);
        for i in 0..n {
            if topic_recall[i] > 0.0 {
                let precision = precision_of(topic_masks[i], Target::Listed(i as u16));
                sc.topic[i] = similarity::combine(topic_recall[i], precision).min(TOPIC_CAP);
                if best_recall[i] == 0.0 {
                    sc.listed[i] = sc.topic[i];
                    sc.topic_only[i] = true;
                    sc.listed_mask[i] = topic_masks[i];
                }
            }
            if best_recall[i] > 0.0 {
                // Home is where a phrase named it within one segment ("ML Engineer" — not the
                // brackets where "LLM" echoes "LLM engineer").
                let precision = precision_with(masks[i], Target::Listed(i as u16), (topic_masks[i] | echo_masks[i]) & !masks[i], full_segs[i]);
                let mut core = (0..toks.len()).filter(|j| masks[i] & (1 << j) != 0 && !qwords[*j].qualifier).peekable();
                sc.place_only[i] = core.peek().is_some() && core.all(|j| toks[j].place);
                sc.listed_modified[i] = has_modifier(masks[i]);
                // (A rival reading of the same title: it shares a word of this reading, lies in one
                // segment, and reads a word of another function of its own, outside brackets.)
                let m = masks[i];
                sc.listed_rival[i] = function_words != 0
                    && reached.iter().any(|r| {
                        matches!(self.phrases[r.phrase as usize].target, Target::NotListed(g) if !self.no_occupation(g))
                            && r.recall >= CLAIM_RECALL
                            && r.mask & m != 0
                            && r.mask & function_words & !m & !listed_touch != 0
                            && (0..toks.len()).filter(|j| r.mask & (1 << j) != 0).all(|j| toks[j].seg == toks[r.mask.trailing_zeros() as usize].seg)
                    });
                sc.listed_mask[i] = masks[i];
                sc.listed[i] = similarity::combine(best_recall[i], precision);
                if precision >= PARTIAL_PRECISION_MIN {
                    sc.partial[i] = distinct_recall[i];
                    // (The name's part read must hold an occupation word — the profession's own or
                    // a generic one like "инженер" — not only its workplace: "жоғары оқу
                    // орнында сабақ беремін" teaches at a university, what is not said.)
                    let agent = (0..toks.len()).any(|j| {
                        masks[i] & !sc.light_mask & !sc.place_mask & (1 << j) != 0
                            && units
                                .iter()
                                .filter(|u| u.first == j && u.last == j)
                                .flat_map(|u| u.hits.iter())
                                .any(|&(id, s)| s >= DISTINCTIVE_SIM && (self.generic_word[id as usize] || self.owner[id as usize] == Some(i as u16)))
                    });
                    sc.confirmed[i] = agent && best_recall[i] >= CONFIRMED_RECALL_MIN && topic_masks[i] & !masks[i] & !sc.light_mask != 0;
                }
            }
        }
        // A status or chat ("ықтиярхат алғым келеді", "студент") beside an occupation says nothing
        // against it: only an occupation off the list contests.
        // (Read as well as an occupation off the list would need to be: a weak echo of the
        // list in "сколько ждать решения по ПМЖ" is no occupation.)
        let occupation_read = sc.listed.iter().chain(std::iter::once(&sc.generic.0)).any(|&s| s >= NOT_LISTED_MIN);
        if occupation_read && sc.not_listed.1.is_some_and(|g| self.no_occupation(g)) {
            sc.not_listed = (occupation_off_list.0, occupation_off_list.1);
            sc.not_listed_recall = occupation_off_list.2;
        }
        sc.not_listed_mask = near_not_listed.iter().filter(|(s, _)| s + TIE >= sc.not_listed.0).fold(0, |m, (_, mask)| m | mask);
        sc.generic_mask = generic_mask;
        sc.generic_named = (0..toks.len()).any(|j| generic_mask & (1 << j) != 0 && !toks[j].place);
        // Every other word of the best generic word's segment is context, a place, or read by one
        // of the word's own professions — by name ("sofware developr") or as its topic
        // ("gameplay programmer") — not "hardware developer".
        if let (Some(g), true) = (sc.generic.1, generic_mask != 0) {
            let explained = self.generic_codes[g as usize].iter().fold(generic_mask, |acc, c| {
                let i = self.index_of(c);
                acc | masks[i] | topic_masks[i]
            });
            let seg = toks[generic_mask.trailing_zeros() as usize].seg;
            // (A word nothing reads, not shaped like an occupation — a series, a brand — is no
            // modifier of the word either: "звукорежиссёр озвучки и дубляжа сериалов".)
            // (After the word, where Russian and Kazakh put what a noun is of.)
            let last = 31 - generic_mask.leading_zeros() as usize;
            // (But not a common noun right after the word, in the genitive: "разработчик смет",
            // "разработчик лекал" are other trades.)
            // (Abbreviations are short: "инженер-исследователь ЦБП", "технолог фарм.
            // производства".)
            let object = |j: usize| {
                let w = &toks[j].word;
                j == last + 1 && !w.capitalized && w.folded.chars().count() >= 4 && w.folded.chars().all(crate::lang::is_cyrillic)
            };
            let unread = |j: usize| {
                !sc.latin
                    && j > last
                    && !object(j)
                    && !units.iter().any(|u| u.first <= j && j <= u.last && !u.hits.is_empty())
                    && !self.agent_shaped(&toks[j].word.folded)
            };
            // (…nor one read only as kin of a word: "разработчик микросхем" merely begins like
            // "микросервис".)
            let read_well = |j: usize| units.iter().any(|u| u.first <= j && j <= u.last && u.hits.iter().any(|h| h.1 >= OBJECT_READ_MIN));
            sc.generic_alone = (0..toks.len())
                .all(|j| explained & (1 << j) != 0 || toks[j].seg != seg || qwords[j].qualifier || toks[j].place || toks[j].paren || unread(j))
                && !(0..toks.len()).any(|j| toks[j].seg == seg && !qwords[j].qualifier && object(j) && !read_well(j));
        }
        sc
    }

    /// The readings of a query worth scoring: as typed, and (for one-script text) the wrong-layout
    /// and transliterated readings.
    pub(super) fn variants(&self, cleaned: &str) -> Vec<Reading> {
        let reading = |text: String, how: &'static str| Reading { text, penalty: VARIANT_PENALTY, how, whole: false };
        let mut v = vec![Reading { text: cleaned.to_string(), penalty: 1.0, how: "as typed", whole: false }];
        let lower = cleaned.to_lowercase();
        match normalize::script(&lower) {
            Script::Latin => {
                if let Some(s) = layout::latin_to_cyrillic(&lower) {
                    v.push(reading(s, "wrong keyboard layout"));
                }
                // A Latin name of a stack or a platform ("Java", "SAP": context and topic words)
                // with no Cyrillic reading stays as typed in a transliterated message ("Men
                // Java-razrabotchikpyn").
                let word_id = |w: &str| self.vocab.id(&self.morph.stem(&normalize::word(w)));
                let stack = |w: &str| self.context.contains(&normalize::word(w).folded) || word_id(w).is_some_and(|id| self.topic_word[id as usize]);
                let keep = |w: &str| w.len() >= 3 && stack(w) && translit::latin_to_cyrillic(w).is_some_and(|c| word_id(&c).is_none() && !stack(&c));
                if let Some(s) = translit::latin_to_cyrillic_keeping(&lower, &keep) {
                    v.push(reading(s, "transliterated"));
                }
                if let Some(s) = translit::kazakh_latin_to_cyrillic(&lower, &keep) {
                    v.push(reading(s, "Kazakh Latin"));
                }
            }
            Script::Cyrillic => {
                if let Some(s) = layout::cyrillic_to_latin(&lower) {
                    v.push(reading(s, "wrong keyboard layout"));
                }
                // An English title in Russian letters ("видео эдитор"): only as a whole, since a
                // Russian sentence read so loses its cues ("я дочь педиатра" → "pediatra"), so
                // only for a title's few words (a sentence never reads whole in English).
                let title = lower.split(|c: char| !normalize::is_word_char(c)).filter(|w| !w.is_empty()).count() <= ENGLISH_TITLE_WORDS;
                if let Some(s) = translit::english_in_cyrillic(&lower).filter(|_| title) {
                    v.push(Reading { whole: true, ..reading(s, "English in Cyrillic") });
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

/// The query words (bit `j` for word `j`) whose flag is set.
fn word_mask(flags: impl Iterator<Item = bool>) -> u32 {
    flags.enumerate().filter(|(_, f)| *f).fold(0, |m, (j, _)| m | 1 << j)
}

/// A word typed without Kazakh letters is read as Kazakh without its soft sign only from this
/// many letters on ("мобильди"; not the "иьм" a transliterated "I'm" makes).
const KK_SIGN_DROP_MIN: usize = 5;

/// A word right after a generic one must read this well to be no object of another trade (see
/// `generic_alone`).
const OBJECT_READ_MIN: f32 = 0.9;

/// Whether a vocabulary entry `v` read fuzzily for two words joined ("нейро хирургг") keeps the
/// known part as typed and puts a word in place of the other: a known word is not rewritten, and
/// a short word is no typo of a longer one ("разработчик чат-ботов" is no "разработчик сайтов").
fn typo_in_unknown_part(first: &str, first_known: bool, second_len: usize, second_known: bool, second: &str, v: &str) -> bool {
    // (A part shorter than six letters must itself be a typo of what it stands for: "разработчик
    // смет" is no "разработчик софт".)
    let long = |a: &str, a_len: usize, rest: &str| {
        let n = rest.chars().count();
        a_len.min(n) >= similarity::FUZZY_MIN_LEN && (a_len.min(n) >= 6 || similarity::word_similarity(a, a_len, rest, n, false) > 0.0)
    };
    if first_known {
        v.strip_prefix(first).is_some_and(|rest| long(second, second_len, rest))
    } else if second_known {
        v.strip_suffix(second).is_some_and(|rest| long(first, first.chars().count(), rest))
    } else {
        true
    }
}
