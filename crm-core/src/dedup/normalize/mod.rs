//! Name normalisation for duplicate detection: the text folding that company and person keys
//! share, and the keys themselves ([`CompanyKey`], [`PersonKey`]).
//!
//! The same customer arrives as 「北京华为技术有限公司」, 「华为技术（北京）有限公司」 and
//! `Beijing Hua Wei Technology Co., Ltd.`; the same contact as 「张伟」, `Zhang Wei` and
//! `Wei Zhang`. Nothing here decides that two records are duplicates: the keys only bring the
//! spellings together so that the matcher compares like with like.
//!
//! Everything is pure, allocation-light and free of regular expressions, because it runs on
//! every record of an import.

pub mod company;
pub mod person;

pub use company::{CompanyKey, LegalForm};
pub use person::PersonKey;

pub use crate::value::is_han;
use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

/// Folds text for comparison: NFKC, lowercase, and every run of characters that are not letters
/// or digits (whitespace, ASCII and Chinese punctuation such as 、，。·（）【】《》「」“”‘’—…,
/// symbols) turned into one space, trimmed.
///
/// NFKC brings full-width forms (`ＡＢＣ`, `（`, `１２３`) to their ordinary forms, so text typed
/// with a Chinese input method in full-width mode folds like text typed without it. Letters,
/// digits and Han characters are kept.
///
/// ```
/// use crm_core::dedup::normalize::fold;
/// assert_eq!(fold("  Beijing Hua-Wei Technology Co., Ltd. "), "beijing hua wei technology co ltd");
/// assert_eq!(fold("华为技术（北京）有限公司"), "华为技术 北京 有限公司");
/// assert_eq!(fold("ＡＣＭＥ【上海】"), "acme 上海");
/// ```
pub fn fold(text: &str) -> String {
    fold_with(text, false)
}

/// [`fold`], with no space left between two Han characters: 「华为 技术」 and 「张 伟」 are typed
/// with stray spaces that Chinese does not have.
fn fold_joined(text: &str) -> String {
    fold_with(text, true)
}

fn fold_with(text: &str, join_han: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut previous_han = false;
    let push = |c: char| {
        // Han first: it is the common case, and cheaper to test than `is_alphanumeric`.
        let han = is_han(c);
        if !han && !c.is_alphanumeric() {
            pending_space = !out.is_empty();
            return;
        }
        if pending_space && !(join_han && han && previous_han) {
            out.push(' ');
        }
        pending_space = false;
        previous_han = han;
        if han || c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            // Lowercasing can yield a combining mark (`İ` → `i̇`); keeping only letters and
            // digits keeps `fold` idempotent.
            out.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
        }
    };
    for_each_nfkc(text, push);
    out
}

/// The romanised key of a name: for each Han character its toneless pinyin (the first reading
/// in the dictionary), other letters and digits lowercased, everything else dropped, all
/// concatenated: 「华为」 → `huawei`, `Hua Wei` → `huawei`, `HUAWEI` → `huawei`.
///
/// This is where a Chinese record meets its romanised twin. `ü` becomes `u` (「吕」 → `lu`),
/// the way passports and most romanised records write it. A Han character without a reading in
/// the dictionary stays as it is rather than vanishing, so that it still tells names apart.
///
/// ```
/// use crm_core::dedup::normalize::pinyin_key;
/// assert_eq!(pinyin_key("华为"), "huawei");
/// assert_eq!(pinyin_key("Hua Wei"), pinyin_key("华为"));
/// assert_eq!(pinyin_key("360安全"), "360anquan");
/// ```
pub fn pinyin_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for_each_letter(text, |c| match han_pinyin(c) {
        Some(syllable) => push_syllable(&mut out, syllable),
        None => push_lower(&mut out, c),
    });
    out
}

/// The initials key of a name: the first letter of each Han character's pinyin and the first
/// letter or digit of each other word: 「华为技术」 → `hwjs`, `Hua Wei Technology` → `hwt`.
///
/// It catches abbreviations people actually type for Chinese names (`hwjs`, `BJHW`).
///
/// ```
/// use crm_core::dedup::normalize::pinyin_initials;
/// assert_eq!(pinyin_initials("华为技术"), "hwjs");
/// assert_eq!(pinyin_initials("Hua Wei"), "hw");
/// ```
pub fn pinyin_initials(text: &str) -> String {
    let mut out = String::new();
    let mut in_word = false;
    let mut visit = |c: Option<char>| match c {
        Some(c) => match han_pinyin(c) {
            Some(syllable) => {
                push_syllable(&mut out, first_char(syllable));
                in_word = false;
            }
            None if in_word => {}
            None => {
                push_lower(&mut out, c);
                in_word = true;
            }
        },
        None => in_word = false,
    };
    for_each_nfkc(text, |c| visit(is_letter_or_digit(c).then_some(c)));
    out
}

/// A name with its parenthesised groups taken out.
struct Parts {
    /// The name outside any parentheses, each group replaced by a space.
    body: String,
    /// The text inside each top-level group, folded, without empty groups.
    groups: Vec<String>,
}

/// Splits out parenthesised text, which holds a region, a legal form or an alias rather than
/// the name itself: 「华为技术（北京）有限公司」 → 「华为技术 有限公司」 + 「北京」.
/// ASCII, full-width and Chinese brackets all count; an unclosed group runs to the end and a
/// stray closer is a separator.
fn split_parentheses(name: &str) -> Parts {
    let mut body = String::with_capacity(name.len());
    let mut groups = Vec::new();
    let mut group = String::new();
    let mut depth = 0usize;
    for c in name.chars() {
        if is_opener(c) {
            if depth == 0 {
                body.push(' ');
            } else {
                group.push(' ');
            }
            depth += 1;
        } else if is_closer(c) {
            match depth {
                0 => body.push(' '),
                1 => {
                    push_group(&mut groups, &group);
                    group.clear();
                    body.push(' ');
                }
                _ => group.push(' '),
            }
            depth = depth.saturating_sub(1);
        } else if depth == 0 {
            body.push(c);
        } else {
            group.push(c);
        }
    }
    push_group(&mut groups, &group);
    Parts { body, groups }
}

fn push_group(groups: &mut Vec<String>, raw: &str) {
    let folded = fold_joined(raw);
    if !folded.is_empty() {
        groups.push(folded);
    }
}

fn is_opener(c: char) -> bool {
    matches!(c, '(' | '（' | '[' | '［' | '【' | '〔' | '〖' | '{' | '｛')
}

fn is_closer(c: char) -> bool {
    matches!(c, ')' | '）' | ']' | '］' | '】' | '〕' | '〗' | '}' | '｝')
}

/// Calls `f` with each letter or digit of the NFKC form of `text`, in order.
fn for_each_letter(text: &str, mut f: impl FnMut(char)) {
    for_each_nfkc(text, |c| {
        if is_letter_or_digit(c) {
            f(c);
        }
    });
}

/// [`char::is_alphanumeric`], testing first for Han, the common case, which is cheaper.
fn is_letter_or_digit(c: char) -> bool {
    is_han(c) || c.is_alphanumeric()
}

/// Calls `f` with each character of the NFKC form of `text`, skipping the normalisation, which
/// costs more than everything else here, when every character is one that NFKC leaves alone
/// or that folds to a separator either way (the usual Chinese and ASCII text).
fn for_each_nfkc(text: &str, f: impl FnMut(char)) {
    if text.chars().all(is_nfkc_inert) {
        text.chars().for_each(f);
    } else {
        text.nfkc().for_each(f);
    }
}

/// Characters that NFKC leaves as they are, or turns from punctuation into punctuation, and
/// that do not combine with their neighbours: printable ASCII, the common Han blocks and the
/// punctuation of Chinese text. NFKC makes `（` a `(`, but both fold to a separator.
fn is_nfkc_inert(c: char) -> bool {
    matches!(
        c,
        ' '..='~'
            | '\u{3007}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '、'
            | '。'
            | '·'
            | '—'
            | '…'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '《'
            | '》'
            | '「'
            | '」'
            | '【'
            | '】'
            | '（'
            | '）'
            | '，'
            | '：'
            | '；'
            | '！'
            | '？'
            | '\u{3000}'
    )
}

/// The toneless pinyin of a Han character that the dictionary knows.
fn han_pinyin(c: char) -> Option<&'static str> {
    if !is_han(c) {
        return None;
    }
    c.to_pinyin().map(pinyin::Pinyin::plain)
}

/// Appends a pinyin syllable with `ü` written `u`.
fn push_syllable(out: &mut String, syllable: &str) {
    out.extend(syllable.chars().map(|c| if c == 'ü' { 'u' } else { c }));
}

/// Appends `c` lowercased, with `ü` written `u` as [`pinyin_key`] promises.
fn push_lower(out: &mut String, c: char) {
    for l in c.to_lowercase().filter(|l| l.is_alphanumeric()) {
        out.push(if l == 'ü' { 'u' } else { l });
    }
}

/// The first character of a non-empty string, as a string slice.
fn first_char(s: &str) -> &str {
    s.chars().next().map_or("", |c| &s[..c.len_utf8()])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn fold_collapses_punctuation_and_width() {
        assert_eq!(fold(""), "");
        assert_eq!(fold("  ，。、 "), "");
        assert_eq!(fold("Acme,Inc."), "acme inc");
        assert_eq!(fold("《华为》「技术」—…“公司”"), "华为 技术 公司");
        assert_eq!(fold("ＺＨＡＮＧ　Ｗｅｉ"), "zhang wei");
        assert_eq!(fold("张·伟"), "张 伟");
        assert_eq!(fold("Straße ÉCOLE"), "straße école");
        assert_eq!(fold("Ⅻ ②"), "xii 2");
    }

    #[test]
    fn fold_joined_drops_spaces_inside_chinese() {
        assert_eq!(fold_joined("华为 技术 （北京）"), "华为技术北京");
        assert_eq!(fold_joined("华为 Tech 技术"), "华为 tech 技术");
        assert_eq!(fold_joined("张 伟"), "张伟");
    }

    #[test]
    fn is_han_covers_the_blocks() {
        for c in ['华', '〇', '㐀', '\u{2A700}', '\u{F900}', '\u{30000}'] {
            assert!(is_han(c), "{c:?}");
        }
        for c in ['a', '1', '、', 'ア', '한'] {
            assert!(!is_han(c), "{c:?}");
        }
    }

    #[test]
    fn pinyin_key_meets_romanised_spellings() {
        assert_eq!(pinyin_key("华为"), "huawei");
        assert_eq!(pinyin_key("Hua Wei"), "huawei");
        assert_eq!(pinyin_key("HUA-WEI"), "huawei");
        assert_eq!(pinyin_key("华 为（中国）"), "huaweizhongguo");
        assert_eq!(pinyin_key("吕"), "lu");
        assert_eq!(pinyin_key("Lü"), "lu");
        assert_eq!(pinyin_key("ＡＢＣ１２３"), "abc123");
        assert_eq!(pinyin_key("、。"), "");
    }

    #[test]
    fn pinyin_initials_of_han_and_words() {
        assert_eq!(pinyin_initials("华为技术"), "hwjs");
        assert_eq!(pinyin_initials("北京 华为"), "bjhw");
        assert_eq!(pinyin_initials("Hua Wei Technology"), "hwt");
        assert_eq!(pinyin_initials("华为Tech"), "hwt");
        assert_eq!(pinyin_initials(""), "");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(text in "\\PC{0,40}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert_eq!(once.trim(), once.as_str());
            prop_assert!(!once.contains("  "));
        }

        #[test]
        fn keys_never_panic(text in "\\PC{0,40}") {
            let key = pinyin_key(&text);
            prop_assert!(key.chars().all(char::is_alphanumeric));
            pinyin_initials(&text);
        }
    }
}
