//! Field comparators: a pair of normalised values in, a small agreement level out.
//!
//! Fellegi–Sunter scoring (as in Splink) does not use raw similarities: it learns, for each
//! field and each agreement level, how often true matches (m) and non-matches (u) reach that
//! level. So a comparator maps a pair to one of [`Comparator::levels`] levels, `0` meaning the
//! values disagree and the top level meaning they are equal; the m/u tables are indexed by it.
//!
//! Values come in already normalised (lowercase, folded, dates as `YYYY-MM-DD`), and the
//! engine compares millions of pairs, so comparators allocate as little as they can and leave
//! early when equality or a length difference decides the level.
//!
//! A missing value is no evidence either way: callers skip the field rather than compare it.
//! An empty string compares as level 0 so that two blanks never count as agreeing.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::date::parse_iso;
use super::kind::FieldKind;
use crate::value::is_han;

/// Jaro-Winkler thresholds for company names: suffix and word-order variants score lower than
/// typos in personal names, and a wrong company merge costs more.
const COMPANY_NAME_THRESHOLDS: [f64; 2] = [0.95, 0.88];
/// Jaro-Winkler thresholds for personal names, given names and surnames.
const PERSON_NAME_THRESHOLDS: [f64; 2] = [0.94, 0.85];
/// Edit distances for identifiers: one typo (a wrong digit or two swapped), or two.
const IDENTIFIER_EDITS: [usize; 2] = [1, 2];
/// Identifiers this short (a postcode, an extension) are only credited when equal: one edit in
/// four characters turns them into another valid value too often.
const SHORT_IDENTIFIER: usize = 4;
/// Jaccard overlaps of tokens for the two partial levels of [`Comparator::TokenSet`].
const TOKEN_SET_THRESHOLDS: [f64; 2] = [0.8, 0.5];
/// The largest Winkler prefix boost: four characters of common prefix at 0.1 each.
const MAX_WINKLER_BOOST: f64 = 0.4;
/// Slack for floating-point rounding when ruling out a threshold before computing a score.
const BOUND_SLACK: f64 = 1e-9;

/// How two values of a field are compared, and so how many agreement levels the field has.
///
/// Partial levels (`thresholds`, `max`, `tolerance`) are given strongest first: the first
/// entry decides level 2, the second level 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Comparator {
    /// Equal or not: levels 1 and 0.
    Exact,
    /// Jaro-Winkler similarity over characters (CJK included): equal 3, at least
    /// `thresholds[0]` 2, at least `thresholds[1]` 1, else 0.
    JaroWinkler {
        /// The similarities for levels 2 and 1, such as `[0.94, 0.88]`.
        thresholds: [f64; 2],
    },
    /// Company names: equal 4; Jaro-Winkler similarity at least `thresholds[0]` 3, at least
    /// `thresholds[1]` 2; the same brand in other wording 1 (「泰信」 and 「泰信包装材料」,
    /// `Antong` and 「安通化工」: one name's pinyin key begins as the other's does, a level
    /// [`level`](crate::dedup::prepare::level) gives, as it needs the keys); else 0, names
    /// that share no brand, which no other evidence makes one company without a person.
    CompanyName {
        /// The similarities for levels 3 and 2, such as `[0.95, 0.88]`.
        thresholds: [f64; 2],
    },
    /// Levenshtein distance over characters: equal 3, at most `max[0]` edits 2, at most
    /// `max[1]` edits 1, else 0.
    Levenshtein {
        /// The edit counts for levels 2 and 1, such as `[1, 2]`.
        max: [usize; 2],
    },
    /// Numbers by relative difference `|a − b| / max(|a|, |b|)`: equal values 3 (`1.0` and `1`
    /// too), within `tolerance[0]` 2, within `tolerance[1]` 1, else 0. Text that is not a
    /// plain finite number (`1,000`, `NaN`) is only credited when equal.
    Numeric {
        /// The relative differences for levels 2 and 1, such as `[0.01, 0.1]`.
        tolerance: [f64; 2],
    },
    /// Dates as `YYYY-MM-DD`: equal 3; one digit wrong, two adjacent digits swapped, or day
    /// and month swapped 2; same year and month 1; else 0. Values that are not valid dates in
    /// that form are compared as text, equal or not.
    Date,
    /// Token-set overlap for addresses and free text: equal 3, Jaccard overlap of tokens at
    /// least 0.8 or one typo 2, at least 0.5 or two typos 1, else 0. Typos count only
    /// between values of at least eight characters with the same digits (「banks srteet」 and
    /// 「banks street」, never 「12 main st」 and 「13 main st」). Tokens are the
    /// whitespace-separated words, but a
    /// word containing Han characters, which Chinese writes without spaces, is split into its
    /// character bigrams.
    TokenSet,
    /// Identifiers, phones and postcodes by optimal-string-alignment distance, so that a
    /// wrong digit or two swapped digits count as one typo: equal 3, one typo 2, two typos 1,
    /// else 0. Values of at most four characters are only credited when equal.
    Identifier,
    /// Email addresses: equal 2; same local part at another domain (a person's address at two
    /// providers) 1; else 0.
    Email,
}

impl Comparator {
    /// How many agreement levels the comparator has; [`Comparator::compare`] returns levels
    /// below it, and the top one means equal.
    pub fn levels(&self) -> u8 {
        match self {
            Comparator::Exact => 2,
            Comparator::Email => 3,
            Comparator::CompanyName { .. } => 5,
            Comparator::JaroWinkler { .. }
            | Comparator::Levenshtein { .. }
            | Comparator::Numeric { .. }
            | Comparator::Date
            | Comparator::TokenSet
            | Comparator::Identifier => 4,
        }
    }

    /// The agreement level of two normalised values: `0` when they disagree (or either is
    /// empty), `levels() - 1` when they are equal.
    ///
    /// ```
    /// # use crm_core::dedup::compare::Comparator;
    /// let names = Comparator::JaroWinkler { thresholds: [0.94, 0.85] };
    /// assert_eq!(names.compare("lachlan", "lachlan"), 3);
    /// assert_eq!(names.compare("lachlan", "lachaln"), 2);
    /// assert_eq!(Comparator::Identifier.compare("13812345678", "13812345687"), 2);
    /// assert_eq!(Comparator::Date.compare("1999-02-19", "1999-12-19"), 2);
    /// ```
    pub fn compare(&self, a: &str, b: &str) -> u8 {
        if a.is_empty() || b.is_empty() {
            return 0;
        }
        if a == b {
            return self.levels() - 1;
        }
        // Jaro's greedy matching and the m/u estimates must not depend on which record of a
        // pair came first, so every comparator sees the pair in one order.
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        match *self {
            Comparator::Exact => 0,
            Comparator::JaroWinkler { thresholds } => jaro_winkler_level(a, b, thresholds),
            Comparator::CompanyName { thresholds } => match jaro_winkler_level(a, b, thresholds) {
                0 => 0,
                similar => similar + 1,
            },
            Comparator::Levenshtein { max } => edit_level(a, b, max, strsim::levenshtein),
            Comparator::Numeric { tolerance } => numeric_level(a, b, tolerance),
            Comparator::Date => date_level(a, b),
            Comparator::TokenSet => with_typos(token_set_level(a, b), a, b),
            Comparator::Identifier => identifier_level(a, b),
            Comparator::Email => email_level(a, b),
        }
    }

    /// The comparator for a kind of field.
    ///
    /// Names use Jaro-Winkler (stricter for companies), phones, identifiers and postcodes
    /// [`Comparator::Identifier`], addresses and text [`Comparator::TokenSet`], regions
    /// [`Comparator::Exact`] since they are normalised to canonical names.
    pub fn for_kind(kind: FieldKind) -> Comparator {
        match kind {
            FieldKind::CompanyName => Comparator::CompanyName {
                thresholds: COMPANY_NAME_THRESHOLDS,
            },
            FieldKind::PersonName | FieldKind::GivenName | FieldKind::Surname => {
                Comparator::JaroWinkler {
                    thresholds: PERSON_NAME_THRESHOLDS,
                }
            }
            FieldKind::Phone | FieldKind::Identifier | FieldKind::Postcode => {
                Comparator::Identifier
            }
            FieldKind::Email => Comparator::Email,
            FieldKind::Date => Comparator::Date,
            FieldKind::Address | FieldKind::Text => Comparator::TokenSet,
            FieldKind::Region => Comparator::Exact,
        }
    }

    /// What a level means, for explaining a match to a person: `"exact"`, `"jaro-winkler ≥
    /// 0.94"`, `"different"`.
    ///
    /// The text is `'static` so that explanations hold it without allocating. A configured
    /// threshold can therefore only be spelled out when it is one of the thresholds
    /// [`Comparator::for_kind`] uses (or an edit count up to 3); others are named by band
    /// (`"jaro-winkler ≥ high threshold"`). A level the comparator does not have reads
    /// `"no such level"`.
    ///
    /// ```
    /// # use crm_core::dedup::compare::Comparator;
    /// let names = Comparator::JaroWinkler { thresholds: [0.94, 0.85] };
    /// assert_eq!(names.describe_level(2), "jaro-winkler ≥ 0.94");
    /// assert_eq!(Comparator::Identifier.describe_level(3), "exact");
    /// assert_eq!(Comparator::Email.describe_level(0), "different");
    /// ```
    pub fn describe_level(&self, level: u8) -> &'static str {
        let top = self.levels() - 1;
        if level == 0 {
            return "different";
        }
        if level > top {
            return "no such level";
        }
        if level == top {
            let numeric = matches!(self, Comparator::Numeric { .. });
            return if numeric { "equal" } else { "exact" };
        }
        if let Comparator::CompanyName { thresholds } = *self {
            return match level {
                1 => "same brand, other wording",
                similar => {
                    let band = usize::from(similar == 2);
                    jaro_winkler_meaning(thresholds[band], band)
                }
            };
        }
        // Partial levels: 2 is the strong band (index 0 of the settings), 1 the weak one.
        let band = usize::from(level == 1);
        match *self {
            Comparator::JaroWinkler { thresholds } => jaro_winkler_meaning(thresholds[band], band),
            Comparator::Levenshtein { max } => edits_meaning(max[band]),
            Comparator::Numeric { .. } => {
                ["within the tight tolerance", "within the loose tolerance"][band]
            }
            Comparator::TokenSet => [
                "token overlap ≥ 0.8 or one typo",
                "token overlap ≥ 0.5 or two typos",
            ][band],
            Comparator::Identifier => edits_meaning(IDENTIFIER_EDITS[band]),
            Comparator::Date => {
                ["one digit typo or day/month swapped", "same year and month"][band]
            }
            Comparator::Email => "same local part, other domain",
            // Exact has no partial level: its top is 1, returned above.
            Comparator::Exact => "no such level",
            Comparator::CompanyName { .. } => unreachable!("described above"),
        }
    }
}

/// Descriptions of the Jaro-Winkler thresholds of [`Comparator::for_kind`], which are the ones
/// explanations mostly show; a test checks that each text spells its number.
const JARO_WINKLER_MEANINGS: [(f64, &str); 4] = [
    (COMPANY_NAME_THRESHOLDS[0], "jaro-winkler ≥ 0.95"),
    (COMPANY_NAME_THRESHOLDS[1], "jaro-winkler ≥ 0.88"),
    (PERSON_NAME_THRESHOLDS[0], "jaro-winkler ≥ 0.94"),
    (PERSON_NAME_THRESHOLDS[1], "jaro-winkler ≥ 0.85"),
];

/// What reaching `threshold` (the one of `band`) means under Jaro-Winkler.
fn jaro_winkler_meaning(threshold: f64, band: usize) -> &'static str {
    JARO_WINKLER_MEANINGS
        .iter()
        .find(|(known, _)| known.to_bits() == threshold.to_bits())
        .map_or(
            [
                "jaro-winkler ≥ high threshold",
                "jaro-winkler ≥ low threshold",
            ][band],
            |&(_, meaning)| meaning,
        )
}

/// What "at most `max` edits" means, in words.
fn edits_meaning(max: usize) -> &'static str {
    const MEANINGS: [&str; 4] = [
        "exact",
        "at most 1 edit",
        "at most 2 edits",
        "at most 3 edits",
    ];
    MEANINGS
        .get(max)
        .copied()
        .unwrap_or("within the edit limit")
}

/// The partial level of a similarity: 2 at or above `high`, 1 at or above `low`, else 0.
fn by_similarity(score: f64, [high, low]: [f64; 2]) -> u8 {
    if score >= high {
        2
    } else if score >= low {
        1
    } else {
        0
    }
}

/// The partial level of a distance (edits, relative difference): 2 up to `near`, 1 up to
/// `far`, else 0.
fn by_distance<T: PartialOrd>(distance: T, [near, far]: [T; 2]) -> u8 {
    if distance <= near {
        2
    } else if distance <= far {
        1
    } else {
        0
    }
}

/// [`Comparator::JaroWinkler`] on two unequal values.
fn jaro_winkler_level(a: &str, b: &str, thresholds: [f64; 2]) -> u8 {
    let lowest = thresholds[0].min(thresholds[1]);
    if jaro_winkler_bound(a.chars().count(), b.chars().count()) + BOUND_SLACK < lowest {
        return 0;
    }
    by_similarity(jaro_winkler(a, b), thresholds)
}

/// The longest values, in characters, that [`jaro_winkler`] compares in buffers on the stack;
/// longer ones (rare for names) go to `strsim`, which allocates.
const STACK_CHARS: usize = 64;

/// Jaro-Winkler similarity exactly as `strsim::jaro_winkler` computes it, without allocating
/// for values of up to [`STACK_CHARS`] characters: the engine compares millions of names.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (mut a_chars, mut b_chars) = (['\0'; STACK_CHARS], ['\0'; STACK_CHARS]);
    let (Some(a_len), Some(b_len)) = (decode(a, &mut a_chars), decode(b, &mut b_chars)) else {
        return strsim::jaro_winkler(a, b);
    };
    let (a, b) = (&a_chars[..a_len], &b_chars[..b_len]);
    let jaro = jaro_of_chars(a, b);
    if jaro > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// The characters of `text` into `out`, and how many; `None` when they do not fit.
fn decode(text: &str, out: &mut [char; STACK_CHARS]) -> Option<usize> {
    let mut len = 0;
    for c in text.chars() {
        *out.get_mut(len)? = c;
        len += 1;
    }
    Some(len)
}

/// The characters of `chars` whose bit is set in `flags`, in order.
fn matched(chars: &[char], flags: u64) -> impl Iterator<Item = char> + '_ {
    (0..chars.len())
        .filter(move |&i| flags & (1 << i) != 0)
        .map(move |i| chars[i])
}

/// Jaro similarity of two sequences of at most [`STACK_CHARS`] characters, which-matched
/// flags kept as bits: each character of `a` matches the first unmatched equal character of
/// `b` within the search window, as in `strsim::generic_jaro`.
fn jaro_of_chars(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return if a.len() == b.len() { 1.0 } else { 0.0 };
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_matched, mut b_matched) = (0_u64, 0_u64);
    let mut matches = 0_usize;
    for (i, &x) in a.iter().enumerate() {
        let reach = i.saturating_sub(window)..b.len().min(i + window + 1);
        if let Some(j) = reach
            .into_iter()
            .find(|&j| b_matched & (1 << j) == 0 && b[j] == x)
        {
            a_matched |= 1 << i;
            b_matched |= 1 << j;
            matches += 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // The matched characters of both, in order: each position where they differ is half a
    // transposition.
    let half_transpositions = matched(a, a_matched)
        .zip(matched(b, b_matched))
        .filter(|(x, y)| x != y)
        .count();
    let transpositions = half_transpositions / 2;
    ((matches as f64 / a.len() as f64)
        + (matches as f64 / b.len() as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// The highest Jaro-Winkler similarity two strings of these lengths can reach: every character
/// of the shorter one matched in order, and the full prefix boost. It lets very different
/// lengths (`li` and `elizabeth`) skip the quadratic matching.
fn jaro_winkler_bound(len_a: usize, len_b: usize) -> f64 {
    let (short, long) = (len_a.min(len_b) as f64, len_a.max(len_b) as f64);
    let jaro = (2.0 + short / long) / 3.0;
    jaro + MAX_WINKLER_BOOST * (1.0 - jaro)
}

/// An edit-distance level of two unequal values; `distance` is Levenshtein or OSA.
fn edit_level(a: &str, b: &str, max: [usize; 2], distance: fn(&str, &str) -> usize) -> u8 {
    // Every character of length difference costs an edit, so a larger difference rules out
    // both partial levels without computing the distance.
    let reach = max[0].max(max[1]);
    if a.chars().count().abs_diff(b.chars().count()) > reach || bag_distance(a, b) > reach {
        return 0;
    }
    by_distance(distance(a, b), max)
}

/// A lower bound of the edit distance (with or without transpositions) that costs one pass:
/// the larger of the counts of characters one side has and the other lacks. Most unequal
/// phone numbers and identifiers are told apart by it, before the quadratic distance.
fn bag_distance(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() {
        let mut balance = [0_i32; 128];
        for byte in a.bytes() {
            balance[usize::from(byte)] += 1;
        }
        for byte in b.bytes() {
            balance[usize::from(byte)] -= 1;
        }
        let surplus: i32 = balance.iter().filter(|&&n| n > 0).sum();
        let deficit: i32 = -balance.iter().filter(|&&n| n < 0).sum::<i32>();
        return surplus.max(deficit) as usize;
    }
    // Non-ASCII text (names in Han characters): no cheap bound; let the distance decide.
    0
}

/// [`Comparator::Identifier`] on two unequal values.
fn identifier_level(a: &str, b: &str) -> u8 {
    if a.chars().count().min(b.chars().count()) <= SHORT_IDENTIFIER {
        return 0;
    }
    edit_level(a, b, IDENTIFIER_EDITS, strsim::osa_distance)
}

/// [`Comparator::Numeric`] on two unequal values.
fn numeric_level(a: &str, b: &str, tolerance: [f64; 2]) -> u8 {
    let (Some(x), Some(y)) = (finite_number(a), finite_number(b)) else {
        return 0;
    };
    if x == y {
        return 3;
    }
    // Not both zero, as they differ.
    let relative = (x - y).abs() / x.abs().max(y.abs());
    by_distance(relative, tolerance)
}

/// The value of a plain finite number; `NaN` and infinities are no number to compare.
fn finite_number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

/// [`Comparator::Date`] on two unequal values.
fn date_level(a: &str, b: &str) -> u8 {
    let (Some(x), Some(y)) = (parse_iso(a), parse_iso(b)) else {
        // Not dates: compared as text, and the text differs.
        return 0;
    };
    if one_digit_typo(a.as_bytes(), b.as_bytes()) || day_month_swapped(x, y) {
        2
    } else if x.year() == y.year() && x.month() == y.month() {
        1
    } else {
        0
    }
}

/// Whether two equally long byte strings differ in exactly one position, or in two adjacent
/// positions holding the same two bytes swapped. On `YYYY-MM-DD` the dashes never differ, so
/// the typo is inside one component.
fn one_digit_typo(a: &[u8], b: &[u8]) -> bool {
    let mut differing = (0..a.len()).filter(|&i| a[i] != b[i]);
    match (differing.next(), differing.next(), differing.next()) {
        (Some(_), None, _) => true,
        (Some(i), Some(j), None) => j == i + 1 && a[i] == b[j] && a[j] == b[i],
        _ => false,
    }
}

/// Whether two distinct dates are one year's day and month read the other way round.
fn day_month_swapped(x: NaiveDate, y: NaiveDate) -> bool {
    x.year() == y.year() && x.month() == y.day() && x.day() == y.month()
}

/// [`Comparator::TokenSet`] on two unequal values.
fn token_set_level(a: &str, b: &str) -> u8 {
    by_similarity(jaccard(&tokens(a), &tokens(b)), TOKEN_SET_THRESHOLDS)
}

/// A token-set `level` of two texts, raised to what their typos earn ([`typo_level`]) when
/// the tokens alone agree less than strongly.
pub(crate) fn with_typos(level: u8, a: &str, b: &str) -> u8 {
    match level {
        strong @ 2.. => strong,
        weaker => weaker.max(typo_level(a, b)),
    }
}

/// Text this short gets no credit for typos: one edit in a short word makes another word.
const SHORTEST_TYPO_TEXT: usize = 8;

/// The partial level of two unequal texts by their typos (optimal string alignment, spaces
/// included): one 2, two 1, else 0. Only for texts of at least [`SHORTEST_TYPO_TEXT`]
/// characters with the same digits in the same order, so that another house or room number
/// is never a typo.
fn typo_level(a: &str, b: &str) -> u8 {
    let reach = IDENTIFIER_EDITS[0].max(IDENTIFIER_EDITS[1]);
    let (a_len, b_len) = (a.chars().count(), b.chars().count());
    if a_len.min(b_len) < SHORTEST_TYPO_TEXT || a_len.abs_diff(b_len) > reach {
        return 0;
    }
    let same_digits = a
        .chars()
        .filter(char::is_ascii_digit)
        .eq(b.chars().filter(char::is_ascii_digit));
    if !same_digits {
        return 0;
    }
    edit_level(a, b, IDENTIFIER_EDITS, strsim::osa_distance)
}

/// The tokens of `text` as sorted, distinct 32-bit hashes: computed once per record, they make
/// [`token_set_level_of_hashes`] an integer merge instead of tokenising on every comparison.
/// Half the room of 64-bit hashes, in records held by the million; two tokens of one pair
/// colliding (about one pair in ten million) would only count as one more shared token.
pub(crate) fn token_hashes(text: &str) -> Vec<u32> {
    sorted_distinct(each_token(text).map(token_hash).collect())
}

/// A token's 32-bit hash: both halves of its FNV-1a hash folded together.
fn token_hash(token: &str) -> u32 {
    let hash = fnv1a(token);
    (hash ^ (hash >> 32)) as u32
}

/// [`Comparator::TokenSet`]'s level of two unequal, non-empty texts from their
/// [`token_hashes`].
pub(crate) fn token_set_level_of_hashes(a: &[u32], b: &[u32]) -> u8 {
    by_similarity(jaccard(a, b), TOKEN_SET_THRESHOLDS)
}

/// FNV-1a: a fast, stable 64-bit hash, for tokens and blocking keys; collisions are
/// vanishingly rare at these sizes, and one would only add a candidate pair.
pub(crate) fn fnv1a(token: &str) -> u64 {
    fnv1a_extend(FNV_OFFSET, token.as_bytes())
}

/// The FNV-1a hash of nothing, where hashing starts.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continue an FNV-1a `hash` over `bytes`: hashing two slices in turn equals hashing them
/// joined.
pub(crate) fn fnv1a_extend(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The distinct tokens of `text`, sorted, as slices of it: whitespace-separated words, but
/// character bigrams of words with Han characters (a lone character stays a token).
fn tokens(text: &str) -> Vec<&str> {
    sorted_distinct(each_token(text).collect())
}

/// The tokens of `text` in order, repeats included (see [`tokens`]).
fn each_token(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace().flat_map(|word| {
        let han = word.chars().any(is_han);
        let whole = (!han).then_some(word);
        whole
            .into_iter()
            .chain(han.then(|| bigrams(word)).into_iter().flatten())
    })
}

/// The character bigrams of `word`, or `word` itself when it has one character.
fn bigrams(word: &str) -> impl Iterator<Item = &str> {
    let starts = word.char_indices().map(|(start, _)| start);
    // A bigram ends where the character after next starts, or at the end of the word.
    let ends = starts.clone().skip(2).chain(std::iter::once(word.len()));
    starts.zip(ends).map(|(start, end)| &word[start..end])
}

/// `items` sorted, without repeats.
fn sorted_distinct<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort_unstable();
    items.dedup();
    items
}

/// The Jaccard overlap of two sorted sets of tokens; 0 when both are empty (blank text is no
/// agreement).
fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f64 {
    let shared = shared_count(a, b);
    let union = a.len() + b.len() - shared;
    if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    }
}

/// How many tokens two sorted, deduplicated slices share, by one merge pass.
fn shared_count<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// [`Comparator::Email`] on two unequal values.
fn email_level(a: &str, b: &str) -> u8 {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((local_a, _)), Some((local_b, _))) if !local_a.is_empty() && local_a == local_b => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PERSON: Comparator = Comparator::JaroWinkler {
        thresholds: PERSON_NAME_THRESHOLDS,
    };
    const COMPANY: Comparator = Comparator::CompanyName {
        thresholds: COMPANY_NAME_THRESHOLDS,
    };

    #[test]
    fn levels_per_comparator() {
        assert_eq!(Comparator::Exact.levels(), 2);
        assert_eq!(Comparator::Email.levels(), 3);
        assert_eq!(COMPANY.levels(), 5);
        assert_eq!(PERSON.levels(), 4);
        assert_eq!(Comparator::Date.levels(), 4);
        assert_eq!(Comparator::TokenSet.levels(), 4);
        assert_eq!(Comparator::Identifier.levels(), 4);
    }

    #[test]
    fn for_kind_picks_the_documented_comparator() {
        use FieldKind::*;
        assert_eq!(Comparator::for_kind(CompanyName), COMPANY);
        for kind in [PersonName, GivenName, Surname] {
            assert_eq!(Comparator::for_kind(kind), PERSON);
        }
        for kind in [Phone, Identifier, Postcode] {
            assert_eq!(Comparator::for_kind(kind), Comparator::Identifier);
        }
        assert_eq!(Comparator::for_kind(Email), Comparator::Email);
        assert_eq!(Comparator::for_kind(Date), Comparator::Date);
        assert_eq!(Comparator::for_kind(Address), Comparator::TokenSet);
        assert_eq!(Comparator::for_kind(Text), Comparator::TokenSet);
        assert_eq!(Comparator::for_kind(Region), Comparator::Exact);
    }

    #[test]
    fn empty_values_never_agree() {
        for kind in FieldKind::ALL {
            let comparator = Comparator::for_kind(kind);
            assert_eq!(comparator.compare("", ""), 0, "{kind}");
            assert_eq!(comparator.compare("", "x"), 0, "{kind}");
        }
    }

    #[test]
    fn exact() {
        assert_eq!(Comparator::Exact.compare("nsw", "nsw"), 1);
        assert_eq!(Comparator::Exact.compare("nsw", "vic"), 0);
        assert_eq!(Comparator::Exact.compare("广东省", "广东省"), 1);
    }

    #[test]
    fn given_names_with_typos() {
        assert_eq!(PERSON.compare("lachlan", "lachaln"), 2);
        assert_eq!(PERSON.compare("jessica", "jesica"), 2);
        assert_eq!(PERSON.compare("katherine", "catherine"), 1);
        assert_eq!(PERSON.compare("lachlan", "joshua"), 0);
        assert_eq!(PERSON.compare("li", "elizabeth"), 0);
    }

    #[test]
    fn surnames_with_typos() {
        assert_eq!(PERSON.compare("thompson", "thomson"), 2);
        assert_eq!(PERSON.compare("smith", "smyth"), 1);
        assert_eq!(PERSON.compare("nguyen", "nguyne"), 2);
        assert_eq!(PERSON.compare("smith", "jones"), 0);
    }

    #[test]
    fn chinese_names_compare_by_character() {
        // One character of two is half the name: Jaro-Winkler gives 0.67, no credit. A
        // homophone typo (伟/玮, both wei) needs a pinyin-aware comparator to be credited.
        assert_eq!(PERSON.compare("张伟", "张玮"), 0);
        assert_eq!(PERSON.compare("张小伟", "张小玮"), 0);
        assert_eq!(PERSON.compare("欧阳娜娜", "欧阳娜"), 2);
        assert_eq!(PERSON.compare("张伟", "张伟"), 3);
    }

    #[test]
    fn company_names() {
        assert_eq!(
            COMPANY.compare("阿里巴巴网络技术有限公司", "阿里巴巴网络科技有限公司"),
            3
        );
        assert_eq!(COMPANY.compare("alibaba group", "alibaba grp"), 3);
        assert_eq!(COMPANY.compare("globex corp", "globex corporation"), 2);
        assert_eq!(
            COMPANY.compare("北京字节跳动科技有限公司", "北京字节跳动网络技术有限公司"),
            2
        );
        assert_eq!(COMPANY.compare("华为", "华为"), 4);
        // Sister companies share a group name and a legal form, and must not be credited.
        assert_eq!(COMPANY.compare("华为技术有限公司", "华为终端有限公司"), 0);
        assert_eq!(COMPANY.compare("acme pty ltd", "globex corporation"), 0);
    }

    #[test]
    fn jaro_winkler_bound_is_an_upper_bound() {
        for (a, b) in [
            ("li", "elizabeth"),
            ("a", "aaaa"),
            ("abcd", "abcdefghijklmnop"),
            ("张", "张伟伟伟"),
        ] {
            let bound = jaro_winkler_bound(a.chars().count(), b.chars().count());
            assert!(strsim::jaro_winkler(a, b) <= bound + BOUND_SLACK, "{a} {b}");
        }
    }

    #[test]
    fn bag_distance_never_exceeds_the_edit_distance() {
        let samples = [
            "+8613812345678",
            "+8613812345687",
            "+8613900001111",
            "6988048",
            "6988084",
            "",
            "1",
        ];
        for a in samples {
            for b in samples {
                assert!(bag_distance(a, b) <= strsim::osa_distance(a, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn levenshtein() {
        let edits = Comparator::Levenshtein { max: [1, 2] };
        assert_eq!(edits.compare("kitten", "kitten"), 3);
        assert_eq!(edits.compare("kitten", "sitten"), 2);
        assert_eq!(edits.compare("kitten", "sittin"), 1);
        assert_eq!(edits.compare("kitten", "sitting"), 0);
        assert_eq!(edits.compare("kitten", "kit"), 0);
        // Plain Levenshtein counts a transposition as two edits.
        assert_eq!(edits.compare("kitten", "iktten"), 1);
    }

    #[test]
    fn phones_one_digit_off() {
        let phone = Comparator::for_kind(FieldKind::Phone);
        assert_eq!(phone.compare("13812345678", "13812345679"), 2);
        assert_eq!(phone.compare("13812345678", "13812345687"), 2);
        assert_eq!(phone.compare("13812345678", "1381234567"), 2);
        assert_eq!(phone.compare("13812345678", "13812345600"), 1);
        assert_eq!(phone.compare("13812345678", "13912345600"), 0);
        assert_eq!(phone.compare("13812345678", "138123"), 0);
    }

    #[test]
    fn identifiers_and_postcodes() {
        let id = Comparator::for_kind(FieldKind::Identifier);
        assert_eq!(id.compare("1234567", "1243567"), 2);
        assert_eq!(id.compare("91350100m000100y43", "91350100m000100y34"), 2);
        assert_eq!(id.compare("1234567", "7654321"), 0);
        let postcode = Comparator::for_kind(FieldKind::Postcode);
        assert_eq!(postcode.compare("100020", "100021"), 2);
        // Four-digit postcodes one digit apart are neighbours, not typos.
        assert_eq!(postcode.compare("2000", "2001"), 0);
        assert_eq!(postcode.compare("2000", "20001"), 0);
        assert_eq!(postcode.compare("2000", "2000"), 3);
    }

    #[test]
    fn dates() {
        let date = Comparator::Date;
        assert_eq!(date.compare("1999-02-19", "1999-02-19"), 3);
        // A single wrong digit, even in the month.
        assert_eq!(date.compare("1999-02-19", "1999-12-19"), 2);
        assert_eq!(date.compare("1999-02-19", "1999-02-18"), 2);
        // Two adjacent digits swapped.
        assert_eq!(date.compare("1989-02-19", "1998-02-19"), 2);
        assert_eq!(date.compare("1999-02-12", "1999-02-21"), 2);
        // Day and month read the other way round.
        assert_eq!(date.compare("1999-02-11", "1999-11-02"), 2);
        assert_eq!(date.compare("1999-02-19", "1999-02-28"), 1);
        assert_eq!(date.compare("1999-02-19", "2000-02-19"), 0);
        assert_eq!(date.compare("1999-02-19", "1999-03-28"), 0);
        assert_eq!(date.compare("1999-02-19", "2000-03-28"), 0);
    }

    #[test]
    fn invalid_dates_compare_as_text() {
        let date = Comparator::Date;
        assert_eq!(date.compare("1999-02-19", "1999-19-02"), 0);
        assert_eq!(date.compare("1999-19-02", "1999-19-02"), 3);
        assert_eq!(date.compare("unknown", "unknown"), 3);
        assert_eq!(date.compare("1999-02-19", "1999-02-1"), 0);
    }

    #[test]
    fn token_sets() {
        let text = Comparator::TokenSet;
        assert_eq!(text.compare("12 main st sydney", "12 main st sydney"), 3);
        assert_eq!(text.compare("12 main st sydney", "sydney 12 main st"), 2);
        assert_eq!(text.compare("12 main st sydney", "12  main st sydney"), 2);
        // {12, main, sydney} shared of five tokens.
        assert_eq!(
            text.compare("12 main st sydney", "12 main street sydney"),
            1
        );
        assert_eq!(text.compare("12 main st sydney", "4 high st perth"), 0);
    }

    #[test]
    fn han_text_is_compared_by_bigrams() {
        let text = Comparator::TokenSet;
        assert_eq!(
            text.compare("北京市朝阳区建国路88号", "北京市朝阳区建国路88号院"),
            2
        );
        assert_eq!(
            text.compare("北京市朝阳区建国路88号", "北京市朝阳区建国路99号"),
            1
        );
        assert_eq!(text.compare("北京市朝阳区", "上海市浦东新区"), 0);
        assert_eq!(text.compare("广东省 深圳市", "深圳市 广东省"), 2);
        assert_eq!(text.compare("京", "京 京"), 2);
    }

    #[test]
    fn tokens_are_sorted_distinct_slices() {
        assert_eq!(tokens("b a b"), ["a", "b"]);
        assert_eq!(tokens("上海市 a"), ["a", "上海", "海市"]);
        assert_eq!(tokens("京"), ["京"]);
        assert!(tokens("   ").is_empty());
        assert_eq!(Comparator::TokenSet.compare(" ", "  "), 0);
    }

    #[test]
    fn emails() {
        let email = Comparator::Email;
        assert_eq!(email.compare("wang.wei@qq.com", "wang.wei@qq.com"), 2);
        assert_eq!(email.compare("wang.wei@qq.com", "wang.wei@163.com"), 1);
        assert_eq!(email.compare("wang.wei@qq.com", "wangwei@qq.com"), 0);
        assert_eq!(email.compare("@qq.com", "@163.com"), 0);
        assert_eq!(email.compare("wang.wei", "wang.wei@qq.com"), 0);
    }

    #[test]
    fn numbers() {
        let number = Comparator::Numeric {
            tolerance: [0.01, 0.1],
        };
        assert_eq!(number.compare("100", "100.0"), 3);
        assert_eq!(number.compare("100", "100.5"), 2);
        assert_eq!(number.compare("100", "105"), 1);
        assert_eq!(number.compare("100", "150"), 0);
        assert_eq!(number.compare("0", "-0"), 3);
        assert_eq!(number.compare("1,000", "1,000"), 3);
        assert_eq!(number.compare("1,000", "1000"), 0);
        assert_eq!(number.compare("nan", "NaN"), 0);
        assert_eq!(number.compare("inf", "1e308"), 0);
    }

    #[test]
    fn level_descriptions() {
        assert_eq!(PERSON.describe_level(3), "exact");
        assert_eq!(PERSON.describe_level(2), "jaro-winkler ≥ 0.94");
        assert_eq!(PERSON.describe_level(1), "jaro-winkler ≥ 0.85");
        assert_eq!(PERSON.describe_level(0), "different");
        assert_eq!(PERSON.describe_level(4), "no such level");
        assert_eq!(Comparator::Identifier.describe_level(2), "at most 1 edit");
        assert_eq!(Comparator::Identifier.describe_level(1), "at most 2 edits");
        assert_eq!(Comparator::Date.describe_level(1), "same year and month");
        assert_eq!(
            Comparator::TokenSet.describe_level(2),
            "token overlap ≥ 0.8 or one typo"
        );
        assert_eq!(Comparator::Email.describe_level(2), "exact");
        assert_eq!(
            Comparator::Email.describe_level(1),
            "same local part, other domain"
        );
        assert_eq!(Comparator::Exact.describe_level(1), "exact");
        assert_eq!(Comparator::Exact.describe_level(2), "no such level");
        let number = Comparator::Numeric {
            tolerance: [0.01, 0.1],
        };
        assert_eq!(number.describe_level(3), "equal");
        assert_eq!(number.describe_level(1), "within the loose tolerance");
        let custom = Comparator::JaroWinkler {
            thresholds: [0.9, 0.8],
        };
        assert_eq!(custom.describe_level(2), "jaro-winkler ≥ high threshold");
        let edits = Comparator::Levenshtein { max: [2, 5] };
        assert_eq!(edits.describe_level(2), "at most 2 edits");
        assert_eq!(edits.describe_level(1), "within the edit limit");
    }

    #[test]
    fn known_jaro_winkler_meanings_spell_their_threshold() {
        for (threshold, meaning) in JARO_WINKLER_MEANINGS {
            assert_eq!(format!("jaro-winkler ≥ {threshold}"), meaning);
        }
        assert_eq!(COMPANY.describe_level(2), "jaro-winkler ≥ 0.88");
        assert_eq!(COMPANY.describe_level(3), "jaro-winkler ≥ 0.95");
        assert_eq!(COMPANY.describe_level(1), "same brand, other wording");
    }

    #[test]
    fn every_level_is_described() {
        for comparator in all_comparators() {
            for level in 0..comparator.levels() {
                let text = comparator.describe_level(level);
                assert_ne!(text, "no such level", "{comparator:?} {level}");
            }
        }
    }

    fn all_comparators() -> Vec<Comparator> {
        let mut all: Vec<Comparator> = FieldKind::ALL
            .into_iter()
            .map(Comparator::for_kind)
            .collect();
        all.push(Comparator::Levenshtein { max: [1, 3] });
        all.push(Comparator::Numeric {
            tolerance: [0.01, 0.1],
        });
        all
    }

    /// Values that collide often enough to reach every level: short strings over a small
    /// alphabet of letters, digits, Han, spaces and email and date punctuation.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ab1 张伟@.-]{0,8}",
            "19[89][0-9]-0[1-9]-1[0-9]",
            "[0-9]{5,11}",
            "-?[0-9]{1,3}(\\.[0-9])?",
        ]
    }

    proptest! {
        #[test]
        fn jaro_winkler_is_strsim_s_bit_for_bit(
            a in "[abc张伟华为 ]{0,70}",
            b in "[abc张伟华为 ]{0,70}",
        ) {
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn jaro_winkler_is_strsim_s_on_similar_names(
            a in "[a-e张伟]{1,12}",
            edits in proptest::collection::vec((0_usize..12, "[a-e张伟]"), 0..3),
        ) {
            // Near misses reach the Winkler boost and the transposition count.
            let mut chars: Vec<char> = a.chars().collect();
            for (at, c) in &edits {
                let at = at % chars.len();
                chars[at] = c.chars().next().unwrap();
            }
            let b: String = chars.into_iter().collect();
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
        }

        #[test]
        fn token_hashes_give_the_token_set_level(a in "[ab1 北京市区路]{1,12}", b in "[ab1 北京市区路]{1,12}") {
            let (x, y) = (token_hashes(&a), token_hashes(&b));
            prop_assume!(a != b && !x.is_empty() && !y.is_empty());
            prop_assert_eq!(token_set_level_of_hashes(&x, &y), Comparator::TokenSet.compare(&a, &b));
        }

        #[test]
        fn bag_distance_is_a_lower_bound(a in "[0-9+x]{0,14}", b in "[0-9+x]{0,14}") {
            prop_assert!(bag_distance(&a, &b) <= strsim::osa_distance(&a, &b));
        }

        #[test]
        fn compare_is_symmetric(a in value(), b in value()) {
            for comparator in all_comparators() {
                prop_assert_eq!(comparator.compare(&a, &b), comparator.compare(&b, &a), "{:?}", comparator);
            }
        }

        #[test]
        fn equal_values_get_the_top_level(a in value()) {
            prop_assume!(!a.is_empty());
            for comparator in all_comparators() {
                prop_assert_eq!(comparator.compare(&a, &a), comparator.levels() - 1, "{:?}", comparator);
            }
        }

        #[test]
        fn levels_are_in_range(a in value(), b in value()) {
            for comparator in all_comparators() {
                prop_assert!(comparator.compare(&a, &b) < comparator.levels(), "{:?}", comparator);
            }
        }

        #[test]
        fn unequal_values_stay_below_the_top_except_equal_numbers(a in value(), b in value()) {
            prop_assume!(a != b);
            for comparator in all_comparators() {
                if !matches!(comparator, Comparator::Numeric { .. }) {
                    prop_assert!(comparator.compare(&a, &b) < comparator.levels() - 1, "{:?}", comparator);
                }
            }
        }
    }
}
