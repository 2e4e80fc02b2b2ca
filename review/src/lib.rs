//! `tfstack review`: one report of a Terraform configuration for the architects who review
//! it — the diagram along the data flow, the inventory of settings, who can do what,
//! where failures go, the lint findings, and a monthly cost estimate — as one
//! self-contained HTML file or as Markdown.
//!
//! ```no_run
//! use tfstack_review::{Review, ReviewOptions, Usage};
//! # fn main() -> Result<(), tfstack_review::ReviewError> {
//! let options = ReviewOptions {
//!     usage: Usage::load("usage.toml".as_ref())?,
//!     ..ReviewOptions::default()
//! };
//! let review = Review::of_module("infra".as_ref(), &options)?;
//! std::fs::write("review.html", review.render_html()?).ok();
//! println!("{}", review.flow_graph().to_mermaid());
//! # Ok(()) }
//! ```

mod access;
mod analysis;
mod components;
pub mod cost;
mod failures;
pub mod findings;
mod graph;
mod inventory;
mod layout;
mod lint;
pub mod markdown;
mod render;
mod resolve;
mod statemachine;
mod svg;
pub mod symbolic;

pub use access::{
    Access, EntryPoint, Grant, PrincipalKind, Routine, RoutineGrants, Trust, OPENAPI_METHOD,
    OPENAPI_ROUTE,
};
pub use components::{Component, Components, Kind, Role};
pub use cost::{Estimate, PriceTable, Usage, UsageError};
pub use failures::FailurePath;
pub use findings::{Finding, FindingsSummary, Severity, Suppression};
pub use graph::{Edge, FlowGraph, Node, Style};
pub use inventory::{Cell, Flag, Inventory, Row, Table};

use analysis::Analysis;
pub use lint::{Context, Module};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tfstack_model::constructs::StackOutput;

/// What a review needs besides the configuration.
#[derive(Clone, Debug, Default)]
pub struct ReviewOptions {
    /// Usage figures for the usage-driven costs (built-in defaults when empty).
    pub usage: Usage,
    /// How files are read: the environment of a hand-written configuration (`--env`), the
    /// names that mean production (the lint engine's defaults when empty), the paths
    /// excluded, which module calls are instances, and the largest file read.
    pub input: lint::InputOptions,
}

/// Why a review could not be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReviewError {
    /// A configuration or usage file could not be read or parsed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Input(#[from] tfstack_model::SourceError),
    /// The directory holds no Terraform configuration.
    #[error("{0}: no Terraform files (.tf, .tf.json) to review")]
    Empty(String),
    /// The shipped price table is broken (a build defect, not an input error).
    #[error("{0}")]
    Prices(String),
    /// A report template failed to render (a build defect, not an input error).
    #[error("report template: {0}")]
    Template(String),
}

/// The review of one configuration.
#[derive(Clone, Debug)]
pub struct Review {
    /// `orders (prod)`, or the directory reviewed.
    pub title: String,
    /// What was reviewed, in words.
    pub subject: String,
    pub resource_count: usize,
    pub components: Components,
    graph: FlowGraph,
    pub inventory: Inventory,
    pub access: Access,
    pub failures: Vec<FailurePath>,
    pub estimate: Estimate,
    findings: Option<Vec<Finding>>,
}

impl Review {
    /// Reviews a typed stack's output (what `Stack::finish` returns), with the files
    /// written by hand beside its generated ones in `out/`: what Terraform applies.
    pub fn of_stack(out: &StackOutput, options: &ReviewOptions) -> Result<Review, ReviewError> {
        let out_root = Path::new("out");
        let names = &options.input.production_names;
        let stack = lint::module_with_files_beside(out, out_root, names, &options.input);
        if let Some(e) = stack.errors.into_iter().next() {
            return Err(ReviewError::Input(e));
        }
        let module = stack.module;
        let twin_config = symbolic::symbolic_config(&module.config);
        let (twin, _) =
            lint::stack_module_with(out, out_root, names, twin_config, module.files.clone());
        let title = format!("{} ({})", out.name, out.env.name);
        let subject = format!("Typed stack `{}`, environment `{}`", out.name, out.env.name);
        build(&module, &twin, title, subject, options)
    }

    /// Reviews the Terraform module in a directory (its `.tf`, `.tf.json` and tfvars).
    pub fn of_module(dir: &Path, options: &ReviewOptions) -> Result<Review, ReviewError> {
        let shown = dir.to_string_lossy().replace('\\', "/");
        if !dir.is_dir() {
            let message = if dir.exists() {
                "not a directory"
            } else {
                "no such directory"
            };
            return Err(ReviewError::Input(tfstack_model::SourceError::file(
                dir, message,
            )));
        }
        let input_options = &options.input;
        let inputs = lint::discover(&[dir.to_path_buf()], input_options);
        if let Some(e) = inputs.errors.first() {
            return Err(ReviewError::Input(e.clone()));
        }
        let wanted = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let files = inputs
            .modules
            .iter()
            .find(|(d, _)| std::fs::canonicalize(d).unwrap_or_else(|_| PathBuf::from(d)) == wanted)
            .map(|(_, m)| m.files.clone())
            .unwrap_or_default();
        let has_config = files.iter().any(|f| {
            let name = f.to_string_lossy();
            name.ends_with(".tf") || name.ends_with(".tf.json")
        });
        if !has_config {
            return Err(ReviewError::Empty(shown));
        }
        let (module, errors) = lint::load_module(dir, &files, input_options);
        if let Some(e) = errors.first() {
            return Err(ReviewError::Input(e.clone()));
        }
        let twin = Module::new(
            module.dir.clone(),
            symbolic::symbolic_config(&module.config),
            module.files.clone(),
        )
        .with_variables(module.variables.clone())
        .with_environment(module.environment.clone(), module.production_names.clone());
        let subject = match &options.input.environment {
            Some(env) => format!("Terraform module `{shown}`, environment `{env}`"),
            None => format!("Terraform module `{shown}`"),
        };
        build(&module, &twin, shown, subject, options)
    }

    /// The review with the lint engine's findings.
    pub fn with_findings(mut self, findings: Vec<Finding>) -> Review {
        self.findings = Some(findings);
        self
    }

    /// The components and the flows between them (for `graph --view flow`).
    pub fn flow_graph(&self) -> &FlowGraph {
        &self.graph
    }

    /// The findings grouped for the report.
    pub fn findings(&self) -> FindingsSummary {
        findings::summarize(self.findings.as_deref())
    }

    /// The diagram as SVG (laid out in process).
    pub fn render_svg(&self) -> String {
        svg::render(&self.graph)
    }

    /// One self-contained HTML file: inline SVG and CSS, no script, no external asset.
    pub fn render_html(&self) -> Result<String, ReviewError> {
        render::html(self)
    }

    /// Markdown for a pull request or a wiki (the diagram as Mermaid).
    pub fn render_markdown(&self) -> Result<String, ReviewError> {
        render::markdown(self)
    }
}

/// Who can do what in one loaded configuration, without the rest of the review: what
/// `tfstack diff` compares between two versions of it.
#[derive(Clone, Debug)]
pub struct AccessAnalysis {
    pub access: Access,
    /// The roles (and users) each identity policy applies to, by the policy's owner address
    /// (`aws_iam_role_policy.x`, `aws_iam_policy.y`, `data.aws_iam_policy_document.z`).
    pub policy_roles: BTreeMap<String, Vec<String>>,
}

/// The access section of `module`, read with its symbolic twin: the same module whose
/// configuration is [`symbolic::symbolic_config`] of `module`'s.
pub fn access_of(module: &Module, twin: &Module) -> AccessAnalysis {
    let cx = Context::new(module);
    let sym = Context::new(twin);
    let a = Analysis::new(&cx, &sym);
    let (components, _) = components_with_clients(&a);
    let r = resolve::Resolver::new(&a, &components);
    AccessAnalysis {
        access: access::build(&a, &components, &r),
        policy_roles: access::identity_policy_roles(&a),
    }
}

/// The components, with the outside callers when something is reachable from outside,
/// and the components those callers reach (with how).
fn components_with_clients(a: &Analysis) -> (Components, Vec<(String, String)>) {
    let mut components = components::build(a);
    let public = {
        let r = resolve::Resolver::new(a, &components);
        graph::public_entries(a, &components, &r)
    };
    if !public.is_empty() {
        components.add_clients();
    }
    (components, public)
}

fn build(
    module: &Module,
    twin: &Module,
    title: String,
    subject: String,
    options: &ReviewOptions,
) -> Result<Review, ReviewError> {
    let cx = Context::new(module);
    let sym = Context::new(twin);
    let a = Analysis::new(&cx, &sym);
    let (components, public) = components_with_clients(&a);
    let r = resolve::Resolver::new(&a, &components);
    let (graph, handovers) = graph::build(&a, &components, &r, &public, &title);
    let inventory = inventory::build(&a, &components, &r, &graph, &handovers);
    let access = access::build(&a, &components, &r);
    let failures = failures::build(&a, &components, &r, &handovers);
    let table = cost::PriceTable::shipped().map_err(ReviewError::Prices)?;
    let estimate = cost::estimate::estimate(&a, &components, &table, &options.usage);
    let resource_count = a.resources.iter().filter(|b| b.kind == "resource").count();
    drop(r);
    Ok(Review {
        title,
        subject,
        resource_count,
        components,
        graph,
        inventory,
        access,
        failures,
        estimate,
        findings: None,
    })
}
