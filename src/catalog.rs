//! The list itself: professions, education fields, the order's metadata, and the matcher's
//! vocabulary (aliases, generic words, occupations that are not on the list).
//!
//! Everything is loaded with serde from human-editable TOML in `data/`, embedded in the binary so a
//! fresh machine needs nothing else; `Catalog::from_dir` loads another copy (an amendment is a data
//! change). A bad file is refused with an error that names the entry and the problem.

use crate::lang::Lang;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub const PROFESSIONS_FILE: &str = "professions.toml";
pub const LEXICON_FILE: &str = "lexicon.toml";
pub const NOT_LISTED_FILE: &str = "not_listed.toml";

const EMBEDDED_PROFESSIONS: &str = include_str!("../data/professions.toml");
const EMBEDDED_LEXICON: &str = include_str!("../data/lexicon.toml");
const EMBEDDED_NOT_LISTED: &str = include_str!("../data/not_listed.toml");

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
#[derive(Debug, Clone, Serialize, Default)]
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
    /// Prepositions after which a word is a place or a tool ("работаю в реанимации").
    pub place_markers: PerLang,
    /// Prepositions after which a word narrows the occupation's domain ("по поварскому делу").
    pub domain_markers: PerLang,
    /// Endings of words that name a person's occupation (`-ист`, `-olog`, `-шы`): an unknown word
    /// with one of them may be an occupation Kasip does not know.
    pub agent_endings: PerLang,
    /// Words that may stand beside a code without making the message a sentence.
    pub code_words: PerLang,
}

/// Everything Kasip knows about the list.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub order: Order,
    pub fields: Vec<Field>,
    pub professions: Vec<Profession>,
    pub lexicon: Lexicon,
    pub not_listed: Vec<NotListedGroup>,
}

// ----- raw file shapes ------------------------------------------------------------------------

#[derive(Deserialize)]
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

#[derive(Deserialize)]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    stopwords: PerLang,
    qualifiers: PerLang,
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
    domain_markers: PerLang,
    #[serde(default)]
    place_markers: PerLang,
    #[serde(default)]
    agent_endings: PerLang,
    #[serde(default)]
    code_words: PerLang,
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

impl Catalog {
    /// The list as compiled into the binary.
    pub fn embedded() -> Result<Catalog, CatalogError> {
        Catalog::from_texts(EMBEDDED_PROFESSIONS, EMBEDDED_LEXICON, EMBEDDED_NOT_LISTED)
    }

    /// Loads `professions.toml`, `lexicon.toml` and `not_listed.toml` from a directory; a file
    /// that is absent there falls back to the embedded one, so an amendment can ship just the list.
    pub fn from_dir(dir: &Path) -> Result<Catalog, CatalogError> {
        let read = |name: &str, fallback: &'static str| -> Result<String, CatalogError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(s) => Ok(s),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && dir.is_dir() => Ok(fallback.to_string()),
                Err(source) => Err(CatalogError::Read { path, source }),
            }
        };
        Catalog::from_texts(
            &read(PROFESSIONS_FILE, EMBEDDED_PROFESSIONS)?,
            &read(LEXICON_FILE, EMBEDDED_LEXICON)?,
            &read(NOT_LISTED_FILE, EMBEDDED_NOT_LISTED)?,
        )
    }

    pub fn from_texts(professions: &str, lexicon: &str, not_listed: &str) -> Result<Catalog, CatalogError> {
        let pf = PROFESSIONS_FILE;
        let raw: RawProfessionsFile = parse_toml(pf, professions)?;
        let o = raw.order;
        let order = Order {
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

        let mut professions = Vec::new();
        let mut codes = HashSet::new();
        for p in raw.professions {
            let entry = p.code.clone();
            let code =
                Code::parse_canonical(p.code.trim()).ok_or_else(|| CatalogError::BadCode { file: pf.into(), entry: entry.clone(), code: p.code.clone() })?;
            if !codes.insert(code.clone()) {
                return Err(CatalogError::DuplicateCode { file: pf.into(), code: code.0 });
            }
            if p.fields.is_empty() {
                return Err(CatalogError::Invalid { file: pf.into(), entry, problem: "no education field".into() });
            }
            for f in &p.fields {
                if !field_ids.contains(f) {
                    return Err(CatalogError::UnknownField { file: pf.into(), entry, field: f.clone() });
                }
            }
            let name = localized(pf, &entry, p.ru, p.kk, p.en)?;
            professions.push(Profession { code, name, fields: p.fields, field_reading: p.field_reading, aliases: p.aliases });
        }
        if professions.is_empty() {
            return Err(CatalogError::Invalid { file: pf.into(), entry: "professions".into(), problem: "the list is empty".into() });
        }

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
                    if !codes.contains(&code) {
                        return Err(CatalogError::UnknownCode { file: lf.into(), entry: entry.clone(), code: c });
                    }
                    gc.push(code);
                }
                if gc.is_empty() {
                    return Err(CatalogError::Invalid { file: lf.into(), entry, problem: "no codes".into() });
                }
                out.push(GenericGroup { terms: g.terms, codes: gc, closed: g.closed, asks: g.asks });
            }
            Ok(out)
        };
        let generic = read_groups(rl.generic, "generic")?;
        let topics = read_groups(rl.topic, "topic")?;
        let lexicon = Lexicon {
            stopwords: rl.stopwords,
            qualifiers: rl.qualifiers,
            abbreviations: rl.abbreviations.into_iter().map(|a| Abbreviation { from: a.from, to: a.to, exact_case: a.exact_case }).collect(),
            generic,
            topics,
            context: rl.context,
            requests: rl.requests,
            self_markers: rl.self_markers,
            domain_markers: rl.domain_markers,
            place_markers: rl.place_markers,
            agent_endings: rl.agent_endings,
            code_words: rl.code_words,
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

        Ok(Catalog { order, fields, professions, lexicon, not_listed: not_listed_groups })
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

    #[test]
    fn missing_directory_is_an_error_not_a_panic() {
        let e = Catalog::from_dir(Path::new("/nonexistent/kasip-data")).unwrap_err();
        assert!(matches!(e, CatalogError::Read { .. }), "{e}");
    }
}
