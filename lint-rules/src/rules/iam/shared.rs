//! IAM: policy documents that grant more than they need — every action, every resource,
//! every principal.
//!
//! The rules read [`tfstack_lint_engine::context::Context::policies`], so they judge a policy the same
//! way whether it is written with `jsonencode`, as heredoc JSON, in a JSON file read with
//! `file()`/`templatefile()`, as an `aws_iam_policy_document` data source or as a
//! standalone JSON file.
//!
//! Where a finding inside a document goes (shared by the family):
//!
//! - `resource`: the block the offending text is written in — the data source for an
//!   `aws_iam_policy_document`, the resource whose attribute holds the JSON, `None` for a
//!   standalone JSON file;
//! - `attribute`: for a data source the HCL path `statement[i].actions` (`i` counts the
//!   statements the data source produces, `dynamic "statement"` blocks expanded in place);
//!   for JSON held by an attribute, that attribute and the JSON path
//!   (`policy.Statement[0].Action`); for a standalone file the JSON path alone;
//! - origin: the offending element's own origin (a list element, a key), else the
//!   statement's, else the document's.
use tfstack_lint_engine::query::policy::{PolicyDoc, StatementView};
use tfstack_model::Origin;

/// A field of a statement, as IAM JSON and `aws_iam_policy_document` name it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field {
    Action,
    NotAction,
    Resource,
    Principal,
    Sid,
}

impl Field {
    fn json_key(self) -> &'static str {
        match self {
            Field::Action => "Action",
            Field::NotAction => "NotAction",
            Field::Resource => "Resource",
            Field::Principal => "Principal",
            Field::Sid => "Sid",
        }
    }
    fn hcl_name(self) -> &'static str {
        match self {
            Field::Action => "actions",
            Field::NotAction => "not_actions",
            Field::Resource => "resources",
            Field::Principal => "principals",
            Field::Sid => "sid",
        }
    }
}

/// The attribute path of one field of one statement (see the module docs).
pub(crate) fn attribute_path(doc: &PolicyDoc, statement: &StatementView, field: Field) -> String {
    match (&doc.resource, &doc.attribute) {
        // Only `aws_iam_policy_document` data sources are owned without an attribute.
        (Some(_), None) => format!("statement[{}].{}", statement.index, field.hcl_name()),
        (_, Some(attribute)) => {
            format!("{attribute}.{}.{}", statement.path(), field.json_key())
        }
        (None, None) => format!("{}.{}", statement.path(), field.json_key()),
    }
}

/// The most precise origin known: the element's, else the statement's, else the
/// document's.
pub(crate) fn element_origin(
    element: Origin,
    statement: &StatementView,
    doc: &PolicyDoc,
) -> Origin {
    element.or(statement.origin).or(doc.origin)
}
