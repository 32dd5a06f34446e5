//! A realistic demo workshop, seeded idempotently, with an owner who can log in.

use commands::account::AccountError;
use commands::onboarding::{sign_up, SignUp, SignUpError};
use commands::{CommandMeta, Commands};
use domain::workspace::Consent;
use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_WORKSPACE_NAME: &str = "Thermolaquage du Val de Loire (démo)";
pub const DEMO_OWNER_EMAIL: &str = "gerant@demo.thermogestion.fr";
/// Printed by `demo`: a demo, not a secret.
pub const DEMO_OWNER_PASSWORD: &str = "Demo-Thermolaquage-2026";

/// Seeds the demo workshop; returns whether it was created by this call.
pub async fn seed(pool: &PgPool, commands: &Commands) -> anyhow::Result<bool> {
    let meta = CommandMeta::system(Uuid::nil(), "demo-seed");
    let input = SignUp {
        workshop_name: DEMO_WORKSPACE_NAME.to_owned(),
        email: DEMO_OWNER_EMAIL.to_owned(),
        phone: Some("+33 2 41 00 00 00".to_owned()),
        password: DEMO_OWNER_PASSWORD.to_owned(),
        consent: Consent {
            terms_version: "2026-11".to_owned(),
            privacy_policy_version: "2026-11".to_owned(),
            data_processing: true,
        },
    };
    match sign_up(pool, commands, &meta, input).await {
        Ok(_) => Ok(true),
        Err(SignUpError::Account(AccountError::EmailTaken)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}
