//! `Metric`, `Alarm` (a CloudWatch metric alarm that notifies SNS topics on alarm and on
//! recovery) and `Dashboard` (widgets for alarms and metrics, as a JSON body).
//!
//! ```ignore
//! let errors = Alarm::new(stack, "orders_errors", Metric::lambda(&function, "Errors"))
//!     .greater_than(5.0)              // Sum over 1 minute > 5
//!     .notify(&topic)                 // topic must use a customer key (CloudWatch's rule)
//!     .build();
//! let throttles = Alarm::sum_of(stack, "table_throttles", "Throttled requests", metrics)
//!     .greater_than(0.0)
//!     .build();
//! Dashboard::new(stack, "orders")
//!     .alarm_status("Alarms", &[&errors, &throttles])
//!     .alarm_graph(&errors)
//!     .graph("Lambda", vec![Metric::lambda(&function, "Invocations")])
//!     .build();
//! ```

use super::function::Function;
use super::stack::{ResourceRef, Stack};
use super::table::Table;
use super::topic::Topic;
use crate::ir::Expr;
use crate::l1::resources::{
    CloudwatchDashboard, CloudwatchMetricAlarm, CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
};
use crate::origin::RustLocation;

/// A CloudWatch metric: namespace, name, dimensions, statistic and period.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<(String, Expr)>,
    pub statistic: String,
    pub period_seconds: i64,
    pub label: Option<String>,
}

impl Metric {
    /// `namespace`/`name`, Sum over 60 seconds.
    pub fn new(namespace: &str, name: &str) -> Metric {
        Metric {
            namespace: namespace.to_string(),
            name: name.to_string(),
            dimensions: Vec::new(),
            statistic: "Sum".to_string(),
            period_seconds: 60,
            label: None,
        }
    }
    pub fn dimension(mut self, name: &str, value: impl Into<Expr>) -> Metric {
        self.dimensions.push((name.to_string(), value.into()));
        self
    }
    /// `Sum`, `Average`, `Maximum`, `Minimum`, `SampleCount` (or a percentile like `p99`
    /// for graphs).
    pub fn statistic(mut self, statistic: &str) -> Metric {
        self.statistic = statistic.to_string();
        self
    }
    pub fn period_seconds(mut self, seconds: i64) -> Metric {
        self.period_seconds = seconds;
        self
    }
    pub fn label(mut self, label: &str) -> Metric {
        self.label = Some(label.to_string());
        self
    }

    /// A metric of `function` in `AWS/Lambda` (`Errors`, `Throttles`, `Duration` …).
    pub fn lambda(function: &Function, name: &str) -> Metric {
        Metric::new("AWS/Lambda", name).dimension("FunctionName", function.name())
    }
    /// A metric of `table` in `AWS/DynamoDB` with only the `TableName` dimension
    /// (`ConsumedReadCapacityUnits`, `ReadThrottleEvents` …).
    pub fn dynamodb(table: &Table, name: &str) -> Metric {
        Metric::new("AWS/DynamoDB", name).dimension("TableName", table.name())
    }
    /// `ThrottledRequests` of `table` for one `operation` (the metric has no table-wide
    /// series: sum the operations with [`Alarm::sum_of`]).
    pub fn dynamodb_throttled_requests(table: &Table, operation: &str) -> Metric {
        Metric::dynamodb(table, "ThrottledRequests")
            .dimension("Operation", operation)
            .label(&format!("{operation} throttled"))
    }

    pub(crate) fn check(&self, stack: &Stack, location: RustLocation) {
        let p = self.period_seconds;
        if !(p == 10 || p == 30 || (p >= 60 && p % 60 == 0)) {
            stack.error(
                location,
                format!("metric period of {p} s is not 10, 30 or a multiple of 60"),
                None,
            );
        }
        if self.dimensions.len() > 30 {
            stack.error(location, "a metric has at most 30 dimensions", None);
        }
    }

    /// `[namespace, name, dim, value, …, {options}]` as a dashboard widget writes it.
    fn widget_entry(&self, default_stat: &str, default_period: i64) -> Expr {
        let mut items = vec![
            Expr::string(self.namespace.clone()),
            Expr::string(self.name.clone()),
        ];
        for (k, v) in &self.dimensions {
            items.push(Expr::string(k.clone()));
            items.push(v.clone());
        }
        let mut options: Vec<(&str, Expr)> = Vec::new();
        if self.statistic != default_stat {
            options.push(("stat", Expr::string(self.statistic.clone())));
        }
        if self.period_seconds != default_period {
            options.push(("period", Expr::int(self.period_seconds)));
        }
        if let Some(l) = &self.label {
            options.push(("label", Expr::string(l.clone())));
        }
        if !options.is_empty() {
            items.push(Expr::object(options));
        }
        Expr::tuple(items)
    }

    fn dimension_map(&self) -> Expr {
        Expr::object(
            self.dimensions
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }
}

/// How the metric is compared with the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

impl Comparison {
    fn as_str(self) -> &'static str {
        match self {
            Comparison::GreaterThan => "GreaterThanThreshold",
            Comparison::GreaterThanOrEqual => "GreaterThanOrEqualToThreshold",
            Comparison::LessThan => "LessThanThreshold",
            Comparison::LessThanOrEqual => "LessThanOrEqualToThreshold",
        }
    }
}

/// An alarm under construction.
#[must_use = "call .build() to declare the alarm"]
pub struct AlarmBuilder {
    stack: Stack,
    id: String,
    metrics: Vec<Metric>,
    sum_label: Option<String>,
    threshold: Option<(Comparison, f64)>,
    evaluation_periods: i64,
    datapoints_to_alarm: Option<i64>,
    description: Option<String>,
    topics: Vec<(Topic, RustLocation)>,
    missing_data_breaches: bool,
    location: RustLocation,
}

/// A declared alarm.
#[derive(Clone, Debug)]
pub struct Alarm {
    resource: ResourceRef,
    metrics: Vec<Metric>,
    comparison: Comparison,
    threshold: f64,
    evaluation_periods: i64,
}

impl Alarm {
    /// An alarm `id` on one metric (name: `<prefix>-<env>-<id>`).
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str, metric: Metric) -> AlarmBuilder {
        AlarmBuilder::new(stack, id, vec![metric], None, RustLocation::caller())
    }

    /// An alarm on the sum of several metrics (metric math `SUM([m1, m2, …])`), e.g. a
    /// table's `ThrottledRequests` over its operations. At most 9 metrics.
    #[track_caller]
    pub fn sum_of(stack: &Stack, id: &str, label: &str, metrics: Vec<Metric>) -> AlarmBuilder {
        let location = RustLocation::caller();
        if metrics.is_empty() || metrics.len() > 9 {
            stack.error(
                location,
                format!("an alarm sums 1 to 9 metrics, not {}", metrics.len()),
                Some("CloudWatch allows 10 queries per alarm, one of them the sum"),
            );
        }
        AlarmBuilder::new(stack, id, metrics, Some(label.to_string()), location)
    }

    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    /// The `alarm_name` attribute.
    pub fn name(&self) -> Expr {
        self.resource.attr("alarm_name")
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }
    pub fn comparison(&self) -> Comparison {
        self.comparison
    }
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
    pub fn evaluation_periods(&self) -> i64 {
        self.evaluation_periods
    }
}

impl AlarmBuilder {
    fn new(
        stack: &Stack,
        id: &str,
        metrics: Vec<Metric>,
        sum_label: Option<String>,
        location: RustLocation,
    ) -> AlarmBuilder {
        AlarmBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            metrics,
            sum_label,
            threshold: None,
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            description: None,
            topics: Vec::new(),
            missing_data_breaches: false,
            location,
        }
    }

    /// Alarms when the statistic is above `threshold`.
    pub fn greater_than(self, threshold: f64) -> Self {
        self.compare(Comparison::GreaterThan, threshold)
    }
    /// Alarms when the statistic is below `threshold`.
    pub fn less_than(self, threshold: f64) -> Self {
        self.compare(Comparison::LessThan, threshold)
    }
    pub fn compare(mut self, comparison: Comparison, threshold: f64) -> Self {
        self.threshold = Some((comparison, threshold));
        self
    }
    /// Periods evaluated (default 1).
    pub fn evaluation_periods(mut self, n: i64) -> Self {
        self.evaluation_periods = n;
        self
    }
    /// "M out of N": periods that must breach among the evaluated ones.
    pub fn datapoints_to_alarm(mut self, n: i64) -> Self {
        self.datapoints_to_alarm = Some(n);
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
    /// Missing data counts as breaching (default: not breaching — for error and throttle
    /// counts no data means nothing went wrong).
    pub fn missing_data_breaches(mut self) -> Self {
        self.missing_data_breaches = true;
        self
    }

    pub fn build(self) -> Alarm {
        let stack = &self.stack;
        let loc = self.location;
        for m in &self.metrics {
            m.check(stack, loc);
        }
        let (comparison, threshold) = match self.threshold {
            Some(t) => t,
            None => {
                stack.error(
                    loc,
                    format!("alarm `{}` has no threshold", self.id),
                    Some("add `.greater_than(…)` or `.less_than(…)`"),
                );
                (Comparison::GreaterThan, 0.0)
            }
        };
        if !threshold.is_finite() {
            stack.error(loc, "the alarm threshold is not a finite number", None);
        }
        if self.evaluation_periods < 1 {
            stack.error(loc, "an alarm evaluates at least one period", None);
        }
        if let Some(d) = self.datapoints_to_alarm {
            if d < 1 || d > self.evaluation_periods {
                stack.error(
                    loc,
                    format!(
                        "{d} datapoints to alarm out of {} evaluated periods",
                        self.evaluation_periods
                    ),
                    None,
                );
            }
        }
        let name = stack.physical_name(&self.id);
        let mut alarm =
            CloudwatchMetricAlarm::new(name.as_str(), comparison.as_str(), self.evaluation_periods)
                .threshold(threshold)
                .treat_missing_data(if self.missing_data_breaches {
                    "breaching"
                } else {
                    "notBreaching"
                });
        if let Some(d) = self.datapoints_to_alarm {
            alarm = alarm.datapoints_to_alarm(d);
        }
        if let Some(d) = &self.description {
            alarm = alarm.alarm_description(d.as_str());
        }
        match (&self.sum_label, self.metrics.as_slice()) {
            (None, [m]) => {
                alarm = alarm
                    .namespace(m.namespace.as_str())
                    .metric_name(m.name.as_str())
                    .statistic(m.statistic.as_str())
                    .period(m.period_seconds);
                if !m.dimensions.is_empty() {
                    alarm = alarm.dimensions(m.dimension_map());
                }
            }
            (label, metrics) => {
                let ids: Vec<String> = (1..=metrics.len()).map(|i| format!("m{i}")).collect();
                for (id, m) in ids.iter().zip(metrics) {
                    let mut metric = CloudwatchMetricAlarmMetricQueryMetric::new(
                        m.name.as_str(),
                        m.period_seconds,
                        m.statistic.as_str(),
                    )
                    .namespace(m.namespace.as_str());
                    if !m.dimensions.is_empty() {
                        metric = metric.dimensions(m.dimension_map());
                    }
                    let mut q = CloudwatchMetricAlarmMetricQuery::new(id.as_str())
                        .return_data(false)
                        .metric(metric);
                    if let Some(l) = &m.label {
                        q = q.label(l.as_str());
                    }
                    alarm = alarm.metric_query(q);
                }
                let mut sum = CloudwatchMetricAlarmMetricQuery::new("total")
                    .expression(format!("SUM([{}])", ids.join(", ")))
                    .return_data(true);
                if let Some(l) = label {
                    sum = sum.label(l.as_str());
                }
                alarm = alarm.metric_query(sum);
            }
        }
        let resource = declare_notifying(stack, &self.id, alarm, &self.topics, loc);
        Alarm {
            resource,
            metrics: self.metrics,
            comparison,
            threshold,
            evaluation_periods: self.evaluation_periods,
        }
    }
}

/// A dashboard under construction: widgets two to a row, in the order added.
#[must_use = "call .build() to declare the dashboard"]
pub struct DashboardBuilder {
    stack: Stack,
    id: String,
    widgets: Vec<Widget>,
    location: RustLocation,
}

enum Widget {
    Alarms { title: String, alarms: Vec<Expr> },
    AlarmGraph { title: String, alarm: Expr },
    Graph { title: String, metrics: Vec<Metric> },
}

/// A CloudWatch dashboard.
pub struct Dashboard;

impl Dashboard {
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> DashboardBuilder {
        DashboardBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            widgets: Vec::new(),
            location: RustLocation::caller(),
        }
    }
}

impl DashboardBuilder {
    /// The state of `alarms`, one tile each.
    pub fn alarm_status(mut self, title: &str, alarms: &[&Alarm]) -> Self {
        self.widgets.push(Widget::Alarms {
            title: title.to_string(),
            alarms: alarms.iter().map(|a| a.arn()).collect(),
        });
        self
    }
    /// The metric of `alarm` with its threshold.
    pub fn alarm_graph(mut self, alarm: &Alarm) -> Self {
        let title = alarm
            .metrics
            .first()
            .map(|m| m.label.clone().unwrap_or_else(|| m.name.clone()))
            .unwrap_or_default();
        self.widgets.push(Widget::AlarmGraph {
            title,
            alarm: alarm.arn(),
        });
        self
    }
    /// A line graph of `metrics`.
    pub fn graph(mut self, title: &str, metrics: Vec<Metric>) -> Self {
        self.widgets.push(Widget::Graph {
            title: title.to_string(),
            metrics,
        });
        self
    }

    pub fn build(self) -> ResourceRef {
        let stack = &self.stack;
        let loc = self.location;
        if self.widgets.is_empty() {
            stack.error(loc, format!("dashboard `{}` has no widgets", self.id), None);
        }
        let widgets: Vec<Expr> = self
            .widgets
            .iter()
            .enumerate()
            .map(|(i, w)| {
                for m in widget_metrics(w) {
                    m.check(stack, loc);
                }
                let position = [
                    ("x", Expr::int(if i % 2 == 0 { 0 } else { 12 })),
                    ("y", Expr::int((i as i64 / 2) * 6)),
                    ("width", Expr::int(12)),
                    ("height", Expr::int(6)),
                ];
                widget(w, position)
            })
            .collect();
        let body = Expr::call(
            "jsonencode",
            vec![Expr::object(vec![("widgets", Expr::tuple(widgets))])],
        );
        let name = stack.physical_name(&self.id);
        stack.declare_typed(&self.id, CloudwatchDashboard::new(body, name.as_str()), loc)
    }
}

fn widget_metrics(w: &Widget) -> &[Metric] {
    match w {
        Widget::Graph { metrics, .. } => metrics,
        _ => &[],
    }
}

fn widget(w: &Widget, position: [(&str, Expr); 4]) -> Expr {
    let mut items: Vec<(String, Expr)> = Vec::new();
    let region = ("region".to_string(), Expr::var("region"));
    let (kind, properties) = match w {
        Widget::Alarms { title, alarms } => (
            "alarm",
            vec![
                ("title".to_string(), Expr::string(title.clone())),
                ("alarms".to_string(), Expr::tuple(alarms.clone())),
            ],
        ),
        Widget::AlarmGraph { title, alarm } => (
            "metric",
            vec![
                ("title".to_string(), Expr::string(title.clone())),
                region,
                ("view".to_string(), Expr::string("timeSeries")),
                (
                    "annotations".to_string(),
                    Expr::object(vec![("alarms", Expr::tuple(vec![alarm.clone()]))]),
                ),
            ],
        ),
        Widget::Graph { title, metrics } => {
            let (stat, period) = metrics
                .first()
                .map(|m| (m.statistic.clone(), m.period_seconds))
                .unwrap_or_else(|| ("Sum".into(), 60));
            (
                "metric",
                vec![
                    ("title".to_string(), Expr::string(title.clone())),
                    region,
                    ("view".to_string(), Expr::string("timeSeries")),
                    ("stacked".to_string(), Expr::bool(false)),
                    ("stat".to_string(), Expr::string(stat.clone())),
                    ("period".to_string(), Expr::int(period)),
                    (
                        "metrics".to_string(),
                        Expr::tuple(
                            metrics
                                .iter()
                                .map(|m| m.widget_entry(&stat, period))
                                .collect(),
                        ),
                    ),
                ],
            )
        }
    };
    items.push(("type".into(), Expr::string(kind)));
    for (k, v) in position {
        items.push((k.to_string(), v));
    }
    items.push(("properties".into(), Expr::object(properties)));
    Expr::object(items)
}

/// Declares `alarm` with `topics` as its alarm and OK actions, and lets CloudWatch publish
/// this alarm (only) to each topic.
pub(crate) fn declare_notifying(
    stack: &Stack,
    id: &str,
    mut alarm: CloudwatchMetricAlarm,
    topics: &[(Topic, RustLocation)],
    location: RustLocation,
) -> ResourceRef {
    let topic_arns: Vec<Expr> = topics.iter().map(|(t, _)| t.arn()).collect();
    if !topic_arns.is_empty() {
        alarm = alarm
            .alarm_actions(topic_arns.clone())
            .ok_actions(topic_arns);
    }
    let resource = stack.declare_typed(id, alarm, location);
    for (topic, at) in topics {
        if stack.check_same_stack(topic.resource(), *at) {
            topic.allow_alarm(resource.arn(), *at);
        }
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::{Code, Runtime, StackFile};
    use crate::environment::Environment;

    #[test]
    fn alarm_thresholds_and_actions() {
        let stack = Stack::new("shop", Environment::prod());
        let key = crate::constructs::kms::Key::new(&stack, "alerts").build();
        let topic = Topic::new(&stack, "alerts").encryption_key(&key).build();
        let f = Function::new(
            &stack,
            "worker",
            Runtime::Python312,
            "h.h",
            Code::directory("x"),
        )
        .build();
        let a = Alarm::new(&stack, "worker_errors", Metric::lambda(&f, "Errors"))
            .greater_than(5.0)
            .notify(&topic)
            .build();
        assert_eq!(a.threshold(), 5.0);
        assert_eq!(a.comparison(), Comparison::GreaterThan);
        let out = stack.finish().expect("valid");
        let b = out
            .config
            .resource("aws_cloudwatch_metric_alarm", "worker_errors")
            .expect("alarm");
        let get = |k: &str| b.body.get(k).map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(get("comparison_operator"), "\"GreaterThanThreshold\"");
        assert_eq!(get("threshold"), "5.0");
        assert_eq!(get("period"), "60");
        assert_eq!(get("statistic"), "\"Sum\"");
        assert_eq!(get("alarm_actions"), "[aws_sns_topic.alerts.arn]");
        assert_eq!(get("ok_actions"), "[aws_sns_topic.alerts.arn]");
        let Some(StackFile::Text { text, .. }) =
            out.files.get("policies/shop-prod-alerts-topic-policy.json")
        else {
            panic!("topic policy")
        };
        assert!(
            text.contains("${cloudwatch_metric_alarm_worker_errors_arn}"),
            "{text}"
        );
        let Some(StackFile::Text { text, .. }) =
            out.files.get("policies/shop-prod-alerts-key-policy.json")
        else {
            panic!("key policy")
        };
        assert!(text.contains("cloudwatch.amazonaws.com"), "{text}");
    }

    #[test]
    fn aws_managed_topics_cannot_take_alarms() {
        let stack = Stack::new("shop", Environment::dev());
        let topic = Topic::new(&stack, "alerts").build();
        let _ = Alarm::new(&stack, "x", Metric::new("AWS/Lambda", "Errors"))
            .greater_than(0.0)
            .notify(&topic)
            .build();
        let errors = stack.finish().expect_err("error");
        assert!(errors[0].message.contains("AWS managed key"));
    }

    #[test]
    fn sums_use_metric_math_and_dashboards_render() {
        let stack = Stack::new("shop", Environment::dev());
        let metrics = vec![
            Metric::new("AWS/DynamoDB", "ThrottledRequests").dimension("Operation", "GetItem"),
            Metric::new("AWS/DynamoDB", "ThrottledRequests").dimension("Operation", "PutItem"),
        ];
        let a = Alarm::sum_of(&stack, "throttles", "Throttled", metrics)
            .greater_than(0.0)
            .build();
        Dashboard::new(&stack, "main")
            .alarm_status("Alarms", &[&a])
            .graph("Throttles", a.metrics().to_vec())
            .build();
        let out = stack.finish().expect("valid");
        let b = out
            .config
            .resource("aws_cloudwatch_metric_alarm", "throttles")
            .expect("alarm");
        let queries: Vec<String> = b
            .body
            .blocks_of("metric_query")
            .map(|q| q.body.get("id").map(|e| e.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(queries, vec!["\"m1\"", "\"m2\"", "\"total\""]);
        let d = out
            .config
            .resource("aws_cloudwatch_dashboard", "main")
            .expect("dashboard");
        let body = d.body.get("dashboard_body").expect("body").to_string();
        assert!(
            body.contains("aws_cloudwatch_metric_alarm.throttles.arn"),
            "{body}"
        );
        assert!(
            body.contains("\"ThrottledRequests\", \"Operation\", \"GetItem\""),
            "{body}"
        );
    }

    #[test]
    fn bad_periods_are_errors() {
        let stack = Stack::new("shop", Environment::dev());
        let _ = Alarm::new(&stack, "x", Metric::new("A", "B").period_seconds(90))
            .greater_than(1.0)
            .build();
        assert!(stack.finish().is_err());
    }
}
