use crate::{declare_rule, Finding, Rule};
use tfstack_lint_engine::context::Context;
use tfstack_lint_engine::query::ingress::{ingress_rules, Ingress};
use tfstack_model::{Block, Origin};

declare_rule! {
    /// ## What it does
    /// Flags an ingress rule that lets the whole internet (`0.0.0.0/0` or `::/0`, in any
    /// spelling of the address: `0::/0`, `::0/0`, `0:0:0:0:0:0:0:0/0`) reach
    /// SSH (port 22) or RDP (port 3389): protocol `tcp` (`6`) with a port range that
    /// includes either port, or all protocols (`-1`, `all`). It reads the inline `ingress`
    /// blocks of `aws_security_group` and `aws_default_security_group` (also `dynamic
    /// "ingress"` blocks whose `for_each` it can evaluate, and `ingress = [...]`),
    /// `aws_security_group_rule` with `type = "ingress"`, and
    /// `aws_vpc_security_group_ingress_rule` (`cidr_ipv4`, `cidr_ipv6`).
    ///
    /// ## Why is this bad?
    /// Port 22 and 3389 open to the internet are found by scanners within minutes and
    /// brute-forced from then on; one weak password, leaked key or unpatched daemon gives
    /// a shell on the instance and its IAM role (seed 002, "acceso SSH controlado"). AWS
    /// Systems Manager Session Manager gives a shell without any open port; otherwise
    /// the port should be open only to known addresses.
    ///
    /// The finding points at the open CIDR where it is written (in the resource, a
    /// variable or a local). It deliberately does not flag other ports (databases, HTTP),
    /// sources that are not the whole internet (private ranges, `0.0.0.0/1` halves, other
    /// security groups, prefix lists), egress rules, and rules whose protocol, ports, type
    /// or CIDRs it cannot evaluate (a `dynamic` block over a variable without a value),
    /// nor resources with `count = 0`. RDP over UDP is not checked.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_security_group" "bastion" {
    ///   name   = "bastion"
    ///   vpc_id = aws_vpc.main.id
    ///
    ///   ingress {
    ///     from_port   = 22
    ///     to_port     = 22
    ///     protocol    = "tcp"
    ///     cidr_blocks = ["0.0.0.0/0"]
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_security_group" "bastion" {
    ///   name   = "bastion"
    ///   vpc_id = aws_vpc.main.id
    ///
    ///   ingress {
    ///     from_port   = 22
    ///     to_port     = 22
    ///     protocol    = "tcp"
    ///     cidr_blocks = ["203.0.113.0/24"] # the office VPN
    ///   }
    /// }
    /// ```
    pub struct SecurityGroupOpenAdminPort {
        id: "EC2001",
        name: "security-group-open-admin-port",
        severity: Error,
    }
}

/// Administration ports and what listens on them.
const ADMIN_PORTS: &[(f64, &str)] = &[(22.0, "SSH"), (3389.0, "RDP")];

/// What an ingress rule exposes.
struct Exposure {
    /// (port, service) of the administration ports it opens.
    ports: Vec<(f64, &'static str)>,
    attribute: String,
    cidr: String,
    origin: Origin,
}

impl Rule for SecurityGroupOpenAdminPort {
    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for ingress in ingress_rules(cx) {
            if let Some(exposure) = exposure(&ingress) {
                out.push(finding(ingress.owner, exposure));
            }
        }
    }
}

/// The administration ports an ingress rule opens to everyone, if any.
fn exposure(ingress: &Ingress) -> Option<Exposure> {
    let (attribute, cidr) = ingress.open_cidr()?;
    let ports: Vec<(f64, &str)> = match ingress.protocol()?.as_str() {
        "-1" | "all" => ADMIN_PORTS.to_vec(),
        "tcp" | "6" => {
            let (from, to) = ingress.ports()?;
            ADMIN_PORTS
                .iter()
                .copied()
                .filter(|(port, _)| from <= *port && *port <= to)
                .collect()
        }
        _ => return None,
    };
    if ports.is_empty() {
        return None;
    }
    Some(Exposure {
        ports,
        attribute: format!("{}{attribute}", ingress.path),
        cidr: cidr.as_str().unwrap_or_default().to_string(),
        origin: cidr.origin.or(ingress.origin),
    })
}

fn finding(resource: &Block, exposure: Exposure) -> Finding {
    let what = if resource.is_resource("aws_security_group")
        || resource.is_resource("aws_default_security_group")
    {
        "security group"
    } else {
        "security group rule"
    };
    let ports = exposure
        .ports
        .iter()
        .map(|(port, service)| format!("{service} (port {port})"))
        .collect::<Vec<_>>()
        .join(" and ");
    Finding::new(
        &SecurityGroupOpenAdminPort::META,
        format!(
            "{what} `{}` lets anyone on the internet (`{}`) reach {ports}",
            resource.address(),
            exposure.cidr
        ),
    )
    .at(exposure.origin.or(resource.origin))
    .label("open to the internet")
    .help(
        "allow the port only from known CIDRs or another security group, or reach the \
               instances through SSM Session Manager and close the port",
    )
    .resource(resource.address())
    .attribute(exposure.attribute)
}

#[cfg(test)]
mod tests {
    use tfstack_lint_engine::query::ingress::is_everywhere;
    use crate::testing::{lint_files_with, lint_hcl, render_all};

    const RULE: &str = "EC2001";

    #[test]
    fn every_spelling_of_the_whole_internet() {
        for yes in [
            "0.0.0.0/0",
            "::/0",
            "0::/0",
            "::0/0",
            "0:0:0:0:0:0:0:0/0",
            "0000:0000:0000:0000:0000:0000:0000:0000/0",
            "::ffff:0.0.0.0/0",
            "0.0.0.0/00",
        ] {
            assert!(is_everywhere(yes), "{yes}");
        }
        for no in [
            "0.0.0.0/1",
            "::/1",
            "10.0.0.0/8",
            "0.0.0.0",
            "::",
            "0.0.0.0/",
            "0.0.0.0/+0",
            "0.0.0.0/ 0",
            " 0.0.0.0/0",
            "00.0.0.0/0",
            "::/-0",
            "anywhere/0",
            "",
        ] {
            assert!(!is_everywhere(no), "{no}");
        }
    }

    /// IPv6 spellings other than `::/0` are the whole internet too (they were missed
    /// when CIDRs were compared as strings).
    #[test]
    fn fires_on_ipv6_spellings_of_everywhere() {
        for cidr in ["0::/0", "::0/0", "0:0:0:0:0:0:0:0/0"] {
            let f = lint_hcl(
                RULE,
                &format!(
                    r#"resource "aws_security_group_rule" "ssh" {{
  type              = "ingress"
  security_group_id = "sg-0123456789abcdef0"
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  ipv6_cidr_blocks  = ["{cidr}"]
}}
resource "aws_vpc_security_group_ingress_rule" "rdp" {{
  security_group_id = "sg-0123456789abcdef0"
  ip_protocol       = "tcp"
  from_port         = 3389
  to_port           = 3389
  cidr_ipv6         = "{cidr}"
}}
"#
                ),
            );
            assert_eq!(found(&f).len(), 2, "{cidr}: {f:#?}");
        }
    }

    /// (address, attribute) of each finding.
    fn found(findings: &[tfstack_lint_engine::located::Located]) -> Vec<(String, String)> {
        findings
            .iter()
            .map(|f| {
                (
                    f.resource.clone().unwrap_or_default(),
                    f.attribute.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// `aws_security_group.bastion` with one inline ingress block.
    fn inline(protocol: &str, from: &str, to: &str, cidrs: &str) -> String {
        format!(
            r#"variable "unset" {{}}
resource "aws_security_group" "bastion" {{
  name   = "bastion"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {{
    description = "admin"
    from_port   = {from}
    to_port     = {to}
    protocol    = {protocol}
    {cidrs}
  }}
}}
"#
        )
    }

    #[test]
    fn fires_on_admin_ports_open_to_everyone() {
        let open = r#"cidr_blocks = ["0.0.0.0/0"]"#;
        let cases: &[(&str, String, &str)] = &[
            (
                "ssh",
                inline("\"tcp\"", "22", "22", open),
                "ingress[0].cidr_blocks",
            ),
            (
                "rdp",
                inline("\"tcp\"", "3389", "3389", open),
                "ingress[0].cidr_blocks",
            ),
            (
                "a range over both",
                inline("\"tcp\"", "0", "65535", open),
                "ingress[0].cidr_blocks",
            ),
            (
                "all protocols",
                inline("\"-1\"", "0", "0", open),
                "ingress[0].cidr_blocks",
            ),
            (
                "protocol number",
                inline("\"6\"", "22", "22", open),
                "ingress[0].cidr_blocks",
            ),
            (
                "upper case",
                inline("\"TCP\"", "22", "22", open),
                "ingress[0].cidr_blocks",
            ),
            (
                "ipv6",
                inline("\"tcp\"", "22", "22", r#"ipv6_cidr_blocks = ["::/0"]"#),
                "ingress[0].ipv6_cidr_blocks",
            ),
            (
                "among other CIDRs",
                inline(
                    "\"tcp\"",
                    "22",
                    "22",
                    r#"cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]"#,
                ),
                "ingress[0].cidr_blocks",
            ),
        ];
        for (name, hcl, attribute) in cases {
            let f = lint_hcl(RULE, hcl);
            assert_eq!(
                found(&f),
                [(
                    "aws_security_group.bastion".to_string(),
                    attribute.to_string()
                )],
                "{name}: {f:#?}"
            );
        }
    }

    #[test]
    fn quiet_on_other_ports_sources_or_unknown() {
        let open = r#"cidr_blocks = ["0.0.0.0/0"]"#;
        let cases: &[(&str, String)] = &[
            ("https", inline("\"tcp\"", "443", "443", open)),
            ("udp", inline("\"udp\"", "0", "65535", open)),
            (
                "known range",
                inline("\"tcp\"", "22", "22", r#"cidr_blocks = ["203.0.113.0/24"]"#),
            ),
            (
                "halves of the internet",
                inline(
                    "\"tcp\"",
                    "22",
                    "22",
                    r#"cidr_blocks = ["0.0.0.0/1", "128.0.0.0/1"]"#,
                ),
            ),
            (
                "another security group",
                inline(
                    "\"tcp\"",
                    "22",
                    "22",
                    r#"security_groups = ["sg-0123456789abcdef0"]"#,
                ),
            ),
            (
                "unknown ports",
                inline("\"tcp\"", "var.unset", "var.unset", open),
            ),
            ("unknown protocol", inline("var.unset", "22", "22", open)),
            (
                "unknown CIDRs",
                inline("\"tcp\"", "22", "22", "cidr_blocks = var.unset"),
            ),
            (
                "egress",
                r#"resource "aws_security_group" "web" {
  name = "web"
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#
                .to_string(),
            ),
            (
                "count = 0",
                inline("\"tcp\"", "22", "22", open).replace(
                    "  name   = \"bastion\"",
                    "  count  = 0\n  name   = \"bastion\"",
                ),
            ),
        ];
        for (name, hcl) in cases {
            let f = lint_hcl(RULE, hcl);
            assert!(f.is_empty(), "{name}: {f:#?}");
        }
    }

    #[test]
    fn rule_resources() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = "vpc-0123456789abcdef0"
}
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.app.id
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
}
resource "aws_security_group_rule" "egress_all" {
  type              = "egress"
  security_group_id = aws_security_group.app.id
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
}
resource "aws_vpc_security_group_ingress_rule" "rdp_v6" {
  security_group_id = aws_security_group.app.id
  from_port         = 3389
  to_port           = 3389
  ip_protocol       = "tcp"
  cidr_ipv6         = "::/0"
}
resource "aws_vpc_security_group_ingress_rule" "everything" {
  security_group_id = aws_security_group.app.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.app.id
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_ingress_rule" "ssh_from_vpn" {
  security_group_id = aws_security_group.app.id
  from_port         = 22
  to_port           = 22
  ip_protocol       = "tcp"
  cidr_ipv4         = "10.8.0.0/16"
}
"#,
        );
        let expected: Vec<(String, String)> = [
            ("aws_security_group_rule.ssh", "cidr_blocks"),
            ("aws_vpc_security_group_ingress_rule.rdp_v6", "cidr_ipv6"),
            (
                "aws_vpc_security_group_ingress_rule.everything",
                "cidr_ipv4",
            ),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(found(&f), expected, "{f:#?}");
        assert!(f[2].message.contains("SSH (port 22) and RDP (port 3389)"));
    }

    #[test]
    fn dynamic_blocks_with_variables_and_tfvars() {
        let main = r#"variable "admin_cidrs" {
  type    = list(string)
  default = ["10.8.0.0/16"]
}
locals {
  ingress_rules = {
    https = { port = 443, cidrs = ["0.0.0.0/0"] }
    ssh   = { port = 22, cidrs = var.admin_cidrs }
  }
}
resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = "vpc-0123456789abcdef0"

  dynamic "ingress" {
    for_each = local.ingress_rules
    content {
      description = ingress.key
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidrs
    }
  }
}
"#;
        assert!(lint_hcl(RULE, main).is_empty());
        let f = lint_files_with(
            RULE,
            &[
                ("main.tf", main),
                ("terraform.tfvars", "admin_cidrs = [\"0.0.0.0/0\"]\n"),
            ],
            None,
        );
        assert_eq!(
            found(&f),
            [(
                "aws_security_group.web".to_string(),
                "ingress[1].cidr_blocks".to_string()
            )]
        );
        // The open CIDR is written in the tfvars.
        assert_eq!(f[0].location.path, "terraform.tfvars");
        // A `for_each` it cannot evaluate: quiet.
        let unknown = main.replace("local.ingress_rules", "var.unset_rules");
        let unknown = format!("variable \"unset_rules\" {{}}\n{unknown}");
        assert!(lint_hcl(RULE, &unknown).is_empty());
    }

    #[test]
    fn dynamic_blocks_of_a_group_made_per_key() {
        // Every group of the map opens SSH to the internet through the same rules.
        let groups = |b_port: u16| {
            format!(
                r#"variable "groups" {{
  default = {{
    a = {{ rules = [{{ port = 22, cidr = "0.0.0.0/0" }}] }}
    b = {{ rules = [{{ port = {b_port}, cidr = "0.0.0.0/0" }}] }}
  }}
}}
resource "aws_security_group" "g" {{
  for_each = var.groups
  name     = each.key

  dynamic "ingress" {{
    for_each = each.value.rules
    content {{
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = [ingress.value.cidr]
    }}
  }}
}}
"#
            )
        };
        assert_eq!(
            found(&lint_hcl(RULE, &groups(22))),
            [(
                "aws_security_group.g".to_string(),
                "ingress[0].cidr_blocks".to_string()
            )]
        );
        // The groups' rules differ: each group is judged on its own, and only `a` opens
        // SSH.
        assert_eq!(
            found(&lint_hcl(RULE, &groups(443))),
            [(
                "aws_security_group.g[\"a\"]".to_string(),
                "ingress[0].cidr_blocks".to_string()
            )]
        );
    }

    #[test]
    fn snapshot_diagnostic() {
        let f = lint_hcl(
            RULE,
            r#"resource "aws_security_group" "bastion" {
  name   = "bastion"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "windows_admin" {
  security_group_id = aws_security_group.bastion.id
  from_port         = 3389
  to_port           = 3389
  ip_protocol       = "tcp"
  cidr_ipv6         = "::/0"
}
"#,
        );
        insta::assert_snapshot!(render_all(&f));
    }
}
