//! Search keys for names in Hangul and Latin letters.
//!
//! Three ideas make name lookup work at a Korean counter:
//! - a normalised form (lower case, no spaces or punctuation) so "Emily Park"
//!   and "emilypark" meet;
//! - the initial consonants (초성) of Hangul syllables, so "ㄱㅁㅅ" finds 김민수;
//! - short grams of both, so a prefix or a substring becomes one indexed
//!   equality lookup (see the store's `search_gram` table).

use std::borrow::Cow;

/// The 19 initial consonants, as compatibility jamo, in Unicode order.
const CHOSEONG: [char; 19] =
    ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];

/// Longest gram stored in the search index; longer queries are verified after
/// the indexed lookup.
pub const MAX_GRAM: usize = 3;

fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// True for a compatibility-jamo consonant usable in a 초성 query.
pub fn is_choseong(c: char) -> bool {
    CHOSEONG.contains(&c)
}

/// The initial consonant of a Hangul syllable, if it is one.
pub fn choseong_of(c: char) -> Option<char> {
    is_syllable(c).then(|| CHOSEONG[((c as u32 - 0xAC00) / 588) as usize])
}

/// Text in Unicode NFC, the form every name is stored and searched in. A
/// Mac writes Hangul decomposed (NFD: 김 as ᄀ+ᅵ+ᆷ); composed here, it
/// meets the same name typed on Windows or at the counter.
pub fn nfc(text: &str) -> Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// Composes (NFC), lower-cases and drops whitespace and punctuation: the
/// form names are compared in.
pub fn normalize(name: &str) -> String {
    nfc(name).chars().filter(|c| c.is_alphanumeric()).flat_map(|c| c.to_lowercase()).collect()
}

/// The 초성 string of a name: each Hangul syllable replaced by its initial
/// consonant; other characters dropped. Empty for names without Hangul.
pub fn initials(name: &str) -> String {
    nfc(name).chars().filter_map(choseong_of).collect()
}

/// True when a query consists only of initial consonants (a 초성 search).
pub fn is_initials_query(query: &str) -> bool {
    let q = normalize(query);
    !q.is_empty() && q.chars().all(is_choseong)
}

/// The grams stored for a name: for each start position, the prefixes of the
/// remaining text up to `MAX_GRAM` characters. The name's own start yields
/// grams of length 1 (so one letter finds every name starting with it); other
/// positions yield grams of length 2+ (substring search needs two
/// characters). The same is done for the 초성 string. Each gram is tagged with
/// whether it is a prefix of the name.
pub fn grams(name: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for text in [normalize(name), initials(name)] {
        let chars: Vec<char> = text.chars().collect();
        for start in 0..chars.len() {
            let min_len = if start == 0 { 1 } else { 2 };
            for len in min_len..=MAX_GRAM {
                if start + len > chars.len() {
                    break;
                }
                let gram: String = chars[start..start + len].iter().collect();
                let is_prefix = start == 0;
                if let Some(existing) = out.iter_mut().find(|(g, _)| *g == gram) {
                    existing.1 |= is_prefix;
                } else {
                    out.push((gram, is_prefix));
                }
            }
        }
    }
    out
}

/// The gram a query is looked up by: its first `MAX_GRAM` characters.
pub fn query_gram(normalized_query: &str) -> String {
    normalized_query.chars().take(MAX_GRAM).collect()
}

/// How a name matches a normalised query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameMatch {
    Exact,
    Prefix,
    Substring,
}

/// Checks a name against a normalised query (plain text or 초성).
pub fn match_name(name: &str, normalized_query: &str) -> Option<NameMatch> {
    if normalized_query.is_empty() {
        return None;
    }
    let candidates = if normalized_query.chars().all(is_choseong) { initials(name) } else { normalize(name) };
    if candidates == normalized_query {
        Some(NameMatch::Exact)
    } else if candidates.starts_with(normalized_query) {
        Some(NameMatch::Prefix)
    } else if candidates.contains(normalized_query) {
        Some(NameMatch::Substring)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_hangul_meets_composed_hangul() {
        // 김영자 as a Mac writes it: conjoining jamo, eight code points.
        let nfd = "\u{1100}\u{1175}\u{11b7}\u{110b}\u{1167}\u{11bc}\u{110c}\u{1161}";
        assert_eq!(nfd.chars().count(), 8);
        assert_eq!(nfc(nfd), "김영자");
        assert_eq!(normalize(nfd), normalize("김영자"));
        assert_eq!(initials(nfd), "ㄱㅇㅈ");
        assert_eq!(grams(nfd), grams("김영자"));
        assert!(matches!(nfc("김영자"), Cow::Borrowed(_)));
    }

    #[test]
    fn initials_of_hangul_names() {
        for (name, want) in
            [("김민수", "ㄱㅁㅅ"), ("이 지은", "ㅇㅈㅇ"), ("Emily Park", ""), ("박Park", "ㅂ"), ("쌍둥이", "ㅆㄷㅇ")]
        {
            assert_eq!(initials(name), want, "initials of {name:?}");
        }
    }

    #[test]
    fn normalises_case_and_spacing() {
        assert_eq!(normalize(" Emily  Park "), "emilypark");
        assert_eq!(normalize("김 민수"), "김민수");
        assert_eq!(normalize("O'Brien-Lee"), "obrienlee");
    }

    #[test]
    fn recognises_initials_queries() {
        assert!(is_initials_query("ㄱㅁㅅ"));
        assert!(is_initials_query("ㄱ ㅁ"));
        assert!(!is_initials_query("김ㅁ"));
        assert!(!is_initials_query(""));
        assert!(!is_initials_query("kim"));
    }

    #[test]
    fn grams_cover_prefixes_and_substrings() {
        let g: Vec<String> = grams("김민수").into_iter().map(|(g, _)| g).collect();
        for want in ["김", "김민", "김민수", "민수", "ㄱ", "ㄱㅁ", "ㄱㅁㅅ", "ㅁㅅ"] {
            assert!(g.contains(&want.to_string()), "grams of 김민수 should contain {want}: {g:?}");
        }
        assert!(!g.contains(&"수".to_string()), "single-character grams only at the start");
        let park = grams("Emily Park");
        assert!(park.iter().any(|(g, p)| g == "par" && !p));
        assert!(park.iter().any(|(g, p)| g == "emi" && *p));
    }

    #[test]
    fn matches_rank_exact_prefix_substring() {
        assert_eq!(match_name("김민수", "김민수"), Some(NameMatch::Exact));
        assert_eq!(match_name("김민수", "김민"), Some(NameMatch::Prefix));
        assert_eq!(match_name("김민수", "민수"), Some(NameMatch::Substring));
        assert_eq!(match_name("김민수", "ㄱㅁㅅ"), Some(NameMatch::Exact));
        assert_eq!(match_name("김민수", "ㅁㅅ"), Some(NameMatch::Substring));
        assert_eq!(match_name("Emily Park", "park"), Some(NameMatch::Substring));
        assert_eq!(match_name("김민수", "박"), None);
    }
}
