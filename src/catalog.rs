//! The list itself: professions, education fields, the order's metadata, and the matcher's
//! vocabulary (aliases, generic words, occupations that are not on the list).
//!
//! Everything is loaded with serde from human-editable TOML in `data/`, embedded in the binary so a
//! fresh machine needs nothing else; `Catalog::from_dir` loads another copy (an amendment is a data
//! change). A bad file is refused with an error that names the entry and the problem.
//!
//! The list has versions: `professions.toml` is the wording of order No. 134, and
//! `amendments.toml` records later amending orders (number, date, the day in force, the codes
//! removed and the rows added or rewritten). A catalog is always the wording in force on one day
//! (today, Asia/Almaty, unless asked otherwise), with the amendments applied and those still to
//! come, and a hash of everything that can change an answer (see `amend` for what the bot does
//! when it differs from the list last served).

use crate::lang::Lang;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub const PROFESSIONS_FILE: &str = "professions.toml";
pub const LEXICON_FILE: &str = "lexicon.toml";
pub const NOT_LISTED_FILE: &str = "not_listed.toml";
/// Later amendments of the list, each with its order, dates and the rows it changes.
pub const AMENDMENTS_FILE: &str = "amendments.toml";

const EMBEDDED_PROFESSIONS: &str = include_str!("../data/professions.toml");
const EMBEDDED_LEXICON: &str = include_str!("../data/lexicon.toml");
const EMBEDDED_NOT_LISTED: &str = include_str!("../data/not_listed.toml");
const EMBEDDED_AMENDMENTS: &str = include_str!("../data/amendments.toml");

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{file}: {source}")]
    Syntax { file: String, source: toml::de::Error },
    #[error("{file}: entry `{entry}`: bad code `{code}` (expected NNNN-N-NNN or NNNN-N)")]
    BadCode { file: String, entry: String, code: String },
    #[error("{file}: code `{code}` appears twice")]
    DuplicateCode { file: String, code: String },
    #[error("{file}: entry `{entry}`: unknown education field `{field}`")]
    UnknownField { file: String, entry: String, field: String },
    #[error("{file}: entry `{entry}`: missing or empty {lang} text")]
    MissingLanguage { file: String, entry: String, lang: Lang },
    #[error("{file}: entry `{entry}`: refers to code `{code}`, which is not on the list")]
    UnknownCode { file: String, entry: String, code: String },
    #[error("{file}: entry `{entry}`: {problem}")]
    Invalid { file: String, entry: String, problem: String },
    #[error("bad date `{0}` (expected YYYY-MM-DD)")]
    BadDate(String),
}

/// A validated code of the national occupations classifier NKZ 01-2017: `2217-4-001` (unit
/// group, subgroup, occupation) or the short form `2166-1` the order also uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Code(String);

impl Code {
    /// Strict parse of the canonical form, as the order writes it.
    pub fn parse_canonical(s: &str) -> Option<Code> {
        let b = s.as_bytes();
        let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
        let ok = match b.len() {
            6 => digits(&b[..4]) && b[4] == b'-' && digits(&b[5..6]),
            10 => digits(&b[..4]) && b[4] == b'-' && digits(&b[5..6]) && b[6] == b'-' && digits(&b[7..]),
            _ => false,
        };
        ok.then(|| Code(s.to_string()))
    }

    /// A code from its digits (8 → full, 5 → short form), whatever separators the user typed.
    pub fn from_digits(d: &str) -> Option<Code> {
        if !d.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        match d.len() {
            8 => Some(Code(format!("{}-{}-{}", &d[..4], &d[4..5], &d[5..]))),
            5 => Some(Code(format!("{}-{}", &d[..4], &d[4..]))),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The four-digit unit group (`2512` of `2512-1-007`).
    pub fn unit_group(&self) -> &str {
        &self.0[..4]
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A text in each of our three languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Localized {
    pub ru: String,
    pub kk: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.ru,
            Lang::Kk => &self.kk,
            Lang::En => &self.en,
        }
    }
}

/// Lists of words or phrases per language (aliases, stopwords …).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PerLang {
    #[serde(default)]
    pub ru: Vec<String>,
    #[serde(default)]
    pub kk: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
}

impl PerLang {
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        self.ru
            .iter()
            .map(|s| (Lang::Ru, s.as_str()))
            .chain(self.kk.iter().map(|s| (Lang::Kk, s.as_str())))
            .chain(self.en.iter().map(|s| (Lang::En, s.as_str())))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub id: String,
    pub name: Localized,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profession {
    pub code: Code,
    pub name: Localized,
    /// Education field ids, as the order shows them (some rows stand under two headings).
    pub fields: Vec<String>,
    /// How the field was read from the seed when the layout was ambiguous (see data/).
    pub field_reading: Option<String>,
    pub aliases: PerLang,
}

#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub number: String,
    pub date: String,
    pub registered_number: String,
    pub registered_date: String,
    pub in_force: String,
    pub appendix: String,
    pub title: Localized,
    pub issuer: Localized,
    pub classifier: String,
    pub amendment_number: String,
    pub amendment_date: String,
    pub amendment_in_force: Localized,
    /// The day the wording Kasip answers from applies (`YYYY-MM-DD`), when the data says it: set
    /// by an amendment from `amendments.toml`; `None` for the wording in `professions.toml`,
    /// whose entry into force the order states only in words (`amendment_in_force`).
    pub wording_in_force: Option<String>,
}

/// An amendment of the list recorded in `amendments.toml` (applied or not yet in force).
#[derive(Debug, Clone, Serialize)]
pub struct Amendment {
    pub number: String,
    pub date: String,
    pub in_force: String,
    pub note: Option<String>,
    /// Codes the amendment takes off the list.
    pub remove: Vec<String>,
    /// Codes of the rows it adds or rewrites.
    pub rows: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Abbreviation {
    pub from: String,
    pub to: String,
    pub exact_case: bool,
}

#[derive(Debug, Clone)]
pub struct GenericGroup {
    pub terms: PerLang,
    pub codes: Vec<Code>,
    /// Every plausible reading of the word is on the list (`программист`): when nothing else in
    /// the query contradicts it, the person qualifies and the codes are the exact-code choice.
    pub closed: bool,
    /// A topic that alone asks about its professions (most do); `false` for words that only
    /// confirm a title they stand beside (the engineering trades of a vocational master).
    pub asks: bool,
    /// A generic word that a topic or a name word of one of its professions narrows to that
    /// profession ("инженер-технолог" at a pharmaceutical plant is the pharmaceutical process
    /// engineer): the word is the head of those professions' names, not a broad one like
    /// "инженер" that many trades off the list share.
    pub narrows: bool,
    /// A closed word that qualifies only with a topic of its professions beside it
    /// ("Java-разработчик"); alone it asks ("разработчик" may build houses or circuits).
    pub needs_topic: bool,
    /// The profession the word names with a programming language or framework beside it
    /// ("Java engineer", "Golang Engineer": the software developer), if any.
    pub stack_code: Option<Code>,
}

#[derive(Debug, Clone)]
pub struct NotListedGroup {
    pub isco: String,
    pub name: String,
    pub field: Option<String>,
    pub terms: PerLang,
}

#[derive(Debug, Clone)]
pub struct Lexicon {
    pub stopwords: PerLang,
    pub qualifiers: PerLang,
    /// Programming languages and frameworks (each a qualifier too): beside a word such as
    /// "developer" they say the work is software (see `GenericGroup::needs_topic`).
    pub stack: PerLang,
    /// Words of a job function other than the engineering or care a listed name does (sales,
    /// procurement, marketing, recruiting): an off-list title reading one beside a listed name's
    /// words is that other occupation ("Sales Engineer — industrial automation").
    pub functions: PerLang,
    pub abbreviations: Vec<Abbreviation>,
    pub generic: Vec<GenericGroup>,
    /// Topic words: a workplace, subject or activity that points at listed professions without
    /// naming an occupation ("онкоцентр", "монтирую ролики"). Alone they ask about those
    /// professions (or qualify, when `closed`: every reading is listed); beside a name they only
    /// confirm it.
    pub topics: Vec<GenericGroup>,
    /// Context words: workplaces, places, grades, tools — they never cost a listed answer.
    pub context: PerLang,
    /// Words that make a message a request for a service ("ищу педиатра", "need a pediatrician").
    pub requests: PerLang,
    /// Words that make it about the writer's own work ("ищу работу", "I am"): they cancel a request.
    pub self_markers: PerLang,
    /// "I", "my" ("я", "мой"): about the writer, unless the message names a patient — "I need a
    /// pediatrician for my son" is a request.
    pub self_pronouns: PerLang,
    /// Words naming a patient ("сына", "my daughter"): they make a request as the words of
    /// `requests` do, and a pronoun does not cancel them.
    pub patients: PerLang,
    /// Words that make the occupation a wish or a course of study, not the writer's work yet
    /// ("студентка, будущий педиатр", "хочу стать программистом").
    pub aspirations: PerLang,
    /// First-person verbs of doing a job's core work ("монтирую", "разрабатываю", "I develop",
    /// "әзірлеймін"): the writer does what the object names, so a one-profession question
    /// about it is needless.
    pub doing: PerLang,
    /// Words that put what follows them, to the end of the clause, in the writer's past
    /// ("раньше был звукооператором", "бұрын бағдарламашы болдым", "used to be"); two-word
    /// entries are read as a pair.
    pub former: PerLang,
    /// Words that bring the clause back to the present ("сейчас", "қазір", "now").
    pub current: PerLang,
    /// Time words after which a former marker means "ago" ("5 жыл бұрын" — five years ago).
    pub ago: PerLang,
    /// "Ago" ("10 лет назад", "years ago", and "бұрын" after a time word): what follows is the
    /// writer's past, unless the clause says the work began then (see `work_began`).
    pub ago_markers: PerLang,
    /// A work history's "to date" ("2019–н.в.", "по настоящее время", "2020–present"): beside
    /// it, an entry whose years are closed ("2015–2019", "до 2020") is a past job.
    pub to_date: PerLang,
    /// Words before a year that close a range ("до 2020", "с 2015 по 2019", "until 2019").
    pub range_ends: PerLang,
    /// Words that open a range of years ("с 2018", "since 2019"): not closed, it runs to date.
    pub range_starts: PerLang,
    /// Prefixes of a past job joined by a hyphen ("ex-pediatrician", "экс-видеомонтажер"); before
    /// anything but an occupation ("ex-Kaspi") they name an employer.
    pub former_prefixes: PerLang,
    /// Words that say the work began or goes on ("начал", "устроился", "бастадым", "started"):
    /// after "ago" they make the clause no past job.
    pub work_began: PerLang,
    /// Past tense of being or working ("был", "работала", "was", "болдым"): alone no past job
    /// (a CV says "работал"); a clause holding one is the past when a later clause says what the
    /// writer does now ("was a nurse for 5 years, now an OB-GYN").
    pub past_verbs: PerLang,
    /// The writer works no more ("на пенсии", "retired"): beside a past tense, its clause is the
    /// past wherever the two stand.
    pub no_work: PerLang,
    /// Of `no_work`, the words of retirement: whatever tense the work is told in, it is past.
    pub retirement: PerLang,
    /// Of `past_verbs`, a diploma: what someone trained as, the past beside any later clause that
    /// names work, with or without a word of the present.
    pub diplomas: PerLang,
    /// Work outside the field trained in ("не по специальности"): a diploma beside it is the past.
    pub off_field: PerLang,
    /// "Кроме", "but": after a word of no work, nothing but what follows ("никем кроме
    /// звукооператора не работал").
    pub but_for: PerLang,
    /// "Работаю", "I work": the writer's work now, after a title told before it.
    pub work_now: PerLang,
    /// "Not" before what the writer is not ("я не невролог, а нейрохирург"): it counts after a
    /// word of `subjects` or at the start of the message, up to a word of `contrasts` or the end
    /// of the clause.
    pub negations: PerLang,
    pub subjects: PerLang,
    /// Spouse words: after a pronoun of the writer ("я жена программиста") the rest of the
    /// clause is someone else's job.
    pub spouses: PerLang,
    /// "Married to": what follows in the clause is the spouse's job ("замужем за нейрохирургом").
    pub married: PerLang,
    /// The writer as a subject ("я", "I", "мен") and words about someone else ("он", "she"):
    /// beside a relative's job they tell whose job the message is about.
    pub writer_subjects: PerLang,
    pub third_person: PerLang,
    pub third_oblique: PerLang,
    /// An employer hiring ("we hire", "нанимаем"): the message asks for someone, whatever else it says.
    pub employers: PerLang,
    /// Of `past_verbs`, being ("был", "was"): after the writer as subject ("I was an
    /// oncologist") the clause is the past on its own.
    pub past_being: PerLang,
    /// Passive participles of an appointment ("был принят", "was hired"): after a past verb of
    /// being they are news of a job begun, not the past.
    pub appointed: PerLang,
    /// Words of a stretch of time ("10 лет", "for 5 years", "стаж"): a past tense that counts
    /// its years is a CV's experience, not the past.
    pub durations: PerLang,
    /// Imperatives of a job ad before a CV ("send CV", "присылайте резюме"): the ad's reader is
    /// asked, the writer hires.
    pub ad_verbs: PerLang,
    /// Words only a job ad holds ("з/п", "salary"): the writer hires.
    pub job_ads: PerLang,
    /// Salaries ("з/п", "salary"): a job ad's only before a range offered (`ad_ranges`).
    pub salaries: PerLang,
    pub ad_ranges: PerLang,
    /// Hiring words ("требуется", "wanted"): a CV after them is the reader's.
    pub hiring: PerLang,
    pub cvs: PerLang,
    /// The writer's possessives ("my CV", "моё резюме"): the writer's own, no ad.
    pub own: PerLang,
    pub contrasts: PerLang,
    /// "Not" after what the writer is not (Kazakh "мұғалім емеспін"): the clause before it.
    pub negations_after: PerLang,
    /// Words after a negation that undo it ("не только", "not only").
    pub not_negating: PerLang,
    /// Prepositions after which a word is a place or a tool ("работаю в реанимации").
    pub place_markers: PerLang,
    /// Articles ("at a plant"): they keep a place or domain going where another stopword ends it.
    pub determiners: PerLang,
    /// Conjunctions joining two nouns of one place or domain ("отделение анестезиологии и
    /// реанимации"): they keep it going too.
    pub place_joiners: PerLang,
    /// Nouns of a ward or department whose complement is a place ("медсестра отделения
    /// анестезиологии", "Department of Oncology, nurse").
    pub ward_nouns: PerLang,
    /// Prepositions after which a word narrows the occupation's domain ("по поварскому делу").
    pub domain_markers: PerLang,
    /// Endings of words that name a person's occupation (`-ист`, `-olog`, `-шы`): an unknown word
    /// with one of them may be an occupation Kasip does not know.
    pub agent_endings: PerLang,
    /// Words that may stand beside a code without making the message a sentence.
    pub code_words: PerLang,
    /// Names of programs whose words name an occupation ("Adobe Illustrator", "Affinity
    /// Designer"): a tool someone works with, never the occupation.
    pub tool_names: PerLang,
    /// Organisations and legal statuses a CV line names in a field of their own ("Army |
    /// software developer", "ИП Иванов — видеомонтажер"): where or how someone works, no title.
    pub institutions: PerLang,
    /// Listed specialties whose compounds with a combining form are subspecialties of the same
    /// specialty ("кардиоанестезиолог", "neuroradiologist"), unlike "педиатр" ("нейропедиатр" is
    /// a child neurologist).
    pub compound_heads: PerLang,
    /// Words the stemmers cut wrongly for Kasip, with the stem to use instead (Snowball cuts
    /// "animals" to the `anim` of "animation").
    pub stem_exceptions: BTreeMap<String, String>,
}

/// Everything Kasip knows about the list.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub order: Order,
    pub fields: Vec<Field>,
    pub professions: Vec<Profession>,
    pub lexicon: Lexicon,
    pub not_listed: Vec<NotListedGroup>,
    /// The amendments from `amendments.toml` in force on the day the list was resolved for (the
    /// last one is the wording Kasip answers from), and those still to come.
    pub applied: Vec<Amendment>,
    pub upcoming: Vec<Amendment>,
    /// A digest of everything that can change an answer (the resolved list, its metadata, the
    /// lexicon and the not-listed vocabulary): the bot compares it with the list it last served.
    pub hash: String,
}

// ----- raw file shapes ------------------------------------------------------------------------

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawLocalized {
    ru: Option<String>,
    kk: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfessionsFile {
    order: RawOrder,
    fields: Vec<RawField>,
    professions: Vec<RawProfession>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrder {
    number: String,
    date: String,
    registered_number: String,
    registered_date: String,
    in_force: String,
    appendix: String,
    title: RawLocalized,
    issuer: RawLocalized,
    classifier: String,
    amendment: RawAmendment,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmendment {
    number: String,
    date: String,
    in_force: RawLocalized,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    ru: Option<String>,
    kk: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawProfession {
    code: String,
    ru: Option<String>,
    kk: Option<String>,
    en: Option<String>,
    fields: Vec<String>,
    field_reading: Option<String>,
    #[serde(default)]
    aliases: PerLang,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAmendmentsFile {
    #[serde(default)]
    amendment: Vec<RawListAmendment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListAmendment {
    number: String,
    date: String,
    in_force: String,
    note: Option<String>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    professions: Vec<RawProfession>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    stopwords: PerLang,
    qualifiers: PerLang,
    #[serde(default)]
    stack: PerLang,
    #[serde(default)]
    functions: PerLang,
    #[serde(default)]
    abbreviations: Vec<RawAbbreviation>,
    #[serde(default)]
    generic: Vec<RawGeneric>,
    #[serde(default)]
    topic: Vec<RawGeneric>,
    #[serde(default)]
    context: PerLang,
    #[serde(default)]
    requests: PerLang,
    #[serde(default)]
    self_markers: PerLang,
    #[serde(default)]
    self_pronouns: PerLang,
    #[serde(default)]
    patients: PerLang,
    #[serde(default)]
    aspirations: PerLang,
    #[serde(default)]
    doing: PerLang,
    #[serde(default)]
    former: PerLang,
    #[serde(default)]
    current: PerLang,
    #[serde(default)]
    ago: PerLang,
    #[serde(default)]
    ago_markers: PerLang,
    #[serde(default)]
    to_date: PerLang,
    #[serde(default)]
    range_ends: PerLang,
    #[serde(default)]
    range_starts: PerLang,
    #[serde(default)]
    former_prefixes: PerLang,
    #[serde(default)]
    work_began: PerLang,
    #[serde(default)]
    past_verbs: PerLang,
    #[serde(default)]
    no_work: PerLang,
    #[serde(default)]
    retirement: PerLang,
    #[serde(default)]
    diplomas: PerLang,
    #[serde(default)]
    off_field: PerLang,
    #[serde(default)]
    but_for: PerLang,
    #[serde(default)]
    work_now: PerLang,
    #[serde(default)]
    negations: PerLang,
    #[serde(default)]
    subjects: PerLang,
    #[serde(default)]
    spouses: PerLang,
    #[serde(default)]
    married: PerLang,
    #[serde(default)]
    writer_subjects: PerLang,
    #[serde(default)]
    third_person: PerLang,
    #[serde(default)]
    third_oblique: PerLang,
    #[serde(default)]
    employers: PerLang,
    #[serde(default)]
    past_being: PerLang,
    #[serde(default)]
    appointed: PerLang,
    #[serde(default)]
    durations: PerLang,
    #[serde(default)]
    ad_verbs: PerLang,
    #[serde(default)]
    job_ads: PerLang,
    #[serde(default)]
    salaries: PerLang,
    #[serde(default)]
    ad_ranges: PerLang,
    #[serde(default)]
    hiring: PerLang,
    #[serde(default)]
    cvs: PerLang,
    #[serde(default)]
    own: PerLang,
    #[serde(default)]
    contrasts: PerLang,
    #[serde(default)]
    negations_after: PerLang,
    #[serde(default)]
    not_negating: PerLang,
    #[serde(default)]
    domain_markers: PerLang,
    #[serde(default)]
    place_markers: PerLang,
    #[serde(default)]
    determiners: PerLang,
    #[serde(default)]
    place_joiners: PerLang,
    #[serde(default)]
    ward_nouns: PerLang,
    #[serde(default)]
    agent_endings: PerLang,
    #[serde(default)]
    code_words: PerLang,
    #[serde(default)]
    tool_names: PerLang,
    #[serde(default)]
    institutions: PerLang,
    #[serde(default)]
    compound_heads: PerLang,
    #[serde(default)]
    stem_exceptions: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAbbreviation {
    from: String,
    to: String,
    #[serde(default)]
    exact_case: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGeneric {
    terms: PerLang,
    codes: Vec<String>,
    #[serde(default)]
    closed: bool,
    #[serde(default = "yes")]
    asks: bool,
    #[serde(default)]
    narrows: bool,
    #[serde(default)]
    needs_topic: bool,
    #[serde(default)]
    stack_code: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotListedFile {
    group: Vec<RawNotListedGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotListedGroup {
    isco: String,
    name: String,
    field: Option<String>,
    #[serde(default)]
    ru: Vec<String>,
    #[serde(default)]
    kk: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
}

fn localized(file: &str, entry: &str, ru: Option<String>, kk: Option<String>, en: Option<String>) -> Result<Localized, CatalogError> {
    let need = |v: Option<String>, lang: Lang| -> Result<String, CatalogError> {
        match v.map(|s| s.trim().to_string()) {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(CatalogError::MissingLanguage { file: file.into(), entry: entry.into(), lang }),
        }
    };
    Ok(Localized { ru: need(ru, Lang::Ru)?, kk: need(kk, Lang::Kk)?, en: need(en, Lang::En)? })
}

fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, CatalogError> {
    toml::from_str(text).map_err(|source| CatalogError::Syntax { file: file.into(), source })
}

/// One row of the list, checked: its code, its names in three languages, known fields.
fn profession(file: &str, p: RawProfession, field_ids: &HashSet<String>) -> Result<Profession, CatalogError> {
    let entry = p.code.clone();
    let code = Code::parse_canonical(p.code.trim()).ok_or_else(|| CatalogError::BadCode { file: file.into(), entry: entry.clone(), code: p.code.clone() })?;
    if p.fields.is_empty() {
        return Err(CatalogError::Invalid { file: file.into(), entry, problem: "no education field".into() });
    }
    for f in &p.fields {
        if !field_ids.contains(f) {
            return Err(CatalogError::UnknownField { file: file.into(), entry, field: f.clone() });
        }
    }
    let name = localized(file, &entry, p.ru, p.kk, p.en)?;
    Ok(Profession { code, name, fields: p.fields, field_reading: p.field_reading, aliases: p.aliases })
}

/// SHA-256 (hex) of the resolved list with its metadata, the lexicon and the not-listed vocabulary.
fn content_hash(order: &Order, fields: &[Field], professions: &[Profession], lexicon: &str, not_listed: &str) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(serde_json::to_string(&(order, fields, professions)).unwrap_or_default().as_bytes());
    for t in [lexicon, not_listed] {
        ctx.update(&[0]);
        ctx.update(t.as_bytes());
    }
    ctx.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; `None` for anything else (`2024-02-30` too).
pub fn parse_day(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).filter(|x| x.bytes().all(|c| c.is_ascii_digit())).and_then(|x| x.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
pub fn format_day(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today in Kazakhstan (UTC+5), `YYYY-MM-DD`: the day whose wording of the list is in force.
pub fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    format_day((secs + 5 * 3600).div_euclid(86400))
}

/// The four data files' texts.
pub struct Sources {
    pub professions: String,
    pub lexicon: String,
    pub not_listed: String,
    pub amendments: String,
}

impl Sources {
    pub fn embedded() -> Sources {
        Sources {
            professions: EMBEDDED_PROFESSIONS.into(),
            lexicon: EMBEDDED_LEXICON.into(),
            not_listed: EMBEDDED_NOT_LISTED.into(),
            amendments: EMBEDDED_AMENDMENTS.into(),
        }
    }

    /// The files of a directory; a file that is absent there falls back to the embedded one, so an
    /// amendment can ship just the list (or just `amendments.toml`).
    pub fn from_dir(dir: &Path) -> Result<Sources, CatalogError> {
        let read = |name: &str, fallback: &'static str| -> Result<String, CatalogError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(s) => Ok(s),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && dir.is_dir() => Ok(fallback.to_string()),
                Err(source) => Err(CatalogError::Read { path, source }),
            }
        };
        Ok(Sources {
            professions: read(PROFESSIONS_FILE, EMBEDDED_PROFESSIONS)?,
            lexicon: read(LEXICON_FILE, EMBEDDED_LEXICON)?,
            not_listed: read(NOT_LISTED_FILE, EMBEDDED_NOT_LISTED)?,
            amendments: read(AMENDMENTS_FILE, EMBEDDED_AMENDMENTS)?,
        })
    }
}

impl Catalog {
    /// The list as compiled into the binary, in the wording in force today.
    pub fn embedded() -> Result<Catalog, CatalogError> {
        Catalog::from_sources(&Sources::embedded(), &today())
    }

    /// The built-in list in the wording in force on `day` (`YYYY-MM-DD`).
    pub fn embedded_on(day: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_sources(&Sources::embedded(), day)
    }

    /// Loads `professions.toml`, `lexicon.toml`, `not_listed.toml` and `amendments.toml` from a
    /// directory (see [`Sources::from_dir`]), in the wording in force today.
    pub fn from_dir(dir: &Path) -> Result<Catalog, CatalogError> {
        Catalog::from_sources(&Sources::from_dir(dir)?, &today())
    }

    /// The wording of `professions.toml` alone (no amendments applied).
    pub fn from_texts(professions: &str, lexicon: &str, not_listed: &str) -> Result<Catalog, CatalogError> {
        Catalog::build(professions, lexicon, not_listed, "", None)
    }

    /// The list in the wording in force on `day` (`YYYY-MM-DD`): `professions.toml` with every
    /// amendment of `amendments.toml` in force by then applied in the order they came into force.
    pub fn from_sources(src: &Sources, day: &str) -> Result<Catalog, CatalogError> {
        parse_day(day).ok_or_else(|| CatalogError::BadDate(day.to_string()))?;
        Catalog::build(&src.professions, &src.lexicon, &src.not_listed, &src.amendments, Some(day))
    }

    fn build(professions: &str, lexicon: &str, not_listed: &str, amendments: &str, day: Option<&str>) -> Result<Catalog, CatalogError> {
        let pf = PROFESSIONS_FILE;
        let raw: RawProfessionsFile = parse_toml(pf, professions)?;
        let o = raw.order;
        let mut order = Order {
            title: localized(pf, "order.title", o.title.ru, o.title.kk, o.title.en)?,
            issuer: localized(pf, "order.issuer", o.issuer.ru, o.issuer.kk, o.issuer.en)?,
            amendment_in_force: localized(pf, "order.amendment.in_force", o.amendment.in_force.ru, o.amendment.in_force.kk, o.amendment.in_force.en)?,
            number: o.number,
            date: o.date,
            registered_number: o.registered_number,
            registered_date: o.registered_date,
            in_force: o.in_force,
            appendix: o.appendix,
            classifier: o.classifier,
            amendment_number: o.amendment.number,
            amendment_date: o.amendment.date,
            wording_in_force: None,
        };

        let mut fields = Vec::new();
        let mut field_ids = HashSet::new();
        for f in raw.fields {
            if !field_ids.insert(f.id.clone()) {
                return Err(CatalogError::Invalid { file: pf.into(), entry: f.id, problem: "education field defined twice".into() });
            }
            let name = localized(pf, &f.id, f.ru, f.kk, f.en)?;
            fields.push(Field { id: f.id, name });
        }

        // Every row is checked, the base list's and each amendment's, whether in force or not.
        let mut known = HashSet::new();
        let mut professions = Vec::new();
        for p in raw.professions {
            let prof = profession(pf, p, &field_ids)?;
            if !known.insert(prof.code.clone()) {
                return Err(CatalogError::DuplicateCode { file: pf.into(), code: prof.code.0 });
            }
            professions.push(prof);
        }
        if professions.is_empty() {
            return Err(CatalogError::Invalid { file: pf.into(), entry: "professions".into(), problem: "the list is empty".into() });
        }

        let af = AMENDMENTS_FILE;
        let ra: RawAmendmentsFile = if amendments.trim().is_empty() { RawAmendmentsFile::default() } else { parse_toml(af, amendments)? };
        let mut steps = Vec::new();
        for a in ra.amendment {
            let entry = format!("amendment {}", a.number);
            if a.number.trim().is_empty() {
                return Err(CatalogError::Invalid { file: af.into(), entry, problem: "no order number".into() });
            }
            for d in [&a.date, &a.in_force] {
                if parse_day(d).is_none() {
                    return Err(CatalogError::Invalid { file: af.into(), entry, problem: format!("bad date `{d}` (expected YYYY-MM-DD)") });
                }
            }
            if a.in_force < a.date {
                return Err(CatalogError::Invalid { file: af.into(), entry, problem: "in force before it was signed".into() });
            }
            let mut rows = Vec::new();
            let mut seen = HashSet::new();
            for p in a.professions {
                let prof = profession(af, p, &field_ids)?;
                if !seen.insert(prof.code.clone()) {
                    return Err(CatalogError::DuplicateCode { file: af.into(), code: prof.code.0 });
                }
                known.insert(prof.code.clone());
                rows.push(prof);
            }
            let mut remove = Vec::new();
            for c in &a.remove {
                let code = Code::parse_canonical(c.trim()).ok_or_else(|| CatalogError::BadCode { file: af.into(), entry: entry.clone(), code: c.clone() })?;
                if seen.contains(&code) {
                    return Err(CatalogError::Invalid { file: af.into(), entry, problem: format!("removes and rewrites {code}") });
                }
                remove.push(code);
            }
            if rows.is_empty() && remove.is_empty() {
                return Err(CatalogError::Invalid { file: af.into(), entry, problem: "changes nothing (no `remove`, no [[amendment.professions]])".into() });
            }
            let info = Amendment {
                number: a.number,
                date: a.date,
                in_force: a.in_force,
                note: a.note,
                remove: remove.iter().map(|c| c.0.clone()).collect(),
                rows: rows.iter().map(|p| p.code.0.clone()).collect(),
            };
            steps.push((info, remove, rows));
        }
        // In the order they came into force (and, on one day, as written).
        steps.sort_by(|a, b| a.0.in_force.cmp(&b.0.in_force));
        let mut applied = Vec::new();
        let mut upcoming = Vec::new();
        for (info, remove, rows) in steps {
            let in_force = day.is_some_and(|d| info.in_force.as_str() <= d);
            if !in_force {
                upcoming.push(info);
                continue;
            }
            let entry = format!("amendment {}", info.number);
            for code in remove {
                let before = professions.len();
                professions.retain(|p: &Profession| p.code != code);
                if professions.len() == before {
                    return Err(CatalogError::Invalid { file: af.into(), entry, problem: format!("removes {code}, which is not on the list by then") });
                }
            }
            for row in rows {
                match professions.iter_mut().find(|p| p.code == row.code) {
                    Some(p) => *p = row,
                    None => professions.push(row),
                }
            }
            if professions.is_empty() {
                return Err(CatalogError::Invalid { file: af.into(), entry, problem: "leaves the list empty".into() });
            }
            order.amendment_number = info.number.clone();
            order.amendment_date = info.date.clone();
            order.amendment_in_force = Localized { ru: info.in_force.clone(), kk: info.in_force.clone(), en: info.in_force.clone() };
            order.wording_in_force = Some(info.in_force.clone());
            applied.push(info);
        }
        let codes: HashSet<Code> = professions.iter().map(|p| p.code.clone()).collect();

        let lf = LEXICON_FILE;
        let rl: RawLexicon = parse_toml(lf, lexicon)?;
        let read_groups = |raw: Vec<RawGeneric>, kind: &str| -> Result<Vec<GenericGroup>, CatalogError> {
            let mut out = Vec::new();
            for (i, g) in raw.into_iter().enumerate() {
                let entry = format!("{kind} #{}", i + 1);
                if g.terms.iter().next().is_none() {
                    return Err(CatalogError::Invalid { file: lf.into(), entry, problem: "no terms".into() });
                }
                let mut gc = Vec::new();
                for c in g.codes {
                    let code = Code::parse_canonical(&c).ok_or_else(|| CatalogError::BadCode { file: lf.into(), entry: entry.clone(), code: c.clone() })?;
                    if !known.contains(&code) {
                        return Err(CatalogError::UnknownCode { file: lf.into(), entry: entry.clone(), code: c });
                    }
                    // A code an amendment in force took off the list is no longer offered.
                    if codes.contains(&code) {
                        gc.push(code);
                    }
                }
                // Every code of the word was taken off the list (by an amendment in force, or by
                // an amended copy of this file): the word no longer points anywhere.
                if gc.is_empty() {
                    continue;
                }
                // (A stack code taken off the list points nowhere: the word asks as before.)
                let stack_code = match g.stack_code {
                    Some(c) => {
                        let code = Code::parse_canonical(&c).ok_or_else(|| CatalogError::BadCode { file: lf.into(), entry: entry.clone(), code: c.clone() })?;
                        if !known.contains(&code) {
                            return Err(CatalogError::UnknownCode { file: lf.into(), entry: entry.clone(), code: c });
                        }
                        codes.contains(&code).then_some(code)
                    }
                    None => None,
                };
                out.push(GenericGroup {
                    terms: g.terms,
                    codes: gc,
                    closed: g.closed,
                    asks: g.asks,
                    narrows: g.narrows,
                    needs_topic: g.needs_topic,
                    stack_code,
                });
            }
            Ok(out)
        };
        let generic = read_groups(rl.generic, "generic")?;
        let topics = read_groups(rl.topic, "topic")?;
        for (word, stem) in &rl.stem_exceptions {
            let one_word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase());
            if !one_word(word) || !one_word(stem) {
                return Err(CatalogError::Invalid {
                    file: lf.into(),
                    entry: format!("stem_exceptions.{word}"),
                    problem: "a word and its stem must be single lowercase words".into(),
                });
            }
        }
        let lexicon_parsed = Lexicon {
            stopwords: rl.stopwords,
            qualifiers: rl.qualifiers,
            stack: rl.stack,
            functions: rl.functions,
            abbreviations: rl.abbreviations.into_iter().map(|a| Abbreviation { from: a.from, to: a.to, exact_case: a.exact_case }).collect(),
            generic,
            topics,
            context: rl.context,
            requests: rl.requests,
            self_markers: rl.self_markers,
            self_pronouns: rl.self_pronouns,
            patients: rl.patients,
            aspirations: rl.aspirations,
            doing: rl.doing,
            former: rl.former,
            current: rl.current,
            ago: rl.ago,
            ago_markers: rl.ago_markers,
            to_date: rl.to_date,
            range_ends: rl.range_ends,
            range_starts: rl.range_starts,
            former_prefixes: rl.former_prefixes,
            work_began: rl.work_began,
            past_verbs: rl.past_verbs,
            no_work: rl.no_work,
            retirement: rl.retirement,
            diplomas: rl.diplomas,
            off_field: rl.off_field,
            but_for: rl.but_for,
            work_now: rl.work_now,
            negations: rl.negations,
            subjects: rl.subjects,
            spouses: rl.spouses,
            married: rl.married,
            writer_subjects: rl.writer_subjects,
            third_person: rl.third_person,
            third_oblique: rl.third_oblique,
            employers: rl.employers,
            past_being: rl.past_being,
            appointed: rl.appointed,
            durations: rl.durations,
            ad_verbs: rl.ad_verbs,
            job_ads: rl.job_ads,
            salaries: rl.salaries,
            ad_ranges: rl.ad_ranges,
            hiring: rl.hiring,
            cvs: rl.cvs,
            own: rl.own,
            contrasts: rl.contrasts,
            negations_after: rl.negations_after,
            not_negating: rl.not_negating,
            domain_markers: rl.domain_markers,
            place_markers: rl.place_markers,
            determiners: rl.determiners,
            place_joiners: rl.place_joiners,
            ward_nouns: rl.ward_nouns,
            agent_endings: rl.agent_endings,
            code_words: rl.code_words,
            tool_names: rl.tool_names,
            institutions: rl.institutions,
            compound_heads: rl.compound_heads,
            stem_exceptions: rl.stem_exceptions,
        };

        let nf = NOT_LISTED_FILE;
        let rn: RawNotListedFile = parse_toml(nf, not_listed)?;
        let mut not_listed_groups = Vec::new();
        for g in rn.group {
            if let Some(f) = &g.field {
                if !field_ids.contains(f) {
                    return Err(CatalogError::UnknownField { file: nf.into(), entry: g.name, field: f.clone() });
                }
            }
            not_listed_groups.push(NotListedGroup { isco: g.isco, name: g.name, field: g.field, terms: PerLang { ru: g.ru, kk: g.kk, en: g.en } });
        }

        let hash = content_hash(&order, &fields, &professions, lexicon, not_listed);
        Ok(Catalog { order, fields, professions, lexicon: lexicon_parsed, not_listed: not_listed_groups, applied, upcoming, hash })
    }

    /// The wording Kasip answers from, for people: `No. 134 of 2024-05-03`.
    pub fn version(&self) -> String {
        format!("No. {} of {}", self.order.amendment_number, self.order.amendment_date)
    }

    pub fn profession(&self, code: &Code) -> Option<&Profession> {
        self.professions.iter().find(|p| &p.code == code)
    }

    /// Looks a code up from any user-typed form (`2512-1-007`, `2512 1 007`, `251210007`…).
    pub fn find_code(&self, text: &str) -> Option<&Profession> {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        Code::from_digits(&digits).and_then(|c| self.profession(&c))
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Field names of a profession joined for display (two for the rows under both headings).
    pub fn field_names(&self, p: &Profession, lang: Lang) -> String {
        p.fields.iter().filter_map(|id| self.field(id)).map(|f| f.name.get(lang)).collect::<Vec<_>>().join(" / ")
    }

    /// Professions grouped by education field, in the order's order. A profession under two
    /// headings appears under both.
    pub fn by_field(&self) -> BTreeMap<usize, (&Field, Vec<&Profession>)> {
        let mut out = BTreeMap::new();
        for (i, f) in self.fields.iter().enumerate() {
            let members: Vec<&Profession> = self.professions.iter().filter(|p| p.fields.contains(&f.id)).collect();
            out.insert(i, (f, members));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_from_any_separators() {
        assert_eq!(Code::from_digits("35213003").unwrap().as_str(), "3521-3-003");
        assert_eq!(Code::from_digits("21661").unwrap().as_str(), "2166-1");
        assert!(Code::from_digits("2166").is_none());
        assert!(Code::parse_canonical("2217-4-001").is_some());
        assert!(Code::parse_canonical("2217-4-01").is_none());
        assert!(Code::parse_canonical("22174001").is_none());
    }

    #[test]
    fn embedded_catalog_loads() {
        let c = Catalog::embedded().unwrap();
        assert_eq!(c.professions.len(), 51);
        assert_eq!(c.fields.len(), 6);
        assert_eq!(c.find_code("3521 3 003").unwrap().name.ru, "Видеомонтажер");
    }

    fn with_professions(edit: impl Fn(&str) -> String) -> Result<Catalog, CatalogError> {
        Catalog::from_texts(&edit(EMBEDDED_PROFESSIONS), EMBEDDED_LEXICON, EMBEDDED_NOT_LISTED)
    }

    #[test]
    fn bad_code_is_named() {
        let e = with_professions(|s| s.replacen("code = \"2217-4-001\"", "code = \"2217-4-01\"", 1)).unwrap_err();
        assert!(matches!(e, CatalogError::BadCode { ref code, .. } if code == "2217-4-01"), "{e}");
        assert!(e.to_string().contains("2217-4-01"));
    }

    #[test]
    fn duplicate_code_is_refused() {
        let e = with_professions(|s| s.replacen("code = \"2211-7-002\"", "code = \"2217-4-001\"", 1)).unwrap_err();
        assert!(matches!(e, CatalogError::DuplicateCode { ref code, .. } if code == "2217-4-001"), "{e}");
    }

    #[test]
    fn unknown_field_is_refused() {
        let e = with_professions(|s| s.replacen("fields = [\"healthcare\"]", "fields = [\"helthcare\"]", 1)).unwrap_err();
        assert!(matches!(e, CatalogError::UnknownField { ref field, ref entry, .. } if field == "helthcare" && entry == "2217-4-001"), "{e}");
    }

    #[test]
    fn missing_language_is_refused() {
        let e = with_professions(|s| s.replacen("kk = \"Нейрохирург дәрігер\"\n", "", 1)).unwrap_err();
        assert!(matches!(e, CatalogError::MissingLanguage { lang: Lang::Kk, ref entry, .. } if entry == "2217-4-001"), "{e}");
    }

    #[test]
    fn syntax_error_names_the_file() {
        let e = with_professions(|s| format!("{s}\n[[professions]\n")).unwrap_err();
        assert!(e.to_string().starts_with("professions.toml"), "{e}");
    }

    #[test]
    fn unknown_key_is_refused() {
        let e = with_professions(|s| s.replacen("en = \"Neurosurgeon\"", "en = \"Neurosurgeon\"\nenglish = \"x\"", 1)).unwrap_err();
        assert!(e.to_string().contains("english"), "{e}");
    }

    #[test]
    fn generic_with_unknown_code_is_refused() {
        let lex = EMBEDDED_LEXICON.replacen("\"2166-1\", \"2512-1-001\", \"2166-2\"", "\"2166-9\"", 1);
        let e = Catalog::from_texts(EMBEDDED_PROFESSIONS, &lex, EMBEDDED_NOT_LISTED).unwrap_err();
        assert!(matches!(e, CatalogError::UnknownCode { ref code, .. } if code == "2166-9"), "{e}");
    }

    fn amended(amendments: &str, day: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_sources(&Sources { amendments: amendments.into(), ..Sources::embedded() }, day)
    }

    const RENAME: &str = "[[amendment]]\nnumber = \"T-1\"\ndate = \"2030-01-10\"\nin_force = \"2030-02-01\"\nremove = [\"2166-1\"]\n\n[[amendment.professions]]\ncode = \"2217-4-001\"\nru = \"Нейрохирург\"\nkk = \"Нейрохирург\"\nen = \"Neurosurgeon\"\nfields = [\"healthcare\"]\n";

    #[test]
    fn the_wording_in_force_on_a_day_is_answered_from() {
        let base = Catalog::embedded_on("2030-01-31").unwrap();
        let before = amended(RENAME, "2030-01-31").unwrap();
        assert_eq!(before.hash, base.hash, "an amendment not yet in force changes nothing");
        assert_eq!((before.applied.len(), before.upcoming.len(), before.order.wording_in_force.as_deref()), (0, 1, None));
        let after = amended(RENAME, "2030-02-01").unwrap();
        assert_ne!(after.hash, base.hash);
        assert_eq!((after.order.amendment_number.as_str(), after.order.amendment_date.as_str()), ("T-1", "2030-01-10"));
        assert_eq!(after.order.wording_in_force.as_deref(), Some("2030-02-01"));
        assert_eq!(after.professions.len(), 50);
        assert!(after.find_code("2166-1").is_none());
        assert_eq!(after.find_code("2217-4-001").unwrap().name.ru, "Нейрохирург");
        // The generic words that offered 2166-1 offer the rest of their codes.
        assert!(after.lexicon.generic.iter().all(|g| !g.codes.iter().any(|c| c.as_str() == "2166-1")));
        assert_eq!(after.lexicon.generic.len(), base.lexicon.generic.len());
        // The shipped data records no amendment after No. 134.
        assert!(base.applied.is_empty() && base.upcoming.is_empty());
        assert_eq!(base.hash, Catalog::embedded().unwrap().hash);
    }

    #[test]
    fn bad_amendments_are_refused_with_the_reason() {
        let cases = [
            (RENAME.replace("remove = [\"2166-1\"]", "remove = [\"2166-9\"]"), "2166-9, which is not on the list"),
            (RENAME.replace("in_force = \"2030-02-01\"", "in_force = \"2030-02-30\""), "bad date `2030-02-30`"),
            (RENAME.replace("in_force = \"2030-02-01\"", "in_force = \"2029-02-01\""), "in force before it was signed"),
            ("[[amendment]]\nnumber = \"T-2\"\ndate = \"2030-01-10\"\nin_force = \"2030-02-01\"\n".to_string(), "changes nothing"),
            (RENAME.replace("fields = [\"healthcare\"]", "fields = [\"helthcare\"]"), "helthcare"),
            (RENAME.replace("number = \"T-1\"", "number = \"T-1\"\nnumbr = 1"), "numbr"),
        ];
        for (text, why) in cases {
            let e = amended(&text, "2031-01-01").unwrap_err().to_string();
            assert!(e.contains(why), "{why}: {e}");
        }
        assert!(matches!(amended("", "2031-13-01"), Err(CatalogError::BadDate(_))));
    }

    #[test]
    fn days_round_trip() {
        for d in ["1970-01-01", "2000-02-29", "2024-05-03", "2099-12-31"] {
            assert_eq!(format_day(parse_day(d).unwrap()), d);
        }
        assert_eq!(parse_day("1970-01-02"), Some(1));
        for bad in ["2023-02-29", "2024-13-01", "2024-5-3", "24-05-03", "2024-05-03x", "２０２４-05-03"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert!(parse_day(&today()).is_some());
    }

    #[test]
    fn missing_directory_is_an_error_not_a_panic() {
        let e = Catalog::from_dir(Path::new("/nonexistent/kasip-data")).unwrap_err();
        assert!(matches!(e, CatalogError::Read { .. }), "{e}");
    }
}
