//! LOG: log groups that keep data forever or are missing.

pub mod lambda_without_managed_log_group;
pub mod log_group_without_retention;
