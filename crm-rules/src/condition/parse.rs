//! Condition text to [`Expr`], with the load-time checks, by recursive descent.
//!
//! ```text
//! expr     := and ("or" and)*                       -- also ||
//! and      := unary ("and" unary)*                  -- also &&
//! unary    := "not" unary | "(" expr ")" | exists | predicate | "true" | "false"
//! exists   := "exists" "(" relation ["," expr] ")"
//! predicate:= operand ( cmp operand | ["not"] "in" "[" [value ("," value)*] "]"
//!            | "contains" operand | "between" operand "and" operand | "is" ["not"] "empty" )
//! operand  := field | value | "count" "(" relation ["," expr] ")"
//!            | "sum" "(" relation "." field ["," expr] ")"
//! value    := number | string | "true" | "false" | "null"
//!            | "date" "(" string ")" | "time" "(" string ")" | "uuid" "(" string ")"
//! ```

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::record::Value;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::ast::{CmpOp, Expr, KEYWORDS, Operand};
use super::check::{self, Fault, MAX_DEPTH, Part};
use super::error::ConditionError;
use super::lex::{Tok, Token, lex};

/// Parse and check condition `text`.
pub(crate) fn parse(text: &str) -> Result<Expr, ConditionError> {
    let mut parser = Parser {
        text,
        tokens: lex(text)?,
        pos: 0,
        depth: 0,
    };
    if parser.peek().tok == Tok::End {
        return Err(parser.error_here("expected a condition"));
    }
    let expr = parser.expr()?;
    let next = parser.peek();
    if next.tok != Tok::End {
        let hint = keyword_hint(&next.tok);
        return Err(parser.error_here(format!(
            "unexpected {}: expected 'and', 'or' or the end of the condition{hint}",
            next.tok
        )));
    }
    Ok(expr)
}

/// A hint for `AND`, `Or` and the like.
fn keyword_hint(tok: &Tok<'_>) -> &'static str {
    match tok {
        Tok::Ident(name) if KEYWORDS.contains(&name.to_lowercase().as_str()) => {
            " (keywords are lowercase)"
        }
        _ => "",
    }
}

/// Bytes `start..end` of the text.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

const FUNCTIONS: &str = "exists, count, sum, date, time or uuid";

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token<'a> {
        &self.tokens[self.pos]
    }

    fn peek_at(&self, ahead: usize) -> &Tok<'a> {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + ahead).min(last)].tok
    }

    fn next(&mut self) -> Token<'a> {
        let token = self.tokens[self.pos].clone();
        if token.tok != Tok::End {
            self.pos += 1;
        }
        token
    }

    /// The end of the token last consumed.
    fn last_end(&self) -> usize {
        self.pos.checked_sub(1).map_or(0, |i| self.tokens[i].end)
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> ConditionError {
        ConditionError::in_text(self.text, offset, message)
    }

    fn error_here(&self, message: impl Into<String>) -> ConditionError {
        self.error_at(self.peek().start, message)
    }

    fn eat_kw(&mut self, word: &str) -> bool {
        let found = self.peek().tok.is_kw(word);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        let found = matches!(self.peek().tok, Tok::Sym(s) if s == sym);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consume `sym`, or fail with `expected 'sym' {context}`.
    fn expect_sym(&mut self, sym: &str, context: &str) -> Result<(), ConditionError> {
        if self.eat_sym(sym) {
            Ok(())
        } else {
            let found = &self.peek().tok;
            Err(self.error_here(format!("expected '{sym}' {context}, found {found}")))
        }
    }

    /// One level deeper; at most one more than [`MAX_DEPTH`], since the text of an
    /// expression nests one level deeper than its JSON (a lone predicate is a level).
    fn nest(&mut self) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH + 1 {
            return Err(self.error_here(format!("nested more than {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ConditionError> {
        let mut members = vec![self.and()?];
        while self.eat_kw("or") {
            members.push(self.and()?);
        }
        Ok(group(members, Expr::Any))
    }

    fn and(&mut self) -> Result<Expr, ConditionError> {
        let mut members = vec![self.unary()?];
        while self.eat_kw("and") {
            members.push(self.unary()?);
        }
        Ok(group(members, Expr::All))
    }

    fn unary(&mut self) -> Result<Expr, ConditionError> {
        self.nest()?;
        let expr = self.unary_inner();
        self.depth -= 1;
        expr
    }

    fn unary_inner(&mut self) -> Result<Expr, ConditionError> {
        if self.eat_kw("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek().tok == Tok::Sym("(") {
            let open = self.next().start;
            let expr = self.expr()?;
            let column = self.error_at(open, "").column().unwrap_or_default();
            self.expect_sym(")", &format!("to close '(' at column {column}"))?;
            return Ok(expr);
        }
        if self.peek().tok == Tok::Ident("exists") && *self.peek_at(1) == Tok::Sym("(") {
            self.pos += 2;
            let Related {
                relation, filter, ..
            } = self.related_args("exists", false)?;
            return Ok(Expr::Exists { relation, filter });
        }
        let (operand, span) = self.operand(None)?;
        self.predicate(operand, span)
    }

    /// The rest of a predicate after its operand.
    fn predicate(&mut self, operand: Operand, span: Span) -> Result<Expr, ConditionError> {
        let start = span.start;
        let token = self.peek().clone();
        let cmp = match token.tok {
            Tok::Sym("==") => Some(CmpOp::Eq),
            Tok::Sym("!=") => Some(CmpOp::Ne),
            Tok::Sym("<") => Some(CmpOp::Lt),
            Tok::Sym("<=") => Some(CmpOp::Le),
            Tok::Sym(">") => Some(CmpOp::Gt),
            Tok::Sym(">=") => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = cmp {
            self.pos += 1;
            let after = self.written(&token);
            let (right, right_span) = self.operand(Some(&after))?;
            return self
                .checked(
                    check::compare(&operand, op, &right),
                    start,
                    |part| match part {
                        Part::Left => Some(span),
                        Part::Right => Some(right_span),
                        _ => None,
                    },
                )
                .map(|()| Expr::Compare {
                    left: operand,
                    op,
                    right,
                });
        }
        if self.eat_kw("in") {
            return self.list(operand, span);
        }
        if token.tok.is_kw("not") && self.peek_at(1).is_kw("in") {
            self.pos += 2;
            return Ok(Expr::Not(Box::new(self.list(operand, span)?)));
        }
        if self.eat_kw("contains") {
            let (needle, needle_span) = self.operand(Some("'contains'"))?;
            return self
                .checked(
                    check::contains(&operand, &needle),
                    start,
                    |part| match part {
                        Part::Operand => Some(span),
                        Part::Needle => Some(needle_span),
                        _ => None,
                    },
                )
                .map(|()| Expr::Contains { operand, needle });
        }
        if self.eat_kw("between") {
            let (low, low_span) = self.operand(Some("'between'"))?;
            if !self.eat_kw("and") {
                let found = &self.peek().tok;
                return Err(self.error_here(format!(
                    "expected 'and' between the bounds of 'between', found {found}"
                )));
            }
            let (high, high_span) = self.operand(Some("'and'"))?;
            return self
                .checked(
                    check::between(&operand, &low, &high),
                    start,
                    |part| match part {
                        Part::Operand => Some(span),
                        Part::Low => Some(low_span),
                        Part::High => Some(high_span),
                        _ => None,
                    },
                )
                .map(|()| Expr::Between { operand, low, high });
        }
        if self.eat_kw("is") {
            let negated = self.eat_kw("not");
            if !self.eat_kw("empty") {
                let after = if negated { "'is not'" } else { "'is'" };
                let found = &self.peek().tok;
                return Err(
                    self.error_here(format!("expected 'empty' after {after}, found {found}"))
                );
            }
            self.checked(check::is_empty(&operand), start, |_| Some(span))?;
            let expr = Expr::IsEmpty(operand);
            return Ok(if negated {
                Expr::Not(Box::new(expr))
            } else {
                expr
            });
        }
        if let Operand::Value(Value::Bool(b)) = operand {
            return Ok(Expr::Const(b));
        }
        let written = &self.text[span.start..span.end];
        let hint = keyword_hint(&token.tok);
        Err(self.error_here(format!(
            "expected an operator after '{written}' (==, !=, <, <=, >, >=, in, not in, \
             contains, between, is empty), found {}{hint}",
            token.tok
        )))
    }

    /// A token as written, quoted: `'>'`.
    fn written(&self, token: &Token<'_>) -> String {
        format!("'{}'", &self.text[token.start..token.end])
    }

    /// Map a check's fault to the span of the part it names (or the predicate's start).
    fn checked(
        &self,
        result: Result<(), Fault>,
        start: usize,
        span_of: impl Fn(Part) -> Option<Span>,
    ) -> Result<(), ConditionError> {
        result.map_err(|fault| {
            let at = span_of(fault.part).map_or(start, |s| s.start);
            self.error_at(at, fault.message)
        })
    }

    /// `[v, ...]` after `in`.
    fn list(&mut self, operand: Operand, span: Span) -> Result<Expr, ConditionError> {
        self.expect_sym("[", "after 'in'")?;
        let mut values = Vec::new();
        let mut spans = Vec::new();
        if !self.eat_sym("]") {
            loop {
                let at = self.peek().start;
                let context = if values.is_empty() { "'['" } else { "','" };
                match self.operand(Some(context))? {
                    (Operand::Value(value), _) => values.push(value),
                    _ => {
                        return Err(
                            self.error_at(at, "'in' takes constants, not fields or aggregates")
                        );
                    }
                }
                spans.push(at);
                if self.eat_sym("]") {
                    break;
                }
                self.expect_sym(",", "or ']' in the list of 'in'")?;
            }
        }
        self.checked(
            check::is_in(&operand, &values),
            span.start,
            |part| match part {
                Part::Operand => Some(span),
                Part::Value(i) => spans.get(i).map(|&s| Span { start: s, end: s }),
                _ => None,
            },
        )?;
        Ok(Expr::In { operand, values })
    }

    /// An operand; `after` names what it follows, for `expected a value after '>'`.
    fn operand(&mut self, after: Option<&str>) -> Result<(Operand, Span), ConditionError> {
        let token = self.next();
        let start = token.start;
        let operand = match token.tok {
            Tok::Num(raw) => Operand::Value(self.number(raw, start)?),
            Tok::Str(text) => Operand::Value(Value::Text(text)),
            Tok::Quoted(name) => Operand::Field(name.to_owned()),
            Tok::Ident("true") => Operand::Value(Value::Bool(true)),
            Tok::Ident("false") => Operand::Value(Value::Bool(false)),
            Tok::Ident("null") => Operand::Value(Value::Null),
            Tok::Ident(name) if !KEYWORDS.contains(&name) && *self.peek_at(0) == Tok::Sym("(") => {
                self.pos += 1;
                self.call(name, start)?
            }
            Tok::Ident(name) if !KEYWORDS.contains(&name) => Operand::Field(name.to_owned()),
            tok => {
                self.pos -= usize::from(tok != Tok::End);
                let message = match after {
                    Some(after) => format!("expected a value after {after}, found {tok}"),
                    None => format!("expected a condition, found {tok}"),
                };
                return Err(self.error_at(start, message));
            }
        };
        let end = self.last_end();
        Ok((operand, Span { start, end }))
    }

    /// A function call as an operand, after `name(`.
    fn call(&mut self, name: &str, start: usize) -> Result<Operand, ConditionError> {
        match name {
            "count" => {
                let Related {
                    relation, filter, ..
                } = self.related_args("count", false)?;
                Ok(Operand::Count { relation, filter })
            }
            "sum" => {
                let Related {
                    relation,
                    field,
                    filter,
                } = self.related_args("sum", true)?;
                let field = field.unwrap_or_default();
                Ok(Operand::Sum {
                    relation,
                    field,
                    filter,
                })
            }
            "date" | "time" | "uuid" => {
                let token = self.next();
                let Tok::Str(text) = token.tok else {
                    return Err(self.error_at(
                        token.start,
                        format!("expected a quoted {name} in '{name}(', found {}", token.tok),
                    ));
                };
                let value = literal(name, &text).map_err(|m| self.error_at(token.start, m))?;
                self.expect_sym(")", &format!("to close '{name}('"))?;
                Ok(Operand::Value(value))
            }
            "exists" => Err(self.error_at(
                start,
                "'exists(...)' is a condition, not a value: use count(...) to compare",
            )),
            _ => Err(self.error_at(
                start,
                format!("unknown function '{name}' (expected {FUNCTIONS})"),
            )),
        }
    }

    /// `relation[.field] [, filter])` after `name(`: the relation, the field when
    /// `with_field`, and the filter.
    fn related_args(&mut self, name: &str, with_field: bool) -> Result<Related, ConditionError> {
        let token = self.next();
        let path = match token.tok {
            Tok::Ident(path) if !KEYWORDS.contains(&path) => path,
            tok => {
                let what = if with_field {
                    "relation.field"
                } else {
                    "relation"
                };
                return Err(self.error_at(
                    token.start,
                    format!("expected a {what} in '{name}(', found {tok}"),
                ));
            }
        };
        let (relation, field) = match (path.split_once('.'), with_field) {
            (None, false) => (path.to_owned(), None),
            (Some((relation, field)), true) if !KEYWORDS.contains(&relation) => {
                (relation.to_owned(), Some(field.to_owned()))
            }
            (_, true) => {
                return Err(self.error_at(
                    token.start,
                    format!("expected relation.field in 'sum(', like sum(opportunities.amount), found '{path}'"),
                ));
            }
            (Some(_), false) => {
                return Err(self.error_at(
                    token.start,
                    format!(
                        "expected a relation name in '{name}(', like opportunities, found '{path}'"
                    ),
                ));
            }
        };
        let filter = if self.eat_sym(",") {
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        self.expect_sym(")", &format!("to close '{name}('"))?;
        Ok(Related {
            relation,
            field,
            filter,
        })
    }

    /// An integer or decimal literal.
    fn number(&self, raw: &str, start: usize) -> Result<Value, ConditionError> {
        let digits: String = raw.chars().filter(|&c| c != '_').collect();
        if digits.contains('.') {
            Decimal::from_str_exact(&digits)
                .map(Value::Decimal)
                .map_err(|_| {
                    self.error_at(
                        start,
                        format!("decimal {raw} is out of range or too precise (28 digits at most)"),
                    )
                })
        } else {
            i64::from_str(&digits).map(Value::Int).map_err(|_| {
                self.error_at(
                    start,
                    format!("integer {raw} is out of range (write it as a decimal: {digits}.0)"),
                )
            })
        }
    }
}

/// The arguments of `exists`, `count` and `sum`.
struct Related {
    relation: String,
    field: Option<String>,
    filter: Option<Box<Expr>>,
}

/// A group of two members or more; a lone member stands for itself.
fn group(mut members: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if members.len() == 1 {
        members.pop().unwrap_or(Expr::Const(true))
    } else {
        make(members)
    }
}

/// The constant of `date("..")`, `time("..")` or `uuid("..")`.
fn literal(function: &str, text: &str) -> Result<Value, String> {
    match function {
        "date" => NaiveDate::from_str(text)
            .map(Value::Date)
            .map_err(|_| format!("invalid date {text:?}: expected YYYY-MM-DD like \"2026-01-05\"")),
        "time" => DateTime::parse_from_rfc3339(text)
            .map(|t| Value::Time(t.with_timezone(&Utc)))
            .map_err(|_| {
                format!(
                    "invalid time {text:?}: expected RFC 3339 like \"2026-01-05T09:00:00+08:00\""
                )
            }),
        _ => Uuid::parse_str(text)
            .map(Value::Uuid)
            .map_err(|_| format!("invalid uuid {text:?}")),
    }
}
