//! The three languages Kasip speaks. Everywhere a language is meant, this type is used, never a
//! bare string, so an unsupported language cannot reach the message catalogue.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ru,
    Kk,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Ru, Lang::Kk, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Kk => "kk",
            Lang::En => "en",
        }
    }

    /// Telegram's `language_code` (an IETF tag such as `ru`, `kk-KZ`, `en-US`) to a language we
    /// speak; `None` for any other language so the caller can apply its fallback rule.
    pub fn from_telegram(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Some(Lang::Ru),
            "kk" | "kz" => Some(Lang::Kk),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language to answer in when the user has no saved choice: Telegram's language if we
    /// speak it, else Russian for text written in Cyrillic (the lingua franca of most applicants
    /// who write in Cyrillic), else English.
    pub fn choose(saved: Option<Lang>, telegram: Option<&str>, text: &str) -> Lang {
        if let Some(l) = saved {
            return l;
        }
        if let Some(l) = telegram.and_then(Lang::from_telegram) {
            return l;
        }
        if text.chars().any(is_kazakh_letter) {
            Lang::Kk
        } else if text.chars().any(is_cyrillic) {
            Lang::Ru
        } else {
            Lang::En
        }
    }
}

pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// Letters of the Kazakh Cyrillic alphabet that Russian lacks.
pub fn is_kazakh_letter(c: char) -> bool {
    matches!(c, 'ә' | 'Ә' | 'ғ' | 'Ғ' | 'қ' | 'Қ' | 'ң' | 'Ң' | 'ө' | 'Ө' | 'ұ' | 'Ұ' | 'ү' | 'Ү' | 'һ' | 'Һ' | 'і' | 'І')
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::from_telegram(s.trim()).ok_or_else(|| format!("unknown language `{s}` (use ru, kk or en)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_tags_map_to_our_languages() {
        assert_eq!(Lang::from_telegram("ru"), Some(Lang::Ru));
        assert_eq!(Lang::from_telegram("kk-KZ"), Some(Lang::Kk));
        assert_eq!(Lang::from_telegram("en-US"), Some(Lang::En));
        assert_eq!(Lang::from_telegram("de"), None);
        assert_eq!(Lang::from_telegram("uk"), None, "other languages follow the script rule");
    }

    #[test]
    fn fallback_prefers_saved_then_telegram_then_script() {
        assert_eq!(Lang::choose(Some(Lang::Kk), Some("en"), "x"), Lang::Kk);
        assert_eq!(Lang::choose(None, Some("en"), "врач"), Lang::En);
        assert_eq!(Lang::choose(None, Some("de"), "врач"), Lang::Ru);
        assert_eq!(Lang::choose(None, Some("tr"), "дәрігер"), Lang::Kk);
        assert_eq!(Lang::choose(None, None, "doctor"), Lang::En);
    }
}
