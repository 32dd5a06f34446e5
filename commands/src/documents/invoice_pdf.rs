//! The invoice PDF: seller and buyer with the mandatory mentions (CGI art. 242 nonies A,
//! code de commerce L441-9), lines, VAT per rate, deposits deducted, what remains due, and
//! the electronic seal: the issue time and the SHA-256 of the issued document, so a printed
//! copy can be matched to the journal.

use chrono::{DateTime, Utc};
use domain::digest::sha256_hex;
use domain::invoice::document::{Invoice, InvoiceKind};
use domain::invoice::einvoice;
use domain::invoice::vat::VatTreatment;
use genpdf::elements::{Break, FrameCellDecorator, Paragraph, TableLayout, Text};
use genpdf::style::Style;
use genpdf::{Alignment, Element};
use rust_decimal::Decimal;

fn money(value: Decimal) -> String {
    let mut value = value.round_dp(2);
    value.rescale(2);
    format!("{} €", value.to_string().replace('.', ","))
}

fn rate(value: Decimal) -> String {
    format!("{} %", value.normalize().to_string().replace('.', ","))
}

fn cell(text: impl Into<String>) -> impl Element {
    Paragraph::new(text.into()).padded(1)
}

fn right(text: impl Into<String>) -> impl Element {
    Paragraph::new(text.into())
        .aligned(Alignment::Right)
        .padded(1)
}

fn heading(text: &str) -> impl Element {
    Paragraph::new(text.to_owned())
        .styled(Style::new().bold())
        .padded(1)
}

fn title(invoice: &Invoice) -> String {
    match &invoice.kind {
        InvoiceKind::Deposit => format!("Facture d'acompte n° {}", invoice.number),
        InvoiceKind::Final => format!("Facture n° {}", invoice.number),
        InvoiceKind::CreditNote { .. } => format!("Avoir n° {}", invoice.number),
    }
}

/// An issued invoice as the log holds it: what its files are drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedInvoice {
    pub invoice: Invoice,
    pub issued_at: DateTime<Utc>,
    /// The SHA-256 of the document's JSON as the log holds it, printed in the seal so a
    /// printed copy can be matched to the journal.
    pub document_sha256: String,
}

impl IssuedInvoice {
    /// The invoice of an `InvoiceIssued` event, issued at `issued_at`.
    pub fn new(invoice: Invoice, issued_at: DateTime<Utc>) -> Self {
        let document = serde_json::to_value(&invoice).unwrap_or_default();
        Self {
            document_sha256: sha256_hex(document.to_string().as_bytes()),
            invoice,
            issued_at,
        }
    }

    /// From the document as stored beside the event (the read model's `document`): `None`
    /// when it does not read as an invoice. Its JSON maps keep their keys sorted, as
    /// [`IssuedInvoice::new`] writes them, so both give the same digest.
    pub fn from_document(document: &serde_json::Value, issued_at: DateTime<Utc>) -> Option<Self> {
        let invoice = serde_json::from_value(document.clone()).ok()?;
        Some(Self {
            invoice,
            issued_at,
            document_sha256: sha256_hex(document.to_string().as_bytes()),
        })
    }
}

/// Every file of an issued invoice, from one drawing: the Factur-X PDF is the PDF with the
/// CII embedded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFiles {
    pub pdf: Vec<u8>,
    pub facturx_pdf: Vec<u8>,
    /// CII (UN/CEFACT D16B), profile EN 16931.
    pub cii: String,
    /// UBL 2.1.
    pub ubl: String,
}

#[derive(Debug, thiserror::Error)]
pub enum InvoiceFilesError {
    #[error("invoice PDF: {0}")]
    Pdf(#[from] genpdf::error::Error),
    #[error("Factur-X PDF: {0}")]
    FacturX(#[from] lopdf::Error),
}

/// The files of `issued`, sealed with its issue time and the digest of its document.
/// Draws: call it off the async threads.
pub fn invoice_files(issued: &IssuedInvoice) -> Result<InvoiceFiles, InvoiceFilesError> {
    let invoice = &issued.invoice;
    let when = issued
        .issued_at
        .with_timezone(&chrono_tz::Europe::Paris)
        .format("%d/%m/%Y à %H:%M")
        .to_string();
    let pdf = invoice_pdf(invoice, (&when, &issued.document_sha256))?;
    let cii = einvoice::cii(invoice);
    let facturx_pdf = super::facturx::facturx_pdf(
        &pdf,
        &cii,
        &format!("Facture {}", invoice.number),
        issued.issued_at,
    )?;
    Ok(InvoiceFiles {
        pdf,
        facturx_pdf,
        cii,
        ubl: einvoice::ubl(invoice),
    })
}

/// `seal` is the issue time as printed and the document's digest.
pub fn invoice_pdf(invoice: &Invoice, seal: (&str, &str)) -> Result<Vec<u8>, genpdf::error::Error> {
    let mut doc = genpdf::Document::new(super::fonts()?);
    doc.set_title(title(invoice));
    doc.set_minimal_conformance();
    doc.set_font_size(9);
    let mut decorator = genpdf::SimplePageDecorator::new();
    decorator.set_margins(15);
    doc.set_page_decorator(decorator);

    let seller = &invoice.seller;
    doc.push(Text::new(seller.legal_name.clone()).styled(Style::new().bold().with_font_size(14)));
    let mut identity = vec![
        seller.address.line1.clone(),
        format!("{} {}", seller.address.postcode, seller.address.city),
        format!("SIRET {} · SIREN {}", seller.siret, seller.siren()),
    ];
    if let Some(vat) = &seller.vat_number {
        identity.push(format!("TVA intracommunautaire {vat}"));
    }
    identity.extend(seller.legal_form.clone());
    identity.extend(seller.registration.clone());
    for line in identity {
        doc.push(Paragraph::new(line));
    }
    doc.push(Break::new(1));
    doc.push(Text::new(title(invoice)).styled(Style::new().bold().with_font_size(13)));
    doc.push(Paragraph::new(format!(
        "Émise le {} · échéance le {} · devis {}",
        invoice.issued_on.format("%d/%m/%Y"),
        invoice.due_on.format("%d/%m/%Y"),
        invoice.quote_number
    )));
    doc.push(Break::new(1));
    let buyer = &invoice.buyer;
    doc.push(Text::new("Client").styled(Style::new().bold()));
    doc.push(Paragraph::new(buyer.name.clone()));
    if let Some(address) = &buyer.address {
        doc.push(Paragraph::new(address.line1.clone()));
        doc.push(Paragraph::new(format!(
            "{} {} {}",
            address.postcode, address.city, address.country
        )));
    }
    if let Some(siret) = &buyer.siret {
        doc.push(Paragraph::new(format!("SIRET {siret}")));
    }
    let buyer_vat = match &invoice.treatment {
        VatTreatment::ReverseCharge { buyer_vat_number } => Some(buyer_vat_number.clone()),
        _ => buyer.vat_number.clone(),
    };
    if let Some(vat) = buyer_vat {
        doc.push(Paragraph::new(format!("TVA intracommunautaire {vat}")));
    }
    doc.push(Break::new(1));

    let mut lines = TableLayout::new(vec![8, 2, 3, 2, 3]);
    lines.set_cell_decorator(FrameCellDecorator::new(true, true, false));
    let mut header = lines.row();
    for name in ["Désignation", "Qté", "PU HT", "TVA", "Total HT"] {
        header = header.element(heading(name));
    }
    header.push()?;
    for line in &invoice.lines {
        lines
            .row()
            .element(cell(line.description.clone()))
            .element(right(
                line.quantity.normalize().to_string().replace('.', ","),
            ))
            .element(right(money(line.unit_price_ht)))
            .element(right(rate(line.vat_rate)))
            .element(right(money(line.total_ht)))
            .push()?;
    }
    doc.push(lines);
    doc.push(Break::new(1));

    let mut totals = TableLayout::new(vec![6, 3, 3]);
    totals.set_cell_decorator(FrameCellDecorator::new(true, true, false));
    let mut header = totals.row();
    for name in ["TVA", "Base HT", "Montant"] {
        header = header.element(heading(name));
    }
    header.push()?;
    for total in &invoice.vat {
        totals
            .row()
            .element(cell(rate(total.rate)))
            .element(right(money(total.base_ht)))
            .element(right(money(total.vat)))
            .push()?;
    }
    doc.push(totals);
    doc.push(
        Paragraph::new(format!("Total HT : {}", money(invoice.total_ht))).aligned(Alignment::Right),
    );
    doc.push(
        Paragraph::new(format!("Total TVA : {}", money(invoice.total_vat)))
            .aligned(Alignment::Right),
    );
    doc.push(
        Paragraph::new(format!("Total TTC : {}", money(invoice.total_ttc)))
            .aligned(Alignment::Right)
            .styled(Style::new().bold()),
    );
    for deduction in &invoice.deductions {
        let split = deduction
            .vat
            .iter()
            .map(|total| {
                format!(
                    "{} HT + {} TVA {}",
                    money(total.base_ht),
                    money(total.vat),
                    rate(total.rate)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        doc.push(
            Paragraph::new(format!(
                "Acompte facture {} du {} : − {} ({split})",
                deduction.number,
                deduction.issued_on.format("%d/%m/%Y"),
                money(deduction.total_ttc)
            ))
            .aligned(Alignment::Right),
        );
    }
    doc.push(
        Paragraph::new(format!("Net à payer : {}", money(invoice.due_ttc)))
            .aligned(Alignment::Right)
            .styled(Style::new().bold().with_font_size(11)),
    );
    doc.push(Break::new(1));
    if let Some(iban) = &seller.iban {
        doc.push(Paragraph::new(format!(
            "Règlement par virement : IBAN {iban}"
        )));
    }
    for mention in &invoice.mentions {
        doc.push(Paragraph::new(mention.clone()).styled(Style::new().with_font_size(8)));
    }
    doc.push(Break::new(1));
    doc.push(
        Paragraph::new(format!(
            "Facture émise électroniquement le {} (heure de Paris) · empreinte SHA-256 {}",
            seal.0, seal.1
        ))
        .styled(Style::new().with_font_size(7)),
    );
    let mut buffer = Vec::new();
    doc.render(&mut buffer)?;
    Ok(buffer)
}
