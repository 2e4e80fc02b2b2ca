//! Runtime support for typed L1 resources: arguments that are either a typed literal or any
//! expression, and the traits that lower a typed resource into IR blocks.

use crate::ir::{Block, Body, Expr};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// An argument value: a literal of the schema's type, or any expression (a reference, a
/// function call, …).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<T> {
    Value(T),
    Expr(Expr),
}

/// Literal values that lower to an IR expression.
pub trait ToExpr {
    fn to_expr(&self) -> Expr;
}

impl ToExpr for String {
    fn to_expr(&self) -> Expr {
        Expr::string(self.clone())
    }
}
impl ToExpr for i64 {
    fn to_expr(&self) -> Expr {
        Expr::int(*self)
    }
}
impl ToExpr for f64 {
    fn to_expr(&self) -> Expr {
        Expr::float(*self)
    }
}
impl ToExpr for bool {
    fn to_expr(&self) -> Expr {
        Expr::bool(*self)
    }
}
impl ToExpr for Expr {
    fn to_expr(&self) -> Expr {
        self.clone()
    }
}
impl<T: ToExpr> ToExpr for Vec<T> {
    fn to_expr(&self) -> Expr {
        Expr::tuple(self.iter().map(ToExpr::to_expr).collect())
    }
}
impl<T: ToExpr> ToExpr for BTreeMap<String, T> {
    fn to_expr(&self) -> Expr {
        Expr::object(self.iter().map(|(k, v)| (k.clone(), v.to_expr())).collect())
    }
}

impl<T: ToExpr> ToExpr for Arg<T> {
    fn to_expr(&self) -> Expr {
        match self {
            Arg::Value(v) => v.to_expr(),
            Arg::Expr(e) => e.clone(),
        }
    }
}

impl<T> From<Expr> for Arg<T> {
    fn from(e: Expr) -> Self {
        Arg::Expr(e)
    }
}
impl From<&str> for Arg<String> {
    fn from(s: &str) -> Self {
        Arg::Value(s.to_string())
    }
}
impl From<String> for Arg<String> {
    fn from(s: String) -> Self {
        Arg::Value(s)
    }
}
impl From<&String> for Arg<String> {
    fn from(s: &String) -> Self {
        Arg::Value(s.clone())
    }
}
impl From<i64> for Arg<i64> {
    fn from(i: i64) -> Self {
        Arg::Value(i)
    }
}
impl From<i32> for Arg<i64> {
    fn from(i: i32) -> Self {
        Arg::Value(i as i64)
    }
}
impl From<u32> for Arg<i64> {
    fn from(i: u32) -> Self {
        Arg::Value(i as i64)
    }
}
impl From<f64> for Arg<f64> {
    fn from(f: f64) -> Self {
        Arg::Value(f)
    }
}
impl From<i64> for Arg<f64> {
    fn from(i: i64) -> Self {
        Arg::Value(i as f64)
    }
}
impl From<i32> for Arg<f64> {
    fn from(i: i32) -> Self {
        Arg::Value(i as f64)
    }
}
impl From<bool> for Arg<bool> {
    fn from(b: bool) -> Self {
        Arg::Value(b)
    }
}
impl From<Vec<String>> for Arg<Vec<String>> {
    fn from(v: Vec<String>) -> Self {
        Arg::Value(v)
    }
}
impl From<Vec<&str>> for Arg<Vec<String>> {
    fn from(v: Vec<&str>) -> Self {
        Arg::Value(v.into_iter().map(str::to_string).collect())
    }
}
impl<const N: usize> From<[&str; N]> for Arg<Vec<String>> {
    fn from(v: [&str; N]) -> Self {
        Arg::Value(v.iter().map(|s| s.to_string()).collect())
    }
}
impl From<Vec<Expr>> for Arg<Vec<String>> {
    fn from(v: Vec<Expr>) -> Self {
        Arg::Expr(Expr::tuple(v))
    }
}
impl From<Vec<i64>> for Arg<Vec<i64>> {
    fn from(v: Vec<i64>) -> Self {
        Arg::Value(v)
    }
}
impl From<BTreeMap<String, String>> for Arg<BTreeMap<String, String>> {
    fn from(m: BTreeMap<String, String>) -> Self {
        Arg::Value(m)
    }
}
impl<const N: usize> From<[(&str, &str); N]> for Arg<BTreeMap<String, String>> {
    fn from(v: [(&str, &str); N]) -> Self {
        Arg::Value(
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

/// Serialized as `.tf.json` does: literals as themselves, expressions as `"${…}"`.
impl<T: Serialize> Serialize for Arg<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Value(v) => v.serialize(s),
            Arg::Expr(e) => s.serialize_str(&format!("${{{e}}}")),
        }
    }
}

/// A typed resource or data source of the provider schema.
pub trait TypedBlock {
    /// The Terraform type name, e.g. `aws_lambda_function`.
    const TYPE: &'static str;
    /// The arguments and nested blocks as an IR body.
    fn to_body(&self) -> Body;
}

/// A typed nested block (e.g. `environment` inside `aws_lambda_function`).
pub trait TypedNestedBlock {
    /// The nested block as an IR block of type `name`.
    fn to_block(&self, name: &str) -> Block {
        let mut b = Block::new(name, vec![]);
        b.body = self.to_body();
        b
    }
    fn to_body(&self) -> Body;
}
