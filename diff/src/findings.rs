//! Findings introduced and fixed. A directory or a revision is linted as `tfstack lint`
//! lints it — root modules, and the instances of the modules they call with the callers'
//! arguments — and its findings are grouped by the module instance they were linted in;
//! a plan's module instances and a typed stack are linted module by module. Findings are
//! matched by rule, resource address (with its module instance) and attribute — never by
//! line, so that code moving in its file is no change.

use crate::report::{FindingChange, FindingsDiff};
use crate::snapshot::{LintTree, LoadedModule, Snapshot};
use std::collections::BTreeMap;
use std::path::Path;
use tfstack_lint_engine::config::LintConfig;
use tfstack_lint_engine::lint::lint_module;
use tfstack_lint_engine::located::{CallSite, Located};
use tfstack_lint_engine::run::{lint_paths_in_parts, InstanceVisitor, RunOptions};
use tfstack_lint_engine::{Rule, Severity};
use tfstack_model::SourceError;

/// The findings of one module linted on its own, those a suppression accepts with its
/// reason.
pub(crate) fn facts(
    loaded: &LoadedModule,
    snapshot: &Snapshot,
    rules: &[(&'static dyn Rule, Severity)],
    config: &LintConfig,
) -> Vec<FindingChange> {
    let (report, _) = lint_module(&loaded.module, rules, config, &loaded.suppressions);
    report
        .findings
        .iter()
        .chain(&report.suppressed)
        .map(|f| change(f, snapshot, None))
        .collect()
}

/// What `tfstack lint` finds on a snapshot's tree (those a suppression accepts with its
/// reason), by where it was linted, and what the run could not read.
#[derive(Default)]
pub(crate) struct TreeFindings {
    /// Every place linted, with or without findings.
    pub parts: Vec<TreePart>,
    pub errors: Vec<SourceError>,
}

/// The findings of one place linted: a module instance, the suppressions of a module
/// directory, or a directory's JSON documents linted on their own.
pub(crate) struct TreePart {
    /// The key of its directory (`.`, `modules/queue`).
    pub dir: String,
    /// JSON documents, not Terraform.
    pub document: bool,
    pub findings: Vec<FindingChange>,
}

/// Lints a snapshot's tree as `tfstack lint` does, handing `visit` each module instance
/// linted; `None` for a snapshot without one.
pub(crate) fn of_tree(
    snapshot: &Snapshot,
    catalogue: &[&'static dyn Rule],
    config: &LintConfig,
    visit: &InstanceVisitor,
) -> Option<TreeFindings> {
    let tree = snapshot.tree.as_ref()?;
    let config = snapshot.tree_config(config);
    let run = lint_paths_in_parts(
        std::slice::from_ref(&tree.dir),
        &tree.options,
        &config,
        catalogue,
        RunOptions::default(),
        visit,
    );
    // Left out: "no Terraform files" (a version without any is compared as empty), and
    // the findings of the configuration's own `[[suppress]]` entries, which the same
    // configuration gives both versions alike.
    let mut found = TreeFindings {
        errors: run.rest.errors,
        ..TreeFindings::default()
    };
    for part in run.parts {
        found.errors.extend(part.report.errors);
        found.parts.push(TreePart {
            dir: tree.key_of(&part.dir),
            document: part.document,
            findings: part
                .report
                .findings
                .iter()
                .chain(&part.report.suppressed)
                .map(|f| change(f, snapshot, Some(tree)))
                .collect(),
        });
    }
    for e in &mut found.errors {
        e.path = snapshot.shown_error_path(&e.path);
    }
    found
        .errors
        .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    found.errors.dedup();
    Some(found)
}

/// A finding as the comparison reads it, its paths as the snapshot shows them.
fn change(f: &Located, snapshot: &Snapshot, tree: Option<&LintTree>) -> FindingChange {
    let calls: Vec<CallSite> = f
        .calls
        .iter()
        .map(|c| CallSite {
            path: snapshot.shown_path(&c.path),
            ..c.clone()
        })
        .collect();
    // The root module whose calls made the instance, by its key: the same instance
    // address in two root modules is two instances.
    let root_module = tree.zip(f.calls.first()).map(|(tree, call)| {
        let caller = Path::new(&call.path).parent().unwrap_or(Path::new("."));
        tree.key_of(caller)
    });
    FindingChange {
        rule: f.rule.id.to_string(),
        name: f.rule.name.to_string(),
        severity: f.severity.as_str().to_string(),
        message: f.message.clone(),
        resource: f.resource.clone(),
        attribute: f.attribute.clone(),
        location: format!(
            "{}:{}",
            snapshot.shown_path(&f.location.path),
            f.location.line
        ),
        calls,
        root_module,
        suppression_reason: f.suppressed_reason.clone(),
    }
}

/// What pairs a finding with its counterpart in the other version: rule, the root module
/// of its instance, resource address (with the instance's) and attribute.
type Key = (String, Option<String>, Option<String>, Option<String>);

/// Findings only head has (introduced) and only base has (fixed), among those reported;
/// and the findings head suppresses that base did not suppress (suppressed, with the
/// reason): such a finding base reported is not fixed.
pub(crate) fn compare(base: &[FindingChange], head: &[FindingChange]) -> FindingsDiff {
    let (base_suppressed, base_reported): (Vec<_>, Vec<_>) =
        base.iter().partition(|f| f.suppression_reason.is_some());
    let (head_suppressed, head_reported): (Vec<_>, Vec<_>) =
        head.iter().partition(|f| f.suppression_reason.is_some());
    let (mut fixed, introduced) = unpaired(&base_reported, &head_reported);
    let (_, suppressed) = unpaired(&base_suppressed, &head_suppressed);
    for s in &suppressed {
        // The same finding, reported in base: suppressed, not fixed.
        let same_message = fixed
            .iter()
            .position(|f| key(f) == key(s) && f.message == s.message);
        if let Some(i) = same_message.or_else(|| fixed.iter().position(|f| key(f) == key(s))) {
            fixed.remove(i);
        }
    }
    let order = |f: &FindingChange| {
        (
            f.rule.clone(),
            f.resource.clone(),
            f.attribute.clone(),
            f.message.clone(),
            f.location.clone(),
        )
    };
    let mut diff = FindingsDiff {
        introduced,
        fixed,
        suppressed,
    };
    diff.introduced.sort_by_key(order);
    diff.fixed.sort_by_key(order);
    diff.suppressed.sort_by_key(order);
    diff
}

/// What pairs a finding with its counterpart in the other version. A policy statement's
/// position is left out of the attribute (`policy.Statement[1].Action` is
/// `policy.Statement[].Action`): statements reordered, or one inserted above, are the same
/// statements; within the key, findings pair by message first.
fn key(f: &FindingChange) -> Key {
    (
        f.rule.clone(),
        f.root_module.clone(),
        f.resource.clone(),
        f.attribute.as_deref().map(without_statement_positions),
    )
}

/// `attribute` with the index after each `Statement`/`statement` left out.
fn without_statement_positions(attribute: &str) -> String {
    let mut out = String::with_capacity(attribute.len());
    let mut rest = attribute;
    while let Some(at) = rest.find("tatement[") {
        let (head, tail) = rest.split_at(at + "tatement[".len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        rest = if digits > 0 && tail[digits..].starts_with(']') {
            &tail[digits..]
        } else {
            tail
        };
    }
    out.push_str(rest);
    out
}

/// The findings of `base` and of `head` left once they are paired: within one key,
/// findings with the same message pair first, then the rest in order.
fn unpaired(
    base: &[&FindingChange],
    head: &[&FindingChange],
) -> (Vec<FindingChange>, Vec<FindingChange>) {
    let group = |findings: &[&FindingChange]| {
        let mut by_key: BTreeMap<Key, Vec<FindingChange>> = BTreeMap::new();
        for f in findings {
            by_key.entry(key(f)).or_default().push((*f).clone());
        }
        by_key
    };
    let (mut base, mut head) = (group(base), group(head));
    let (mut only_base, mut only_head) = (Vec::new(), Vec::new());
    let keys: Vec<Key> = base.keys().chain(head.keys()).cloned().collect();
    let mut done = std::collections::BTreeSet::new();
    for key in keys {
        if !done.insert(key.clone()) {
            continue;
        }
        let mut b = base.remove(&key).unwrap_or_default();
        let mut h = head.remove(&key).unwrap_or_default();
        h.retain(|f| match b.iter().position(|x| x.message == f.message) {
            Some(i) => {
                b.remove(i);
                false
            }
            None => true,
        });
        let paired = b.len().min(h.len());
        only_head.extend(h.into_iter().skip(paired));
        only_base.extend(b.into_iter().skip(paired));
    }
    (only_base, only_head)
}

#[cfg(test)]
mod tests {
    use crate::testing::{assert_same, diff_files, diff_hcl};

    /// A queue module: a dead-letter queue when the caller asks for one (the root crate's
    /// fixture of module instances in `tfstack diff`).
    const QUEUE_MODULE: &str =
        include_str!("../../tests/fixtures/diff-instances/base/modules/queue/main.tf");

    /// A root calling the queue module as `orders` and `billing`, each with or without a
    /// dead-letter queue.
    fn two_queues(orders_dlq: bool, billing_dlq: bool) -> String {
        format!(
            "module \"orders\" {{\n  source   = \"./modules/queue\"\n  name     = \"orders\"\n  with_dlq = {orders_dlq}\n}}\n\n\
             module \"billing\" {{\n  source   = \"./modules/queue\"\n  name     = \"billing\"\n  with_dlq = {billing_dlq}\n}}\n"
        )
    }

    #[test]
    fn statement_positions_do_not_pair_findings() {
        use super::without_statement_positions as positionless;
        assert_eq!(
            positionless("policy.Statement[12].Action"),
            "policy.Statement[].Action"
        );
        assert_eq!(positionless("statement[0].actions"), "statement[].actions");
        assert_eq!(positionless("policy.Statement[x]"), "policy.Statement[x]");
        assert_eq!(positionless("tags[0]"), "tags[0]");
        let policy = |statements: &[&str]| {
            format!(
                "resource \"aws_iam_role_policy\" \"worker\" {{\n  role   = \"worker\"\n  \
                 policy = jsonencode({{ Version = \"2012-10-17\", Statement = [{}] }})\n}}\n",
                statements.join(", ")
            )
        };
        let logs = r#"{ Sid = "Logs", Effect = "Allow", Action = "logs:*", Resource = "*" }"#;
        let queue = r#"{ Sid = "Queue", Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:us-east-1:123456789012:jobs" }"#;
        let all = r#"{ Effect = "Allow", Action = "*", Resource = "*" }"#;
        // Reordered: no finding introduced or fixed.
        assert_same(&policy(&[logs, queue]), &policy(&[queue, logs]));
        // A statement inserted above: only its own findings are new.
        let report = diff_hcl(&policy(&[logs, queue]), &policy(&[all, logs, queue]));
        let findings = &report.modules[0].findings;
        assert!(findings.fixed.is_empty(), "{:?}", findings.fixed);
        let mut rules: Vec<&str> = findings
            .introduced
            .iter()
            .map(|f| f.rule.as_str())
            .collect();
        rules.sort();
        assert!(rules.contains(&"IAM001"), "{rules:?}");
        assert_eq!(
            rules.iter().filter(|r| **r == "IAM002").count(),
            1,
            "{rules:?}"
        );
    }

    /// `(rule, resource)` of a list of findings.
    fn listed(list: &[crate::report::FindingChange]) -> Vec<(&str, &str)> {
        list.iter()
            .map(|f| (f.rule.as_str(), f.resource.as_deref().unwrap_or_default()))
            .collect()
    }

    /// Two queues without a dead-letter queue, each with the comment `above_a`/`above_b`
    /// over it.
    fn queues(above_a: &str, above_b: &str) -> String {
        format!(
            "{above_a}\nresource \"aws_sqs_queue\" \"a\" {{\n  sqs_managed_sse_enabled = true\n}}\n\n\
             {above_b}\nresource \"aws_sqs_queue\" \"b\" {{\n  sqs_managed_sse_enabled = true\n}}\n"
        )
    }

    #[test]
    fn a_finding_the_change_suppresses_is_suppressed_not_fixed() {
        let ignore = "# tfstack:ignore[DLQ001] drained by hand";
        // `a` reported before, suppressed now; `b` suppressed in both.
        let report = diff_hcl(&queues("", ignore), &queues(ignore, ignore));
        let findings = &report.modules[0].findings;
        assert!(findings.fixed.is_empty(), "{findings:?}");
        assert!(findings.introduced.is_empty(), "{findings:?}");
        assert_eq!(
            listed(&findings.suppressed),
            [("DLQ001", "aws_sqs_queue.a")]
        );
        assert_eq!(
            findings.suppressed[0].suppression_reason.as_deref(),
            Some("drained by hand")
        );
        assert_eq!(report.summary().findings_suppressed, 1);
        let human = report.render(crate::Format::Human);
        assert!(
            human.contains("findings suppressed by this change"),
            "{human}"
        );
        assert!(human.contains("suppressed: drained by hand"), "{human}");
        // One without a reason says so.
        let bare = "# tfstack:ignore[DLQ001]";
        let report = diff_hcl(&queues("", ignore), &queues(bare, ignore));
        let human = report.render(crate::Format::Human);
        assert!(human.contains("suppressed: (no reason given)"), "{human}");
        let markdown = report.render(crate::Format::Markdown);
        assert!(
            markdown.contains("— suppressed: (no reason given)"),
            "{markdown}"
        );
        // A new resource whose finding is suppressed as it is added: suppressed too.
        let added = format!(
            "{}\n{ignore}\nresource \"aws_sqs_queue\" \"c\" {{\n  sqs_managed_sse_enabled = true\n}}\n",
            queues(ignore, ignore)
        );
        let report = diff_hcl(&queues(ignore, ignore), &added);
        let findings = &report.modules[0].findings;
        assert_eq!(
            listed(&findings.suppressed),
            [("DLQ001", "aws_sqs_queue.c")]
        );
        assert!(findings.introduced.is_empty() && findings.fixed.is_empty());
        // A suppression removed: the finding is reported again, introduced.
        let report = diff_hcl(&queues(ignore, ignore), &queues("", ignore));
        let findings = &report.modules[0].findings;
        assert_eq!(
            listed(&findings.introduced),
            [("DLQ001", "aws_sqs_queue.a")]
        );
        assert!(findings.suppressed.is_empty() && findings.fixed.is_empty());
        // Suppressed in both, whatever else moves: no change.
        assert_same(&queues(ignore, ignore), &queues(ignore, ignore));
    }

    #[test]
    fn a_directory_of_documents_only_is_not_called_a_module() {
        let queue = "resource \"aws_sqs_queue\" \"q\" {\n  sqs_managed_sse_enabled = true\n}\n";
        let policy = |action: &str| {
            format!(
                "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"{action}\",\"Resource\":\"*\"}}]}}\n"
            )
        };
        let (narrow, wide) = (policy("s3:GetObject"), policy("s3:*"));
        let report = diff_files(
            &[("main.tf", queue), ("policies/p.json", &narrow)],
            &[("main.tf", queue), ("policies/p.json", &wide)],
            None,
        );
        let policies = report
            .modules
            .iter()
            .find(|m| m.module == "policies")
            .expect("the policy's directory");
        assert!(policies.documents_only);
        assert!(!policies.findings.introduced.is_empty());
        let human = report.render(crate::Format::Human);
        assert!(human.contains("documents `policies` (changed)"), "{human}");
    }

    #[test]
    fn findings_of_module_instances_are_matched_per_instance() {
        // `orders` gets its dead-letter queue, `billing` loses its own: the same resource
        // of the same module file, in two instances — one fixed, one introduced.
        let base = two_queues(false, true);
        let head = two_queues(true, false);
        let report = diff_files(
            &[("main.tf", &base), ("modules/queue/main.tf", QUEUE_MODULE)],
            &[("main.tf", &head), ("modules/queue/main.tf", QUEUE_MODULE)],
            None,
        );
        let shown: Vec<&str> = report.modules.iter().map(|m| m.module.as_str()).collect();
        assert_eq!(shown, ["module.billing", "module.orders"]);
        let (billing, orders) = (&report.modules[0], &report.modules[1]);
        // A called module's instance is a module.
        assert!(!billing.documents_only && !orders.documents_only);
        assert_eq!(
            listed(&billing.findings.introduced),
            [("DLQ001", "module.billing.aws_sqs_queue.this")]
        );
        assert!(billing.findings.fixed.is_empty());
        assert_eq!(
            listed(&orders.findings.fixed),
            [("DLQ001", "module.orders.aws_sqs_queue.this")]
        );
        assert!(orders.findings.introduced.is_empty());
        // The instance's call, as `tfstack lint --format json` shows it.
        let calls = &billing.findings.introduced[0].calls;
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].instance, "module.billing");
        assert!(calls[0].path.ends_with("head/main.tf"), "{:?}", calls[0]);
        assert_eq!(calls[0].line, 7);
        // The module at its defaults (no dead-letter queue) is never linted on its own:
        // only its instances are.
        let same = diff_files(
            &[("main.tf", &base), ("modules/queue/main.tf", QUEUE_MODULE)],
            &[("main.tf", &base), ("modules/queue/main.tf", QUEUE_MODULE)],
            None,
        );
        assert!(same.is_empty(), "{}", same.render(crate::Format::Human));
    }

    #[test]
    fn one_instance_address_in_two_root_modules_is_two_instances() {
        let root = |with_dlq: bool| {
            format!(
                "module \"queue\" {{\n  source   = \"../../modules/queue\"\n  name     = \"q\"\n  with_dlq = {with_dlq}\n}}\n"
            )
        };
        let (on, off) = (root(true), root(false));
        // prod fixed, dev broken: both `module.queue.aws_sqs_queue.this`.
        let report = diff_files(
            &[
                ("envs/prod/main.tf", &off),
                ("envs/dev/main.tf", &on),
                ("modules/queue/main.tf", QUEUE_MODULE),
            ],
            &[
                ("envs/prod/main.tf", &on),
                ("envs/dev/main.tf", &off),
                ("modules/queue/main.tf", QUEUE_MODULE),
            ],
            None,
        );
        let in_root = |root: &str| {
            report
                .modules
                .iter()
                .find(|m| m.module == "module.queue" && m.root_module.as_deref() == Some(root))
                .unwrap_or_else(|| panic!("module.queue of {root}"))
        };
        let (dev, prod) = (in_root("envs/dev"), in_root("envs/prod"));
        assert_eq!(report.modules.len(), 2);
        assert_eq!(
            listed(&dev.findings.introduced),
            [("DLQ001", "module.queue.aws_sqs_queue.this")]
        );
        assert!(dev.findings.fixed.is_empty());
        assert_eq!(
            listed(&prod.findings.fixed),
            [("DLQ001", "module.queue.aws_sqs_queue.this")]
        );
        assert!(prod.findings.introduced.is_empty());
        let human = report.render(crate::Format::Human);
        assert!(
            human.contains("module `module.queue` in `envs/dev` (changed)"),
            "{human}"
        );
    }

    #[test]
    fn a_module_only_called_with_count_zero_has_no_findings() {
        let root = "module \"archive\" {\n  source = \"./modules/archive\"\n  count  = 0\n}\n";
        let base = "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n";
        // A log group without retention, in a module no instance reaches.
        let head = format!(
            "{base}\nresource \"aws_cloudwatch_log_group\" \"l\" {{\n  name = \"/l\"\n}}\n"
        );
        let report = diff_files(
            &[("main.tf", root), ("modules/archive/main.tf", base)],
            &[("main.tf", root), ("modules/archive/main.tf", &head)],
            None,
        );
        assert!(report.is_empty(), "{}", report.render(crate::Format::Human));
        // Called with `count = 1`, the same change is a finding of that instance.
        let once = root.replace("count  = 0", "count  = 1");
        let report = diff_files(
            &[("main.tf", &once), ("modules/archive/main.tf", base)],
            &[("main.tf", &once), ("modules/archive/main.tf", &head)],
            None,
        );
        let introduced: Vec<(&str, &str)> = report
            .modules
            .iter()
            .flat_map(|m| listed(&m.findings.introduced))
            .collect();
        assert_eq!(
            introduced,
            [("LOG001", "module.archive[0].aws_cloudwatch_log_group.l")]
        );
    }

    const GROUPS: &str = r#"resource "aws_cloudwatch_log_group" "a" {
  name = "/a"
}

resource "aws_cloudwatch_log_group" "b" {
  name              = "/b"
  retention_in_days = 7
}
"#;

    #[test]
    fn findings_are_matched_by_rule_resource_and_attribute_not_by_line() {
        // The same blocks moved down and swapped: the finding on `a` is still there.
        let moved = r#"# Log groups of the service.


resource "aws_cloudwatch_log_group" "b" {
  retention_in_days = 7
  name              = "/b"
}

resource "aws_cloudwatch_log_group" "a" {
  name = "/a"
}
"#;
        assert_same(GROUPS, moved);
        // `a` fixed, `b` broken.
        let head = r#"resource "aws_cloudwatch_log_group" "a" {
  name              = "/a"
  retention_in_days = 30
}

resource "aws_cloudwatch_log_group" "b" {
  name = "/b"
}
"#;
        let report = diff_hcl(GROUPS, head);
        let m = &report.modules[0];
        let shown = |list: &[crate::report::FindingChange]| -> Vec<(String, Option<String>)> {
            list.iter()
                .map(|f| (f.rule.clone(), f.resource.clone()))
                .collect()
        };
        assert_eq!(
            shown(&m.findings.introduced),
            [(
                "LOG001".to_string(),
                Some("aws_cloudwatch_log_group.b".to_string())
            )]
        );
        assert_eq!(
            shown(&m.findings.fixed),
            [(
                "LOG001".to_string(),
                Some("aws_cloudwatch_log_group.a".to_string())
            )]
        );
        assert!(m.findings.introduced[0]
            .location
            .ends_with("head/main.tf:6"));
        assert!(m.findings.fixed[0].location.ends_with("base/main.tf:1"));
    }

    #[test]
    fn a_finding_whose_message_changes_is_the_same_finding() {
        let finding = |message: &str, location: &str| crate::report::FindingChange {
            rule: "IAM002".into(),
            name: "iam-wildcard-resource".into(),
            severity: "error".into(),
            message: message.into(),
            resource: Some("aws_iam_role_policy.p".into()),
            attribute: Some("policy".into()),
            location: location.into(),
            calls: Vec::new(),
            root_module: None,
            suppression_reason: None,
        };
        let base = [finding("grants `s3:GetObject` on `*`", "main.tf:3")];
        let head = [
            finding("grants `s3:Get*` on `*`", "main.tf:9"),
            finding("grants `sqs:SendMessage` on `*`", "main.tf:12"),
        ];
        let diff = super::compare(&base, &head);
        assert!(diff.fixed.is_empty());
        assert_eq!(diff.introduced.len(), 1);
        // Which of the two is new cannot be told apart by rule, resource and attribute:
        // the one left over after pairing in order.
        assert_eq!(diff.introduced[0].location, "main.tf:12");
    }
}
