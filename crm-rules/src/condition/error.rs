//! [`ConditionError`]: what is wrong with a condition, and where.

use std::fmt;

/// Where in its source a [`ConditionError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In condition text.
    Text {
        /// Byte offset into the text.
        offset: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column within the line, in characters (a Chinese character is one).
        column: usize,
    },
    /// In a JSON AST ([`Expr`](super::Expr)): a JSON pointer such as `/all/1/compare/right`
    /// (empty for the root).
    Json {
        /// The JSON pointer, relative to the condition.
        path: String,
    },
}

/// Why a condition was refused, and where: `expected a value after '>' at column 10`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    message: String,
    location: Location,
    /// The condition text, for text errors.
    source: Option<String>,
}

impl ConditionError {
    /// `message` at byte `offset` of `text`.
    pub(crate) fn in_text(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        ConditionError {
            message: message.into(),
            location: Location::Text {
                offset,
                line,
                column,
            },
            source: Some(text.to_owned()),
        }
    }

    /// `message` at JSON pointer `path` of an [`Expr`](super::Expr).
    pub(crate) fn in_json(path: String, message: impl Into<String>) -> Self {
        ConditionError {
            message: message.into(),
            location: Location::Json { path },
            source: None,
        }
    }

    /// What is wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where it is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The byte offset in the text, for text errors.
    pub fn offset(&self) -> Option<usize> {
        match self.location {
            Location::Text { offset, .. } => Some(offset),
            Location::Json { .. } => None,
        }
    }

    /// The 1-based column (in characters) in the text, for text errors.
    pub fn column(&self) -> Option<usize> {
        match self.location {
            Location::Text { column, .. } => Some(column),
            Location::Json { .. } => None,
        }
    }

    /// The JSON pointer inside the AST, for JSON errors.
    pub fn path(&self) -> Option<&str> {
        match &self.location {
            Location::Json { path } => Some(path),
            Location::Text { .. } => None,
        }
    }

    /// The condition text, for text errors.
    pub fn text(&self) -> Option<&str> {
        self.source.as_deref()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Text {
                line: 1, column, ..
            } => write!(f, "column {column}"),
            Location::Text { line, column, .. } => write!(f, "line {line}, column {column}"),
            Location::Json { path } if path.is_empty() => f.write_str("the condition's root"),
            Location::Json { path } => write!(f, "{path}"),
        }
    }
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.location)
    }
}

impl std::error::Error for ConditionError {}

/// A [`crm_core::Error::Validation`] of field `condition`: the value is the condition text
/// (or the JSON pointer into the AST), the reason the message and its position.
impl From<ConditionError> for crm_core::Error {
    fn from(error: ConditionError) -> Self {
        let value = match (&error.source, &error.location) {
            (Some(text), _) => text.clone(),
            (None, Location::Json { path }) => path.clone(),
            (None, Location::Text { .. }) => String::new(),
        };
        crm_core::Error::validation("condition", value, error.to_string())
    }
}
