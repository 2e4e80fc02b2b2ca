//! `UserPool`: a Cognito user pool and its app clients, for the JWT and Cognito authorizers
//! of [`super::HttpApi`] and [`super::RestApi`].
//!
//! Secure defaults: users sign in with their e-mail address (verified, case-insensitive);
//! only administrators create users unless `.self_sign_up()`; passwords of at least 12
//! characters with every character class, temporary passwords valid 3 days, the last 5
//! not reused; TOTP multi-factor authentication offered (`.mfa_required()` makes it
//! mandatory); account recovery through the verified e-mail only; deletion protection in
//! production. Clients are public (no secret: a browser or mobile app cannot keep one),
//! sign in with SRP (the password never leaves the client), hide whether a user exists,
//! revoke refresh tokens on sign-out, and issue 60-minute access and ID tokens and 30-day
//! refresh tokens.
//!
//! ```ignore
//! let users = UserPool::new(stack, "users").build();
//! let web = users.client("web").build();
//! let auth = api.cognito_authorizer("users", &users, &[&web]);   // HttpApi: JWT
//! users.grant_manage_users(&admin_function);
//! ```

use super::iam::Grantee;
use super::naming::camel;
use super::stack::{ResourceRef, Stack};
use crate::ir::{Expr, TemplatePart};
use crate::l1::resources::{
    CognitoUserPool, CognitoUserPoolAccountRecoverySetting,
    CognitoUserPoolAccountRecoverySettingRecoveryMechanism, CognitoUserPoolAdminCreateUserConfig,
    CognitoUserPoolClient, CognitoUserPoolClientTokenValidityUnits, CognitoUserPoolPasswordPolicy,
    CognitoUserPoolSoftwareTokenMfaConfiguration, CognitoUserPoolUsernameConfiguration,
};
use crate::origin::RustLocation;

/// A user pool under construction.
#[must_use = "call .build() to declare the user pool"]
pub struct UserPoolBuilder {
    stack: Stack,
    id: String,
    self_sign_up: bool,
    mfa_required: bool,
    password_minimum_length: i64,
    location: RustLocation,
}

/// A declared user pool.
#[derive(Clone, Debug)]
pub struct UserPool {
    stack: Stack,
    id: String,
    resource: ResourceRef,
}

/// An app client under construction.
#[must_use = "call .build() to declare the client"]
pub struct UserPoolClientBuilder {
    pool: UserPool,
    id: String,
    callback_urls: Vec<String>,
    logout_urls: Vec<String>,
    access_token_minutes: i64,
    refresh_token_days: i64,
    location: RustLocation,
}

/// A declared app client.
#[derive(Clone, Debug)]
pub struct UserPoolClient {
    resource: ResourceRef,
}

impl UserPool {
    /// A user pool `id` (its name is `<prefix>-<env>-<id>`).
    #[track_caller]
    #[allow(clippy::new_ret_no_self)]
    pub fn new(stack: &Stack, id: &str) -> UserPoolBuilder {
        UserPoolBuilder {
            stack: stack.clone(),
            id: id.to_string(),
            self_sign_up: false,
            mfa_required: false,
            password_minimum_length: 12,
            location: RustLocation::caller(),
        }
    }

    pub fn id(&self) -> Expr {
        self.resource.id()
    }
    pub fn arn(&self) -> Expr {
        self.resource.arn()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`: the `iss` of its tokens.
    pub fn issuer_url(&self) -> Expr {
        Expr::template(vec![
            TemplatePart::Literal("https://".into()),
            TemplatePart::Interpolation(self.resource.attr("endpoint")),
        ])
    }

    /// An app client `id` of this pool.
    #[track_caller]
    pub fn client(&self, id: &str) -> UserPoolClientBuilder {
        UserPoolClientBuilder {
            pool: self.clone(),
            id: id.to_string(),
            callback_urls: Vec::new(),
            logout_urls: Vec::new(),
            access_token_minutes: 60,
            refresh_token_days: 30,
            location: RustLocation::caller(),
        }
    }

    /// Lets `grantee` create, read, update, disable, enable and delete users, and list them.
    #[track_caller]
    pub fn grant_manage_users(&self, grantee: &impl Grantee) {
        let location = RustLocation::caller();
        let role = grantee.grantee_role();
        if !role.stack.check_same_stack(&self.resource, location) {
            return;
        }
        role.allow_at(
            &format!("Manage{}Users", camel(&self.id)),
            &[
                "cognito-idp:AdminCreateUser",
                "cognito-idp:AdminDeleteUser",
                "cognito-idp:AdminDisableUser",
                "cognito-idp:AdminEnableUser",
                "cognito-idp:AdminGetUser",
                "cognito-idp:AdminUpdateUserAttributes",
                "cognito-idp:ListUsers",
            ],
            vec![self.arn()],
            location,
        );
    }
}

impl UserPoolBuilder {
    /// Anyone may sign up (and must verify their e-mail address); by default only
    /// administrators create users.
    pub fn self_sign_up(mut self) -> Self {
        self.self_sign_up = true;
        self
    }
    /// Every user must set up TOTP multi-factor authentication (default: offered).
    pub fn mfa_required(mut self) -> Self {
        self.mfa_required = true;
        self
    }
    /// Minimum password length (8–99; default 12).
    pub fn password_minimum_length(mut self, length: i64) -> Self {
        self.password_minimum_length = length;
        self
    }

    pub fn build(self) -> UserPool {
        let stack = &self.stack;
        let loc = self.location;
        if !(8..=99).contains(&self.password_minimum_length) {
            stack.error(
                loc,
                format!(
                    "minimum password length {} is outside Cognito's 8–99",
                    self.password_minimum_length
                ),
                Some("12 or more is what NIST and AWS advise"),
            );
        }
        let name = stack.physical_name(&self.id);
        let pool = CognitoUserPool::new(name.as_str())
            .username_attributes(vec!["email"])
            .auto_verified_attributes(vec!["email"])
            .username_configuration(
                CognitoUserPoolUsernameConfiguration::new().case_sensitive(false),
            )
            .password_policy(
                CognitoUserPoolPasswordPolicy::new()
                    .minimum_length(self.password_minimum_length)
                    .require_lowercase(true)
                    .require_numbers(true)
                    .require_symbols(true)
                    .require_uppercase(true)
                    .temporary_password_validity_days(3)
                    .password_history_size(5),
            )
            .mfa_configuration(if self.mfa_required { "ON" } else { "OPTIONAL" })
            .software_token_mfa_configuration(CognitoUserPoolSoftwareTokenMfaConfiguration::new(
                true,
            ))
            .account_recovery_setting(
                CognitoUserPoolAccountRecoverySetting::new().recovery_mechanism(
                    CognitoUserPoolAccountRecoverySettingRecoveryMechanism::new(
                        "verified_email",
                        1,
                    ),
                ),
            )
            .admin_create_user_config(
                CognitoUserPoolAdminCreateUserConfig::new()
                    .allow_admin_create_user_only(!self.self_sign_up),
            )
            .deletion_protection(if stack.is_production() {
                "ACTIVE"
            } else {
                "INACTIVE"
            });
        let resource = stack.declare_typed(&self.id, pool, loc);
        UserPool {
            stack: stack.clone(),
            id: self.id,
            resource,
        }
    }
}

impl UserPoolClient {
    /// The client ID: the `aud` of its ID tokens, the `client_id` of its access tokens.
    pub fn id(&self) -> Expr {
        self.resource.id()
    }
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
}

impl UserPoolClientBuilder {
    /// Signs users in through the hosted UI with the authorization code flow (PKCE), back to
    /// `callback_urls` (HTTPS, or `http://localhost`); the pool then needs a domain.
    pub fn authorization_code_flow(mut self, callback_urls: &[&str], logout_urls: &[&str]) -> Self {
        self.callback_urls = callback_urls.iter().map(|s| s.to_string()).collect();
        self.logout_urls = logout_urls.iter().map(|s| s.to_string()).collect();
        self
    }
    /// Lifetime of access and ID tokens (5–1440 minutes; default 60).
    pub fn access_token_minutes(mut self, minutes: i64) -> Self {
        self.access_token_minutes = minutes;
        self
    }
    /// Lifetime of refresh tokens (1–3650 days; default 30).
    pub fn refresh_token_days(mut self, days: i64) -> Self {
        self.refresh_token_days = days;
        self
    }

    pub fn build(self) -> UserPoolClient {
        let stack = &self.pool.stack;
        let loc = self.location;
        if !(5..=1440).contains(&self.access_token_minutes) {
            stack.error(
                loc,
                format!(
                    "access token lifetime of {} minutes is outside Cognito's 5–1440",
                    self.access_token_minutes
                ),
                None,
            );
        }
        if !(1..=3650).contains(&self.refresh_token_days) {
            stack.error(
                loc,
                format!(
                    "refresh token lifetime of {} days is outside 1–3650",
                    self.refresh_token_days
                ),
                None,
            );
        }
        for url in self.callback_urls.iter().chain(&self.logout_urls) {
            if !(url.starts_with("https://") || url.starts_with("http://localhost")) {
                stack.error(
                    loc,
                    format!("redirect URL `{url}` is not HTTPS"),
                    Some("Cognito accepts plain HTTP only for http://localhost"),
                );
            }
        }
        let id = format!("{}_{}", self.pool.id, self.id);
        let mut client = CognitoUserPoolClient::new(stack.physical_name(&id), self.pool.id())
            .generate_secret(false)
            .explicit_auth_flows(vec!["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"])
            .prevent_user_existence_errors("ENABLED")
            .enable_token_revocation(true)
            .access_token_validity(self.access_token_minutes)
            .id_token_validity(self.access_token_minutes)
            .refresh_token_validity(self.refresh_token_days)
            .token_validity_units(
                CognitoUserPoolClientTokenValidityUnits::new()
                    .access_token("minutes")
                    .id_token("minutes")
                    .refresh_token("days"),
            );
        if !self.callback_urls.is_empty() {
            client = client
                .allowed_oauth_flows_user_pool_client(true)
                .allowed_oauth_flows(vec!["code"])
                .allowed_oauth_scopes(vec!["email", "openid", "profile"])
                .supported_identity_providers(vec!["COGNITO"])
                .callback_urls(self.callback_urls.clone())
                .logout_urls(self.logout_urls.clone());
        }
        let resource = stack.declare_typed(&id, client, loc);
        UserPoolClient { resource }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::Environment;

    #[test]
    fn pools_are_email_users_with_strong_passwords_and_protected_in_production() {
        let stack = Stack::new("shop", Environment::prod());
        let users = UserPool::new(&stack, "users").build();
        let web = users.client("web").build();
        assert_eq!(
            users.issuer_url().to_string(),
            "\"https://${aws_cognito_user_pool.users.endpoint}\""
        );
        assert_eq!(
            web.id().to_string(),
            "aws_cognito_user_pool_client.users_web.id"
        );
        let out = stack.finish().expect("valid");
        let pool = out
            .config
            .resource("aws_cognito_user_pool", "users")
            .expect("pool");
        let attr = |b: &crate::ir::Block, a: &str| b.body.get(a).map(|e| e.to_string());
        assert_eq!(
            attr(pool, "deletion_protection").as_deref(),
            Some("\"ACTIVE\"")
        );
        assert_eq!(
            attr(pool, "mfa_configuration").as_deref(),
            Some("\"OPTIONAL\"")
        );
        let policy = pool.body.block("password_policy").expect("password policy");
        assert_eq!(attr(policy, "minimum_length").as_deref(), Some("12"));
        let client = out
            .config
            .resource("aws_cognito_user_pool_client", "users_web")
            .expect("client");
        assert_eq!(attr(client, "generate_secret").as_deref(), Some("false"));
        assert_eq!(
            attr(client, "prevent_user_existence_errors").as_deref(),
            Some("\"ENABLED\"")
        );
    }

    #[test]
    fn impossible_settings_are_errors_at_the_call() {
        let stack = Stack::new("shop", Environment::dev());
        let users = UserPool::new(&stack, "users")
            .password_minimum_length(6)
            .build();
        let _ = users
            .client("web")
            .access_token_minutes(2)
            .authorization_code_flow(&["http://app.example.com/cb"], &[])
            .build();
        let errors = stack.finish().expect_err("errors");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 3, "{messages:?}");
        assert!(messages[2].contains("is not HTTPS"), "{messages:?}");
    }
}
