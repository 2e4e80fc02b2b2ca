//! APIGW: API Gateway stages that change production behind the team's back.
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::references::referenced_blocks;
use tfstack_model::Expr;

/// What a `rest_api_id` designates: a REST API of the module, or a known ID.
pub(crate) fn rest_api_key(cx: &Context, expr: &Expr) -> Option<String> {
    if let Some(api) = referenced_blocks(cx, expr, "aws_api_gateway_rest_api").first() {
        return Some(api.address());
    }
    cx.value(expr).as_str().map(str::to_string)
}
