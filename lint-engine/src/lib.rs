//! The tfstack lint engine: discovery, loading, the context and query layer rules read the
//! IR through, suppressions, configuration, baselines and reporters. It is handed the rules
//! (`&[&dyn Rule]`) and never names one.

pub mod baseline;
pub mod config;
pub mod context;
mod date;
pub mod input;
pub mod lint;
pub mod located;
pub mod query;
pub mod report;
pub mod rule;
pub mod run;
pub mod stack;
pub mod suppress;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod until;

pub use date::today_utc;
pub use rule::{Declared, Finding, Rule, RuleMeta, Severity, SuppressionUse};
