//! Verdicts and list pages turned into localized text and buttons. No Telegram types here: the bot
//! maps [`Reply`] onto messages and inline keyboards, the CLI prints the text.

use crate::amend::{Change, Notice, Snapshot, Subscription, Target};
use crate::catalog::{Catalog, Code, Field, Profession};
use crate::i18n::t;
use crate::lang::Lang;
use crate::matcher::{Reason, Verdict, VerdictKind};

/// Professions per page of `/list`.
pub const LIST_PAGE: usize = 8;
/// Button labels longer than this are shortened (Telegram shows about this much on a phone); only
/// the name is, never a code or a count.
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
    /// A profession offered under an answer (near professions under ❌, other fitting codes under
    /// ✅): shown in a new message, so the answer it was offered under stays as it was.
    Profession(Code),
    /// A candidate chosen to answer an unsure question: the question becomes the answer.
    Answer(Code),
    /// "No, something else" under a one-candidate question: ask to rephrase.
    Rephrase,
    /// A profession picked on a `/list` page: shown in place, with a button back to that page.
    ListProfession {
        code: Code,
        field: usize,
        page: usize,
    },
    Lang(Lang),
    ListFields,
    ListField {
        field: usize,
        page: usize,
    },
    /// 🔔 under a listed answer (or the one chosen under a question): follow this code.
    Subscribe(Code),
    /// 🔔 under a not-listed answer: follow the query's text (when it fits in the button).
    SubscribeQuery(String),
    /// 🔔 under a not-listed answer to a longer query: the text waits in the bot's memory under
    /// this number (nothing is stored without the press).
    SubscribeToken(u32),
    /// ✖ under /subscriptions: stop following subscription `id`.
    Unsubscribe(i64),
}

/// Longest query text carried in a 🔔 button (Telegram allows 64 bytes of callback data).
pub const QUERY_IN_BUTTON_BYTES: usize = 60;

impl Callback {
    pub fn encode(&self) -> String {
        match self {
            Callback::Profession(c) => format!("p:{c}"),
            Callback::Answer(c) => format!("a:{c}"),
            Callback::Rephrase => "r".into(),
            Callback::ListProfession { code, field, page } => format!("lp:{code}:{field}:{page}"),
            Callback::Lang(l) => format!("l:{l}"),
            Callback::ListFields => "f".into(),
            Callback::ListField { field, page } => format!("f:{field}:{page}"),
            Callback::Subscribe(c) => format!("s:c:{c}"),
            Callback::SubscribeQuery(q) => format!("s:q:{q}"),
            Callback::SubscribeToken(n) => format!("s:t:{n}"),
            Callback::Unsubscribe(id) => format!("u:{id}"),
        }
    }

    pub fn decode(data: &str, catalog: &Catalog) -> Option<Callback> {
        let listed = |code: &str| Code::parse_canonical(code).and_then(|c| catalog.profession(&c)).map(|p| p.code.clone());
        // A query's text may hold ':'; it is everything after the prefix.
        if let Some(q) = data.strip_prefix("s:q:") {
            let q = q.trim();
            return (!q.is_empty() && q.len() <= QUERY_IN_BUTTON_BYTES && !q.chars().any(char::is_control)).then(|| Callback::SubscribeQuery(q.to_string()));
        }
        let field = |f: &str| f.parse::<usize>().ok().filter(|f| *f < catalog.fields.len());
        let parts: Vec<&str> = data.split(':').collect();
        match parts.as_slice() {
            ["p", code] => listed(code).map(Callback::Profession),
            ["a", code] => listed(code).map(Callback::Answer),
            ["r"] => Some(Callback::Rephrase),
            ["lp", code, f, p] => Some(Callback::ListProfession { code: listed(code)?, field: field(f)?, page: p.parse().ok()? }),
            ["l", l] => l.parse().ok().map(Callback::Lang),
            ["f"] => Some(Callback::ListFields),
            ["f", f, p] => Some(Callback::ListField { field: field(f)?, page: p.parse().ok()? }),
            ["s", "c", code] => listed(code).map(Callback::Subscribe),
            ["s", "t", n] => n.parse().ok().map(Callback::SubscribeToken),
            ["u", id] => id.parse().ok().filter(|id: &i64| *id > 0).map(Callback::Unsubscribe),
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

/// `{code} · {name}`: the code first and whole; a long name is shortened to fit.
fn profession_button(p: &Profession, lang: Lang, cb: Callback) -> Button {
    let code = p.code.as_str();
    let name = cut(p.name.get(lang), BUTTON_CHARS.saturating_sub(code.chars().count() + 3).max(8));
    Button { text: format!("{code} · {name}"), data: cb.encode() }
}

fn candidates<'a>(v: &'a Verdict, catalog: &'a Catalog) -> impl Iterator<Item = &'a Profession> {
    v.candidates.iter().filter_map(|c| catalog.profession(&c.code))
}

fn candidate_buttons(v: &Verdict, catalog: &Catalog, lang: Lang, cb: fn(Code) -> Callback) -> Vec<Vec<Button>> {
    candidates(v, catalog).map(|p| vec![profession_button(p, lang, cb(p.code.clone()))]).collect()
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

/// The legal basis in one line; with the day the wording applies when the data says it.
pub fn basis(catalog: &Catalog, lang: Lang) -> String {
    let o = &catalog.order;
    if let Some(since) = &o.wording_in_force {
        return t(
            lang,
            "basis-since",
            &[
                ("number", o.number.as_str().into()),
                ("date", date(&o.date).as_str().into()),
                ("amendment_number", o.amendment_number.as_str().into()),
                ("amendment_date", date(&o.amendment_date).as_str().into()),
                ("since", date(since).as_str().into()),
            ],
        );
    }
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
    let mut text = listed_text(p, catalog, lang);
    text.push('\n');
    text.push_str(&basis(catalog, lang));
    Reply { text, buttons: Vec::new() }
}

/// "It qualifies": code, official name (and the user's language's), field; no basis.
fn listed_text(p: &Profession, catalog: &Catalog, lang: Lang) -> String {
    let mut text =
        t(lang, "listed", &[("name", p.name.ru.as_str().into()), ("code", p.code.as_str().into()), ("field", field_names(catalog, p, lang).as_str().into())]);
    if lang != Lang::Ru {
        // The official name is Russian; the user's language follows on the line below it.
        let local = t(lang, "listed-local", &[("local", p.name.get(lang).into())]);
        text = text.replacen(&format!("{}\n", p.name.ru), &format!("{}\n{}\n", p.name.ru, local), 1);
    }
    text
}

/// The 🔔 button that follows an answer.
pub fn bell(cb: Callback, lang: Lang) -> Button {
    Button { text: t(lang, "btn-bell", &[]), data: cb.encode() }
}

/// What a 🔔 press stored, said in the toast that answers it (Telegram shows at most 200
/// characters).
pub fn subscribed(target: &Target, outcome: crate::store::subs::Subscribed, max: usize, lang: Lang) -> String {
    use crate::store::subs::Subscribed;
    let what = match target {
        Target::Code(c) => t(lang, "sub-what-code", &[("code", c.as_str().into())]),
        Target::Query(q) => t(lang, "sub-what-query", &[("query", cut(&quote(q), 30).as_str().into())]),
    };
    let text = match outcome {
        Subscribed::New => t(lang, "subscribed", &[("what", what.as_str().into())]),
        Subscribed::Already => t(lang, "subscribed-already", &[]),
        Subscribed::TooMany => t(lang, "subscribed-too-many", &[("max", max.into())]),
    };
    cut(&text, 200)
}

/// `/subscriptions`: what the chat follows, with a button to remove each.
pub fn subscriptions(subs: &[Subscription], catalog: &Catalog, lang: Lang) -> Reply {
    if subs.is_empty() {
        return Reply { text: t(lang, "subscriptions-none", &[]), buttons: Vec::new() };
    }
    let mut text = t(lang, "subscriptions-title", &[("count", subs.len().into())]);
    let mut buttons = Vec::new();
    for (i, s) in subs.iter().enumerate() {
        let n = i + 1;
        let state = verdict_word(s.answer.kind, lang);
        let (what, short) = match &s.target {
            Target::Code(c) => match catalog.profession(c) {
                Some(p) => (format!("{c} {}", p.name.get(lang)), c.to_string()),
                None => (c.to_string(), c.to_string()),
            },
            Target::Query(q) => {
                let q = format!("«{}»", quote(q));
                (q.clone(), q)
            }
        };
        let line = t(lang, "subscriptions-line", &[("n", n.into()), ("what", what.as_str().into()), ("state", state.as_str().into())]);
        text.push('\n');
        text.push_str(&line);
        let label = t(lang, "btn-unsubscribe", &[("n", n.into()), ("what", short.as_str().into())]);
        buttons.push(vec![Button { text: cut(&label, BUTTON_CHARS), data: Callback::Unsubscribe(s.id).encode() }]);
    }
    Reply { text, buttons }
}

/// An education field's name by id (a field the new list dropped shows its id).
fn field_ids(ids: &[String], catalog: &Catalog, lang: Lang) -> String {
    ids.iter().map(|id| catalog.field(id).map_or_else(|| id.clone(), |f| field_name(f, lang))).collect::<Vec<_>>().join(" / ")
}

/// The one message a chat gets when an amendment changed answers it follows: what changed for
/// each, the answer now, and the legal basis of the new wording.
pub fn notice(n: &Notice, old: &Snapshot, catalog: &Catalog) -> Reply {
    let lang = n.lang;
    let mut text = t(lang, "notice-title", &[]);
    for item in &n.items {
        let subject = match &item.sub.target {
            Target::Code(c) => {
                let name = catalog.profession(c).map(|p| p.name.ru.clone()).or_else(|| old.get(c.as_str()).map(|e| e.name.ru.clone())).unwrap_or_default();
                format!("{c} {name}").trim().to_string()
            }
            Target::Query(q) => quote(q),
        };
        for ch in &item.changes {
            text.push_str("\n\n");
            let line = match ch {
                Change::NoLongerListed { code, name } => {
                    let name = name.as_ref().map_or(String::new(), |n| n.ru.clone());
                    t(lang, "notice-removed", &[("code", code.as_str().into()), ("name", name.as_str().into())])
                }
                Change::NotListedNow => t(lang, "notice-not-listed-now", &[("query", subject.as_str().into())]),
                Change::NowListed { .. } => t(lang, "notice-now-listed", &[("subject", subject.as_str().into())]),
                Change::Renamed { code, from } => {
                    let now = catalog.profession(code).map_or("", |p| p.name.ru.as_str());
                    t(lang, "notice-renamed", &[("code", code.as_str().into()), ("name", now.into()), ("old", from.ru.as_str().into())])
                }
                Change::Moved { code, from } => {
                    let (name, now) = catalog.profession(code).map_or((String::new(), String::new()), |p| (p.name.ru.clone(), field_names(catalog, p, lang)));
                    let was = field_ids(from, catalog, lang);
                    t(
                        lang,
                        "notice-moved",
                        &[("code", code.as_str().into()), ("name", name.as_str().into()), ("field", now.as_str().into()), ("old", was.as_str().into())],
                    )
                }
                Change::NowUnsure { candidates } => {
                    let names: Vec<String> =
                        candidates.iter().take(3).filter_map(|c| catalog.profession(c)).map(|p| format!("{} ({})", p.name.get(lang), p.code)).collect();
                    t(lang, "notice-unsure", &[("query", subject.as_str().into()), ("names", names.join("; ").as_str().into())])
                }
            };
            text.push_str(&line);
        }
        // The answer now, under the changes: a listed one in full.
        if let Some(p) = item.answer.code.as_ref().and_then(|c| catalog.profession(c)) {
            text.push('\n');
            text.push_str(&listed_text(p, catalog, lang));
        }
    }
    text.push_str("\n\n");
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
                    r.buttons = candidate_buttons(&others, catalog, lang, Callback::Profession);
                }
                r
            }
            None => Reply { text: t(lang, "error", &[]), buttons: Vec::new() },
        },
        VerdictKind::Unsure => {
            // One candidate: a yes/no question, not a list of one.
            if let [p] = candidates(v, catalog).collect::<Vec<_>>().as_slice() {
                let text = match &v.reason {
                    Reason::CodeGroup(code) => format!("{}\n", t(lang, "unsure-code-group", &[("code", code.into())])),
                    _ => String::new(),
                } + &t(lang, "unsure-one", &[("name", p.name.get(lang).into()), ("code", p.code.as_str().into())]);
                let buttons = vec![vec![
                    Button { text: t(lang, "btn-yes", &[]), data: Callback::Answer(p.code.clone()).encode() },
                    Button { text: t(lang, "btn-no-other", &[]), data: Callback::Rephrase.encode() },
                ]];
                return Reply { text, buttons };
            }
            let text = match &v.reason {
                Reason::Generic => t(lang, "unsure-generic", &[]),
                Reason::Ambiguous => t(lang, "unsure-ambiguous", &[]),
                Reason::CodeGroup(code) => t(lang, "unsure-code-group", &[("code", code.into())]),
                _ => t(lang, "unsure-weak", &[]),
            };
            Reply { text, buttons: candidate_buttons(v, catalog, lang, Callback::Answer) }
        }
        VerdictKind::NotListed => {
            let mut text = match &v.reason {
                Reason::CodeNotListed(code) => t(lang, "not-listed-code", &[("code", code.into())]),
                Reason::NotUnderstood => t(lang, "not-understood", &[]),
                Reason::OtherOccupation => t(lang, "not-listed-other", &[("query", quote(query).as_str().into())]),
                Reason::Request => t(lang, "not-listed-request", &[]),
                Reason::Aspiration => t(lang, "not-listed-aspiration", &[]),
                Reason::Former => t(lang, "not-listed-former", &[]),
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
            Reply { text, buttons: candidate_buttons(v, catalog, lang, Callback::Profession) }
        }
    }
}

/// A reply where buttons cannot go (an inline result posts text only): the professions its buttons
/// offer are listed under its text, code and name, so a heading never ends the text.
pub fn without_buttons(r: &Reply, catalog: &Catalog, lang: Lang) -> String {
    let mut text = r.text.clone();
    for b in r.buttons.iter().flatten() {
        if let Some(Callback::Profession(c) | Callback::Answer(c) | Callback::ListProfession { code: c, .. }) = Callback::decode(&b.data, catalog) {
            if let Some(p) = catalog.profession(&c) {
                text.push_str(&format!("\n• {} {}", p.code, p.name.get(lang)));
            }
        }
    }
    text
}

/// A profession picked on a `/list` page, with a button back to that page.
pub fn list_profession(p: &Profession, catalog: &Catalog, lang: Lang, field: usize, page: usize) -> Reply {
    let mut r = profession(p, catalog, lang);
    r.buttons = vec![vec![Button { text: t(lang, "btn-back", &[]), data: Callback::ListField { field, page }.encode() }]];
    r
}

/// "No, something else": how to ask again.
pub fn rephrase(lang: Lang) -> Reply {
    Reply { text: t(lang, "rephrase-ask", &[]), buttons: Vec::new() }
}

/// What the flood limit refused and when to retry: too many lines (`Some((in the message, left
/// this minute))`), or too many messages.
pub fn flood(lines: Option<(u32, u32)>, retry_secs: u64, lang: Lang) -> Reply {
    let text = match lines {
        Some((asked, left)) => {
            t(lang, "flood-lines", &[("lines", i64::from(asked).into()), ("left", i64::from(left).into()), ("secs", (retry_secs as i64).into())])
        }
        None => t(lang, "flood", &[("secs", (retry_secs as i64).into())]),
    };
    Reply { text, buttons: Vec::new() }
}

/// `/list`: the education fields as buttons.
pub fn list_fields(catalog: &Catalog, lang: Lang) -> Reply {
    let text = t(lang, "list-title", &[("count", catalog.professions.len().into())]);
    let buttons = catalog
        .by_field()
        .into_iter()
        .map(|(i, (f, members))| {
            // The count is kept whole; only the name is shortened.
            let count = format!(" ({})", members.len());
            let name = cut(&field_name(f, lang), BUTTON_CHARS.saturating_sub(count.chars().count()));
            vec![Button { text: format!("{name}{count}"), data: Callback::ListField { field: i, page: 0 }.encode() }]
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
    let mut buttons: Vec<Vec<Button>> = members
        .iter()
        .skip(page * LIST_PAGE)
        .take(LIST_PAGE)
        .map(|p| vec![profession_button(p, lang, Callback::ListProfession { code: p.code.clone(), field, page })])
        .collect();
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
        assert!(r.buttons[0][0].data.starts_with("a:"), "an unsure question's candidate answers it");
    }

    #[test]
    fn one_candidate_is_a_yes_no_question() {
        let (c, m) = setup();
        let v = m.match_query("звукорежиссёр");
        assert_eq!(v.candidates.len(), 1, "{v:?}");
        for (lang, asks) in [(Lang::Ru, "Вы имели в виду «Звукооператор» (3521-2-004)?"), (Lang::En, "Did you mean"), (Lang::Kk, "айттыңыз ба?")]
        {
            let r = verdict(&v, "звукорежиссёр", &c, lang);
            assert!(r.text.contains(asks), "{}", r.text);
            for choose in ["выберите", "choose", "таңдаңыз", "одну из", "one of", "бірін"] {
                assert!(!r.text.to_lowercase().contains(choose), "{}", r.text);
            }
            let data: Vec<&str> = r.buttons.iter().flatten().map(|b| b.data.as_str()).collect();
            assert_eq!(data, ["a:3521-2-004", "r"]);
        }
        assert_eq!(verdict(&v, "звукорежиссёр", &c, Lang::En).buttons[0][1].text, "No, something else");
        assert!(rephrase(Lang::Ru).text.contains("иначе"));
    }

    #[test]
    fn offered_professions_open_below_and_candidates_answer_in_place() {
        let (c, m) = setup();
        let cbs = |q: &str| -> Vec<Callback> {
            verdict(&m.match_query(q), q, &c, Lang::Ru).buttons.iter().flatten().filter_map(|b| Callback::decode(&b.data, &c)).collect()
        };
        // Near professions under ❌ and other fitting codes under ✅: a new message, the answer stays.
        for q in ["nurse", "Java-разработчик"] {
            let cb = cbs(q);
            assert!(!cb.is_empty() && cb.iter().all(|c| matches!(c, Callback::Profession(_))), "{q}: {cb:?}");
        }
        let cb = cbs("архитектор");
        assert!(cb.len() > 1 && cb.iter().all(|c| matches!(c, Callback::Answer(_))), "{cb:?}");
    }

    #[test]
    fn button_labels_keep_codes_and_counts_whole() {
        let (c, _) = setup();
        for lang in Lang::ALL {
            for (i, (_, members)) in c.by_field() {
                for page in 0..members.len().div_ceil(LIST_PAGE) {
                    for b in list_field(&c, lang, i, page).buttons.iter().flatten().filter(|b| b.data.starts_with("lp:")) {
                        let code = b.data.split(':').nth(1).unwrap();
                        assert!(b.text.starts_with(&format!("{code} · ")), "{}", b.text);
                        assert!(b.text.chars().count() <= BUTTON_CHARS, "{}", b.text);
                    }
                }
            }
            for (b, (_, (_, members))) in list_fields(&c, lang).buttons.iter().flatten().zip(c.by_field()) {
                assert!(b.text.ends_with(&format!(" ({})", members.len())), "{}", b.text);
                assert!(b.text.chars().count() <= BUTTON_CHARS, "{}", b.text);
            }
        }
        let long = c.professions.iter().find(|p| p.name.ru.starts_with("Архитектор информационной технологии-инфраструктуры")).unwrap();
        let b = profession_button(long, Lang::Ru, Callback::Profession(long.code.clone()));
        assert!(b.text.starts_with(&format!("{} · Архитектор", long.code)), "{}", b.text);
    }

    #[test]
    fn without_buttons_lists_the_offered_professions() {
        let (c, m) = setup();
        let v = m.match_query("детский хирург");
        let r = verdict(&v, "детский хирург", &c, Lang::Ru);
        assert!(r.text.trim_end().ends_with(':'), "the heading stands above the buttons: {}", r.text);
        let text = without_buttons(&r, &c, Lang::Ru);
        let tail = text.split("Близкие профессии из перечня:").nth(1).unwrap();
        assert_eq!(tail.lines().filter(|l| !l.is_empty()).count(), v.candidates.len(), "{text}");
        assert!(tail.contains("• 2217-4-001 Врач-нейрохирург"), "{text}");
    }

    #[test]
    fn a_list_entry_leads_back_to_its_page() {
        let (c, _) = setup();
        let r = list_field(&c, Lang::En, 3, 1);
        let cb = Callback::decode(&r.buttons[0][0].data, &c).unwrap();
        let Callback::ListProfession { code, field: 3, page: 1 } = cb else { panic!("{cb:?}") };
        let shown = list_profession(c.profession(&code).unwrap(), &c, Lang::En, 3, 1);
        assert!(shown.text.contains(code.as_str()));
        assert_eq!(shown.buttons, vec![vec![Button { text: "↩ Back to the list".into(), data: "f:3:1".into() }]]);
    }

    #[test]
    fn flood_notices_say_what_and_when() {
        let t = flood(Some((25, 5)), 42, Lang::Ru).text;
        assert!(t.contains("строк") && t.contains("25") && t.contains("5") && t.contains("42 с"), "{t}");
        let t = flood(None, 17, Lang::En).text;
        assert!(t.contains("Too many messages") && t.contains("17 s"), "{t}");
    }

    #[test]
    fn callbacks_round_trip_and_reject_junk() {
        let (c, _) = setup();
        let code = c.professions[0].code.clone();
        for cb in [
            Callback::Profession(code.clone()),
            Callback::Answer(code.clone()),
            Callback::Rephrase,
            Callback::ListProfession { code, field: 2, page: 1 },
            Callback::Lang(Lang::Kk),
            Callback::ListFields,
            Callback::ListField { field: 2, page: 1 },
            Callback::Subscribe(c.professions[1].code.clone()),
            Callback::SubscribeQuery("zorbonaut: космос".into()),
            Callback::SubscribeToken(17),
            Callback::Unsubscribe(42),
        ] {
            assert!(cb.encode().len() <= 64, "{cb:?}");
            assert_eq!(Callback::decode(&cb.encode(), &c), Some(cb));
        }
        let long = Callback::SubscribeQuery("ж".repeat(QUERY_IN_BUTTON_BYTES / 2));
        assert!(long.encode().len() <= 64);
        for junk in [
            "",
            "p:9999-9-999",
            "p:../../x",
            "l:de",
            "f:99:0",
            "f:1:x",
            "zzz",
            "p:2217-4-001:extra",
            "a:9999-9-999",
            "r:x",
            "lp:2217-4-001:99:0",
            "lp:2217-4-001:1",
            "s:c:9999-9-999",
            "s:q:",
            "s:q:   ",
            "s:t:x",
            "u:0",
            "u:-3",
            "u:abc",
        ] {
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
                    for b in row.iter().filter(|b| b.data.starts_with("lp:")) {
                        seen.insert(b.data.split(':').nth(1).unwrap().to_string());
                    }
                }
            }
        }
        assert_eq!(seen.len(), 51);
    }

    #[test]
    fn notices_say_what_changed_the_answer_now_and_the_basis_in_each_language() {
        use crate::amend::{plan, Snapshot, Subscription, Target};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/amendment");
        let new = Arc::new(Catalog::from_sources(&crate::catalog::Sources::from_dir(&dir).unwrap(), "2025-06-01").unwrap());
        let old = Snapshot::of(&Catalog::embedded_on("2025-06-01").unwrap());
        let m = Matcher::new(new.clone());
        let code = |s: &str| Code::parse_canonical(s).unwrap();
        let subs = vec![
            Subscription { id: 1, chat: 1, target: Target::Code(code("3521-3-003")), lang: Lang::Kk, answer: crate::amend::Answer::listed(code("3521-3-003")) },
            Subscription { id: 2, chat: 1, target: Target::Query("zorbonaut".into()), lang: Lang::Kk, answer: crate::amend::Answer::not_listed() },
            Subscription { id: 3, chat: 2, target: Target::Code(code("2166-1")), lang: Lang::En, answer: crate::amend::Answer::listed(code("2166-1")) },
        ];
        let p = plan(&subs, &old, &new, &m);
        assert_eq!(p.notices.len(), 2, "one message per chat");
        let kk = notice(&p.notices[0], &old, &new).text;
        assert!(kk.starts_with("🔔") && kk.contains("3521-3-003 «Видеомонтажер» енді тізбеде жоқ"), "{kk}");
        assert!(kk.contains("«zorbonaut» енді тізбеде бар") && kk.contains("9999-9-901") && kk.contains("ТЕСТ-1"), "{kk}");
        let en = notice(&p.notices[1], &old, &new).text;
        assert!(en.contains("2166-1: the official name is now «Дизайнер визуальных коммуникаций» (was «Графический дизайнер»)"), "{en}");
        assert!(en.contains("(Visual communications designer)") && en.ends_with("in force since 01.01.2025."), "{en}");
        // /subscriptions and the toast.
        let r = subscriptions(&subs[1..], &new, Lang::Ru);
        assert!(r.text.contains("\n1. «zorbonaut» — нет в перечне\n2. 2166-1 Дизайнер визуальных коммуникаций — в перечне"), "{}", r.text);
        assert_eq!(r.buttons[0][0].text, "✖ 1 · «zorbonaut»");
        assert_eq!(r.buttons.iter().flatten().map(|b| b.data.as_str()).collect::<Vec<_>>(), ["u:2", "u:3"]);
        let toast = subscribed(&Target::Query("x".repeat(500)), crate::store::subs::Subscribed::New, 200, Lang::Kk);
        assert!(toast.chars().count() <= 200 && toast.contains("«xxxx"), "{toast}");
    }

    #[test]
    fn quotes_are_bounded_and_one_line() {
        let q = quote(&format!("a\nb\u{0}{}", "x".repeat(500)));
        assert!(!q.contains('\n') && q.chars().count() <= 60);
    }
}
