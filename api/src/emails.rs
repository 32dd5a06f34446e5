//! The account emails of the platform, in French. Workshop emails (quotes, invoices…) get
//! editable MJML templates with the email module; these are fixed.

use commands::email_token::Purpose;
use commands::mail::OutgoingEmail;
use uuid::Uuid;

use crate::app::AppState;

/// The link a token opens, on the web client.
pub fn link(state: &AppState, purpose: Purpose, token: &str) -> String {
    let page = match purpose {
        Purpose::VerifyEmail => "verifier-email",
        Purpose::ResetPassword => "nouveau-mot-de-passe",
        Purpose::Invitation => "invitation",
    };
    format!("{}/{page}?jeton={token}", state.public_base_url)
}

pub fn verify_email(state: &AppState, recipient: &str, token: &str) -> OutgoingEmail {
    let link = link(state, Purpose::VerifyEmail, token);
    OutgoingEmail {
        workspace_id: Uuid::nil(),
        recipient: recipient.to_owned(),
        subject: "Confirmez votre adresse email — ThermoGestion".to_owned(),
        body_text: format!(
            "Bonjour,\n\nMerci d'avoir créé votre atelier sur ThermoGestion.\n\
             Confirmez votre adresse email en ouvrant ce lien (valable 3 jours) :\n{link}\n\n\
             Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.\n\n\
             L'équipe ThermoGestion\n"
        ),
        body_html: None,
        kind: "verify_email",
        attachments: vec![],
        not_before: None,
    }
}

/// To an address that already has an account, when someone signs up with it: the sign-up
/// answered as for a new address, the owner of the address learns what happened here.
pub fn account_exists(state: &AppState, recipient: &str) -> OutgoingEmail {
    let login = format!("{}/connexion", state.public_base_url);
    OutgoingEmail {
        workspace_id: Uuid::nil(),
        recipient: recipient.to_owned(),
        subject: "Vous avez déjà un compte — ThermoGestion".to_owned(),
        body_text: format!(
            "Bonjour,\n\nQuelqu'un a voulu créer un atelier sur ThermoGestion avec cette adresse, \
             qui a déjà un compte : aucun nouveau compte n'a été créé.\n\
             Si c'était vous, connectez-vous ici (« Mot de passe oublié » si besoin) :\n{login}\n\n\
             Sinon, ignorez ce message : votre compte n'a pas changé.\n\n\
             L'équipe ThermoGestion\n"
        ),
        body_html: None,
        kind: "account_exists",
        attachments: vec![],
        not_before: None,
    }
}

pub fn reset_password(state: &AppState, recipient: &str, token: &str) -> OutgoingEmail {
    let link = link(state, Purpose::ResetPassword, token);
    OutgoingEmail {
        workspace_id: Uuid::nil(),
        recipient: recipient.to_owned(),
        subject: "Réinitialisation de votre mot de passe — ThermoGestion".to_owned(),
        body_text: format!(
            "Bonjour,\n\nUne réinitialisation du mot de passe de votre compte ThermoGestion a été demandée.\n\
             Choisissez un nouveau mot de passe avec ce lien (valable 1 heure, une seule fois) :\n{link}\n\n\
             Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.\n\n\
             L'équipe ThermoGestion\n"
        ),
        body_html: None,
        kind: "reset_password",
        attachments: vec![],
        not_before: None,
    }
}

pub fn invitation(
    state: &AppState,
    workspace_id: Uuid,
    workshop: &str,
    recipient: &str,
    token: &str,
) -> OutgoingEmail {
    let link = link(state, Purpose::Invitation, token);
    OutgoingEmail {
        workspace_id,
        recipient: recipient.to_owned(),
        subject: format!("{workshop} vous invite sur ThermoGestion"),
        body_text: format!(
            "Bonjour,\n\n{workshop} vous invite à rejoindre son espace ThermoGestion.\n\
             Acceptez l'invitation avec ce lien (valable 7 jours, une seule fois) :\n{link}\n\n\
             L'équipe ThermoGestion\n"
        ),
        body_html: None,
        kind: "invitation",
        attachments: vec![],
        not_before: None,
    }
}
