//! Verdicts and list pages turned into localized text and buttons. No Telegram types here: the bot
//! maps [`Reply`] onto messages and inline keyboards, the CLI prints the text.

use crate::catalog::{Catalog, Code, Field, Profession};
use crate::i18n::t;
use crate::lang::Lang;
use crate::matcher::{Reason, Verdict, VerdictKind};

/// Professions per page of `/list`.
pub const LIST_PAGE: usize = 8;
/// Button labels longer than this are cut (Telegram shows about this much on a phone).
const BUTTON_CHARS: usize = 60;
/// A query quoted back to the user is cut to this many characters.
const QUOTE_CHARS: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    pub text: String,
    /// Rows of buttons.
    pub buttons: Vec<Vec<Button>>,
}

/// What a button asks for. Callback data comes back from the client and is validated on decode:
/// anything unknown is `None`, and the bot answers that the button is out of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    Profession(Code),
    Lang(Lang),
    ListFields,
    ListField { field: usize, page: usize },
}

impl Callback {
    pub fn encode(&self) -> String {
        match self {
            Callback::Profession(c) => format!("p:{c}"),
            Callback::Lang(l) => format!("l:{l}"),
            Callback::ListFields => "f".into(),
            Callback::ListField { field, page } => format!("f:{field}:{page}"),
        }
    }

    pub fn decode(data: &str, catalog: &Catalog) -> Option<Callback> {
        let mut parts = data.splitn(3, ':');
        match (parts.next()?, parts.next(), parts.next()) {
            ("p", Some(code), None) => {
                let code = Code::parse_canonical(code)?;
                catalog.profession(&code).map(|p| Callback::Profession(p.code.clone()))
            }
            ("l", Some(l), None) => l.parse().ok().map(Callback::Lang),
            ("f", None, None) => Some(Callback::ListFields),
            ("f", Some(f), Some(p)) => {
                let field: usize = f.parse().ok()?;
                let page: usize = p.parse().ok()?;
                (field < catalog.fields.len()).then_some(Callback::ListField { field, page })
            }
            _ => None,
        }
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// The query as quoted back: one line, no control characters, bounded.
pub fn quote(query: &str) -> String {
    let one_line: String = query.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    cut(one_line.split_whitespace().collect::<Vec<_>>().join(" ").as_str(), QUOTE_CHARS)
}

fn profession_button(p: &Profession, lang: Lang) -> Button {
    Button { text: cut(&format!("{} · {}", p.name.get(lang), p.code), BUTTON_CHARS), data: Callback::Profession(p.code.clone()).encode() }
}

fn candidate_buttons(v: &Verdict, catalog: &Catalog, lang: Lang) -> Vec<Vec<Button>> {
    v.candidates.iter().filter_map(|c| catalog.profession(&c.code)).map(|p| vec![profession_button(p, lang)]).collect()
}

/// An education field's name as Kasip shows it: the nominative from the locales (`field-<id>`);
/// data/ keeps the order's own wording (its table headings are in the genitive). A field the
/// locales do not know (a list loaded with `--data`) shows its name from the data.
pub fn field_name(f: &Field, lang: Lang) -> String {
    let id = format!("field-{}", f.id);
    let s = t(lang, &id, &[]);
    if s == id {
        f.name.get(lang).to_string()
    } else {
        s
    }
}

/// A profession's field names joined for display (two for the rows under both headings).
pub fn field_names(catalog: &Catalog, p: &Profession, lang: Lang) -> String {
    p.fields.iter().filter_map(|id| catalog.field(id)).map(|f| field_name(f, lang)).collect::<Vec<_>>().join(" / ")
}

/// The legal basis in one line.
pub fn basis(catalog: &Catalog, lang: Lang) -> String {
    let o = &catalog.order;
    t(
        lang,
        "basis",
        &[("number", o.number.as_str().into()), ("date", date(&o.date).as_str().into()), ("amendment_date", date(&o.amendment_date).as_str().into())],
    )
}

/// `2023-02-20` → `20.02.2023`, the way the order and its readers write dates.
pub fn date(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    if p.len() == 3 {
        format!("{}.{}.{}", p[2], p[1], p[0])
    } else {
        iso.to_string()
    }
}

/// The full "it qualifies" answer for one profession.
pub fn profession(p: &Profession, catalog: &Catalog, lang: Lang) -> Reply {
    let mut text =
        t(lang, "listed", &[("name", p.name.ru.as_str().into()), ("code", p.code.as_str().into()), ("field", field_names(catalog, p, lang).as_str().into())]);
    if lang != Lang::Ru {
        // The official name is Russian; the user's language follows on the line below it.
        let local = t(lang, "listed-local", &[("local", p.name.get(lang).into())]);
        text = text.replacen(&format!("{}\n", p.name.ru), &format!("{}\n{}\n", p.name.ru, local), 1);
    }
    text.push('\n');
    text.push_str(&basis(catalog, lang));
    Reply { text, buttons: Vec::new() }
}

/// A verdict as the bot says it.
pub fn verdict(v: &Verdict, query: &str, catalog: &Catalog, lang: Lang) -> Reply {
    match v.kind {
        VerdictKind::Listed => match v.code.as_ref().and_then(|c| catalog.profession(c)) {
            Some(p) => {
                let mut r = profession(p, catalog, lang);
                // Several listed codes fit: the others are offered for the exact code.
                let others = Verdict { candidates: v.candidates.iter().filter(|c| Some(&c.code) != v.code.as_ref()).cloned().collect(), ..v.clone() };
                if v.reason == Reason::OneOf && !others.candidates.is_empty() {
                    r.text.push_str("\n\n");
                    r.text.push_str(&t(lang, "listed-one-of", &[]));
                    r.buttons = candidate_buttons(&others, catalog, lang);
                }
                r
            }
            None => Reply { text: t(lang, "error", &[]), buttons: Vec::new() },
        },
        VerdictKind::Unsure => {
            let text = match &v.reason {
                Reason::Generic => t(lang, "unsure-generic", &[]),
                Reason::Ambiguous => t(lang, "unsure-ambiguous", &[]),
                Reason::CodeGroup(code) => t(lang, "unsure-code-group", &[("code", code.into())]),
                _ => t(lang, "unsure-weak", &[]),
            };
            Reply { text, buttons: candidate_buttons(v, catalog, lang) }
        }
        VerdictKind::NotListed => {
            let mut text = match &v.reason {
                Reason::CodeNotListed(code) => t(lang, "not-listed-code", &[("code", code.into())]),
                Reason::NotUnderstood => t(lang, "not-understood", &[]),
                Reason::OtherOccupation => t(lang, "not-listed-other", &[("query", quote(query).as_str().into())]),
                Reason::Request => t(lang, "not-listed-request", &[]),
                _ => t(lang, "not-listed", &[]),
            };
            if v.reason != Reason::NotUnderstood {
                text.push('\n');
                text.push_str(&t(lang, "rephrase-hint", &[]));
            }
            // The title stands right above the buttons it introduces.
            if !v.candidates.is_empty() {
                text.push_str("\n\n");
                text.push_str(&t(lang, "near-title", &[]));
            }
            Reply { text, buttons: candidate_buttons(v, catalog, lang) }
        }
    }
}

/// `/list`: the education fields as buttons.
pub fn list_fields(catalog: &Catalog, lang: Lang) -> Reply {
    let text = t(lang, "list-title", &[("count", catalog.professions.len().into())]);
    let buttons = catalog
        .by_field()
        .into_iter()
        .map(|(i, (f, members))| {
            vec![Button {
                text: cut(&format!("{} ({})", field_name(f, lang), members.len()), BUTTON_CHARS),
                data: Callback::ListField { field: i, page: 0 }.encode(),
            }]
        })
        .collect();
    Reply { text, buttons }
}

/// One page of a field's professions, with navigation.
pub fn list_field(catalog: &Catalog, lang: Lang, field: usize, page: usize) -> Reply {
    let Some((f, members)) = catalog.by_field().remove(&field) else {
        return list_fields(catalog, lang);
    };
    let pages = members.len().div_ceil(LIST_PAGE).max(1);
    let page = page.min(pages - 1);
    let text = t(lang, "list-field", &[("field", field_name(f, lang).as_str().into()), ("page", (page + 1).into()), ("pages", pages.into())]);
    let mut buttons: Vec<Vec<Button>> = members.iter().skip(page * LIST_PAGE).take(LIST_PAGE).map(|p| vec![profession_button(p, lang)]).collect();
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(Button { text: t(lang, "btn-prev", &[]), data: Callback::ListField { field, page: page - 1 }.encode() });
    }
    nav.push(Button { text: t(lang, "btn-fields", &[]), data: Callback::ListFields.encode() });
    if page + 1 < pages {
        nav.push(Button { text: t(lang, "btn-next", &[]), data: Callback::ListField { field, page: page + 1 }.encode() });
    }
    buttons.push(nav);
    Reply { text, buttons }
}

/// The language picker.
pub fn lang_choice(lang: Lang) -> Reply {
    let buttons = vec![[(Lang::Ru, "Русский"), (Lang::Kk, "Қазақша"), (Lang::En, "English")]
        .iter()
        .map(|(l, name)| Button { text: name.to_string(), data: Callback::Lang(*l).encode() })
        .collect()];
    Reply { text: t(lang, "lang-choose", &[]), buttons }
}

/// One line of a batch answer.
pub fn batch_line(v: &Verdict, query: &str, catalog: &Catalog, lang: Lang) -> String {
    let q = quote(query);
    match v.kind {
        VerdictKind::Listed => {
            let p = v.code.as_ref().and_then(|c| catalog.profession(c));
            t(
                lang,
                "batch-line-listed",
                &[("query", q.as_str().into()), ("code", p.map_or("", |p| p.code.as_str()).into()), ("name", p.map_or("", |p| p.name.get(lang)).into())],
            )
        }
        VerdictKind::Unsure => {
            let names: Vec<String> =
                v.candidates.iter().take(3).filter_map(|c| catalog.profession(&c.code)).map(|p| format!("{} ({})", p.name.get(lang), p.code)).collect();
            t(lang, "batch-line-unsure", &[("query", q.as_str().into()), ("names", names.join("; ").as_str().into())])
        }
        VerdictKind::NotListed => t(lang, "batch-line-not-listed", &[("query", q.as_str().into())]),
    }
}

/// The verdict's name in the user's language (inline results, CSV).
pub fn verdict_word(kind: VerdictKind, lang: Lang) -> String {
    t(
        lang,
        match kind {
            VerdictKind::Listed => "verdict-listed",
            VerdictKind::Unsure => "verdict-unsure",
            VerdictKind::NotListed => "verdict-not-listed",
        },
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::Matcher;
    use std::sync::Arc;

    fn setup() -> (Arc<Catalog>, Matcher) {
        let c = Arc::new(Catalog::embedded().unwrap());
        (c.clone(), Matcher::new(c))
    }

    #[test]
    fn listed_answer_has_code_name_field_and_basis() {
        let (c, m) = setup();
        let r = verdict(&m.match_query("нейрохирург"), "нейрохирург", &c, Lang::Ru);
        assert!(
            r.text.contains("2217-4-001") && r.text.contains("Врач-нейрохирург") && r.text.contains("Здравоохранение") && r.text.contains("№ 49"),
            "{}",
            r.text
        );
        let r = verdict(&m.match_query("neurosurgeon"), "neurosurgeon", &c, Lang::En);
        assert!(r.text.contains("Врач-нейрохирург") && r.text.contains("(Neurosurgeon)") && r.text.contains("Healthcare"), "{}", r.text);
    }

    #[test]
    fn unsure_answer_has_a_button_per_candidate() {
        let (c, m) = setup();
        let v = m.match_query("врач");
        let r = verdict(&v, "врач", &c, Lang::Kk);
        assert_eq!(r.buttons.len(), v.candidates.len());
        assert!(r.buttons[0][0].data.starts_with("p:"));
    }

    #[test]
    fn callbacks_round_trip_and_reject_junk() {
        let (c, _) = setup();
        for cb in
            [Callback::Profession(c.professions[0].code.clone()), Callback::Lang(Lang::Kk), Callback::ListFields, Callback::ListField { field: 2, page: 1 }]
        {
            assert_eq!(Callback::decode(&cb.encode(), &c), Some(cb));
        }
        for junk in ["", "p:9999-9-999", "p:../../x", "l:de", "f:99:0", "f:1:x", "zzz", "p:2217-4-001:extra"] {
            assert_eq!(Callback::decode(junk, &c), None, "{junk}");
        }
    }

    #[test]
    fn list_pages_cover_every_profession() {
        let (c, _) = setup();
        let mut seen = std::collections::HashSet::new();
        for (i, (_, members)) in c.by_field() {
            let pages = members.len().div_ceil(LIST_PAGE);
            for page in 0..pages {
                for row in list_field(&c, Lang::En, i, page).buttons {
                    for b in row.iter().filter(|b| b.data.starts_with("p:")) {
                        seen.insert(b.data.clone());
                    }
                }
            }
        }
        assert_eq!(seen.len(), 51);
    }

    #[test]
    fn quotes_are_bounded_and_one_line() {
        let q = quote(&format!("a\nb\u{0}{}", "x".repeat(500)));
        assert!(!q.contains('\n') && q.chars().count() <= 60);
    }
}
