//! Text typed with the wrong keyboard layout: Russian on a Latin layout (`ghjuhfvvbcn` is
//! `программист`) and English on a Russian layout (`ltdtkjgth` is `developer`). The maps follow
//! the standard ЙЦУКЕН and QWERTY keyboards key by key.

const LATIN: &str = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`";
const CYRILLIC: &str = "йцукенгшщзхъфывапролджэячсмитьбюё";

/// Latin keys → the Cyrillic letters on the same keys. `None` if nothing changed.
pub fn latin_to_cyrillic(text: &str) -> Option<String> {
    swap(text, LATIN, CYRILLIC)
}

/// Cyrillic letters → the Latin keys they sit on.
pub fn cyrillic_to_latin(text: &str) -> Option<String> {
    swap(text, CYRILLIC, LATIN)
}

fn swap(text: &str, from: &str, to: &str) -> Option<String> {
    let mut changed = false;
    let out = text
        .chars()
        .map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            match from.chars().position(|f| f == lower) {
                Some(i) => {
                    changed = true;
                    to.chars().nth(i).unwrap_or(c)
                }
                None => c,
            }
        })
        .collect();
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_both_ways() {
        assert_eq!(latin_to_cyrillic("ghjuhfvvbcn").unwrap(), "программист");
        assert_eq!(latin_to_cyrillic("ytqhj[bhehu").unwrap(), "нейрохирург");
        assert_eq!(latin_to_cyrillic("uhfabxtcrbq lbpfqyth").unwrap(), "графический дизайнер");
        assert_eq!(cyrillic_to_latin("вумудщзук").unwrap(), "developer");
        assert_eq!(latin_to_cyrillic("123"), None);
    }
}
