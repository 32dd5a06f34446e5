//! Enrolling the TOTP second factor.

use async_graphql::{Context, Object, SimpleObject};
use commands::session;
use commands::two_factor;

use super::session::{payload, SessionPayload};
use super::{actor_for_enrolment, state};
use crate::ApiError;

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

#[derive(Default)]
pub struct TwoFactorMutation;

#[Object]
impl TwoFactorMutation {
    /// Commence l'activation de la double authentification : un nouveau secret et son QR code.
    async fn start_two_factor_enrolment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<TwoFactorEnrolment> {
        let actor = actor_for_enrolment(ctx)?;
        let enrolment = two_factor::start(&state(ctx).pool, &state(ctx).secrets, actor.account_id)
            .await
            .map_err(ApiError::from)?;
        Ok(TwoFactorEnrolment {
            secret: enrolment.secret_base32,
            otpauth_uri: enrolment.otpauth_uri,
            qr_svg: enrolment.qr_svg,
        })
    }

    /// Termine l'activation avec un premier code de l'application ; rend les codes de
    /// secours et une session complète.
    async fn confirm_two_factor_enrolment(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<TwoFactorEnabled> {
        let actor = actor_for_enrolment(ctx)?;
        let state = state(ctx);
        let recovery_codes =
            two_factor::confirm(&state.pool, &state.secrets, actor.account_id, &code)
                .await
                .map_err(ApiError::from)?;
        let session = session::open(&state.pool, actor.account_id, actor.workspace_id, true)
            .await
            .map_err(ApiError::from)?;
        Ok(TwoFactorEnabled {
            recovery_codes,
            session: payload(state, session, actor.role)?,
        })
    }
}
