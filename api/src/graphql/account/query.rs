//! `me`: the account signed in, in its workspace.

use async_graphql::{Context, Object, ID};
use commands::{account, two_factor};

use super::types::{role_value, Me};
use crate::graphql::{actor_for_enrolment, state};
use crate::ApiError;

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// Le compte connecté.
    async fn me(&self, ctx: &Context<'_>) -> Result<Me, ApiError> {
        let actor = actor_for_enrolment(ctx)?;
        let pool = &state(ctx).pool;
        let email = account::email_of(pool, actor.account_id)
            .await?
            .unwrap_or_default();
        let two_factor_enabled = two_factor::is_enabled(pool, actor.account_id).await?;
        Ok(Me {
            account_id: ID(actor.account_id.to_string()),
            email,
            workspace_id: ID(actor.workspace_id.to_string()),
            role: role_value(actor.role)?,
            two_factor_enabled,
            two_factor_enrolment_required: actor.role.requires_two_factor() && !actor.two_factor,
        })
    }
}
