//! The French texts every workshop starts with.

use super::{Template, TemplateKind};

/// One responsive layout for every default: a header with the workshop's name, the text, an
/// optional button.
fn layout(paragraphs: &[&str], button: Option<&str>) -> String {
    let mut body = String::new();
    for paragraph in paragraphs {
        body.push_str(&format!(
            "        <mj-text font-size=\"15px\" line-height=\"22px\">{paragraph}</mj-text>\n"
        ));
    }
    if let Some(label) = button {
        body.push_str(&format!(
            "        <mj-button background-color=\"#1f4e79\" href=\"{{lien}}\">{label}</mj-button>\n"
        ));
    }
    format!(
        "<mjml>\n  <mj-body background-color=\"#f4f4f4\">\n    <mj-section background-color=\"#ffffff\">\n      <mj-column>\n        <mj-text font-size=\"20px\" font-weight=\"bold\">{{nom_atelier}}</mj-text>\n{body}        <mj-text font-size=\"12px\" color=\"#777777\">{{nom_atelier}} — envoyé avec ThermoGestion</mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>\n"
    )
}

pub fn default_template(kind: TemplateKind) -> Template {
    let (subject, paragraphs, button): (&str, &[&str], Option<&str>) = match kind {
        TemplateKind::QuoteNewClient => (
            "Votre devis {numero_devis} — {nom_atelier}",
            &[
                "Bonjour {nom_client},",
                "Vous trouverez ci-joint votre devis {numero_devis} d'un montant de {montant}.",
                "Créez votre espace client pour le signer en ligne et suivre vos pièces à l'atelier.",
            ],
            Some("Créer mon espace et signer"),
        ),
        TemplateKind::QuoteExistingClient => (
            "Votre devis {numero_devis} — {nom_atelier}",
            &[
                "Bonjour {nom_client},",
                "Votre devis {numero_devis} d'un montant de {montant} vous attend dans votre espace client (copie ci-jointe).",
            ],
            Some("Voir et signer le devis"),
        ),
        TemplateKind::QuoteReminderDay2 => (
            "Votre devis {numero_devis} vous attend",
            &[
                "Bonjour {nom_client},",
                "Nous vous avons envoyé il y a deux jours le devis {numero_devis} ({montant}). Avez-vous des questions ?",
            ],
            Some("Voir le devis"),
        ),
        TemplateKind::QuoteReminderDay7 => (
            "Dernier rappel : devis {numero_devis}",
            &[
                "Bonjour {nom_client},",
                "Votre devis {numero_devis} ({montant}) est toujours en attente. Signez-le pour que nous planifiions vos pièces.",
            ],
            Some("Signer le devis"),
        ),
        TemplateKind::ReadyForPickup => (
            "Vos pièces sont prêtes — {nom_atelier}",
            &[
                "Bonjour {nom_client},",
                "Les pièces du projet {numero_projet} sont prêtes. Vous pouvez les récupérer à l'atelier à partir du {date}.",
            ],
            Some("Voir le projet"),
        ),
        TemplateKind::Invoice => (
            "Facture {numero_facture} — {nom_atelier}",
            &[
                "Bonjour {nom_client},",
                "Vous trouverez ci-joint la facture {numero_facture} d'un montant de {montant}, à régler avant le {date}.",
            ],
            Some("Voir la facture"),
        ),
        TemplateKind::PaymentLink => (
            "Paiement de {montant} — {nom_atelier}",
            &[
                "Bonjour {nom_client},",
                "Vous pouvez régler {montant} en ligne, par carte, en toute sécurité.",
            ],
            Some("Payer en ligne"),
        ),
        TemplateKind::ImportInvitation => (
            "{nom_atelier} vous ouvre votre espace client",
            &[
                "Bonjour {nom_client},",
                "Votre atelier {nom_atelier} utilise un nouveau système de gestion et de facturation : vous y retrouverez vos devis, l'avancement de vos pièces et vos factures.",
                "Créez votre espace client en quelques secondes avec le lien ci-dessous (valable 7 jours). Bienvenue !",
            ],
            Some("Créer mon espace client"),
        ),
        TemplateKind::ReviewRequest => (
            "Votre avis compte pour {nom_atelier}",
            &[
                "Bonjour {nom_client},",
                "Merci de votre confiance. Pourriez-vous prendre une minute pour donner votre avis sur notre travail ?",
            ],
            Some("Donner mon avis"),
        ),
        TemplateKind::ReviewReminder => (
            "Une minute pour {nom_atelier} ?",
            &["Bonjour {nom_client},", "Votre avis nous aide beaucoup : il ne prend qu'une minute."],
            Some("Donner mon avis"),
        ),
        TemplateKind::TrialDay7 => (
            "Une semaine avec ThermoGestion",
            &[
                "Bonjour,",
                "Voilà une semaine que {nom_atelier} essaie ThermoGestion. Il vous reste {jours_restants} jours : avez-vous créé votre premier devis ?",
            ],
            Some("Ouvrir ThermoGestion"),
        ),
        TemplateKind::TrialDay15 => (
            "Mi-parcours de votre essai",
            &[
                "Bonjour,",
                "Il vous reste {jours_restants} jours d'essai. Pensez à importer vos poudres et à planifier vos séries.",
            ],
            Some("Continuer"),
        ),
        TemplateKind::TrialDay25 => (
            "Votre essai se termine bientôt",
            &[
                "Bonjour,",
                "Votre essai de ThermoGestion se termine dans {jours_restants} jours. Choisissez votre formule pour continuer sans interruption.",
            ],
            Some("Choisir ma formule"),
        ),
        TemplateKind::PriceChange => (
            "Évolution de nos tarifs — {nom_atelier}",
            &[
                "Bonjour {nom_client},",
                "Nos tarifs évoluent à partir du {date}. Les devis déjà signés ne changent pas.",
            ],
            Some("En savoir plus"),
        ),
        TemplateKind::LowStock => (
            "Poudres à commander — {nom_atelier}",
            &[
                "Bonjour,",
                "Au rythme de consommation récent, ces poudres seront épuisées avant une livraison du fournisseur : {liste}.",
                "Les quantités conseillées sont en cartons entiers ; ajustez le délai et la couverture dans les réglages du stock.",
            ],
            Some("Voir les suggestions d'achat"),
        ),
        TemplateKind::PlanChange => (
            "ThermoGestion : évolution de votre abonnement au {date}",
            &[
                "Bonjour,",
                "Nous vous informons au moins 30 jours à l'avance d'un changement qui concerne {nom_atelier} : {liste}.",
                "Il s'appliquera à votre première période commençant le {date} ou après ; rien ne change d'ici là. Vous pouvez changer de formule ou résilier à la fin de votre période depuis « Mon abonnement ».",
            ],
            Some("Mon abonnement"),
        ),
    };
    Template {
        subject: subject.to_owned(),
        mjml: layout(paragraphs, button),
    }
}
