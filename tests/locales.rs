//! Every message id exists in every locale, with the same variables, and every id the code uses
//! is defined: a missing translation would show a raw id to a user.

use std::collections::{BTreeMap, BTreeSet};

fn parse(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let (id, _) = line.split_once('=').unwrap_or_else(|| panic!("{path}: not a message: {line}"));
            let id = id.trim().to_string();
            assert!(out.insert(id.clone(), BTreeSet::new()).is_none(), "{path}: {id} defined twice");
            current = Some(id);
        }
        let id = current.clone().unwrap();
        let mut rest = line;
        while let Some(i) = rest.find("{ $") {
            let after = &rest[i + 3..];
            let end = after.find(' ').unwrap();
            out.get_mut(&id).unwrap().insert(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn all_locales_have_the_same_messages_and_variables() {
    let ru = parse("ru");
    for lang in ["kk", "en"] {
        let other = parse(lang);
        let a: BTreeSet<_> = ru.keys().collect();
        let b: BTreeSet<_> = other.keys().collect();
        assert_eq!(a, b, "ids differ between ru and {lang}");
        for (id, vars) in &ru {
            assert_eq!(vars, &other[id], "variables of {id} differ between ru and {lang}");
        }
    }
}

#[test]
fn every_id_used_in_code_is_defined() {
    let ru = parse("ru");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut missing = Vec::new();
    for entry in walk(std::path::Path::new(src)) {
        let text = std::fs::read_to_string(&entry).unwrap();
        // Calls look like t(lang, "id", …).
        for (i, _) in text.match_indices("t(lang, \"") {
            let after = &text[i + 9..];
            let id = &after[..after.find('"').unwrap_or(0)];
            if !ru.contains_key(id) {
                missing.push(format!("{}: {id}", entry.display()));
            }
        }
    }
    assert!(missing.is_empty(), "ids used in code but missing in locales: {missing:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}
