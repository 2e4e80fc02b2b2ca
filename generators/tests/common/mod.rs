//! IR samples shared by the HCL tests.
#![allow(dead_code)]

use tfstack_model::*;

pub fn s(v: &str) -> Expr {
    Expr::string(v)
}

pub fn lit(v: &str) -> TemplatePart {
    TemplatePart::Literal(v.into())
}

pub fn interp(e: Expr) -> TemplatePart {
    TemplatePart::Interpolation(e)
}

pub fn heredoc(text: &str, indented: bool) -> Expr {
    Expr::new(ExprKind::Template(Box::new(Template {
        parts: thin_vec![lit(text)],
        heredoc: Some(Box::new(Heredoc {
            delimiter: "EOT".into(),
            indented,
        })),
    })))
}

pub fn traversal(root: &str, ops: Vec<TraversalOperator>) -> Expr {
    Expr::new(ExprKind::Traversal(std::sync::Arc::new(Traversal {
        operators: ops.into(),
        ..Traversal::new(root, &[])
    })))
}

pub fn labels(ls: &[&str]) -> Vec<String> {
    ls.iter().map(|l| l.to_string()).collect()
}

/// A representative file: aligned attributes, nested blocks, objects with quoted keys,
/// heredocs, `jsonencode`, templates and escapes.
pub fn representative() -> Vec<Block> {
    let bucket = Block::new("resource", labels(&["aws_s3_bucket", "site"]))
        .attr("bucket", s("example-site"))
        .attr("force_destroy", true)
        .attr(
            "tags",
            Expr::object(vec![
                ("Name", s("site")),
                ("Environment", Expr::var("env")),
                ("cost-center", s("web")),
            ]),
        );

    let lambda = Block::new("resource", labels(&["aws_lambda_function", "api"]))
        .attr("function_name", s("api-handler"))
        .attr("role", Expr::reference("aws_iam_role", &["api", "arn"]))
        .attr("handler", s("index.handler"))
        .attr("runtime", s("nodejs20.x"))
        .attr("filename", Expr::module_path("build/api.zip"))
        .attr("memory_size", 256)
        .attr("timeout", 10.5)
        .attr(
            "description",
            s("literal ${x} and %{y}, \"quoted\" and \\ backslash"),
        )
        .block(Block::new("environment", vec![]).attr(
            "variables",
            Expr::object(vec![
                (
                    "TABLE",
                    Expr::reference("aws_dynamodb_table", &["t", "name"]),
                ),
                ("Content-Type", s("application/json")),
                ("LOG_LEVEL", s("info")),
            ]),
        ))
        .block(Block::new("tracing_config", vec![]).attr("mode", s("Active")))
        .attr("layers", Expr::tuple(vec![]))
        .block(Block::new("lifecycle", vec![]));

    let policy = Expr::call(
        "jsonencode",
        vec![Expr::object(vec![
            ("Version", s("2012-10-17")),
            (
                "Statement",
                Expr::tuple(vec![Expr::object(vec![
                    ("Effect", s("Allow")),
                    (
                        "Action",
                        Expr::tuple(vec![s("s3:GetObject"), s("s3:PutObject")]),
                    ),
                    (
                        "Resource",
                        Expr::template(vec![
                            interp(Expr::reference("aws_s3_bucket", &["site", "arn"])),
                            lit("/*"),
                        ]),
                    ),
                ])]),
            ),
        ])],
    );
    let role_policy = Block::new("resource", labels(&["aws_iam_role_policy", "api"]))
        .attr("name", s("api"))
        .attr("role", Expr::reference("aws_iam_role", &["api", "id"]))
        .attr("policy", policy);

    let assume = Block::new("resource", labels(&["aws_iam_role", "api"]))
        .attr("name", s("api"))
        .attr(
            "assume_role_policy",
            heredoc(
                "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Action\": \"sts:AssumeRole\", \"Principal\": {\"Service\": \"lambda.amazonaws.com\"}, \"Effect\": \"Allow\"}\n  ]\n}\n",
                false,
            ),
        )
        .attr("path", s("/"));

    let user_data = Block::new("resource", labels(&["aws_instance", "web"]))
        .attr("ami", Expr::var("ami"))
        .attr(
            "user_data",
            Expr::new(ExprKind::Template(Box::new(Template {
                parts: thin_vec![
                    lit("#!/bin/bash\necho \"${HOME}\" > /tmp/home\necho "),
                    interp(Expr::var("greeting")),
                    lit("\n"),
                ],
                heredoc: Some(Box::new(Heredoc {
                    delimiter: "EOF".into(),
                    indented: true,
                })),
            }))),
        )
        .attr("instance_type", s("t3.micro"))
        .attr(
            "vpc_security_group_ids",
            Expr::tuple(vec![Expr::reference("aws_security_group", &["web", "id"])]),
        );

    let variable = Block::new("variable", labels(&["env"]))
        .attr("type", s("string"))
        .attr("default", s("dev"))
        .attr("description", s("Deployment environment"));

    let locals = Block::new("locals", vec![])
        .attr("name", Expr::template(vec![interp(Expr::var("env"))]))
        .attr(
            "prefix",
            Expr::template(vec![
                interp(Expr::var("env")),
                lit("-"),
                interp(Expr::local("app")),
            ]),
        )
        .attr(
            "is_prod",
            Expr::binary(Expr::var("env"), BinaryOperator::Eq, s("prod")),
        )
        .attr(
            "size",
            Expr::conditional(Expr::local("is_prod"), Expr::int(3), Expr::int(1)),
        )
        .attr(
            "subnets",
            Expr::tuple(vec![
                Expr::object(vec![("cidr", s("10.0.1.0/24")), ("az", s("eu-west-1a"))]),
                Expr::object(vec![("cidr", s("10.0.2.0/24")), ("az", s("eu-west-1b"))]),
            ]),
        )
        .attr(
            "all_ids",
            traversal(
                "aws_subnet",
                vec![
                    TraversalOperator::Attribute("private".into()),
                    TraversalOperator::FullSplat,
                    TraversalOperator::Attribute("id".into()),
                ],
            ),
        )
        .attr(
            "merged",
            Expr::call(
                "merge",
                vec![Expr::var("tags"), Expr::object(vec![("Owner", s("team"))])],
            ),
        )
        .attr(
            "names",
            Expr::new(ExprKind::Opaque("[for s in var.subnets : s.name]".into())),
        )
        .attr("unicode", s("héllo 日本 ✓"));

    let output = Block::new("output", labels(&["url"]))
        .attr(
            "value",
            Expr::template(vec![
                lit("https://"),
                interp(Expr::reference(
                    "aws_s3_bucket",
                    &["site", "bucket_regional_domain_name"],
                )),
            ]),
        )
        .attr("sensitive", false);

    vec![
        variable,
        locals,
        bucket,
        lambda,
        assume,
        role_policy,
        user_data,
        output,
    ]
}
pub mod gen;
