//! [`Region`]: a Chinese administrative division, a province-level division or a
//! prefecture-level city, parsed from the many ways people write it.
//!
//! 「北京」「北京市」「Beijing」「110000」 are all the same region, and so are 「深圳」「深圳市」
//! 「广东深圳」「广东省深圳市」「Shenzhen」.
//!
//! # The table
//!
//! The divisions come from `data/regions.tsv`, compiled into the crate and parsed once. It holds
//! - the 34 province-level divisions: the 31 of the mainland (provinces, autonomous regions and
//!   the municipalities 北京 上海 天津 重庆) and 台湾, 香港, 澳门;
//! - all 333 prefecture-level divisions of the mainland (地级市, 地区, 自治州, 盟);
//! - the county-level cities (and 神农架林区) that their province administers directly, whose
//!   codes have the form `xx90xx` (济源, 仙桃, 潜江, 天门, 神农架, five in 海南, nine in 新疆):
//!   they are [`RegionLevel::City`] with the province as parent; see [`Region::is_county_level`].
//!
//! A municipality has no city rows: 北京 is the region for 「北京」 as a province and as a city.
//!
//! Codes are GB/T 2260 administrative codes as published by the Ministry of Civil Affairs and
//! the National Bureau of Statistics (the prefecture-level list matches the NBS statistical
//! division codes after the 2019 merger of 莱芜 into 济南). Area codes are the landline long
//! distance codes with their trunk `0`, after the mergers of recent years (沈阳 抚顺 铁岭 本溪
//! share 024; 长沙 株洲 湘潭 share 0731; 成都 眉山 资阳 share 028; 贵阳 遵义 安顺 share 0851;
//! 西安 咸阳 share 029; all of 海南 uses 0898).
//!
//! # Collisions
//!
//! A bare short name that is both a province and a city means the province: 「吉林」 is 吉林省 and
//! 「吉林市」 the city; 「海南」 is 海南省 and 「海南州」 (or 「青海海南」) the prefecture. The same rule
//! holds in English (`Jilin`, `Hainan`; `Jilin City`, `Hainan Prefecture`). English names shared
//! by two cities (`Suzhou` 苏州/宿州, `Taizhou` 泰州/台州, `Fuzhou` 福州/抚州, `Yichun` 伊春/宜春,
//! `Yulin` 玉林/榆林) are refused as ambiguous unless the province is given (`Jiangsu Suzhou`,
//! `Suzhou, Anhui`).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use super::is_han;
use crate::error::InvalidValue;

/// The table, compiled in; the real crate has the same layout.
const DATA: &str = include_str!("../../data/regions.tsv");

const WHAT: &str = "region";
const UNKNOWN: &str =
    "unknown region; expected a province or prefecture-level city such as 北京 or 深圳市";
const EMPTY: &str = "empty; expected a province or prefecture-level city such as 北京 or 深圳市";

/// Inputs longer than this (in characters, after normalization) are refused outright: no region
/// name with its province comes close, and it bounds the work `parse` does.
const MAX_INPUT_CHARS: usize = 64;

/// Short names that are too often an ordinary word or a brand at the start of a company name to
/// be taken as the region by [`Region::longest_prefix`] on their own (阿里巴巴, 海西 for the west
/// coast of the Taiwan Strait, 兴安岭). Their full names (阿里地区, 海西州, 兴安盟) and the
/// province-qualified forms (西藏阿里) still match, and [`Region::parse`] accepts them as they are.
const PREFIX_SHORT_NAME_EXCLUDED: &[&str] = &["阿里", "海西", "兴安"];

/// Words that begin with a region's name but are not about the region: a name is not matched by
/// [`Region::longest_prefix`] where the text goes on into one of these.
const PREFIX_BLOCKED_WORDS: &[&str] = &["三明治", "北海道", "大理石"];

/// Leading words that [`Region::parse`] skips: 「中国广东省深圳市」 is Shenzhen.
const COUNTRY_PREFIXES: &[&str] = &["中华人民共和国", "中国"];

/// Latin tokens that [`Region::parse`] skips: `Shenzhen, Guangdong, China` is Shenzhen.
const COUNTRY_TOKENS: &[&str] = &["china", "prc", "pr", "cn"];

/// A Chinese administrative division: a province-level division or a prefecture-level city.
///
/// Cheap to copy and compare; ordered by administrative code. Parse it with [`Region::parse`] (or
/// [`str::parse`]), look it up with [`Region::from_code`]. It displays as its full Chinese name and
/// serializes as its code (`"440300"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(u16);

/// The level of a [`Region`] in the administrative hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegionLevel {
    /// A province-level division: province, autonomous region, municipality (北京, 上海, 天津,
    /// 重庆), special administrative region (香港, 澳门), or 台湾.
    Province,
    /// A prefecture-level division (地级市, 地区, 自治州, 盟), or a county-level city administered
    /// directly by its province (see [`Region::is_county_level`]).
    City,
}

impl RegionLevel {
    /// A stable lowercase name: `province` or `city`, as in the data file.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
        }
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Region {
    /// Parses a region from the way people write it.
    ///
    /// The input is NFKC-normalized and trimmed. Accepted:
    /// - the 6-digit administrative code: `110000`, `440300`;
    /// - the full, short or suffixed Chinese name: 「北京市」「北京」「深圳」「深圳市」「延边州」
    ///   「黔东南州」「广西自治区」「香港特区」;
    /// - a province followed by one of its cities, with or without suffixes and spaces:
    ///   「广东深圳」「广东省深圳市」「广东省 深圳」「湖南长沙市」; the city must be in that province;
    /// - the English or pinyin name or an alias, case-insensitive, ignoring spaces, hyphens and
    ///   apostrophes, with an optional `City`/`Shi`, `Province`/`Sheng`, `Prefecture`, `League`
    ///   or `SAR` suffix: `beijing`, `Bei Jing`, `BEIJING`, `Beijing Shi`, `Guangdong Province`,
    ///   `Shenzhen City`, `Inner Mongolia`, `Xi'an`; and with its province, in either order:
    ///   `Guangdong Shenzhen`, `Suzhou, Anhui`.
    ///
    /// A leading 「中国」 and a `China` token are ignored. A bare name that is both a province and
    /// a city means the province (「吉林」); see the [module docs](self) for the collisions.
    ///
    /// # Errors
    ///
    /// An [`InvalidValue`] saying why: empty, unknown, an unknown code, a city outside the
    /// province given (「广东长沙」), or an English name shared by two cities (`Suzhou`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crm_core::value::region::Region;
    /// let shenzhen = Region::parse("广东省深圳市").unwrap();
    /// assert_eq!(shenzhen.code(), 440300);
    /// assert_eq!(Region::parse("Shenzhen").unwrap(), shenzhen);
    /// assert_eq!(Region::parse("深圳").unwrap(), shenzhen);
    ///
    /// let beijing = Region::parse("Bei Jing").unwrap();
    /// assert_eq!(beijing, Region::parse("110000").unwrap());
    /// assert_eq!(beijing.name(), "北京市");
    ///
    /// let err = Region::parse("广东长沙").unwrap_err();
    /// assert!(err.reason.contains("湖南省"), "{err}");
    /// ```
    pub fn parse(input: &str) -> Result<Region, InvalidValue> {
        let fail = |reason: String| InvalidValue::new(WHAT, input, reason);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(fail(EMPTY.to_owned()));
        }
        // Bound the work before normalizing: NFKC can expand a character many times over.
        if trimmed.len() > MAX_INPUT_CHARS * 4 {
            return Err(fail(too_long()));
        }
        let normalized: String = trimmed.nfkc().collect();
        let normalized = normalized.trim();
        if normalized.chars().count() > MAX_INPUT_CHARS {
            return Err(fail(too_long()));
        }
        if normalized.is_empty() {
            return Err(fail(UNKNOWN.to_owned()));
        }
        let table = table();
        if normalized.bytes().all(|b| b.is_ascii_digit()) {
            return parse_code(table, normalized).map_err(fail);
        }
        let outcome = if normalized.chars().any(is_han) {
            parse_chinese(table, normalized)
        } else {
            parse_latin(table, normalized)
        };
        outcome.map_err(|failure| fail(failure.reason(table)))
    }

    /// The region with this 6-digit administrative code, if it is in the table.
    pub fn from_code(code: u32) -> Option<Region> {
        table().by_code.get(&code).copied().map(Region)
    }

    /// The 6-digit GB/T 2260 administrative code, e.g. `440300` for 深圳.
    pub fn code(self) -> u32 {
        self.row().code
    }

    /// The official full Chinese name, e.g. 北京市, 广东省, 深圳市, 延边朝鲜族自治州.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The everyday short name, e.g. 北京, 广东, 深圳, 延边, 广西 (for 广西壮族自治区).
    pub fn short_name(self) -> &'static str {
        self.row().short
    }

    /// The common English (pinyin) name, e.g. `Beijing`, `Inner Mongolia`, `Tibet`, `Shenzhen`.
    pub fn english_name(self) -> &'static str {
        self.row().english[0]
    }

    /// Whether this is a province-level division or a city.
    pub fn level(self) -> RegionLevel {
        self.row().level
    }

    /// The province of a city; `None` for a province-level division.
    pub fn parent(self) -> Option<Region> {
        self.row().parent.map(Region)
    }

    /// The province-level division this region belongs to: the parent of a city, itself for a
    /// province.
    pub fn province(self) -> Region {
        self.parent().unwrap_or(self)
    }

    /// The landline area code with its trunk `0` (`010`, `0755`): a city's own, a municipality's
    /// own; `None` for a province, which has no single one, and for 香港, 澳门, 台湾.
    pub fn area_code(self) -> Option<&'static str> {
        self.row().area_code
    }

    /// Whether `self` is `other` or lies within it: a city is within its province, and every
    /// region within itself.
    pub fn is_within(self, other: Region) -> bool {
        self == other || self.parent() == Some(other)
    }

    /// Whether this is one of the municipalities directly under the central government (北京,
    /// 上海, 天津, 重庆), which are both province and city.
    pub fn is_municipality(self) -> bool {
        let row = self.row();
        row.level == RegionLevel::Province && row.name.ends_with('市')
    }

    /// Whether this is a county-level city (or 神农架林区) administered directly by its province
    /// rather than a prefecture-level division, such as 济源, 仙桃, 东方 or 石河子 (code `xx90xx`).
    pub fn is_county_level(self) -> bool {
        is_county_level_code(self.code())
    }

    /// Every region in the table, in code order: provinces and cities interleaved as in the
    /// code list (110000, 120000, 130000, 130100, ...).
    pub fn all() -> impl Iterator<Item = Region> {
        (0..table().rows.len()).map(|i| Region(i as u16))
    }

    /// The region named at the start of `text` and the length in bytes its name takes there, for
    /// names such as 「北京华为技术有限公司」 → (北京, 6), 「深圳市腾讯计算机系统有限公司」 →
    /// (深圳, `"深圳市".len()`), 「广东省深圳市某某公司」 → (深圳, `"广东省深圳市".len()`).
    ///
    /// Tries a province followed by one of its cities and every full, short and suffixed Chinese
    /// name, and takes the longest match. Only names in the table match (「华为技术有限公司」 and
    /// 「中国银行」 give `None`). The text is matched as given, neither trimmed nor normalized, so
    /// the length can slice it. A few short names that are usually ordinary words at the start of
    /// a company name (阿里, 海西, 兴安) match only in their full or province-qualified form, and
    /// the short names of county-level cities only after their province or with 「市」.
    pub fn longest_prefix(text: &str) -> Option<(Region, usize)> {
        let table = table();
        let mut best: Option<(u16, usize)> = None;
        let mut consider = |region: u16, len: usize| {
            if best.is_none_or(|(_, best_len)| len >= best_len) {
                best = Some((region, len));
            }
        };
        for (end, entries) in table.prefix_matches(text, 0) {
            if let Some(region) = resolve_prefix(table, entries, |e| e.alone) {
                consider(region, end);
            }
            for province in entries.iter().map(|e| e.region) {
                if table.rows[province as usize].level != RegionLevel::Province {
                    continue;
                }
                for (city_end, city_entries) in table.prefix_matches(text, end) {
                    let in_province =
                        |e: &Entry| table.rows[e.region as usize].parent == Some(province);
                    if let Some(city) = resolve_prefix(table, city_entries, in_province) {
                        consider(city, city_end);
                    }
                }
            }
        }
        best.map(|(region, len)| (Region(region), len))
    }

    fn row(self) -> &'static Row {
        &table().rows[self.0 as usize]
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({} {})", self.code(), self.name())
    }
}

impl FromStr for Region {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::parse(s)
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RegionVisitor;

        impl Visitor<'_> for RegionVisitor {
            type Value = Region;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a region code such as \"440300\" or a region name such as \"深圳\"")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Region, E> {
                Region::parse(v).map_err(E::custom)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Region, E> {
                u32::try_from(v)
                    .ok()
                    .and_then(Region::from_code)
                    .ok_or_else(|| E::custom(format!("unknown region code {v}")))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Region, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("unknown region code {v}")))
                    .and_then(|v| self.visit_u64(v))
            }
        }

        if deserializer.is_human_readable() {
            deserializer.deserialize_any(RegionVisitor)
        } else {
            deserializer.deserialize_str(RegionVisitor)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

struct Row {
    code: u32,
    level: RegionLevel,
    name: &'static str,
    short: &'static str,
    /// The English name first, then aliases; never empty.
    english: Vec<&'static str>,
    parent: Option<u16>,
    area_code: Option<&'static str>,
}

/// One region a Chinese key names.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    region: u16,
    /// Whether [`Region::longest_prefix`] may take the key on its own, not only after a province.
    alone: bool,
}

struct Table {
    rows: Vec<Row>,
    by_code: HashMap<u32, u16>,
    /// Chinese names, short names and suffixed forms.
    chinese: HashMap<String, Vec<Entry>>,
    /// Folded (see [`fold_latin`]) English names and aliases, bare and with suffixes.
    latin: HashMap<String, Vec<u16>>,
    /// The longest key of `chinese`, in characters.
    max_key_chars: usize,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| Table::load(DATA));

fn table() -> &'static Table {
    &TABLE
}

impl Table {
    /// Parses the compiled-in data. The data is part of the build and checked by the tests, so a
    /// malformed line is a bug and panics with its line number.
    fn load(data: &'static str) -> Table {
        let mut lines = data.lines().enumerate();
        let header = lines.next().map(|(_, l)| l);
        assert_eq!(
            header,
            Some("code\tlevel\tname\tshort_name\tenglish\tparent\tarea_code"),
            "regions.tsv: unexpected header"
        );
        let mut raw = Vec::new();
        for (number, line) in lines {
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&'static str> = line.split('\t').collect();
            let bad = |what: &str| -> ! { bad_line(number + 1, line, what) };
            if fields.len() != 7 {
                bad("expected 7 tab-separated fields");
            }
            let code: u32 = fields[0].parse().unwrap_or_else(|_| bad("bad code"));
            let level = match fields[1] {
                "province" => RegionLevel::Province,
                "city" => RegionLevel::City,
                _ => bad("bad level"),
            };
            let english: Vec<&'static str> = fields[4].split('|').map(str::trim).collect();
            if fields[2].is_empty() || fields[3].is_empty() || english.iter().any(|e| e.is_empty())
            {
                bad("empty name");
            }
            let parent = match fields[5] {
                "" => None,
                p => Some(p.parse::<u32>().unwrap_or_else(|_| bad("bad parent"))),
            };
            let area_code = Some(fields[6]).filter(|a| !a.is_empty());
            raw.push((
                code, level, fields[2], fields[3], english, parent, area_code,
            ));
        }
        raw.sort_by_key(|r| r.0);
        assert!(
            raw.len() < usize::from(u16::MAX),
            "regions.tsv: too many rows"
        );

        let by_code: HashMap<u32, u16> = raw
            .iter()
            .enumerate()
            .map(|(i, r)| (r.0, i as u16))
            .collect();
        assert_eq!(by_code.len(), raw.len(), "regions.tsv: duplicate code");
        let rows: Vec<Row> = raw
            .into_iter()
            .map(
                |(code, level, name, short, english, parent, area_code)| Row {
                    code,
                    level,
                    name,
                    short,
                    english,
                    parent: parent.map(|p| {
                        *by_code
                            .get(&p)
                            .unwrap_or_else(|| panic!("regions.tsv: {code} has unknown parent {p}"))
                    }),
                    area_code,
                },
            )
            .collect();

        let mut chinese: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut latin: HashMap<String, Vec<u16>> = HashMap::new();
        for (index, row) in rows.iter().enumerate() {
            let region = index as u16;
            for (key, alone) in chinese_keys(row) {
                let entries = chinese.entry(key).or_default();
                match entries.iter_mut().find(|e| e.region == region) {
                    Some(e) => e.alone |= alone,
                    None => entries.push(Entry { region, alone }),
                }
            }
            for key in latin_keys(row) {
                let regions = latin.entry(key).or_default();
                if !regions.contains(&region) {
                    regions.push(region);
                }
            }
        }
        let max_key_chars = chinese.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        Table {
            rows,
            by_code,
            chinese,
            latin,
            max_key_chars,
        }
    }

    /// The Chinese keys that `text[start..]` begins with, shortest first: (end byte, entries).
    fn prefix_matches<'t>(
        &'t self,
        text: &'t str,
        start: usize,
    ) -> impl Iterator<Item = (usize, &'t [Entry])> + 't {
        let rest = &text[start..];
        rest.char_indices()
            .skip(1)
            .map(|(i, _)| i)
            .chain(std::iter::once(rest.len()))
            .take(self.max_key_chars)
            .filter_map(move |len| {
                let key = &rest[..len];
                let entries = self.chinese.get(key)?;
                let blocked = PREFIX_BLOCKED_WORDS.iter().any(|word| {
                    word.len() > len && rest.starts_with(word) && word.starts_with(key)
                });
                (!blocked).then_some((start + len, entries.as_slice()))
            })
    }
}

fn bad_line(number: usize, line: &str, what: &str) -> ! {
    panic!("regions.tsv line {number}: {what}: {line:?}")
}

/// The Chinese keys of a row and whether each may be matched alone by `longest_prefix`.
fn chinese_keys(row: &Row) -> Vec<(String, bool)> {
    let county = is_county_level_code(row.code);
    let short_alone = !county && !PREFIX_SHORT_NAME_EXCLUDED.contains(&row.short);
    let mut keys = vec![
        (row.name.to_owned(), true),
        (row.short.to_owned(), short_alone),
    ];
    let mut suffixed = |suffix: &str| keys.push((format!("{}{suffix}", row.short), true));
    match row.level {
        RegionLevel::Province => {
            if row.name.ends_with("自治区") {
                suffixed("自治区");
            } else if row.name.ends_with("特别行政区") {
                suffixed("特区");
                suffixed("特别行政区");
            } else if row.name.ends_with('省') {
                suffixed("省");
            }
        }
        RegionLevel::City => {
            if row.name.ends_with("自治州") {
                suffixed("州");
                suffixed("自治州");
            } else if row.name.ends_with('市') {
                suffixed("市");
            }
        }
    }
    keys
}

/// The folded Latin keys of a row: each English name or alias, bare and with the suffixes that
/// fit the kind of division.
fn latin_keys(row: &Row) -> Vec<String> {
    let suffixes: &[&str] = match row.level {
        RegionLevel::Province if row.name.ends_with('市') => &["city", "shi", "municipality"],
        RegionLevel::Province if row.name.ends_with("自治区") => {
            &["autonomousregion", "zizhiqu", "region", "province"]
        }
        RegionLevel::Province if row.name.ends_with("特别行政区") => {
            &["sar", "specialadministrativeregion"]
        }
        RegionLevel::Province => &["province", "sheng"],
        RegionLevel::City if row.name.ends_with("自治州") => {
            &["prefecture", "autonomousprefecture", "zhou", "zizhizhou"]
        }
        RegionLevel::City if row.name.ends_with("地区") => &["prefecture", "diqu"],
        RegionLevel::City if row.name.ends_with('盟') => &["league", "meng"],
        RegionLevel::City if row.name.ends_with("林区") => &["forestrydistrict", "linqu"],
        RegionLevel::City => &["city", "shi"],
    };
    let mut keys = Vec::new();
    for english in &row.english {
        let base = fold_latin(english);
        for suffix in suffixes {
            keys.push(format!("{base}{suffix}"));
        }
        keys.push(base);
    }
    keys
}

fn is_county_level_code(code: u32) -> bool {
    code / 100 % 100 == 90
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Why a name did not resolve; turned into words by [`Failure::reason`].
enum Failure {
    Unknown,
    /// The name fits several regions, none of them a province.
    Ambiguous {
        name: String,
        regions: Vec<u16>,
    },
    /// A province followed by a city of another province.
    WrongProvince {
        province: u16,
        city: u16,
    },
}

impl Failure {
    fn reason(&self, table: &Table) -> String {
        let row = |i: u16| &table.rows[i as usize];
        match self {
            Failure::Unknown => UNKNOWN.to_owned(),
            Failure::Ambiguous { name, regions } => {
                let candidates: Vec<String> = regions
                    .iter()
                    .map(|&r| match row(r).parent {
                        Some(p) => format!("{} ({})", row(r).name, row(p).name),
                        None => row(r).name.to_owned(),
                    })
                    .collect();
                let example = regions
                    .first()
                    .and_then(|&r| row(r).parent.map(|p| (row(p), row(r))))
                    .map(|(p, r)| {
                        format!(
                            "; add the province, e.g. \"{} {}\"",
                            p.english[0], r.english[0]
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "ambiguous: {name} may be {}{example}",
                    candidates.join(" or ")
                )
            }
            Failure::WrongProvince { province, city } => {
                let actual = row(*city).parent.map_or("", |p| row(p).name);
                format!(
                    "{} is in {actual}, not in {}",
                    row(*city).name,
                    row(*province).name
                )
            }
        }
    }
}

fn too_long() -> String {
    format!("too long for a region name (at most {MAX_INPUT_CHARS} characters)")
}

fn parse_code(table: &Table, digits: &str) -> Result<Region, String> {
    if digits.len() != 6 {
        return Err("a region code has 6 digits, such as 110000 or 440300".to_owned());
    }
    digits
        .parse::<u32>()
        .ok()
        .and_then(|code| table.by_code.get(&code))
        .map(|&i| Region(i))
        .ok_or_else(|| {
            "unknown region code; expected the code of a province or prefecture-level city such \
             as 110000 or 440300"
                .to_owned()
        })
}

/// How a whole key resolved.
enum Lookup {
    None,
    One(u16),
    Ambiguous(Vec<u16>),
}

/// One region out of the regions a key names: the only one, or the province among several.
fn pick(table: &Table, regions: impl IntoIterator<Item = u16>) -> Lookup {
    let regions: Vec<u16> = regions.into_iter().collect();
    match regions.as_slice() {
        [] => Lookup::None,
        [one] => Lookup::One(*one),
        many => {
            let mut provinces = many
                .iter()
                .filter(|&&r| table.rows[r as usize].level == RegionLevel::Province);
            match (provinces.next(), provinces.next()) {
                (Some(&p), None) => Lookup::One(p),
                _ => Lookup::Ambiguous(regions),
            }
        }
    }
}

fn resolve_prefix(table: &Table, entries: &[Entry], keep: impl Fn(&Entry) -> bool) -> Option<u16> {
    match pick(table, entries.iter().filter(|e| keep(e)).map(|e| e.region)) {
        Lookup::One(r) => Some(r),
        Lookup::None | Lookup::Ambiguous(_) => None,
    }
}

/// Resolves a name that may be a province followed by a city, given a lookup of single names.
/// `splits` yields (province part, city part) pairs to try.
fn resolve_combined(
    table: &Table,
    whole: &str,
    lookup: impl Fn(&str) -> Vec<u16>,
    splits: impl Iterator<Item = (String, String)>,
) -> Result<Region, Failure> {
    let whole_regions = lookup(whole);
    let ambiguous = match pick(table, whole_regions) {
        Lookup::One(r) => return Ok(Region(r)),
        Lookup::Ambiguous(regions) => Some(regions),
        Lookup::None => None,
    };
    let mut found: Option<u16> = None;
    let mut wrong: Option<Failure> = None;
    for (province_part, city_part) in splits {
        let provinces: Vec<u16> = lookup(&province_part)
            .into_iter()
            .filter(|&r| table.rows[r as usize].level == RegionLevel::Province)
            .collect();
        if provinces.is_empty() {
            continue;
        }
        let cities = lookup(&city_part);
        for &province in &provinces {
            let municipality = Region(province).is_municipality();
            let matching: Vec<u16> = cities
                .iter()
                .copied()
                .filter(|&c| {
                    table.rows[c as usize].parent == Some(province)
                        || (municipality && c == province)
                })
                .collect();
            match pick(table, matching) {
                Lookup::One(c) => match found {
                    Some(f) if f != c => {
                        return Err(Failure::Ambiguous {
                            name: whole.to_owned(),
                            regions: vec![f, c],
                        });
                    }
                    _ => found = Some(c),
                },
                Lookup::Ambiguous(regions) => {
                    return Err(Failure::Ambiguous {
                        name: whole.to_owned(),
                        regions,
                    });
                }
                Lookup::None => {
                    if wrong.is_none()
                        && let Some(&city) = cities
                            .iter()
                            .find(|&&c| table.rows[c as usize].level == RegionLevel::City)
                    {
                        wrong = Some(Failure::WrongProvince { province, city });
                    }
                }
            }
        }
    }
    if let Some(region) = found {
        return Ok(Region(region));
    }
    if let Some(regions) = ambiguous {
        return Err(Failure::Ambiguous {
            name: whole.to_owned(),
            regions,
        });
    }
    Err(wrong.unwrap_or(Failure::Unknown))
}

fn parse_chinese(table: &Table, input: &str) -> Result<Region, Failure> {
    let mut compact: String = input
        .chars()
        .filter(|&c| !c.is_whitespace() && !is_separator(c))
        .collect();
    for prefix in COUNTRY_PREFIXES {
        if let Some(rest) = compact.strip_prefix(prefix)
            && !rest.is_empty()
        {
            compact = rest.to_owned();
            break;
        }
    }
    let lookup = |key: &str| -> Vec<u16> {
        table
            .chinese
            .get(key)
            .map(|entries| entries.iter().map(|e| e.region).collect())
            .unwrap_or_default()
    };
    let splits = compact
        .char_indices()
        .skip(1)
        .map(|(i, _)| (compact[..i].to_owned(), compact[i..].to_owned()));
    resolve_combined(table, &compact, lookup, splits)
}

fn parse_latin(table: &Table, input: &str) -> Result<Region, Failure> {
    let tokens: Vec<String> = input
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '/' | '|' | '、'))
        .map(fold_latin)
        .filter(|t| !t.is_empty() && !COUNTRY_TOKENS.contains(&t.as_str()))
        .collect();
    let whole = tokens.concat();
    let lookup = |key: &str| table.latin.get(key).cloned().unwrap_or_default();
    let splits = (1..tokens.len()).flat_map(|k| {
        let (first, second) = (tokens[..k].concat(), tokens[k..].concat());
        // Province then city (`Guangdong Shenzhen`) or city then province (`Suzhou, Anhui`).
        [(first.clone(), second.clone()), (second, first)]
    });
    let name = input.to_owned();
    resolve_combined(table, &whole, lookup, splits).map_err(|failure| match failure {
        Failure::Ambiguous { regions, .. } => Failure::Ambiguous { name, regions },
        other => other,
    })
}

/// Lowercase, letters and digits only: `Xi'an` → `xian`, `Bei-Jing` → `beijing`.
fn fold_latin(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ',' | '、' | ';' | '/' | '|' | '·' | '・' | '-' | '_' | '.' | '。'
    )
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use proptest::prelude::*;

    use super::*;

    fn r(input: &str) -> Region {
        Region::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"))
    }

    fn code(input: &str) -> u32 {
        r(input).code()
    }

    fn refused(input: &str) -> InvalidValue {
        match Region::parse(input) {
            Ok(region) => panic!("{input:?} should be refused, got {region:?}"),
            Err(e) => {
                assert_eq!(e.what, "region");
                assert_eq!(e.value, input);
                e
            }
        }
    }

    fn prefix(text: &str) -> Option<(u32, &str)> {
        Region::longest_prefix(text).map(|(region, len)| (region.code(), &text[..len]))
    }

    // --- the table ---------------------------------------------------------------------------

    #[test]
    fn counts() {
        let provinces: Vec<Region> = Region::all()
            .filter(|r| r.level() == RegionLevel::Province)
            .collect();
        assert_eq!(provinces.len(), 34);
        assert_eq!(provinces.iter().filter(|r| r.code() < 710000).count(), 31);
        let outside: BTreeSet<u32> = provinces
            .iter()
            .map(|r| r.code())
            .filter(|&c| c >= 710000)
            .collect();
        assert_eq!(outside, BTreeSet::from([710000, 810000, 820000]));
        assert_eq!(provinces.iter().filter(|r| r.is_municipality()).count(), 4);

        let cities: Vec<Region> = Region::all()
            .filter(|r| r.level() == RegionLevel::City)
            .collect();
        assert_eq!(cities.iter().filter(|r| !r.is_county_level()).count(), 333);
        assert_eq!(cities.iter().filter(|r| r.is_county_level()).count(), 19);
        assert_eq!(Region::all().count(), 34 + 333 + 19);

        // 333 = 293 地级市 + 7 地区 + 30 自治州 + 3 盟.
        let prefecture = |suffix: &str| {
            cities
                .iter()
                .filter(|r| !r.is_county_level() && r.name().ends_with(suffix))
                .count()
        };
        assert_eq!(prefecture("市"), 293);
        assert_eq!(prefecture("地区"), 7);
        assert_eq!(prefecture("自治州"), 30);
        assert_eq!(prefecture("盟"), 3);
    }

    #[test]
    fn codes_are_unique_sorted_and_six_digits() {
        let codes: Vec<u32> = Region::all().map(Region::code).collect();
        let unique: HashSet<u32> = codes.iter().copied().collect();
        assert_eq!(unique.len(), codes.len());
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "all() is in code order"
        );
        for region in Region::all() {
            assert!((110000..=829999).contains(&region.code()), "{region:?}");
            assert_eq!(Region::from_code(region.code()), Some(region));
        }
        assert_eq!(Region::from_code(0), None);
        assert_eq!(Region::from_code(440305), None, "districts are not regions");
        let mut sorted: Vec<Region> = Region::all().collect();
        sorted.sort();
        assert_eq!(
            sorted,
            Region::all().collect::<Vec<_>>(),
            "Ord follows the code"
        );
    }

    #[test]
    fn hierarchy_is_consistent() {
        for region in Region::all() {
            match region.level() {
                RegionLevel::Province => {
                    assert_eq!(region.parent(), None, "{region:?}");
                    assert_eq!(region.province(), region);
                    assert_eq!(region.code() % 10000, 0, "{region:?}");
                }
                RegionLevel::City => {
                    let parent = region.parent().expect("a city has a province");
                    assert_eq!(parent.level(), RegionLevel::Province, "{region:?}");
                    assert!(
                        !parent.is_municipality(),
                        "municipalities have no city rows"
                    );
                    assert_eq!(region.code() / 10000, parent.code() / 10000, "{region:?}");
                    assert_eq!(region.province(), parent);
                    assert!(region.is_within(parent));
                    assert!(!parent.is_within(region));
                    assert!(
                        region.code() % 100 == 0 || region.is_county_level(),
                        "{region:?}"
                    );
                }
            }
            assert!(region.is_within(region));
        }
    }

    #[test]
    fn area_codes_are_well_formed() {
        let well_formed = |a: &str| {
            a.len() >= 3
                && a.len() <= 4
                && a.starts_with('0')
                && a.bytes().all(|b| b.is_ascii_digit())
        };
        for region in Region::all() {
            match region.area_code() {
                Some(area) => assert!(well_formed(area), "{region:?}: {area}"),
                None => assert!(
                    region.level() == RegionLevel::Province && !region.is_municipality(),
                    "{region:?} should have an area code"
                ),
            }
        }
        assert_eq!(r("北京").area_code(), Some("010"));
        assert_eq!(r("上海").area_code(), Some("021"));
        assert_eq!(r("天津").area_code(), Some("022"));
        assert_eq!(r("重庆").area_code(), Some("023"));
        assert_eq!(r("深圳").area_code(), Some("0755"));
        assert_eq!(r("杭州").area_code(), Some("0571"));
        assert_eq!(r("广东").area_code(), None);
        assert_eq!(r("香港").area_code(), None);
        // Merged local networks.
        for city in ["抚顺", "本溪", "铁岭"] {
            assert_eq!(r(city).area_code(), Some("024"), "{city}");
        }
        for city in ["株洲", "湘潭"] {
            assert_eq!(r(city).area_code(), Some("0731"), "{city}");
        }
        for city in ["三亚", "三沙", "儋州"] {
            assert_eq!(r(city).area_code(), Some("0898"), "{city}");
        }
    }

    #[test]
    fn names_are_well_formed() {
        for region in Region::all() {
            let (name, short) = (region.name(), region.short_name());
            assert!(name.starts_with(short), "{region:?} / {short}");
            assert!(name.chars().all(is_han), "{region:?}");
            assert!(short.chars().count() >= 2, "{region:?}");
            assert!(!region.english_name().is_empty());
            assert_eq!(region.to_string(), name);
        }
        assert_eq!(r("内蒙古").short_name(), "内蒙古");
        assert_eq!(r("广西").name(), "广西壮族自治区");
        assert_eq!(r("新疆").name(), "新疆维吾尔自治区");
        assert_eq!(r("Tibet").short_name(), "西藏");
    }

    /// Every full, short and English name parses back to its row, except these collisions.
    #[test]
    fn every_name_resolves_to_its_row() {
        let expected_collisions: BTreeSet<(&str, u32)> = BTreeSet::from([
            // A province and a city share the short name: the province wins.
            ("吉林", 220200),
            ("海南", 632500),
            ("Jilin", 220200),
            ("Hainan", 632500),
            // Two cities share the English name: refused as ambiguous.
            ("Suzhou", 320500),
            ("Suzhou", 341300),
            ("Taizhou", 321200),
            ("Taizhou", 331000),
            ("Fuzhou", 350100),
            ("Fuzhou", 361000),
            ("Yichun", 230700),
            ("Yichun", 360900),
            ("Yulin", 450900),
            ("Yulin", 610800),
        ]);
        let mut collisions = BTreeSet::new();
        for region in Region::all() {
            let row = region.row();
            let names = [row.name, row.short]
                .into_iter()
                .chain(row.english.iter().copied());
            for name in names {
                match Region::parse(name) {
                    Ok(parsed) if parsed == region => {}
                    _ => {
                        collisions.insert((name, region.code()));
                    }
                }
            }
        }
        assert_eq!(collisions, expected_collisions);
        // And the colliding ones, qualified, resolve.
        assert_eq!(code("吉林市"), 220200);
        assert_eq!(code("吉林省吉林市"), 220200);
        assert_eq!(code("海南州"), 632500);
        assert_eq!(code("青海海南"), 632500);
        assert_eq!(code("Jilin City"), 220200);
        assert_eq!(code("Hainan Prefecture"), 632500);
        assert_eq!(code("Jiangsu Suzhou"), 320500);
        assert_eq!(code("Suzhou, Anhui"), 341300);
        assert_eq!(code("Zhejiang Taizhou"), 331000);
        assert_eq!(code("Taizhou Jiangsu"), 321200);
        assert_eq!(code("Fujian Fuzhou"), 350100);
        assert_eq!(code("Jiangxi Fuzhou"), 361000);
        assert_eq!(code("Heilongjiang Yichun"), 230700);
        assert_eq!(code("Shaanxi Yulin"), 610800);
        assert_eq!(code("Guangxi Yulin"), 450900);
    }

    // --- parse: Chinese -------------------------------------------------------------------------

    #[test]
    fn beijing_in_every_form() {
        let beijing = r("110000");
        for input in [
            "北京",
            "北京市",
            "Beijing",
            "beijing",
            "BEIJING",
            "Bei Jing",
            "bei-jing",
            "Beijing Shi",
            "Beijing City",
            "Peking",
            " 北京 ",
            "北 京",
            "北京北京",
            "北京市北京市",
            "中国北京",
            "１１００００",
            "Beijing, China",
        ] {
            assert_eq!(r(input), beijing, "{input:?}");
        }
        assert_eq!(beijing.name(), "北京市");
        assert_eq!(beijing.short_name(), "北京");
        assert_eq!(beijing.english_name(), "Beijing");
        assert_eq!(beijing.level(), RegionLevel::Province);
        assert!(beijing.is_municipality());
        assert_eq!(beijing.parent(), None);
        assert_eq!(beijing.province(), beijing);
    }

    #[test]
    fn shenzhen_in_every_form() {
        let shenzhen = r("440300");
        for input in [
            "深圳",
            "深圳市",
            "广东深圳",
            "广东省深圳市",
            "广东省 深圳",
            "广东 深圳市",
            "广东省，深圳市",
            "广东省·深圳市",
            "中国广东省深圳市",
            "Shenzhen",
            "shenzhen city",
            "Shenzhen Shi",
            "Guangdong Shenzhen",
            "Shenzhen, Guangdong",
            "Shenzhen, Guangdong, China",
            "Guangdong Province Shenzhen City",
        ] {
            assert_eq!(r(input), shenzhen, "{input:?}");
        }
        assert_eq!(shenzhen.name(), "深圳市");
        assert_eq!(shenzhen.level(), RegionLevel::City);
        assert_eq!(shenzhen.parent(), Some(r("广东")));
        assert_eq!(shenzhen.province(), r("Guangdong Province"));
        assert!(shenzhen.is_within(r("广东省")));
        assert!(!shenzhen.is_within(r("湖南")));
        assert!(!r("广东").is_within(shenzhen));
    }

    #[test]
    fn suffixes_omitted_or_added() {
        assert_eq!(code("延边"), 222400);
        assert_eq!(code("延边州"), 222400);
        assert_eq!(code("延边自治州"), 222400);
        assert_eq!(code("延边朝鲜族自治州"), 222400);
        assert_eq!(code("黔东南州"), 522600);
        assert_eq!(code("黔东南"), 522600);
        assert_eq!(code("贵州黔东南州"), 522600);
        assert_eq!(code("大兴安岭"), 232700);
        assert_eq!(code("大兴安岭地区"), 232700);
        assert_eq!(code("锡林郭勒"), 152500);
        assert_eq!(code("锡林郭勒盟"), 152500);
        assert_eq!(code("内蒙古锡林郭勒盟"), 152500);
        assert_eq!(code("广西"), 450000);
        assert_eq!(code("广西自治区"), 450000);
        assert_eq!(code("广西壮族自治区"), 450000);
        assert_eq!(code("广西壮族自治区南宁市"), 450100);
        assert_eq!(code("新疆乌鲁木齐"), 650100);
        assert_eq!(code("香港"), 810000);
        assert_eq!(code("香港特区"), 810000);
        assert_eq!(code("香港特别行政区"), 810000);
        assert_eq!(code("澳门"), 820000);
        assert_eq!(code("台湾"), 710000);
        assert_eq!(code("台湾省"), 710000);
        assert_eq!(code("湖南长沙市"), 430100);
        assert_eq!(code("湖南省长沙"), 430100);
    }

    #[test]
    fn prefecture_level_cities_of_recent_years() {
        for (name, code_) in [
            ("三沙", 460300),
            ("儋州", 460400),
            ("海东", 630200),
            ("毕节", 520500),
            ("铜仁", 520600),
            ("日喀则", 540200),
            ("昌都", 540300),
            ("林芝", 540400),
            ("山南", 540500),
            ("那曲", 540600),
            ("吐鲁番", 650400),
            ("哈密", 650500),
        ] {
            let region = r(name);
            assert_eq!(region.code(), code_, "{name}");
            assert!(region.name().ends_with('市'), "{name}");
            assert_eq!(region.level(), RegionLevel::City);
        }
        // Merged away.
        refused("莱芜");
        refused("巢湖");
    }

    #[test]
    fn county_level_cities() {
        let tianmen = r("天门");
        assert!(tianmen.is_county_level());
        assert_eq!(tianmen.level(), RegionLevel::City);
        assert_eq!(tianmen.parent(), Some(r("湖北")));
        assert_eq!(code("湖北省天门市"), 429006);
        assert_eq!(code("神农架林区"), 429021);
        assert_eq!(code("河南济源"), 419001);
        assert_eq!(code("新疆石河子市"), 659001);
        assert!(!r("深圳").is_county_level());
    }

    #[test]
    fn province_wins_a_bare_collision() {
        assert_eq!(r("吉林").level(), RegionLevel::Province);
        assert_eq!(r("吉林省").level(), RegionLevel::Province);
        assert_eq!(r("吉林市").level(), RegionLevel::City);
        assert_eq!(r("吉林吉林").level(), RegionLevel::City);
        assert_eq!(r("海南").code(), 460000);
        assert_eq!(r("海南海口").code(), 460100);
    }

    #[test]
    fn refusals_say_why() {
        let e = refused("广东长沙");
        assert!(
            e.reason.contains("长沙市") && e.reason.contains("湖南省"),
            "{e}"
        );
        assert!(e.reason.contains("广东省"), "{e}");
        let e = refused("湖南省深圳市");
        assert!(
            e.reason.contains("深圳市 is in 广东省, not in 湖南省"),
            "{e}"
        );
        let e = refused("Hunan Shenzhen");
        assert!(e.reason.contains("广东省"), "{e}");

        let e = refused("Suzhou");
        assert!(e.reason.contains("ambiguous"), "{e}");
        assert!(
            e.reason.contains("苏州市") && e.reason.contains("宿州市"),
            "{e}"
        );
        assert!(e.reason.contains("Jiangsu Suzhou"), "{e}");

        let e = refused("");
        assert!(e.reason.starts_with("empty"), "{e}");
        refused("   ");
        let e = refused("华为");
        assert!(
            e.reason.contains("unknown region") && e.reason.contains("深圳市"),
            "{e}"
        );
        refused("Atlantis");
        refused("北京市朝阳区");
        refused("中国");
        refused("广东广东");
        let e = refused("999999");
        assert!(e.reason.contains("unknown region code"), "{e}");
        let e = refused("4403");
        assert!(e.reason.contains("6 digits"), "{e}");
        let e = refused(&"北京".repeat(40));
        assert!(e.reason.contains("too long"), "{e}");
        refused(&"\u{FDFA}".repeat(60));
        // The error becomes a field validation error.
        let err = refused("广东长沙").in_field("region");
        assert_eq!(err.kind(), crate::error::ErrorKind::Validation);
    }

    // --- parse: English -----------------------------------------------------------------------

    #[test]
    fn english_names_and_aliases() {
        assert_eq!(code("Guangdong Province"), 440000);
        assert_eq!(code("guangdong sheng"), 440000);
        assert_eq!(code("Inner Mongolia"), 150000);
        assert_eq!(code("Nei Mongol"), 150000);
        assert_eq!(code("Neimenggu"), 150000);
        assert_eq!(code("Inner Mongolia Autonomous Region"), 150000);
        assert_eq!(code("Tibet"), 540000);
        assert_eq!(code("Xizang"), 540000);
        assert_eq!(code("Xinjiang Uygur Autonomous Region"), 650000);
        assert_eq!(code("Hong Kong"), 810000);
        assert_eq!(code("HongKong SAR"), 810000);
        assert_eq!(code("Macao"), 820000);
        assert_eq!(code("Macau"), 820000);
        assert_eq!(code("Shaanxi"), 610000);
        assert_eq!(code("Shanxi"), 140000);
        assert_eq!(code("Xi'an"), 610100);
        assert_eq!(code("xian"), 610100);
        assert_eq!(code("Canton"), 440100);
        assert_eq!(code("Urumqi"), 650100);
        assert_eq!(code("Shigatse"), 540200);
        assert_eq!(code("Yanbian Prefecture"), 222400);
        assert_eq!(code("Xilingol League"), 152500);
        assert_eq!(code("Hunan Changsha"), 430100);
        assert_eq!(code("Lüliang"), 141100);
        assert_eq!(code("LVLIANG"), 141100);
        assert_eq!(r("Inner Mongolia").english_name(), "Inner Mongolia");
        assert_eq!(r("西藏").english_name(), "Tibet");
        assert_eq!(r("香港").english_name(), "Hong Kong");
    }

    // --- longest_prefix -------------------------------------------------------------------------

    #[test]
    fn longest_prefix_of_company_names() {
        assert_eq!(prefix("北京华为技术有限公司"), Some((110000, "北京")));
        assert_eq!(
            Region::longest_prefix("北京华为技术有限公司"),
            Some((r("北京"), 6))
        );
        assert_eq!(
            prefix("深圳市腾讯计算机系统有限公司"),
            Some((440300, "深圳市"))
        );
        assert_eq!(
            prefix("广东省深圳市某某公司"),
            Some((440300, "广东省深圳市"))
        );
        assert_eq!(prefix("广东深圳某某公司"), Some((440300, "广东深圳")));
        assert_eq!(prefix("广东某某公司"), Some((440000, "广东")));
        assert_eq!(prefix("广东长城公司"), Some((440000, "广东")));
        assert_eq!(prefix("上海市浦东新区某某公司"), Some((310000, "上海市")));
        assert_eq!(prefix("吉林市某某公司"), Some((220200, "吉林市")));
        assert_eq!(prefix("吉林省长春某某公司"), Some((220100, "吉林省长春")));
        assert_eq!(prefix("延边州某某公司"), Some((222400, "延边州")));
        assert_eq!(
            prefix("延边朝鲜族自治州某某公司"),
            Some((222400, "延边朝鲜族自治州"))
        );
        assert_eq!(
            prefix("宁德时代新能源科技股份有限公司"),
            Some((350900, "宁德"))
        );
        assert_eq!(prefix("西藏阿里某某公司"), Some((542500, "西藏阿里")));
        assert_eq!(prefix("阿里地区某某公司"), Some((542500, "阿里地区")));
        assert_eq!(prefix("湖北天门某某公司"), Some((429006, "湖北天门")));
        assert_eq!(prefix("东方市某某公司"), Some((469007, "东方市")));
        assert_eq!(prefix("福建三明市某某公司"), Some((350400, "福建三明市")));
        assert_eq!(prefix("北京"), Some((110000, "北京")));
    }

    #[test]
    fn longest_prefix_ignores_ordinary_words() {
        for text in [
            "华为技术有限公司",
            "中国银行",
            "阿里巴巴（中国）有限公司",
            "阿里云计算有限公司",
            "东方航空股份有限公司",
            "三明治餐饮管理有限公司",
            "北海道拉面馆",
            "大理石材有限公司",
            "海西重工",
            "",
            "北",
            " 北京华为",
        ] {
            assert_eq!(prefix(text), None, "{text:?}");
        }
        assert_eq!(prefix("福建三明治餐饮"), Some((350000, "福建")));
    }

    // --- formats --------------------------------------------------------------------------------

    #[test]
    fn display_debug_from_str() {
        let shenzhen: Region = "深圳".parse().unwrap();
        assert_eq!(shenzhen.to_string(), "深圳市");
        assert_eq!(format!("{shenzhen:?}"), "Region(440300 深圳市)");
        assert!("nowhere".parse::<Region>().is_err());
        assert_eq!(RegionLevel::City.to_string(), "city");
        assert_eq!(RegionLevel::Province.as_str(), "province");
    }

    #[test]
    fn serde_uses_the_code() {
        let shenzhen = r("深圳");
        assert_eq!(serde_json::to_string(&shenzhen).unwrap(), "\"440300\"");
        let parse = |json: &str| serde_json::from_str::<Region>(json);
        assert_eq!(parse("\"440300\"").unwrap(), shenzhen);
        assert_eq!(parse("\"广东深圳\"").unwrap(), shenzhen);
        assert_eq!(parse("440300").unwrap(), shenzhen);
        assert_eq!(parse("\"110000\"").unwrap(), r("北京"));
        assert_eq!(parse("\"北京\"").unwrap(), r("北京"));
        let err = parse("\"广东长沙\"").unwrap_err().to_string();
        assert!(err.contains("湖南省"), "{err}");
        assert!(parse("440305").is_err());
        assert!(parse("-1").is_err());
        assert!(parse("null").is_err());
        // Area codes and shortened codes are not region codes.
        assert!(parse("\"0755\"").is_err());
        assert!(parse("\"4403\"").is_err());
    }

    // --- properties ---------------------------------------------------------------------------

    fn any_region() -> impl Strategy<Value = Region> {
        proptest::sample::select(Region::all().collect::<Vec<_>>())
    }

    /// Text made of region names, suffixes and filler, so that the interesting paths are hit.
    fn regionish_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            any_region().prop_map(|r| r.name().to_owned()),
            any_region().prop_map(|r| r.short_name().to_owned()),
            any_region().prop_map(|r| r.english_name().to_owned()),
            proptest::sample::select(vec![
                "市",
                "省",
                "州",
                "地区",
                "盟",
                "自治区",
                "中国",
                "有限公司",
                " ",
                ",",
                "-",
                "治",
                "巴巴",
                "City",
                "Province",
                "China",
                "0",
                "440300",
            ])
            .prop_map(str::to_owned),
            "[\\PC]{0,3}",
        ];
        proptest::collection::vec(piece, 0..5).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in any::<String>()) {
            let _ = Region::parse(&input);
            let _ = Region::longest_prefix(&input);
        }

        #[test]
        fn parse_never_panics_on_regionish_text(input in regionish_text()) {
            if let Ok(region) = Region::parse(&input) {
                prop_assert_eq!(Region::parse(&region.code().to_string()), Ok(region));
            }
        }

        #[test]
        fn longest_prefix_is_a_name_of_the_region(text in regionish_text()) {
            if let Some((region, len)) = Region::longest_prefix(&text) {
                prop_assert!(text.is_char_boundary(len) && len > 0);
                prop_assert_eq!(Region::parse(&text[..len]), Ok(region), "{:?}", &text[..len]);
            }
        }

        #[test]
        fn name_code_and_serde_round_trip(region in any_region()) {
            prop_assert_eq!(Region::parse(region.name()), Ok(region));
            prop_assert_eq!(Region::parse(&region.code().to_string()), Ok(region));
            prop_assert_eq!(Region::from_code(region.code()), Some(region));
            let json = serde_json::to_string(&region).unwrap();
            prop_assert_eq!(serde_json::from_str::<Region>(&json).unwrap(), region);
            if let Some(province) = region.parent() {
                let qualified = format!("{}{}", province.name(), region.name());
                prop_assert_eq!(Region::parse(&qualified), Ok(region));
            }
        }
    }

    /// The round trips of the property above, for every region rather than a sample.
    #[test]
    fn every_region_round_trips() {
        for region in Region::all() {
            assert_eq!(Region::parse(region.name()), Ok(region));
            assert_eq!(Region::parse(&region.code().to_string()), Ok(region));
            let json = serde_json::to_string(&region).unwrap();
            assert_eq!(json, format!("\"{}\"", region.code()));
            assert_eq!(serde_json::from_str::<Region>(&json).unwrap(), region);
            if let Some(province) = region.parent() {
                let qualified = format!("{}{}", province.short_name(), region.short_name());
                assert_eq!(Region::parse(&qualified), Ok(region), "{qualified}");
                let qualified = format!("{} {}", province.english_name(), region.english_name());
                assert_eq!(Region::parse(&qualified), Ok(region), "{qualified}");
            }
        }
    }
}
