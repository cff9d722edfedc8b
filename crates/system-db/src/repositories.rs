//! The repository accessors of [`SystemDb`] and [`SystemTx`].
//!
//! One macro writes both lists, so a repository can never be reachable outside a transaction
//! but not inside one (or the reverse). Kept out of `db.rs`, which is about connections.

use crate::db::{SystemDb, SystemTx};
use crate::{
    Apps, Cors, EmailTemplates, EventScripts, Limits, Lookups, Revocations, Roles, Services,
    Settings, SystemCustom, TokenMap, UserAppRoles, UserCustom, Users,
};

macro_rules! repositories {
    ($($(#[doc = $doc:literal])* $method:ident -> $repo:ident;)*) => {
        impl SystemDb {
            $(
                $(#[doc = $doc])*
                pub fn $method(&self) -> $repo<'_> {
                    $repo::new(self.handle())
                }
            )*
        }

        impl SystemTx {
            $(
                #[doc = concat!("[`SystemDb::", stringify!($method), "`] inside this transaction.")]
                pub fn $method(&mut self) -> $repo<'_> {
                    $repo::new(self.handle())
                }
            )*
        }
    };
}

repositories! {
    /// Services (`service` table).
    services -> Services;
    /// Users and admins (`user` table).
    users -> Users;
    /// Roles and their service access rows (`role`, `role_service_access`).
    roles -> Roles;
    /// Apps and their API keys (`app` table).
    apps -> Apps;
    /// System, app, role and user lookups (`lookup` table).
    lookups -> Lookups;
    /// CORS rules (`cors` table).
    cors -> Cors;
    /// Event scripts by event name (`event_script` table).
    event_scripts -> EventScripts;
    /// API rate limits (`limits` table).
    limits -> Limits;
    /// Per-user role overrides for an app (`user_to_app_to_role` table).
    user_app_roles -> UserAppRoles;
    /// A user's own key/values, DreamFactory's `user/custom` (`user_custom` table).
    user_custom -> UserCustom;
    /// Issued session tokens by JWT id (`token_map` table).
    token_map -> TokenMap;
    /// Revoked JWT ids (`token_revocation` table).
    revocations -> Revocations;
    /// Internal key/value settings (`system_setting` table).
    settings -> Settings;
    /// Email templates (`email_template` table).
    email_templates -> EmailTemplates;
    /// Instance-wide custom values, DreamFactory's `system/custom` (`system_custom` table).
    system_custom -> SystemCustom;
}
