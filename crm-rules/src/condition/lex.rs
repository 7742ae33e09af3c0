//! Condition text to tokens.

use std::fmt;

use super::ast::{is_ident_continue, is_ident_start};
use super::error::ConditionError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok<'a> {
    /// A name: a keyword (`and`), a function (`exists`) or a field path (`custom.预算`).
    Ident(&'a str),
    /// A field name in backticks, without them.
    Quoted(&'a str),
    /// A string literal, escapes resolved.
    Str(String),
    /// A number as written (sign, digits, `_`, one `.`).
    Num(&'a str),
    /// Punctuation or an operator, with `=` written `==`.
    Sym(&'static str),
    /// The end of the text.
    End,
}

/// A token and the bytes `start..end` it spans.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub start: usize,
    pub end: usize,
}

impl Tok<'_> {
    /// Whether this is the keyword `word` (or its symbol: `&&`, `||`, `!`).
    pub fn is_kw(&self, word: &str) -> bool {
        match self {
            Tok::Ident(name) => *name == word,
            Tok::Sym(sym) => matches!((*sym, word), ("&&", "and") | ("||", "or") | ("!", "not")),
            _ => false,
        }
    }
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(name) | Tok::Num(name) | Tok::Sym(name) => write!(f, "'{name}'"),
            Tok::Quoted(name) => write!(f, "'`{name}`'"),
            Tok::Str(text) => super::ast::write_string(f, text),
            Tok::End => f.write_str("the end"),
        }
    }
}

const SYMBOLS: [(&str, &str); 15] = [
    ("==", "=="),
    ("!=", "!="),
    ("<=", "<="),
    (">=", ">="),
    ("&&", "&&"),
    ("||", "||"),
    ("=", "=="),
    ("<", "<"),
    (">", ">"),
    ("!", "!"),
    ("(", "("),
    (")", ")"),
    ("[", "["),
    ("]", "]"),
    (",", ","),
];

/// Split `text` into tokens, ending with [`Tok::End`].
pub(crate) fn lex(text: &str) -> Result<Vec<Token<'_>>, ConditionError> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(c) = text[pos..].chars().next() {
        let start = pos;
        let rest = &text[pos..];
        let tok = if c.is_whitespace() {
            pos += c.len_utf8();
            continue;
        } else if c.is_ascii_digit() || (c == '-' && next_is_digit(rest)) {
            pos += number_len(rest);
            Tok::Num(&text[start..pos])
        } else if is_ident_start(c) {
            pos += path_len(rest);
            Tok::Ident(&text[start..pos])
        } else if c == '`' {
            let len = rest[1..].find('`').ok_or_else(|| {
                ConditionError::in_text(text, start, "unterminated field name (missing '`')")
            })?;
            if len == 0 {
                return Err(ConditionError::in_text(text, start, "empty field name"));
            }
            pos += len + 2;
            Tok::Quoted(&rest[1..=len])
        } else if c == '"' || c == '\'' {
            let (value, len) = string(text, start)?;
            pos += len;
            Tok::Str(value)
        } else if let Some((written, sym)) = SYMBOLS.iter().find(|(s, _)| rest.starts_with(s)) {
            pos += written.len();
            Tok::Sym(sym)
        } else {
            return Err(ConditionError::in_text(
                text,
                start,
                format!("unexpected character '{c}'"),
            ));
        };
        tokens.push(Token {
            tok,
            start,
            end: pos,
        });
    }
    tokens.push(Token {
        tok: Tok::End,
        start: text.len(),
        end: text.len(),
    });
    Ok(tokens)
}

fn next_is_digit(rest: &str) -> bool {
    rest[1..].starts_with(|c: char| c.is_ascii_digit())
}

/// The length of the number at the start of `rest`: `-`, digits and `_`, then `.` and more
/// digits.
fn number_len(rest: &str) -> usize {
    let digits = |s: &str| {
        s.find(|c: char| !(c.is_ascii_digit() || c == '_'))
            .unwrap_or(s.len())
    };
    let sign = usize::from(rest.starts_with('-'));
    let mut len = sign + digits(&rest[sign..]);
    if rest[len..].starts_with('.') && next_is_digit(&rest[len..]) {
        len += 1 + digits(&rest[len + 1..]);
    }
    len
}

/// The length of the name at the start of `rest`: identifiers joined by `.`.
fn path_len(rest: &str) -> usize {
    let mut len = 0;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let dot_then_name = c == '.'
            && chars
                .peek()
                .is_some_and(|&(_, next)| is_ident_continue(next));
        if !(is_ident_continue(c) || dot_then_name) {
            break;
        }
        len = i + c.len_utf8();
    }
    len
}

/// The string literal starting at `start` (a quote): its value and its length in bytes.
fn string(text: &str, start: usize) -> Result<(String, usize), ConditionError> {
    let rest = &text[start..];
    let quote = rest.chars().next().unwrap_or('"');
    let mut value = String::new();
    let mut chars = rest.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Ok((value, i + 1));
        }
        if c != '\\' {
            value.push(c);
            continue;
        }
        let escape_at = start + i;
        let bad = |what: &str| ConditionError::in_text(text, escape_at, what.to_owned());
        match chars.next().map(|(_, e)| e) {
            Some('n') => value.push('\n'),
            Some('r') => value.push('\r'),
            Some('t') => value.push('\t'),
            Some('0') => value.push('\0'),
            Some(e @ ('"' | '\'' | '\\')) => value.push(e),
            Some('u') => {
                let body = &rest[i + 2..];
                let code = body
                    .strip_prefix('{')
                    .and_then(|b| b.split_once('}'))
                    .map(|(hex, _)| hex)
                    .ok_or_else(|| bad("expected '\\u{XXXX}'"))?;
                let c = u32::from_str_radix(code, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| bad(&format!("invalid character code '\\u{{{code}}}'")))?;
                value.push(c);
                for _ in 0..code.len() + 2 {
                    chars.next();
                }
            }
            Some(e) => return Err(bad(&format!("unknown escape '\\{e}'"))),
            None => break,
        }
    }
    Err(ConditionError::in_text(
        text,
        start,
        "unterminated string (missing closing quote)",
    ))
}
