//! Field-level security: per role, object kind, field and context, a field is editable,
//! read-only, masked or hidden.
//!
//! Masks replace the value; nothing of the hidden part survives in the output, its `Debug`
//! or its serialised form. A phone shows as `138****5678`, an email as `z***@example.com`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::record::ObjectKind;

/// Where a record is shown: field rules can differ between a list, the detail page and an
/// export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    /// A list or search result.
    List,
    /// One record's page; also the context edits are checked in.
    Detail,
    /// An export file.
    Export,
}

impl Context {
    /// Every context.
    pub const ALL: [Context; 3] = [Context::List, Context::Detail, Context::Export];

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// How a masked value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mask", rename_all = "snake_case")]
pub enum Mask {
    /// Digits only; the first 3 and last 4 of a mobile-length number stay (`138****5678`),
    /// of a shorter one only the last quarter.
    Phone,
    /// The first character of the local part and the domain stay: `z***@example.com`.
    Email,
    /// Keep the first `first` and last `last` characters, star the rest; at least half of
    /// the characters are always starred, whatever the numbers say.
    Keep {
        /// Characters kept at the start.
        first: usize,
        /// Characters kept at the end.
        last: usize,
    },
}

impl Mask {
    /// The masked form of `text`.
    pub fn apply(self, text: &str) -> String {
        match self {
            Mask::Phone => {
                let mut digits: Vec<char> = text.chars().filter(char::is_ascii_digit).collect();
                if digits.len() == 13 && digits.starts_with(&['8', '6']) {
                    digits.drain(..2);
                }
                let (first, last) = if digits.len() >= 11 {
                    (3, 4)
                } else {
                    (0, digits.len() / 4)
                };
                keep(&digits, first, last)
            }
            Mask::Email => match text.rsplit_once('@') {
                Some((local, domain)) if !local.is_empty() => {
                    let initial: String = local.chars().take(1).collect();
                    format!("{initial}***@{domain}")
                }
                _ => Mask::Keep { first: 1, last: 0 }.apply(text),
            },
            Mask::Keep { first, last } => {
                let chars: Vec<char> = text.chars().collect();
                let shown_at_most = chars.len() / 2;
                let first = first.min(shown_at_most);
                keep(&chars, first, last.min(shown_at_most - first))
            }
        }
    }
}

/// `chars` with all but the first `first` and last `last` starred (`first + last` is less
/// than the length); an empty text becomes one star.
fn keep(chars: &[char], first: usize, last: usize) -> String {
    let starred = chars.len() - first - last;
    let mut out: String = chars[..first].iter().collect();
    out.extend(std::iter::repeat_n('*', starred.max(1)));
    out.extend(&chars[chars.len() - last..]);
    out
}

/// What a role lets its users do with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "access", rename_all = "snake_case")]
pub enum FieldAccess {
    /// Shown and changeable (the default when no rule names the field).
    Editable,
    /// Shown, not changeable.
    ReadOnly,
    /// Shown masked, not changeable.
    Masked {
        /// How.
        #[serde(flatten)]
        mask: Mask,
    },
    /// Not shown, not changeable.
    Hidden,
}

impl FieldAccess {
    /// How much the access allows: when several roles of one user name a field, the most
    /// permissive wins.
    pub(crate) fn rank(self) -> u8 {
        match self {
            FieldAccess::Hidden => 0,
            FieldAccess::Masked { .. } => 1,
            FieldAccess::ReadOnly => 2,
            FieldAccess::Editable => 3,
        }
    }

    /// Whether the field may be changed.
    pub fn is_editable(self) -> bool {
        self == FieldAccess::Editable
    }
}

/// One field rule of a role: in these contexts, this field of this kind has this access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldRule {
    /// The object kind.
    pub object: ObjectKind,
    /// A top-level field of the record's body (`phone`) or a custom field
    /// (`custom.budget`).
    pub field: String,
    /// Where the rule applies; every context when built with [`FieldRule::new`].
    pub contexts: BTreeSet<Context>,
    /// The access.
    pub access: FieldAccess,
}

impl FieldRule {
    /// `access` to `field` of `object` in every context.
    pub fn new(object: ObjectKind, field: &str, access: FieldAccess) -> FieldRule {
        FieldRule {
            object,
            field: field.into(),
            contexts: Context::ALL.into_iter().collect(),
            access,
        }
    }

    /// This rule, applying only in `contexts`.
    pub fn only_in(mut self, contexts: impl IntoIterator<Item = Context>) -> FieldRule {
        self.contexts = contexts.into_iter().collect();
        self
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn masks_show_the_usual_parts() {
        assert_eq!(Mask::Phone.apply("+8613812345678"), "138****5678");
        assert_eq!(Mask::Phone.apply("138 1234 5678"), "138****5678");
        assert_eq!(Mask::Phone.apply("62345678"), "******78");
        assert_eq!(
            Mask::Email.apply("zhang.wei@example.com"),
            "z***@example.com"
        );
        assert_eq!(Mask::Email.apply("no-at-sign"), "n*********");
        assert_eq!(Mask::Keep { first: 1, last: 1 }.apply("张伟明"), "张**");
        assert_eq!(Mask::Keep { first: 1, last: 1 }.apply("欧阳建国"), "欧**国");
        assert_eq!(Mask::Keep { first: 9, last: 9 }.apply("ab"), "a*");
        assert_eq!(Mask::Keep { first: 0, last: 0 }.apply(""), "*");
    }

    proptest! {
        /// At least half of the characters (and at least one) never reach the output, so a
        /// masked value never equals, nor reveals most of, the original.
        #[test]
        fn a_mask_hides_at_least_half(text in "\\PC{0,24}", first in 0_usize..30, last in 0_usize..30) {
            let masked = Mask::Keep { first, last }.apply(&text);
            let n = text.chars().count();
            let stars = masked.chars().filter(|c| *c == '*').count();
            let shown = masked.chars().count() - stars;
            prop_assert!(shown <= n / 2, "{text:?} -> {masked:?}");
            prop_assert_eq!(masked.chars().count(), n.max(1));
        }

        #[test]
        fn a_masked_mobile_keeps_no_middle_digit(middle in "[0-9]{4}") {
            let phone = format!("+86138{middle}5678");
            prop_assert_eq!(Mask::Phone.apply(&phone), "138****5678");
        }
    }
}
