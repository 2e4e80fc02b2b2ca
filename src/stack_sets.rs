//! The App's stack registry: stacks registered alone or as sets whose stacks reference each
//! other, the App-wide backend and cross-stack reading, synthesis of a selection, and the
//! dependency order (`tfstack list --order`).

use crate::diagnostics::{CliError, StackDiagnostic};
use crate::{App, Synthesized};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tfstack_model::constructs::{
    dependency_order, CrossStackReferences, S3Backend, Stack, StackSet,
};
use tfstack_model::environment::Environment;
use tfstack_model::RustLocation;

type DefineFn = Box<dyn Fn(&[Stack])>;

/// Stacks registered together: their names, environments and one definition that fills
/// them all (one stack when registered with [`App::stack`]).
pub(crate) struct RegisteredSet {
    names: Vec<String>,
    environments: Vec<Environment>,
    define: DefineFn,
}

/// Where each registered stack comes in the order of application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderedStack {
    pub name: String,
    pub environments: Vec<String>,
    /// The stacks it reads values from (in any environment): apply them first.
    pub after: Vec<String>,
}

impl App {
    /// Registers a stack with the default environments, `dev` and `prod`.
    pub fn stack(self, name: &str, define: impl Fn(&Stack) + 'static) -> Self {
        self.stack_with_environments(name, vec![Environment::dev(), Environment::prod()], define)
    }

    /// Registers a stack with its own environments.
    pub fn stack_with_environments(
        self,
        name: &str,
        environments: Vec<Environment>,
        define: impl Fn(&Stack) + 'static,
    ) -> Self {
        self.push_set(
            vec![name.to_string()],
            environments,
            Box::new(move |stacks: &[Stack]| {
                if let [stack] = stacks {
                    define(stack)
                }
            }),
        )
    }

    /// Registers stacks that reference each other's resources, with the default
    /// environments: `define` gets them in the order of `names` (`|[shared, api]| …`). A
    /// reference from one to another's resource becomes an output of the producer read by
    /// the consumer (see [`App::cross_stack_references`]).
    pub fn stacks<const N: usize>(
        self,
        names: [&str; N],
        define: impl Fn(&[Stack; N]) + 'static,
    ) -> Self {
        self.stacks_with_environments(names, vec![Environment::dev(), Environment::prod()], define)
    }

    /// [`App::stacks`] with their own environments.
    pub fn stacks_with_environments<const N: usize>(
        self,
        names: [&str; N],
        environments: Vec<Environment>,
        define: impl Fn(&[Stack; N]) + 'static,
    ) -> Self {
        self.push_set(
            names.iter().map(|n| n.to_string()).collect(),
            environments,
            Box::new(move |stacks: &[Stack]| {
                if let Ok(stacks) = <&[Stack; N]>::try_from(stacks) {
                    define(stacks)
                }
            }),
        )
    }

    /// Keeps every stack's state in `backend` (each stack and environment under its own key,
    /// `<stack>/<env>/terraform.tfstate` unless the backend says otherwise). A stack's
    /// definition may set its own with `stack.set_backend(…)`.
    #[track_caller]
    pub fn backend(mut self, backend: S3Backend) -> Self {
        self.backend = Some((backend, RustLocation::caller()));
        self
    }

    /// How stacks read the values of the stacks they reference (default: the producer's
    /// outputs through `terraform_remote_state`).
    pub fn cross_stack_references(mut self, references: CrossStackReferences) -> Self {
        self.references = references;
        self
    }

    fn push_set(
        mut self,
        names: Vec<String>,
        environments: Vec<Environment>,
        define: DefineFn,
    ) -> Self {
        self.sets.push(RegisteredSet {
            names,
            environments,
            define,
        });
        self
    }

    /// `(stack, environment)` names of every registered stack, in registration order.
    pub fn list(&self) -> Vec<(String, Vec<String>)> {
        self.sets
            .iter()
            .flat_map(|set| {
                let envs: Vec<String> = set.environments.iter().map(|e| e.name.clone()).collect();
                set.names.iter().map(move |n| (n.clone(), envs.clone()))
            })
            .collect()
    }

    /// Every registered stack in the order they can be applied (a stack after the stacks it
    /// reads), with those stacks; the stack definition errors when there are any (a cycle
    /// between stacks is one).
    pub fn order(&self, root: &Path) -> Result<Vec<OrderedStack>, Vec<StackDiagnostic>> {
        let synthesized = self.synthesize(None, None, root).map_err(|_| Vec::new())?;
        if !synthesized.errors.is_empty() {
            return Err(synthesized.errors);
        }
        let names: Vec<String> = self.list().into_iter().map(|(n, _)| n).collect();
        let order = dependency_order(&names, &synthesized.dependencies).unwrap_or(names);
        let environments: BTreeMap<String, Vec<String>> = self.list().into_iter().collect();
        Ok(order
            .into_iter()
            .map(|name| OrderedStack {
                environments: environments.get(&name).cloned().unwrap_or_default(),
                after: synthesized
                    .dependencies
                    .get(&name)
                    .map(|d| d.iter().cloned().collect())
                    .unwrap_or_default(),
                name,
            })
            .collect())
    }

    /// Builds the selected stacks (all when `stack`/`env` are `None`). A stack registered
    /// in a set is built with its whole set (its references need the others); only the
    /// selected stacks' outputs are returned, and every error of the set.
    pub fn synthesize(
        &self,
        stack: Option<&str>,
        env: Option<&str>,
        root: &Path,
    ) -> Result<Synthesized, CliError> {
        let registered: Vec<String> = self.list().into_iter().map(|(n, _)| n).collect();
        let mut seen = BTreeSet::new();
        if let Some(twice) = registered.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(CliError::DuplicateStack(twice.clone()));
        }
        if let Some(s) = stack {
            if !registered.iter().any(|r| r == s) {
                return Err(CliError::UnknownStack {
                    name: s.to_string(),
                    registered: registered.join(", "),
                });
            }
        }
        let mut synthesized = Synthesized {
            outputs: Vec::new(),
            errors: Vec::new(),
            dependencies: BTreeMap::new(),
        };
        let mut matched_env = env.is_none();
        for set in &self.sets {
            if stack.is_some_and(|s| !set.names.iter().any(|n| n == s)) {
                continue;
            }
            for e in &set.environments {
                if env.is_some_and(|n| n != e.name) {
                    continue;
                }
                matched_env = true;
                self.synthesize_set(set, e, stack, root, &mut synthesized);
            }
        }
        if !matched_env {
            return Err(CliError::UnknownEnvironment(
                env.unwrap_or_default().to_string(),
            ));
        }
        Ok(synthesized)
    }

    fn synthesize_set(
        &self,
        set: &RegisteredSet,
        env: &Environment,
        selected: Option<&str>,
        root: &Path,
        into: &mut Synthesized,
    ) {
        let names: Vec<&str> = set.names.iter().map(String::as_str).collect();
        let stack_set = StackSet::new(&names, env.clone()).with_references(self.references.clone());
        if let Some((backend, location)) = &self.backend {
            for s in stack_set.stacks() {
                s.set_backend_at(backend.clone(), *location);
            }
        }
        (set.define)(stack_set.stacks());
        let out = stack_set.finish();
        for (name, deps) in out.dependencies {
            into.dependencies.entry(name).or_default().extend(deps);
        }
        for (name, result) in set.names.iter().zip(out.stacks) {
            match result {
                Ok(o) if selected.is_none_or(|s| s == name) => into.outputs.push(o),
                Ok(_) => {}
                Err(errs) => into.errors.extend(
                    errs.into_iter()
                        .map(|err| StackDiagnostic::new(name, &env.name, err, root)),
                ),
            }
        }
    }
}
