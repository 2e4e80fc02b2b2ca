//! `moved` blocks: a resource renamed with `moved { from = aws_x.old, to = aws_x.new }` is
//! the same object to Terraform, which plans no change for it. The base version's facts
//! are read under head's names before the two are compared, so a rename is no change and
//! a change made with it (a dead-letter queue removed from the renamed queue) is compared
//! on the one object.

use tfstack_model::{Config, Expr, TraversalOperator};

/// The resources head renames with `moved` blocks, as (from, to) addresses
/// (`aws_sqs_queue.jobs`, `aws_sqs_queue.work`). Moves of single instances
/// (`aws_x.a[0]`) and of module calls (`module.a`) are not read.
#[derive(Debug, Default)]
pub(crate) struct Moves(Vec<(String, String)>);

impl Moves {
    /// The whole-resource moves declared in `config`.
    pub fn of(config: &Config) -> Moves {
        let mut moves = Vec::new();
        for block in config.blocks.iter().filter(|b| b.kind == "moved") {
            let address = |name: &str| {
                block
                    .body
                    .attribute(name)
                    .and_then(|a| resource_address(&a.value))
            };
            if let (Some(from), Some(to)) = (address("from"), address("to")) {
                if from != to {
                    moves.push((from, to));
                }
            }
        }
        Moves(moves)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every address a move renames written under its new name, or `None`
    /// when it names none. An address is matched whole (`aws_sqs_queue.jobs` in
    /// `${aws_sqs_queue.jobs.arn}` or `module.q["a"].aws_sqs_queue.jobs`, not in
    /// `aws_sqs_queue.jobs_dlq` or `data.aws_sqs_queue.jobs`).
    pub fn renamed(&self, text: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for (from, to) in &self.0 {
            let current = out.as_deref().unwrap_or(text);
            if !current.contains(from.as_str()) {
                continue;
            }
            let mut renamed = String::with_capacity(current.len());
            let mut rest = 0;
            for (at, _) in current.match_indices(from.as_str()) {
                if at < rest || !whole_address(current, at, from.len()) {
                    continue;
                }
                renamed.push_str(&current[rest..at]);
                renamed.push_str(to);
                rest = at + from.len();
            }
            if rest > 0 {
                renamed.push_str(&current[rest..]);
                out = Some(renamed);
            }
        }
        out
    }
}

/// `aws_x.name` of a traversal naming a whole resource (no index, no attribute read).
fn resource_address(e: &Expr) -> Option<String> {
    let t = e.as_traversal()?;
    if t.root == "data" || t.root == "module" || t.operators.len() != 1 {
        return None;
    }
    match &t.operators[0] {
        TraversalOperator::Attribute(name) => t.resource_address().filter(|_| !name.is_empty()),
        _ => None,
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Whether `text[at..at + len]` is an address on its own: not part of a longer name, and
/// after a `.` only when a module instance's address comes before it.
fn whole_address(text: &str, at: usize, len: usize) -> bool {
    if text[at + len..].chars().next().is_some_and(is_name_char) {
        return false;
    }
    let before = &text[..at];
    match before.chars().next_back() {
        None => true,
        Some('.') => is_module_address(&before[..before.len() - 1]),
        Some(c) => !is_name_char(c),
    }
}

/// Whether `text` ends with a module instance's address (`module.q`, `module.q["a"]`,
/// `module.a.module.b[0]`).
fn is_module_address(text: &str) -> bool {
    let text = match text.strip_suffix(']') {
        Some(open) => match open.rfind('[') {
            Some(i) => &open[..i],
            None => return false,
        },
        None => text,
    };
    let name_start = text
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    name_start > 0 && text[..name_start].ends_with("module.")
}

/// What can be read under head's names.
pub(crate) trait Rename {
    fn rename(&mut self, moves: &Moves);
}

impl Rename for String {
    fn rename(&mut self, moves: &Moves) {
        if let Some(renamed) = moves.renamed(self) {
            *self = renamed;
        }
    }
}

impl Rename for &'static str {
    fn rename(&mut self, _: &Moves) {}
}

impl<T: Rename> Rename for Vec<T> {
    fn rename(&mut self, moves: &Moves) {
        self.iter_mut().for_each(|x| x.rename(moves));
    }
}

impl<T: Rename> Rename for Option<T> {
    fn rename(&mut self, moves: &Moves) {
        if let Some(x) = self {
            x.rename(moves);
        }
    }
}

impl<T: Rename + Ord> Rename for std::collections::BTreeSet<T> {
    fn rename(&mut self, moves: &Moves) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|mut x| {
                x.rename(moves);
                x
            })
            .collect();
    }
}

impl<K: Rename + Ord, V: Rename> Rename for std::collections::BTreeMap<K, V> {
    fn rename(&mut self, moves: &Moves) {
        *self = std::mem::take(self)
            .into_iter()
            .map(|(mut k, mut v)| {
                k.rename(moves);
                v.rename(moves);
                (k, v)
            })
            .collect();
    }
}

impl<A: Rename, B: Rename> Rename for (A, B) {
    fn rename(&mut self, moves: &Moves) {
        self.0.rename(moves);
        self.1.rename(moves);
    }
}

impl<A: Rename, B: Rename, C: Rename> Rename for (A, B, C) {
    fn rename(&mut self, moves: &Moves) {
        self.0.rename(moves);
        self.1.rename(moves);
        self.2.rename(moves);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moves(pairs: &[(&str, &str)]) -> Moves {
        Moves(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn whole_addresses_are_renamed_and_nothing_else() {
        let m = moves(&[("aws_sqs_queue.jobs", "aws_sqs_queue.work")]);
        let renamed = |t: &str| m.renamed(t);
        assert_eq!(
            renamed("aws_sqs_queue.jobs").as_deref(),
            Some("aws_sqs_queue.work")
        );
        assert_eq!(
            renamed("${aws_sqs_queue.jobs.arn}, aws_sqs_queue.jobs[\"a\"]").as_deref(),
            Some("${aws_sqs_queue.work.arn}, aws_sqs_queue.work[\"a\"]")
        );
        assert_eq!(
            renamed("module.q[\"a\"].aws_sqs_queue.jobs").as_deref(),
            Some("module.q[\"a\"].aws_sqs_queue.work")
        );
        assert_eq!(
            renamed("queue `aws_sqs_queue.jobs` has no dead-letter queue").as_deref(),
            Some("queue `aws_sqs_queue.work` has no dead-letter queue")
        );
        for untouched in [
            "aws_sqs_queue.jobs_dlq",
            "data.aws_sqs_queue.jobs",
            "xaws_sqs_queue.jobs",
            "aws_sns_topic.aws_sqs_queue.jobs",
            "main.tf:3",
        ] {
            assert_eq!(renamed(untouched), None, "{untouched}");
        }
    }

    #[test]
    fn a_resource_renamed_with_a_moved_block_is_compared_as_one() {
        use crate::testing::{changes, diff_hcl, kinds};
        let base = r#"
resource "aws_sqs_queue" "dlq" {
  name                      = "jobs-dlq"
  message_retention_seconds = 1209600
}
resource "aws_sqs_queue" "jobs" {
  name           = "jobs"
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 })
}
resource "aws_iam_role_policy" "worker" {
  role   = "worker"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "logs:*", Resource = "*" }] })
}
"#;
        let moved = |text: &str| {
            text.replace("\"aws_iam_role_policy\" \"worker\"", "\"aws_iam_role_policy\" \"app\"")
                .replace("\"aws_sqs_queue\" \"jobs\"", "\"aws_sqs_queue\" \"work\"")
                + "moved {\n  from = aws_iam_role_policy.worker\n  to   = aws_iam_role_policy.app\n}\n\
                   moved {\n  from = aws_sqs_queue.jobs\n  to   = aws_sqs_queue.work\n}\n"
        };
        let report = diff_hcl(base, &moved(base));
        assert!(report.is_empty(), "{}", report.render(crate::Format::Human));
        // Without the moved blocks, Terraform replaces them: a new policy.
        let renamed_only = moved(base);
        let renamed_only = &renamed_only[..renamed_only.find("moved {").expect("moved")];
        let report = diff_hcl(base, renamed_only);
        assert!(
            kinds(&report).contains(&("policy_added", "aws_iam_role_policy.app".into())),
            "{:?}",
            kinds(&report)
        );
        // A dead-letter queue removed with the rename: the one queue lost it.
        let head = moved(base).replace(
            "  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 })\n",
            "",
        );
        let report = diff_hcl(base, &head);
        assert_eq!(
            kinds(&report),
            [("failure_handling_removed", "aws_sqs_queue.work".into())]
        );
        assert_eq!(changes(&report).len(), 1);
        let introduced = &report.modules[0].findings.introduced;
        assert_eq!(introduced.len(), 1, "{introduced:?}");
        assert_eq!(introduced[0].rule, "DLQ001");
        assert!(
            report.modules[0].findings.fixed.is_empty(),
            "{}",
            report.render(crate::Format::Human)
        );
    }

    #[test]
    fn whole_resource_moves_are_read_from_moved_blocks() {
        let hcl = r#"
moved {
  from = aws_sqs_queue.jobs
  to   = aws_sqs_queue.work
}
moved {
  from = aws_sqs_queue.a[0]
  to   = aws_sqs_queue.a["x"]
}
moved {
  from = module.old
  to   = module.new
}
"#;
        let body =
            tfstack_model::load::hcl::parse_body(hcl, tfstack_model::FileId(0)).expect("parses");
        let config = Config {
            blocks: body.blocks().cloned().collect(),
        };
        let m = Moves::of(&config);
        assert_eq!(
            m.0,
            [(
                "aws_sqs_queue.jobs".to_string(),
                "aws_sqs_queue.work".to_string()
            )]
        );
    }
}
