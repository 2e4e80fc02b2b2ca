//! `ExpressionAlarm`: a CloudWatch alarm on a metric math expression over named metrics —
//! a rate (`100 * errors / invocations`) or the worst of several series
//! (`MAX([node1, node2, node3])`) — notifying SNS topics on alarm and on recovery, with the
//! same topic and key policy wiring as [`super::alarm::Alarm`] (which alarms on one metric
//! or a sum).
//!
//! ```ignore
//! let rate = ExpressionAlarm::new(stack, "mapper_error_rate",
//!         "IF(invocations > 0, 100 * errors / invocations, 0)", "Error rate (%)")
//!     .metric("errors", Metric::lambda(&mapper, "Errors").period_seconds(300))
//!     .metric("invocations", Metric::lambda(&mapper, "Invocations").period_seconds(300))
//!     .greater_than(5.0)
//!     .notify(&topic)
//!     .build();
//! ```

use super::alarm::Metric;
use super::stack::{ResourceRef, Stack};
use super::topic::Topic;
use crate::ir::Expr;
use crate::l1::resources::{
    CloudwatchMetricAlarm, CloudwatchMetricAlarmMetricQuery, CloudwatchMetricAlarmMetricQueryMetric,
};
use crate::origin::RustLocation;

/// An expression alarm under construction.
#[must_use = "call .build() to declare the alarm"]
pub struct ExpressionAlarmBuilder {
    stack: Stack,
    id: String,
    expression: String,
    label: String,
    metrics: Vec<(String, Metric)>,
    threshold: Option<f64>,
    evaluation_periods: i64,
    description: Option<String>,
    topics: Vec<(Topic, RustLocation)>,
    location: RustLocation,
}

/// A declared expression alarm.
#[derive(Clone, Debug)]
pub struct ExpressionAlarm {
    resource: ResourceRef,
}

impl ExpressionAlarm {
    /// An alarm `<prefix>-<env>-<id>` on `expression` (CloudWatch metric math over the
    /// metric IDs given with `.metric(id, …)`), shown as `label`.
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str, expression: &str, label: &str) -> ExpressionAlarmBuilder {
        ExpressionAlarmBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            expression: expression.to_string(),
            label: label.to_string(),
            metrics: Vec::new(),
            threshold: None,
            evaluation_periods: 1,
            description: None,
            topics: Vec::new(),
            location: RustLocation::caller(),
        }
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
}

impl ExpressionAlarmBuilder {
    /// A metric the expression names `id` (lowercase first letter, as CloudWatch requires).
    pub fn metric(mut self, id: &str, metric: Metric) -> Self {
        self.metrics.push((id.to_string(), metric));
        self
    }
    /// Alarms when the expression is above `threshold`.
    pub fn greater_than(mut self, threshold: f64) -> Self {
        self.threshold = Some(threshold);
        self
    }
    /// How many consecutive periods must breach (default 1).
    pub fn evaluation_periods(mut self, n: i64) -> Self {
        self.evaluation_periods = n;
        self
    }
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }
    /// Notifies `topic` on alarm and on recovery.
    #[track_caller]
    pub fn notify(mut self, topic: &Topic) -> Self {
        self.topics.push((topic.clone(), RustLocation::caller()));
        self
    }

    pub fn build(self) -> ExpressionAlarm {
        let stack = &self.stack;
        let loc = self.location;
        if self.metrics.is_empty() || self.metrics.len() > 9 {
            stack.error(
                loc,
                format!(
                    "an expression alarm names 1 to 9 metrics, not {}",
                    self.metrics.len()
                ),
                Some("CloudWatch allows 10 queries per alarm, one of them the expression"),
            );
        }
        for (id, m) in &self.metrics {
            let valid = id.starts_with(|c: char| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                stack.error(
                    loc,
                    format!("metric ID `{id}` is not one CloudWatch accepts"),
                    Some("start with a lowercase letter; use letters, digits and `_`"),
                );
            }
            if !self.expression.contains(id.as_str()) {
                stack.error(
                    loc,
                    format!("the expression does not use metric `{id}`"),
                    None,
                );
            }
            m.check(stack, loc);
        }
        let threshold = self.threshold.unwrap_or_else(|| {
            stack.error(
                loc,
                format!("alarm `{}` has no threshold", self.id),
                Some("add `.greater_than(…)`"),
            );
            0.0
        });
        if self.evaluation_periods < 1 {
            stack.error(loc, "an alarm evaluates at least one period", None);
        }
        let name = stack.physical_name(&self.id);
        let mut alarm = CloudwatchMetricAlarm::new(
            name.as_str(),
            "GreaterThanThreshold",
            self.evaluation_periods,
        )
        .threshold(threshold)
        // No data means no invocations, no failures: nothing to page about.
        .treat_missing_data("notBreaching");
        if let Some(d) = &self.description {
            alarm = alarm.alarm_description(d.as_str());
        }
        for (id, m) in &self.metrics {
            let mut metric = CloudwatchMetricAlarmMetricQueryMetric::new(
                m.name.as_str(),
                m.period_seconds,
                m.statistic.as_str(),
            )
            .namespace(m.namespace.as_str());
            if !m.dimensions.is_empty() {
                metric = metric.dimensions(Expr::object(
                    m.dimensions
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ));
            }
            let mut q = CloudwatchMetricAlarmMetricQuery::new(id.as_str())
                .return_data(false)
                .metric(metric);
            if let Some(l) = &m.label {
                q = q.label(l.as_str());
            }
            alarm = alarm.metric_query(q);
        }
        alarm = alarm.metric_query(
            CloudwatchMetricAlarmMetricQuery::new("expression")
                .expression(self.expression.as_str())
                .label(self.label.as_str())
                .return_data(true),
        );
        let resource = super::alarm::declare_notifying(stack, &self.id, alarm, &self.topics, loc);
        ExpressionAlarm { resource }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    #[test]
    fn rate_alarm_queries_and_expression() {
        let stack = Stack::new("svc", Environment::dev());
        let _ = ExpressionAlarm::new(
            &stack,
            "rate",
            "IF(invocations > 0, 100 * errors / invocations, 0)",
            "Error rate (%)",
        )
        .metric(
            "errors",
            Metric::new("AWS/Lambda", "Errors").period_seconds(300),
        )
        .metric(
            "invocations",
            Metric::new("AWS/Lambda", "Invocations").period_seconds(300),
        )
        .greater_than(5.0)
        .build();
        let out = stack.finish().expect("synthesizes");
        let alarm = out
            .config
            .resource("aws_cloudwatch_metric_alarm", "rate")
            .unwrap();
        assert_eq!(alarm.body.blocks_of("metric_query").count(), 3);
    }

    #[test]
    fn unused_metric_is_an_error() {
        let stack = Stack::new("svc", Environment::dev());
        let _ = ExpressionAlarm::new(&stack, "rate", "MAX([a])", "max")
            .metric("a", Metric::new("AWS/X", "Y"))
            .metric("b", Metric::new("AWS/X", "Z"))
            .greater_than(1.0)
            .build();
        let errors = stack.finish().unwrap_err();
        assert!(errors[0].message.contains("does not use metric `b`"));
    }
}
