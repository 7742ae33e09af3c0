//! [`CompanyKey`]: a company name taken apart into the brand that identifies the customer, its
//! legal form, its region and its branch.
//!
//! One customer is typed as 「北京华为技术有限公司」, 「华为技术（北京）有限公司」, 「华为技术」 and
//! `Beijing Hua Wei Technology Co., Ltd.`. The legal form, the region and the industry word are
//! what varies between these spellings, so they are taken off the core; the region and the
//! branch are kept beside it, because 「华为北京分公司」 and 「华为上海分公司」 are two customers.
//!
//! Parenthesised text is set aside first: it holds a region (「（北京）」), a legal form
//! (「（有限合伙）」) or nothing that tells customers apart (「（中国）」「（集团）」「（筹）」). The rest
//! is folded ([`fold`](super::fold), without the spaces people type between Han characters:
//! 「华为 技术」) and trimmed, one rule at a time, until no rule applies:
//! 1. a branch at the end: 「…深圳分公司」, 「…北京朝阳支行」, `… Shanghai Branch`;
//! 2. a legal form at the end: 「…有限公司」, `… Co., Ltd.`;
//! 3. a region at the end: 「中国移动通信集团广东」, `Huawei Technologies Shenzhen`;
//! 4. an industry word at the end: 「华为技术」, `Acme Trading`;
//! 5. a region at the start, with its district after 「市」: 「北京华为」, 「深圳市南山区…」,
//!    `Beijing Hua Wei`;
//! 6. 中国 or `China` at the start: 「中国华为」, `China Merchants Bank`.
//!
//! The end goes first, so that rules 3, 5 and 6, which keep a region or the country when only
//! sector words would follow (「北京银行」, 「中国银行」), judge what is left of the name, not its
//! legal form. Because the trimming runs to a fixed point, the core of a core is itself.

use std::cmp::Reverse;
use std::ops::Range;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{fold_joined, is_han, pinyin_key, split_parentheses};
use crate::value::Region;

/// The legal form a company name ends with, coarsely: enough to tell 「华为技术有限公司」 from
/// 「华为集团」 or an office, not a legal classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalForm {
    /// 有限公司, 有限责任公司; `Co., Ltd.`, `Limited`, `LLC`, `GmbH`, `Pte Ltd`.
    LimitedLiability,
    /// 股份有限公司; `Inc.`, `Corp.`, `AG`, `S.A.`, `PLC`.
    JointStock,
    /// 集团, 集团有限公司; `Group`. Wins over the form it is combined with, because a group and
    /// its operating company are different customers.
    Group,
    /// A bare 公司 or `Company`, `Co.`.
    Company,
    /// 合伙企业, （有限合伙）, （普通合伙）; `LLP`, `LP`.
    Partnership,
    /// The other trailing words that say what kind of body this is: 厂, 工作室, 事务所, 研究院,
    /// 中心.
    Other,
}

/// A company name normalised for duplicate detection.
///
/// Built by [`CompanyKey::from_name`], which never fails: garbage gives an empty `core`, which
/// the matcher should treat as "no name to compare".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyKey {
    /// The brand: the folded name without its legal form, region, branch, leading 中国/`China`
    /// and trailing industry words (「华为」, `acme`, `hua wei`). Those are kept when nothing
    /// distinctive would remain, so 「中国银行」 and 「北京银行」 keep their whole names.
    pub core: String,
    /// The legal form the name ended with, if any.
    pub legal_form: Option<LegalForm>,
    /// The region the name places the company in: the branch's region, else a region at the
    /// start (「北京华为」, `Beijing Hua Wei`), else a parenthesised one (「华为（北京）」), else one
    /// at the end (「…集团广东」, `Huawei Shenzhen`). It is noted even where it stays in the core
    /// (「北京银行」).
    pub region: Option<Region>,
    /// The branch the name ends with, folded: 「深圳分公司」, 「北京朝阳支行」, `shanghai branch`.
    pub branch: Option<String>,
    /// [`pinyin_key`] of `core`, where Chinese and romanised spellings meet: `huawei`.
    pub pinyin: String,
}

impl CompanyKey {
    /// Takes a company name apart; see the [module docs](self) for the rules.
    ///
    /// ```
    /// use crm_core::dedup::normalize::{CompanyKey, LegalForm};
    /// use crm_core::value::Region;
    ///
    /// let key = CompanyKey::from_name("华为技术（北京）有限公司");
    /// assert_eq!(key.core, "华为");
    /// assert_eq!(key.pinyin, "huawei");
    /// assert_eq!(key.legal_form, Some(LegalForm::LimitedLiability));
    /// assert_eq!(key.region, Region::parse("北京").ok());
    ///
    /// let english = CompanyKey::from_name("Beijing Hua Wei Technology Co., Ltd.");
    /// assert_eq!(english.pinyin, key.pinyin);
    /// assert_eq!(english.region, key.region);
    /// ```
    pub fn from_name(name: &str) -> CompanyKey {
        let parts = split_parentheses(name);
        let mut folded = fold_joined(&parts.body);
        let groups = if folded.is_empty() {
            // Nothing outside the parentheses: the parenthesised text is the name.
            folded = fold_joined(name);
            Vec::new()
        } else {
            parts.groups
        };
        let mut reducer = Reducer::new(&folded);
        reducer.run();
        let paren = ParenInfo::of(&groups);

        let core = reducer.current().to_owned();
        CompanyKey {
            pinyin: pinyin_key(&core),
            legal_form: reducer.legal.or(paren.legal),
            region: reducer
                .branch_region
                .or(reducer.lead_region)
                .or(paren.region)
                .or(reducer.tail_region),
            branch: reducer.branch,
            core,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Word tables
// ---------------------------------------------------------------------------------------------

/// Legal forms, matched at the end. A Han entry matches as a plain suffix; a Latin entry as
/// whole words of the folded name, so `Co., Ltd.`, `Co Ltd` and `CO.,LTD` all fold to `co ltd`.
const LEGAL_FORMS: &[(&str, LegalForm)] = &[
    ("集团股份有限公司", LegalForm::Group),
    ("集团有限公司", LegalForm::Group),
    ("集团公司", LegalForm::Group),
    ("集团", LegalForm::Group),
    ("有限责任公司", LegalForm::LimitedLiability),
    ("有限公司", LegalForm::LimitedLiability),
    ("股份有限公司", LegalForm::JointStock),
    ("股份公司", LegalForm::JointStock),
    ("公司", LegalForm::Company),
    ("合伙企业", LegalForm::Partnership),
    ("有限合伙", LegalForm::Partnership),
    ("普通合伙", LegalForm::Partnership),
    ("厂", LegalForm::Other),
    ("工作室", LegalForm::Other),
    ("事务所", LegalForm::Other),
    ("研究院", LegalForm::Other),
    // Only after other text: 「数据中心」 is a body of some kind, 「中心」 alone is a word.
    (CENTRE, LegalForm::Other),
    ("co ltd", LegalForm::LimitedLiability),
    ("co limited", LegalForm::LimitedLiability),
    ("company limited", LegalForm::LimitedLiability),
    ("company ltd", LegalForm::LimitedLiability),
    ("pte ltd", LegalForm::LimitedLiability),
    ("pvt ltd", LegalForm::LimitedLiability),
    ("private limited", LegalForm::LimitedLiability),
    ("limited", LegalForm::LimitedLiability),
    ("ltd", LegalForm::LimitedLiability),
    ("llc", LegalForm::LimitedLiability),
    ("l l c", LegalForm::LimitedLiability),
    ("gmbh", LegalForm::LimitedLiability),
    ("inc", LegalForm::JointStock),
    ("incorporated", LegalForm::JointStock),
    ("corp", LegalForm::JointStock),
    ("corporation", LegalForm::JointStock),
    ("ag", LegalForm::JointStock),
    ("s a", LegalForm::JointStock),
    ("plc", LegalForm::JointStock),
    ("group", LegalForm::Group),
    ("company", LegalForm::Company),
    ("co", LegalForm::Company),
    ("llp", LegalForm::Partnership),
    ("lp", LegalForm::Partnership),
];

/// 「中心」, a legal-ish word only after other text.
const CENTRE: &str = "中心";

/// Industry words that people add or leave out at will (「华为技术」 is 「华为」,
/// `Acme Trading` is `Acme`): taken off the end of the core while something remains.
const INDUSTRY_WORDS: &[&str] = &[
    "科技",
    "技术",
    "信息",
    "信息技术",
    "网络",
    "软件",
    "电子",
    "实业",
    "贸易",
    "商贸",
    "发展",
    "咨询",
    "服务",
    "管理",
    "工程",
    "国际",
    "控股",
    "通信",
    "technology",
    "technologies",
    "tech",
    "information",
    "systems",
    "solutions",
    "international",
    "holdings",
    "holding",
    "trading",
    "industrial",
    "enterprises",
    "services",
    "software",
    "electronics",
    "consulting",
    "development",
    "management",
    "engineering",
];

/// Words that name a sector rather than a company (「银行」, `Bank of`): never taken off the
/// core, but a leading region or 中国/`China` stays on when only these would follow it, so
/// 「中国银行」 and 「北京银行」 keep their whole names while 「中国工商银行」 becomes 「工商银行」.
const SECTOR_WORDS: &[&str] = &[
    "银行",
    "保险",
    "人寿",
    "证券",
    "信托",
    "基金",
    "石油",
    "石化",
    "电信",
    "移动",
    "联通",
    "邮政",
    "铁路",
    "航空",
    "电力",
    "建筑",
    "汽车",
    "医药",
    "能源",
    "化工",
    "钢铁",
    "传媒",
    "大学",
    "学院",
    "医院",
    "烟草",
    "bank",
    "insurance",
    "life",
    "securities",
    "trust",
    "fund",
    "petroleum",
    "petrochemical",
    "oil",
    "telecom",
    "telecommunications",
    "mobile",
    "unicom",
    "post",
    "railway",
    "airlines",
    "power",
    "construction",
    "motors",
    "automotive",
    "pharmaceutical",
    "energy",
    "chemical",
    "steel",
    "media",
    "university",
    "college",
    "hospital",
    "of",
    "the",
    "and",
];

/// Branch suffixes: the text before one, back to the company's own name, is the branch's place.
const BRANCH_SUFFIXES: &[&str] = &[
    "分公司",
    "分厂",
    "分店",
    "分行",
    "支行",
    "分理处",
    "办事处",
    "代表处",
    "营业部",
    "分部",
    "分所",
    "分院",
    "分社",
    "分中心",
    "branch office",
    "branch",
    "representative office",
    "rep office",
];

/// Where the company's own name ends and a branch's place begins: 「工商银行 | 北京朝阳支行」,
/// 「华为技术有限公司 | 深圳分公司」. A space counts too.
const BRANCH_ANCHORS: &[&str] = &["公司", "集团", "银行", "厂", " "];

/// The longest place name before a branch suffix, in characters (「广西壮族自治区南宁市」 is 10).
const MAX_PLACE_CHARS: usize = 12;

/// What a county-level district's name ends with: 区, 县 and the 旗 of Inner Mongolia.
const DISTRICT_SUFFIXES: [char; 3] = ['区', '县', '旗'];

/// The leading word that names the country, not the company (「中国华为」, `China Merchants Bank`).
const COUNTRY_WORDS: &[&str] = &["中国", "china"];

/// English region names that are far more often a word or a brand in an English company name
/// (`Ali Baba Trading`) than the region (阿里地区, 阿坝, 伊犁, 阿拉尔).
const NOT_REGION_WORDS: &[&str] = &["ali", "aba", "ili", "aral"];

/// Words matched at the end of a folded name, grouped by their last character so that a
/// lookup tries only the few that can match, and longest first, so that 「有限公司」 is tried
/// before 「公司」 and `co ltd` before `ltd`.
struct SuffixTable<T> {
    /// (last character, word, value), sorted by last character, then longest first.
    entries: Vec<(char, &'static str, T)>,
}

impl<T: Copy> SuffixTable<T> {
    fn new(words: impl IntoIterator<Item = (&'static str, T)>) -> SuffixTable<T> {
        let mut entries: Vec<(char, &'static str, T)> = words
            .into_iter()
            .filter_map(|(word, value)| Some((word.chars().next_back()?, word, value)))
            .collect();
        entries.sort_by_key(|&(last, word, _)| (last, Reverse(word.len())));
        SuffixTable { entries }
    }

    /// The words that end with `last`, longest first.
    fn ending_in(&self, last: char) -> impl Iterator<Item = &(char, &'static str, T)> {
        let from = self.entries.partition_point(|e| e.0 < last);
        self.entries[from..].iter().take_while(move |e| e.0 == last)
    }

    /// `text` without the longest word it ends with for which `accept(word, rest)` holds, and
    /// the word's value; see [`strip_suffix`].
    fn strip<'t>(
        &self,
        text: &'t str,
        accept: impl Fn(&str, &str) -> bool,
    ) -> Option<(&'t str, T)> {
        let last = text.chars().next_back()?;
        self.ending_in(last).find_map(|&(_, word, value)| {
            strip_suffix(text, word)
                .filter(|rest| accept(word, rest))
                .map(|rest| (rest, value))
        })
    }

    /// The value of `word` if it is in the table.
    fn get(&self, word: &str) -> Option<T> {
        let last = word.chars().next_back()?;
        self.ending_in(last)
            .find(|e| e.1 == word)
            .map(|&(_, _, value)| value)
    }
}

/// For [`SuffixTable::strip`]: any word, whatever remains.
fn accept_any(_: &str, _: &str) -> bool {
    true
}

static LEGAL: LazyLock<SuffixTable<LegalForm>> =
    LazyLock::new(|| SuffixTable::new(LEGAL_FORMS.iter().copied()));
static INDUSTRY: LazyLock<SuffixTable<()>> =
    LazyLock::new(|| SuffixTable::new(INDUSTRY_WORDS.iter().map(|&w| (w, ()))));
static NON_DISTINCTIVE: LazyLock<SuffixTable<()>> =
    LazyLock::new(|| SuffixTable::new(INDUSTRY_WORDS.iter().chain(SECTOR_WORDS).map(|&w| (w, ()))));
static BRANCHES: LazyLock<SuffixTable<()>> =
    LazyLock::new(|| SuffixTable::new(BRANCH_SUFFIXES.iter().map(|&w| (w, ()))));

/// The characters a Chinese region name can end with, sorted: the last character of each full
/// and short name, and of the suffixes that [`Region::longest_prefix`] also accepts after a
/// short name (「深圳市」, 「广东省」, 「延边州」, 「广西自治区」, 「香港特区」). A name ending in anything else cannot end in a region, which spares a dozen
/// prefix lookups for most names.
static REGION_FINAL_CHARS: LazyLock<Vec<char>> = LazyLock::new(|| {
    let mut chars: Vec<char> = Region::all()
        .flat_map(|r| [r.name(), r.short_name()])
        .filter_map(|name| name.chars().next_back())
        .chain(['市', '省', '州', '区'])
        .collect();
    chars.sort_unstable();
    chars.dedup();
    chars
});

// ---------------------------------------------------------------------------------------------
// Parentheses
// ---------------------------------------------------------------------------------------------

/// What the parenthesised groups say: 「（北京）」 a region, 「（有限合伙）」 a legal form; the
/// rest (「（中国）」「（集团）」「（筹）」) says nothing about which customer this is.
struct ParenInfo {
    region: Option<Region>,
    legal: Option<LegalForm>,
}

impl ParenInfo {
    fn of(groups: &[String]) -> ParenInfo {
        let mut info = ParenInfo {
            region: None,
            legal: None,
        };
        for group in groups {
            if let Some(form) = LEGAL.get(group) {
                info.legal.get_or_insert(form);
                continue;
            }
            if info.region.is_none() {
                info.region = region_named(group);
            }
        }
        info
    }
}

// ---------------------------------------------------------------------------------------------
// The reduction to the core
// ---------------------------------------------------------------------------------------------

/// How a rule shortens the current text.
enum Cut {
    /// Keep the first `n` bytes.
    Keep(usize),
    /// Drop the first `n` bytes.
    Drop(usize),
}

/// Trims the folded name down to its core, collecting what it trims.
struct Reducer<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    legal: Option<LegalForm>,
    branch: Option<String>,
    branch_region: Option<Region>,
    lead_region: Option<Region>,
    tail_region: Option<Region>,
    /// The regions that English words at byte ranges of `text` name: the same words come up as
    /// the leading and the trailing ones as the name shrinks, and each lookup costs a parse.
    latin_cache: Vec<(Range<usize>, Option<Region>)>,
}

impl<'a> Reducer<'a> {
    fn new(text: &'a str) -> Reducer<'a> {
        Reducer {
            text,
            start: 0,
            end: text.len(),
            legal: None,
            branch: None,
            branch_region: None,
            lead_region: None,
            tail_region: None,
            latin_cache: Vec::new(),
        }
    }

    fn current(&self) -> &'a str {
        &self.text[self.start..self.end]
    }

    /// Applies the rules until none applies. Every rule removes at least one byte when it
    /// applies, so this ends; a cut that removed nothing would end it too.
    fn run(&mut self) {
        while let Some(cut) = self.next_cut() {
            let before = (self.start, self.end);
            match cut {
                Cut::Keep(n) => self.end = self.start + n,
                Cut::Drop(n) => self.start += n,
            }
            let trimmed = self.current().trim_start();
            self.start = self.end - trimmed.len();
            self.end = self.start + trimmed.trim_end().len();
            if (self.start, self.end) == before {
                break;
            }
        }
    }

    /// The first rule that applies, in order: branch, legal form, trailing region, industry
    /// word, leading region, country.
    fn next_cut(&mut self) -> Option<Cut> {
        let current = self.current();
        if current.is_empty() {
            return None;
        }
        // The end of the name is trimmed first, so that whether something distinctive follows a
        // leading region or 中国 is judged on what is left of the name, not on its legal form.
        self.cut_branch(current)
            .or_else(|| self.cut_legal_form(current))
            .or_else(|| self.cut_tail_region(current))
            .or_else(|| cut_industry_word(current))
            .or_else(|| self.cut_lead_region(current))
            .or_else(|| cut_country(current))
    }

    /// 「华为技术有限公司深圳分公司」: the branch is 「深圳分公司」, in 深圳. Only the first (last in
    /// the name) branch is kept.
    fn cut_branch(&mut self, current: &'a str) -> Option<Cut> {
        let (before, ()) = BRANCHES.strip(current, accept_any)?;
        let place_start = branch_place_start(before);
        let place = &before[place_start..];
        if self.branch.is_none() {
            self.branch = Some(current[place_start..].to_owned());
            self.branch_region = Region::longest_prefix(place)
                .map(|(region, _)| region)
                .or_else(|| region_named(place));
        }
        Some(Cut::Keep(place_start))
    }

    fn cut_legal_form(&mut self, current: &str) -> Option<Cut> {
        let (rest, form) = LEGAL.strip(current, |word, rest| word != CENTRE || !rest.is_empty())?;
        self.legal = match (self.legal, form) {
            (Some(_), LegalForm::Group) | (None, _) => Some(form),
            (kept, _) => kept,
        };
        Some(Cut::Keep(rest.len()))
    }

    /// 「北京华为」, 「广东省深圳市腾讯」, `Beijing Hua Wei`: the region is noted, and taken off the
    /// core only when something distinctive follows it (not in 「北京银行」).
    fn cut_lead_region(&mut self, current: &str) -> Option<Cut> {
        let (region, len) = if current.starts_with(is_han) {
            let (region, len) = Region::longest_prefix(current)?;
            // 「深圳市南山区」: the district goes with its city. Only after 「市」, which marks the
            // end of the city's name: in 「北京华为区块链」 「华为区」 is no district.
            let district = if current[..len].ends_with('市') {
                district_len(&current[len..])
            } else {
                0
            };
            Some((region, len + district))
        } else {
            let start = self.start;
            latin_lead_region(current, |words| {
                self.latin_region(start + words.start, start + words.end)
            })
        }?;
        self.lead_region.get_or_insert(region);
        is_distinctive(&current[len..]).then_some(Cut::Drop(len))
    }

    /// 「中国移动通信集团广东」, `Huawei Technologies Shenzhen`: a region at the end of the name,
    /// where provincial subsidiaries and English names put it.
    fn cut_tail_region(&mut self, current: &str) -> Option<Cut> {
        let (region, len) = if current.ends_with(is_han) {
            han_tail_region(current)
        } else {
            let start = self.start;
            latin_tail_region(current, |words| {
                self.latin_region(start + words.start, start + words.end)
            })
        }?;
        self.tail_region.get_or_insert(region);
        let rest = &current[..current.len() - len];
        is_distinctive(rest).then_some(Cut::Keep(rest.len()))
    }

    /// [`latin_region`] of `text[start..end]`, looked up once per range.
    fn latin_region(&mut self, start: usize, end: usize) -> Option<Region> {
        if let Some((_, found)) = self.latin_cache.iter().find(|(r, _)| *r == (start..end)) {
            return *found;
        }
        let found = latin_region(&self.text[start..end]);
        self.latin_cache.push((start..end, found));
        found
    }
}

/// The byte length of the district that begins `text` (「南山区」, 「浦东新区」, 「涞水县」), or 0:
/// one to three characters and a district suffix, not followed by what makes 「区」 part of a
/// word (「区块链」, 「区域」).
fn district_len(text: &str) -> usize {
    let Some((i, suffix)) = text
        .char_indices()
        .take(4)
        .skip(1)
        .find(|&(_, c)| DISTRICT_SUFFIXES.contains(&c))
    else {
        return 0;
    };
    let end = i + suffix.len_utf8();
    if text[end..].starts_with(['块', '域']) {
        0
    } else {
        end
    }
}

/// 「中国华为」 → 「华为」, `China Merchants Bank` → `merchants bank`; 「中国银行」 stays whole.
fn cut_country(current: &str) -> Option<Cut> {
    COUNTRY_WORDS
        .iter()
        .find_map(|word| strip_prefix(current, word))
        .filter(|rest| is_distinctive(rest))
        .map(|rest| Cut::Drop(current.len() - rest.len()))
}

/// 「华为技术」 → 「华为」, `acme trading` → `acme`, while something remains.
fn cut_industry_word(current: &str) -> Option<Cut> {
    INDUSTRY
        .strip(current, |_, rest| !rest.is_empty())
        .map(|(rest, ())| Cut::Keep(rest.len()))
}

/// Whether `text` says more than sector and industry words: what remains when they are taken
/// off its end is not empty.
fn is_distinctive(mut text: &str) -> bool {
    loop {
        text = text.trim();
        if text.is_empty() {
            return false;
        }
        match NON_DISTINCTIVE.strip(text, accept_any) {
            Some((rest, ())) => text = rest,
            None => return true,
        }
    }
}

/// Where the place of a branch begins in the text before its suffix:
/// - after the company's own name, when an anchor (公司, 银行, a space, ...) is near enough:
///   「工商银行北京朝阳」 → 「北京朝阳」;
/// - else at the earliest region name near the end that leaves some name before it:
///   「腾讯深圳」 → 「深圳」, `citibank shanghai` → `shanghai`;
/// - else at the end: the branch is the bare suffix.
fn branch_place_start(before: &str) -> usize {
    if !before.ends_with(is_han) {
        return latin_tail_region(before, |words| latin_region(&before[words]))
            .map_or(before.len(), |(_, len)| before.len() - len);
    }
    let anchored = BRANCH_ANCHORS
        .iter()
        .filter_map(|anchor| before.rfind(anchor).map(|i| i + anchor.len()))
        .max()
        .filter(|&i| before[i..].chars().count() <= MAX_PLACE_CHARS);
    if let Some(start) = anchored {
        return start + (before[start..].len() - before[start..].trim_start().len());
    }
    han_place_starts(before)
        .find(|&i| Region::longest_prefix(&before[i..]).is_some())
        .unwrap_or(before.len())
}

/// The region named by the first one or two English words of a folded name and the bytes
/// they take (`beijing`, `hong kong`, `bei jing`), with `lookup` naming the region of a byte
/// range of `text`.
fn latin_lead_region(
    text: &str,
    mut lookup: impl FnMut(Range<usize>) -> Option<Region>,
) -> Option<(Region, usize)> {
    let two = text
        .match_indices(' ')
        .nth(1)
        .map_or(text.len(), |(i, _)| i);
    let one = text.find(' ').unwrap_or(text.len());
    // With a single word, `two` is `one`: look it up once.
    [two, if one == two { 0 } else { one }]
        .into_iter()
        .filter(|&len| len > 0)
        .find_map(|len| lookup(0..len).map(|region| (region, len)))
}

/// The longest Chinese region name that ends the text, not the whole text: 「移动通信集团广东」
/// → (广东, 6).
fn han_tail_region(text: &str) -> Option<(Region, usize)> {
    let last = text.chars().next_back()?;
    if REGION_FINAL_CHARS.binary_search(&last).is_err() {
        return None;
    }
    han_place_starts(text).find_map(|start| {
        Region::longest_prefix(&text[start..]).filter(|&(_, len)| start + len == text.len())
    })
}

/// The byte offsets, earliest first, where a place name at the end of `text` may begin: the
/// last [`MAX_PLACE_CHARS`] characters, leaving at least one before.
fn han_place_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let chars = text.chars().count();
    text.char_indices()
        .map(|(i, _)| i)
        .skip(chars.saturating_sub(MAX_PLACE_CHARS).max(1))
}

/// The region named by the last one or two English words of a folded name and the bytes they
/// take (`huawei technologies shenzhen` → (深圳, 8)), with `lookup` naming the region of a byte
/// range of `text`.
fn latin_tail_region(
    text: &str,
    mut lookup: impl FnMut(Range<usize>) -> Option<Region>,
) -> Option<(Region, usize)> {
    let two = text.rmatch_indices(' ').nth(1).map_or(0, |(i, _)| i + 1);
    let one = text.rfind(' ').map_or(0, |i| i + 1);
    [two, if one == two { text.len() } else { one }]
        .into_iter()
        .filter(|&start| start < text.len())
        .find_map(|start| lookup(start..text.len()).map(|region| (region, text.len() - start)))
}

/// The region that Latin words name. Words that are not letters, that are more often something
/// else (`ali`) or that are industry and sector words (`trading shanghai`) are refused before
/// the parse, which is the costly part.
fn latin_region(words: &str) -> Option<Region> {
    let plausible = words.bytes().all(|b| b.is_ascii_lowercase() || b == b' ')
        && !NOT_REGION_WORDS.contains(&words)
        && !words.split(' ').any(|w| NON_DISTINCTIVE.get(w).is_some());
    plausible.then(|| Region::parse(words).ok()).flatten()
}

/// The region that a parenthesised group or a branch's place names: 「北京」「深圳市」`shanghai`.
/// Only Han text and English words are looked up, so that 「（110000）」 is not read as a
/// region code.
fn region_named(text: &str) -> Option<Region> {
    if text.starts_with(is_han) {
        Region::parse(text).ok()
    } else {
        latin_region(text)
    }
}

// ---------------------------------------------------------------------------------------------
// Matching words in folded text
// ---------------------------------------------------------------------------------------------

/// `text` without `word` at its end, trimmed. A Han word matches as a plain suffix, since Chinese
/// has no spaces; a Latin word only as whole words.
fn strip_suffix<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let rest = text.strip_suffix(word)?;
    let whole = word.starts_with(is_han)
        || rest.is_empty()
        || rest.ends_with(' ')
        || rest.ends_with(is_han);
    whole.then(|| rest.trim_end())
}

/// `text` without `word` at its start, trimmed; the mirror of [`strip_suffix`].
fn strip_prefix<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let rest = text.strip_prefix(word)?;
    let whole = word.ends_with(is_han)
        || rest.is_empty()
        || rest.starts_with(' ')
        || rest.starts_with(is_han);
    whole.then(|| rest.trim_start())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::dedup::normalize::fold;

    fn key(name: &str) -> CompanyKey {
        CompanyKey::from_name(name)
    }

    fn region(name: &str) -> Option<Region> {
        Some(Region::parse(name).unwrap())
    }

    #[test]
    fn huawei_variants_meet() {
        let names = [
            "北京华为技术有限公司",
            "华为技术（北京）有限公司",
            "华为技术",
            "Beijing Hua Wei Technology Co., Ltd.",
            "Huawei Technologies (Shenzhen)",
            "华为",
        ];
        for name in names {
            assert_eq!(key(name).pinyin, "huawei", "{name}");
        }
        for name in [
            "北京华为技术有限公司",
            "华为技术（北京）有限公司",
            "华为技术",
            "华为",
        ] {
            assert_eq!(key(name).core, "华为", "{name}");
        }
        assert_eq!(key("北京华为技术有限公司").region, region("北京"));
        assert_eq!(key("华为技术（北京）有限公司").region, region("北京"));
        assert_eq!(
            key("Beijing Hua Wei Technology Co., Ltd.").region,
            region("北京")
        );
        assert_eq!(key("华为技术").region, None);
        assert_eq!(key("Huawei Technologies (Shenzhen)").region, region("深圳"));
        assert_eq!(key("Huawei Technologies Shenzhen").region, region("深圳"));
    }

    #[test]
    fn province_and_city_prefix() {
        let tencent = key("广东省深圳市腾讯计算机系统有限公司");
        assert_eq!(tencent.region, region("深圳"));
        assert_eq!(tencent.core, "腾讯计算机系统");
        assert_eq!(key("深圳市腾讯计算机系统有限公司").core, tencent.core);
    }

    #[test]
    fn branch_is_kept_apart() {
        let shenzhen = key("华为技术有限公司深圳分公司");
        assert_eq!(shenzhen.branch.as_deref(), Some("深圳分公司"));
        assert_eq!(shenzhen.region, region("深圳"));
        assert_eq!(shenzhen.core, "华为");
        assert_eq!(shenzhen.legal_form, Some(LegalForm::LimitedLiability));

        let office = key("华为上海办事处");
        assert_eq!(office.branch.as_deref(), Some("上海办事处"));
        assert_eq!(office.region, region("上海"));
        assert_eq!(office.core, "华为");

        let bank = key("中国工商银行股份有限公司北京朝阳支行");
        assert_eq!(bank.branch.as_deref(), Some("北京朝阳支行"));
        assert_eq!(bank.region, region("北京"));
        assert_eq!(bank.core, "工商银行");
        assert_eq!(bank.legal_form, Some(LegalForm::JointStock));

        let plant = key("富士康深圳分厂");
        assert_eq!(plant.branch.as_deref(), Some("深圳分厂"));
        assert_eq!(plant.core, "富士康");

        let english = key("Citibank N.A. Shanghai Branch");
        assert_eq!(english.branch.as_deref(), Some("shanghai branch"));
        assert_eq!(english.region, region("上海"));
    }

    #[test]
    fn branch_without_a_known_place() {
        let k = key("招商银行南山支行");
        assert_eq!(k.branch.as_deref(), Some("南山支行"));
        assert_eq!(k.core, "招商银行");
        assert_eq!(k.region, None);
    }

    #[test]
    fn districts_go_with_their_city() {
        let k = key("深圳市南山区某某科技有限公司");
        assert_eq!(k.core, "某某");
        assert_eq!(k.region, region("深圳"));
        let k = key("北京市朝阳区华为");
        assert_eq!(k.core, "华为");
        assert_eq!(k.region, region("北京"));
        assert_eq!(key("上海市浦东新区华为").core, "华为");
        assert_eq!(key("河北省保定市涞水县某某").core, "某某");
        // Without 市 a 区 is part of the name, and so is 区块链 after it.
        assert_eq!(key("北京区块链科技").core, "区块链");
        assert_eq!(key("北京华为区块链").core, "华为区块链");
        assert_eq!(key("深圳市前海区块链").core, "前海区块链");
    }

    #[test]
    fn region_tells_same_brand_apart() {
        let beijing = key("北京华为");
        let shanghai = key("上海华为");
        assert_eq!(beijing.core, shanghai.core);
        assert_eq!(beijing.region, region("北京"));
        assert_eq!(shanghai.region, region("上海"));
        assert_ne!(beijing.region, shanghai.region);
    }

    #[test]
    fn country_and_region_stay_when_nothing_distinctive_follows() {
        assert_eq!(key("中国银行").core, "中国银行");
        assert_eq!(key("中国银行股份有限公司").core, "中国银行");
        assert_eq!(key("中国工商银行").core, "工商银行");
        assert_eq!(key("中国华为技术有限公司").core, "华为");
        let beijing_bank = key("北京银行");
        assert_eq!(beijing_bank.core, "北京银行");
        assert_eq!(beijing_bank.region, region("北京"));
        assert_eq!(key("China Merchants Bank").core, "merchants bank");
        assert_eq!(key("China Mobile").core, "china mobile");
        let bank = key("Bank of Shanghai");
        assert_eq!(bank.core, "bank of shanghai");
        assert_eq!(bank.region, region("上海"));
    }

    #[test]
    fn parenthesised_non_regions_are_dropped() {
        assert_eq!(key("华为技术（集团）有限公司").core, "华为");
        assert_eq!(key("华为技术（中国）有限公司").core, "华为");
        assert_eq!(key("华为技术（中国）有限公司").region, None);
        assert_eq!(key("华为科技（筹）").core, "华为");
        let fund = key("红杉资本投资（有限合伙）");
        assert_eq!(fund.legal_form, Some(LegalForm::Partnership));
        assert_eq!(
            key("Acme Trading (Shanghai) Co., Ltd.").region,
            region("上海")
        );
    }

    #[test]
    fn legal_forms() {
        let cases = [
            ("华为技术有限公司", LegalForm::LimitedLiability),
            ("华为有限责任公司", LegalForm::LimitedLiability),
            ("万科企业股份有限公司", LegalForm::JointStock),
            ("华为集团有限公司", LegalForm::Group),
            ("海尔集团股份有限公司", LegalForm::Group),
            ("海尔集团", LegalForm::Group),
            ("华为公司", LegalForm::Company),
            ("红星电器厂", LegalForm::Other),
            ("光明合伙企业(有限合伙)", LegalForm::Partnership),
            ("小王设计工作室", LegalForm::Other),
            ("金杜律师事务所", LegalForm::Other),
            ("华为研究院", LegalForm::Other),
            ("华为数据中心", LegalForm::Other),
            ("ACME Trading Co., Ltd.", LegalForm::LimitedLiability),
            ("Acme Trading CO.,LTD", LegalForm::LimitedLiability),
            ("Acme Company Limited", LegalForm::LimitedLiability),
            ("Acme Pte. Ltd.", LegalForm::LimitedLiability),
            ("Acme L.L.C.", LegalForm::LimitedLiability),
            ("Siemens AG", LegalForm::JointStock),
            ("Nestlé S.A.", LegalForm::JointStock),
            ("Apple Inc.", LegalForm::JointStock),
            ("Acme Group Co., Ltd.", LegalForm::Group),
            ("Ford Motor Company", LegalForm::Company),
            ("Acme LLP", LegalForm::Partnership),
        ];
        for (name, form) in cases {
            assert_eq!(key(name).legal_form, Some(form), "{name}");
        }
        assert_eq!(key("中心").legal_form, None);
        assert_eq!(key("中心").core, "中心");
        assert_eq!(key("Acme").legal_form, None);
        assert_eq!(key("Coltd Acme").core, "coltd acme");
    }

    #[test]
    fn english_names() {
        let a = key("ACME Trading Co., Ltd.");
        let b = key("Acme Trading Company Limited");
        assert_eq!(a.core, "acme");
        assert_eq!(a.core, b.core);
        assert_eq!(key("Apple Inc.").core, "apple");
        assert_eq!(
            key("Hua Wei Technology").pinyin,
            key("Huawei Technologies").pinyin
        );
        assert_eq!(key("Hua Wei Technology").core, "hua wei");
        assert_eq!(key("Ali Baba Trading Co").core, "ali baba");
        assert_eq!(key("Ali Baba Trading Co").region, None);
    }

    #[test]
    fn garbage_does_not_panic() {
        for name in [
            "",
            " ",
            "（）",
            "()",
            "有限公司",
            "Co., Ltd.",
            "（北京）",
            "分公司",
            "))((",
            "【】【",
        ] {
            let k = key(name);
            assert!(k.core.len() <= name.len() * 3, "{name}");
        }
        assert_eq!(key("有限公司").core, "");
        assert_eq!(key("（）").core, "");
        assert_eq!(key("（华为）").core, "华为");
        assert_eq!(key("（北京）").region, region("北京"));
    }

    #[test]
    fn every_region_is_found_at_the_end() {
        for r in Region::all() {
            let text = format!("华为{}", r.name());
            assert_eq!(han_tail_region(&text), Some((r, r.name().len())), "{text}");
        }
    }

    #[test]
    fn serde_round_trip() {
        let k = key("华为技术有限公司深圳分公司");
        let json = serde_json::to_string(&k).unwrap();
        assert!(
            json.contains(r#""legal_form":"limited_liability""#),
            "{json}"
        );
        assert!(json.contains(r#""region":"440300""#), "{json}");
        assert_eq!(serde_json::from_str::<CompanyKey>(&json).unwrap(), k);
    }

    #[test]
    fn tables_are_clean() {
        for table in [INDUSTRY_WORDS, SECTOR_WORDS, BRANCH_SUFFIXES, COUNTRY_WORDS] {
            for word in table {
                assert_eq!(fold(word), *word, "{word} must be folded");
            }
        }
        for (word, _) in LEGAL_FORMS {
            assert_eq!(fold(word), *word, "{word} must be folded");
        }
    }

    proptest! {
        #[test]
        fn never_panics(name in "\\PC{0,60}") {
            let k = CompanyKey::from_name(&name);
            prop_assert_eq!(k.pinyin, pinyin_key(&k.core));
        }

        #[test]
        fn never_panics_on_name_like_text(
            name in "[北京上海深圳华为中国技术有限公司分集团（）()银行支行 a-zA-Z.,]{0,30}"
        ) {
            CompanyKey::from_name(&name);
        }

        #[test]
        fn latin_core_is_a_fixed_point(
            words in proptest::collection::vec(
                "(beijing|shanghai|hong|kong|china|bank|of|acme|hua|wei|technology|trading|co|ltd|group|branch|inc|the)",
                1..8,
            )
        ) {
            let core = CompanyKey::from_name(&words.join(" ")).core;
            prop_assert_eq!(CompanyKey::from_name(&core).core, core);
        }

        #[test]
        fn han_core_is_a_fixed_point(
            name in "[北京上海广东省深圳市南山区县朝阳华为腾讯中国技术科技有限公司分集团股份银行支办事处厂中心（） ]{1,24}"
        ) {
            let core = CompanyKey::from_name(&name).core;
            if !core.is_empty() && core.chars().all(is_han) {
                prop_assert_eq!(CompanyKey::from_name(&core).core, core);
            }
        }
    }
}
