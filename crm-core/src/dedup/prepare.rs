//! Raw cells to comparable values: one [`Prepared`] record per input record, computed once.
//!
//! Each field's value is normalised for its kind (a phone to E.164, a company name to its core
//! without legal form and region, a person name without titles), keeps alternative forms that
//! count as exact agreement (pinyin keys, so 「张伟」 meets "Zhang Wei"), and yields the
//! blocking keys that make two records candidates.

use crate::dedup::compare::Comparator;
use crate::dedup::date::normalise_date;
use crate::dedup::kind::FieldKind;
use crate::dedup::normalize::company::CompanyKey;
use crate::dedup::normalize::person::PersonKey;
use crate::dedup::normalize::{fold, pinyin_key};
use crate::value::{Email, Phone, Region};

/// A field's normalised value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreparedValue {
    /// The form comparators see.
    pub text: String,
    /// Other forms whose equality counts as exact agreement (pinyin keys, name orders).
    pub variants: Vec<String>,
    /// For company names: the region named in it, so branches in different cities differ.
    pub region: Option<Region>,
}

/// A record ready for comparison: one optional value per field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prepared {
    /// Values in field order; `None` where the cell is empty or unusable.
    pub values: Vec<Option<PreparedValue>>,
}

impl Prepared {
    /// Normalise `cells` (one per field, in `kinds` order).
    pub fn new(kinds: &[FieldKind], cells: &[Option<&str>]) -> Prepared {
        Prepared {
            values: kinds
                .iter()
                .zip(cells)
                .map(|(&kind, cell)| cell.and_then(|c| prepare_value(kind, c)))
                .collect(),
        }
    }

    /// Whether every field is empty: such a record never matches anything.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }
}

fn value(text: String) -> Option<PreparedValue> {
    (!text.is_empty()).then(|| PreparedValue {
        text,
        ..PreparedValue::default()
    })
}

fn prepare_value(kind: FieldKind, cell: &str) -> Option<PreparedValue> {
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
        FieldKind::Phone => match Phone::parse(cell) {
            Ok(phone) => value(phone.e164()),
            // An unparseable number still identifies: compare its digits.
            Err(_) => value(cell.chars().filter(char::is_ascii_digit).collect()),
        },
        FieldKind::Email => match Email::parse(cell) {
            Ok(email) => value(email.as_str().to_owned()),
            Err(_) => value(fold(cell)),
        },
        FieldKind::Date => normalise_date(cell).and_then(value),
        FieldKind::Region => match Region::parse(cell) {
            Ok(region) => value(region.code().to_string()),
            Err(_) => value(fold(cell)),
        },
        FieldKind::Identifier | FieldKind::Postcode => {
            value(fold(cell).chars().filter(|c| !c.is_whitespace()).collect())
        }
        _ => value(fold(cell)),
    }
}

/// The agreement level of two values under `comparator`: the comparator's own level, raised to
/// exact when an alternative form agrees, and lowered to disagreement when the two name
/// different regions (branches in different cities are different customers).
pub fn level(comparator: &Comparator, a: &PreparedValue, b: &PreparedValue) -> u8 {
    if let (Some(ra), Some(rb)) = (a.region, b.region)
        && !ra.is_within(rb)
        && !rb.is_within(ra)
    {
        return 0;
    }
    let top = comparator.levels() - 1;
    let direct = comparator.compare(&a.text, &b.text);
    if direct < top
        && a.variants
            .iter()
            .any(|v| b.variants.contains(v) || *v == b.text)
    {
        return top;
    }
    direct
}

/// The blocking keys of a prepared record: records sharing any key are compared.
pub fn blocking_keys(kinds: &[FieldKind], record: &Prepared) -> Vec<String> {
    let mut keys = Vec::new();
    for (f, (kind, v)) in kinds.iter().zip(&record.values).enumerate() {
        let Some(v) = v else { continue };
        match kind {
            FieldKind::Phone | FieldKind::Email | FieldKind::Identifier | FieldKind::Date => {
                keys.push(format!("{f}={}", v.text));
            }
            FieldKind::CompanyName | FieldKind::PersonName => {
                keys.push(format!("{f}={}", v.text));
                keys.extend(v.variants.iter().map(|p| format!("{f}~{p}")));
            }
            _ => {}
        }
    }
    // Name prefixes together: typos rarely hit the first letters of both names.
    let prefix = |k: FieldKind| {
        kinds
            .iter()
            .zip(&record.values)
            .find(|(kind, _)| **kind == k)
            .and_then(|(_, v)| v.as_ref())
            .map(|v| v.text.chars().take(2).collect::<String>())
    };
    if let (Some(g), Some(s)) = (prefix(FieldKind::GivenName), prefix(FieldKind::Surname)) {
        keys.push(format!("gs={g}|{s}"));
    }
    keys
}

/// The key records are sorted by for the sorted-neighbourhood pass: names first, so that
/// records differing by a typo late in a name end up next to each other.
pub fn sort_key(kinds: &[FieldKind], record: &Prepared) -> String {
    let order = [
        FieldKind::CompanyName,
        FieldKind::PersonName,
        FieldKind::Surname,
        FieldKind::GivenName,
        FieldKind::Date,
    ];
    let mut key = String::new();
    for want in order {
        for (kind, v) in kinds.iter().zip(&record.values) {
            if *kind == want {
                if let Some(v) = v {
                    key.push_str(v.variants.first().unwrap_or(&v.text));
                }
                key.push('|');
            }
        }
    }
    key
}
