//! Generators: the IR printed as Terraform HCL (byte-identical to `terraform fmt`).

pub mod diagram;
pub mod hcl;
pub mod tffmt;

pub use hcl::{align_like_terraform_fmt, render_blocks, render_expr, render_file};
pub use tffmt::indent_and_align_like_terraform_fmt;
