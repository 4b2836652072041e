//! From scores to the answer: listed, unsure (a question) or not listed (with related listed
//! professions); codes typed by the user are read here too.

use super::*;

/// A question about a weak match offers the candidates within this of the best.
const WEAK_SPREAD: f32 = 0.15;

impl Matcher {
    pub(super) fn ranked(&self, sc: &Scores) -> Vec<Candidate> {
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

    pub(super) fn decide(&self, cleaned: &str, sc: Scores) -> Verdict {
        // Names decide; topics (a workplace, subject, activity) only ask when nothing else does.
        // (Nor does a patient alone: "kids" is no pediatrician beside "working as a neurosurgeon".)
        let patient_only = |i: usize| sc.patient_mask != 0 && sc.listed_mask[i] != 0 && sc.listed_mask[i] & !sc.patient_mask == 0;
        let ranked: Vec<Candidate> = self
            .ranked(&sc)
            .into_iter()
            .filter(|c| {
                let i = self.index_of(&c.code);
                !sc.topic_only[i] && !patient_only(i)
            })
            .collect();
        // A name met only at a workplace gives way to one named outside it ("paediatric
        // neurosurgeon at a children's hospital").
        let place_only = |c: &Candidate| sc.place_only[self.index_of(&c.code)];
        let ranked: Vec<Candidate> =
            if ranked.iter().any(|c| !place_only(c) && c.score >= LISTED_MIN) { ranked.into_iter().filter(|c| !place_only(c)).collect() } else { ranked };
        let mut topics: Vec<Candidate> = (0..sc.topic.len())
            .filter(|&i| sc.topic[i] > 0.0)
            .map(|i| Candidate { code: self.catalog.professions[i].code.clone(), score: round(sc.topic[i]) })
            .collect();
        topics.sort_by(|a, b| b.score.total_cmp(&a.score));
        let verdict = self.decide_names(cleaned, &sc, ranked.clone(), &topics);
        let verdict = self.head_first(&sc, &ranked, verdict);
        let verdict = self.title_first(&sc, &ranked, verdict);
        let verdict = self.one_field_first(&sc, &ranked, verdict);
        let verdict = self.doing_first(&sc, verdict);
        // A question read from adjectives alone ("спасибо большое", "новый список?") asks about
        // nothing: no occupation is named (nor a generic one: "ведущий программист в НИИ
        // космического приборостроения" may well ask).
        if verdict.kind == VerdictKind::Unsure
            && verdict.reason == Reason::Weak
            && sc.adjective_mask != 0
            && sc.generic.0 < UNSURE_MIN
            && verdict.candidates.iter().all(|c| {
                let i = self.index_of(&c.code);
                (sc.listed_mask[i] | sc.topic_mask[i]) & !sc.adjective_mask == 0
            })
        {
            return Verdict { kind: VerdictKind::NotListed, code: None, candidates: Vec::new(), reason: Reason::NotUnderstood };
        }
        let asks_topic = |v: &Verdict| v.kind == VerdictKind::NotListed && matches!(v.reason, Reason::NotUnderstood | Reason::OtherOccupation);
        let (n, ng) = sc.not_listed;
        // An occupation off the list named outright stays what it is ("юрист по защите данных"),
        // unless it works in the topic's own field ("дозиметрист в радиотерапии"): then ask.
        let named_elsewhere = sc.not_listed_recall >= CLAIM_RECALL && {
            let field = self.not_listed_field(ng);
            !topics.iter().any(|t| self.catalog.profession(&t.code).is_some_and(|p| field.is_some_and(|f| p.fields.iter().any(|x| x == f))))
        };
        // A weak name beside a closed topic that reads the query in full ("бэкенд": half of
        // "бэкенд-разработчик", all of the topic): every reading is listed, it qualifies.
        if verdict.kind == VerdictKind::Unsure && verdict.reason == Reason::Weak && !sc.request && n < UNSURE_MIN {
            let closed: Vec<Candidate> = topics.iter().filter(|c| c.score >= QUESTION_MIN && sc.topic_closed[self.index_of(&c.code)]).cloned().collect();
            if !closed.is_empty() && verdict.candidates.iter().all(|c| closed.iter().any(|t| t.code == c.code)) {
                let mut cands = verdict.candidates.clone();
                // (The names lead; the topic's other professions follow where they rank below.)
                let floor = cands.last().map_or(0.0, |c| c.score);
                cands.extend(closed.into_iter().filter(|t| t.score <= floor && !verdict.candidates.iter().any(|c| c.code == t.code)));
                cands.truncate(MAX_CANDIDATES);
                return Self::one_of(cands);
            }
        }
        match topics.first() {
            Some(t) if asks_topic(&verdict) && !sc.request && n < NOT_LISTED_MIN && !named_elsewhere && t.score >= QUESTION_MIN => {
                let cands: Vec<Candidate> =
                    topics.iter().filter(|c| c.score + WEAK_SPREAD >= t.score && c.score >= QUESTION_MIN).take(MAX_CANDIDATES).cloned().collect();
                // Every reading listed ("пишу бэкенд на Go") and nothing off the list in sight:
                // it qualifies. (Each read from a word as written, not only from a typo's
                // neighbour: "Claude Code" is near "cloud", and a guess is asked about.)
                let read_outright = |c: &Candidate| sc.topic_mask[self.index_of(&c.code)] & !sc.unread_mask != 0;
                if n < UNSURE_MIN && cands.iter().all(|c| sc.topic_closed[self.index_of(&c.code)] && read_outright(c)) {
                    return Self::one_of(cands);
                }
                Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Weak }
            }
            _ => verdict,
        }
    }

    /// "Монтирую рилсы", "разрабатываю игры на юнити", "I make brand identities": the writer
    /// says they do the work, and the work points at one listed profession — asking "are you a
    /// video editor?" would be needless. (Nothing off the list in sight, no request; a question
    /// between several professions stays one; the profession must be read from more than the
    /// verb: "монтирую окна" is a window fitter's.)
    fn doing_first(&self, sc: &Scores, v: Verdict) -> Verdict {
        let (n, _) = sc.not_listed;
        if v.kind == VerdictKind::Unsure && v.reason == Reason::Weak && sc.doing && !sc.request && !sc.aspiration && n < UNSURE_MIN {
            if let [one] = v.candidates.as_slice() {
                let i = self.index_of(&one.code);
                if one.score >= QUESTION_MIN && (sc.listed_mask[i] | sc.topic_mask[i]) & !sc.doing_mask != 0 {
                    return Self::one_of(v.candidates);
                }
            }
        }
        v
    }

    /// Two listed specialties named apart ("гинеколог-эндокринолог", "paediatric neurosurgeon,
    /// children's hospital"): the head of the title is the occupation, the other its field or
    /// workplace. A listed answer leads with the head; if the head alone is not sure enough, ask.
    fn head_first(&self, sc: &Scores, ranked: &[Candidate], v: Verdict) -> Verdict {
        if v.kind != VerdictKind::Listed || v.reason == Reason::Code {
            return v;
        }
        let Some(top) = v.code.clone() else { return v };
        let top_mask = sc.listed_mask[self.index_of(&top)];
        let Some(top_rank) = sc.head_rank(top_mask) else { return v };
        let l1 = sc.listed[self.index_of(&top)];
        let head = ranked
            .iter()
            .filter(|c| c.code != top && c.score >= LISTED_MIN - HEAD_MARGIN)
            .filter(|c| {
                // (A workplace is no head: "neurosurgeon at a children's hospital".)
                let m = sc.listed_mask[self.index_of(&c.code)];
                m & top_mask & !sc.light_mask == 0
                    && m & !sc.place_mask != 0
                    && sc.head_rank(m).is_some_and(|r| r < top_rank)
                    && !sc.named_as_alternative(m, top_mask)
            })
            .max_by(|a, b| a.score.total_cmp(&b.score));
        let Some(head) = head.cloned() else { return v };
        let rest: Vec<Candidate> = v.candidates.iter().filter(|c| c.code != head.code && c.score >= LISTED_MIN - HEAD_MARGIN).cloned().collect();
        let mut cands = vec![head.clone()];
        cands.extend(rest);
        cands.truncate(MAX_CANDIDATES);
        if head.score >= LISTED_MIN && head.score + HEAD_MARGIN >= l1 {
            Self::one_of(cands)
        } else if v.reason == Reason::Name {
            // The head read too weakly to lead: both are listed, so it qualifies all the same; the
            // answer stays, the head is the first other choice ("Врач-педиатр-неонатолог
            // перинатального центра").
            let mut cands: Vec<Candidate> = v.candidates.iter().take(1).cloned().collect();
            cands.push(head);
            cands.extend(v.candidates.iter().skip(1).filter(|c| !cands.iter().any(|x| x.code == c.code)).cloned().collect::<Vec<_>>());
            cands.sort_by(|a, b| b.score.total_cmp(&a.score));
            cands.truncate(MAX_CANDIDATES);
            Self::one_of(cands)
        } else {
            Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Ambiguous }
        }
    }

    /// A listed answer that reads words of the brackets after the title ("Infrastructure
    /// architect (hybrid cloud …)" as a cloud architect) gives way to one that reads the whole
    /// title about as well: the title is the occupation, the brackets its detail.
    fn title_first(&self, sc: &Scores, ranked: &[Candidate], v: Verdict) -> Verdict {
        let Some(top) = v.code.clone().filter(|_| v.kind == VerdictKind::Listed && v.reason != Reason::Code) else { return v };
        if sc.segs.is_empty() {
            return v;
        }
        let title = sc.first_seg_mask() & !sc.light_mask;
        let mask = |code: &Code| sc.listed_mask[self.index_of(code)];
        let top_mask = mask(&top);
        if title == 0 || top_mask & !title == 0 {
            return v;
        }
        match Self::as_good_as(ranked, &top, |c| mask(&c.code) & title == title) {
            Some(whole) => Self::led_by(whole, &v),
            None => v,
        }
    }

    /// Another listed candidate than `top` that `keep` accepts, read about as well as `top` and
    /// well enough to be an answer.
    fn as_good_as<'a>(ranked: &'a [Candidate], top: &Code, keep: impl Fn(&Candidate) -> bool) -> Option<&'a Candidate> {
        let top_score = ranked.iter().find(|c| &c.code == top).map_or(0.0, |c| c.score);
        ranked.iter().find(|c| &c.code != top && keep(c) && c.score + TITLE_MARGIN >= top_score && c.score >= LISTED_MIN)
    }

    /// "Listed" with `lead` as the answer, the verdict's other candidates after it.
    fn led_by(lead: &Candidate, v: &Verdict) -> Verdict {
        let mut cands = vec![lead.clone()];
        cands.extend(v.candidates.iter().filter(|c| c.code != lead.code).cloned());
        cands.truncate(MAX_CANDIDATES);
        Self::one_of(cands)
    }

    /// A listed answer read across a CV line's field separator ("Doctor Web | software
    /// developer": the employer's "Web" beside the title's "developer") gives way to one read
    /// within one field about as well: a name is not spelt across fields.
    fn one_field_first(&self, sc: &Scores, ranked: &[Candidate], v: Verdict) -> Verdict {
        let Some(top) = v.code.clone().filter(|_| v.kind == VerdictKind::Listed && v.reason != Reason::Code) else { return v };
        let mask = |code: &Code| sc.listed_mask[self.index_of(code)] & !sc.light_mask;
        if sc.fields_of(mask(&top)).count_ones() < 2 {
            return v;
        }
        let one_seg = |m: u32| m != 0 && sc.segs_of(m).all(|s| sc.segs_of(m).next() == Some(s));
        match Self::as_good_as(ranked, &top, |c| one_seg(mask(&c.code))) {
            Some(within) => Self::led_by(within, &v),
            None => v,
        }
    }

    fn decide_names(&self, cleaned: &str, sc: &Scores, ranked: Vec<Candidate>, topics: &[Candidate]) -> Verdict {
        let (l1, l2) = (ranked.first().map_or(0.0, |c| c.score), ranked.get(1).map_or(0.0, |c| c.score));
        let (n, ng) = sc.not_listed;
        let (g, gg) = sc.generic;

        // Someone looking for a doctor, not describing their own work: nothing to qualify.
        if sc.request && l1.max(n).max(g) >= UNSURE_MIN {
            return self.not_listed(cleaned, &ranked, None, Reason::Request);
        }
        // A student or someone who wants to become one: not qualified yet, whatever the job.
        if sc.aspiration && l1.max(g) >= UNSURE_MIN {
            return self.not_listed(cleaned, &ranked, None, Reason::Aspiration);
        }
        // An occupation of the past and nothing said of the work now ("раньше был
        // звукооператором, сейчас в такси" reads as a taxi job; "бұрын педиатр болдым" as this):
        // the listed ones it names are offered as related, never as the answer.
        if let Some(f) = sc.former.as_deref().filter(|f| f.top() >= UNSURE_MIN && l1.max(n).max(g) < UNSURE_MIN) {
            return self.not_listed(cleaned, &self.ranked(f), None, Reason::Former);
        }
        if n >= NOT_LISTED_MIN && n + TIE >= l1.max(g) {
            // Two specialties named together ("гематолог-трансфузиолог", "онколог-маммолог"):
            // when the listed one is the head — first in Russian and Kazakh, last in English —
            // the person may well be that specialist: ask rather than refuse.
            if let Some(best) = ranked.first().filter(|c| c.score >= LISTED_MIN - HEAD_MARGIN) {
                let lm = sc.listed_mask[self.index_of(&best.code)];
                let nm = sc.not_listed_mask;
                // (Not a workplace — "нәрестелер бөлімінде мейірбикемін" is a nurse of a newborn
                // ward — and the title before what follows it: "veterinarian (small animals)"
                // has no second title.)
                let (ls, ns) = (sc.segs.get(lm.trailing_zeros() as usize), sc.segs.get(nm.trailing_zeros() as usize));
                let listed_head = lm & nm == 0
                    && lm != 0
                    && nm != 0
                    && lm & !sc.place_mask != 0
                    && (ls < ns || ls == ns && if sc.latin { lm.leading_zeros() < nm.leading_zeros() } else { lm.trailing_zeros() < nm.trailing_zeros() });
                // …and a listed specialty's own word joined to the other one in a compound
                // ("маммолог-рентгенолог", "лаборант-бактериолог"): one of two jobs, ask.
                let both = lm | nm;
                let compound =
                    !sc.latin && sc.place_mask & both == 0 && lm & nm == 0 && lm != 0 && nm != 0 && sc.one_run(both) && sc.distinct[self.index_of(&best.code)];
                // …and two titles sharing their head, each with a word of its own
                // ("инженер-наладчик лазерных установок", "aircraft structures engineer"):
                // which one the person is, only they know. (When the off-list title holds every
                // listed word too it is simply that job; when the head is the off-list one's
                // alone — "oncology pharmacist", "помощник врача-педиатра" — so is it.)
                let head = sc.head_of(both);
                // (The listed title's own word in the head's segment: "Преподаватель экономики |
                // университет | доцент" has no second title, only context after it.)
                let head_seg = sc.segs_of(head).next();
                let disputed = sc.segs_of(lm & !nm & !sc.light_mask).any(|s| Some(s) == head_seg)
                    && nm & !lm & !sc.light_mask != 0
                    && lm & nm & head != 0
                    && sc.place_mask & both == 0;
                if listed_head || compound || disputed {
                    return Verdict { kind: VerdictKind::Unsure, code: None, candidates: vec![best.clone()], reason: Reason::Weak };
                }
            }
            return self.not_listed(cleaned, &ranked, self.not_listed_field(ng), Reason::OtherOccupation);
        }
        if let Some(v) = self.off_list_title(cleaned, sc, &ranked) {
            return v;
        }
        // Nothing off the list is plausible: a question among listed professions would be
        // needless, the person qualifies either way.
        // (A not-listed phrase contests only when the query names most of it: "техник" is not
        // in "я программист".)
        let uncontested = n < UNSURE_MIN || sc.not_listed_recall < CLAIM_RECALL;
        // A listed name met only as a workplace beside an off-list occupation named outside it
        // ("медбике, жаңа туған нәрестелер бөлімі" — a nurse of a newborn ward): that occupation.
        if ranked.first().is_some_and(|c| sc.place_only[self.index_of(&c.code)]) && n >= NOT_LISTED_MIN && sc.not_listed_mask & !sc.place_mask != 0 {
            return self.not_listed(cleaned, &ranked, self.not_listed_field(ng), Reason::OtherOccupation);
        }
        // A listed name met only as a workplace ("работаю в реанимации") may be a nurse's: ask.
        // (Not when a generic word names the occupation outside the place: "онкогинеколог в НИИ
        // онкологии", "работаю врачом в реанимации" — a doctor of the place is its specialist.)
        // (The doctor word and the place in one clause: not "работаю врачом, но не в реанимации".)
        let generic_of_top = gg.zip(ranked.first()).is_some_and(|(gi, top)| {
            let mut segs = sc.segs_of(sc.listed_mask[self.index_of(&top.code)] | sc.generic_mask);
            let first = segs.next();
            self.generic_codes[gi as usize].contains(&top.code) && first.is_some() && segs.all(|s| Some(s) == first)
        });
        if ranked.first().is_some_and(|c| sc.place_only[self.index_of(&c.code)])
            && l1 >= QUESTION_MIN
            && n < NOT_LISTED_MIN
            && !(g >= GENERIC_MIN && sc.generic_named)
            && !(g >= UNSURE_MIN && sc.generic_named && generic_of_top)
        {
            let cands: Vec<Candidate> = ranked.into_iter().filter(|c| c.score + WEAK_SPREAD >= l1 && c.score >= QUESTION_MIN).take(MAX_CANDIDATES).collect();
            return Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Weak };
        }
        let listed_ok = l1 >= LISTED_MIN && l1 - l2 >= LISTED_MARGIN;
        let partial_ok = ranked.first().is_some_and(|c| {
            let i = self.index_of(&c.code);
            sc.partial[i] >= PARTIAL_RECALL_MIN && l1 - l2 >= PARTIAL_MARGIN && l1 >= UNSURE_MIN
        });
        // (A name the generic word's own professions include, sure on its own, says which of them:
        // "Pediatric Endocrinologist | MBBS, MD" is the endocrinologist the "MD" is.)
        let member_named = listed_ok && gg.zip(ranked.first()).is_some_and(|(gi, top)| self.generic_codes[gi as usize].contains(&top.code));
        // (Nor does a generic word after the title take it over: "Нейрохирург | профессор |
        // д.м.н." is a neurosurgeon with an academic rank.)
        let first_mask = sc.first_seg_mask();
        let generic_after_title = l1 >= UNSURE_MIN
            && ranked.first().is_some_and(|top| {
                let lm = sc.listed_mask[self.index_of(&top.code)] & !sc.light_mask;
                lm != 0 && lm & !first_mask == 0
            })
            && sc.generic_mask != 0
            && sc.generic_mask & first_mask == 0;
        let member_named = member_named || generic_after_title;
        if let (true, Some(gi)) = (g >= GENERIC_MIN && g + TIE >= l1 && !(listed_ok && l1 + TIE >= g) && !member_named, gg) {
            // The word narrowed by the rest of one of its professions' names, and by nothing
            // else ("инженер-исследователь в НИИ целлюлозно-бумажной промышленности"): that one.
            // (Not a word beside another name: "3D-художник" may be an animator or an artist.)
            let names_word = |top: &Candidate| sc.listed_mask[self.index_of(&top.code)] & sc.generic_mask == sc.generic_mask;
            let member = ranked.first().filter(|top| names_word(top) && self.generic_codes[gi as usize].contains(&top.code)).map(|top| top.code.clone());
            if let (true, Some(code)) = (partial_ok && l1 >= GENERIC_MIN && sc.generic_alone && uncontested, member.clone()) {
                return Self::named(code, l1, ranked);
            }
            // …or by a word of that profession's own beside it ("Medical Oncologist", "врач
            // онколог"): the generic word is part of the name.
            if let Some(code) = member.filter(|c| {
                let i = self.index_of(c);
                uncontested && sc.distinct[i] && sc.listed_mask[i] & !sc.generic_mask & !sc.light_mask != 0 && l1 - l2 >= LISTED_MARGIN && l1 >= GENERIC_MIN
            }) {
                return Self::named(code, l1, ranked);
            }
            // A word of one profession only, its field confirmed by that profession's topic
            // ("мастер п/о по токарному делу": a trade of engineering) and nothing else beside
            // it: that profession. Where the word heads that profession's name and the topic
            // narrows it (`narrows`), an off-list occupation read only from the word itself or
            // from the topic's words ("учу сварщиков": the trade taught) contests nothing.
            let members = &self.generic_codes[gi as usize];
            if let [only] = members.as_slice() {
                let topic = sc.topic_mask[self.index_of(only)];
                let off_list_beyond = !self.generic_narrows[gi as usize] || sc.not_listed_mask & !(sc.generic_mask | topic | sc.light_mask) != 0;
                if (uncontested || !off_list_beyond) && sc.generic_alone && !sc.generic_modified && g >= GENERIC_MIN && topic != 0 {
                    return Self::named(only.clone(), g, ranked);
                }
            }
            // A word that heads its professions' names, with a topic or name word of some of
            // them beside it ("инженер-технолог на фармзаводе", "research engineer, organic
            // synthesis"): those are the job, and all of them are listed.
            if self.generic_narrows[gi as usize] && uncontested && sc.generic_alone && !sc.generic_modified && g >= GENERIC_MIN {
                // (Words beside the generic one: "chemical engineer" is not narrowed by its own
                // "chemical".)
                let beside = !sc.generic_mask & !sc.light_mask & !self.brackets_beside_generic(sc, gi);
                let mut pointed: Vec<Candidate> = members
                    .iter()
                    .filter(|c| {
                        let i = self.index_of(c);
                        sc.topic_mask[i] & beside != 0 || (sc.distinct[i] && sc.listed_mask[i] & beside != 0)
                    })
                    .map(|c| Candidate {
                        code: c.clone(),
                        score: ranked.iter().find(|r| &r.code == c).map_or(0.0, |r| r.score).max(round(sc.topic[self.index_of(c)])),
                    })
                    .collect();
                if !pointed.is_empty() && pointed.len() < members.len() {
                    pointed.sort_by(|a, b| b.score.total_cmp(&a.score));
                    return Self::one_of(pointed);
                }
            }
            return self.generic_verdict(cleaned, gi, &ranked, sc, topics, uncontested && sc.generic_alone);
        }
        // A title read off the list too, by a phrase with a word no listed name reads ("Инженер по
        // продажам лазерного оборудования", "Sales Engineer — industrial automation"): that other
        // occupation.
        if (listed_ok || partial_ok) && n >= NOT_LISTED_MIN && ranked.first().is_some_and(|c| sc.listed_rival[self.index_of(&c.code)]) {
            return self.not_listed(cleaned, &ranked, None, Reason::OtherOccupation);
        }
        if listed_ok || (partial_ok && g < l1 + TIE) {
            // A name read in part beside what other professions' topics read and it does not
            // ("инженер по внедрению 1С": the 1C of IT professions): which one, ask.
            let i = self.index_of(&ranked[0].code);
            let own = sc.listed_mask[i] | sc.topic_mask[i];
            let rivals: Vec<Candidate> = topics
                .iter()
                .filter(|t| t.code != ranked[0].code && t.score >= QUESTION_MIN && sc.topic_mask[self.index_of(&t.code)] & !own != 0)
                .cloned()
                .collect();
            if !listed_ok && !rivals.is_empty() {
                let mut cands = vec![ranked[0].clone()];
                cands.extend(rivals);
                cands.truncate(MAX_CANDIDATES);
                return Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Ambiguous };
            }
            return Self::named(ranked[0].code.clone(), l1, ranked);
        }
        // One profession whose name and topics together read the whole query, nothing off the
        // list in sight: it qualifies.
        let confirmed: Vec<&Candidate> = ranked.iter().filter(|c| c.score >= UNSURE_MIN && sc.confirmed[self.index_of(&c.code)]).collect();
        if let ([one], true) = (confirmed.as_slice(), uncontested && g < l1 + TIE) {
            // (Only weaker readings follow it: they are the exact-code choice, not rivals.)
            let rest: Vec<Candidate> = ranked.iter().filter(|c| c.score <= one.score).cloned().collect();
            return Self::named(one.code.clone(), one.score, rest);
        }
        if l1 >= UNSURE_MIN {
            let spread = if l1 >= LISTED_MIN { 0.05 } else { WEAK_SPREAD };
            let cands: Vec<Candidate> = ranked.into_iter().filter(|c| c.score + spread >= l1).take(MAX_CANDIDATES).collect();
            // Several listed professions fit as well as each other ("неонатолог-реаниматолог"):
            // it qualifies; the best is the answer and the others the exact-code choice.
            if l1 >= LISTED_MIN && uncontested && g < l1 + TIE {
                return Self::one_of(cands);
            }
            // A weak match narrowed by a word nothing on the list reads ("преподаватель
            // английского в вузе") is another occupation.
            if l1 < LISTED_MIN && sc.listed_modified[self.index_of(&cands[0].code)] {
                return self.not_listed(cleaned, &cands, None, Reason::OtherOccupation);
            }
            let reason = if l1 >= LISTED_MIN { Reason::Ambiguous } else { Reason::Weak };
            return Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason };
        }
        // A word that only one listed profession uses ("обогащение руды"), or a generic word
        // among others ("cloud devops"), deserves a question, unless the query reads as another
        // occupation.
        if n < NOT_LISTED_MIN {
            let cands: Vec<Candidate> =
                ranked.iter().filter(|c| c.score >= QUESTION_MIN && sc.distinct[self.index_of(&c.code)]).take(MAX_CANDIDATES).cloned().collect();
            if !cands.is_empty() {
                return Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Weak };
            }
        }
        if let (true, Some(gi)) = (n < NOT_LISTED_MIN && g >= UNSURE_MIN && g >= n, gg) {
            return self.generic_verdict(cleaned, gi, &ranked, sc, topics, false);
        }
        let reason = if n > 0.0 && ng.is_some() { Reason::OtherOccupation } else { Reason::NotUnderstood };
        let field = self.not_listed_field(ng).filter(|_| n >= UNSURE_MIN);
        self.not_listed(cleaned, &ranked, field, reason)
    }

    /// An off-list occupation that is the title while the best listed name is not: "not listed",
    /// or a question where the listed one may be the job. (See `decide_names`; `None`: no such
    /// title.)
    fn off_list_title(&self, cleaned: &str, sc: &Scores, ranked: &[Candidate]) -> Option<Verdict> {
        let (n, ng) = sc.not_listed;
        let (l1, g) = (ranked.first().map_or(0.0, |c| c.score), sc.generic.0);
        let best = ranked.first().filter(|_| n >= UNSURE_MIN && sc.not_listed_recall >= CLAIM_RECALL)?;
        let lm = sc.listed_mask[self.index_of(&best.code)] & !sc.light_mask;
        let nm = sc.not_listed_mask & !sc.light_mask;
        if lm == 0 || nm == 0 {
            return None;
        }
        let not_listed = || Some(self.not_listed(cleaned, ranked, self.not_listed_field(ng), Reason::OtherOccupation));
        // The listed name only inside an employer's name ("LLC Software Developer | cashier",
        // "ТОО «Разработчик Софт» | бухгалтер"), an off-list title in a field of its own: that
        // title is the job.
        let employer = sc.fields_of(sc.institution_mask);
        if employer != 0 && sc.fields_of(lm) & !employer == 0 && sc.fields_of(nm) & !employer != 0 {
            return not_listed();
        }
        // The title named in full before any separator, the listed name only in a later segment
        // ("Nurse | Almaty | Neurosurgery", "Midwife | Obstetrics and Gynecology"): that is where
        // the person works, not a second title. (The title read as surely as a listed answer
        // would need — or, with words of its own beside it ("Палатная сестра", "Travel nurse",
        // "Lab assistant"), less surely, when the later segment names only a field, no person:
        // "| нейрохирургия", "| bacteriology".)
        let first_mask = sc.first_seg_mask();
        let sure = n >= LISTED_MIN || (lm & sc.agent_mask == 0 && (first_mask | lm) & sc.generic_mask == 0);
        let title_then_later = l1 >= UNSURE_MIN && nm & !first_mask == 0 && lm & first_mask == 0 && !sc.named_as_alternative(nm, lm);
        if sure && title_then_later {
            return not_listed();
        }
        // Read less surely, with a listed person named in a later field of a CV line ("Midwife |
        // obstetrician-gynecologist", "IT recruiter | software developer", "Almaty — nurse —
        // pediatrician"): two titles, and the first is where a CV line puts the job — which of
        // them is it? Ask, never "qualifies".
        // (The off-list title's field headed by it, not an employer, a place or a status:
        // "Nurse Ltd | software developer", "Военный госпиталь | педиатр", "Army | software
        // developer", "ИП Иванов — видеомонтажер".)
        // (Fields, not a sentence's clauses: "was a nurse for 5 years, now a practising OB-GYN".)
        let field = |s: u16| s == 0 || sc.opens_field(s);
        let mut title_segs = sc.segs_of(nm);
        if let (Some(t), true) = (title_segs.next(), l1 >= UNSURE_MIN && lm & sc.agent_mask != 0 && !sc.named_as_alternative(nm, lm)) {
            let title = sc.seg_mask(t);
            let listed_after = sc.segs_of(lm).all(|s| s > t && field(s));
            let head = sc.head_of(title & !sc.adjective_mask);
            if title_segs.all(|s| s == t) && field(t) && listed_after && nm & head != 0 && sc.institution_mask & head == 0 {
                return Some(Verdict { kind: VerdictKind::Unsure, code: None, candidates: vec![best.clone()], reason: Reason::Weak });
            }
        }
        // Two titles joined in one ("Врач-педиатр-хирург", "OB-GYN Nurse"): the head decides. An
        // off-list head is that job (even read less surely); a listed head may be it, or a
        // modifier of the other: ask. (Not in a sentence of doing the work — "I edit videos for
        // YouTubers" —, nor with only a generic word on the listed side: "химик-технолог" is a
        // chemical engineer's title, asked about as such — "OB-GYN Nurse" has "obstetrician" too;
        // two jobs joined by a conjunction are two jobs: "фотограф и видеомонтажёр".)
        let both = lm | nm;
        let one_title = !sc.doing && lm & !sc.generic_mask != 0 && g < l1 && lm & nm == 0 && sc.one_run(both) && sc.place_mask & both == 0;
        let two_jobs = || cleaned.split_whitespace().any(|w| self.place_joiners.contains(&w.to_lowercase()) || w == "&" || w == "+");
        if !one_title || two_jobs() {
            return None;
        }
        if nm & sc.head_of(both) != 0 {
            return not_listed();
        }
        (n >= NOT_LISTED_MIN).then(|| Verdict { kind: VerdictKind::Unsure, code: None, candidates: vec![best.clone()], reason: Reason::Weak })
    }

    /// The education field of an off-list occupation group, if it names one.
    fn not_listed_field(&self, group: Option<u16>) -> Option<&str> {
        group.and_then(|g| self.catalog.not_listed[g as usize].field.as_deref())
    }

    /// "Listed": the query names this profession (the nearest others beside it).
    /// (The answer leads the candidates; others follow only if they match as well as a question
    /// would need: a generic word's far members are no exact-code choice.)
    /// `score` stands for the answer if the ranking lacks it (a generic word's only profession).
    fn named(code: Code, score: f32, ranked: Vec<Candidate>) -> Verdict {
        let answer = ranked.iter().find(|c| c.code == code).cloned().unwrap_or(Candidate { code: code.clone(), score: round(score) });
        let others = ranked.into_iter().filter(|c| c.code != code && c.score >= UNSURE_MIN);
        let candidates = std::iter::once(answer).chain(others).take(NEAR_CANDIDATES).collect();
        Verdict { kind: VerdictKind::Listed, code: Some(code), candidates, reason: Reason::Name }
    }

    /// "Listed" with the best of several listed professions; the rest are offered as the
    /// exact-code choice (`candidates`, best first, the answer included).
    fn one_of(cands: Vec<Candidate>) -> Verdict {
        Verdict { kind: VerdictKind::Listed, code: cands.first().map(|c| c.code.clone()), candidates: cands, reason: Reason::OneOf }
    }

    /// The topics read from more than the generic word's own words: "data" of "data analyst" is
    /// no data centre. (Outside brackets, for a closed word outside them: "Solution Architect
    /// (microservices, AWS)" is an architect whose stack the brackets list, not the cloud
    /// specialist an "AWS Solutions Architect" is; an open word's brackets name its domain:
    /// "Инженер-технолог (производство минеральных удобрений)".)
    fn topics_beyond_generic(&self, sc: &Scores, topics: &[Candidate], gi: u16) -> Vec<Candidate> {
        let beyond = !sc.generic_mask & !self.brackets_beside_generic(sc, gi);
        topics.iter().filter(|t| sc.topic_mask[self.index_of(&t.code)] & beyond != 0).cloned().collect()
    }

    /// The words in brackets beside a closed generic word outside them (see
    /// `topics_beyond_generic`).
    fn brackets_beside_generic(&self, sc: &Scores, gi: u16) -> u32 {
        if self.generic_closed[gi as usize] && sc.generic_mask & sc.paren_mask == 0 {
            sc.paren_mask
        } else {
            0
        }
    }

    /// Something beside a generic word says which of its professions is meant: a programming
    /// language, or a word of a member's name or topic ("Java developer", "www-разработчик",
    /// "разработчик мобильных игр").
    fn generic_pointed(&self, sc: &Scores, gi: u16) -> bool {
        sc.stack
            || self.generic_codes[gi as usize].iter().any(|c| {
                let i = self.index_of(c);
                (sc.listed_mask[i] | sc.topic_mask[i]) & !sc.generic_mask & !sc.light_mask != 0
            })
    }

    /// The answer for a generic word: its professions, those the query matched best first (data
    /// order breaks ties, so the most typical member comes first). A question — unless every
    /// reading of the word is on the list (`closed`) and nothing off the list competes: then it
    /// qualifies, and the members are the exact-code choice.
    /// A generic word narrowed by a modifier it does not explain names a particular occupation
    /// Kasip does not know as listed: "преподаватель английского" is not listed; a closed word
    /// so narrowed ("estate developer") is asked about rather than taken as listed.
    /// Members the query's topic points at ("инженер в аэропорту") come first among equals; only
    /// topics read beyond the word count (see `topics_beyond_generic`).
    pub(super) fn generic_verdict(&self, cleaned: &str, group: u16, ranked: &[Candidate], sc: &Scores, topics: &[Candidate], uncontested: bool) -> Verdict {
        let topics = &self.topics_beyond_generic(sc, topics, group);
        let (score, modified) = (sc.generic.0, sc.generic_modified);
        // A programming language or framework beside the word names its software profession
        // ("Golang Engineer · платёжный сервис"): nothing else to ask.
        if let Some(code) = self.generic_stack_code[group as usize].as_ref().filter(|_| sc.stack && uncontested && !modified && score >= GENERIC_MIN) {
            return Self::named(code.clone(), score, ranked.to_vec());
        }
        // Members the query did not single out still fit as the word fits.
        let floor = round(score * GENERIC_MEMBER_SHARE);
        let score_of = |code: &Code| ranked.iter().find(|c| &c.code == code).map_or(floor, |c| c.score.max(floor));
        let mut cands: Vec<Candidate> = self.generic_codes[group as usize].iter().map(|c| Candidate { code: c.clone(), score: score_of(c) }).collect();
        let closed = self.generic_closed[group as usize];
        let topic = |c: &Candidate| topics.iter().find(|t| t.code == c.code).map_or(0.0, |t| t.score);
        cands.sort_by(|a, b| b.score.total_cmp(&a.score).then(topic(b).total_cmp(&topic(a))));
        // A topic may point past the word's usual readings ("технолог на заводе удобрений"):
        // its professions in the same fields join the question, after the members it confirms.
        let fields: Vec<&String> = cands.iter().filter_map(|c| self.catalog.profession(&c.code)).flat_map(|p| p.fields.iter()).collect();
        let extra: Vec<Candidate> = topics
            .iter()
            .filter(|t| t.score >= QUESTION_MIN && !cands.iter().any(|c| c.code == t.code))
            .filter(|t| self.catalog.profession(&t.code).is_some_and(|p| p.fields.iter().any(|f| fields.contains(&f))))
            .map(|t| Candidate { code: t.code.clone(), score: floor })
            .collect();
        // What the topic confirms leads; a question then offers what it adds ahead of the rest
        // of the word's readings, an answer (only the word's own readings can be it) after them.
        let (mut confirmed, rest): (Vec<Candidate>, Vec<Candidate>) = cands.into_iter().partition(|c| topic(c) > 0.0);
        let qualifies =
            uncontested && closed && !modified && score >= GENERIC_MIN && (!self.generic_needs_topic[group as usize] || self.generic_pointed(sc, group));
        if qualifies {
            confirmed.extend(rest);
            confirmed.extend(extra);
        } else {
            confirmed.extend(extra);
            confirmed.extend(rest);
        }
        cands = confirmed;
        cands.truncate(MAX_CANDIDATES);
        if qualifies {
            return Self::one_of(cands);
        }
        if modified && !closed {
            return self.not_listed(cleaned, &cands, None, Reason::OtherOccupation);
        }
        Verdict { kind: VerdictKind::Unsure, code: None, candidates: cands, reason: Reason::Generic }
    }

    /// A "not listed" verdict with the nearest listed professions: those the query partly
    /// matched, then those whose words contain the query's words (`хирург` → нейрохирург), then
    /// the field of the occupation it was recognised as.
    pub(super) fn not_listed(&self, cleaned: &str, ranked: &[Candidate], field: Option<&str>, reason: Reason) -> Verdict {
        // Related means textually near, or near enough and in the field of the occupation the
        // query was recognised as ("инженер-строитель" is no software developer).
        let in_field = |c: &Candidate| field.is_none_or(|f| self.catalog.profession(&c.code).is_some_and(|p| p.fields.iter().any(|x| x == f)));
        let mut near: Vec<Candidate> =
            ranked.iter().filter(|c| c.score >= NEAR_STRONG || (c.score >= NEAR_MIN && in_field(c))).take(NEAR_CANDIDATES).cloned().collect();
        // (Only for a short query naming an occupation: it searches every listed word.)
        if near.len() < NEAR_CANDIDATES && reason == Reason::OtherOccupation && cleaned.split_whitespace().count() <= 3 {
            let stems: Vec<String> =
                self.analyze(cleaned).iter().filter(|(_, q)| !q).map(|(w, _)| self.morph.stem(w)).filter(|s| s.chars().count() >= 5).collect();
            // One substring search per stem over all listed words laid end to end.
            let mut ids: Vec<u32> = stems
                .iter()
                .flat_map(|s| {
                    memchr::memmem::find_iter(self.listed_text.as_bytes(), s.as_bytes())
                        .map(|at| self.listed_vocab[self.listed_starts.partition_point(|&x| x <= at) - 1])
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                for &p in self.postings(id).0 {
                    // (In the occupation's field when it has one: "physics" is in "physician",
                    // yet a physics lecturer is nearer the IT lecturer than any doctor.)
                    if let Target::Listed(i) = self.phrases[p as usize].target {
                        let p = &self.catalog.professions[i as usize];
                        if field.is_none_or(|f| p.fields.iter().any(|x| x == f)) {
                            self.push_near(&mut near, p, 0.3);
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
        near.sort_by(|a, b| b.score.total_cmp(&a.score));
        near.truncate(NEAR_CANDIDATES);
        Verdict { kind: VerdictKind::NotListed, code: None, candidates: near, reason }
    }

    pub(super) fn index_of(&self, code: &Code) -> usize {
        self.code_index.get(code).copied().unwrap_or(0)
    }

    pub(super) fn push_near(&self, near: &mut Vec<Candidate>, p: &Profession, score: f32) {
        if near.len() < NEAR_CANDIDATES && !near.iter().any(|c| c.code == p.code) {
            near.push(Candidate { code: p.code.clone(), score });
        }
    }

    /// Codes: a full code (`3521 3 003`, `2211.7.002`), a short form (`2166-1`), or a four-digit
    /// unit group (`2512`) when the message is little else. A number written in one piece
    /// ("ISO 27001", "налёт 12000 часов") is a code only when the message is little else.
    pub(super) fn match_code(&self, cleaned: &str) -> Option<Verdict> {
        let runs = digit_runs(cleaned);
        // (Read only when a run needs it: most messages with a number are "8 лет" in a CV line.)
        let rest = std::cell::OnceCell::new();
        let rest_is_empty = || *rest.get_or_init(|| self.analyze(cleaned).iter().all(|(w, _)| self.code_words.contains(&w.folded)));
        let run = runs
            .iter()
            .find(|d| (d.len() == 8 || d.len() == 5) && (!cleaned.contains(d.as_str()) || rest_is_empty()))
            .or_else(|| runs.iter().find(|d| d.len() == 4 && rest_is_empty()))?;
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

pub(super) fn round(s: f32) -> f32 {
    (s * 1000.0).round() / 1000.0
}

/// Runs of digits joined by separators (`3521 3 003`, `2211.7.002`), as digit strings. A code
/// opens with its four-digit unit group: two groups of four are two numbers ("2014-2022" is a
/// span of years), and a run opening with a shorter group is a date or a phone number
/// ("01.03.2021", "8 701 …"), each group its own number. Digits that touch
/// a letter belong to a name ("Siemens S7-1500", "A320", "5G"): no run is read from them.
pub(super) fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    // Digits per separated group of the current run.
    let mut groups: Vec<usize> = Vec::new();
    let mut pending_sep = false;
    // The current run touches a letter.
    let mut in_name = false;
    let mut prev: Option<char> = None;
    let end = |cur: &mut String, groups: &mut Vec<usize>, runs: &mut Vec<String>, in_name: &mut bool| {
        if std::mem::take(in_name) {
            cur.clear();
        } else if groups.as_slice() == [4, 4] || (groups.len() > 1 && groups[0] < 4) {
            let mut rest = cur.as_str();
            for &g in groups.iter() {
                let (a, b) = rest.split_at(g);
                runs.push(a.to_string());
                rest = b;
            }
            cur.clear();
        } else if !cur.is_empty() {
            runs.push(std::mem::take(cur));
        }
        groups.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            if groups.is_empty() || pending_sep {
                groups.push(0);
                in_name |= prev.is_some_and(char::is_alphabetic);
            }
            *groups.last_mut().unwrap_or(&mut 0) += 1;
            cur.push(c);
            pending_sep = false;
        } else if matches!(c, ' ' | '-' | '.' | '_' | '/' | '–' | '—' | '\u{a0}') && !cur.is_empty() && !pending_sep {
            pending_sep = true;
        } else {
            in_name |= !pending_sep && !cur.is_empty() && c.is_alphabetic();
            end(&mut cur, &mut groups, &mut runs, &mut in_name);
            pending_sep = false;
        }
        prev = Some(c);
    }
    end(&mut cur, &mut groups, &mut runs, &mut in_name);
    runs
}
