//! When the list changes: what changed between two lists ([`Diff`]: codes added, removed, renamed
//! — the official Russian name —, moved to another education field), and whose answer it changes
//! ([`plan`]: every subscription re-evaluated against the new list).
//!
//! The bot keeps a [`Snapshot`] of the list it last served in its database; at start, with a list
//! whose [`Catalog::hash`] differs, it plans the notices and queues them (see `bot::notices`).
//! `kasip diff` and `kasip notify --dry-run` use the same functions. No Telegram types and no
//! wording here: the notices' text is composed in `reply`.

use crate::catalog::{Catalog, Code};
use crate::lang::Lang;
use crate::matcher::{Matcher, VerdictKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A name in the three languages, as a snapshot keeps it: the catalog's own type.
pub use crate::catalog::Localized as Names;

/// One row of a list as a snapshot keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub code: String,
    pub name: Names,
    pub fields: Vec<String>,
}

/// What the bot remembers of the list it served: enough to say what changed (names before a
/// rename, fields before a move) after the data was replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub hash: String,
    /// `No. 134 of 2024-05-03`: the order whose wording it is.
    pub version: String,
    /// The day that wording applies, when the data says it.
    #[serde(default)]
    pub in_force: Option<String>,
    pub professions: Vec<Entry>,
}

impl Snapshot {
    pub fn of(c: &Catalog) -> Snapshot {
        Snapshot {
            hash: c.hash.clone(),
            version: c.version(),
            in_force: c.order.wording_in_force.clone(),
            professions: c.professions.iter().map(|p| Entry { code: p.code.as_str().to_string(), name: p.name.clone(), fields: p.fields.clone() }).collect(),
        }
    }

    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.professions.iter().find(|e| e.code == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renamed {
    pub code: String,
    pub from: Names,
    pub to: Names,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub code: String,
    pub name: Names,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

/// What differs between two lists, code by code. A code can be both renamed and moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub added: Vec<Entry>,
    pub removed: Vec<Entry>,
    pub renamed: Vec<Renamed>,
    pub moved: Vec<Moved>,
}

impl Diff {
    pub fn between(old: &Snapshot, new: &Snapshot) -> Diff {
        let mut d = Diff::default();
        for o in &old.professions {
            match new.get(&o.code) {
                None => d.removed.push(o.clone()),
                Some(n) => {
                    if n.name.ru != o.name.ru {
                        d.renamed.push(Renamed { code: o.code.clone(), from: o.name.clone(), to: n.name.clone() });
                    }
                    let (a, b): (BTreeSet<&String>, BTreeSet<&String>) = (o.fields.iter().collect(), n.fields.iter().collect());
                    if a != b {
                        d.moved.push(Moved { code: o.code.clone(), name: n.name.clone(), from: o.fields.clone(), to: n.fields.clone() });
                    }
                }
            }
        }
        d.added = new.professions.iter().filter(|n| old.get(&n.code).is_none()).cloned().collect();
        d
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.renamed.is_empty() && self.moved.is_empty()
    }

    /// Every change as (kind, code), in the order the CLI prints them.
    pub fn changes(&self) -> Vec<(ChangeKind, &str)> {
        let mut out: Vec<(ChangeKind, &str)> = Vec::new();
        out.extend(self.added.iter().map(|e| (ChangeKind::Added, e.code.as_str())));
        out.extend(self.removed.iter().map(|e| (ChangeKind::Removed, e.code.as_str())));
        out.extend(self.renamed.iter().map(|e| (ChangeKind::Renamed, e.code.as_str())));
        out.extend(self.moved.iter().map(|e| (ChangeKind::Moved, e.code.as_str())));
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Renamed,
    Moved,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Moved => "moved",
        }
    }
}

// ----- subscriptions ----------------------------------------------------------------------------

/// What a subscription follows: a code (a listed answer, or the one chosen under a question), or
/// the text of a query that was not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Code(Code),
    Query(String),
}

/// An answer as far as a notice cares: its kind and its code (listed only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub kind: VerdictKind,
    pub code: Option<Code>,
}

impl Answer {
    pub fn listed(code: Code) -> Answer {
        Answer { kind: VerdictKind::Listed, code: Some(code) }
    }

    pub fn not_listed() -> Answer {
        Answer { kind: VerdictKind::NotListed, code: None }
    }

    /// From the database's columns (`listed` / `unsure` / `not_listed`, a code or NULL).
    pub fn from_columns(kind: &str, code: Option<&str>) -> Answer {
        let kind = match kind {
            "listed" => VerdictKind::Listed,
            "unsure" => VerdictKind::Unsure,
            _ => VerdictKind::NotListed,
        };
        let code = code.and_then(Code::parse_canonical).filter(|_| kind == VerdictKind::Listed);
        Answer { kind: if kind == VerdictKind::Listed && code.is_none() { VerdictKind::NotListed } else { kind }, code }
    }

    /// The answer the list gives for a target now.
    pub fn of(target: &Target, catalog: &Catalog, matcher: &Matcher) -> (Answer, Vec<Code>) {
        match target {
            Target::Code(c) if catalog.profession(c).is_some() => (Answer::listed(c.clone()), Vec::new()),
            Target::Code(_) => (Answer::not_listed(), Vec::new()),
            Target::Query(q) => {
                let v = matcher.match_query(q);
                let code = if v.kind == VerdictKind::Listed { v.code.clone() } else { None };
                let candidates = if v.kind == VerdictKind::Unsure { v.candidates.iter().map(|c| c.code.clone()).collect() } else { Vec::new() };
                (Answer { kind: v.kind, code }, candidates)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub chat: i64,
    pub target: Target,
    pub lang: Lang,
    /// The answer last given for it (at the press, or in the last notice).
    pub answer: Answer,
}

/// How one subscription's answer changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Was listed under this code (its name then), is not listed now.
    NoLongerListed { code: String, name: Option<Names> },
    /// Was a question between listed codes, is not listed now.
    NotListedNow,
    /// Listed now, under this code (newly, or under another code than before).
    NowListed { code: Code },
    /// Still listed, under a new official name (the old one given).
    Renamed { code: Code, from: Names },
    /// Still listed, under other education fields (the old ones given).
    Moved { code: Code, from: Vec<String> },
    /// A question now: which of these listed codes?
    NowUnsure { candidates: Vec<Code> },
}

impl Change {
    /// The list change it comes from, if the diff names it: (kind, code).
    pub fn cause(&self) -> Option<(ChangeKind, String)> {
        match self {
            Change::NoLongerListed { code, .. } => Some((ChangeKind::Removed, code.clone())),
            Change::NowListed { code } => Some((ChangeKind::Added, code.as_str().to_string())),
            Change::Renamed { code, .. } => Some((ChangeKind::Renamed, code.as_str().to_string())),
            Change::Moved { code, .. } => Some((ChangeKind::Moved, code.as_str().to_string())),
            Change::NotListedNow | Change::NowUnsure { .. } => None,
        }
    }
}

/// One subscription whose answer changed: the changes and the answer now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub sub: Subscription,
    pub changes: Vec<Change>,
    pub answer: Answer,
}

/// One message to one chat: every changed subscription of that chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub chat: i64,
    pub lang: Lang,
    pub items: Vec<Item>,
}

/// What a new list means for the subscribers.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub notices: Vec<Notice>,
    /// New answers to record: (subscription id, answer).
    pub updates: Vec<(i64, Answer)>,
    pub subscriptions: usize,
}

/// Re-evaluates one subscription against the new list; `old` is the list it was answered from.
pub fn evaluate(sub: &Subscription, old: &Snapshot, new: &Catalog, matcher: &Matcher) -> (Answer, Vec<Change>) {
    let (answer, candidates) = Answer::of(&sub.target, new, matcher);
    let mut changes = Vec::new();
    if answer == sub.answer {
        if let (VerdictKind::Listed, Some(code)) = (answer.kind, &answer.code) {
            if let (Some(before), Some(now)) = (old.get(code.as_str()), new.profession(code)) {
                if before.name.ru != now.name.ru {
                    changes.push(Change::Renamed { code: code.clone(), from: before.name.clone() });
                }
                let (a, b): (BTreeSet<&String>, BTreeSet<&String>) = (before.fields.iter().collect(), now.fields.iter().collect());
                if a != b {
                    changes.push(Change::Moved { code: code.clone(), from: before.fields.clone() });
                }
            }
        }
        return (answer, changes);
    }
    match (answer.kind, &answer.code) {
        (VerdictKind::Listed, Some(code)) => changes.push(Change::NowListed { code: code.clone() }),
        (VerdictKind::Unsure, _) => changes.push(Change::NowUnsure { candidates }),
        _ => match (sub.answer.kind, &sub.answer.code) {
            (VerdictKind::Listed, Some(code)) => {
                changes.push(Change::NoLongerListed { code: code.as_str().to_string(), name: old.get(code.as_str()).map(|e| e.name.clone()) })
            }
            _ => changes.push(Change::NotListedNow),
        },
    }
    (answer, changes)
}

/// Every subscription re-evaluated: one notice per chat with any changed answer (in the language
/// of its latest subscription), and the new answers to record.
pub fn plan(subs: &[Subscription], old: &Snapshot, new: &Catalog, matcher: &Matcher) -> Plan {
    let mut by_chat: BTreeMap<i64, Notice> = BTreeMap::new();
    let mut updates = Vec::new();
    for s in subs {
        let (answer, changes) = evaluate(s, old, new, matcher);
        if answer != s.answer {
            updates.push((s.id, answer.clone()));
        }
        if changes.is_empty() {
            continue;
        }
        let n = by_chat.entry(s.chat).or_insert_with(|| Notice { chat: s.chat, lang: s.lang, items: Vec::new() });
        n.lang = s.lang;
        n.items.push(Item { sub: s.clone(), changes, answer });
    }
    Plan { notices: by_chat.into_values().collect(), updates, subscriptions: subs.len() }
}

/// For an operator: each change of the diff with the number of chats it sends a notice to, and
/// the chats notified for other reasons (a query read differently: aliases, the vocabulary).
pub fn affected(diff: &Diff, plan: &Plan) -> (Vec<(ChangeKind, String, usize)>, usize) {
    let mut counts: BTreeMap<(ChangeKind, String), BTreeSet<i64>> = BTreeMap::new();
    for (k, c) in diff.changes() {
        counts.entry((k, c.to_string())).or_default();
    }
    let mut other = BTreeSet::new();
    for n in &plan.notices {
        for item in &n.items {
            for ch in &item.changes {
                match ch.cause().filter(|k| counts.contains_key(k)) {
                    Some(k) => {
                        counts.entry(k).or_default().insert(n.chat);
                    }
                    None => {
                        other.insert(n.chat);
                    }
                }
            }
        }
    }
    let order: Vec<(ChangeKind, String)> = diff.changes().into_iter().map(|(k, c)| (k, c.to_string())).collect();
    let rows = order.into_iter().map(|k| (k.0, k.1.clone(), counts.get(&k).map_or(0, BTreeSet::len))).collect();
    (rows, other.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Sources;
    use std::sync::Arc;

    fn fixture(day: &str) -> Catalog {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/amendment");
        Catalog::from_sources(&Sources::from_dir(&dir).unwrap(), day).unwrap()
    }

    fn code(s: &str) -> Code {
        Code::parse_canonical(s).unwrap()
    }

    #[test]
    fn the_fixture_diff_names_each_kind_of_change_and_nothing_else() {
        let old = Snapshot::of(&Catalog::embedded_on("2025-06-01").unwrap());
        let new = Snapshot::of(&fixture("2025-06-01"));
        let d = Diff::between(&old, &new);
        let codes = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
        assert_eq!(d.added.iter().map(|e| e.code.clone()).collect::<Vec<_>>(), codes(vec!["9999-9-901"]));
        assert_eq!(d.removed.iter().map(|e| e.code.clone()).collect::<Vec<_>>(), codes(vec!["3521-3-003"]));
        assert_eq!(d.renamed.len(), 1);
        assert_eq!((d.renamed[0].code.as_str(), d.renamed[0].from.ru.as_str()), ("2166-1", "Графический дизайнер"));
        assert_eq!(d.moved.len(), 1);
        assert_eq!(
            (d.moved[0].code.as_str(), d.moved[0].from.clone(), d.moved[0].to.clone()),
            ("2521-2-001", vec!["digital".to_string()], vec!["engineering".to_string()])
        );
        assert!(Diff::between(&old, &old).is_empty());
        // Before the made-up amendment is in force, the fixture is the built-in list.
        assert!(Diff::between(&old, &Snapshot::of(&fixture("2024-12-31"))).is_empty());
    }

    #[test]
    fn subscriptions_are_re_evaluated_and_only_changed_answers_noticed() {
        let old_cat = Catalog::embedded_on("2025-06-01").unwrap();
        let old = Snapshot::of(&old_cat);
        let new = Arc::new(fixture("2025-06-01"));
        let m = Matcher::new(new.clone());
        let sub = |id, chat, target, answer| Subscription { id, chat, target, lang: Lang::Ru, answer };
        let subs = vec![
            sub(1, 10, Target::Code(code("3521-3-003")), Answer::listed(code("3521-3-003"))),
            sub(2, 20, Target::Code(code("2166-1")), Answer::listed(code("2166-1"))),
            sub(3, 30, Target::Query("zorbonaut".into()), Answer::not_listed()),
            sub(4, 40, Target::Code(code("2217-4-001")), Answer::listed(code("2217-4-001"))),
            sub(5, 50, Target::Code(code("2521-2-001")), Answer::listed(code("2521-2-001"))),
            sub(6, 10, Target::Query("детский хирург".into()), Answer::not_listed()),
        ];
        let p = plan(&subs, &old, &new, &m);
        let chats: Vec<i64> = p.notices.iter().map(|n| n.chat).collect();
        assert_eq!(chats, [10, 20, 30, 50], "one notice per chat whose answer changed; 40 unchanged");
        let ch = |chat: i64| p.notices.iter().find(|n| n.chat == chat).unwrap().items.iter().flat_map(|i| i.changes.clone()).collect::<Vec<_>>();
        assert!(matches!(&ch(10)[..], [Change::NoLongerListed { code, name: Some(n) }] if code == "3521-3-003" && n.ru == "Видеомонтажер"), "{:?}", ch(10));
        assert!(matches!(&ch(20)[..], [Change::Renamed { from, .. }] if from.ru == "Графический дизайнер"));
        assert_eq!(ch(30), [Change::NowListed { code: code("9999-9-901") }]);
        assert!(matches!(&ch(50)[..], [Change::Moved { from, .. }] if from == &["digital".to_string()]));
        // The answers to record: the removed code is not listed now, zorbonaut is listed.
        assert_eq!(p.updates, vec![(1, Answer::not_listed()), (3, Answer::listed(code("9999-9-901")))]);
        // For the operator: each change of the diff and the chats it reaches.
        let (rows, other) = affected(&Diff::between(&old, &Snapshot::of(&new)), &p);
        let get = |k: ChangeKind, c: &str| rows.iter().find(|r| r.0 == k && r.1 == c).map(|r| r.2);
        assert_eq!(get(ChangeKind::Removed, "3521-3-003"), Some(1));
        assert_eq!(get(ChangeKind::Renamed, "2166-1"), Some(1));
        assert_eq!(get(ChangeKind::Added, "9999-9-901"), Some(1));
        assert_eq!(get(ChangeKind::Moved, "2521-2-001"), Some(1));
        assert_eq!(other, 0);
        // The same list again: nothing.
        let again = plan(&subs, &Snapshot::of(&old_cat), &old_cat, &Matcher::new(Arc::new(old_cat.clone())));
        assert!(again.notices.is_empty() && again.updates.is_empty());
    }

    #[test]
    fn a_removed_code_that_comes_back_is_noticed_again() {
        let old_cat = fixture("2025-06-01");
        let new = Arc::new(Catalog::embedded_on("2025-06-01").unwrap());
        let m = Matcher::new(new.clone());
        let s = Subscription { id: 1, chat: 1, target: Target::Code(code("3521-3-003")), lang: Lang::En, answer: Answer::not_listed() };
        let (a, ch) = evaluate(&s, &Snapshot::of(&old_cat), &new, &m);
        assert_eq!(a, Answer::listed(code("3521-3-003")));
        assert_eq!(ch, [Change::NowListed { code: code("3521-3-003") }]);
    }
}
