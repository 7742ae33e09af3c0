//! [`PersonKey`]: a contact's name taken apart into surname and given name, with the titles
//! people put around it taken off, and romanised keys where Chinese and pinyin spellings meet.
//!
//! One contact is typed as 「张伟」, 「张 伟」, 「张总」, `Zhang Wei`, `Wei Zhang`, `ZHANG wei`,
//! `Zhang, Wei` and `Dr Wei Zhang`. Chinese puts the surname first and romanised Chinese names
//! come in both orders, so [`PersonKey::pinyin_keys`] holds both orders, and the matcher needs
//! only one of them to meet.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{for_each_nfkc, is_han, pinyin_key, split_parentheses};
use serde::{Deserialize, Serialize};

/// A person's name normalised for duplicate detection.
///
/// Built by [`PersonKey::from_name`], which never fails: garbage gives an empty `full` and no
/// keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonKey {
    /// The name without titles and parenthesised aliases: a Chinese name as surname then given
    /// name without spaces (「张伟」), a romanised one as lowercase given names then surname
    /// (`wei zhang` for both `Zhang Wei` and `Wei Zhang`, `john smith` for `Smith, John`).
    pub full: String,
    /// The surname: 「张」, 「欧阳」, `zhang`, `smith`.
    pub surname: Option<String>,
    /// The given names, space-separated when romanised: 「伟」, `wei`, `john a`.
    pub given: Option<String>,
    /// Whether only a surname is known, as in 「张总」, 「老王」 or `Mr. Zhang`: such a key can
    /// only suggest a match, never confirm one.
    pub surname_only: bool,
    /// The title or honorific taken off: 「总」, 「经理」, 「老」, `mr`, `dr`.
    pub title: Option<String>,
    /// Surname then given name and given name then surname, in pinyin or lowercase letters
    /// without spaces (「张伟」 → `zhangwei`, `weizhang`); the surname alone when that is all
    /// there is.
    pub pinyin_keys: Vec<String>,
}

impl PersonKey {
    /// Takes a person's name apart; see the [module docs](self).
    ///
    /// A name with Han characters is read as Chinese (its Latin letters, such as an English
    /// alias, are ignored); any other as romanised.
    ///
    /// ```
    /// use crm_core::dedup::normalize::PersonKey;
    ///
    /// let chinese = PersonKey::from_name("张伟");
    /// assert_eq!(chinese.surname.as_deref(), Some("张"));
    /// assert_eq!(chinese.pinyin_keys, ["zhangwei", "weizhang"]);
    ///
    /// let romanised = PersonKey::from_name("Wei ZHANG");
    /// assert_eq!(romanised.surname.as_deref(), Some("zhang"));
    /// assert_eq!(romanised.pinyin_keys, chinese.pinyin_keys);
    ///
    /// let boss = PersonKey::from_name("张总");
    /// assert!(boss.surname_only);
    /// assert_eq!(boss.title.as_deref(), Some("总"));
    /// assert_eq!(boss.pinyin_keys, ["zhang"]);
    /// ```
    pub fn from_name(name: &str) -> PersonKey {
        let parts = split_parentheses(name);
        // A name that is all parentheses is still a name: 「（张伟）」.
        let text = if parts.body.chars().any(char::is_alphanumeric) {
            parts.body.as_str()
        } else {
            name
        };
        // Only the Han characters: 「张 伟」 is 「张伟」, and 「张伟 David」 is 「张伟」.
        let mut han = String::new();
        for_each_nfkc(text, |c| {
            if is_han(c) {
                han.push(c);
            }
        });
        if han.is_empty() {
            from_romanised(text)
        } else {
            from_han(&han)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Chinese names
// ---------------------------------------------------------------------------------------------

/// Titles written after a Chinese name: 「张总」, 「李经理」, 「王工」 (engineer), 「陈老师」.
const HAN_TITLES: &[&str] = &[
    "总",
    "总经理",
    "副总",
    "副总经理",
    "经理",
    "副经理",
    "总监",
    "总裁",
    "副总裁",
    "总工",
    "工",
    "工程师",
    "主任",
    "主管",
    "老板",
    "董事长",
    "书记",
    "先生",
    "女士",
    "小姐",
    "太太",
    "老师",
    "博士",
    "教授",
    "医生",
    "律师",
    "处长",
    "科长",
    "部长",
    "局长",
    "厂长",
    "院长",
    "校长",
    "所长",
    "会计",
    "助理",
    "秘书",
];

/// Familiar prefixes: 「老张」, 「小王」, 「阿陈」; taken off only before a bare surname, since
/// 「小明」 and 「阿强」 are given names.
const HAN_PREFIXES: &[char] = &['老', '小', '阿'];

/// The 100 most common single-character surnames, most common first (after the national
/// surveys of household registration). The order ranks romanised surnames in
/// [`SURNAME_RANK`].
const COMMON_HAN_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁\
潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦\
邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";

/// Two-character surnames: 「欧阳娜娜」 is 欧阳 + 娜娜, not 欧 + 阳娜娜.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "闻人",
    "赫连", "澹台", "公冶", "太叔", "申屠", "濮阳", "淳于", "单于", "拓跋", "司空", "东郭", "左丘",
    "第五",
];

/// Surnames read differently from the character's first dictionary reading: 单 is `shan` as a
/// surname, not `dan`; 曾 `zeng`, not `ceng`.
const SURNAME_READINGS: &[(&str, &str)] = &[
    ("单", "shan"),
    ("曾", "zeng"),
    ("解", "xie"),
    ("区", "ou"),
    ("仇", "qiu"),
    ("朴", "piao"),
    ("查", "zha"),
    ("盖", "ge"),
    ("乐", "yue"),
    ("覃", "qin"),
    ("缪", "miao"),
    ("翟", "zhai"),
    ("召", "shao"),
    ("秘", "bi"),
    ("种", "chong"),
    ("员", "yun"),
    ("黑", "he"),
    ("繁", "po"),
    ("句", "gou"),
    ("折", "she"),
    ("能", "nai"),
    ("阚", "kan"),
    ("薄", "bo"),
    ("重", "chong"),
    ("尉迟", "yuchi"),
    ("万俟", "moqi"),
    ("单于", "chanyu"),
];

/// A Chinese name, given as its Han characters only.
fn from_han(han: &str) -> PersonKey {
    let (name, suffix_title) = strip_han_title(han);
    let (name, prefix_title) = strip_han_prefix(name);
    let title = suffix_title.or(prefix_title);
    let surname_len = han_surname_len(name);
    let (surname, given) = name.split_at(surname_len);
    let surname_key = surname_pinyin(surname);
    let pinyin_keys = if given.is_empty() {
        vec![surname_key]
    } else {
        let given_key = pinyin_key(given);
        both_orders(&surname_key, &given_key)
    };
    PersonKey {
        full: name.to_owned(),
        surname: Some(surname.to_owned()),
        given: (!given.is_empty()).then(|| given.to_owned()),
        surname_only: given.is_empty(),
        title: title.map(str::to_owned),
        pinyin_keys,
    }
}

/// Takes a title off the end: 「张总经理」 → 「张」 + 「总经理」. A one-character title (总, 工)
/// only when a bare surname remains, so that a given name ending in 工 keeps it.
fn strip_han_title(name: &str) -> (&str, Option<&'static str>) {
    let found = HAN_TITLES_LONGEST_FIRST.iter().find_map(|&title| {
        let rest = name.strip_suffix(title)?;
        let single_char = title.chars().nth(1).is_none();
        let keep = !rest.is_empty() && (!single_char || is_bare_surname(rest));
        keep.then_some((rest, title))
    });
    match found {
        Some((rest, title)) => (rest, Some(title)),
        None => (name, None),
    }
}

/// Takes a familiar prefix off a bare common surname: 「老张」 → 「张」 + 「老」.
fn strip_han_prefix(name: &str) -> (&str, Option<&str>) {
    let mut chars = name.chars();
    if let (Some(prefix), Some(surname), None) = (chars.next(), chars.next(), chars.next())
        && HAN_PREFIXES.contains(&prefix)
        && COMMON_HAN_SURNAMES.contains(surname)
    {
        let len = prefix.len_utf8();
        return (&name[len..], Some(&name[..len]));
    }
    (name, None)
}

/// Whether `name` is a surname alone: one character or a compound surname.
fn is_bare_surname(name: &str) -> bool {
    name.chars().nth(1).is_none() || COMPOUND_SURNAMES.contains(&name)
}

/// The byte length of the surname at the start of a Chinese name: a compound surname, or the
/// first character.
fn han_surname_len(name: &str) -> usize {
    COMPOUND_SURNAMES
        .iter()
        .find(|compound| name.starts_with(**compound))
        .map_or_else(
            || name.chars().next().map_or(0, char::len_utf8),
            |c| c.len(),
        )
}

/// The pinyin of a Chinese surname, read as a surname (单 → `shan`).
fn surname_pinyin(surname: &str) -> String {
    SURNAME_READINGS
        .iter()
        .find(|(han, _)| *han == surname)
        .map_or_else(|| pinyin_key(surname), |(_, reading)| (*reading).to_owned())
}

static HAN_TITLES_LONGEST_FIRST: LazyLock<Vec<&str>> = LazyLock::new(|| {
    let mut titles = HAN_TITLES.to_vec();
    titles.sort_by_key(|t| std::cmp::Reverse(t.len()));
    titles
});

// ---------------------------------------------------------------------------------------------
// Romanised names
// ---------------------------------------------------------------------------------------------

/// Titles written before a romanised name, without their dots.
const LATIN_TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mdm",
];

/// Generational and academic suffixes that are not part of the name: `John Smith Jr.`,
/// `Wei Zhang, PhD`.
const POST_NOMINALS: &[&str] = &["jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"];

/// Common Hong Kong, Taiwan and Southeast Asian spellings of Chinese surnames, ranked after the
/// pinyin ones: `Lee`, `Chan`, `Wong`, `Cheung`.
const OTHER_ROMANISED_SURNAMES: &[&str] = &[
    "lee", "chan", "wong", "cheung", "chang", "chow", "lau", "ng", "ho", "tan", "lim", "tsai",
    "hsu", "kuo", "teo", "goh", "ong",
];

/// The rank of each romanised Chinese surname, most common first: the pinyin of
/// [`COMMON_HAN_SURNAMES`], then of the compound surnames, then
/// [`OTHER_ROMANISED_SURNAMES`]. A spelling shared by several surnames (`xu` for 徐 and 许)
/// takes the best rank.
static SURNAME_RANK: LazyLock<HashMap<String, usize>> = LazyLock::new(|| {
    let mut buf = [0u8; 4];
    let singles = COMMON_HAN_SURNAMES
        .chars()
        .map(|c| surname_pinyin(c.encode_utf8(&mut buf)));
    let compounds = COMPOUND_SURNAMES.iter().map(|s| surname_pinyin(s));
    let others = OTHER_ROMANISED_SURNAMES.iter().map(|s| (*s).to_owned());
    let mut ranks = HashMap::new();
    for (rank, spelling) in singles.chain(compounds).chain(others).enumerate() {
        ranks.entry(spelling).or_insert(rank);
    }
    ranks
});

/// One word of a romanised name.
struct Word {
    /// Lowercase letters and digits (`ü` as `u`), hyphens and apostrophes dropped:
    /// `Wei-Ming` → `weiming`, `O'Brien` → `obrien`.
    text: String,
    /// Written in capitals, as surnames are in `ZHANG Wei`.
    capitals: bool,
}

impl Word {
    /// A single letter: `J.` in `J. Smith`, `A.` in `John A. Smith`.
    fn is_initial(&self) -> bool {
        self.text.chars().nth(1).is_none()
    }
}

/// A name without Han characters: `Zhang Wei`, `Smith, John`, `Mrs. Mary Jones`.
fn from_romanised(text: &str) -> PersonKey {
    let (mut before, mut after) = romanised_words(text);
    let title = strip_latin_title(&mut before);
    before.retain(|w| !POST_NOMINALS.contains(&w.text.as_str()));
    after.retain(|w| !POST_NOMINALS.contains(&w.text.as_str()));
    let (surname, given) = if before.is_empty() || after.is_empty() {
        // No comma, or nothing but suffixes on one side of it: `John Smith, Jr.`.
        before.append(&mut after);
        split_romanised(before, title.is_some())
    } else {
        // `Zhang, Wei` and `Smith, John`: the comma says which is the surname.
        (before, after)
    };
    romanised_key(&surname, &given, title)
}

/// The words of a romanised name, before and after its first comma.
fn romanised_words(text: &str) -> (Vec<Word>, Vec<Word>) {
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let mut comma_seen = false;
    let mut word = WordBuilder::default();
    let mut end_word = |word: &mut WordBuilder, comma_seen: bool| {
        if let Some(done) = word.finish() {
            if comma_seen { &mut after } else { &mut before }.push(done);
        }
    };
    for_each_nfkc(text, |c| {
        if c.is_alphanumeric() {
            word.push(c);
        } else if !matches!(c, '-' | '\'' | '‘' | '’') {
            // Hyphens and apostrophes join (`Wei-Ming`, `O'Brien`); anything else separates.
            end_word(&mut word, comma_seen);
            comma_seen |= matches!(c, ',' | '，');
        }
    });
    end_word(&mut word, comma_seen);
    (before, after)
}

/// A [`Word`] being read, with the counts that tell whether it is written in capitals.
#[derive(Default)]
struct WordBuilder {
    text: String,
    letters: usize,
    capitals: usize,
}

impl WordBuilder {
    fn push(&mut self, c: char) {
        self.text.push(c);
        self.letters += usize::from(c.is_alphabetic());
        self.capitals += usize::from(c.is_uppercase());
    }

    /// The word read so far, if any, and a fresh start.
    fn finish(&mut self) -> Option<Word> {
        let text = pinyin_key(&self.text);
        let capitals = self.letters > 1 && self.capitals == self.letters;
        self.text.clear();
        self.letters = 0;
        self.capitals = 0;
        (!text.is_empty()).then_some(Word { text, capitals })
    }
}

/// Takes titles off the front (`Mr.`, `Dr`), leaving at least one word; returns the first.
fn strip_latin_title(words: &mut Vec<Word>) -> Option<String> {
    let count = words
        .iter()
        .take(words.len().saturating_sub(1))
        .take_while(|w| LATIN_TITLES.contains(&w.text.as_str()))
        .count();
    let mut titles = words.drain(..count);
    titles.next().map(|w| w.text)
}

/// Splits words without a comma into (surname, given). One word is a surname when a title came
/// before it (`Mr. Zhang`) or it is a Chinese surname, else a given name. Of several, the
/// surname is the first or the last word, chosen by the first rule that decides:
/// 1. the other one is an initial: `J. Smith`, `Zhang W.`;
/// 2. it alone is in capitals: `ZHANG Wei`, `Wei ZHANG`;
/// 3. it alone is a common Chinese surname, or the more common of two: `Wei Zhang`,
///    `Zhang Wei` (张 ranks above 魏);
/// 4. otherwise English order, given names first: `John A. Smith`.
fn split_romanised(mut words: Vec<Word>, titled: bool) -> (Vec<Word>, Vec<Word>) {
    match words.as_slice() {
        [one] if titled || SURNAME_RANK.contains_key(&one.text) => return (words, Vec::new()),
        [] | [_] => return (Vec::new(), words),
        _ => {}
    }
    let at = if surname_is_first(&words[0], &words[words.len() - 1]) {
        0
    } else {
        words.len() - 1
    };
    let surname = words.remove(at);
    (vec![surname], words)
}

/// Whether the first word rather than the last is the surname; see [`split_romanised`].
fn surname_is_first(first: &Word, last: &Word) -> bool {
    if first.is_initial() != last.is_initial() {
        return last.is_initial();
    }
    if first.capitals != last.capitals {
        return first.capitals;
    }
    let rank = |w: &Word| SURNAME_RANK.get(&w.text).copied();
    match (rank(first), rank(last)) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The key of a romanised name split into surname and given names.
fn romanised_key(surname: &[Word], given: &[Word], title: Option<String>) -> PersonKey {
    let join = |words: &[Word]| {
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        texts.join(" ")
    };
    let surname_text = join(surname);
    let given_text = join(given);
    let full = match (surname_text.is_empty(), given_text.is_empty()) {
        (false, false) => format!("{given_text} {surname_text}"),
        (false, true) => surname_text.clone(),
        _ => given_text.clone(),
    };
    let surname_key: String = surname.iter().map(|w| w.text.as_str()).collect();
    let given_key = given_key(given);
    let pinyin_keys = match (surname_key.is_empty(), given_key.is_empty()) {
        (false, false) => both_orders(&surname_key, &given_key),
        (true, true) => Vec::new(),
        (false, true) => vec![surname_key],
        (true, false) => vec![given_key],
    };
    PersonKey {
        full,
        surname: (!surname_text.is_empty()).then_some(surname_text),
        given: (!given_text.is_empty()).then_some(given_text),
        surname_only: !surname.is_empty() && given.is_empty(),
        title,
        pinyin_keys,
    }
}

/// The given names run together, leaving out middle initials when a full given name is there:
/// `John A. Smith` meets `John Smith`.
fn given_key(given: &[Word]) -> String {
    let has_full_name = given.iter().any(|w| !w.is_initial());
    given
        .iter()
        .filter(|w| !has_full_name || !w.is_initial())
        .map(|w| w.text.as_str())
        .collect()
}

/// Surname then given name, and given name then surname.
fn both_orders(surname: &str, given: &str) -> Vec<String> {
    vec![format!("{surname}{given}"), format!("{given}{surname}")]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn key(name: &str) -> PersonKey {
        PersonKey::from_name(name)
    }

    fn parts(name: &str) -> (Option<String>, Option<String>) {
        let k = key(name);
        (k.surname, k.given)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn chinese_and_romanised_spellings_meet() {
        for name in [
            "张伟",
            "张 伟",
            "Zhang Wei",
            "Wei Zhang",
            "ZHANG wei",
            "Zhang, Wei",
            "Dr Wei Zhang",
            "Zhang Wei (David)",
            "张伟（David）",
        ] {
            let k = key(name);
            assert!(
                k.pinyin_keys.iter().any(|p| p == "zhangwei"),
                "{name}: {k:?}"
            );
            assert_eq!(k.pinyin_keys, ["zhangwei", "weizhang"], "{name}");
            assert!(!k.surname_only, "{name}");
        }
    }

    #[test]
    fn chinese_names() {
        assert_eq!(parts("张伟"), (some("张"), some("伟")));
        assert_eq!(parts("张 伟"), (some("张"), some("伟")));
        assert_eq!(key("张伟").full, "张伟");
        assert_eq!(parts("欧阳娜娜"), (some("欧阳"), some("娜娜")));
        assert_eq!(key("欧阳娜娜").pinyin_keys, ["ouyangnana", "nanaouyang"]);
        assert_eq!(parts("司马光"), (some("司马"), some("光")));
        assert_eq!(parts("诸葛亮"), (some("诸葛"), some("亮")));
        assert_eq!(parts("王小明"), (some("王"), some("小明")));
        assert_eq!(key("单雄信").pinyin_keys[0], "shanxiongxin");
        assert_eq!(key("曾国藩").pinyin_keys[0], "zengguofan");
        assert_eq!(key("尉迟恭").pinyin_keys[0], "yuchigong");
        assert_eq!(key("吕布").pinyin_keys[0], "lubu");
    }

    #[test]
    fn chinese_titles() {
        let boss = key("张总");
        assert_eq!(boss.surname.as_deref(), Some("张"));
        assert!(boss.surname_only);
        assert_eq!(boss.given, None);
        assert_eq!(boss.title.as_deref(), Some("总"));
        assert_eq!(boss.pinyin_keys, ["zhang"]);
        assert_eq!(boss.full, "张");

        for (name, surname, title) in [
            ("李经理", "李", "经理"),
            ("王总经理", "王", "总经理"),
            ("陈工", "陈", "工"),
            ("刘老师", "刘", "老师"),
            ("欧阳总", "欧阳", "总"),
            ("赵董事长", "赵", "董事长"),
            ("老张", "张", "老"),
            ("小王", "王", "小"),
            ("阿陈", "陈", "阿"),
        ] {
            let k = key(name);
            assert_eq!(k.surname.as_deref(), Some(surname), "{name}");
            assert_eq!(k.title.as_deref(), Some(title), "{name}");
            assert!(k.surname_only, "{name}");
        }

        let sir = key("张伟先生");
        assert_eq!((sir.surname, sir.given), (some("张"), some("伟")));
        assert_eq!(sir.title.as_deref(), Some("先生"));
        assert!(!sir.surname_only);
    }

    #[test]
    fn familiar_prefixes_only_before_a_surname() {
        assert_eq!(parts("小明"), (some("小"), some("明")));
        assert_eq!(parts("阿强"), (some("阿"), some("强")));
        assert_eq!(key("小明").title, None);
        // A one-character title is not taken off a given name.
        assert_eq!(parts("王建工"), (some("王"), some("建工")));
        // Nor is a title that is the whole name.
        assert_eq!(parts("总"), (some("总"), None));
    }

    #[test]
    fn romanised_chinese_names() {
        assert_eq!(parts("Zhang Wei"), (some("zhang"), some("wei")));
        assert_eq!(parts("Wei Zhang"), (some("zhang"), some("wei")));
        assert_eq!(parts("ZHANG wei"), (some("zhang"), some("wei")));
        assert_eq!(parts("Wei ZHANG"), (some("zhang"), some("wei")));
        assert_eq!(parts("Zhang, Wei"), (some("zhang"), some("wei")));
        assert_eq!(parts("Wei，Zhang"), (some("wei"), some("zhang")));
        assert_eq!(parts("Dr Wei Zhang"), (some("zhang"), some("wei")));
        assert_eq!(parts("Zhang Wei (David)"), (some("zhang"), some("wei")));
        assert_eq!(parts("Li Xiaoming"), (some("li"), some("xiaoming")));
        assert_eq!(parts("Wei-Ming Chen"), (some("chen"), some("weiming")));
        assert_eq!(key("Wei Ming Zhang").pinyin_keys, key("张伟明").pinyin_keys);
        assert_eq!(key("Zhang Wei").full, "wei zhang");
        assert_eq!(key("Dr Wei Zhang").title.as_deref(), Some("dr"));
        assert_eq!(key("Ouyang Nana").pinyin_keys, key("欧阳娜娜").pinyin_keys);
        assert_eq!(parts("Chan Tai Man"), (some("chan"), some("tai man")));
    }

    #[test]
    fn common_surnames_are_known_in_pinyin() {
        let common = "zhang wang li liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao \
                      lin luo zheng liang song xie tang han feng deng cao peng zeng xiao tian \
                      dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao jin \
                      ouyang lee wong";
        for surname in common.split_whitespace() {
            assert!(SURNAME_RANK.contains_key(surname), "{surname}");
        }
        for word in ["john", "smith", "mary", "david", "dan"] {
            assert!(!SURNAME_RANK.contains_key(word), "{word}");
        }
    }

    #[test]
    fn surname_alone() {
        let mr = key("Mr. Zhang");
        assert_eq!(mr.surname.as_deref(), Some("zhang"));
        assert!(mr.surname_only);
        assert_eq!(mr.title.as_deref(), Some("mr"));
        assert_eq!(mr.pinyin_keys, ["zhang"]);
        assert!(key("Zhang").surname_only);
        let john = key("John");
        assert_eq!((john.surname, john.given), (None, some("john")));
        assert!(!john.surname_only);
        assert_eq!(john.pinyin_keys, ["john"]);
    }

    #[test]
    fn english_names() {
        assert_eq!(parts("John Smith"), (some("smith"), some("john")));
        assert_eq!(parts("Smith, John"), (some("smith"), some("john")));
        assert_eq!(
            key("Smith, John").pinyin_keys,
            key("John Smith").pinyin_keys
        );
        assert_eq!(key("Smith, John").full, key("John Smith").full);
        assert_eq!(parts("John A. Smith"), (some("smith"), some("john a")));
        assert_eq!(
            key("John A. Smith").pinyin_keys,
            key("John Smith").pinyin_keys
        );
        assert_eq!(key("J. Smith").pinyin_keys, ["smithj", "jsmith"]);
        let mrs = key("Mrs. Mary Jones");
        assert_eq!((mrs.surname, mrs.given), (some("jones"), some("mary")));
        assert_eq!(mrs.title.as_deref(), Some("mrs"));
        assert_eq!(parts("John Smith, Jr."), (some("smith"), some("john")));
        assert_eq!(parts("Seán O'Brien"), (some("obrien"), some("seán")));
        assert_eq!(parts("SMITH John"), (some("smith"), some("john")));
        assert_eq!(
            parts("van der Berg, Anna"),
            (some("van der berg"), some("anna"))
        );
    }

    #[test]
    fn serde_round_trip() {
        let k = key("张总");
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<PersonKey>(&json).unwrap(), k);
    }

    #[test]
    fn garbage_does_not_panic() {
        for name in [
            "",
            " ",
            ",",
            "()",
            "（）",
            "Mr.",
            "Dr Mr",
            ", ,",
            "---",
            "总经理",
            "老",
        ] {
            let k = key(name);
            assert!(k.pinyin_keys.iter().all(|p| !p.is_empty()), "{name}: {k:?}");
        }
        assert_eq!(key("").pinyin_keys, Vec::<String>::new());
        assert_eq!(key("Mr.").given.as_deref(), Some("mr"));
    }

    proptest! {
        #[test]
        fn never_panics(name in "\\PC{0,40}") {
            let k = PersonKey::from_name(&name);
            prop_assert!(k.pinyin_keys.len() <= 2);
            prop_assert_eq!(k.surname_only, k.surname.is_some() && k.given.is_none());
        }

        #[test]
        fn never_panics_on_name_like_text(name in "[张王欧阳总老小阿经理先生 ,.()a-zA-Z'-]{0,20}") {
            PersonKey::from_name(&name);
        }
    }
}
