//! The link a client email carries: its page in the portal when the client has an account,
//! otherwise an invitation to create one (accepting it links the account to the client's
//! file, where the quote or project waits).

use commands::email_token::{self, Grant, Purpose};
use domain::{meta, Role};
use projections::client::ClientRow;
use projections::RecordedEvent;
use sqlx::PgConnection;
use uuid::Uuid;

/// `path` is the portal page (`/portail/devis/{id}`); `event` names who triggered the email,
/// recorded as the inviter. The invitation names `client`: accepting it links that record
/// only, and only while its address is still `email`.
pub(crate) async fn portal_or_invitation(
    conn: &mut PgConnection,
    public_base_url: &str,
    event: &RecordedEvent,
    client: &ClientRow,
    email: &str,
    path: &str,
) -> Result<String, sqlx::Error> {
    if has_portal(client) {
        return Ok(format!("{public_base_url}{path}"));
    }
    let invited_by = event
        .meta(meta::ACTOR_ID)
        .and_then(|id| Uuid::parse_str(&id).ok())
        .zip(
            event
                .meta(meta::ACTOR_ROLE)
                .and_then(|role| Role::parse(&role)),
        );
    let token = email_token::issue(
        &mut *conn,
        Purpose::Invitation,
        &Grant {
            account_id: None,
            workspace_id: Some(event.workspace_id),
            email: email.to_owned(),
            role: Some(Role::Client),
            invited_by,
            invitation_id: None,
            client_id: Some(client.client_id),
            issued_at: None,
        },
    )
    .await?;
    Ok(format!("{public_base_url}/invitation?jeton={token}"))
}

/// Whether the client already opens its portal with a login.
pub(crate) fn has_portal(client: &ClientRow) -> bool {
    client.portal_status == "active"
}
