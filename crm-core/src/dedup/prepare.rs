//! Raw cells to comparable values: one [`Prepared`] record per input record, computed once.
//!
//! Each field's value is normalised for its kind (a phone to E.164, a company name to its core
//! without legal form and region, a person name without titles), keeps alternative forms that
//! count as exact agreement (pinyin keys, so 「张伟」 meets "Zhang Wei"), and yields the
//! blocking keys that make two records candidates.

use crate::dedup::compare::{
    Comparator, FNV_OFFSET, fnv1a_extend, token_hashes, token_set_level_of_hashes,
};
use crate::dedup::date::normalise_date;
use crate::dedup::kind::FieldKind;
use crate::dedup::normalize::company::CompanyKey;
use crate::dedup::normalize::person::PersonKey;
use crate::dedup::normalize::{fold, pinyin_key};
use crate::value::{Email, Phone, Region, RegionLevel};

/// A field's normalised value, borrowed from its [`Prepared`] record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreparedValue<'a> {
    /// The form comparators see.
    pub text: &'a str,
    /// For company names: the region named in it, so branches in different cities differ.
    pub region: Option<Region>,
    /// For addresses and free text: the token hashes the token-set comparator uses.
    pub tokens: &'a [u64],
    /// The variants, each after a [`VARIANT_SEPARATOR`].
    variants: &'a str,
}

impl<'a> PreparedValue<'a> {
    /// Other forms whose equality counts as exact agreement (pinyin keys, name orders).
    pub fn variants(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.variants.split(VARIANT_SEPARATOR).skip(1)
    }
}

/// Put before each variant of a value. Variants are pinyin keys and lowercase names, which
/// never hold it; one that did would only count as two variants.
const VARIANT_SEPARATOR: char = '\0';

/// A record ready for comparison: one optional value per field.
///
/// Compact, as a batch holds millions: every value's text and variants in one string, every
/// token hash in one slice, and per field where its parts end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prepared {
    text: Box<str>,
    tokens: Box<[u64]>,
    slots: Box<[Slot]>,
}

/// Where a field's value lies in its record: its text and variants end at `end` in the record's
/// text (starting where the previous field's end), the text alone at `text_end`; its tokens
/// end at `tokens_end`. A field without a value has an empty text.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    end: u32,
    text_end: u32,
    tokens_end: u32,
    region: Option<Region>,
}

impl Prepared {
    /// Normalise `cells` (one per field, in `kinds` order).
    pub fn new(kinds: &[FieldKind], cells: &[Option<&str>]) -> Prepared {
        // Region cells are parsed once, for their own values and for the area code.
        let regions: Vec<Option<Region>> = kinds
            .iter()
            .zip(cells)
            .map(|(&kind, cell)| match kind {
                FieldKind::Region => Region::parse((*cell)?.trim()).ok(),
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
        let mut text = String::with_capacity(text_len);
        let mut tokens = Vec::with_capacity(present.map(|p| p.tokens.len()).sum());
        let offset = |len: usize| u32::try_from(len).expect("a record's text fits in 4 GiB");
        let slots = parts
            .into_iter()
            .map(|part| {
                let mut region = None;
                let mut text_end = text.len();
                if let Some(part) = part {
                    text.push_str(&part.text);
                    text_end = text.len();
                    for variant in &part.variants {
                        text.push(VARIANT_SEPARATOR);
                        text.push_str(variant);
                    }
                    tokens.extend_from_slice(&part.tokens);
                    region = part.region;
                }
                Slot {
                    end: offset(text.len()),
                    text_end: offset(text_end),
                    tokens_end: offset(tokens.len()),
                    region,
                }
            })
            .collect();
        Prepared {
            text: text.into_boxed_str(),
            tokens: tokens.into_boxed_slice(),
            slots,
        }
    }

    /// The value of field `f`; `None` where the cell is empty or unusable.
    pub fn value(&self, f: usize) -> Option<PreparedValue<'_>> {
        let slot = self.slots.get(f)?;
        let (start, tokens_start) = match f.checked_sub(1).map(|g| self.slots[g]) {
            Some(previous) => (previous.end as usize, previous.tokens_end as usize),
            None => (0, 0),
        };
        let text_end = slot.text_end as usize;
        (text_end > start).then(|| PreparedValue {
            text: &self.text[start..text_end],
            region: slot.region,
            tokens: &self.tokens[tokens_start..slot.tokens_end as usize],
            variants: &self.text[text_end..slot.end as usize],
        })
    }

    /// The values in field order; `None` where the cell is empty or unusable.
    pub fn values(&self) -> impl Iterator<Item = Option<PreparedValue<'_>>> {
        (0..self.slots.len()).map(|f| self.value(f))
    }

    /// Whether every field is empty: such a record never matches anything.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// A field's normalised value while its record is put together.
#[derive(Debug, Default)]
struct Parts {
    text: String,
    variants: Vec<String>,
    region: Option<Region>,
    tokens: Vec<u64>,
}

fn value(text: String) -> Option<Parts> {
    (!text.is_empty()).then(|| Parts {
        text,
        ..Parts::default()
    })
}

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
            let mut prepared = value(core)?;
            prepared.variants = [key.pinyin].into_iter().filter(|p| !p.is_empty()).collect();
            prepared.region = key.region;
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
/// different regions (branches in different cities are different customers).
pub fn level(comparator: &Comparator, a: &PreparedValue<'_>, b: &PreparedValue<'_>) -> u8 {
    if let (Some(ra), Some(rb)) = (a.region, b.region)
        && !ra.is_within(rb)
        && !rb.is_within(ra)
    {
        return 0;
    }
    let top = comparator.levels() - 1;
    let direct = match comparator {
        Comparator::TokenSet
            if a.text != b.text && !a.tokens.is_empty() && !b.tokens.is_empty() =>
        {
            token_set_level_of_hashes(a.tokens, b.tokens)
        }
        _ => comparator.compare(a.text, b.text),
    };
    if direct < top
        && a.variants()
            .any(|v| v == b.text || b.variants().any(|w| w == v))
    {
        return top;
    }
    direct
}

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

fn bit(field: usize) -> u64 {
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
        match kind {
            FieldKind::Phone | FieldKind::Email | FieldKind::Identifier | FieldKind::Date => {
                emit(key(KeyLabel::Value(f), v.text));
            }
            FieldKind::CompanyName | FieldKind::PersonName => {
                emit(key(KeyLabel::Value(f), v.text));
                for p in v.variants() {
                    emit(key(KeyLabel::Variant(f), p));
                }
            }
            _ => {}
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
        assert_eq!(company.region.map(Region::code), Some(110000));
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
