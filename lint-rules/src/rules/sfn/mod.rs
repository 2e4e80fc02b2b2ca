//! SFN: Step Functions state machines whose executions leave no trace.

pub mod state_machine_without_logging;
