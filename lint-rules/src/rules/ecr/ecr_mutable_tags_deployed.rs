use crate::{declare_rule, Finding, Rule};
use std::collections::{BTreeMap, HashSet};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::companions::judged_repositories;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::policy::json_document_value;
use tfstack_lint_engine::query::settings::{setting, Setting};
use tfstack_model::{Block, Expr, ExprKind, Origin, TemplatePart};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_ecr_repository` whose tags are mutable (`image_tag_mutability` unset,
    /// `MUTABLE` or `MUTABLE_WITH_EXCLUSION`) when an ECS task definition
    /// (`container_definitions` `image`) or a Lambda function (`image_uri`) of the module
    /// runs an image from it by tag. The finding is on the repository and names who
    /// deploys from it.
    ///
    /// ## Why is this bad?
    /// With mutable tags, pushing an image under an existing tag (`latest`, `v1.4.2`)
    /// replaces what the tag points to. The next deployment or task launch that resolves
    /// the tag — a Lambda update, a standalone ECS task, a service deployment — runs an
    /// image nobody reviewed under that name, and redeploying "the same tag" to roll back
    /// does not bring the old image back. Immutable tags make a tag name one image for good
    /// (Amazon ECR user guide, "Preventing image tags from being overwritten").
    ///
    /// The repository is found by reference (`aws_ecr_repository.app.repository_url` in the
    /// image) or by a literal image URI naming it
    /// (`111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:latest`).
    ///
    /// ## What it deliberately does not flag
    /// - Images pinned by digest (`…/app@sha256:…`, or `@` followed by an
    ///   `aws_ecr_image`'s digest): a digest names one image whatever the tags do.
    /// - Repositories nothing of the module deploys from (CI may push and another stack
    ///   deploy), repositories handed to a child module, and `count = 0`.
    /// - `IMMUTABLE_WITH_EXCLUSION`, and a mutability it cannot know before apply.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_ecr_repository" "worker" {
    ///   name = "worker"
    /// }
    ///
    /// resource "aws_lambda_function" "worker" {
    ///   function_name = "worker"
    ///   role          = aws_iam_role.worker.arn
    ///   package_type  = "Image"
    ///   image_uri     = "${aws_ecr_repository.worker.repository_url}:latest"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_ecr_repository" "worker" {
    ///   name                 = "worker"
    ///   image_tag_mutability = "IMMUTABLE"
    /// }
    /// ```
    pub struct EcrMutableTagsDeployed {
        id: "ECR002",
        name: "ecr-mutable-tags-deployed",
        severity: Warning,
    }
}

impl Rule for EcrMutableTagsDeployed {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let deployers = deployers_by_repository(cx);
        if deployers.is_empty() {
            return;
        }
        for repository in judged_repositories(cx) {
            let Some(users) = deployers.get(&repository.address()) else {
                continue;
            };
            let mutability = setting(cx, repository, &["image_tag_mutability"]);
            let written = match &mutability {
                Setting::Unset => None,
                Setting::Known { value, origin } => match value.as_str() {
                    Some("MUTABLE" | "MUTABLE_WITH_EXCLUSION") => Some(*origin),
                    _ => continue,
                },
                Setting::Unknown => continue,
            };
            out.push(finding(repository, users, written));
        }
    }
}

/// The task definitions and functions that run an image of each repository by tag
/// (repository address → their addresses, sorted).
fn deployers_by_repository(cx: &Context) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |repository: String, user: &Block| {
        let users = out.entry(repository).or_default();
        if !users.contains(&user.address()) {
            users.push(user.address());
        }
    };
    for (resource_type, attribute) in [
        ("aws_ecs_task_definition", "container_definitions"),
        ("aws_lambda_function", "image_uri"),
    ] {
        for user in cx.resources(resource_type) {
            let Some(expr) = user.body.get(attribute) else {
                continue;
            };
            if !exists(cx, user) {
                continue;
            }
            for repository in repositories_by_reference(expr) {
                add(repository, user);
            }
            for image in literal_images(cx, user, attribute, expr) {
                if let Some(repository) = repository_named_by_uri(cx, &image) {
                    add(repository, user);
                }
            }
        }
    }
    for users in out.values_mut() {
        users.sort();
    }
    out
}

/// The repositories an image expression runs by tag: each `repository_url` interpolated in
/// a template without an `@` (a digest) after it, or used bare (the tag is `latest`).
fn repositories_by_reference(expr: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_templates: HashSet<*const Expr> = HashSet::new();
    expr.visit(&mut |e| match &e.kind {
        ExprKind::Template(t) => {
            for (i, part) in t.parts.iter().enumerate() {
                let TemplatePart::Interpolation(inner) = part else {
                    continue;
                };
                let Some(repository) = repository_url_of(inner) else {
                    continue;
                };
                in_templates.insert(inner as *const Expr);
                let pinned = t.parts[i + 1..]
                    .iter()
                    .any(|p| matches!(p, TemplatePart::Literal(l) if l.contains('@')));
                if !pinned {
                    out.push(repository);
                }
            }
        }
        ExprKind::Traversal(_) if !in_templates.contains(&(e as *const Expr)) => {
            if let Some(repository) = repository_url_of(e) {
                out.push(repository);
            }
        }
        _ => {}
    });
    out
}

/// `aws_ecr_repository.x.repository_url` → `aws_ecr_repository.x`.
fn repository_url_of(expr: &Expr) -> Option<String> {
    let t = expr.as_traversal()?;
    let address = t.resource_address()?;
    (address.starts_with("aws_ecr_repository.") && t.resource_attribute() == Some("repository_url"))
        .then_some(address)
}

/// The image URIs an attribute holds as known text: a function's `image_uri`, or the
/// `image` of each container definition.
fn literal_images(cx: &Context, user: &Block, attribute: &str, expr: &Expr) -> Vec<String> {
    if attribute == "image_uri" {
        return cx
            .attr(user, attribute)
            .and_then(|v| v.as_str().map(str::to_string))
            .into_iter()
            .collect();
    }
    let Some(definitions) = json_document_value(cx, expr) else {
        return Vec::new();
    };
    definitions
        .as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.get_ignore_case("image").and_then(|i| i.as_str()))
        .map(str::to_string)
        .collect()
}

/// The repository of the module an ECR image URI names by tag
/// (`<account>.dkr.ecr.<region>.amazonaws.com/<name>[:tag]`); `None` for a digest, another
/// registry, or a name no repository has.
fn repository_named_by_uri(cx: &Context, uri: &str) -> Option<String> {
    if uri.contains('@') {
        return None;
    }
    let (registry, path) = uri.split_once('/')?;
    let mut labels = registry.split('.');
    let (_account, dkr, ecr) = (labels.next()?, labels.next()?, labels.next()?);
    if dkr != "dkr" || !ecr.starts_with("ecr") || !registry.ends_with(".amazonaws.com") {
        return None;
    }
    let name = match path.rsplit_once(':') {
        Some((name, _tag)) => name,
        None => path,
    };
    cx.resources_named("aws_ecr_repository", "name", name)
        .first()
        .map(|r| r.address())
}

fn finding(repository: &Block, users: &[String], written: Option<Origin>) -> Finding {
    let shown = users
        .iter()
        .map(|u| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Finding::new(
        &EcrMutableTagsDeployed::META,
        format!(
            "repository `{}` has mutable tags and {shown} deploy{} from it by tag: a push \
             under an existing tag changes what runs",
            repository.address(),
            if users.len() == 1 { "s" } else { "" }
        ),
    )
    .at(written.unwrap_or(repository.origin))
    .label(match written {
        Some(_) => "mutable tags",
        None => "tags mutable by default",
    })
    .help("set `image_tag_mutability = \"IMMUTABLE\"` (or deploy by digest)")
    .resource(repository.address())
    .attribute(written.map(|_| "image_tag_mutability"))
}

#[cfg(test)]
mod tests {
    use crate::testing::{addresses, lint_hcl, render_all};

    const RULE: &str = "ECR002";

    fn repository(name: &str, mutability: &str) -> String {
        format!("resource \"aws_ecr_repository\" \"{name}\" {{\n  name = \"{name}\"\n{mutability}}}\n")
    }

    fn task(name: &str, image: &str) -> String {
        format!(
            "resource \"aws_ecs_task_definition\" \"{name}\" {{\n  family = \"{name}\"\n  container_definitions = jsonencode([{{ name = \"app\", image = {image}, essential = true }}])\n}}\n"
        )
    }

    fn function(name: &str, image: &str) -> String {
        format!(
            "resource \"aws_lambda_function\" \"{name}\" {{\n  function_name = \"{name}\"\n  role          = \"r\"\n  package_type  = \"Image\"\n  image_uri     = {image}\n}}\n"
        )
    }

    #[test]
    fn fires_on_mutable_repositories_deployed_by_tag() {
        let text = [
            "variable \"tag\" {}\n".to_string(),
            repository("api", ""),
            repository("worker", "  image_tag_mutability = \"MUTABLE\"\n"),
            repository("batch", ""),
            task("api", "\"${aws_ecr_repository.api.repository_url}:${var.tag}\""),
            task("api_canary", "aws_ecr_repository.api.repository_url"),
            function("worker", "\"${aws_ecr_repository.worker.repository_url}:latest\""),
            function(
                "batch",
                "\"111122223333.dkr.ecr.eu-west-1.amazonaws.com/batch:2024-01\"",
            ),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert_eq!(
            addresses(&f),
            [
                "aws_ecr_repository.api",
                "aws_ecr_repository.worker",
                "aws_ecr_repository.batch"
            ]
        );
        assert!(
            f[0].message.contains("`aws_ecs_task_definition.api`, `aws_ecs_task_definition.api_canary` deploy from it"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].attribute.as_deref(), Some("image_tag_mutability"));
    }

    #[test]
    fn quiet_when_immutable_pinned_unused_or_unknown() {
        let text = [
            "variable \"mutability\" {}\n".to_string(),
            repository("immutable", "  image_tag_mutability = \"IMMUTABLE\"\n"),
            repository("excluded", "  image_tag_mutability = \"IMMUTABLE_WITH_EXCLUSION\"\n"),
            repository("unknown", "  image_tag_mutability = var.mutability\n"),
            repository("pinned", ""),
            repository("unused", ""),
            repository("elsewhere", ""),
            task("a", "\"${aws_ecr_repository.immutable.repository_url}:v1\""),
            task("b", "\"${aws_ecr_repository.excluded.repository_url}:v1\""),
            task("c", "\"${aws_ecr_repository.unknown.repository_url}:v1\""),
            function(
                "pinned",
                "\"${aws_ecr_repository.pinned.repository_url}@${data.aws_ecr_image.app.image_digest}\"",
            ),
            function(
                "literal_digest",
                "\"111122223333.dkr.ecr.eu-west-1.amazonaws.com/pinned@sha256:0123\"",
            ),
            function("public", "\"public.ecr.aws/docker/library/elsewhere:latest\""),
        ]
        .concat();
        let f = lint_hcl(RULE, &text);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn snapshot_diagnostic() {
        let text = [
            repository("worker", ""),
            function("worker", "\"${aws_ecr_repository.worker.repository_url}:latest\""),
        ]
        .concat();
        insta::assert_snapshot!(render_all(&lint_hcl(RULE, &text)));
    }
}
