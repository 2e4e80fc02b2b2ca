//! EC2: security groups that expose administration ports to the internet.

pub mod security_group_open_admin_port;
