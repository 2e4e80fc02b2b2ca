//! ECS: container definitions that hide failures or escape to the host.
//!
//! The container definitions are read wherever they are written — `jsonencode([...])`,
//! heredoc JSON, a JSON string, `file()`/`templatefile()` of a JSON file, through locals
//! — with each container keeping the origin of the text that wrote it
//! ([`tfstack_lint_engine::query::policy::json_document_value`]).
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::instances::exists;
use tfstack_lint_engine::query::policy::json_document_value;
use tfstack_model::{Block, Value};

/// One container definition of a task definition.
pub(crate) struct Container {
    /// Its position in `container_definitions`.
    pub index: usize,
    pub definition: Value,
}

impl Container {
    /// `` `web` `` by name, else `#0`.
    pub fn describe(&self) -> String {
        match self
            .definition
            .get_ignore_case("name")
            .and_then(Value::as_str)
        {
            Some(name) => format!("`{name}`"),
            None => format!("#{}", self.index),
        }
    }
    /// `container_definitions[0].<key>`.
    pub fn path(&self, key: &str) -> String {
        format!("container_definitions[{}].{key}", self.index)
    }
}

/// The container definitions of a task definition that exists, when they can be read;
/// containers that cannot be read (unknown elements) are left out.
pub(crate) fn containers(cx: &Context, task: &Block) -> Vec<Container> {
    if !exists(cx, task) {
        return Vec::new();
    }
    let Some(expr) = task.body.get("container_definitions") else {
        return Vec::new();
    };
    let Some(value) = json_document_value(cx, expr) else {
        return Vec::new();
    };
    value
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.as_object().is_some())
        .map(|(index, c)| Container {
            index,
            definition: c.clone(),
        })
        .collect()
}
