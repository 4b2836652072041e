//! Scores the matcher on the project's own labelled queries (tests/labelled.tsv) with the same
//! rules as ../shared/eval/score.py, so quality cannot regress silently.

use kasip::{Catalog, Matcher, VerdictKind};
use std::collections::HashSet;
use std::sync::Arc;

/// The bar: the score this matcher reaches on tests/labelled.tsv, less a little room for
/// deliberate trade-offs; and never a wrong "it qualifies" (asserted below).
const MIN_SCORE: f64 = 0.98;
/// The held-out-style section (written apart from the code, harder on purpose) has its own bar.
const MIN_HELD_OUT: f64 = 0.945;
const HELD_OUT_MARK: &str = "# --- Held-out style";
/// The adversarial section (helpers attacking each session's new rules) has its own bar too.
const MIN_ADVERSARIAL: f64 = 0.855;
const ADVERSARIAL_MARK: &str = "# --- Adversarial";

#[test]
fn labelled_set_meets_the_bar() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/labelled.tsv")).unwrap();
    let matcher = Matcher::new(Arc::new(Catalog::embedded().unwrap()));
    let (mut total, mut got, mut false_q) = (0.0, 0.0, 0usize);
    let (mut held_total, mut held_got, mut held_out) = (0.0, 0.0, false);
    let (mut adv_total, mut adv_got, mut adversarial) = (0.0, 0.0, false);
    let mut misses = Vec::new();
    let mut kinds = HashSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if line.starts_with('#') {
            held_out |= line.starts_with(HELD_OUT_MARK);
            adversarial |= line.starts_with(ADVERSARIAL_MARK);
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (kind, query) = (cols[0], cols[1]);
        let codes: HashSet<&str> = cols[2].split(',').map(str::trim).filter(|c| !c.is_empty() && *c != "-").collect();
        kinds.insert(kind);
        let v = matcher.match_query(query);
        let code = v.code.as_ref().map(|c| c.as_str());
        let cand_hit = v.candidates.iter().any(|c| codes.contains(c.code.as_str()));
        let listed_right = v.kind == VerdictKind::Listed && code.is_some_and(|c| codes.contains(c));
        if v.kind == VerdictKind::Listed && !listed_right {
            false_q += 1;
        }
        let unsure = v.kind == VerdictKind::Unsure;
        let pts = match kind {
            "pos" => {
                if listed_right {
                    1.0
                } else if unsure && cand_hit {
                    0.5
                } else {
                    0.0
                }
            }
            "soft" => {
                if listed_right || (unsure && cand_hit) {
                    1.0
                } else {
                    0.0
                }
            }
            "amb" => {
                if unsure && cand_hit {
                    1.0
                } else {
                    0.0
                }
            }
            "neg" => match v.kind {
                VerdictKind::NotListed => 1.0,
                VerdictKind::Unsure => 0.5,
                VerdictKind::Listed => 0.0,
            },
            other => panic!("unknown kind {other} in {line}"),
        };
        if adversarial {
            adv_total += 1.0;
            adv_got += pts;
        } else if held_out {
            held_total += 1.0;
            held_got += pts;
        } else {
            total += 1.0;
            got += pts;
        }
        if pts < 1.0 {
            misses.push(format!("{kind} {pts} {query:?} -> {:?} {code:?}", v.kind));
        }
    }
    assert!(total >= 400.0, "the labelled set should have at least 400 queries, has {total}");
    assert_eq!(kinds.len(), 4, "all four kinds should be present");
    let score = got / total;
    eprintln!("labelled set: {:.1}% false_qualifies {false_q} (n={total})\n{}", score * 100.0, misses.join("\n"));
    assert_eq!(false_q, 0, "wrong 'listed' answers: {false_q}\n{}", misses.join("\n"));
    assert!(score >= MIN_SCORE, "score {:.1}% below {:.1}%\n{}", score * 100.0, MIN_SCORE * 100.0, misses.join("\n"));
    assert!(held_total >= 200.0, "the held-out-style section went missing");
    let held = held_got / held_total;
    eprintln!("held-out-style section: {:.1}% (n={held_total})", held * 100.0);
    assert!(held >= MIN_HELD_OUT, "held-out-style section {:.1}% below {:.1}%\n{}", held * 100.0, MIN_HELD_OUT * 100.0, misses.join("\n"));
    assert!(adv_total >= 100.0, "the adversarial section went missing");
    let adv = adv_got / adv_total;
    eprintln!("adversarial section: {:.1}% (n={adv_total})", adv * 100.0);
    assert!(adv >= MIN_ADVERSARIAL, "adversarial section {:.1}% below {:.1}%\n{}", adv * 100.0, MIN_ADVERSARIAL * 100.0, misses.join("\n"));
}
