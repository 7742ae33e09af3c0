//! A record's facts read once: rules that test many entries against one record (an
//! assignment table's first match) look each field up once, and resolve its region once.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use crm_core::record::Value;

use crate::facts::Facts;
use crate::quick_hash::same_bytes;

/// A number for a field name, the same for every criteria naming it, so that a [`Reading`]
/// finds the field's slot by comparing numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldId(u32);

/// No id: a slot filled through [`Facts::get`].
const NO_ID: FieldId = FieldId(u32::MAX);

/// The ids given out, by name. Field names come from rule documents' schemas: few.
static FIELD_IDS: LazyLock<Mutex<HashMap<String, u32>>> = LazyLock::new(Mutex::default);

impl FieldId {
    /// The id of `name`, given out on first use.
    pub(crate) fn of(name: &str) -> FieldId {
        let mut ids = FIELD_IDS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = ids.get(name) {
            return FieldId(*id);
        }
        let id = u32::try_from(ids.len())
            .ok()
            .filter(|id| *id != NO_ID.0)
            .expect("fewer than 2^32 field names");
        ids.insert(name.to_owned(), id);
        FieldId(id)
    }
}

/// Texts up to this many bytes are [packed](pack).
pub(crate) const PACKED: usize = 15;

/// A text of up to [`PACKED`] bytes as one number, to compare in one instruction: its
/// bytes, and its length plus one in the top byte; 0 for a longer text.
#[inline]
pub(crate) fn pack(text: &str) -> u128 {
    let bytes = text.as_bytes();
    if bytes.len() > PACKED {
        return 0;
    }
    let mut word = [0u8; 16];
    word[..bytes.len()].copy_from_slice(bytes);
    word[15] = bytes.len() as u8 + 1;
    u128::from_le_bytes(word)
}

/// How many fields a [`Reading`] remembers; further ones go to the record each time.
const FIELDS: usize = 8;
/// Field names up to this many bytes are remembered.
const NAME: usize = 32;

/// The facts of one record, each field read from it at most once.
///
/// Public in a private module: [`crate::Criteria::matches_reading`] names it, and only this
/// crate's criteria can override that method.
pub struct Reading<'a> {
    facts: &'a dyn Facts,
    /// Slots in use.
    len: Cell<usize>,
    /// Each slot's field id, once asked for by id.
    ids: [Cell<FieldId>; FIELDS],
    /// Each slot's value.
    values: [Cell<Option<&'a Value>>; FIELDS],
    /// Each slot's value [packed](pack) if it is a short text, else 0.
    packed: [Cell<u128>; FIELDS],
    /// The region each slot's value spells (a position in the region table), once resolved.
    regions: [Cell<Option<Option<u16>>>; FIELDS],
    /// Each slot's field name (bytes, length): for lookups by name.
    names: RefCell<[([u8; NAME], usize); FIELDS]>,
}

impl<'a> Reading<'a> {
    /// Nothing read yet.
    pub(crate) fn new(facts: &'a dyn Facts) -> Reading<'a> {
        Reading {
            facts,
            len: Cell::new(0),
            ids: [const { Cell::new(NO_ID) }; FIELDS],
            values: [const { Cell::new(None) }; FIELDS],
            packed: [const { Cell::new(0) }; FIELDS],
            regions: [const { Cell::new(None) }; FIELDS],
            names: RefCell::new([([0; NAME], 0); FIELDS]),
        }
    }

    /// The slot of the field with id `id` (not [`NO_ID`]), if read already.
    #[inline]
    fn slot_of(&self, id: FieldId) -> Option<usize> {
        let len = self.len.get();
        self.ids[..len].iter().position(|i| i.get() == id)
    }

    /// The slot of `field` (whose id is `id`, if known), reading it from the record the
    /// first time; `None` when the name is too long or every slot is taken.
    #[inline(never)]
    fn slot_by_name(&self, id: FieldId, field: &str) -> Option<usize> {
        let name = field.as_bytes();
        if name.len() > NAME {
            return None;
        }
        let mut names = self.names.borrow_mut();
        let len = self.len.get();
        let i = match names[..len]
            .iter()
            .position(|(n, l)| same_bytes(&n[..*l], name))
        {
            Some(i) => i,
            None if len < FIELDS => {
                names[len].0[..name.len()].copy_from_slice(name);
                names[len].1 = name.len();
                let value = self.facts.get(field);
                self.values[len].set(value);
                self.packed[len].set(match value {
                    Some(Value::Text(text)) => pack(text),
                    _ => 0,
                });
                self.len.set(len + 1);
                len
            }
            None => return None,
        };
        if id != NO_ID {
            self.ids[i].set(id);
        }
        Some(i)
    }

    #[inline]
    fn slot(&self, id: FieldId, field: &str) -> Option<usize> {
        if id != NO_ID
            && let Some(i) = self.slot_of(id)
        {
            return Some(i);
        }
        self.slot_by_name(id, field)
    }

    /// The value of `field`, whose id is `id`.
    #[inline]
    pub(crate) fn value(&self, id: FieldId, field: &str) -> Option<&'a Value> {
        match self.slot(id, field) {
            Some(i) => self.values[i].get(),
            None => self.facts.get(field),
        }
    }

    /// The value of `field` (whose id is `id`) and, if it is a text of up to
    /// [`PACKED`] bytes, the text [packed](pack); else 0.
    #[inline]
    pub(crate) fn text(&self, id: FieldId, field: &str) -> (Option<&'a Value>, u128) {
        match self.slot(id, field) {
            Some(i) => (self.values[i].get(), self.packed[i].get()),
            None => {
                let value = self.facts.get(field);
                match value {
                    Some(Value::Text(text)) => (value, pack(text)),
                    _ => (value, 0),
                }
            }
        }
    }

    /// The value of `field` (whose id is `id`) resolved by `resolve` (a region lookup),
    /// once per field.
    #[inline]
    pub(crate) fn resolved(
        &self,
        id: FieldId,
        field: &str,
        resolve: impl Fn(&Value) -> Option<u16>,
    ) -> Option<u16> {
        let Some(i) = self.slot(id, field) else {
            return self.facts.get(field).and_then(resolve);
        };
        match self.regions[i].get() {
            Some(done) => done,
            None => {
                let done = self.values[i].get().and_then(resolve);
                self.regions[i].set(Some(done));
                done
            }
        }
    }
}

impl Facts for Reading<'_> {
    fn get(&self, field: &str) -> Option<&Value> {
        self.value(NO_ID, field)
    }

    fn related(&self, relation: &str, visit: &mut dyn FnMut(&dyn Facts) -> bool) {
        self.facts.related(relation, visit);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::facts::FactMap;

    /// Counts the lookups that reach the record.
    struct Counting(FactMap, Cell<usize>);

    impl Facts for Counting {
        fn get(&self, field: &str) -> Option<&Value> {
            self.1.set(self.1.get() + 1);
            self.0.get(field)
        }
    }

    #[test]
    fn each_field_is_read_once_and_names_are_compared_by_content() {
        let record = Counting(FactMap::new().with("a", "1").with("b", "2"), Cell::new(0));
        let reading = Reading::new(&record);
        for _ in 0..3 {
            assert_eq!(reading.get("a"), Some(&Value::Text("1".into())));
            assert_eq!(
                reading.get(&String::from("b")),
                Some(&Value::Text("2".into()))
            );
            assert_eq!(reading.get("c"), None);
        }
        assert_eq!(record.1.get(), 3);
        // Names built on the fly, at whatever address, read right.
        for (name, expected) in [("a", "1"), ("b", "2"), ("a", "1")] {
            let built = name.to_string();
            assert_eq!(reading.get(&built), Some(&Value::Text(expected.into())));
        }
        // More fields than slots, and long names, go to the record each time.
        let long = "x".repeat(NAME + 1);
        assert_eq!(reading.get(&long), None);
        assert_eq!(reading.get(&long), None);
        assert_eq!(record.1.get(), 5);
        for i in 0..2 * FIELDS {
            assert_eq!(reading.get(&format!("f{i}")), None);
        }
        let before = record.1.get();
        assert_eq!(reading.get("a"), Some(&Value::Text("1".into())));
        assert_eq!(record.1.get(), before);
    }

    #[test]
    fn packing_keeps_texts_apart() {
        let texts = [
            "",
            "a",
            "a\0",
            "制造",
            "制造业",
            "江苏省",
            "abcdefghijklmno",
        ];
        for a in texts {
            assert_ne!(pack(a), 0, "{a}");
            for b in texts {
                assert_eq!(pack(a) == pack(b), a == b, "{a} {b}");
            }
        }
        assert_eq!(pack("abcdefghijklmnop"), 0, "too long");
        let record = FactMap::new().with("industry", "制造").with("n", 3i64);
        let reading = Reading::new(&record);
        let industry = FieldId::of("industry");
        assert_eq!(reading.text(industry, "industry").1, pack("制造"));
        assert_eq!(reading.text(industry, "industry").1, pack("制造"));
        assert_eq!(reading.text(NO_ID, "n"), (Some(&Value::Int(3)), 0));
    }

    #[test]
    fn resolutions_are_remembered_per_field() {
        let record = FactMap::new().with("region", "江苏省");
        let reading = Reading::new(&record);
        let calls = Cell::new(0);
        let resolve = |_: &Value| {
            calls.set(calls.get() + 1);
            Some(7)
        };
        let region = FieldId::of("region");
        assert_eq!(reading.resolved(region, "region", resolve), Some(7));
        assert_eq!(reading.resolved(region, "region", resolve), Some(7));
        assert_eq!(reading.resolved(NO_ID, "region", resolve), Some(7));
        let missing = FieldId::of("missing");
        assert_eq!(reading.resolved(missing, "missing", resolve), None);
        assert_eq!(calls.get(), 1);
        assert_eq!(
            reading.value(region, "region"),
            Some(&Value::Text("江苏省".into()))
        );
        assert_eq!(FieldId::of("region"), region);
        assert_ne!(missing, region);
    }
}
