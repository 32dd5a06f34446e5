//! The project's final report (spec §5.4): complete traceability for the client and for a
//! dispute — the parts and their recorded parameters (powder, finish, coats, cure), each step
//! with who and when, the quality check, the non-conformities.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use domain::project::lifecycle::Part;
use genpdf::elements::{Break, FrameCellDecorator, Paragraph, TableLayout, Text};
use genpdf::style::Style;
use genpdf::Element;
use uuid::Uuid;

use super::quote_pdf::{finish_label, kind_label};

/// A non-conformity as the report lists it.
pub struct ReportNc {
    pub at_step: String,
    pub defect_type: String,
    pub comment: Option<String>,
    pub corrective_action: Option<String>,
    pub return_to: String,
    pub declared_at: DateTime<Utc>,
}

/// How far a step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    Todo,
    Done,
    Skipped,
}

/// A step of the project as the report lists it.
pub struct ReportStep {
    pub label: String,
    pub outcome: StepOutcome,
    /// Who did or skipped it, named through [`ProjectReport::people`].
    pub by: Option<Uuid>,
    pub at: Option<DateTime<Utc>>,
    /// Why it was skipped.
    pub reason: Option<String>,
}

pub struct ProjectReport {
    pub workshop: String,
    pub number: String,
    pub client_name: String,
    pub quote_number: Option<String>,
    pub deposited_on: Option<NaiveDate>,
    pub promised_on: Option<NaiveDate>,
    pub ready_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub parts: Vec<Part>,
    pub steps: Vec<ReportStep>,
    /// `(item, passed, comment)` of the last quality check.
    pub qc: Vec<(String, bool, Option<String>)>,
    pub non_conformities: Vec<ReportNc>,
    /// Who is who among the people who moved the project.
    pub people: BTreeMap<Uuid, String>,
}

fn day(day: Option<NaiveDate>) -> String {
    day.map_or("—".to_owned(), |day| day.format("%d/%m/%Y").to_string())
}

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or("—".to_owned(), |at| {
        at.with_timezone(&Paris)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    })
}

/// genpdf only wraps at spaces and drops a word wider than its cell: an email in the
/// « Par » column is cut after its `@` and in pieces of `width` characters.
fn breakable(text: &str, width: usize) -> String {
    text.replace('@', "@ ")
        .split(' ')
        .map(|word| {
            let chars: Vec<char> = word.chars().collect();
            chars
                .chunks(width)
                .map(|chunk| chunk.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cell(text: impl Into<String>) -> impl Element {
    Paragraph::new(text.into()).padded(1)
}

fn heading(text: &str) -> impl Element {
    Paragraph::new(text.to_owned())
        .styled(Style::new().bold())
        .padded(1)
}

pub fn report_pdf(report: &ProjectReport) -> Result<Vec<u8>, genpdf::error::Error> {
    let mut doc = genpdf::Document::new(super::fonts()?);
    doc.set_title(format!("Rapport {}", report.number));
    doc.set_minimal_conformance();
    doc.set_font_size(9);
    let mut decorator = genpdf::SimplePageDecorator::new();
    decorator.set_margins(15);
    doc.set_page_decorator(decorator);
    doc.push(Text::new(report.workshop.clone()).styled(Style::new().bold().with_font_size(16)));
    doc.push(
        Text::new(format!("Rapport de fabrication — projet {}", report.number))
            .styled(Style::new().bold().with_font_size(13)),
    );
    doc.push(Paragraph::new(format!("Client : {}", report.client_name)));
    if let Some(quote) = &report.quote_number {
        doc.push(Paragraph::new(format!("Devis : {quote}")));
    }
    doc.push(Paragraph::new(format!(
        "Déposé le {} · promis le {} · prêt le {} · livré le {}",
        day(report.deposited_on),
        day(report.promised_on),
        when(report.ready_at),
        when(report.delivered_at)
    )));
    doc.push(Break::new(1));

    doc.push(Text::new("Pièces").styled(Style::new().bold()));
    let mut parts = TableLayout::new(vec![3, 5, 1, 2, 6]);
    parts.set_cell_decorator(FrameCellDecorator::new(true, true, false));
    let mut header = parts.row();
    for title in ["Code", "Désignation", "Qté", "Surface", "Paramètres"] {
        header = header.element(heading(title));
    }
    header.push()?;
    for part in &report.parts {
        let parameters = match &part.powder {
            Some(powder) => {
                let mut text = format!(
                    "{} ({}, {}), {} couche(s), cuisson {} °C {} min",
                    powder.identity.reference(),
                    kind_label(&powder.identity.kind()),
                    finish_label(&powder.identity.finish()),
                    part.coats,
                    powder.cure_temperature_c,
                    powder.cure_minutes
                );
                if part.primer {
                    text.push_str(", primaire");
                }
                if part.varnish {
                    text.push_str(", vernis");
                }
                text
            }
            None => "Sans poudre".to_owned(),
        };
        parts
            .row()
            .element(cell(part.code.clone()))
            .element(cell(part.description.clone()))
            .element(cell(part.quantity.to_string()))
            .element(cell(format!(
                "{} m²",
                part.surface_m2.normalize().to_string().replace('.', ",")
            )))
            .element(cell(parameters))
            .push()?;
    }
    doc.push(parts);
    doc.push(Break::new(1));

    doc.push(Text::new("Étapes").styled(Style::new().bold()));
    let mut steps = TableLayout::new(vec![4, 2, 5, 3, 4]);
    steps.set_cell_decorator(FrameCellDecorator::new(true, true, false));
    let mut header = steps.row();
    for title in ["Étape", "État", "Par", "Le", "Motif"] {
        header = header.element(heading(title));
    }
    header.push()?;
    for step in &report.steps {
        let state = match step.outcome {
            StepOutcome::Done => "faite",
            StepOutcome::Skipped => "sautée",
            StepOutcome::Todo => "à faire",
        };
        let by = step
            .by
            .map(|id| {
                let who = report
                    .people
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| id.to_string());
                breakable(&who, 18)
            })
            .unwrap_or_else(|| "—".to_owned());
        steps
            .row()
            .element(cell(step.label.clone()))
            .element(cell(state))
            .element(cell(by))
            .element(cell(when(step.at)))
            .element(cell(step.reason.clone().unwrap_or_default()))
            .push()?;
    }
    doc.push(steps);
    doc.push(Break::new(1));

    doc.push(Text::new("Contrôle qualité").styled(Style::new().bold()));
    if report.qc.is_empty() {
        doc.push(Paragraph::new("Pas encore de contrôle."));
    }
    for (item, passed, comment) in &report.qc {
        let verdict = if *passed { "conforme" } else { "NON CONFORME" };
        let comment = comment
            .as_ref()
            .map(|comment| format!(" — {comment}"))
            .unwrap_or_default();
        doc.push(Paragraph::new(format!("{item} : {verdict}{comment}")));
    }
    doc.push(Break::new(1));
    doc.push(Text::new("Non-conformités").styled(Style::new().bold()));
    if report.non_conformities.is_empty() {
        doc.push(Paragraph::new("Aucune."));
    }
    for nc in &report.non_conformities {
        doc.push(Paragraph::new(format!(
            "{} — {} à l'étape « {} », retour à « {} »{}{}",
            when(Some(nc.declared_at)),
            nc.defect_type,
            nc.at_step,
            nc.return_to,
            nc.comment
                .as_ref()
                .map(|text| format!(" ; {text}"))
                .unwrap_or_default(),
            nc.corrective_action
                .as_ref()
                .map(|text| format!(" ; action : {text}"))
                .unwrap_or_default(),
        )));
    }
    let mut buffer = Vec::new();
    doc.render(&mut buffer)?;
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::breakable;

    #[test]
    fn long_emails_break_where_a_cell_can_wrap_them() {
        assert_eq!(breakable("jo@atelier.fr", 18), "jo@ atelier.fr");
        assert_eq!(
            breakable("operateur-du-samedi-matin@x.fr", 10),
            "operateur- du-samedi- matin@ x.fr"
        );
    }
}
