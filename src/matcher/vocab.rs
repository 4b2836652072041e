//! The index's vocabulary: every distinct stem once, numbered in the order it was first seen.

use rustc_hash::{FxHashMap as HashMap, FxHasher};
use std::hash::Hasher;

/// Stems laid end to end in one string and found by a 64-bit hash of their text, so the
/// some 15,000 words of the index cost no allocation each (to build or to drop). Two stems
/// whose hashes clash (possible, if unlikely) are told apart by a map of the full strings.
#[derive(Default)]
pub(super) struct Vocab {
    text: String,
    /// Where each word ends in `text` (it starts where the one before ends).
    ends: Vec<u32>,
    by_hash: HashMap<u64, u32>,
    clashes: HashMap<String, u32>,
}

fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl Vocab {
    pub(super) fn with_capacity(words: usize) -> Vocab {
        Vocab {
            text: String::with_capacity(words * 12),
            ends: Vec::with_capacity(words),
            by_hash: HashMap::with_capacity_and_hasher(words, Default::default()),
            clashes: HashMap::default(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Word `id`.
    pub(super) fn get(&self, id: u32) -> &str {
        let id = id as usize;
        let from = if id == 0 { 0 } else { self.ends[id - 1] as usize };
        &self.text[from..self.ends[id] as usize]
    }

    /// The id of a word, if it is in.
    pub(super) fn id(&self, s: &str) -> Option<u32> {
        match self.by_hash.get(&hash(s)) {
            Some(&id) if self.get(id) == s => Some(id),
            Some(_) => self.clashes.get(s).copied(),
            None => None,
        }
    }

    /// The id of a word, added at the end if new.
    pub(super) fn intern(&mut self, s: &str) -> u32 {
        let h = hash(s);
        let clash = match self.by_hash.get(&h) {
            Some(&id) if self.get(id) == s => return id,
            Some(_) => match self.clashes.get(s) {
                Some(&id) => return id,
                None => true,
            },
            None => false,
        };
        let id = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        if clash {
            self.clashes.insert(s.to_string(), id);
        } else {
            self.by_hash.insert(h, id);
        }
        id
    }

    /// The words in id order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len() as u32).map(|id| self.get(id))
    }
}

impl std::ops::Index<usize> for Vocab {
    type Output = str;
    fn index(&self, id: usize) -> &str {
        self.get(id as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_first_id_and_text() {
        let mut v = Vocab::default();
        let words = ["инженер", "врач", "", "инженер", "ғарыш", "врачи", "a"];
        let ids: Vec<u32> = words.iter().map(|w| v.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 0, 3, 4, 5]);
        assert_eq!(v.len(), 6);
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(v.get(*id), *w);
            assert_eq!(v.id(w), Some(*id));
        }
        assert_eq!(v.id("врач "), None);
        assert_eq!(v.iter().collect::<Vec<_>>(), ["инженер", "врач", "", "ғарыш", "врачи", "a"]);
    }

    #[test]
    fn a_clash_of_hashes_still_tells_words_apart() {
        // Force a clash: file a second word under the first one's hash.
        let mut v = Vocab::default();
        let a = v.intern("хирург");
        let b_text = "нейрохирург";
        let id = v.ends.len() as u32;
        v.text.push_str(b_text);
        v.ends.push(v.text.len() as u32);
        v.clashes.insert(b_text.to_string(), id);
        let h = hash(b_text);
        v.by_hash.remove(&h);
        v.by_hash.insert(h, a);
        assert_eq!(v.id(b_text), Some(id));
        assert_eq!(v.id("хирург"), Some(a));
        assert_eq!(v.intern(b_text), id);
        // And a new word under a taken hash goes to the clash map.
        let c = "онколог";
        let hc = hash(c);
        v.by_hash.insert(hc, a);
        let idc = v.intern(c);
        assert_eq!((v.get(idc), v.id(c)), (c, Some(idc)));
    }
}
