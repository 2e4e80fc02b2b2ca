//! DDB: DynamoDB tables whose data cannot be brought back.

pub mod dynamodb_without_pitr;
