//! Code generation for tfstack. The binary (`cargo run -p xtask -- …`) is a thin front end.

pub mod gen_l1;
pub mod module_cycles;
