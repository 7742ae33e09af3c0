//! Which parts of a record hold something: enough to tell whether another record would fill
//! any of its gaps ([`fill_gaps`](crate::plan::fill_gaps)) without keeping the record.
//!
//! A planner that merges a file's rows into the customers it has met decides, per row,
//! whether the row adds anything to its customer; the filling itself is done later, on the
//! stored record. For that decision a customer's filled paths, a word per filled field,
//! stand in for its records.
//!
//! ```
//! use crm_import::filled::FilledPaths;
//! use serde_json::json;
//! let stored = json!({"name": "华为技术有限公司", "industry": "通信", "phone": null});
//! let mut paths = FilledPaths::of(&stored);
//! assert!(!paths.adds(&json!({"name": "华为技术", "industry": "电子"})));
//! assert!(paths.adds(&json!({"name": "华为技术", "phone": "+86 10 6234 5678"})));
//! paths.absorb(&json!({"phone": "+86 10 6234 5678"}));
//! assert!(!paths.adds(&json!({"phone": "+86 10 6234 9999"})));
//! ```

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::Value;

use crate::plan::is_empty;

/// The filled paths of a record as `serde_json` sees it: every value that is not empty
/// (null, an empty string or list) and is not an object (a leaf: lists are not looked into),
/// and every object, marked as holding keys or not. That is all [`fill_gaps`] looks at, so
/// [`adds`](Self::adds) and [`absorb`](Self::absorb) answer as it would on the record.
///
/// Paths are kept as 64-bit hashes (62 bits and a mark): two paths of one record collide
/// with a chance of about 2^-62, which would make a gap look filled.
///
/// [`fill_gaps`]: crate::plan::fill_gaps
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FilledPaths {
    /// Sorted [`marked`] path hashes.
    marks: Box<[u64]>,
}

/// What a path holds, in the two low bits of its mark.
#[derive(Debug, Clone, Copy)]
enum Holds {
    /// A value other than an object.
    Leaf = 1,
    /// An object with keys.
    Object = 2,
    /// An object without keys: a gap, but one that objects are merged into key by key.
    EmptyObject = 3,
}

/// The path of the whole record.
const ROOT: u64 = 0;

/// The path of member `key` of the object at `path`.
fn member(path: u64, key: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    path.hash(&mut hasher);
    key.hash(&mut hasher);
    hasher.finish()
}

/// `path` marked as holding `holds`.
fn marked(path: u64, holds: Holds) -> u64 {
    (path & !3) | holds as u64
}

impl FilledPaths {
    /// The filled paths of `record`.
    pub fn of(record: &Value) -> FilledPaths {
        let mut marks = Vec::new();
        marks_of(ROOT, record, &mut marks);
        marks.sort_unstable();
        FilledPaths {
            marks: marks.into(),
        }
    }

    /// Whether filling the record's gaps from `incoming` would change it: what
    /// [`fill_gaps`](crate::plan::fill_gaps) returning `Some` means.
    pub fn adds(&self, incoming: &Value) -> bool {
        self.adds_at(ROOT, incoming)
    }

    /// Take in what filling the record's gaps from `incoming` puts in it; whether that is
    /// anything.
    pub fn absorb(&mut self, incoming: &Value) -> bool {
        let mut change = Change::default();
        self.absorb_at(ROOT, incoming, &mut change);
        if change.added.is_empty() {
            return false;
        }
        let mut marks: Vec<u64> = self
            .marks
            .iter()
            .copied()
            .filter(|mark| !change.removed.contains(mark))
            .chain(change.added)
            .collect();
        marks.sort_unstable();
        marks.dedup();
        self.marks = marks.into();
        true
    }

    fn holds(&self, path: u64, holds: Holds) -> bool {
        self.marks.binary_search(&marked(path, holds)).is_ok()
    }

    /// Whether a value that is not empty fills the slot at `path` (as opposed to being
    /// merged into an object there, or finding it filled).
    fn is_gap(&self, path: u64) -> bool {
        !self.holds(path, Holds::Leaf) && !self.holds(path, Holds::Object)
    }

    fn adds_at(&self, path: u64, incoming: &Value) -> bool {
        if is_empty(incoming) {
            return false;
        }
        match incoming {
            Value::Object(members) if self.merges_into_object(path) => members
                .iter()
                .any(|(key, value)| self.adds_at(member(path, key), value)),
            _ => self.is_gap(path),
        }
    }

    /// Whether an object arriving at `path` is merged key by key into one there.
    fn merges_into_object(&self, path: u64) -> bool {
        self.holds(path, Holds::Object) || self.holds(path, Holds::EmptyObject)
    }

    fn absorb_at(&self, path: u64, incoming: &Value, change: &mut Change) {
        if is_empty(incoming) {
            return;
        }
        match incoming {
            Value::Object(members) if self.merges_into_object(path) => {
                let before = change.added.len();
                for (key, value) in members {
                    self.absorb_at(member(path, key), value, change);
                }
                let got_keys = change.added.len() > before;
                if got_keys && self.holds(path, Holds::EmptyObject) {
                    change.removed.push(marked(path, Holds::EmptyObject));
                    change.added.push(marked(path, Holds::Object));
                }
            }
            _ if self.is_gap(path) => {
                change.removed.push(marked(path, Holds::EmptyObject));
                marks_of(path, incoming, &mut change.added);
            }
            _ => {}
        }
    }
}

/// Distinct [`FilledPaths`], each kept once and named by a [`Shape`]: the rows of one file
/// mostly fill the same columns, so a planner holding a shape per record holds few paths.
///
/// ```
/// use crm_import::filled::Shapes;
/// use serde_json::json;
/// let mut shapes = Shapes::default();
/// let huawei = shapes.of(&json!({"name": "华为技术", "phone": null}));
/// let zte = shapes.of(&json!({"name": "中兴通讯", "phone": null}));
/// assert_eq!(huawei, zte);
/// let filled = shapes.absorb(huawei, &json!({"phone": "+86 10 6234 5678"}));
/// assert!(!shapes.get(filled).adds(&json!({"phone": "+86 755 2677 0000"})));
/// assert!(shapes.get(zte).adds(&json!({"phone": "+86 755 2677 0000"})));
/// assert_eq!(shapes.len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct Shapes {
    paths: Vec<FilledPaths>,
    shapes: HashMap<FilledPaths, Shape>,
}

/// The number of a [`FilledPaths`] kept by [`Shapes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape(u32);

impl Shapes {
    /// The shape of `record`'s filled paths.
    pub fn of(&mut self, record: &Value) -> Shape {
        self.intern(FilledPaths::of(record))
    }

    /// The shape of `paths`, numbered anew if none had them.
    pub fn intern(&mut self, paths: FilledPaths) -> Shape {
        if let Some(shape) = self.shapes.get(&paths) {
            return *shape;
        }
        let shape = Shape(u32::try_from(self.paths.len()).expect("fewer than 2^32 shapes"));
        self.paths.push(paths.clone());
        self.shapes.insert(paths, shape);
        shape
    }

    /// The filled paths of `shape`.
    pub fn get(&self, shape: Shape) -> &FilledPaths {
        &self.paths[shape.0 as usize]
    }

    /// The shape of a record of `shape` once its gaps are filled from `incoming`
    /// ([`FilledPaths::absorb`]).
    pub fn absorb(&mut self, shape: Shape, incoming: &Value) -> Shape {
        let mut paths = self.get(shape).clone();
        match paths.absorb(incoming) {
            true => self.intern(paths),
            false => shape,
        }
    }

    /// How many distinct shapes there are.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// Marks removed and added by one [`FilledPaths::absorb`].
#[derive(Default)]
struct Change {
    removed: Vec<u64>,
    added: Vec<u64>,
}

/// Push the marks of `value`, lying at `path`, and of everything in it.
fn marks_of(path: u64, value: &Value, marks: &mut Vec<u64>) {
    match value {
        Value::Object(members) if members.is_empty() => {
            marks.push(marked(path, Holds::EmptyObject))
        }
        Value::Object(members) => {
            marks.push(marked(path, Holds::Object));
            for (key, value) in members {
                marks_of(member(path, key), value, marks);
            }
        }
        value if is_empty(value) => {}
        _ => marks.push(marked(path, Holds::Leaf)),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Map, json};

    use super::*;
    use crate::plan::fill_gaps;

    /// Small JSON trees over few keys, so that records share paths and differ in kind.
    fn tree() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            Just(json!("")),
            Just(json!("x")),
            Just(json!("y")),
            Just(json!([])),
            Just(json!([1])),
            Just(json!(7)),
            Just(json!(false)),
            Just(json!({})),
        ];
        leaf.prop_recursive(3, 24, 3, |inner| {
            prop::collection::vec((prop_oneof!["a", "b", "c"], inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>()))
        })
    }

    fn filled(base: &Value, incoming: &Value) -> Value {
        fill_gaps(base, incoming).unwrap_or_else(|| base.clone())
    }

    proptest! {
        /// The reference model is `fill_gaps` on the records themselves.
        #[test]
        fn adds_answers_as_fill_gaps_does(base in tree(), incoming in tree()) {
            let paths = FilledPaths::of(&base);
            prop_assert_eq!(paths.adds(&incoming), fill_gaps(&base, &incoming).is_some());
        }

        #[test]
        fn absorbing_gives_the_paths_of_the_filled_record(
            base in tree(),
            first in tree(),
            second in tree(),
        ) {
            let mut paths = FilledPaths::of(&base);
            let once = filled(&base, &first);
            prop_assert_eq!(paths.absorb(&first), once != base);
            prop_assert_eq!(&paths, &FilledPaths::of(&once));
            paths.absorb(&second);
            prop_assert_eq!(&paths, &FilledPaths::of(&filled(&once, &second)));
        }

        /// The reference model is the paths themselves, each record keeping its own.
        #[test]
        fn a_shape_stands_for_its_paths(
            records in prop::collection::vec(tree(), 1..6),
            incoming in tree(),
        ) {
            let mut shapes = Shapes::default();
            let named: Vec<Shape> = records.iter().map(|r| shapes.of(r)).collect();
            for (record, &shape) in records.iter().zip(&named) {
                prop_assert_eq!(shapes.get(shape), &FilledPaths::of(record));
                let mut paths = FilledPaths::of(record);
                paths.absorb(&incoming);
                let absorbed = shapes.absorb(shape, &incoming);
                prop_assert_eq!(shapes.get(absorbed), &paths);
                prop_assert_eq!(shapes.get(shape), &FilledPaths::of(record));
            }
            for (a, &shape_a) in records.iter().zip(&named) {
                for (b, &shape_b) in records.iter().zip(&named) {
                    prop_assert_eq!(shape_a == shape_b, FilledPaths::of(a) == FilledPaths::of(b));
                }
            }
        }
    }

    #[test]
    fn an_empty_object_takes_keys_and_a_filled_one_takes_only_new_keys() {
        let mut paths = FilledPaths::of(&json!({"custom": {}, "tags": []}));
        assert!(!paths.adds(&json!({"custom": {"grade": null}})));
        assert!(paths.adds(&json!({"custom": {"grade": "A"}})));
        assert!(paths.absorb(&json!({"custom": {"grade": "A"}, "tags": ["vip"]})));
        assert!(!paths.adds(&json!({"custom": {"grade": "B"}, "tags": ["key"]})));
        assert!(paths.adds(&json!({"custom": {"budget": "50万"}})));
        assert!(!paths.absorb(&json!({"custom": {"grade": "C"}})));
    }
}
