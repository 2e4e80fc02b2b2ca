//! CACHE: ElastiCache data stored or sent in clear.

pub mod elasticache_without_encryption;
