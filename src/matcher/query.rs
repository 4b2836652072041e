//! Reading a query: words after abbreviations and stopwords, each with what the sentence around it
//! says about it — which segment it stands in (commas, brackets, `|` and spaced dashes separate a
//! title from its context), whether it narrows a domain ("по поварскому делу"), whether it is a
//! qualifier or context word — and whether the message as a whole is a request for a service
//! ("ищу педиатра") rather than a description of the writer's work.

use super::*;

/// A word of the query as the scorer sees it.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub word: Word,
    /// Seniority, stack, workplace, place …: weighs little (see [`super::CONTEXT_WEIGHT`]).
    pub qualifier: bool,
    /// Which segment of the message the word stands in (0-based, see [`Matcher::read_query`]).
    pub seg: u8,
    /// Inside brackets: an explanation of what stands before it.
    pub paren: bool,
    /// Follows a domain marker ("по", "в области"): it narrows what the occupation is about.
    pub domain: bool,
    /// Follows a place marker ("в", "на", "with"): where or with what someone works.
    pub place: bool,
}

/// A query read into words and flags.
#[derive(Debug, Clone, Default)]
pub(super) struct Query {
    pub toks: Vec<Tok>,
    /// Asks for a service ("запишите к онкологу"), with no word saying it is about the writer.
    pub request: bool,
    /// The words of `toks` that mark a request: one an occupation's name holds marks none (see
    /// `Matcher::score_text`).
    pub request_mask: u32,
    /// A request word outside `toks` (a stopword or a preposition-like word).
    pub request_free: bool,
    /// The segments holding a request word (bit `seg`, the last bit for all later ones).
    pub request_segs: u32,
    /// The segments a spaced slash opens ("NICU doctor / Neonatologist"): another name for the
    /// same work, not a title's follower (bit `seg`, as `request_segs`).
    pub alt_segs: u32,
    /// The segments a CV line's field separator opens ("|", "•", "·", a spaced dash): another
    /// field of the line, not the next clause of a sentence (bit `seg`, as `request_segs`).
    pub field_segs: u32,
    /// The occupation is a wish or a course of study ("будущий педиатр", "учусь на врача").
    pub aspiration: bool,
    /// The writer says they do the work ("монтирую рилсы", "I develop games"; see
    /// `Lexicon::doing`).
    pub doing: bool,
    /// The words of `toks` that are such verbs: they alone point at no one ("монтирую окна").
    pub doing_mask: u32,
    /// A programming language or framework is among the words of now (`Lexicon::stack`; "C++"
    /// too, whose letter is no word kept).
    pub stack: bool,
    /// The words of clauses about the writer's past ("раньше был звукооператором"), kept out of
    /// `toks`: what they name is not the writer's work now (see `Matcher::score_text`).
    pub former: String,
}

impl Query {
    /// Where the words of segment `seg` (the last one read) begin in `toks`.
    fn seg_start(&self, seg: u8) -> usize {
        self.toks.iter().rposition(|t| t.seg != seg).map_or(0, |i| i + 1)
    }

    /// Drops the last word kept if it is `folded`: the first word of a two-word marker ("used
    /// to", "н. в.") was kept before the second showed what it is.
    fn pop_word(&mut self, folded: &str) {
        if self.toks.last().is_some_and(|t| t.word.folded == folded) {
            self.toks.pop();
        }
    }

    /// Moves the words from `from` on into the clauses about the past (see `former`).
    fn move_to_former(&mut self, from: usize) {
        self.range_to_former(from..self.toks.len());
    }

    /// Moves the words of `range` to `former`.
    fn range_to_former(&mut self, range: std::ops::Range<usize>) {
        for t in self.remove(range) {
            self.former.push_str(&t.word.folded);
            self.former.push(' ');
        }
    }

    /// Takes the words of `range` out of `toks`, the request and doing masks kept in step (the
    /// bits of the words after the range move down with them).
    fn remove(&mut self, range: std::ops::Range<usize>) -> Vec<Tok> {
        let (from, n) = (range.start, range.len());
        let shift = |mask: u32| {
            let below = mask & ((1u32 << from.min(31)) - 1);
            let after = mask.checked_shr((from + n) as u32).unwrap_or(0);
            below | after.checked_shl(from as u32).unwrap_or(0)
        };
        self.request_mask = shift(self.request_mask);
        self.doing_mask = shift(self.doing_mask);
        self.toks.drain(range).collect()
    }
}

/// How a cue reads a word typed in Latin: in Cyrillic too ("balama endokrinolog kerek", "Diplom
/// boiynsha pediatr, qazir…", "na pensii").
fn cyrillic_cue_reading(folded: &str) -> Option<String> {
    folded.is_ascii().then(|| translit::latin_to_cyrillic(folded)).flatten().map(|c| normalize::word(&c).folded)
}

/// The words that tell whose work a message describes and when (each a lexicon list, folded;
/// entries of two words — "used to" — kept as a folded pair).
#[derive(Default)]
pub(super) struct Cues {
    /// Own work ("работаю", "резюме") and pronouns ("я", "I'm"): see `Lexicon::self_markers`.
    pub self_markers: HashSet<String>,
    pub self_pronouns: HashSet<String>,
    /// Patients of a request (see `Lexicon::patients`).
    pub patients: HashSet<String>,
    /// A wish or study (see `Lexicon::aspirations`).
    pub aspirations: HashSet<String>,
    pub doing: HashSet<String>,
    /// A past job: its markers, the words that end its clause, "ago" and what makes "ago" no
    /// past (see `Lexicon::former`).
    pub former: HashSet<String>,
    pub current: HashSet<String>,
    pub ago: HashSet<String>,
    pub ago_markers: HashSet<String>,
    pub to_date: HashSet<String>,
    pub range_ends: HashSet<String>,
    pub range_starts: HashSet<String>,
    pub former_prefixes: HashSet<String>,
    pub work_began: HashSet<String>,
    pub past_verbs: HashSet<String>,
    pub no_work: HashSet<String>,
    pub retirement: HashSet<String>,
    pub diplomas: HashSet<String>,
    pub off_field: HashSet<String>,
    pub but_for: HashSet<String>,
    pub work_now: HashSet<String>,
    /// Negation (see `Lexicon::negations`).
    pub negations: HashSet<String>,
    pub subjects: HashSet<String>,
    pub spouses: HashSet<String>,
    pub married: HashSet<String>,
    pub writer_subjects: HashSet<String>,
    pub third_person: HashSet<String>,
    pub third_oblique: HashSet<String>,
    pub employers: HashSet<String>,
    pub past_being: HashSet<String>,
    pub appointed: HashSet<String>,
    pub durations: HashSet<String>,
    pub ad_verbs: HashSet<String>,
    pub job_ads: HashSet<String>,
    pub salaries: HashSet<String>,
    pub ad_ranges: HashSet<String>,
    pub hiring: HashSet<String>,
    pub cvs: HashSet<String>,
    pub own: HashSet<String>,
    pub contrasts: HashSet<String>,
    pub negations_after: HashSet<String>,
    pub not_negating: HashSet<String>,
}

impl Cues {
    pub fn new(lex: &crate::catalog::Lexicon) -> Cues {
        let mut c = Cues::default();
        let lists: [(&mut HashSet<String>, &PerLang); 42] = [
            (&mut c.self_markers, &lex.self_markers),
            (&mut c.self_pronouns, &lex.self_pronouns),
            (&mut c.patients, &lex.patients),
            (&mut c.aspirations, &lex.aspirations),
            (&mut c.doing, &lex.doing),
            (&mut c.former, &lex.former),
            (&mut c.current, &lex.current),
            (&mut c.ago, &lex.ago),
            (&mut c.ago_markers, &lex.ago_markers),
            (&mut c.to_date, &lex.to_date),
            (&mut c.range_ends, &lex.range_ends),
            (&mut c.range_starts, &lex.range_starts),
            (&mut c.former_prefixes, &lex.former_prefixes),
            (&mut c.work_began, &lex.work_began),
            (&mut c.past_verbs, &lex.past_verbs),
            (&mut c.no_work, &lex.no_work),
            (&mut c.retirement, &lex.retirement),
            (&mut c.diplomas, &lex.diplomas),
            (&mut c.off_field, &lex.off_field),
            (&mut c.but_for, &lex.but_for),
            (&mut c.work_now, &lex.work_now),
            (&mut c.negations, &lex.negations),
            (&mut c.subjects, &lex.subjects),
            (&mut c.spouses, &lex.spouses),
            (&mut c.married, &lex.married),
            (&mut c.writer_subjects, &lex.writer_subjects),
            (&mut c.third_person, &lex.third_person),
            (&mut c.third_oblique, &lex.third_oblique),
            (&mut c.employers, &lex.employers),
            (&mut c.past_being, &lex.past_being),
            (&mut c.appointed, &lex.appointed),
            (&mut c.durations, &lex.durations),
            (&mut c.ad_verbs, &lex.ad_verbs),
            (&mut c.job_ads, &lex.job_ads),
            (&mut c.salaries, &lex.salaries),
            (&mut c.ad_ranges, &lex.ad_ranges),
            (&mut c.hiring, &lex.hiring),
            (&mut c.cvs, &lex.cvs),
            (&mut c.own, &lex.own),
            (&mut c.contrasts, &lex.contrasts),
            (&mut c.negations_after, &lex.negations_after),
            (&mut c.not_negating, &lex.not_negating),
        ];
        for (set, words) in lists {
            *set = words.iter().map(|(_, w)| w.split_whitespace().map(|x| normalize::word(x).folded).collect::<Vec<_>>().join(" ")).collect();
        }
        c
    }
}

enum Preposition {
    Domain,
    Place,
}

/// Characters that end a clause for the past-job and "ago" cues (commas and sentence ends).
const CLAUSE_END: [char; 6] = [',', ';', '.', '!', '?', '\n'];

/// The clause that opens `rest`.
fn first_clause(rest: &str) -> &str {
    rest.split(CLAUSE_END).next().unwrap_or("")
}

/// Characters that end a segment wherever they stand.
/// (An emoji too: "anesthesiologist lol 😅 night shifts forever" — what follows it is a remark.)
fn hard_boundary(c: char) -> bool {
    matches!(c, ',' | ';' | '|' | '(' | ')' | '[' | ']' | '{' | '}' | '@' | '!' | '?' | '•' | '·' | '\n' | '.' | '«' | '»' | '"')
        || matches!(c, '\u{1F300}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}')
}

impl Matcher {
    /// Words of a text after abbreviations and stopwords, each flagged as qualifier or not: the
    /// same words `read_query` keeps, without the sentence analysis (it runs for every phrase of
    /// the index at start-up).
    pub(super) fn analyze(&self, text: &str) -> Vec<(Word, bool)> {
        let mut out = Vec::new();
        for raw in text.split(|c: char| !normalize::is_word_char(c)).filter(|w| !w.is_empty()) {
            self.analyze_word(raw, &mut out);
            if out.len() >= MAX_WORDS {
                out.truncate(MAX_WORDS);
                return out;
            }
        }
        out
    }

    /// One word of a phrase as the index reads it: nothing for a preposition or filler, the
    /// expansion of an abbreviation, else the word — each with whether it is a qualifier.
    pub(super) fn analyze_word(&self, raw: &str, out: &mut Vec<(Word, bool)>) {
        let w = normalize::word(raw);
        if self.preposition(raw, &w).is_some() {
            return;
        }
        for w in self.expand(raw, w) {
            if self.is_filler(&w) {
                continue;
            }
            let q = self.qualifiers.contains(&w.folded);
            out.push((w, q));
        }
    }

    /// A domain marker (`Some(Domain)`: "по", "в области") or a place marker (`Some(Place)`:
    /// "в", "at"). "ПО" (software) is an abbreviation, "по" a preposition: case decides, first.
    fn preposition(&self, raw: &str, w: &Word) -> Option<Preposition> {
        if self.abbreviations[0].contains_key(raw) {
            None
        } else if self.domain_markers.contains(&w.folded) {
            Some(Preposition::Domain)
        } else if self.place_markers.contains(&w.folded) {
            Some(Preposition::Place)
        } else {
            None
        }
    }

    /// The words an abbreviation stands for (`ИБ` → информационная безопасность), else the word.
    fn expand(&self, raw: &str, w: Word) -> Vec<Word> {
        match self.abbreviations[0].get(raw).or_else(|| self.abbreviations[1].get(&w.folded)) {
            Some(to) => to.clone(),
            None => vec![w],
        }
    }

    /// Stopwords, numbers and single letters (`I'm` → `i`, `m`): no part of an occupation.
    fn is_filler(&self, w: &Word) -> bool {
        self.stopwords.contains(&w.folded)
            || w.folded.chars().all(|c| c.is_ascii_digit())
            || w.folded.chars().nth(1).is_none()
            // A Kazakh stopword takes case endings ("жұмысқа" — to work).
            || (w.kazakh && self.stopwords.contains(&morph::kazakh_stem(&w.folded)))
    }

    /// Reads a query. Segments: `,` `;` `|` brackets `@` and sentence ends always separate (a
    /// colon does not: "инженер: технология неорганических веществ" is one title);
    /// a dash or slash separates only with spaces around it (`врач-педиатр`, `OB/GYN` are words).
    pub(super) fn read_query(&self, text: &str) -> Query {
        let mut q = Query::default();
        let (mut request, mut about_self) = (false, false);
        let (mut patient, mut pronoun) = (false, false);
        // The previous word was a pronoun: "я ищу", "I'm looking for" ask for someone.
        let mut after_pronoun = false;
        let (mut seg, mut depth) = (0u8, 0u32);
        let (mut domain, mut place) = (false, false);
        // Where the current place began (its first word is the place's own, whatever it is).
        let mut place_start = 0;
        // In a clause about the past; the folded word before (for pairs: "used to", "5 жыл бұрын").
        let mut former = false;
        let mut former_words = 0;
        // …opened by "ago" ("5 лет назад уволился"): an event of the past, whose news (leaving
        // work) holds now.
        let mut ago_former = false;
        // Where the clause of a past-tense verb began ("была медсестрой"), and whether a clause
        // end or contrast has come since: a later word of the present makes it the past.
        let mut past_from: Option<usize> = None;
        let mut past_closed = false;
        // That past tense was the writer's own news (see `Lexicon::appointed`): where in `text`
        // its verb ended. And whether any word of the present has been read.
        let mut past_alone: Option<usize> = None;
        let mut any_present = false;
        // A word of the present or of work begun came after a word of retirement.
        let mut work_after_leaving = false;
        // That clause told of a diploma (see `Lexicon::diplomas`): where its words end in `toks`,
        // once it has closed.
        let mut diploma = false;
        let mut diploma_end: Option<usize> = None;
        // A word of the present has named work ("сейчас таксист"), and its clause has ended.
        let (mut current_named, mut current_closed) = (false, false);
        // A word has said the writer works no more ("на пенсии"), or has retired.
        let mut no_work = false;
        // The segment where a relative was named ("мой дед", "my uncle"), where the words of
        // that segment begin, whether the writer then speaks of themselves in a clause of their
        // own, and whether the message asks about someone else.
        let mut relative_seg: Option<u8> = None;
        let mut relative_from: Option<usize> = None;
        // The current segment was opened by a spaced dash.
        let mut seg_by_dash = false;
        let (mut writer_speaks, mut about_other) = (false, false);
        // The segments where the writer is a subject ("я", "I").
        let mut writer_segs = 0u32;
        // A hiring word has been read ("требуется", "wanted"): a CV after it is the reader's.
        let mut hiring_seen = false;
        let mut employer = false;
        // The segment of a word of retirement, if one has been read.
        let mut retired_seg: Option<u8> = None;
        // …and its entry of a work history ("2014–2018 безработный, 2018–н.в. …": closed, it is
        // the past too).
        let mut retired_entry = 0u64;
        let mut ex_pending = false;
        // In a clause of what the writer is not ("я не невролог").
        let mut negated = false;
        // A work history (see `Lexicon::to_date`): where each entry's words begin (entries are
        // split by ";", ",", "|", new lines and sentence ends), the entries whose years close a range, those
        // running to date, and whether the current entry has named a year.
        let mut entry_starts = vec![0usize];
        let mut strong_entries = 1u64;
        let (mut closed_entries, mut to_date_entries) = (0u64, 0u64);
        let mut year_in_entry = false;
        // The entries whose years open a range ("с 2018"), and the latest year with its entry.
        let mut opened_entries = 0u64;
        let mut latest_year = (0u16, 0usize);
        // Where the words of the current sentence begin.
        let mut sentence_start = 0;
        // A word of the text, kept or not ("жұмыс істеймін"), is Kazakh: bare locatives are places.
        let mut kazakh_text = false;
        let mut prev = String::new();
        let mut prev2 = String::new();
        let mut gap = String::new();
        // The previous word was an abbreviation (its dot ends nothing).
        let mut after_abbreviation = false;
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if !normalize::is_word_char(c) {
                gap.push(c);
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, c2)) = chars.peek() {
                if !normalize::is_word_char(c2) {
                    break;
                }
                end = i + c2.len_utf8();
                chars.next();
            }
            let raw = &text[start..end];
            let w = normalize::word(raw);
            // What stood between the previous word and this one.
            let spaced = gap.contains(char::is_whitespace);
            let soft = gap.trim().chars().next().is_some_and(|d| matches!(d, '-' | '–' | '—' | '/' | '\\' | '+' | '&'));
            // (An abbreviation's dot is no boundary: "Ст. преподаватель каф. ИТ", "Мед. физик".)
            let abbreviation_dot =
                std::mem::replace(&mut after_abbreviation, self.abbreviations[0].contains_key(raw) || self.abbreviations[1].contains_key(&w.folded))
                    && gap.trim() == ".";
            let boundary = !abbreviation_dot && (gap.chars().any(hard_boundary) || (spaced && soft));
            for ch in gap.chars() {
                match ch {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            // A spaced slash opens another name for the same work ("NICU doctor / Neonatologist").
            let alternative = boundary && spaced && !gap.chars().any(hard_boundary) && gap.trim().starts_with(['/', '\\']);
            if boundary && !q.toks.is_empty() {
                seg = seg.saturating_add(1);
                seg_by_dash = !gap.chars().any(hard_boundary) && gap.trim().starts_with(['-', '–', '—']);
                // (…and so does a bracket right after a title, "NICU doctor (neonatologist)": what
                // it names explains the title, it is no follower of the title's head.)
                if alternative || matches!(gap.trim(), "(" | "[") {
                    q.alt_segs |= seg_bit(seg);
                }
                if seg_by_dash || gap.contains(['|', '•', '·']) {
                    q.field_segs |= seg_bit(seg);
                }
            }
            // (A place or domain ends at a boundary even before any word is kept: "2019–н.в.
            // Видеомонтажер" — "в." is no place of the title after it.)
            if boundary {
                (domain, place) = (false, false);
            }
            // (A marker standing alone before a dash or colon — "Раньше — медсестра" — keeps
            // its clause going past it.)
            // (…nor does another name for the same past job: "formerly a NICU doctor /
            // Neonatologist, now a nanny".)
            former &= !boundary || former_words == 0 || alternative;
            past_closed |= boundary && past_from.is_some();
            // (Once it holds more than the diploma word: "Диплом — экономист, …".)
            if boundary && diploma && diploma_end.is_none() && past_from.is_some_and(|f| q.toks.len() > f + 1) {
                diploma_end = Some(q.toks.len());
            }
            current_closed |= boundary && current_named;
            // "ex-" before an occupation is a past job ("ex-pediatrician"); before a name, an
            // employer ("ex-Kaspi").
            let ex_before = std::mem::take(&mut ex_pending) && gap == "-";
            negated &= !boundary;
            // (A sentence's end too, once the entry has words: "Сейчас: водитель. 2015–2019:
            // врач-педиатр" — not an abbreviation's dot, "2015–2019 гг. врач-педиатр", "до 2020
            // г. — врач-терапевт", "наст. время".)
            let sentence_end = gap.contains('.')
                && !abbreviation_dot
                && spaced
                && prev.chars().count() >= 3
                && (c.is_uppercase() || c.is_ascii_digit())
                && entry_starts.last().is_some_and(|&e| e < q.toks.len());
            // ("1. 2015–2019 педиатр 2. 2019–н.в. менеджер": a list item's number after a space
            // begins an entry of its own.)
            let list_item = raw.len() <= 2
                && raw.bytes().all(|b| b.is_ascii_digit())
                && spaced
                && text[end..].starts_with(['.', ')'])
                && entry_starts.last().is_some_and(|&e| e < q.toks.len());
            if gap.contains([';', ',', '|', '\n']) || sentence_end || list_item {
                entry_starts.push(q.toks.len());
                // (Whether a line, sentence or list item begins here, or only a comma's part of one.)
                strong_entries |= u64::from(gap.contains([';', '|', '\n']) || sentence_end || list_item) << (entry_starts.len() - 1).min(63);
                year_in_entry = false;
            }
            if gap.contains(['!', '?', ';', '\n']) || (gap.contains('.') && !abbreviation_dot) {
                sentence_start = q.toks.len();
            }
            let dash_before = gap.contains(['-', '–', '—']);
            // (Whether this word opens a clause of its own: "…, не программист", "(не программист)".)
            let opens_clause = gap.contains([',', ';', '|', '(', ':', '\n']);
            gap.clear();

            kazakh_text |= morph::is_kazakh_signal(&w);
            let cyrillic = cyrillic_cue_reading(&w.folded);
            // The next word of this word's clause, read once if a cue asks for it.
            let next = std::cell::OnceCell::new();
            let next_word = || next.get_or_init(|| normalize::words(first_clause(&text[end..])).into_iter().next()).as_ref();
            let cue = |set: &HashSet<String>| set.contains(&w.folded) || cyrillic.as_ref().is_some_and(|c| set.contains(c));
            // (Any word an occupation's name holds: brands and employers are none.)
            if ex_before && self.vocab.id(&self.morph.stem(&w)).is_some_and(|id| !self.topic_word.get(id as usize).copied().unwrap_or(true)) {
                (former, former_words, ago_former) = (true, 0, false);
            }
            if self.cues.former_prefixes.contains(&w.folded) {
                ex_pending = true;
                continue;
            }
            let pair = format!("{prev} {}", w.folded);
            let was = std::mem::replace(&mut prev, w.folded.clone());
            let was2 = std::mem::replace(&mut prev2, was.clone());
            let entry_bit = 1u64 << (entry_starts.len() - 1).min(63);
            let year = raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit()) && (raw.starts_with("19") || raw.starts_with("20"));
            if year && ((year_in_entry && dash_before) || self.cues.range_ends.contains(&was)) {
                closed_entries |= entry_bit;
                // ("Был бактериологом до 2015": a past tense whose years close is the past.)
                if let Some(from) = past_from.take() {
                    q.move_to_former(from);
                }
            }
            // ("с 2018 — видеомонтажер", "since 2019": a range that opens and does not close.)
            if year && self.cues.range_starts.contains(&was) {
                opened_entries |= entry_bit;
            }
            if year {
                let y: u16 = raw.parse().unwrap_or(0);
                if y >= latest_year.0 {
                    latest_year = (y, entry_starts.len() - 1);
                }
            }
            year_in_entry |= year;
            // (The marker is no word of the query: "present" is no presenter.)
            if self.cues.to_date.contains(&pair) {
                any_present = true;
                to_date_entries |= entry_bit;
                q.pop_word(&was);
                continue;
            } else if self.cues.to_date.contains(&w.folded) {
                any_present = true;
                to_date_entries |= entry_bit;
                continue;
            }
            // "Я жена программиста", "I'm the wife of a surgeon": whose job follows is not the
            // writer's. (A pronoun that is the writer as subject: not "мой муж".)
            let writer = |x: &str| self.cues.self_pronouns.contains(x) && self.cues.subjects.contains(x);
            if self.cues.spouses.contains(&w.folded) && (writer(&was) || (self.determiners.contains(&was) && writer(&was2))) {
                negated = true;
                continue;
            }
            // Someone's relative: "the son of a pediatrician", "отец нейрохирурга" (the
            // genitive), "a neurosurgeon's wife" — that job is the other person's.
            let relative = |x: &str| self.cues.spouses.contains(x) || self.cues.patients.contains(x);
            if relative(&was) && (w.folded == "of" || self.genitive_occupation(&w)) {
                negated = true;
                continue;
            }
            if self.cues.spouses.contains(&w.folded) && was == "s" {
                q.toks.truncate(q.seg_start(seg));
                continue;
            }
            // ("Zhubaiym pediatr, al men zhurgizushimin": Kazakh typed in Latin.)
            if cue(&self.cues.spouses) {
                relative_seg = Some(seg);
                // ("Врач-онколог — это моя жена", "Архитектор ПО — должность мужа": the title
                // before the dash is the relative's.)
                let own = q.seg_start(seg);
                let from = if own == q.toks.len() && seg_by_dash && seg > 0 { q.toks.iter().rposition(|t| t.seg + 1 < seg).map_or(0, |i| i + 1) } else { own };
                relative_from.get_or_insert(from);
                // (The writer's own past told before: "раньше был поваром, а жена у меня педиатр";
                // or the writer's own clause before: "Я педиатр, а мой муж водитель".)
                writer_speaks |= (!former && !q.former.is_empty()) || writer_segs & !seg_bit(seg) != 0;
            }
            // The writer as the subject of a clause of their own, and a question about someone
            // else ("он подходит?", "will he qualify?").
            // (After the relative's job in the same clause the writer opens one of their own: "My
            // husband is a driver and I'm a neonatologist".)
            if relative_seg == Some(seg) && cue(&self.cues.writer_subjects) && relative_from.is_some_and(|f| f < q.toks.len()) {
                seg = seg.saturating_add(1);
            }
            writer_speaks |= relative_seg.is_some_and(|r| r != seg) && cue(&self.cues.writer_subjects);
            if cue(&self.cues.writer_subjects) {
                writer_segs |= seg_bit(seg);
            }

            about_other |= self.cues.third_person.contains(&w.folded)
                || (self.cues.third_oblique.contains(&w.folded) && text[end..].split(['.', '!', '\n']).next().is_some_and(|s| s.contains('?')));
            // (In English after the writer as subject — "we hire", "I'm hiring" — not "hiring
            // managers welcome"; Russian and Kazakh verbs carry their person.)
            let hires = self.cues.employers.contains(&w.folded)
                && (!w.folded.is_ascii()
                    || [&was, &was2].iter().any(|x| self.cues.writer_subjects.contains(x.as_str()) || self.cues.subjects.contains(x.as_str())));
            employer |= hires;
            // "замужем за нейрохирургом", "married to a surgeon": the spouse's job.
            if self.cues.married.contains(&w.folded) {
                negated = true;
                continue;
            }
            if self.cues.negations.contains(&w.folded) && (was.is_empty() || self.cues.subjects.contains(&was) || opens_clause) {
                negated = true;
                continue;
            } else if negated && self.cues.negations.contains(&was) && self.cues.not_negating.contains(&w.folded) {
                // "не только", "not only": no negation.
                negated = false;
                continue;
            } else if self.cues.contrasts.contains(&w.folded) || (former && former_words > 0 && cue(&self.cues.writer_subjects)) {
                // (The writer as the subject of a new clause ends a past one too: "I have
                // formerly been a web developer and I am an architect now".)
                (negated, former) = (false, false);
                past_closed |= past_from.is_some();
                current_closed |= current_named;
            } else if self.cues.negations_after.contains(&w.folded) {
                q.toks.truncate(q.seg_start(seg));
                continue;
            }
            // ("Программист, не работаю", "…, больше не работаю": no work now, as unemployment.)
            any_present |= cue(&self.cues.current) || cue(&self.cues.work_now) || cue(&self.cues.work_began);
            // ("Уволился из армии, работаю инженером…", "уволилась и перешла педиатром в частную
            // клинику": work after leaving work is work now.)
            // ("…, I quit last month and I'm looking for a new job now", "уволился, переехал в
            // Алматы": no work named.)
            work_after_leaving |= retired_seg.is_some()
                && !self.cues.negations.contains(&was)
                && (cue(&self.cues.work_now) || (cue(&self.cues.work_began) && self.clause_names_work(&text[end..])));
            if cue(&self.cues.work_now) && self.cues.negations.contains(&was) && !former {
                retired_seg = Some(seg);
                retired_entry = entry_bit;
            }
            if negated {
                continue;
            }
            // ("not retired", "на пенсию не собираюсь" are no retirement.)
            // (Nor leaving not yet done or not work: "going to quit my job", "quit smoking".)
            let not_work_left = || was == "to" || next_word().is_some_and(|n| n.folded.is_ascii() && n.folded.ends_with("ing"));
            if cue(&self.cues.retirement) && !self.cues.negations.contains(&was) && (!former || ago_former) && !not_work_left() {
                retired_seg = Some(seg);
                retired_entry = entry_bit;
            } else if retired_seg == Some(seg) && self.cues.negations.contains(&w.folded) {
                retired_seg = None;
            }
            // A title told before a clause of the present that names a person's work
            // ("Врач-педиатр, сейчас работаю фармацевтом", "Видеомонтажер, работаю продавцом",
            // "Мобильный разработчик, …, сейчас менеджер по продажам") is the past: the present
            // clause says what they do. (Only before its segment, and only for an occupation's
            // own word: "сейчас тимлид", "still working" name none.)
            // (Every word position kept so far moves down with them.)
            if (cue(&self.cues.current) || cue(&self.cues.work_now)) && !current_named && q.seg_start(seg) > 0 && self.clause_names_person(&text[end..]) {
                let from = q.seg_start(seg);
                q.range_to_former(0..from);
                let shift = |i: &mut usize| *i = i.saturating_sub(from);
                entry_starts.iter_mut().for_each(shift);
                [&mut sentence_start, &mut place_start].into_iter().for_each(shift);
                [&mut past_from, &mut relative_from, &mut diploma_end].into_iter().flatten().for_each(shift);
            }
            if cue(&self.cues.current) {
                former = false;
                // "Была медсестрой 5 лет, сейчас акушер-гинеколог": the past verb's clause is the
                // past when this one names work of its own.
                // (A word of going on working names work itself: "работающий пенсионер".)
                let names_work = self.cues.work_began.contains(&w.folded) || self.clause_names_work(&text[end..]);
                if let Some(from) = past_from.filter(|_| past_closed && names_work) {
                    q.move_to_former(from);
                    past_from = None;
                }
                // …and a past verb after it ("Now I drive a taxi. Before that I was a software
                // architect") opens the past.
                (current_named, current_closed) = (current_named || names_work, false);
                // ("Сейчас: водитель. 2015–2019: врач-педиатр", "2020–now consultant": an entry
                // of the present.)
                if names_work || (dash_before && year_in_entry) {
                    to_date_entries |= entry_bit;
                }
            } else if (cue(&self.cues.former) && !self.cues.ago.contains(&was)) || self.cues.former.contains(&pair) {
                // (A pair's first word — "used" of "used to", "в" of "в прошлом" — is no word
                // of the query either.)
                if self.cues.former.contains(&pair) {
                    q.pop_word(&was);
                }
                // "Графический дизайнер раньше, сейчас повар", "мастер п/о (в прошлом)":
                // closing its clause, the marker makes the words before it the past, as "ago"
                // does.
                // (Standing alone in its segment — "(в прошлом)" — it speaks of its sentence.)
                if !first_clause(&text[end..]).chars().any(normalize::is_word_char) && !q.toks.is_empty() {
                    let from = q.seg_start(seg);
                    q.move_to_former(if from == q.toks.len() { sentence_start.min(from) } else { from });
                } else {
                    (former, former_words, ago_former) = (true, 0, false);
                }
                continue;
            } else if self.cues.ago_markers.contains(&w.folded)
                || self.cues.ago_markers.contains(&pair)
                || (self.cues.former.contains(&w.folded) && self.cues.ago.contains(&was))
            {
                let clause = first_clause(&text[end..]);
                if clause.chars().any(normalize::is_word_char) {
                    (former, former_words) = (!self.work_began(clause), 0);
                    ago_former = former;
                } else {
                    // "Ago" closing its clause ("Was a neonatologist many years ago", "работала
                    // гинекологом 10 лет назад"): the words before it are the past.
                    let first = q.seg_start(seg);
                    let before = text[..start].rsplit(|c| CLAUSE_END.contains(&c) || matches!(c, '(' | '|')).next().unwrap_or("");
                    if !self.work_began(before) {
                        q.move_to_former(first);
                    }
                }
                continue;
            }
            if !former && cue(&self.cues.past_verbs) {
                let first = q.seg_start(seg);
                // (A relative's past — "мой дед был педиатром", "my uncle was a neurosurgeon" —
                // is no one's work now.)
                // …nor is the writer's own "I was a/an …", "я была …" (a CV says "работал", not
                // "я был").
                // (In English before an article: "I was hired as …" is news of a job begun.)
                // (…nor before an appointment: "я был принят на должность …".)
                let appointed = next_word().is_some_and(|n| self.cues.appointed.contains(&n.folded));
                let was_being = self.cues.past_being.contains(&w.folded)
                    && !appointed
                    && self.cues.writer_subjects.contains(&was)
                    && (!w.folded.is_ascii() || next_word().is_some_and(|n| self.determiners.contains(&n.folded)));
                if (current_named && current_closed) || no_work || relative_seg == Some(seg) || was_being {
                    q.move_to_former(first);
                    (former, former_words, ago_former) = (true, 0, false);
                    continue;
                }
                if past_from.is_none() {
                    past_from = Some(first);
                    diploma = cue(&self.cues.diplomas);
                    // ("Была анестезиологом в Ташкенте", "I worked as a pediatrician": the
                    // writer's own news of the past, unless an appointment follows — "был
                    // принят на должность …".)
                    // (Opening it after a place or time is opening it: "В Ташкенте была
                    // неонатологом".)
                    let opens = self.cues.past_being.contains(&w.folded) && !w.folded.is_ascii() && q.toks[first..].iter().all(|t| !self.names_work(&t.word));
                    if !diploma && !appointed && (opens || self.cues.writer_subjects.contains(&was)) {
                        past_alone = Some(end);
                    }
                }
            }
            // "Работала педиатром, но уже 5 лет на пенсии": no work now makes the past tense's
            // clause the past, before or after it.
            // ("Никем кроме звукооператора не работал": nothing but that work.)
            let but_for = || next_word().is_some_and(|n| self.cues.but_for.contains(&n.folded));
            if (!former || ago_former) && cue(&self.cues.no_work) && !but_for() && !not_work_left() {
                no_work = true;
                // ("Neonatologist 2014–2020. Currently unemployed.": no work is news of the present.)
                to_date_entries |= entry_bit;
                if let Some(from) = past_from.take() {
                    q.move_to_former(from);
                }
            }
            if former {
                former_words += 1;
                q.former.push_str(raw);
                q.former.push(' ');
                continue;
            }
            // (A single letter only as "C++" or "C#": the "C" of "I&C Engineer" is control.)
            q.stack |= self.stack.contains(&w.folded) && (w.folded.chars().nth(1).is_some() || text[end..].starts_with(['+', '#']));
            let is_patient = cue(&self.cues.patients);
            // ("…, send CV", "присылайте резюме": a job ad's CV is its reader's; the writer hires.)
            // (Either way round — "түйіндеме жіберіңіз" — and not the writer's own: "where do I
            // send my CV?", "job ads" words too: "з/п от 400 000", "salary".)
            let own = self.cues.self_pronouns.contains(&was) || self.cues.writer_subjects.contains(&was) || self.cues.own.contains(&was);
            let next_is_range = || next_word().is_some_and(|n| self.cues.ad_ranges.contains(&n.folded));
            let ad = (self.cues.self_markers.contains(&w.folded)
                && !own
                && ([&was, &was2].iter().any(|x| self.cues.ad_verbs.contains(x.as_str())) || (hiring_seen && cue(&self.cues.cvs))))
                || (self.cues.ad_verbs.contains(&w.folded) && self.cues.self_markers.contains(&was))
                || cue(&self.cues.job_ads)
                || self.cues.job_ads.contains(&pair)
                || ((cue(&self.cues.salaries) || self.cues.salaries.contains(&pair)) && (hiring_seen || next_is_range()));
            hiring_seen |= cue(&self.cues.hiring);
            employer |= ad;
            let asks = is_patient || hires || ad || cue(&self.requests) || (w.folded.contains('ь') && self.requests.contains(&w.folded.replace('ь', "")));
            request |= asks;
            patient |= is_patient;
            // (A pronoun asking — "я ищу", "I'm looking for" — describes no one.)
            let is_pronoun = self.cues.self_pronouns.contains(&w.folded);
            if asks && after_pronoun {
                patient = true;
            }
            after_pronoun = is_pronoun;
            pronoun |= is_pronoun;
            if asks {
                q.request_segs |= seg_bit(seg);
            }
            if !ad {
                about_self |= self.cues.self_markers.contains(&w.folded);
            }
            q.aspiration |= self.cues.aspirations.contains(&w.folded);
            let doing = self.cues.doing.contains(&w.folded);
            q.doing |= doing;
            let kept = q.toks.len();
            let preposition = self.preposition(raw, &w);
            q.request_free |= asks && preposition.is_some();
            match preposition {
                Some(Preposition::Domain) => {
                    (domain, place) = (true, false);
                    continue;
                }
                Some(Preposition::Place) => {
                    (domain, place) = (false, true);
                    place_start = q.toks.len();
                    continue;
                }
                None => {}
            }
            for w in self.expand(raw, w) {
                if w.folded == "of" && !place && q.toks.last().is_some_and(|t| self.ward_nouns.contains(&t.word.folded)) {
                    (domain, place) = (false, true);
                    place_start = q.toks.len();
                    continue;
                }
                if self.is_filler(&w) {
                    // Another preposition ends a domain or a place; an article does not ("at a
                    // generic-drug plant"), nor "и" joining two of its nouns ("в отделении
                    // анестезиологии и реанимации").
                    if !self.determiners.contains(&w.folded) && !self.place_joiners.contains(&w.folded) {
                        (domain, place) = (false, false);
                    }
                    continue;
                }
                let qualifier = self.qualifiers.contains(&w.folded);
                // An occupation after the place, as the subject or in the instrumental ("на
                // фармзаводе инженер-технолог", "на заводе технологом"), is no part of it (but
                // "в отделении реанимации" is).
                if place && q.toks.len() > place_start && self.names_occupation(&w) {
                    place = false;
                }
                if q.toks.len() < MAX_WORDS {
                    if asks {
                        q.request_mask |= 1 << q.toks.len();
                    }
                    if doing {
                        q.doing_mask |= 1 << q.toks.len();
                    }
                    // What follows a ward noun is its place ("медсестра отделения анестезиологии
                    // и реанимации"): the ward's, not the writer's occupation. (In English only
                    // after "of": "department secretary" is a secretary.)
                    // (The ward noun is the place's own word too.)
                    let ward = !place && !w.folded.is_ascii() && self.ward_nouns.contains(&w.folded);
                    // …and in English what stands before one, back to a person's word or a
                    // qualifier, is its name ("Head of Software Development Department",
                    // "Oncology Department nurse").
                    if !place
                        && w.folded.is_ascii()
                        && self.ward_nouns.contains(&w.folded)
                        && !text[end..].trim_start().get(..3).is_some_and(|n| n.eq_ignore_ascii_case("of "))
                    {
                        let from = q.seg_start(seg);
                        for t in q.toks[from..].iter_mut().rev() {
                            if t.qualifier || t.place || self.agent_shaped(&t.word.folded) {
                                break;
                            }
                            t.place = true;
                        }
                    }
                    q.toks.push(Tok { word: w, qualifier, seg, paren: depth > 0, domain, place: place || ward });
                    if ward {
                        (domain, place) = (false, true);
                        place_start = q.toks.len();
                    }
                }
            }
            q.request_free |= asks && q.toks.len() == kept;
        }
        // "Была анестезиологом в Ташкенте", "I worked as a pediatrician": the writer's news of
        // the past, with nothing of the present, is the past — unless it counts its time
        // ("работал педиатром 10 лет" is a CV's experience).
        if let (Some(from), Some(at), false, false) = (past_from, past_alone, any_present, no_work) {
            if from < q.toks.len() && !normalize::words(&text[at..]).iter().any(|w| self.cues.durations.contains(&w.folded)) {
                q.move_to_former(from);
            }
        }
        // "Специальность по диплому: экономист; должность: Java-разработчик", "Java-разработчик,
        // по диплому экономист": a diploma beside another clause naming work is what the person
        // trained as, not what they do; so is one beside "не по специальности".
        // (Not a workplace or field: "…degree, 10 years in industry".)
        if let (Some(from), true) = (past_from, diploma) {
            let to = diploma_end.unwrap_or(q.toks.len()).min(q.toks.len());
            // (At a place only a person's word: "работаю в аптеке фармацевтом", not "в аптеке".)
            let names = |t: &Tok| (!t.place || self.agent_shaped(&t.word.folded)) && !t.domain && !t.qualifier && self.names_work(&t.word);
            let folded = format!(" {} ", normalize::words(text).iter().map(|w| w.folded.as_str()).collect::<Vec<_>>().join(" "));
            let off_field = self.cues.off_field.iter().any(|p| folded.contains(&format!(" {p} ")));
            if from < to && (q.toks[..from].iter().chain(&q.toks[to..]).any(names) || off_field) {
                q.range_to_former(from..to);
            }
        }
        // "2019–н.в. водитель, 2015–2019 врач-педиатр": beside an entry running to date, one whose
        // years are closed is a past job. An entry whose range opens and never closes runs to
        // date; with every range closed, the latest entry that names work is the one of now
        // ("2012–2016 инженер-технолог, 2016–2020 мастер п/о, 2020–2024 программист").
        // Years alone after a comma close the line's part before them ("Software Engineer,
        // EPAM, 2016-2021; Currently unemployed").
        // (Entry `e`'s words in `toks`, as far as they are still there.)
        let entry = |e: usize, len: usize| entry_starts[e].min(len)..entry_starts.get(e + 1).map_or(len, |&t| t.min(len));
        for e in 0..entry_starts.len().min(64) {
            if closed_entries & (1u64 << e) != 0 && entry(e, q.toks.len()).is_empty() {
                let mut k = e;
                while k > 0 && strong_entries & (1u64 << k) == 0 {
                    k -= 1;
                    closed_entries |= 1u64 << k;
                }
            }
        }
        to_date_entries |= opened_entries & !closed_entries;
        if to_date_entries == 0 && closed_entries.count_ones() >= 2 {
            let e = latest_year.1;
            if closed_entries & (1u64 << e.min(63)) != 0
                && q.toks[entry(e, q.toks.len())].iter().any(|t| !t.place && !t.domain && !t.qualifier && self.names_work(&t.word))
            {
                to_date_entries |= 1u64 << e.min(63);
            }
        }
        if to_date_entries != 0 {
            let past = closed_entries & !to_date_entries;
            for e in (0..entry_starts.len()).rev().filter(|&e| past & (1u64 << e.min(63)) != 0) {
                let range = entry(e, q.toks.len());
                if !range.is_empty() {
                    q.range_to_former(range);
                }
            }
        }
        // (An employer asks for someone whatever else the message says: "we hire web developers,
        // can they get residence?")
        q.request = (request && !about_self && (patient || !pronoun)) || employer;
        // (An employer's words ask for whoever the ad names, in any clause: "Вакансия: врач-
        // педиатр, з/п от 400 000".)
        if employer {
            q.request_segs = u32::MAX;
        }
        // "My wife is a paediatrician, I drive trucks", "муж у меня нейрохирург, а я сижу с
        // детьми": the relative's job is told beside the writer's own situation, and nothing asks
        // about the relative ("…, он подходит?") — the writer's is the one to answer.
        if let (Some(r), Some(from), true, false) = (relative_seg, relative_from, writer_speaks, about_other) {
            let end = q.toks.iter().position(|t| t.seg > r).unwrap_or(q.toks.len());
            if from < end {
                q.remove(from..end);
            }
        }
        // "Я педиатр на пенсии", "в отставке, авиационный инженер": the work named is the
        // writer's past, whatever tense it is told in.
        // (The retirement words stay: they are the news of the present, and the past is scored
        // on its own without them.)
        // (Not when a clause of the present names work: "retired from the army, now a cloud
        // engineer", "на пенсии по выслуге, но продолжаю работать анестезиологом".)
        if retired_seg.is_some() && !current_named && !work_after_leaving && closed_entries & retired_entry == 0 {
            let is_retirement = |t: &Tok| {
                let f = &t.word.folded;
                self.cues.retirement.contains(f) || cyrillic_cue_reading(f).is_some_and(|c| self.cues.retirement.contains(&c))
            };
            let keep: Vec<Tok> = q.toks.iter().filter(|t| is_retirement(t)).cloned().collect();
            q.toks.retain(|t| !is_retirement(t));
            q.move_to_former(0);
            q.toks = keep;
        }
        // (A workplace noun with the possessive of a compound — "нәрестелер бөлімі", a newborn
        // ward — is a place in any case.)
        mark_kazakh_places(&mut q.toks, kazakh_text, |folded: &str| {
            morph::kazakh_third_possessive_bases(folded).any(|base| self.context.contains(base) && !self.qualifiers.contains(base))
        });
        q
    }

    /// Whether a Russian word is an occupation's name in the genitive ("нейрохирурга",
    /// "программиста"): its stem names one, the word as written is no entry, and it ends like
    /// the genitive of a noun ending in a consonant.
    fn genitive_occupation(&self, w: &Word) -> bool {
        (w.folded.ends_with('а') || w.folded.ends_with('я'))
            && self.vocab.id(&w.folded).is_none()
            && !self.context.contains(&w.folded)
            && self.vocab.id(&self.morph.stem(w)).is_some_and(|id| !self.topic_word[id as usize])
    }

    /// Whether a word is an occupation's own (a generic word or one that names a listed
    /// profession) in the nominative or the instrumental, not the genitive of a department.
    fn names_occupation(&self, w: &Word) -> bool {
        let Some(id) = self.vocab.id(&self.morph.stem(w)) else { return false };
        let own = self.generic_word.get(id as usize).copied().unwrap_or(false) || self.owner.get(id as usize).is_some_and(|o| o.is_some());
        own && (self.vocab.id(&w.folded).is_some() || w.folded.ends_with("ом") || w.folded.ends_with("ем"))
    }

    /// Whether the clause that opens `rest` says the work began then, or goes on now ("5 лет
    /// назад начал работать педиатром", "3 жыл бұрын ... жұмыс істей бастадым").
    fn work_began(&self, rest: &str) -> bool {
        normalize::words(first_clause(rest)).iter().any(|w| self.cues.work_began.contains(&w.folded))
    }

    /// Whether the clause that opens `rest` names work (a word of some occupation's name, not
    /// a workplace, topic or filler): "сейчас акушер-гинеколог", "now I drive a taxi", not
    /// "сейчас живу в Алматы".
    fn clause_names_work(&self, rest: &str) -> bool {
        normalize::words(first_clause(rest)).into_iter().any(|w| {
            // (Retirement names no work: "педиатр, сейчас на пенсии" — see `retired_seg`.)
            if self.cues.no_work.contains(&w.folded) {
                return false;
            }
            // ("сейчас не работаю": no work now is news of the present too.)
            if self.cues.negations.contains(&w.folded) {
                return true;
            }
            self.names_work(&w)
        })
    }

    /// Whether the clause that opens `rest` names a person's occupation by its own word: an
    /// occupation's word shaped like a person ("фармацевтом", "менеджер"), not a qualifier.
    /// (After a place, only in the instrumental: "работаю на складе кладовщиком", not "работаю на
    /// диодном лазере".)
    fn clause_names_person(&self, rest: &str) -> bool {
        let mut at_place = false;
        normalize::words(first_clause(rest)).iter().any(|w| {
            at_place |= self.place_markers.contains(&w.folded) || self.domain_markers.contains(&w.folded);
            let instrumental = w.folded.ends_with("ом") || w.folded.ends_with("ем");
            (!at_place || instrumental)
                && !self.qualifiers.contains(&w.folded)
                && (self.agent_shaped(&w.folded) || self.one_word_title(w))
                && self.names_work(w)
        })
    }

    /// Whether a word is by itself the whole name of an occupation off the list ("медсестра",
    /// "nurse", "мейірбике"): a person's work though not shaped like an agent noun. (Listed
    /// names of one word that are no agent nouns are fields and wards: "реанимация".)
    fn one_word_title(&self, w: &Word) -> bool {
        let Some(id) = self.vocab.id(&self.morph.stem(w)) else { return false };
        self.postings(id).0.iter().any(|&p| {
            let p = &self.phrases[p as usize];
            p.len == 1 && !p.topic && matches!(p.target, Target::NotListed(_))
        })
    }

    /// Whether a word is one an occupation's name holds (not a topic's alone, not context).
    fn names_work(&self, w: &Word) -> bool {
        // (Short words are particles and articles, whatever titles hold them: "de".)
        if self.is_filler(w) || self.context.contains(&w.folded) || w.folded.chars().count() < 4 {
            return false;
        }
        let stem = self.morph.stem(w);
        !self.context.contains(&stem) && self.vocab.id(&stem).is_some_and(|id| !self.topic_word.get(id as usize).copied().unwrap_or(true))
    }

    /// Whether an unknown word ends like the name of a person's occupation (`-ист`, `-olog`, `-шы`),
    /// in Russian in any case ("водителем", "программистом").
    pub(super) fn agent_shaped(&self, folded: &str) -> bool {
        // Whether `stem` + `tail` is so shaped, without joining them (this runs per word while
        // scoring).
        let shaped = |stem: &str, tail: &str| {
            stem.chars().count() + tail.chars().count() >= 5
                && self.agent_endings.iter().any(|e| match e.strip_suffix(tail) {
                    Some(head) => stem.ends_with(head),
                    None => tail.ends_with(e.as_str()),
                })
        };
        if shaped(folded, "") {
            return true;
        }
        let Some(bare) = RU_CASE_ENDINGS.iter().find_map(|e| folded.strip_suffix(e)) else { return false };
        // (With the vowel the other cases drop: "продавцом" — продавец.)
        shaped(bare, "") || shaped(bare, "ь") || bare.strip_suffix('ц').is_some_and(|b| shaped(b, "ец"))
    }
}

/// The singular case endings of Russian masculine nouns, longest first, for
/// [`Matcher::agent_shaped`] (a title names one person: "водителем", "программиста").
const RU_CASE_ENDINGS: [&str; 7] = ["ом", "ем", "а", "я", "у", "ю", "е"];

/// A segment as a bit of a mask (segments past the 31st share the last bit).
pub(super) fn seg_bit(seg: u8) -> u32 {
    1 << seg.min(31)
}

/// Kazakh has no "в/на": a workplace is a noun in the locative ("балалар ауруханасында" — in a
/// children's hospital), with the words that modify it before it. Those words are a place.
fn mark_kazakh_places(toks: &mut [Tok], kazakh_text: bool, workplace_possessed: impl Fn(&str) -> bool) {
    for i in 0..toks.len() {
        let folded = &toks[i].word.folded;
        let seg = toks[i].seg;
        if folded.is_ascii() {
            continue;
        }
        // A workplace noun with the possessive heading its segment ("жаңа туған нәрестелер
        // бөлімі" — a newborn ward): the whole noun phrase is the place.
        let locative = morph::kazakh_locative(folded, kazakh_text);
        // …or in the genitive before the person it is the ward of ("реанимация бөлімінің
        // мейірбикесі" — the reanimation ward's nurse).
        let genitive = ["нын", "нин"].iter().any(|g| folded.strip_suffix(g).is_some_and(&workplace_possessed));
        let heads_segment = toks.get(i + 1).is_none_or(|t| t.seg != seg) && workplace_possessed(folded);
        if locative.is_none() && kazakh_text && i > 0 && (heads_segment || genitive) {
            for t in toks[..=i].iter_mut().rev().take_while(|t| t.seg == seg) {
                t.place = true;
            }
            continue;
        }
        let Some(kind) = locative else { continue };
        toks[i].place = true;
        // A possessive makes a compound noun: the word before is part of the place ("оқу
        // орнында", "реанимация бөлімінде").
        let mut first = i;
        if kind == morph::Locative::Possessed && i > 0 && toks[i - 1].seg == seg {
            first = i - 1;
            toks[first].place = true;
        }
        for j in (0..first).rev() {
            if toks[j].seg != seg || !morph::kazakh_attributive(&toks[j].word.folded) {
                break;
            }
            toks[j].place = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::m;

    #[test]
    fn segments_brackets_and_domains() {
        let q = m().read_query("Врач-нейрохирург высшей категории, стаж 15 лет (Ташкент)");
        let segs: Vec<(String, u8, bool)> = q.toks.iter().map(|t| (t.word.folded.clone(), t.seg, t.paren)).collect();
        assert_eq!(segs[0], ("врач".into(), 0, false));
        assert_eq!(segs[1], ("нейрохирург".into(), 0, false));
        assert!(segs.iter().any(|(w, s, p)| w == "ташкент" && *s == 2 && *p));
        let q = m().read_query("мастер производственного обучения по поварскому делу, колледж");
        let dom: Vec<&str> = q.toks.iter().filter(|t| t.domain).map(|t| t.word.folded.as_str()).collect();
        assert_eq!(dom, ["поварскому", "делу"]);
        assert!(!q.toks.iter().find(|t| t.word.folded == "колледж").unwrap().domain);
    }

    #[test]
    fn the_index_reads_words_as_queries_do() {
        for text in ["Инженер по внедрению новой техники и технологии", "Бизнес-аналитик в области ИКТ", "архитектор ПО", "senior python developer"]
        {
            let a: Vec<String> = m().analyze(text).into_iter().map(|(w, _)| w.folded).collect();
            let b: Vec<String> = m().read_query(text).toks.into_iter().map(|t| t.word.folded).collect();
            assert_eq!(a, b, "{text}");
        }
    }

    #[test]
    fn requests_are_told_from_the_writers_own_work() {
        assert!(m().read_query("ищу хорошего педиатра в Алматы").request);
        assert!(m().read_query("need a good pediatrician for my son").request);
        assert!(!m().read_query("Врач-педиатр, ищу работу в Астане").request);
        assert!(!m().read_query("я педиатр").request);
    }

    #[test]
    fn removing_words_keeps_the_masks_in_step() {
        let mut q = m().read_query("инженер программист врач педиатр дизайнер");
        assert_eq!(q.toks.len(), 5);
        (q.request_mask, q.doing_mask) = (0b10101, 0b01010);
        let gone: Vec<String> = q.remove(1..3).into_iter().map(|t| t.word.folded).collect();
        assert_eq!(gone, ["программист", "врач"]);
        // Words 0, 3, 4 are now 0, 1, 2: their bits move with them.
        assert_eq!((q.request_mask, q.doing_mask), (0b101, 0b010));
        q.move_to_former(1);
        assert_eq!((q.request_mask, q.doing_mask, q.former.as_str()), (0b1, 0b0, "педиатр дизайнер "));
    }

    #[test]
    fn kazakh_workplaces_are_places() {
        let place = |text: &str| -> Vec<String> { m().read_query(text).toks.into_iter().filter(|t| t.place).map(|t| t.word.folded).collect() };
        assert_eq!(place("нәрестелер бөлімінде мейірбикемін"), ["нарестелер", "болиминде"]);
        assert_eq!(place("Алматыдағы балалар ауруханасында педиатр болып жұмыс істеймін"), ["алматыдагы", "балалар", "ауруханасында"]);
        // The occupation before a workplace is no part of it; Russian words ending like a
        // locative are no place in Russian text.
        assert_eq!(place("нейрохирург дәрігер ауруханада"), ["ауруханада"]);
        assert_eq!(place("жоғары оқу орнында сабақ беремін"), ["оку", "орнында"]);
        assert!(place("тимлид, команда разработки").is_empty());
        // A place ends at a boundary, also one before the first word kept ("н.в." — to date).
        assert!(place("2019–н.в. Видеомонтажер").is_empty());
        // Kazakh words dropped as filler still make the text Kazakh.
        assert_eq!(place("Бактериолог болып зертханада жұмыс істеймін"), ["зертханада"]);
        // A ward in the genitive before its worker ("the reanimation ward's nurse").
        assert_eq!(place("реанимация бөлімінің мейірбикесі"), ["реанимация", "болиминин"]);
        assert_eq!(place("работаю в реанимации"), ["реанимации"]);
    }
}
