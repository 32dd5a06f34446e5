//! The look of the workshop's quote PDFs (spec §4.2): one of the five predefined templates,
//! or its own configuration, zone by zone, as described by `schemas/quote-template.schema.json`,
//! with a logo it uploads. Owner or administrator.

use async_graphql::{Context, Enum, Json, Object, SimpleObject};
use commands::documents::image_check::{self, Upload};
use commands::quote_document;
use domain::quote::template::{
    Preset, QuoteTemplateCommand, TemplateChoice, TemplateConfig, AGGREGATE_LOCAL_ID,
};
use projections::tenant;
use uuid::Uuid;

use crate::graphql::{actor, meta, state};
use crate::permissions::Operation;
use crate::ApiError;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "QuoteTemplatePreset")]
pub enum PresetValue {
    Modern,
    Classic,
    Minimal,
    Premium,
    Compact,
}

impl From<PresetValue> for Preset {
    fn from(value: PresetValue) -> Self {
        match value {
            PresetValue::Modern => Self::Modern,
            PresetValue::Classic => Self::Classic,
            PresetValue::Minimal => Self::Minimal,
            PresetValue::Premium => Self::Premium,
            PresetValue::Compact => Self::Compact,
        }
    }
}

impl From<Preset> for PresetValue {
    fn from(preset: Preset) -> Self {
        match preset {
            Preset::Modern => Self::Modern,
            Preset::Classic => Self::Classic,
            Preset::Minimal => Self::Minimal,
            Preset::Premium => Self::Premium,
            Preset::Compact => Self::Compact,
        }
    }
}

/// Le modèle de devis de l'atelier.
#[derive(SimpleObject)]
pub struct QuoteTemplateNode {
    /// Le modèle prédéfini choisi, absent pour un modèle personnalisé.
    pub preset: Option<PresetValue>,
    pub custom: bool,
    /// La configuration complète, zone par zone (schéma `schemas/quote-template.schema.json`).
    pub config: Json<TemplateConfig>,
}

impl From<TemplateChoice> for QuoteTemplateNode {
    fn from(choice: TemplateChoice) -> Self {
        Self {
            preset: match &choice {
                TemplateChoice::Preset(preset) => Some((*preset).into()),
                TemplateChoice::Custom(_) => None,
            },
            custom: matches!(choice, TemplateChoice::Custom(_)),
            config: Json(choice.config()),
        }
    }
}

/// Un logo enregistré : à nommer dans `header.logo_sha256`.
#[derive(SimpleObject)]
pub struct UploadedLogo {
    pub sha256: String,
}

#[derive(Default)]
pub struct QuoteTemplateQuery;

#[Object]
impl QuoteTemplateQuery {
    /// Le modèle des PDF de devis (le moderne tant qu'aucun n'a été choisi).
    async fn quote_template(&self, ctx: &Context<'_>) -> Result<QuoteTemplateNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::QuoteTemplate)?;
        template_node(ctx, actor.workspace_id).await
    }

    /// Les cinq modèles prédéfinis, configuration complète : le point de départ d'un modèle
    /// personnalisé.
    async fn quote_template_presets(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<QuoteTemplateNode>, ApiError> {
        actor(ctx)?.require_for(Operation::QuoteTemplatePresets)?;
        Ok(Preset::ALL
            .into_iter()
            .map(|preset| TemplateChoice::Preset(preset).into())
            .collect())
    }
}

#[derive(Default)]
pub struct QuoteTemplateMutation;

#[Object]
impl QuoteTemplateMutation {
    /// Choisit l'un des cinq modèles prédéfinis.
    async fn choose_quote_template(
        &self,
        ctx: &Context<'_>,
        preset: PresetValue,
    ) -> Result<QuoteTemplateNode, ApiError> {
        choose(
            ctx,
            Operation::ChooseQuoteTemplate,
            TemplateChoice::Preset(preset.into()),
        )
        .await
    }

    /// Enregistre un modèle personnalisé, zone par zone (en-tête, corps, pied, conditions) ;
    /// les CGV sont nettoyées (HTML restreint), le logo doit avoir été envoyé.
    async fn customize_quote_template(
        &self,
        ctx: &Context<'_>,
        config: Json<serde_json::Value>,
    ) -> Result<QuoteTemplateNode, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::CustomizeQuoteTemplate)?;
        let config: TemplateConfig = serde_json::from_value(config.0).map_err(|error| {
            ApiError::new(
                domain::ErrorKind::Validation,
                "TEMPLATE_SHAPE_INVALID",
                format!("la configuration ne suit pas le schéma des modèles de devis : {error}"),
            )
        })?;
        if let Some(sha256) = &config.header.logo_sha256 {
            if !logo_stored(ctx, actor.workspace_id, sha256).await? {
                return Err(ApiError::new(
                    domain::ErrorKind::Validation,
                    "TEMPLATE_LOGO_UNKNOWN",
                    "ce logo n'a pas été envoyé par l'atelier",
                ));
            }
        }
        choose(
            ctx,
            Operation::CustomizeQuoteTemplate,
            TemplateChoice::Custom(config),
        )
        .await
    }

    /// Envoie un logo (PNG ou JPEG en base64, 1 Mo au plus) ; renvoie son empreinte.
    async fn upload_quote_logo(
        &self,
        ctx: &Context<'_>,
        image: String,
    ) -> Result<UploadedLogo, ApiError> {
        let actor = actor(ctx)?;
        actor.require_for(Operation::UploadQuoteLogo)?;
        let checked = image_check::from_base64(&image, Upload::Logo).await?;
        // Stored before any event names it, addressed by its SHA-256 (ADR 0006).
        let sha256 = quote_document::store_logo(
            &state(ctx).pool,
            actor.workspace_id,
            checked.content_type,
            &checked.bytes,
        )
        .await?;
        Ok(UploadedLogo { sha256 })
    }
}

async fn choose(
    ctx: &Context<'_>,
    operation: Operation,
    choice: TemplateChoice,
) -> Result<QuoteTemplateNode, ApiError> {
    let actor = actor(ctx)?;
    actor.require_for(operation)?;
    let state = state(ctx);
    let receipt = state
        .commands
        .quote_templates
        .execute(
            &meta(ctx, &actor),
            AGGREGATE_LOCAL_ID,
            QuoteTemplateCommand::Choose(choice),
        )
        .await?;
    state
        .read_after(
            &receipt,
            &[projections::quote::NAME],
            template_node(ctx, actor.workspace_id),
        )
        .await
}

async fn template_node(
    ctx: &Context<'_>,
    workspace_id: Uuid,
) -> Result<QuoteTemplateNode, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let choice = projections::quote::template(&mut *tx, workspace_id).await?;
    tx.commit().await?;
    Ok(choice.into())
}

/// Whether the workshop uploaded this logo: a template may name only its own.
async fn logo_stored(
    ctx: &Context<'_>,
    workspace_id: Uuid,
    sha256: &str,
) -> Result<bool, ApiError> {
    let mut tx = tenant::begin(&state(ctx).pool, workspace_id).await?;
    let logo = quote_document::find_logo(&mut *tx, workspace_id, sha256).await?;
    tx.commit().await?;
    Ok(logo.is_some())
}
