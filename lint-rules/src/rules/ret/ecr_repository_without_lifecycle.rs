use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::companions_of;
use tfstack_lint_engine::query::companions::{
    judged_repositories, ECR_LIFECYCLE_POLICY as LIFECYCLE_POLICY,
};
use tfstack_model::Block;

declare_rule! {
    /// ## What it does
    /// Flags an `aws_ecr_repository` that no `aws_ecr_lifecycle_policy` names.
    ///
    /// ## Why is this bad?
    /// Every build pushes an image and nothing deletes them: storage is billed for every
    /// image ever pushed, untagged layers left by re-tagging pile up, scan findings of
    /// long-dead images drown the live ones, and the repository eventually hits its image
    /// quota and pushes fail.
    ///
    /// The policy is paired with its repository by reference (`repository =
    /// aws_ecr_repository.x.name`, also through locals and `for_each`), by a name that
    /// evaluates to the repository's, or by the same expression as its name. Any policy
    /// counts: what it keeps is the team's decision. It deliberately does not flag a
    /// repository a lifecycle policy with an unknown repository could name, a repository
    /// handed to a child module by name, or repositories with `count = 0`.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecr_repository" "api" {
    ///   name = "acme/api"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_ecr_lifecycle_policy" "api" {
    ///   repository = aws_ecr_repository.api.name
    ///   policy = jsonencode({
    ///     rules = [{
    ///       rulePriority = 1
    ///       description  = "Expire untagged images after 7 days"
    ///       selection = {
    ///         tagStatus   = "untagged"
    ///         countType   = "sinceImagePushed"
    ///         countUnit   = "days"
    ///         countNumber = 7
    ///       }
    ///       action = { type = "expire" }
    ///     }]
    ///   })
    /// }
    /// ```
    pub struct EcrRepositoryWithoutLifecycle {
        id: "RET003",
        name: "ecr-repository-without-lifecycle",
        severity: Warning,
    }
}

impl Rule for EcrRepositoryWithoutLifecycle {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for repository in judged_repositories(cx) {
            if companions_of(cx, repository, LIFECYCLE_POLICY).is_empty() {
                out.push(finding(repository));
            }
        }
    }
}

fn finding(repository: &Block) -> Finding {
    Finding::new(
        &EcrRepositoryWithoutLifecycle::META,
        format!(
            "repository `{}` has no lifecycle policy: every image pushed is kept forever",
            repository.address()
        ),
    )
    .at(repository.origin)
    .label("no `aws_ecr_lifecycle_policy`")
    .help(
        "add an `aws_ecr_lifecycle_policy` that expires untagged images after a few days \
               and keeps only the last tagged ones",
    )
    .resource(repository.address())
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_files_with, lint_hcl, render_all};

    const RULE: &str = "RET003";

    const POLICY: &str = r#"jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 30 images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
      action       = { type = "expire" }
    }]
  })"#;

    #[test]
    fn fires_without_a_policy() {
        let cases: &[(&str, String, &[&str])] = &[
            (
                "no policy",
                r#"resource "aws_ecr_repository" "api" {
  name = "acme/api"
}"#
                .to_string(),
                &["aws_ecr_repository.api"],
            ),
            (
                "a policy of another repository",
                format!(
                    r#"resource "aws_ecr_repository" "api" {{
  name = "acme/api"
}}
resource "aws_ecr_repository" "worker" {{
  name = "acme/worker"
}}
resource "aws_ecr_lifecycle_policy" "worker" {{
  repository = aws_ecr_repository.worker.name
  policy     = {POLICY}
}}"#
                ),
                &["aws_ecr_repository.api"],
            ),
            (
                "a literal name that is not the repository's",
                format!(
                    r#"resource "aws_ecr_repository" "api" {{
  name = "acme/api"
}}
resource "aws_ecr_lifecycle_policy" "legacy" {{
  repository = "acme/legacy"
  policy     = {POLICY}
}}"#
                ),
                &["aws_ecr_repository.api"],
            ),
            (
                "a policy with count = 0",
                format!(
                    r#"resource "aws_ecr_repository" "api" {{
  name = "acme/api"
}}
resource "aws_ecr_lifecycle_policy" "api" {{
  count      = 0
  repository = aws_ecr_repository.api.name
  policy     = {POLICY}
}}"#
                ),
                &["aws_ecr_repository.api"],
            ),
        ];
        for (name, hcl, expected) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(addresses(&f), *expected, "{name}: {f:#?}");
        }
    }

    #[test]
    fn quiet_with_a_policy_or_unknown() {
        let cases: &[(&str, String)] = &[
            (
                "by reference",
                format!(
                    r#"resource "aws_ecr_repository" "api" {{
  name = "acme/api"
}}
resource "aws_ecr_lifecycle_policy" "api" {{
  repository = aws_ecr_repository.api.name
  policy     = {POLICY}
}}"#
                ),
            ),
            (
                "by literal name, policy from a file",
                r#"resource "aws_ecr_repository" "api" {
  name = "acme/api"
}
resource "aws_ecr_lifecycle_policy" "api" {
  repository = "acme/api"
  policy     = file("${path.module}/ecr-lifecycle.json")
}"#
                .to_string(),
            ),
            (
                "for_each over the repositories",
                format!(
                    r#"variable "services" {{
  type    = set(string)
  default = ["api", "worker"]
}}
resource "aws_ecr_repository" "service" {{
  for_each = var.services
  name     = "acme/${{each.key}}"
}}
resource "aws_ecr_lifecycle_policy" "service" {{
  for_each   = aws_ecr_repository.service
  repository = each.value.name
  policy     = {POLICY}
}}"#
                ),
            ),
            (
                "a repository name that cannot be known",
                format!(
                    r#"variable "repository" {{
  type = string
}}
resource "aws_ecr_repository" "api" {{
  name = "acme/api"
}}
resource "aws_ecr_lifecycle_policy" "shared" {{
  repository = var.repository
  policy     = {POLICY}
}}"#
                ),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn tfvars_name_the_repository() {
        let main = format!(
            r#"variable "repository_name" {{
  type = string
}}
resource "aws_ecr_repository" "api" {{
  name = "acme/api"
}}
resource "aws_ecr_lifecycle_policy" "api" {{
  repository = var.repository_name
  policy     = {POLICY}
}}
"#
        );
        let named = |name: &str| {
            lint_files_with(
                RULE,
                &[
                    ("main.tf", main.as_str()),
                    (
                        "terraform.tfvars",
                        &format!("repository_name = \"{name}\"\n"),
                    ),
                ],
                None,
            )
        };
        assert!(named("acme/api").is_empty());
        assert_eq!(addresses(&named("acme/other")), ["aws_ecr_repository.api"]);
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_ecr_repository" "api" {
  name = "acme/api"

  image_scanning_configuration {
    scan_on_push = true
  }
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
