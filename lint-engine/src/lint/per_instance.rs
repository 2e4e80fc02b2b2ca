//! Judging blocks one instance at a time. A block made `for_each` of a map or by a
//! `count` whose instances disagree on a value a rule asked for (a bucket public in one
//! instance only) cannot be judged once for all its instances: the value is unknown
//! there. Its instances are then judged in turn, each as if it were the only one, and a
//! finding on one is addressed with its key (`aws_s3_bucket.b["public"]`), as Terraform
//! addresses the instance.

use crate::context::{Context, InstanceGroup, MAX_INSTANCE_PASSES};
use crate::{Finding, Rule, Severity};
use std::collections::{HashMap, HashSet};
use tfstack_model::{FileId, Origin, Span};

/// A finding on one instance: the finding (addressed as the block), its severity, and
/// the instance's key (`["public"]`, `[0]`; empty for a finding every instance made at
/// the same place, which is the block's).
pub struct InstanceFinding {
    pub finding: Finding,
    pub severity: Severity,
    pub key: String,
}

/// What tells two findings apart: the rule, the address and where. (A rule that found
/// something at one place of a block says it again for an instance, in other words if
/// the instance's values are quoted: it is one finding.)
type FindingKey<R> = (&'static str, R, Option<(FileId, Span)>);

fn key_of<'a>(f: &Finding, resource: &'a str) -> FindingKey<&'a str> {
    (f.rule.id, resource, f.origin.file_span())
}

/// The findings `rules` make on single instances of the blocks whose instances disagreed
/// on a value while the rules judged the module (`found`, their findings then): each
/// group of such blocks ([`InstanceGroup`]) in each of its instances. Only findings on
/// the group's own blocks are kept, and only those the rules did not make for the block
/// as a whole (at the same place, or in the same words); a finding every instance makes
/// at the same place (the same rule) is one finding on the block. Findings on other
/// blocks and notes are the whole module's. The context is left as it was (its
/// evaluation steps given back).
pub fn findings_per_instance(
    cx: &Context,
    rules: &[(&'static dyn Rule, Severity)],
    found: &[(Finding, Severity)],
) -> Vec<InstanceFinding> {
    let groups = cx.instance_groups();
    if groups.is_empty() {
        return Vec::new();
    }
    let whole: HashSet<FindingKey<&str>> = found
        .iter()
        .filter_map(|(f, _)| Some(key_of(f, f.resource.as_deref()?)))
        .collect();
    // What the rules said of each block as a whole: the same words of an instance, at
    // another place (where the instance's value is written rather than the attribute),
    // are the same finding.
    let whole_said: HashSet<(&str, &str, &str)> = found
        .iter()
        .filter_map(|(f, _)| Some((f.rule.id, f.resource.as_deref()?, f.message.as_str())))
        .collect();
    let blocks = cx.module.config.blocks.len().max(1);
    let mut passes_left = (cx.module.instance_work / blocks).min(MAX_INSTANCE_PASSES);
    let checkpoint = cx.checkpoint();
    let mut out: Vec<InstanceFinding> = Vec::new();
    let mut not_judged: Vec<&InstanceGroup> = Vec::new();
    for group in &groups {
        if group.keys.len() > passes_left {
            not_judged.push(group);
            continue;
        }
        passes_left -= group.keys.len();
        // Each finding, with the instances it was found in, in the order first found.
        let mut judged: Vec<Vec<InstanceFinding>> = Vec::new();
        let mut same: HashMap<FindingKey<String>, usize> = HashMap::new();
        for (k, key) in group.keys.iter().enumerate() {
            cx.judge_instance(Some((group, k)));
            for (rule, severity) in rules {
                let mut findings = Vec::new();
                rule.check(cx, &mut findings);
                for finding in findings {
                    let Some(resource) = finding.resource.as_deref() else {
                        continue;
                    };
                    if !group.addresses.iter().any(|a| a == resource) {
                        continue;
                    }
                    let keyed = format!("{resource}{key}");
                    // Found for the block as a whole, or for this instance by a rule that
                    // judges instances itself.
                    if whole.contains(&key_of(&finding, resource))
                        || whole.contains(&key_of(&finding, &keyed))
                        || whole_said.contains(&(finding.rule.id, resource, &finding.message))
                    {
                        continue;
                    }
                    let what = (
                        finding.rule.id,
                        resource.to_string(),
                        finding.origin.file_span(),
                    );
                    let found = InstanceFinding {
                        finding,
                        severity: *severity,
                        key: key.clone(),
                    };
                    match same.get(&what) {
                        // Said twice in this instance: once.
                        Some(&i) if judged[i].last().is_some_and(|f| f.key == *key) => {}
                        Some(&i) => judged[i].push(found),
                        None => {
                            same.insert(what, judged.len());
                            judged.push(vec![found]);
                        }
                    }
                }
            }
        }
        for instances in judged {
            if instances.len() == group.keys.len() {
                out.push(on_the_block(instances));
            } else {
                out.extend(instances);
            }
        }
    }
    cx.judge_instance(None);
    let ran_out = cx.rewind(checkpoint);
    if ran_out {
        cx.note(
            first_origin(cx, &groups[0]),
            "the evaluation budget of this module was spent judging blocks one instance at \
             a time: findings on some instances may not be reported",
            "simplify the expressions that take so many steps to evaluate",
        );
    }
    if let Some(group) = not_judged.first() {
        let count: usize = not_judged.iter().map(|g| g.addresses.len()).sum();
        cx.note(
            first_origin(cx, group),
            format!(
                "{count} block(s) whose instances differ (first `{}`) were judged once for \
                 all their instances, as judging each of their instances would take too \
                 long in a module of {blocks} blocks (or in this many instances of it): \
                 findings that hold for some instances only are not reported for them",
                group.addresses[0]
            ),
            "split the module, or give its instances values that agree",
        );
    }
    out
}

/// One finding on the block for `instances`, the same rule's finding at the same place
/// in every instance of it (values that differ elsewhere kept the rules from seeing it once
/// for all): the first instance's, its message saying so when the instances' messages
/// differ (each quotes its own values: `/aws/lambda/f-0`, `/aws/lambda/f-1`, …).
fn on_the_block(mut instances: Vec<InstanceFinding>) -> InstanceFinding {
    let n = instances.len();
    let alike = instances
        .iter()
        .all(|i| i.finding.message == instances[0].finding.message);
    let mut first = instances.swap_remove(0);
    if !alike {
        first.finding.message = format!(
            "{} (in instance `{}`; every one of the block's {n} instances has this finding, \
             for its own values)",
            first.finding.message, first.key
        );
    }
    first.key.clear();
    first
}

/// Where the first block of `group` is written.
fn first_origin(cx: &Context, group: &InstanceGroup) -> Origin {
    group
        .addresses
        .first()
        .and_then(|a| cx.block(a))
        .map(|b| b.origin)
        .unwrap_or(Origin::GENERATED)
}

#[cfg(test)]
mod tests {
    use crate::config::LintConfig;
    use crate::context::Context;
    use crate::lint::lint_module;
    use crate::located::LintReport;
    use crate::testing::module_from_hcl;
    use crate::{Finding, Rule, RuleMeta, Severity};

    static PUBLIC_ACL: RuleMeta = RuleMeta {
        id: "TST001",
        name: "public-acl",
        default_severity: Severity::Error,
        docs: "",
        source: file!(),
    };

    /// Flags a bucket ACL `public-read`, at the value; a known ACL without
    /// `expected_bucket_owner`, at the attribute (alike in every instance); a known
    /// `bucket`, naming it, where its value is written (in every instance, in other
    /// words); and a bucket with no `tags` (a finding for the block as a whole).
    struct PublicAcl;

    impl crate::rule::Declared for PublicAcl {
        fn meta(&self) -> &'static RuleMeta {
            &PUBLIC_ACL
        }
    }

    impl Rule for PublicAcl {
        fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
            for acl in cx.resources("aws_s3_bucket_acl") {
                if let Some(v) = cx.attr(acl, "acl") {
                    if v.as_str() == Some("public-read") {
                        out.push(
                            Finding::new(&PUBLIC_ACL, format!("{} is public", acl.address()))
                                .at(v.origin)
                                .resource(acl.address()),
                        );
                    }
                }
                if let (Some(written), Some(v)) = (acl.body.get("acl"), cx.attr(acl, "acl")) {
                    if !v.is_unknown() && acl.body.get("expected_bucket_owner").is_none() {
                        out.push(
                            Finding::new(&PUBLIC_ACL, "owner not checked")
                                .at(written.origin)
                                .resource(acl.address()),
                        );
                    }
                }
                if let (Some(written), Some(v)) = (acl.body.get("bucket"), cx.attr(acl, "bucket")) {
                    if let Some(bucket) = v.as_str() {
                        out.push(
                            Finding::new(&PUBLIC_ACL, format!("bucket {bucket} is not checked"))
                                .at(v.origin.or(written.origin))
                                .resource(acl.address()),
                        );
                    }
                }
                if acl.body.get("tags").is_none() {
                    out.push(
                        Finding::new(&PUBLIC_ACL, "no tags")
                            .at(acl.origin)
                            .resource(acl.address()),
                    );
                }
            }
        }
    }

    /// The report of one lint of `text` with the test rule.
    fn report_of(text: &str) -> LintReport {
        let module = module_from_hcl(text);
        let rules: [(&'static dyn Rule, Severity); 1] = [(&PublicAcl, Severity::Error)];
        lint_module(&module, &rules, &LintConfig::default(), &[]).0
    }

    /// The resources of the report's findings, in report order.
    fn resources(report: &LintReport) -> Vec<String> {
        report
            .findings
            .iter()
            .filter_map(|f| f.resource.clone())
            .collect()
    }

    /// `(resource, line)` of the findings of one lint of `text`.
    fn found(text: &str) -> Vec<(String, u32)> {
        let report = report_of(text);
        let mut found: Vec<(String, u32)> = report
            .findings
            .iter()
            .map(|f| (f.resource.clone().unwrap_or_default(), f.location.line))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn instances_that_differ_are_judged_one_by_one_and_addressed_by_key() {
        let text = r#"
locals {
  buckets = {
    assets  = { acl = "private" }
    public  = { acl = "public-read" }
    website = { acl = "public-read" }
  }
}

resource "aws_s3_bucket_acl" "this" {
  for_each = local.buckets
  bucket   = each.key
  acl      = each.value.acl
}

resource "aws_s3_bucket_acl" "counted" {
  count = 2
  acl   = count.index == 0 ? "private" : "public-read"
  tags  = {}
}

resource "aws_s3_bucket_acl" "agreeing" {
  for_each = toset(["a", "b"])
  bucket   = each.key
  acl      = "public-read"
  tags     = {}
}
"#;
        assert_eq!(
            found(text),
            [
                // The bucket each instance names: found in every instance, one finding.
                ("aws_s3_bucket_acl.agreeing".to_string(), 24),
                // Every instance agrees: the block is judged once (public, owner).
                ("aws_s3_bucket_acl.agreeing".to_string(), 25),
                ("aws_s3_bucket_acl.agreeing".to_string(), 25),
                // Found alike in both instances: one finding on the block (owner).
                ("aws_s3_bucket_acl.counted".to_string(), 18),
                ("aws_s3_bucket_acl.counted[1]".to_string(), 18),
                // The finding for the block as a whole (tags) is not repeated per
                // instance; the owner finding is made alike in every instance.
                ("aws_s3_bucket_acl.this".to_string(), 10),
                ("aws_s3_bucket_acl.this".to_string(), 12),
                ("aws_s3_bucket_acl.this".to_string(), 13),
                // Each public instance, at the value that makes it public.
                ("aws_s3_bucket_acl.this[\"public\"]".to_string(), 5),
                ("aws_s3_bucket_acl.this[\"website\"]".to_string(), 6),
            ]
        );
    }

    #[test]
    fn a_finding_in_every_instance_with_its_own_values_is_one_finding_on_the_block() {
        let text = r#"
resource "aws_s3_bucket_acl" "this" {
  for_each = toset(["logs", "assets", "site"])
  bucket   = each.key
  acl      = "private"
  tags     = {}
  expected_bucket_owner = "123456789012"
}
"#;
        let report = report_of(text);
        let found: Vec<_> = report
            .findings
            .iter()
            .map(|f| {
                (
                    f.resource.as_deref().unwrap_or_default(),
                    f.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [(
                "aws_s3_bucket_acl.this",
                "bucket assets is not checked (in instance `[\"assets\"]`; every one of the \
                 block's 3 instances has this finding, for its own values)"
            )]
        );
    }

    #[test]
    fn what_the_block_was_found_to_lack_is_not_found_again_at_an_instance_value() {
        // The instances agree on `bucket` (one finding for the block, at the attribute)
        // and differ on `acl`: judged one at a time, each instance says the same of its
        // bucket at the map entry where its value is written — the same finding.
        let text = r#"
locals {
  acls = {
    a = { acl = "public-read", bucket = "logs" }
    b = { acl = "private", bucket = "logs" }
  }
}

resource "aws_s3_bucket_acl" "this" {
  for_each = local.acls
  bucket   = each.value.bucket
  acl      = each.value.acl
  tags     = {}
  expected_bucket_owner = "123456789012"
}
"#;
        assert_eq!(
            found(text),
            [
                ("aws_s3_bucket_acl.this".to_string(), 11),
                ("aws_s3_bucket_acl.this[\"a\"]".to_string(), 4),
            ]
        );
    }

    #[test]
    fn suppressions_of_a_block_cover_its_instances() {
        let text = r#"
variable "buckets" {
  default = {
    a = { acl = "public-read" }
    b = { acl = "private" }
  }
}

# tfstack:ignore[TST001] the website buckets are public by design
resource "aws_s3_bucket_acl" "this" {
  for_each = var.buckets
  acl      = each.value.acl
  tags     = {}
}
"#;
        let report = report_of(text);
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        let suppressed: Vec<_> = report
            .suppressed
            .iter()
            .map(|f| f.resource.clone())
            .collect();
        assert_eq!(
            suppressed,
            [
                Some("aws_s3_bucket_acl.this[\"a\"]".to_string()),
                Some("aws_s3_bucket_acl.this".to_string())
            ]
        );
    }

    #[test]
    fn a_small_module_takes_at_most_its_passes() {
        // Five blocks of 60 to 64 instances: 310 passes would judge them all; the first
        // four (246 passes) fit in 256, the fifth does not.
        let mut text = String::new();
        for count in 60..65 {
            text.push_str(&format!(
                "resource \"aws_s3_bucket_acl\" \"b{count}\" {{\n  count = {count}\n  acl = count.index == 7 ? \"public-read\" : \"private\"\n  tags = {{}}\n  expected_bucket_owner = \"1\"\n}}\n"
            ));
        }
        let report = report_of(&text);
        let found = resources(&report);
        assert_eq!(
            found,
            [
                "aws_s3_bucket_acl.b60[7]",
                "aws_s3_bucket_acl.b61[7]",
                "aws_s3_bucket_acl.b62[7]",
                "aws_s3_bucket_acl.b63[7]"
            ]
        );
        assert!(
            report.notices[0]
                .message
                .starts_with("1 block(s) whose instances differ (first `aws_s3_bucket_acl.b64`)"),
            "{:?}",
            report.notices
        );
    }

    #[test]
    fn past_the_work_budget_blocks_are_judged_once_with_a_notice() {
        // A module of 3,200 blocks may have its instances judged in 62 passes: the 60
        // instances of the first two blocks, judged together (the same keys), fit; the
        // third's 61 do not.
        let mut text = String::new();
        for (name, count) in [("first", 60), ("also_first", 60), ("second", 61)] {
            text.push_str(&format!(
                "resource \"aws_s3_bucket_acl\" \"{name}\" {{\n  count = {count}\n  acl = count.index == 7 ? \"public-read\" : \"private\"\n  tags = {{}}\n}}\n"
            ));
        }
        for i in 0..3197 {
            text.push_str(&format!("resource \"aws_sqs_queue\" \"q{i}\" {{}}\n"));
        }
        let report = report_of(&text);
        let found = resources(&report);
        assert_eq!(
            found,
            [
                "aws_s3_bucket_acl.first",
                "aws_s3_bucket_acl.also_first",
                "aws_s3_bucket_acl.first[7]",
                "aws_s3_bucket_acl.also_first[7]"
            ]
        );
        assert_eq!(report.notices.len(), 1, "{:?}", report.notices);
        assert!(
            report.notices[0].message.starts_with(
                "1 block(s) whose instances differ (first `aws_s3_bucket_acl.second`)"
            ),
            "{:?}",
            report.notices
        );
    }
}
