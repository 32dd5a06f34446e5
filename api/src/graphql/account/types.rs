//! What signing up, logging in, sessions and the second factor look like over GraphQL.

use async_graphql::{InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use commands::session::Session;
use domain::Role;

use crate::app::AppState;
use crate::auth;
use crate::graphql::types::RoleValue;
use crate::ApiError;

#[derive(InputObject)]
pub struct ConsentInput {
    /// Version des CGU affichées et acceptées.
    pub terms_version: String,
    /// Version de la politique de confidentialité affichée et acceptée.
    pub privacy_policy_version: String,
    /// Consentement explicite au traitement des données des clients de l'atelier.
    pub data_processing: bool,
}

#[derive(InputObject)]
pub struct SignUpInput {
    /// Nom commercial de l'atelier.
    pub workshop_name: String,
    /// Email du gérant : son identifiant de connexion.
    pub email: String,
    /// Au moins 12 caractères, pas un mot de passe courant.
    pub password: String,
    pub phone: Option<String>,
    pub consent: ConsentInput,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// L'atelier où entrer, si le compte en a plusieurs.
    pub workspace_id: Option<ID>,
    /// Code à 6 chiffres de l'application d'authentification, si la double authentification
    /// est activée.
    pub totp_code: Option<String>,
    /// Ou l'un des codes de secours, utilisable une seule fois.
    pub recovery_code: Option<String>,
}

/// Une session ouverte dans un atelier.
#[derive(SimpleObject)]
pub struct SessionPayload {
    /// Jeton d'accès (JWT), à envoyer en `Authorization: Bearer …`; valable 15 minutes.
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    /// Jeton de renouvellement, à usage unique : chaque renouvellement en donne un nouveau.
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub workspace_id: ID,
    pub role: RoleValue,
}

/// Ce que répond l'inscription, que l'adresse soit nouvelle ou non.
#[derive(SimpleObject)]
pub struct SignUpAnswer {
    pub email: String,
    /// À montrer tel quel.
    pub message: String,
}

/// Un atelier accessible au compte.
#[derive(SimpleObject)]
pub struct WorkspaceChoice {
    pub id: ID,
    pub name: String,
    pub role: Option<RoleValue>,
}

/// Résultat d'une connexion : une session, ou la liste des ateliers où choisir.
#[derive(SimpleObject)]
pub struct LoginPayload {
    pub session: Option<SessionPayload>,
    pub workspaces: Vec<WorkspaceChoice>,
}

/// Le compte connecté, dans son atelier.
#[derive(SimpleObject)]
pub struct Me {
    pub account_id: ID,
    pub email: String,
    pub workspace_id: ID,
    pub role: RoleValue,
    /// La double authentification est activée sur le compte.
    pub two_factor_enabled: bool,
    /// Le rôle exige la double authentification et cette session ne l'a pas passée :
    /// seule l'activation est possible.
    pub two_factor_enrolment_required: bool,
}

/// Ce qu'affiche l'écran d'activation.
#[derive(SimpleObject)]
pub struct TwoFactorEnrolment {
    /// Secret en base32, à saisir à la main si le QR code ne peut pas être lu.
    pub secret: String,
    /// URI `otpauth://` encodée dans le QR code.
    pub otpauth_uri: String,
    /// QR code en SVG.
    pub qr_svg: String,
}

/// Double authentification activée.
#[derive(SimpleObject)]
pub struct TwoFactorEnabled {
    /// Codes de secours, affichés une seule fois : à conserver hors ligne.
    pub recovery_codes: Vec<String>,
    /// Nouvelle session, qui a passé la double authentification.
    pub session: SessionPayload,
}

pub fn role_value(role: Role) -> Result<RoleValue, ApiError> {
    RoleValue::from_stored(role.as_str())
        .ok_or_else(|| ApiError::internal("a session holds a non-member role"))
}

pub fn payload(state: &AppState, session: Session, role: Role) -> Result<SessionPayload, ApiError> {
    let access = auth::issue(&state.keys, &session)?;
    Ok(SessionPayload {
        access_token: access.token,
        access_token_expires_at: access.expires_at,
        refresh_token: session.refresh_token,
        refresh_token_expires_at: session.expires_at,
        workspace_id: ID(session.workspace_id.to_string()),
        role: role_value(role)?,
    })
}
