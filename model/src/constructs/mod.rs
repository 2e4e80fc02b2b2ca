//! L2 constructs: typed building blocks with secure defaults, on top of the L1 resources.

pub mod alarm;
pub mod authorizer;
pub mod backend;
pub mod bucket;
pub mod cache;
pub mod cognito;
pub mod distribution;
pub mod domain;
pub mod ecs;
pub mod events;
pub mod function;
pub mod http_api;
pub mod iam;
pub mod kms;
pub mod log_group;
pub mod metric_math;
pub mod module;
pub mod naming;
pub mod network;
pub mod queue;
pub mod repository;
pub mod rest_api;
pub mod secret;
pub mod stack;
pub mod stack_set;
pub mod state_machine;
pub mod table;
pub mod topic;
pub mod vpc;
pub mod waf;

pub use alarm::{Alarm, AlarmBuilder, Comparison, Dashboard, DashboardBuilder, Metric};
pub use authorizer::{Authorization, Authorizer};
pub use backend::S3Backend;
pub use bucket::{Bucket, BucketBuilder, BucketEncryption, Lifecycle, StorageClass};
pub use cache::{CacheCluster, CacheClusterBuilder};
pub use cognito::{UserPool, UserPoolBuilder, UserPoolClient, UserPoolClientBuilder};
pub use distribution::{Distribution, DistributionBuilder};
pub use domain::{subdomain, Certificate, CertificateBuilder, HostedZone};
pub use ecs::{Cluster, FargateTask, FargateTaskBuilder};
pub use events::{EventBus, EventBusBuilder, Pipe, RetryPolicy, Rule, RuleBuilder, Schedule};
pub use function::{
    Architecture, Code, CodeFile, DeadLetterTarget, Function, FunctionBuilder, Runtime,
};
pub use http_api::{
    Cors, HttpApi, HttpApiBuilder, HttpAuthorization, HttpAuthorizer, HttpAuthorizerKind,
};
pub use iam::{Grantee, Role};
// `Key` is the DynamoDB key attribute (table.rs); the KMS key is `KmsKey` here.
pub use kms::{Key as KmsKey, KeyBuilder as KmsKeyBuilder};
pub use log_group::LogGroup;
pub use metric_math::{ExpressionAlarm, ExpressionAlarmBuilder};
pub use queue::{Queue, QueueBuilder, QueueEncryption};
pub use repository::{Repository, RepositoryBuilder};
pub use rest_api::{
    ApiResource, ExecutionLogLevel, Integration, Method, MethodBuilder, RestApi, RestApiBuilder,
    RestApiCors, RestAuthorization, RestAuthorizer, RestAuthorizerKind,
};
pub use secret::{Secret, SecretBuilder};
pub use stack::{
    AwsContext, Provider, ResourceRef, Stack, StackFile, StackOutput, Suppression, SynthError,
};
pub use stack_set::{dependency_order, CrossStackReferences, StackSet, StackSetOutput};
pub use state_machine::{
    Catch, Choice, Condition, Definition, Fail, Parallel, Pass, Retry, State, StateMachine,
    StateMachineBuilder, Succeed, Task, Wait,
};
pub use table::{BillingMode, Key, KeyType, StreamSubscription, StreamView, Table, TableBuilder};
pub use topic::{Subscription, Topic, TopicBuilder, TopicEncryption};
pub use vpc::{SecurityGroup, Vpc, VpcBuilder};
pub use waf::{WafScope, WebAcl, WebAclBuilder};
