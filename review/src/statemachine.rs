//! A Step Functions definition (Amazon States Language), read from the symbolic twin so
//! the functions, task definitions, topics and queues its tasks call keep their identity.

use crate::analysis::{self, Analysis};
use tfstack_model::{Block, Value};

/// One `Task` state.
#[derive(Clone, Debug)]
pub(crate) struct TaskState {
    /// The state's name.
    pub name: String,
    /// The service integration: `lambda:invoke`, `ecs:runTask.sync`, `sns:publish`, …
    pub integration: String,
    /// The strings of `Resource` and `Parameters` (marked references, ARNs).
    pub targets: Vec<String>,
    /// `ErrorEquals` lists and attempts of each `Retry` entry.
    pub retries: Vec<(Vec<String>, u32)>,
    /// `ErrorEquals` lists and the state each `Catch` entry goes to.
    pub catches: Vec<(Vec<String>, String)>,
}

/// The task states of a definition, and its timeout.
#[derive(Clone, Debug, Default)]
pub(crate) struct Definition {
    pub tasks: Vec<TaskState>,
    pub timeout_seconds: Option<f64>,
    /// How many states there are in all (every branch), a rough size.
    pub state_count: usize,
}

impl Definition {
    pub fn task(&self, name: &str) -> Option<&TaskState> {
        self.tasks.iter().find(|t| t.name == name)
    }
}

/// Whether a state machine runs Express workflows (`type = "EXPRESS"`; Standard when
/// unset). An Express execution lasts at most 5 minutes and keeps no execution history:
/// only its CloudWatch logs, if any, say what it did.
pub(crate) fn is_express(a: &Analysis, machine: &Block) -> bool {
    a.text(machine, "type").as_deref() == Some("EXPRESS")
}

/// Whether a state machine's CloudWatch logs keep the input of an execution that fails:
/// logging at a level that records failures (`ALL`, `ERROR`, `FATAL`) with
/// `include_execution_data`; `None` when either is not known.
pub(crate) fn logs_keep_input(a: &Analysis, machine: &Block) -> Option<bool> {
    use crate::lint::Setting;
    let level = match a.setting(machine, &["logging_configuration", "level"]) {
        Setting::Unset => return Some(false),
        Setting::Unknown => return None,
        Setting::Known { value, .. } => value.as_str()?.to_string(),
    };
    if level == "OFF" {
        return Some(false);
    }
    match a.setting(
        machine,
        &["logging_configuration", "include_execution_data"],
    ) {
        Setting::Unset => Some(false),
        Setting::Unknown => None,
        Setting::Known { value, .. } => value.as_bool(),
    }
}

/// The definition of a state machine, when it can be read.
pub(crate) fn definition(a: &Analysis, machine: &Block) -> Option<Definition> {
    let doc = a.symbolic_document(&machine.address(), "definition")?;
    let mut out = Definition {
        timeout_seconds: doc.get("TimeoutSeconds").and_then(Value::as_f64),
        ..Definition::default()
    };
    collect_states(&doc, &mut out, 0);
    Some(out)
}

fn collect_states(machine: &Value, out: &mut Definition, depth: usize) {
    if depth > 16 {
        return;
    }
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        out.state_count += 1;
        let ty = state.get("Type").and_then(Value::as_str).unwrap_or("");
        match ty {
            "Task" => out.tasks.push(task(name, state)),
            "Parallel" => {
                for branch in state
                    .get("Branches")
                    .and_then(Value::as_list)
                    .unwrap_or(&[])
                {
                    collect_states(branch, out, depth + 1);
                }
            }
            "Map" => {
                for key in ["ItemProcessor", "Iterator"] {
                    if let Some(inner) = state.get(key) {
                        collect_states(inner, out, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

fn task(name: &str, state: &Value) -> TaskState {
    let resource = state
        .get("Resource")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let integration = integration_of(&resource);
    let mut targets = Vec::new();
    if !resource.contains(":states:::") {
        targets.push(resource.clone());
    }
    if let Some(p) = state.get("Parameters").or_else(|| state.get("Arguments")) {
        analysis::walk_strings(p, &mut |s| targets.push(s.to_string()));
    }
    let errors = |entry: &Value| -> Vec<String> {
        entry
            .get("ErrorEquals")
            .map(analysis::strings)
            .unwrap_or_default()
    };
    let retries = state
        .get("Retry")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            let attempts = r.get("MaxAttempts").and_then(Value::as_f64).unwrap_or(3.0);
            (errors(r), attempts.max(0.0) as u32)
        })
        .collect();
    let catches = state
        .get("Catch")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(|c| {
            let next = c.get("Next").and_then(Value::as_str)?;
            Some((errors(c), next.to_string()))
        })
        .collect();
    TaskState {
        name: name.to_string(),
        integration,
        targets,
        retries,
        catches,
    }
}

/// `arn:aws:states:::lambda:invoke` → `lambda:invoke`; a function ARN → `lambda:invoke`.
fn integration_of(resource: &str) -> String {
    if let Some((_, rest)) = resource.split_once(":states:::") {
        return rest.to_string();
    }
    if resource.contains(":lambda:") || resource.contains("aws_lambda_function.") {
        return "lambda:invoke".into();
    }
    if resource.contains(":activity:") {
        return "activity".into();
    }
    "task".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfstack_model::Origin;

    #[test]
    fn tasks_in_branches_with_their_retries_and_catches() {
        let doc = serde_json::json!({
            "StartAt": "A",
            "TimeoutSeconds": 60,
            "States": {
                "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                      "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f"},
                      "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}],
                      "Next": "P"},
                "P": {"Type": "Parallel", "Branches": [
                    {"StartAt": "B", "States": {"B": {"Type": "Task",
                        "Resource": "arn:aws:states:::ecs:runTask.sync", "End": true}}}
                ], "End": true},
                "H": {"Type": "Fail"}
            }
        });
        let value = Value::from_json(&doc, Origin::GENERATED);
        let mut out = Definition::default();
        collect_states(&value, &mut out, 0);
        assert_eq!(out.state_count, 4);
        assert_eq!(out.tasks.len(), 2);
        let a = out.task("A").expect("A");
        assert_eq!(a.integration, "lambda:invoke");
        assert_eq!(a.targets, vec!["arn:aws:lambda:us-east-1:1:function:f"]);
        assert_eq!(a.retries, vec![(vec!["States.ALL".to_string()], 2)]);
        assert_eq!(
            a.catches,
            vec![(vec!["States.ALL".to_string()], "H".to_string())]
        );
        let b = out.task("B").expect("B");
        assert_eq!(b.integration, "ecs:runTask.sync");
        assert!(b.catches.is_empty());
    }
}
