//! One lint run over paths: discover, load each module, lint modules in parallel, then
//! the policy files no module read, then plans.

use crate::config::LintConfig;
use crate::context::Module;
use crate::engine::{active_rules, display_path, lint_module, InputError, LintReport};
use crate::input::{self, classify_json, InputOptions, JsonKind};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::PathBuf;
use tfstack_model::{SourceFile, SourceFiles};

/// Lints every input under `paths`.
pub fn lint_paths(paths: &[PathBuf], options: &InputOptions, config: &LintConfig) -> LintReport {
    let inputs = input::discover(paths);
    let rules = active_rules(config);
    let mut report = LintReport {
        errors: inputs.errors.clone(),
        ..LintReport::default()
    };
    let modules: Vec<(PathBuf, Vec<PathBuf>)> = inputs.modules.into_iter().collect();
    let results: Vec<(LintReport, Vec<PathBuf>)> = modules
        .par_iter()
        .map(|(dir, files)| {
            let (module, errors) = input::load_module(dir, files, options);
            let (mut r, sources) = lint_module(&module, &rules, config, &[]);
            r.errors.extend(errors);
            r.files += files.len();
            // Files read through file()/templatefile(): linted in that context only.
            let read: Vec<PathBuf> = sources
                .iter()
                .skip(module.files.len())
                .filter_map(|(_, f)| std::fs::canonicalize(&f.path).ok())
                .collect();
            (r, read)
        })
        .collect();
    let mut read_by_modules: HashSet<PathBuf> = HashSet::new();
    for (r, read) in results {
        report.merge(r);
        read_by_modules.extend(read);
    }
    let json_reports: Vec<LintReport> = inputs
        .json_files
        .par_iter()
        .filter(|p| {
            std::fs::canonicalize(p)
                .map(|c| !read_by_modules.contains(&c))
                .unwrap_or(true)
        })
        .filter_map(|p| lint_json_file(p, options, config, &rules))
        .collect();
    for r in json_reports {
        report.merge(r);
    }
    report.sort();
    report
}

fn lint_json_file(
    path: &PathBuf,
    options: &InputOptions,
    config: &LintConfig,
    rules: &[(&'static dyn crate::Rule, crate::Severity)],
) -> Option<LintReport> {
    let text = match input::read_text(path) {
        Ok(t) => t,
        Err(message) => {
            return Some(LintReport {
                errors: vec![InputError {
                    path: display_path(path),
                    line: 0,
                    column: 0,
                    message,
                }],
                ..LintReport::default()
            })
        }
    };
    let mut files = SourceFiles::default();
    let id = files.add(SourceFile::new(path.clone(), text.as_str()));
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    match classify_json(path, id, &text) {
        Ok(JsonKind::Other) => None,
        Ok(JsonKind::Policy(value)) => {
            let mut module = input::module_from_blocks(&dir, Vec::new(), files, options);
            module.standalone_policies.push((id, value));
            let (mut r, _) = lint_module(&module, rules, config, &[]);
            r.files += 1;
            Some(r)
        }
        Ok(JsonKind::Plan(json)) => {
            let blocks = crate::plan::blocks_from_plan(&json, id);
            let module: Module = input::module_from_blocks(&dir, blocks, files, options);
            let (mut r, _) = lint_module(&module, rules, config, &[]);
            r.files += 1;
            Some(r)
        }
        Err(e) => Some(LintReport {
            errors: vec![e],
            files: 1,
            ..LintReport::default()
        }),
    }
}
