//! `LogGroup`: a CloudWatch log group that always has a retention.

use super::stack::{Provider, ResourceRef, Stack};
use crate::ir::Expr;
use crate::l1::resources::CloudwatchLogGroup;
use crate::origin::RustLocation;

/// A log group with the environment's retention (or an explicit one).
#[derive(Clone, Debug)]
pub struct LogGroup {
    pub(crate) resource: ResourceRef,
}

impl LogGroup {
    /// Log group `name` (e.g. `/aws/lambda/x`) with the environment's retention.
    #[track_caller]
    pub fn new(stack: &Stack, id: &str, name: impl Into<Expr>) -> LogGroup {
        let days = stack.env().log_retention_days;
        LogGroup::create(stack, id, name.into(), days, RustLocation::caller())
    }

    /// Log group `name` with `retention_days` (one of the values CloudWatch accepts).
    #[track_caller]
    pub fn with_retention(
        stack: &Stack,
        id: &str,
        name: impl Into<Expr>,
        retention_days: i64,
    ) -> LogGroup {
        LogGroup::create(
            stack,
            id,
            name.into(),
            retention_days,
            RustLocation::caller(),
        )
    }

    pub(crate) fn create(
        stack: &Stack,
        id: &str,
        name: Expr,
        retention_days: i64,
        location: RustLocation,
    ) -> LogGroup {
        LogGroup::create_in(stack, None, id, name, retention_days, location)
    }

    /// A log group in `provider`'s region (the stack's when `None`).
    pub(crate) fn create_in(
        stack: &Stack,
        provider: Option<&Provider>,
        id: &str,
        name: Expr,
        retention_days: i64,
        location: RustLocation,
    ) -> LogGroup {
        const ALLOWED: &[i64] = &[
            1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
            2922, 3288, 3653,
        ];
        if !ALLOWED.contains(&retention_days) {
            stack.error(
                location,
                format!("log retention of {retention_days} days is not one CloudWatch accepts"),
                Some("use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"),
            );
        }
        let lg = CloudwatchLogGroup::new()
            .name(name)
            .retention_in_days(retention_days);
        let resource = match provider {
            Some(p) => stack.declare_typed_in(p, id, lg, location),
            None => stack.declare_typed(id, lg, location),
        };
        LogGroup { resource }
    }

    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn name(&self) -> Expr {
        self.resource.name_attr()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
}
