//! The two languages Dangol speaks. A leaf module: everything that has
//! text depends on it, it depends on nothing.

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ko,
    En,
}

impl Lang {
    /// Picks the language from a locale string such as `ko_KR.UTF-8` or
    /// `en_US.UTF-8`: Korean for Korean locales or none, English otherwise.
    pub fn from_locale(locale: Option<&str>) -> Lang {
        let base = |l: &str| l.split(['.', '@']).next().unwrap_or("").to_string();
        match locale.map(str::trim).filter(|l| !l.is_empty() && base(l) != "C" && base(l) != "POSIX") {
            None => Lang::Ko,
            Some(l) if l.to_ascii_lowercase().starts_with("ko") => Lang::Ko,
            Some(_) => Lang::En,
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ko" | "kr" | "korean" => Some(Lang::Ko),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the Korean or English text.
    pub fn pick<'a>(self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }
}

/// A sentence in both languages, for data that must carry text made above
/// the layer that carries it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    pub ko: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.ko, &self.en)
    }
}
