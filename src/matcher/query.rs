//! Reading a query: words after abbreviations and stopwords, each flagged as qualifier or not.

use super::*;

impl Matcher {
    /// Words of a text after abbreviations and stopwords, each flagged as qualifier or not.
    pub(super) fn analyze(&self, text: &str) -> Vec<(Word, bool)> {
        let mut out = Vec::new();
        for raw in text.split(|c: char| !normalize::is_word_char(c)).filter(|w| !w.is_empty()) {
            let w = normalize::word(raw);
            let expanded = self.abbreviations.iter().find(|(from, _, exact)| if *exact { raw == from } else { w.folded == *from });
            let words = match expanded {
                Some((_, to, _)) => to.clone(),
                None => vec![w],
            };
            for w in words {
                // Single letters are left-overs (`I'm` → `i`, `m`), numbers are not occupations.
                if self.stopwords.contains(&w.folded) || w.folded.chars().all(|c| c.is_ascii_digit()) || w.folded.chars().nth(1).is_none() {
                    continue;
                }
                let q = self.qualifiers.contains(&w.folded);
                out.push((w, q));
                if out.len() >= MAX_WORDS {
                    return out;
                }
            }
        }
        out
    }
}
