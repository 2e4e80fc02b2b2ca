//! LOG: log groups that keep data forever or are missing.

pub mod log_group_without_retention;
