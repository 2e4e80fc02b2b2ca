//! A typed stack of exactly N resources for timing `synth`: services of a DynamoDB table
//! and a function with read/write grants, routed from a shared HTTP API (with its role,
//! log group, integration, route and permission per function), topped up with log groups
//! written as L1 resources.

use std::path::{Path, PathBuf};
use tfstack::model::constructs::Stack;
use tfstack::model::environment::Environment;
use tfstack::model::l1::resources::CloudwatchLogGroup;
use tfstack::prelude::*;

/// How the stack is made up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub services: usize,
    pub log_groups: usize,
}

/// Declares the stack's resources.
pub fn define(stack: &Stack, shape: Shape, code: &Path) {
    // An API needs at least one route.
    let api = (shape.services > 0).then(|| HttpApi::new(stack, "bench_api").build());
    for i in 0..shape.services {
        let table = Table::new(stack, &format!("items_{i:05}"), Key::string("pk"))
            .sort_key(Key::string("sk"))
            .build();
        let function = Function::new(
            stack,
            &format!("handler_{i:05}"),
            Runtime::Python312,
            "app.handler",
            Code::directory(code),
        )
        .memory_mb(256)
        .timeout_seconds(10)
        .env("TABLE_NAME", table.name())
        .build();
        table.grant_read_write(&function);
        if let Some(api) = &api {
            api.route(&format!("POST /items/{i}"), &function);
        }
    }
    for i in 0..shape.log_groups {
        stack.add(
            &format!("audit_{i:05}"),
            CloudwatchLogGroup::new()
                .name(format!("/bench/audit/{i:05}"))
                .retention_in_days(30),
        );
    }
}

/// The environment the stack is synthesized for.
pub fn environment() -> Environment {
    Environment::prod()
}

/// Resources (`resource` and `data` blocks) a shape produces.
pub fn count(shape: Shape, code: &Path) -> usize {
    let stack = Stack::new("probe", environment());
    define(&stack, shape, code);
    match stack.finish() {
        Ok(out) => out
            .config
            .blocks
            .iter()
            .filter(|b| b.kind == "resource" || b.kind == "data")
            .count(),
        Err(errors) => {
            eprintln!("probe stack failed: {errors:?}");
            0
        }
    }
}

/// The shape with exactly `resources` resources (about one service per 10), from the
/// counts of small probe stacks (each service adds the same number of resources).
pub fn shape_for(resources: usize, code: &Path) -> Shape {
    let base = count(
        Shape {
            services: 0,
            log_groups: 0,
        },
        code,
    );
    let one = count(
        Shape {
            services: 1,
            log_groups: 0,
        },
        code,
    );
    let two = count(
        Shape {
            services: 2,
            log_groups: 0,
        },
        code,
    );
    let per_service = two.saturating_sub(one).max(1);
    let services = if resources < one {
        0
    } else {
        1 + (resources - one) / per_service
    };
    let with_services = if services == 0 {
        base
    } else {
        one + (services - 1) * per_service
    };
    Shape {
        services,
        log_groups: resources.saturating_sub(with_services),
    }
}

/// A directory with a tiny handler to package (created once under the temp folder).
pub fn code_directory() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("tfstack-synth-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("app.py"),
        "import os\n\n\ndef handler(event, context):\n    return {\"statusCode\": 200, \"body\": os.environ[\"TABLE_NAME\"]}\n",
    )?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_reaches_exactly_n() {
        let code = code_directory().expect("temp dir");
        for n in [5, 100, 237] {
            let shape = shape_for(n, &code);
            assert_eq!(count(shape, &code), n, "{shape:?}");
        }
        let _ = std::fs::remove_dir_all(code);
    }
}
