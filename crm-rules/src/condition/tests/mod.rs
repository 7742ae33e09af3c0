//! Tests of the condition language.

mod parse;
mod props;
mod semantics;
