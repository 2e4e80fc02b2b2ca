//! DLQ: messages and events that are lost when processing fails, because nothing catches
//! them (no dead-letter queue, no on-failure destination).

pub mod eventbridge_target_without_dlq;
pub mod lambda_async_without_dlq;
pub mod sns_subscription_without_dlq;
pub mod sqs_queue_without_dlq;
pub mod stream_mapping_without_failure_destination;
