//! The cost section: an offline price table, a usage file, and the monthly estimate.

pub mod estimate;
pub mod prices;
pub mod usage;

pub use estimate::{Assumption, ComponentCost, CostLine, Estimate, PriceUse};
pub use prices::{Check, Price, PriceTable};
pub use usage::{Usage, UsageError, UsageKey, UsageSource, UsageValue, USAGE_KEYS};
