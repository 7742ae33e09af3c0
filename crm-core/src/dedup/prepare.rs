//! Raw cells to comparable values: one [`Prepared`] record per input record, computed once.
//!
//! Each field's value is normalised for its kind (a phone to E.164, a company name to its core
//! without legal form and region, a person name without titles), keeps alternative forms that
//! count as exact agreement (pinyin keys, so 「张伟」 meets "Zhang Wei"), and yields the
//! blocking keys that make two records candidates.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::dedup::compare::{
    Comparator, FNV_OFFSET, fnv1a_extend, token_hashes, token_set_level_of_hashes, with_typos,
};
use crate::dedup::date::normalise_date;
use crate::dedup::kind::FieldKind;
use crate::dedup::normalize::company::CompanyKey;
use crate::dedup::normalize::person::PersonKey;
use crate::dedup::normalize::{fold, pinyin_key};
use crate::value::{Email, Phone, Region, RegionLevel, is_han};

/// A field's normalised value, borrowed from its [`Prepared`] record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreparedValue<'a> {
    /// The form comparators see.
    pub text: &'a str,
    /// For addresses and free text: the token hashes the token-set comparator uses.
    pub tokens: &'a [u32],
    /// The variants, each after a [`VARIANT_SEPARATOR`].
    variants: &'a str,
    /// For company names: the code of the region named in it and of that region's province
    /// (0 when none), so branches in different cities differ.
    region: [u32; 2],
    /// For company names: how many bytes of the pinyin key (the first variant) spell the
    /// brand's first two characters or, for a romanised name, its first word; 0 for none.
    brand: u32,
}

impl<'a> PreparedValue<'a> {
    /// Other forms whose equality counts as exact agreement (pinyin keys, name orders).
    pub fn variants(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.variants.split(VARIANT_SEPARATOR).skip(1)
    }

    /// The start of [`pinyin_or_text`](Self::pinyin_or_text) that spells a company name's
    /// brand; `None` for none.
    fn brand_head(&self) -> Option<&'a str> {
        let key = self.pinyin_or_text();
        key.get(..self.brand as usize)
            .filter(|head| !head.is_empty())
    }

    /// The first variant (a name's pinyin key), or the text where there is none.
    fn pinyin_or_text(&self) -> &'a str {
        self.variants().next().unwrap_or(self.text)
    }

    /// For company names: the region named in it, so branches in different cities differ.
    pub fn region(&self) -> Option<Region> {
        Region::from_code(self.region[0])
    }

    /// Whether both values name a region and neither lies within the other (「华为北京」 and
    /// 「华为上海」, but not 「华为北京」 and 「华为」 or 「华为广东」 and 「华为深圳」).
    fn regions_differ(&self, other: &PreparedValue<'_>) -> bool {
        let ([a, a_parent], [b, b_parent]) = (self.region, other.region);
        a != 0 && b != 0 && a != b && a_parent != b && b_parent != a
    }
}

/// Put before each variant of a value. Variants are pinyin keys and lowercase names, which
/// never hold it; one that did would only count as two variants.
const VARIANT_SEPARATOR: char = '\0';

/// A record ready for comparison: one optional value per field.
///
/// Compact, as a batch holds millions and compares each with records anywhere in memory: two
/// allocations, one with every value's text and variants, one with the field count, each
/// field's slot and every token hash.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prepared {
    text: Box<str>,
    /// `[fields, slots (SLOT_WORDS per field)..., token hashes...]`; empty for no fields.
    meta: Box<[u32]>,
}

/// Where a field's value lies in its record, as words of [`Prepared::meta`]: its text and
/// variants end at `END` in the record's text (starting where the previous field's end), the
/// text alone at `TEXT_END`; its tokens end at `TOKENS_END` in the meta words (starting where
/// the previous field's end, the first field's after the slots); `REGION` and
/// `REGION_PARENT` are the codes of the region it names and of that region's province, 0 for
/// none; `BRAND` is the length of a company name's brand head ([`PreparedValue::brand`]). A
/// field without a value has an empty text.
mod slot {
    pub(super) const END: usize = 0;
    pub(super) const TEXT_END: usize = 1;
    pub(super) const TOKENS_END: usize = 2;
    pub(super) const REGION: usize = 3;
    pub(super) const REGION_PARENT: usize = 4;
    pub(super) const BRAND: usize = 5;
}

/// Words per field in [`Prepared::meta`].
const SLOT_WORDS: usize = 6;

impl Prepared {
    /// Normalise `cells` (one per field, in `kinds` order).
    pub fn new(kinds: &[FieldKind], cells: &[Option<&str>]) -> Prepared {
        // Region cells are parsed once, for their own values and for the area code.
        let regions: Vec<Option<Region>> = kinds
            .iter()
            .zip(cells)
            .map(|(&kind, cell)| match kind {
                FieldKind::Region => parse_region((*cell)?.trim()),
                _ => None,
            })
            .collect();
        let area = area_code_of(&regions);
        let parts: Vec<Option<Parts>> = kinds
            .iter()
            .zip(cells)
            .zip(&regions)
            .map(|((&kind, cell), &region)| cell.and_then(|c| prepare_value(kind, c, area, region)))
            .collect();
        let present = parts.iter().flatten();
        let text_len: usize = present
            .clone()
            .map(|p| p.text.len() + p.variants.iter().map(|v| v.len() + 1).sum::<usize>())
            .sum();
        let token_count: usize = present.map(|p| p.tokens.len()).sum();
        let header = 1 + SLOT_WORDS * parts.len();
        let mut text = String::with_capacity(text_len);
        let mut meta = vec![0; header + token_count];
        let word = |len: usize| u32::try_from(len).expect("a record's text fits in 4 GiB");
        meta[0] = word(parts.len());
        let mut tokens_end = header;
        for (part, slot) in parts
            .iter()
            .zip(meta[1..header].chunks_exact_mut(SLOT_WORDS))
        {
            let mut text_end = text.len();
            if let Some(part) = part {
                text.push_str(&part.text);
                text_end = text.len();
                for variant in &part.variants {
                    text.push(VARIANT_SEPARATOR);
                    text.push_str(variant);
                }
                let region = part
                    .region
                    .map_or([0, 0], |r| [r.code(), r.parent().map_or(0, Region::code)]);
                slot[slot::REGION] = region[0];
                slot[slot::REGION_PARENT] = region[1];
                slot[slot::BRAND] = word(part.brand);
            }
            slot[slot::END] = word(text.len());
            slot[slot::TEXT_END] = word(text_end);
            tokens_end += part.as_ref().map_or(0, |p| p.tokens.len());
            slot[slot::TOKENS_END] = word(tokens_end);
        }
        let mut tokens_at = header;
        for part in parts.iter().flatten() {
            meta[tokens_at..tokens_at + part.tokens.len()].copy_from_slice(&part.tokens);
            tokens_at += part.tokens.len();
        }
        Prepared {
            text: text.into_boxed_str(),
            meta: meta.into_boxed_slice(),
        }
    }

    /// How many fields the record has.
    fn fields(&self) -> usize {
        self.meta.first().map_or(0, |&n| n as usize)
    }

    /// The slot of field `f`, which must exist.
    fn slot(&self, f: usize) -> &[u32] {
        &self.meta[1 + f * SLOT_WORDS..1 + (f + 1) * SLOT_WORDS]
    }

    /// The value of field `f`; `None` where the cell is empty or unusable.
    pub fn value(&self, f: usize) -> Option<PreparedValue<'_>> {
        let fields = self.fields();
        if f >= fields {
            return None;
        }
        let slot = self.slot(f);
        let (start, tokens_start) = match f.checked_sub(1) {
            Some(previous) => {
                let previous = self.slot(previous);
                (
                    previous[slot::END] as usize,
                    previous[slot::TOKENS_END] as usize,
                )
            }
            None => (0, 1 + SLOT_WORDS * fields),
        };
        let text_end = slot[slot::TEXT_END] as usize;
        (text_end > start).then(|| PreparedValue {
            text: &self.text[start..text_end],
            tokens: &self.meta[tokens_start..slot[slot::TOKENS_END] as usize],
            variants: &self.text[text_end..slot[slot::END] as usize],
            region: [slot[slot::REGION], slot[slot::REGION_PARENT]],
            brand: slot[slot::BRAND],
        })
    }

    /// The values in field order; `None` where the cell is empty or unusable.
    pub fn values(&self) -> impl Iterator<Item = Option<PreparedValue<'_>>> {
        (0..self.fields()).map(|f| self.value(f))
    }

    /// Read a word of every cache line the record lies on, returning a value of no meaning:
    /// scoring many records scattered in memory goes faster when a first pass touches all of
    /// them, as the processor then fetches them together rather than each in turn. Pass the
    /// result to [`std::hint::black_box`], so that the reads stay.
    pub(crate) fn touch(&self) -> u32 {
        const LINE: usize = 64;
        let text = self.text.bytes().step_by(LINE).map(u32::from);
        let meta = self.meta.iter().step_by(LINE / 4).copied();
        text.chain(meta).fold(0, u32::wrapping_add)
    }

    /// Whether every field is empty: such a record never matches anything.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// Region cells hold a few hundred distinct texts over millions of records, and parsing one
/// normalises and searches the whole table: each thread remembers what it parsed, up to
/// [`REGION_CACHE_LIMIT`] texts so that a column of junk cannot grow it without end.
fn parse_region(cell: &str) -> Option<Region> {
    thread_local! {
        static PARSED: RefCell<HashMap<Box<str>, Option<Region>>> = RefCell::new(HashMap::new());
    }
    PARSED.with_borrow_mut(|parsed| {
        if let Some(&region) = parsed.get(cell) {
            return region;
        }
        let region = Region::parse(cell).ok();
        if parsed.len() < REGION_CACHE_LIMIT {
            parsed.insert(cell.into(), region);
        }
        region
    })
}

/// How many region texts each thread remembers at most.
const REGION_CACHE_LIMIT: usize = 4096;

/// A field's normalised value while its record is put together.
#[derive(Debug, Default)]
struct Parts {
    text: String,
    variants: Vec<String>,
    region: Option<Region>,
    tokens: Vec<u32>,
    /// See [`PreparedValue::brand`].
    brand: usize,
}

fn value(text: String) -> Option<Parts> {
    (!text.is_empty()).then(|| Parts {
        text,
        ..Parts::default()
    })
}

/// The start of a company name's core that names its brand: its first two Han characters
/// (「瑞凯」 of 「瑞凯汽车零部件」), or its first word (`ruikai` of `ruikai auto parts`), two
/// when the first is short (`ke sheng`).
fn brand_head(core: &str) -> &str {
    let end = |chars: usize| {
        core.char_indices()
            .nth(chars)
            .map_or(core.len(), |(at, _)| at)
    };
    if core.starts_with(is_han) {
        let han = core.chars().take(2).take_while(|&c| is_han(c)).count();
        return &core[..end(han)];
    }
    let word_end = |from: usize| core[from..].find(' ').map_or(core.len(), |at| from + at);
    let first = word_end(0);
    if first >= BRAND_WORD || first == core.len() {
        return &core[..first];
    }
    &core[..word_end(first + 1)]
}

/// A romanised brand's first word shorter than this is read with the next (`ke sheng`).
const BRAND_WORD: usize = 4;

/// The landline area code of the record's own place, a city before a province: salespeople
/// type a local number (「66881234」) without the area code of the customer's city.
fn area_code_of(regions: &[Option<Region>]) -> Option<&'static str> {
    regions
        .iter()
        .flatten()
        .filter_map(|region| Some((region.level() == RegionLevel::City, region.area_code()?)))
        .max_by_key(|(is_city, _)| *is_city)
        .map(|(_, code)| code)
}

/// The value of `cell`, of `kind`; `region` is the cell parsed as a region, for region cells.
fn prepare_value(
    kind: FieldKind,
    cell: &str,
    area_code: Option<&str>,
    region: Option<Region>,
) -> Option<Parts> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    match kind {
        FieldKind::CompanyName => {
            let key = CompanyKey::from_name(cell);
            let core = if key.core.is_empty() {
                fold(cell)
            } else {
                key.core
            };
            let brand = pinyin_key(brand_head(&core)).len();
            let mut prepared = value(core)?;
            prepared.variants = [key.pinyin].into_iter().filter(|p| !p.is_empty()).collect();
            prepared.region = key.region;
            prepared.brand = brand;
            Some(prepared)
        }
        FieldKind::PersonName => {
            let key = PersonKey::from_name(cell);
            let mut prepared = value(key.full)?;
            prepared.variants = key.pinyin_keys;
            Some(prepared)
        }
        FieldKind::GivenName | FieldKind::Surname => value(fold(cell)).map(|mut v| {
            let pinyin = pinyin_key(&v.text);
            if pinyin != v.text && !pinyin.is_empty() {
                v.variants.push(pinyin);
            }
            v
        }),
        FieldKind::Phone => match Phone::parse(cell).or_else(|refused| {
            area_code.map_or(Err(refused), |area| Phone::parse_in_area(cell, area))
        }) {
            Ok(phone) => value(phone.e164()),
            // An unparseable number still identifies: compare its digits.
            Err(_) => value(cell.chars().filter(char::is_ascii_digit).collect()),
        },
        FieldKind::Email => match Email::parse(cell) {
            Ok(email) => value(email.as_str().to_owned()),
            Err(_) => value(fold(cell)),
        },
        FieldKind::Date => normalise_date(cell).and_then(value),
        FieldKind::Region => match region {
            Some(region) => value(region.code().to_string()),
            None => value(fold(cell)),
        },
        FieldKind::Identifier | FieldKind::Postcode => {
            value(fold(cell).chars().filter(|c| !c.is_whitespace()).collect())
        }
        _ => value(fold(cell)).map(|mut v| {
            v.tokens = token_hashes(&v.text);
            v
        }),
    }
}

/// The agreement level of two values under `comparator`: the comparator's own level, raised to
/// exact when an alternative form agrees, and lowered to disagreement when the two name
/// different regions (branches in different cities are different customers). Company names
/// that the comparator finds unlike but whose pinyin keys begin alike are the same brand in
/// other wording ([`Comparator::CompanyName`]).
pub fn level(comparator: &Comparator, a: &PreparedValue<'_>, b: &PreparedValue<'_>) -> u8 {
    if a.regions_differ(b) {
        return 0;
    }
    let top = comparator.levels() - 1;
    let direct = match comparator {
        Comparator::TokenSet
            if a.text != b.text && !a.tokens.is_empty() && !b.tokens.is_empty() =>
        {
            with_typos(
                token_set_level_of_hashes(a.tokens, b.tokens),
                a.text,
                b.text,
            )
        }
        _ => comparator.compare(a.text, b.text),
    };
    // Most values have no variants: no need to look for them.
    if direct < top
        && !a.variants.is_empty()
        && a.variants()
            .any(|v| v == b.text || b.variants().any(|w| w == v))
    {
        return top;
    }
    if direct == 0 && matches!(comparator, Comparator::CompanyName { .. }) && same_brand(a, b) {
        return 1;
    }
    direct
}

/// The shortest brand head, in letters of pinyin, that counts when another name's key holds
/// it rather than begins with it.
const SHORTEST_BRAND: usize = 4;

/// Whether two company names share their brand: one's pinyin key (the first variant, or the
/// text itself) begins with the other's brand head ([`PreparedValue::brand`]: `ruikai` and
/// `ruikai auto parts`, 「泰信」 and 「泰信包装材料」, `antong` and 「安通化工」, homophones
/// 「讯英」 and 「迅英」), or a romanised key holds the other's brand head after a word the
/// normaliser left before it (`suzhou fengxing` and 「丰星」), or two romanised heads of six
/// letters or more are one typo apart (`raninson`, `ganinson`). One shared character or syllable
/// (「恒盛」 and 「恒创」) is not a brand, nor a brand inside a Han name (「中信华科」 and 「华科」).
fn same_brand(a: &PreparedValue<'_>, b: &PreparedValue<'_>) -> bool {
    let (x, y) = (a.pinyin_or_text(), b.pinyin_or_text());
    let (Some(x_head), Some(y_head)) = (a.brand_head(), b.brand_head()) else {
        return false;
    };
    let holds = |key: &str, value: &PreparedValue<'_>, head: &str| {
        !value.text.starts_with(is_han) && head.len() >= SHORTEST_BRAND && key.contains(head)
    };
    // A typo in a long romanised brand (`raninson` typed `ganinson`); a Han brand one
    // character off is another brand (「恒盛」 and 「恒创」), and its typos are homophones.
    let typo = || {
        !a.text.starts_with(is_han)
            && !b.text.starts_with(is_han)
            && x_head.len().min(y_head.len()) >= SHORTEST_TYPED_BRAND
            && strsim::osa_distance(x_head, y_head) == 1
    };
    y.starts_with(x_head)
        || x.starts_with(y_head)
        || holds(x, a, y_head)
        || holds(y, b, x_head)
        || typo()
}

/// The shortest romanised brand head whose one-letter typo still names the brand: shorter
/// words one letter apart are often other words (`bright`, `brighs`… `ford`, `lord`).
const SHORTEST_TYPED_BRAND: usize = 6;

/// A blocking key: records sharing one are compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockingKey {
    /// The key itself (field index, kind of key and value, so keys of different fields never
    /// collide).
    pub text: String,
    /// The fields, as bits of their indexes, that pairs found through this key agree on by
    /// construction and that model fitting therefore ignores for such pairs (see
    /// `forced_by`).
    pub fields: u64,
    /// The order of trust among keys (lower first): a pair found by several keys is counted
    /// under the first.
    pub rule: u16,
}

/// Rule priority of a key on a field of `kind`: exact identifiers before names.
fn rule_of(kind: FieldKind, field: usize) -> u16 {
    let priority: u16 = match kind {
        FieldKind::Identifier => 0,
        FieldKind::Phone => 1,
        FieldKind::Email => 2,
        FieldKind::Date => 3,
        FieldKind::CompanyName => 4,
        FieldKind::PersonName => 5,
        _ => 6,
    };
    priority * 64 + field.min(63) as u16
}

/// The fields a key on field `field` of `kind` forces to agree, for model fitting.
///
/// Only name keys count: many different customers share a name (张伟, 王芳, a brand in two
/// cities), so pairs found through one agree on it far more often than matches explain, and
/// would teach the model that a shared name means a match. A shared phone, email, identifier
/// or birth date is itself the evidence that makes such pairs matches; hiding it from fitting
/// leaves the model nothing to learn the match class from.
fn forced_by(kind: FieldKind, field: usize) -> u64 {
    match kind {
        FieldKind::CompanyName | FieldKind::PersonName => bit(field),
        _ => 0,
    }
}

/// The rule of the name-prefix key, after every single-field key.
const NAME_PREFIX_RULE: u16 = 7 * 64;

/// The rule of pairs found by the sorted-neighbourhood pass: last.
pub const NEIGHBOURHOOD_RULE: u16 = 8 * 64;

/// The bit of `field` in a set of fields held as bits of their indexes (none past 63).
pub(crate) fn bit(field: usize) -> u64 {
    1_u64.checked_shl(field as u32).unwrap_or(0)
}

/// The blocking keys of a prepared record.
pub fn blocking_keys(kinds: &[FieldKind], record: &Prepared) -> Vec<BlockingKey> {
    let mut keys = Vec::new();
    for_each_key(kinds, record, |key| {
        keys.push(BlockingKey {
            text: key.text(),
            fields: key.fields,
            rule: key.rule,
        });
    });
    keys
}

/// What a blocking key is made of, so that a key's text (for the live index) and its hash (for
/// batch runs) come from one definition.
#[derive(Debug, Clone, Copy)]
enum KeyLabel {
    /// The normalised value of a field: `{field}={value}`.
    Value(usize),
    /// An alternative form of a field's value: `{field}~{variant}`.
    Variant(usize),
    /// Given-name and surname prefixes together: `gs={given}|{surname}`.
    NamePrefix,
}

/// A blocking key borrowed from a record, before it is written out or hashed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyRef<'a> {
    label: KeyLabel,
    values: [&'a str; 2],
    /// See [`BlockingKey::fields`].
    pub(crate) fields: u64,
    /// See [`BlockingKey::rule`].
    pub(crate) rule: u16,
}

impl KeyRef<'_> {
    /// The key as text; keys of different fields or kinds never share a text.
    fn text(&self) -> String {
        let [first, second] = self.values;
        match self.label {
            KeyLabel::Value(f) => format!("{f}={first}"),
            KeyLabel::Variant(f) => format!("{f}~{first}"),
            KeyLabel::NamePrefix => format!("gs={first}|{second}"),
        }
    }

    /// A 64-bit hash that tells keys apart as their [`text`](Self::text) does, without
    /// writing the text out.
    pub(crate) fn hash(&self) -> u64 {
        let (tag, field) = match self.label {
            KeyLabel::Value(f) => (b'=', f),
            KeyLabel::Variant(f) => (b'~', f),
            KeyLabel::NamePrefix => (b'|', usize::MAX),
        };
        let [first, second] = self.values;
        [
            &(field as u64).to_le_bytes()[..],
            &[tag],
            first.as_bytes(),
            &[0xff],
            second.as_bytes(),
        ]
        .iter()
        .fold(FNV_OFFSET, |hash, bytes| fnv1a_extend(hash, bytes))
    }
}

/// Call `emit` with each blocking key of a prepared record.
pub(crate) fn for_each_key<'a>(
    kinds: &[FieldKind],
    record: &'a Prepared,
    mut emit: impl FnMut(KeyRef<'a>),
) {
    for (f, (&kind, v)) in kinds.iter().zip(record.values()).enumerate() {
        let Some(v) = v else { continue };
        let key = |label, value| KeyRef {
            label,
            values: [value, ""],
            fields: forced_by(kind, f),
            rule: rule_of(kind, f),
        };
        if has_value_keys(kind) {
            emit(key(KeyLabel::Value(f), v.text));
        }
        if has_variant_keys(kind) {
            for p in v.variants() {
                emit(key(KeyLabel::Variant(f), p));
            }
        }
    }
    // Name prefixes together: typos rarely hit the first letters of both names.
    let prefix = |k: FieldKind| {
        let (f, text) = kinds
            .iter()
            .zip(record.values())
            .enumerate()
            .find_map(|(f, (kind, v))| Some((f, v.filter(|_| *kind == k)?.text)))?;
        let end = text
            .char_indices()
            .nth(2)
            .map_or(text.len(), |(end, _)| end);
        Some((f, &text[..end]))
    };
    if let (Some((gf, g)), Some((sf, s))) =
        (prefix(FieldKind::GivenName), prefix(FieldKind::Surname))
    {
        emit(KeyRef {
            label: KeyLabel::NamePrefix,
            values: [g, s],
            fields: bit(gf) | bit(sf),
            rule: NAME_PREFIX_RULE,
        });
    }
}

/// Whether values of `kind` are blocking keys. A postcode alone is shared by too many records
/// of a large file to compare them all, but combined with a birth date or a name prefix
/// (`Deduper`'s combined keys) it finds the duplicates whose other keys all changed.
fn has_value_keys(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Phone
            | FieldKind::Email
            | FieldKind::Identifier
            | FieldKind::Date
            | FieldKind::CompanyName
            | FieldKind::PersonName
            | FieldKind::Postcode
    )
}

/// Whether the variants (pinyin keys, name orders) of values of `kind` are blocking keys.
fn has_variant_keys(kind: FieldKind) -> bool {
    matches!(kind, FieldKind::CompanyName | FieldKind::PersonName)
}

/// Where candidate pairs of records of `kinds` come from: every `(rule, fields)` that a
/// blocking key of such a record can have (see [`BlockingKey`]), and the sorted-neighbourhood
/// pass's, sorted, so that an index into the list orders as its rule does. A batch holds
/// millions of candidates and keys, each with such an index rather than a rule and fields.
pub(crate) fn key_sources(kinds: &[FieldKind]) -> Vec<(u16, u64)> {
    let mut sources: Vec<(u16, u64)> = kinds
        .iter()
        .enumerate()
        .filter(|(_, kind)| has_value_keys(**kind) || has_variant_keys(**kind))
        .map(|(f, &kind)| (rule_of(kind, f), forced_by(kind, f)))
        .collect();
    let fields_of = |want: FieldKind| {
        kinds
            .iter()
            .enumerate()
            .filter(move |(_, kind)| **kind == want)
            .map(|(f, _)| f)
    };
    for given in fields_of(FieldKind::GivenName) {
        for surname in fields_of(FieldKind::Surname) {
            sources.push((NAME_PREFIX_RULE, bit(given) | bit(surname)));
        }
    }
    sources.push((NEIGHBOURHOOD_RULE, sort_fields(kinds)));
    sources.sort_unstable();
    sources.dedup();
    sources
}

/// The fields that lead the sort key: neighbours in that order agree on them more often than
/// chance, so fitting ignores them for neighbourhood pairs.
pub fn sort_fields(kinds: &[FieldKind]) -> u64 {
    SORT_ORDER
        .iter()
        .find_map(|want| {
            let fields = kinds
                .iter()
                .enumerate()
                .filter(|(_, k)| *k == want)
                .fold(0, |acc, (f, _)| acc | bit(f));
            (fields != 0).then_some(fields)
        })
        .unwrap_or(0)
}

/// Kinds in the order they make up the sort key.
const SORT_ORDER: [FieldKind; 5] = [
    FieldKind::CompanyName,
    FieldKind::PersonName,
    FieldKind::Surname,
    FieldKind::GivenName,
    FieldKind::Date,
];

/// The key records are sorted by for the sorted-neighbourhood pass: names first, so that
/// records differing by a typo late in a name end up next to each other.
pub fn sort_key(kinds: &[FieldKind], record: &Prepared) -> String {
    let mut key = String::new();
    for want in SORT_ORDER {
        for (kind, v) in kinds.iter().zip(record.values()) {
            if *kind == want {
                if let Some(v) = v {
                    key.push_str(v.variants().next().unwrap_or(v.text));
                }
                key.push('|');
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The level of two company names under the company comparator.
    fn company_level(a: &str, b: &str) -> u8 {
        let kinds = [FieldKind::CompanyName];
        let (x, y) = (
            Prepared::new(&kinds, &[Some(a)]),
            Prepared::new(&kinds, &[Some(b)]),
        );
        let comparator = Comparator::for_kind(FieldKind::CompanyName);
        level(&comparator, &x.value(0).unwrap(), &y.value(0).unwrap())
    }

    #[test]
    fn company_names_of_one_brand_in_other_words_agree_weakly() {
        for (a, b) in [
            ("东莞泰信包装材料集团有限公司", "泰信"),
            ("安通化工有限公司", "Antong"),
            (
                "Tianjin Ruikai Auto Parts Co., Ltd.",
                "瑞凯汽车零部件有限公司",
            ),
            ("嘉傲生物", "湖州嘉奥有限公司"),
            (
                "Suzhou Fengxing New Materials Co., Ltd.",
                "苏州丰星新材料有限公司",
            ),
            (
                "Ganinson & Williams",
                "Raninson & Williams Manufacturing Inc.",
            ),
            (
                "Mjurphy South Manufacturing",
                "Murphy South Mfg, Corporation",
            ),
        ] {
            assert_eq!(company_level(a, b), 1, "{a} / {b}");
            assert_eq!(company_level(b, a), 1, "{b} / {a}");
        }
    }

    #[test]
    fn company_names_sharing_one_character_or_a_word_inside_disagree() {
        for (a, b) in [
            ("北京恒盛贸易有限公司", "北京恒创科技有限公司"),
            ("上海创盛贸易有限公司", "上海创泰科技有限公司"),
            ("中信华科有限公司", "华科有限公司"),
            ("北京华信科技有限公司", "北京鼎盛贸易有限公司"),
            ("北京华信科技有限公司", "上海华信科技有限公司"),
            ("Ford Logistics", "Lord Capital"),
        ] {
            assert_eq!(company_level(a, b), 0, "{a} / {b}");
            assert_eq!(company_level(b, a), 0, "{b} / {a}");
        }
    }

    #[test]
    fn values_keep_their_text_variants_region_and_tokens() {
        let kinds = [
            FieldKind::CompanyName,
            FieldKind::Phone,
            FieldKind::PersonName,
            FieldKind::Address,
        ];
        let record = Prepared::new(
            &kinds,
            &[
                Some("北京华为技术有限公司"),
                None,
                Some("张伟"),
                Some("北京市 朝阳区"),
            ],
        );
        let company = record.value(0).unwrap();
        assert_eq!(company.text, "华为");
        assert_eq!(company.variants().collect::<Vec<_>>(), ["huawei"]);
        assert_eq!(company.region().map(Region::code), Some(110000));
        assert!(company.tokens.is_empty());
        assert_eq!(record.value(1), None);
        let person = record.value(2).unwrap();
        assert_eq!(person.text, "张伟");
        assert_eq!(
            person.variants().collect::<Vec<_>>(),
            ["zhangwei", "weizhang"]
        );
        let address = record.value(3).unwrap();
        assert_eq!(address.tokens, token_hashes("北京市 朝阳区"));
        assert_eq!(address.variants().count(), 0);
        assert_eq!(record.value(4), None);
        assert_eq!(record.values().flatten().count(), 3);
        assert!(!record.is_empty());
        assert!(Prepared::new(&kinds, &[None, Some(" "), None, None]).is_empty());
    }

    #[test]
    fn key_sources_hold_every_key_s_rule_and_fields_in_rule_order() {
        let kinds = [
            FieldKind::CompanyName,
            FieldKind::GivenName,
            FieldKind::Phone,
            FieldKind::Surname,
            FieldKind::Address,
            FieldKind::PersonName,
            FieldKind::GivenName,
            FieldKind::Email,
            FieldKind::Date,
            FieldKind::Identifier,
        ];
        let sources = key_sources(&kinds);
        assert!(sources.is_sorted());
        assert_eq!(sources.last(), Some(&(NEIGHBOURHOOD_RULE, bit(0))));
        let full = [
            Some("北京华为技术有限公司"),
            Some("wei"),
            Some("13812345678"),
            Some("zhang"),
            Some("北京市 朝阳区"),
            Some("张伟"),
            Some("david"),
            Some("zhang.wei@huawei.com"),
            Some("1980-02-03"),
            Some("91350100m000100y43"),
        ];
        let mut first_given_empty = full;
        first_given_empty[1] = None;
        for cells in [full, first_given_empty] {
            let mut keys = 0;
            for_each_key(&kinds, &Prepared::new(&kinds, &cells), |key| {
                keys += 1;
                assert!(sources.contains(&(key.rule, key.fields)), "{key:?}");
            });
            assert_eq!(keys, 10, "every kind of key");
        }
    }

    #[test]
    fn a_local_landline_takes_the_area_code_of_the_record_s_city() {
        let kinds = [FieldKind::Phone, FieldKind::Region, FieldKind::Region];
        let local = Prepared::new(&kinds, &[Some("6688 1234"), Some("江苏省"), Some("苏州")]);
        let full = Prepared::new(&kinds, &[Some("0512-66881234"), None, None]);
        assert_eq!(local.value(0), full.value(0));
        let elsewhere = Prepared::new(&kinds, &[Some("6688 1234"), None, Some("杭州")]);
        assert_ne!(elsewhere.value(0), full.value(0));
        let nowhere = Prepared::new(&kinds, &[Some("6688 1234"), None, None]);
        assert_eq!(
            nowhere.value(0).unwrap().text,
            "66881234",
            "digits when no area is known"
        );
    }
}
