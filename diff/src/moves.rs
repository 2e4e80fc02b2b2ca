//! `moved` blocks: a resource renamed with `moved { from = aws_x.old, to = aws_x.new }` is
//! the same object to Terraform, which plans no change for it; so is a resource moved into
//! or out of a module call (`to = module.fanout.aws_x.old`), and every resource of a module
//! call renamed (`from = module.old, to = module.new`). The base version's facts are read
//! under head's addresses before the two are compared, so a move is no change and a change
//! made with it (a dead-letter queue removed from the renamed queue) is compared on the one
//! object.

use std::collections::{BTreeMap, BTreeSet};
use tfstack_model::instances::address_key;
use tfstack_model::{Config, Expr, ExprKind, TraversalOperator};

/// Resources renamed within one module instance, as (from, to) addresses in it
/// (`aws_sqs_queue.jobs`, `aws_sqs_queue.work`).
#[derive(Debug, Default)]
pub(crate) struct Moves(Vec<(String, String)>);

/// What head's `moved` blocks in one module instance say, their addresses relative to
/// that instance. Moves of a resource's single instances (`aws_x.a[0]`) are not read; a
/// module call's are (`from = module.q`, `to = module.q["orders"]`: `for_each` added to
/// the call).
#[derive(Debug, Default)]
pub(crate) struct MovedBlocks {
    /// Resources renamed within the instance.
    pub within: Moves,
    /// Resources moved between module instances, by the module calls (from, to) that lead
    /// from this instance to each (`module.fanout`; empty for this instance itself).
    pub across: BTreeMap<(String, String), Moves>,
    /// Module calls renamed, as (from, to) calls (`module.old`, `module.new`).
    pub calls: Vec<(String, String)>,
}

impl MovedBlocks {
    /// The moves declared in `config`.
    pub fn of(config: &Config) -> MovedBlocks {
        let mut out = MovedBlocks::default();
        for block in config.blocks.iter().filter(|b| b.kind == "moved") {
            let address = |name: &str| {
                block
                    .body
                    .attribute(name)
                    .and_then(|a| moved_address(&a.value))
            };
            let (Some(from), Some(to)) = (address("from"), address("to")) else {
                continue;
            };
            if from == to {
                continue;
            }
            match (from, to) {
                ((from_calls, Some(from)), (to_calls, Some(to))) => {
                    if from_calls.is_empty() && to_calls.is_empty() {
                        out.within.0.push((from, to));
                    } else {
                        let moves = out.across.entry((from_calls, to_calls)).or_default();
                        moves.0.push((from, to));
                    }
                }
                ((from, None), (to, None)) => out.calls.push((from, to)),
                // Terraform moves a resource to a resource and a call to a call only.
                _ => {}
            }
        }
        out
    }
}

/// An address a `moved` block names: the module calls that lead to it from the instance
/// the block is in (`module.a.module.b`, `module.q["orders"]`; empty for that instance) and
/// the resource there (`aws_sqs_queue.q`), `None` for a module call or one of its instances
/// itself. `None` for what is not read: a resource's instance (`aws_x.a[0]`), a data
/// source, an attribute, a key that is not a literal.
fn moved_address(e: &Expr) -> Option<(String, Option<String>)> {
    let t = e.as_traversal()?;
    // The names and keys in order: `module`, `q`, `["orders"]`, `aws_x`, `a`.
    let mut parts: Vec<Part> = vec![Part::Name(t.root.as_str())];
    for o in t.operators.iter() {
        parts.push(match o {
            TraversalOperator::Attribute(a) => Part::Name(a.as_str()),
            TraversalOperator::Index(key) => match &key.kind {
                ExprKind::String(k) => Part::Key(address_key(k.as_str())),
                ExprKind::Number(n) => Part::Key(format!("[{n}]")),
                _ => return None,
            },
            TraversalOperator::LegacyIndex(i) => Part::Key(format!("[{i}]")),
            _ => return None,
        });
    }
    let mut calls: Vec<String> = Vec::new();
    let mut rest = parts.as_slice();
    loop {
        match rest {
            [Part::Name("module"), Part::Name(name), Part::Key(key), tail @ ..] => {
                calls.push(format!("module.{name}{key}"));
                rest = tail;
            }
            [Part::Name("module"), Part::Name(name), tail @ ..] => {
                calls.push(format!("module.{name}"));
                rest = tail;
            }
            _ => break,
        }
    }
    let resource = match rest {
        [] if !calls.is_empty() => None,
        [Part::Name(kind), Part::Name(name)]
            if *kind != "data" && !kind.is_empty() && !name.is_empty() =>
        {
            Some(format!("{kind}.{name}"))
        }
        _ => return None,
    };
    Some((calls.join("."), resource))
}

/// A part of a `moved` address: a name, or an instance key as an address writes it.
enum Part<'t> {
    Name(&'t str),
    Key(String),
}

impl Moves {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a move takes the resource at `address` (`aws_x.a`, or an instance of it,
    /// `aws_x.a[0]`).
    pub fn takes(&self, address: &str) -> bool {
        let block = address.split_once('[').map_or(address, |(block, _)| block);
        self.0.iter().any(|(from, _)| from == block)
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

/// Facts that follow the resources a `moved` block takes into another module instance.
pub(crate) trait Relocate {
    /// The facts about the resources `moves` takes, taken out and read under their new
    /// names.
    fn take_moved(&mut self, moves: &Moves) -> Self;
    /// Adds the facts of resources moved in from another instance.
    fn absorb(&mut self, moved: Self);
}

/// The entries of `map` about a resource `moves` takes (`resource` reads its address from
/// an entry), taken out (under their old names).
pub(crate) fn take_entries<K: Ord, V>(
    map: &mut BTreeMap<K, V>,
    moves: &Moves,
    resource: impl for<'e> Fn(&'e K, &'e V) -> &'e str,
) -> BTreeMap<K, V> {
    let (taken, kept) = std::mem::take(map)
        .into_iter()
        .partition(|(k, v)| moves.takes(resource(k, v)));
    *map = kept;
    taken
}

/// [`take_entries`] for a set.
pub(crate) fn take_members<T: Ord>(
    set: &mut BTreeSet<T>,
    moves: &Moves,
    resource: impl Fn(&T) -> &str,
) -> BTreeSet<T> {
    let (taken, kept) = std::mem::take(set)
        .into_iter()
        .partition(|x| moves.takes(resource(x)));
    *set = kept;
    taken
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
    fn moves_are_read_from_moved_blocks() {
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
moved {
  from = aws_sqs_queue.q
  to   = module.fanout.aws_sqs_queue.q
}
moved {
  from = module.a.module.b.aws_sns_topic.t
  to   = aws_sns_topic.alerts
}
moved {
  from = module.c["k"]
  to   = module.d
}
moved {
  from = data.aws_caller_identity.me
  to   = data.aws_caller_identity.you
}
moved {
  from = module.e
  to   = aws_sqs_queue.e
}
"#;
        let body =
            tfstack_model::load::hcl::parse_body(hcl, tfstack_model::FileId(0)).expect("parses");
        let config = Config {
            blocks: body.blocks().cloned().collect(),
        };
        let m = MovedBlocks::of(&config);
        let pairs = |moves: &Moves| moves.0.clone();
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            pairs(&m.within),
            [pair("aws_sqs_queue.jobs", "aws_sqs_queue.work")]
        );
        let across: Vec<_> = m
            .across
            .iter()
            .map(|(calls, moves)| (calls.clone(), pairs(moves)))
            .collect();
        assert_eq!(
            across,
            [
                (
                    pair("", "module.fanout"),
                    vec![pair("aws_sqs_queue.q", "aws_sqs_queue.q")]
                ),
                (
                    pair("module.a.module.b", ""),
                    vec![pair("aws_sns_topic.t", "aws_sns_topic.alerts")]
                ),
            ]
        );
        // A module call's instance is read (a resource's is not).
        assert_eq!(
            m.calls,
            [
                pair("module.old", "module.new"),
                pair("module.c[\"k\"]", "module.d")
            ]
        );
        assert!(m.within.takes("aws_sqs_queue.jobs[0]"));
        assert!(!m.within.takes("aws_sqs_queue.jobs_dlq"));
    }
}
