//! A deterministic corpus of realistic serverless Terraform: modules of Lambda functions
//! behind HTTP APIs or consuming queues, roles whose policies are written with
//! `jsonencode`, heredoc JSON or `aws_iam_policy_document`, queues with and without
//! dead-letter queues, SNS subscriptions, API Gateway v2 stages (auto-deploying in dev,
//! deployed explicitly in prod), log groups with and without retention and S3 buckets,
//! with `variables.tf`, `locals.tf`, `versions.tf` and `terraform.tfvars` per module.
//!
//! Most of it is clean; roughly one resource in six to eight carries a deliberate finding
//! (a missing DLQ or retention, a wildcard action, resource or principal, `auto_deploy` in
//! production, a function without its log group, a DLQ that keeps messages for less time
//! than its source), a few of them suppressed with a reason. The same seed writes the same
//! bytes.

use crate::align::align;
use crate::prng::SplitMix64;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub seed: u64,
    /// Files holding resources (each module adds four small support files, unless
    /// `max_files_per_module` is set).
    pub files: u64,
    pub resources_per_file: u64,
    /// Resource files per module: `None` for the usual mix (10 to 50), `Some(n)` for
    /// modules of exactly `n` (the last one takes what is left), e.g. one large module.
    pub files_per_module: Option<u64>,
    /// With `files_per_module` unset: modules of 1 to this many files in all (many
    /// small modules, as public repositories of reusable modules have). Such a module has
    /// no support files: its `main.tf` opens with the `terraform` and `provider` blocks,
    /// the variables (their values as defaults) and the locals.
    pub max_files_per_module: Option<u64>,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub modules: u64,
    /// Every file written (resource files and support files).
    pub files: u64,
    pub bytes: u64,
    /// `resource` and `data` blocks.
    pub resources: u64,
    /// Resources written with a deliberate finding.
    pub flawed: u64,
    /// Of those, the ones with a suppression comment.
    pub suppressed: u64,
}

impl Stats {
    fn add(&mut self, other: &Stats) {
        self.modules += other.modules;
        self.files += other.files;
        self.bytes += other.bytes;
        self.resources += other.resources;
        self.flawed += other.flawed;
        self.suppressed += other.suppressed;
    }
}

/// A generated file: path relative to the corpus root, and text.
pub type File = (PathBuf, String);

const DOMAINS: &[&str] = &[
    "orders",
    "payments",
    "users",
    "sessions",
    "invoices",
    "catalog",
    "shipping",
    "inventory",
    "notifications",
    "search",
    "reports",
    "billing",
    "auth",
    "media",
    "reviews",
    "pricing",
    "ledger",
    "audit",
];

const TEAMS: &[&str] = &["platform", "payments", "growth", "core", "data", "identity"];

const RUNTIMES: &[(&str, &str)] = &[
    ("python3.12", "app.handler"),
    ("python3.12", "lambda_function.lambda_handler"),
    ("nodejs20.x", "index.handler"),
    ("provided.al2023", "bootstrap"),
    ("java21", "com.example.Handler::handleRequest"),
];

/// Writes the corpus under `out` (`module-0001/…`), replacing earlier `module-*`
/// folders there, and returns what it wrote.
pub fn write(spec: &Spec, out: &Path) -> std::io::Result<Stats> {
    std::fs::create_dir_all(out)?;
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with("module-") && entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    let mut stats = Stats::default();
    for (files, module_stats) in generate(spec) {
        for (path, text) in files {
            let target = out.join(path);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(target, text)?;
        }
        stats.add(&module_stats);
    }
    Ok(stats)
}

/// The corpus as modules of files, in order.
pub fn generate(spec: &Spec) -> Vec<(Vec<File>, Stats)> {
    let mut rng = SplitMix64::new(spec.seed);
    let mut remaining = spec.files;
    let mut modules = Vec::new();
    let mut index = 0;
    while remaining > 0 {
        let n = match (spec.files_per_module, spec.max_files_per_module) {
            (Some(per_module), _) => per_module.clamp(1, remaining),
            (None, Some(max)) => rng.range(1, max.max(1)).min(remaining),
            (None, None) => {
                let mut n = if remaining <= 50 {
                    remaining
                } else {
                    rng.range(10, 40)
                };
                if remaining - n < 10 {
                    n = remaining;
                }
                n
            }
        };
        remaining -= n;
        index += 1;
        let mut module_rng = rng.fork();
        let layout = match (spec.files_per_module, spec.max_files_per_module) {
            (None, Some(_)) => Layout::Inline,
            _ => Layout::SupportFiles,
        };
        modules.push(module(
            &mut module_rng,
            index,
            n,
            spec.resources_per_file.max(1),
            layout,
        ));
    }
    modules
}

/// The environment-wide facts a module's resources read.
struct Module {
    dir: PathBuf,
    env: &'static str,
    next_id: u64,
}

impl Module {
    fn production(&self) -> bool {
        self.env == "prod"
    }
}

/// Where a module declares its variables, locals and provider.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `versions.tf`, `variables.tf`, `locals.tf` and `terraform.tfvars`.
    SupportFiles,
    /// At the top of `main.tf`, the variables' values as their defaults.
    Inline,
}

fn module(
    rng: &mut SplitMix64,
    index: u64,
    files: u64,
    per_file: u64,
    layout: Layout,
) -> (Vec<File>, Stats) {
    let env = *rng.pick(&["prod", "prod", "staging", "dev", "dev"]);
    let project = format!("{}-{}", rng.pick(DOMAINS), rng.pick(TEAMS));
    let mut m = Module {
        dir: PathBuf::from(format!("module-{index:04}")),
        env,
        next_id: 0,
    };
    let mut out = Vec::new();
    let mut stats = Stats {
        modules: 1,
        ..Stats::default()
    };
    let values = Values::draw(rng, env, &project);
    let mut header = String::new();
    match layout {
        Layout::SupportFiles => {
            let support = [
                ("versions.tf", VERSIONS.to_string()),
                (
                    "variables.tf",
                    variables(&DEFAULTS.map(|(k, v)| (k, v.to_string()))),
                ),
                ("locals.tf", LOCALS.to_string()),
                ("terraform.tfvars", values.tfvars()),
            ];
            for (name, text) in support {
                out.push((m.dir.join(name), align(&text)));
            }
        }
        Layout::Inline => {
            header = format!("{VERSIONS}\n{}\n{LOCALS}", variables(&values.as_defaults()));
        }
    }
    for f in 0..files {
        let domain = *rng.pick(DOMAINS);
        let name = if f == 0 {
            "main.tf".to_string()
        } else {
            format!("{domain}_{f:02}.tf")
        };
        let mut file = FileWriter::default();
        if f == 0 {
            file.text = std::mem::take(&mut header);
        }
        while file.resources < per_file {
            let left = per_file - file.resources;
            unit(rng, &mut m, &mut file, domain, left);
        }
        stats.resources += file.resources;
        stats.flawed += file.flawed;
        stats.suppressed += file.suppressed;
        out.push((m.dir.join(name), align(&file.text)));
    }
    stats.files = out.len() as u64;
    stats.bytes = out.iter().map(|(_, t)| t.len() as u64).sum();
    (out, stats)
}

#[derive(Default)]
struct FileWriter {
    text: String,
    resources: u64,
    flawed: u64,
    suppressed: u64,
}

impl FileWriter {
    /// Appends one block (a template with `@N` for its name, `@S` for the dashed
    /// service name), optionally marked as carrying a finding.
    fn block(&mut self, template: &str, n: &str, flaw: Option<&Flaw>) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        if let Some(f) = flaw {
            self.flawed += 1;
            if let Some(rule) = f.suppress {
                self.suppressed += 1;
                let _ = writeln!(
                    self.text,
                    "# tfstack:ignore[{rule}] accepted until the migration to the shared platform module"
                );
            }
        }
        self.text.push_str(
            &template
                .replace("@N", n)
                .replace("@S", &n.replace('_', "-")),
        );
        self.resources += 1;
    }
}

/// A finding written on purpose; `suppress` names the rule when it carries an inline
/// suppression.
struct Flaw {
    suppress: Option<&'static str>,
}

fn flaw(rng: &mut SplitMix64, rule: &'static str) -> Flaw {
    Flaw {
        suppress: rng.chance(8).then_some(rule),
    }
}

/// Writes one unit (a service and its plumbing) that fits in `left` resources, or a
/// single resource when nothing larger fits.
fn unit(rng: &mut SplitMix64, m: &mut Module, file: &mut FileWriter, domain: &str, left: u64) {
    m.next_id += 1;
    let name = format!("{domain}_{:03}", m.next_id);
    let api_size = if m.production() { 11 } else { 10 };
    let kind = rng.range(0, 99);
    if left >= api_size && kind < 35 {
        api_unit(rng, m, file, &name, domain);
    } else if left >= 8 && kind < 70 {
        worker_unit(rng, file, &name);
    } else if left >= 6 && kind < 88 {
        topic_unit(rng, file, &name);
    } else if left >= 4 {
        bucket_unit(rng, file, &name);
    } else {
        filler(rng, file, &name);
    }
}

/// Which of a unit's findings it carries, if any (about 85% of units carry one).
fn choose(rng: &mut SplitMix64, kinds: u64) -> Option<u64> {
    rng.chance(85).then(|| rng.range(0, kinds - 1))
}

fn api_unit(rng: &mut SplitMix64, m: &Module, file: &mut FileWriter, n: &str, domain: &str) {
    let (runtime, handler) = *rng.pick(RUNTIMES);
    // 0: no retention, 1: wildcard action, 2: wildcard resource, 3: auto_deploy in prod
    // (a function without its log group in other environments).
    let f = choose(rng, 4);
    file.block(IAM_ROLE_JSONENCODE, n, None);
    let (action, resource) = match f {
        Some(1) => ("\"dynamodb:*\"", TABLE_ARN),
        Some(2) => (TABLE_ACTIONS, "\"*\""),
        _ => (TABLE_ACTIONS, TABLE_ARN),
    };
    let policy = ROLE_POLICY_JSONENCODE
        .replace("@ACTION", action)
        .replace("@RESOURCE", resource);
    let policy_flaw = match f {
        Some(1) => Some(flaw(rng, "IAM001")),
        Some(2) => Some(flaw(rng, "IAM002")),
        _ => None,
    };
    file.block(&policy, n, policy_flaw.as_ref());
    let without_log_group = f == Some(3) && !m.production();
    if !without_log_group {
        let (template, flawed) = if f == Some(0) {
            (LOG_GROUP_FOREVER, Some(flaw(rng, "LOG001")))
        } else {
            (LOG_GROUP, None)
        };
        file.block(template, n, flawed.as_ref());
    }
    let function = function(rng, runtime, handler, !without_log_group);
    let function_flaw = without_log_group.then(|| flaw(rng, "LOG002"));
    file.block(&function, n, function_flaw.as_ref());
    file.block(&HTTP_API.replace("@DOMAIN", domain), n, None);
    file.block(INTEGRATION, n, None);
    let path = format!(
        "{domain}/{}",
        rng.pick(&["items", "events", "search", "batch"])
    );
    file.block(&ROUTE.replace("@PATH", &path), n, None);
    file.block(ACCESS_LOG_GROUP, n, None);
    let auto_deploy_in_prod = f == Some(3) && m.production();
    let stage = if !m.production() || auto_deploy_in_prod {
        STAGE.replace("@DEPLOY", "auto_deploy = true")
    } else {
        STAGE.replace(
            "@DEPLOY",
            "auto_deploy = false\n  deployment_id = aws_apigatewayv2_deployment.@N.id",
        )
    };
    let stage_flaw = auto_deploy_in_prod.then(|| flaw(rng, "APIGW001"));
    file.block(&stage, n, stage_flaw.as_ref());
    if m.production() {
        file.block(DEPLOYMENT, n, None);
    }
    file.block(PERMISSION, n, None);
}

fn function(rng: &mut SplitMix64, runtime: &str, handler: &str, depends: bool) -> String {
    let memory = *rng.pick(&["128", "256", "512", "1024"]);
    let timeout = *rng.pick(&["10", "15", "30", "60"]);
    let architectures = if runtime == "java21" {
        "[\"x86_64\"]"
    } else {
        "[\"arm64\"]"
    };
    let depends_on = if depends {
        "\n  depends_on = [aws_cloudwatch_log_group.@N]\n"
    } else {
        ""
    };
    FUNCTION
        .replace("@RUNTIME", runtime)
        .replace("@HANDLER", handler)
        .replace("@MEMORY", memory)
        .replace("@TIMEOUT", timeout)
        .replace("@ARCH", architectures)
        .replace("@DEPENDS", depends_on)
}

fn worker_unit(rng: &mut SplitMix64, file: &mut FileWriter, n: &str) {
    let (runtime, handler) = *rng.pick(RUNTIMES);
    // 0: no DLQ, 1: DLQ keeps messages less long than its source, 2: wildcard action,
    // 3: wildcard resource, 4: no retention.
    let f = choose(rng, 5);
    if f == Some(0) {
        let q = flaw(rng, "DLQ001");
        file.block(QUEUE_WITHOUT_DLQ, n, Some(&q));
        // A queue without DLQ still has the rest of the unit; one resource fewer.
        file.block(&queue_filler(rng), &format!("{n}_spare"), None);
    } else {
        // The DLQ keeps messages longer than its source, except in the flawed case.
        let source_retention = if f == Some(1) {
            let q = flaw(rng, "RET001");
            file.block(DLQ_DEFAULT_RETENTION, n, Some(&q));
            "1209600"
        } else {
            file.block(DLQ, n, None);
            "345600"
        };
        file.block(
            &QUEUE_WITH_DLQ.replace("@RETENTION", source_retention),
            n,
            None,
        );
    }
    file.block(ASSUME_ROLE_DOCUMENT, n, None);
    file.block(IAM_ROLE_DOCUMENT, n, None);
    let (action, resource) = match f {
        Some(2) => ("\"sqs:*\"", QUEUE_ARN_JSON),
        Some(3) => (QUEUE_ACTIONS_JSON, "\"*\""),
        _ => (QUEUE_ACTIONS_JSON, QUEUE_ARN_JSON),
    };
    let policy = ROLE_POLICY_HEREDOC
        .replace("@ACTION", action)
        .replace("@RESOURCE", resource);
    let policy_flaw = match f {
        Some(2) => Some(flaw(rng, "IAM001")),
        Some(3) => Some(flaw(rng, "IAM002")),
        _ => None,
    };
    file.block(&policy, n, policy_flaw.as_ref());
    if f == Some(4) {
        let q = flaw(rng, "LOG001");
        file.block(LOG_GROUP_FOREVER, n, Some(&q));
    } else {
        file.block(LOG_GROUP, n, None);
    }
    file.block(&function(rng, runtime, handler, true), n, None);
    file.block(EVENT_SOURCE_MAPPING, n, None);
}

/// A queue that is a DLQ of nothing and has none (a replay or parking queue, allowed to
/// be one with `redrive_allow_policy`).
fn queue_filler(rng: &mut SplitMix64) -> String {
    let days = rng.pick(&["345600", "1209600"]);
    PARKING_QUEUE.replace("@RETENTION", days)
}

fn topic_unit(rng: &mut SplitMix64, file: &mut FileWriter, n: &str) {
    // 0: subscription without DLQ, 1: wildcard principal in the queue policy.
    let f = choose(rng, 2);
    file.block(TOPIC, n, None);
    file.block(EVENTS_DLQ, n, None);
    file.block(EVENTS_QUEUE, n, None);
    let document = if f == Some(1) {
        QUEUE_POLICY_DOCUMENT_OPEN
    } else {
        QUEUE_POLICY_DOCUMENT
    };
    let doc_flaw = (f == Some(1)).then(|| flaw(rng, "IAM003"));
    file.block(document, n, doc_flaw.as_ref());
    file.block(QUEUE_POLICY, n, None);
    if f == Some(0) {
        let q = flaw(rng, "DLQ005");
        file.block(SUBSCRIPTION_WITHOUT_DLQ, n, Some(&q));
    } else {
        file.block(SUBSCRIPTION, n, None);
    }
}

fn bucket_unit(rng: &mut SplitMix64, file: &mut FileWriter, n: &str) {
    // Half of the buckets are clean; the others grant reads to everyone.
    let open = rng.chance(40);
    file.block(BUCKET, n, None);
    file.block(BUCKET_VERSIONING, n, None);
    file.block(BUCKET_PUBLIC_ACCESS_BLOCK, n, None);
    if open {
        let q = flaw(rng, "IAM003");
        file.block(BUCKET_POLICY_OPEN, n, Some(&q));
    } else {
        file.block(BUCKET_POLICY, n, None);
    }
}

fn filler(rng: &mut SplitMix64, file: &mut FileWriter, n: &str) {
    match rng.range(0, 3) {
        0 => file.block(LOG_GROUP_SHARED, n, None),
        1 => file.block(BUCKET, n, None),
        2 => file.block(TOPIC, n, None),
        _ => file.block(&queue_filler(rng), n, None),
    }
}

/// The values of a module's variables (what `terraform.tfvars` sets).
struct Values {
    env: String,
    project: String,
    region: &'static str,
    account_id: u64,
    retention: &'static str,
    team: &'static str,
    cost_center: u64,
}

impl Values {
    fn draw(rng: &mut SplitMix64, env: &str, project: &str) -> Values {
        let retention = *rng.pick(&["14", "30", "90", "365"]);
        let region = *rng.pick(&["eu-west-1", "us-east-1", "eu-central-1", "us-west-2"]);
        let team = *rng.pick(TEAMS);
        let account_id = rng.range(100_000_000_000, 999_999_999_999);
        let cost_center = rng.range(1000, 9999);
        Values {
            env: env.to_string(),
            project: project.to_string(),
            region,
            account_id,
            retention,
            team,
            cost_center,
        }
    }

    /// `name = value` per variable, the tags' object indented by `indent`.
    fn assignments(&self, indent: &str) -> Vec<(&'static str, String)> {
        let Values {
            env,
            project,
            region,
            account_id,
            retention,
            team,
            cost_center,
        } = self;
        vec![
            ("environment", format!("\"{env}\"")),
            ("project", format!("\"{project}\"")),
            ("region", format!("\"{region}\"")),
            ("account_id", format!("\"{account_id:012}\"")),
            ("log_retention_days", retention.to_string()),
            (
                "tags",
                format!(
                    "{{\n{indent}  Team = \"{team}\"\n{indent}  CostCenter = \"cc-{cost_center:04}\"\n\
                     {indent}  Repository = \"github.com/example/{project}\"\n{indent}}}"
                ),
            ),
        ]
    }

    fn tfvars(&self) -> String {
        let mut text = String::new();
        for (name, value) in self.assignments("") {
            if name == "tags" {
                text.push('\n');
            }
            let _ = writeln!(text, "{name} = {value}");
        }
        text
    }

    fn as_defaults(&self) -> Vec<(&'static str, String)> {
        self.assignments("  ")
    }
}

/// The variables every module declares: name, description, type.
const VARIABLE_DECLARATIONS: &[(&str, &str, &str)] = &[
    (
        "environment",
        "Deployment environment: dev, staging or prod",
        "string",
    ),
    (
        "project",
        "Project name, the prefix of every physical name",
        "string",
    ),
    ("region", "AWS region", "string"),
    (
        "account_id",
        "AWS account ID the module deploys to",
        "string",
    ),
    (
        "log_retention_days",
        "How long CloudWatch Logs keeps function and access logs",
        "number",
    ),
    ("tags", "Tags on every resource", "map(string)"),
];

/// The defaults of `variables.tf` (the others are set in `terraform.tfvars`).
const DEFAULTS: [(&str, &str); 3] = [
    ("region", "\"eu-west-1\""),
    ("log_retention_days", "30"),
    ("tags", "{}"),
];

/// The variable declarations, with `defaults` (name, value).
fn variables(defaults: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (i, (name, description, kind)) in VARIABLE_DECLARATIONS.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let _ = write!(
            text,
            "variable \"{name}\" {{\n  description = \"{description}\"\n  type = {kind}\n"
        );
        if let Some((_, value)) = defaults.iter().find(|(n, _)| n == name) {
            let _ = writeln!(text, "  default = {value}");
        }
        text.push_str("}\n");
    }
    text
}

const VERSIONS: &str = r#"terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project = var.project
      Environment = var.environment
      ManagedBy = "terraform"
    }
  }
}
"#;

const LOCALS: &str = r#"locals {
  name_prefix = "${var.project}-${var.environment}"
  is_production = var.environment == "prod"

  common_tags = merge(var.tags, {
    Service = var.project
    Environment = var.environment
  })
}
"#;

const IAM_ROLE_JSONENCODE: &str = r#"resource "aws_iam_role" "@N" {
  name = "${local.name_prefix}-@S"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          Service = "lambda.amazonaws.com"
        }
        Action = "sts:AssumeRole"
      },
    ]
  })

  tags = local.common_tags
}
"#;

const TABLE_ACTIONS: &str =
    r#"["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]"#;
const TABLE_ARN: &str =
    r#""arn:aws:dynamodb:${var.region}:${var.account_id}:table/${local.name_prefix}-@S""#;

const ROLE_POLICY_JSONENCODE: &str = r#"resource "aws_iam_role_policy" "@N" {
  name = "@S-access"
  role = aws_iam_role.@N.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid = "WriteOwnLogs"
        Effect = "Allow"
        Action = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:${var.region}:${var.account_id}:log-group:/aws/lambda/${local.name_prefix}-@S:*"
      },
      {
        Sid = "TableAccess"
        Effect = "Allow"
        Action = @ACTION
        Resource = @RESOURCE
      },
    ]
  })
}
"#;

const LOG_GROUP: &str = r#"resource "aws_cloudwatch_log_group" "@N" {
  name = "/aws/lambda/${local.name_prefix}-@S"
  retention_in_days = var.log_retention_days
  tags = local.common_tags
}
"#;

const LOG_GROUP_FOREVER: &str = r#"resource "aws_cloudwatch_log_group" "@N" {
  name = "/aws/lambda/${local.name_prefix}-@S"
  tags = local.common_tags
}
"#;

const LOG_GROUP_SHARED: &str = r#"resource "aws_cloudwatch_log_group" "@N" {
  name = "/${var.project}/${var.environment}/@S"
  retention_in_days = local.is_production ? 90 : 7
}
"#;

const FUNCTION: &str = r#"resource "aws_lambda_function" "@N" {
  function_name = "${local.name_prefix}-@S"
  description = "Handles @S requests"
  role = aws_iam_role.@N.arn
  handler = "@HANDLER"
  runtime = "@RUNTIME"
  architectures = @ARCH
  filename = "${path.module}/build/@N.zip"
  source_code_hash = filebase64sha256("${path.module}/build/@N.zip")
  memory_size = @MEMORY
  timeout = @TIMEOUT

  environment {
    variables = {
      SERVICE_NAME = "@S"
      TABLE_NAME = "${local.name_prefix}-@S"
      LOG_LEVEL = local.is_production ? "INFO" : "DEBUG"
    }
  }

  tracing_config {
    mode = "Active"
  }

  tags = local.common_tags
@DEPENDS}
"#;

const HTTP_API: &str = r#"resource "aws_apigatewayv2_api" "@N" {
  name = "${local.name_prefix}-@S-api"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins = ["https://@DOMAIN.example.com"]
    allow_methods = ["GET", "POST", "OPTIONS"]
    allow_headers = ["authorization", "content-type"]
    max_age = 300
  }

  tags = local.common_tags
}
"#;

const INTEGRATION: &str = r#"resource "aws_apigatewayv2_integration" "@N" {
  api_id = aws_apigatewayv2_api.@N.id
  integration_type = "AWS_PROXY"
  integration_uri = aws_lambda_function.@N.invoke_arn
  integration_method = "POST"
  payload_format_version = "2.0"
}
"#;

const ROUTE: &str = r#"resource "aws_apigatewayv2_route" "@N" {
  api_id = aws_apigatewayv2_api.@N.id
  route_key = "POST /@PATH"
  target = "integrations/${aws_apigatewayv2_integration.@N.id}"
}
"#;

const ACCESS_LOG_GROUP: &str = r#"resource "aws_cloudwatch_log_group" "@N_access" {
  name = "/aws/apigateway/${local.name_prefix}-@S"
  retention_in_days = var.log_retention_days
}
"#;

const STAGE: &str = r#"resource "aws_apigatewayv2_stage" "@N" {
  api_id = aws_apigatewayv2_api.@N.id
  name = var.environment
  @DEPLOY

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.@N_access.arn
    format = jsonencode({
      requestId = "$context.requestId"
      sourceIp = "$context.identity.sourceIp"
      routeKey = "$context.routeKey"
      status = "$context.status"
      responseLength = "$context.responseLength"
    })
  }

  default_route_settings {
    throttling_burst_limit = 100
    throttling_rate_limit = 50
  }
}
"#;

const DEPLOYMENT: &str = r#"resource "aws_apigatewayv2_deployment" "@N" {
  api_id = aws_apigatewayv2_api.@N.id
  description = "@S deployment"

  triggers = {
    redeployment = sha1(join(",", [
      jsonencode(aws_apigatewayv2_integration.@N),
      jsonencode(aws_apigatewayv2_route.@N),
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}
"#;

const PERMISSION: &str = r#"resource "aws_lambda_permission" "@N" {
  statement_id = "AllowExecutionFromAPIGateway"
  action = "lambda:InvokeFunction"
  function_name = aws_lambda_function.@N.function_name
  principal = "apigateway.amazonaws.com"
  source_arn = "${aws_apigatewayv2_api.@N.execution_arn}/*/*"
}
"#;

const DLQ: &str = r#"resource "aws_sqs_queue" "@N_dlq" {
  name = "${local.name_prefix}-@S-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled = true
  tags = local.common_tags
}
"#;

const DLQ_DEFAULT_RETENTION: &str = r#"resource "aws_sqs_queue" "@N_dlq" {
  name = "${local.name_prefix}-@S-dlq"
  sqs_managed_sse_enabled = true
  tags = local.common_tags
}
"#;

const QUEUE_WITH_DLQ: &str = r#"resource "aws_sqs_queue" "@N" {
  name = "${local.name_prefix}-@S"
  visibility_timeout_seconds = 180
  message_retention_seconds = @RETENTION
  sqs_managed_sse_enabled = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.@N_dlq.arn
    maxReceiveCount = 5
  })

  tags = local.common_tags
}
"#;

const QUEUE_WITHOUT_DLQ: &str = r#"resource "aws_sqs_queue" "@N" {
  name = "${local.name_prefix}-@S"
  visibility_timeout_seconds = 180
  message_retention_seconds = 345600
  sqs_managed_sse_enabled = true
  tags = local.common_tags
}
"#;

const PARKING_QUEUE: &str = r#"resource "aws_sqs_queue" "@N" {
  name = "${local.name_prefix}-@S-parking"
  message_retention_seconds = @RETENTION
  sqs_managed_sse_enabled = true
  redrive_allow_policy = jsonencode({
    redrivePermission = "allowAll"
  })
}
"#;

const ASSUME_ROLE_DOCUMENT: &str = r#"data "aws_iam_policy_document" "@N_assume" {
  statement {
    effect = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
"#;

const IAM_ROLE_DOCUMENT: &str = r#"resource "aws_iam_role" "@N" {
  name = "${local.name_prefix}-@S"
  assume_role_policy = data.aws_iam_policy_document.@N_assume.json
  tags = local.common_tags
}
"#;

const QUEUE_ACTIONS_JSON: &str = r#"[
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility"
      ]"#;
const QUEUE_ARN_JSON: &str =
    r#""arn:aws:sqs:${var.region}:${var.account_id}:${local.name_prefix}-@S""#;

const ROLE_POLICY_HEREDOC: &str = r#"resource "aws_iam_role_policy" "@N" {
  name = "@S-consume"
  role = aws_iam_role.@N.id
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ConsumeQueue",
      "Effect": "Allow",
      "Action": @ACTION,
      "Resource": @RESOURCE
    },
    {
      "Sid": "WriteOwnLogs",
      "Effect": "Allow",
      "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
      "Resource": "arn:aws:logs:${var.region}:${var.account_id}:log-group:/aws/lambda/${local.name_prefix}-@S:*"
    }
  ]
}
EOF
}
"#;

const EVENT_SOURCE_MAPPING: &str = r#"resource "aws_lambda_event_source_mapping" "@N" {
  event_source_arn = aws_sqs_queue.@N.arn
  function_name = aws_lambda_function.@N.arn
  batch_size = 10
  maximum_batching_window_in_seconds = 5
  function_response_types = ["ReportBatchItemFailures"]
}
"#;

const TOPIC: &str = r#"resource "aws_sns_topic" "@N" {
  name = "${local.name_prefix}-@S"
  kms_master_key_id = "alias/aws/sns"
  tags = local.common_tags
}
"#;

const EVENTS_DLQ: &str = r#"resource "aws_sqs_queue" "@N_events_dlq" {
  name = "${local.name_prefix}-@S-events-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled = true
}
"#;

const EVENTS_QUEUE: &str = r#"resource "aws_sqs_queue" "@N_events" {
  name = "${local.name_prefix}-@S-events"
  message_retention_seconds = 345600
  sqs_managed_sse_enabled = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.@N_events_dlq.arn
    maxReceiveCount = 3
  })
}
"#;

const QUEUE_POLICY_DOCUMENT: &str = r#"data "aws_iam_policy_document" "@N_events" {
  statement {
    sid = "AllowTopicToSend"
    effect = "Allow"
    actions = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.@N_events.arn]

    principals {
      type = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test = "ArnEquals"
      variable = "aws:SourceArn"
      values = [aws_sns_topic.@N.arn]
    }
  }
}
"#;

const QUEUE_POLICY_DOCUMENT_OPEN: &str = r#"data "aws_iam_policy_document" "@N_events" {
  statement {
    sid = "AllowAnyoneToSend"
    effect = "Allow"
    actions = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.@N_events.arn]

    principals {
      type = "*"
      identifiers = ["*"]
    }
  }
}
"#;

const QUEUE_POLICY: &str = r#"resource "aws_sqs_queue_policy" "@N_events" {
  queue_url = aws_sqs_queue.@N_events.id
  policy = data.aws_iam_policy_document.@N_events.json
}
"#;

const SUBSCRIPTION: &str = r#"resource "aws_sns_topic_subscription" "@N" {
  topic_arn = aws_sns_topic.@N.arn
  protocol = "sqs"
  endpoint = aws_sqs_queue.@N_events.arn
  raw_message_delivery = true
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.@N_events_dlq.arn
  })
}
"#;

const SUBSCRIPTION_WITHOUT_DLQ: &str = r#"resource "aws_sns_topic_subscription" "@N" {
  topic_arn = aws_sns_topic.@N.arn
  protocol = "sqs"
  endpoint = aws_sqs_queue.@N_events.arn
  raw_message_delivery = true
}
"#;

const BUCKET: &str = r#"resource "aws_s3_bucket" "@N" {
  bucket = "${local.name_prefix}-@S-${var.account_id}"
  tags = local.common_tags
}
"#;

const BUCKET_VERSIONING: &str = r#"resource "aws_s3_bucket_versioning" "@N" {
  bucket = aws_s3_bucket.@N.id

  versioning_configuration {
    status = "Enabled"
  }
}
"#;

const BUCKET_PUBLIC_ACCESS_BLOCK: &str = r#"resource "aws_s3_bucket_public_access_block" "@N" {
  bucket = aws_s3_bucket.@N.id
  block_public_acls = true
  block_public_policy = true
  ignore_public_acls = true
  restrict_public_buckets = true
}
"#;

const BUCKET_POLICY: &str = r#"resource "aws_s3_bucket_policy" "@N" {
  bucket = aws_s3_bucket.@N.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid = "DenyInsecureTransport"
        Effect = "Deny"
        Principal = "*"
        Action = "s3:*"
        Resource = [
          aws_s3_bucket.@N.arn,
          "${aws_s3_bucket.@N.arn}/*",
        ]
        Condition = {
          Bool = {
            "aws:SecureTransport" = "false"
          }
        }
      },
    ]
  })
}
"#;

const BUCKET_POLICY_OPEN: &str = r#"resource "aws_s3_bucket_policy" "@N" {
  bucket = aws_s3_bucket.@N.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid = "PublicRead"
        Effect = "Allow"
        Principal = "*"
        Action = "s3:GetObject"
        Resource = "${aws_s3_bucket.@N.arn}/*"
      },
    ]
  })
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(files: u64) -> Spec {
        Spec {
            seed: 42,
            files,
            resources_per_file: 50,
            files_per_module: None,
            max_files_per_module: None,
        }
    }

    #[test]
    fn max_files_per_module_makes_many_small_modules() {
        let small = Spec {
            max_files_per_module: Some(3),
            ..spec(300)
        };
        let modules = generate(&small);
        let sizes: Vec<usize> = modules.iter().map(|(f, _)| f.len()).collect();
        assert!(sizes.iter().all(|n| (1..=3).contains(n)), "{sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), 300);
        assert!(sizes.len() >= 100, "{}", sizes.len());
        // Each module stands alone: `main.tf` declares what the resources read, with the
        // values a `terraform.tfvars` would set as defaults.
        for (files, _) in &modules {
            let (path, main) = &files[0];
            assert!(path.ends_with("main.tf"), "{}", path.display());
            assert!(main.starts_with("terraform {"), "{main}");
            for declared in ["variable \"environment\"", "variable \"tags\"", "locals {"] {
                assert!(main.contains(declared), "{declared}: {main}");
            }
            assert!(
                main.contains("  default     = \"prod\"")
                    || main.contains("  default     = \"dev\"")
                    || main.contains("  default     = \"staging\""),
                "{main}"
            );
            assert!(files
                .iter()
                .all(|(p, _)| p.extension().is_some_and(|e| e == "tf")));
        }
    }

    #[test]
    fn files_per_module_makes_modules_of_that_size() {
        let forties = Spec {
            files_per_module: Some(40),
            ..spec(100)
        };
        let sizes: Vec<usize> = generate(&forties)
            .iter()
            .map(|(f, _)| f.len() - 4)
            .collect();
        assert_eq!(sizes, vec![40, 40, 20]);
        let one = Spec {
            files_per_module: Some(1000),
            ..spec(100)
        };
        assert_eq!(generate(&one).len(), 1);
    }

    #[test]
    fn same_seed_same_bytes() {
        assert_eq!(generate(&spec(30)), generate(&spec(30)));
        let other = Spec {
            seed: 43,
            ..spec(30)
        };
        assert_ne!(generate(&spec(30)), generate(&other));
    }

    #[test]
    fn exact_resource_count_and_module_sizes() {
        let modules = generate(&spec(500));
        let resources: u64 = modules.iter().map(|(_, s)| s.resources).sum();
        assert_eq!(resources, 500 * 50);
        for (files, _) in &modules {
            // Four support files and 10 to 50 resource files.
            assert!((14..=54).contains(&files.len()), "{}", files.len());
        }
        let counted: usize = modules
            .iter()
            .flat_map(|(f, _)| f)
            .map(|(_, t)| {
                t.lines()
                    .filter(|l| l.starts_with("resource \"") || l.starts_with("data \""))
                    .count()
            })
            .sum();
        assert_eq!(counted as u64, resources);
    }

    #[test]
    fn findings_are_a_minority() {
        let modules = generate(&spec(200));
        let resources: u64 = modules.iter().map(|(_, s)| s.resources).sum();
        let flawed: u64 = modules.iter().map(|(_, s)| s.flawed).sum();
        let share = flawed as f64 / resources as f64;
        assert!((0.08..=0.2).contains(&share), "{share}");
    }
}
