//! E-invoicing (spec §7.2, EN 16931): the issued invoice as Factur-X CII (profile EN 16931,
//! `urn:cen.eu:en16931:2017`) and as UBL 2.1. Both come from the document as issued, so the
//! XML says exactly what the PDF says. A credit note is written with positive amounts and
//! its own type code (381), as the norm wants; a deposit invoice is a prepayment invoice
//! (386); the final invoice declares the deposits as prepaid amount.
//!
//! Pure text building: the tests run the official EN 16931 schematron over the output.

use rust_decimal::Decimal;

use super::document::{Invoice, InvoiceKind};
use super::vat::VatTreatment;

/// XML text and attribute escaping.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Two decimals, always.
fn amount(value: Decimal) -> String {
    let mut value = value.round_dp(2);
    value.rescale(2);
    value.to_string()
}

fn number(value: Decimal) -> String {
    value.normalize().to_string()
}

/// The document with positive amounts: a credit note negated back.
fn sign(invoice: &Invoice) -> Decimal {
    if matches!(invoice.kind, InvoiceKind::CreditNote { .. }) {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    }
}

fn type_code(invoice: &Invoice) -> &'static str {
    match invoice.kind {
        InvoiceKind::Deposit => "386",
        InvoiceKind::Final => "380",
        InvoiceKind::CreditNote { .. } => "381",
    }
}

/// UNCL 5305 category of a rate under the invoice's treatment.
fn category(invoice: &Invoice, rate: Decimal) -> &'static str {
    invoice.treatment.category(rate.is_zero())
}

/// The VATEX code and text an exempt category needs (BR-AE-10, BR-E-10, BR-O-10).
fn exemption(invoice: &Invoice) -> Option<(&'static str, &'static str)> {
    match invoice.treatment {
        VatTreatment::Domestic => None,
        VatTreatment::ReverseCharge { .. } => Some(("VATEX-EU-AE", "Autoliquidation")),
        VatTreatment::OutsideEu => Some(("VATEX-EU-O", "Non soumis à la TVA française")),
        VatTreatment::Franchise => Some((
            "VATEX-FR-FRANCHISE",
            "TVA non applicable, art. 293 B du CGI",
        )),
    }
}

/// Whether VAT identifiers may appear (category O forbids them, BR-O-02).
fn with_vat_ids(invoice: &Invoice) -> bool {
    !matches!(invoice.treatment, VatTreatment::OutsideEu)
}

fn buyer_vat(invoice: &Invoice) -> Option<String> {
    match &invoice.treatment {
        VatTreatment::ReverseCharge { buyer_vat_number } => Some(buyer_vat_number.clone()),
        VatTreatment::OutsideEu => None,
        _ => invoice.buyer.vat_number.clone(),
    }
}

fn prepaid(invoice: &Invoice) -> Decimal {
    (invoice.total_ttc - invoice.due_ttc) * sign(invoice)
}

fn date(day: chrono::NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

/// Factur-X / ZUGFeRD CII, profile EN 16931.
pub fn cii(invoice: &Invoice) -> String {
    let s = sign(invoice);
    let mut x = String::with_capacity(8 * 1024);
    x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
"#);
    x.push_str(&format!(
        "<rsm:ExchangedDocument><ram:ID>{}</ram:ID><ram:TypeCode>{}</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:IssueDateTime>",
        esc(&invoice.number),
        type_code(invoice),
        date(invoice.issued_on)
    ));
    for mention in &invoice.mentions {
        x.push_str(&format!(
            "<ram:IncludedNote><ram:Content>{}</ram:Content></ram:IncludedNote>",
            esc(mention)
        ));
    }
    x.push_str("</rsm:ExchangedDocument>\n<rsm:SupplyChainTradeTransaction>\n");
    for (index, line) in invoice.lines.iter().enumerate() {
        let rate = line.vat_rate;
        x.push_str(&format!(
            "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>{}</ram:LineID></ram:AssociatedDocumentLineDocument><ram:SpecifiedTradeProduct><ram:Name>{}</ram:Name></ram:SpecifiedTradeProduct><ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement><ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode=\"C62\">{}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery><ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>{}</ram:CategoryCode>{}</ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>\n",
            index + 1,
            esc(&line.description),
            amount(line.unit_price_ht),
            number(line.quantity * s),
            category(invoice, rate),
            cii_rate(invoice, rate),
            amount(line.total_ht * s),
        ));
    }
    let seller = &invoice.seller;
    x.push_str("<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty>");
    x.push_str(&format!(
        "<ram:Name>{}</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID=\"0002\">{}</ram:ID></ram:SpecifiedLegalOrganization>",
        esc(&seller.legal_name),
        esc(seller.siren())
    ));
    x.push_str(&format!(
        "<ram:PostalTradeAddress><ram:PostcodeCode>{}</ram:PostcodeCode><ram:LineOne>{}</ram:LineOne><ram:CityName>{}</ram:CityName><ram:CountryID>{}</ram:CountryID></ram:PostalTradeAddress>",
        esc(&seller.address.postcode),
        esc(&seller.address.line1),
        esc(&seller.address.city),
        esc(&country(&seller.address.country)),
    ));
    if let Some(vat) = seller.vat_number.as_ref().filter(|_| with_vat_ids(invoice)) {
        x.push_str(&format!(
            "<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">{}</ram:ID></ram:SpecifiedTaxRegistration>",
            esc(vat)
        ));
    }
    x.push_str("</ram:SellerTradeParty><ram:BuyerTradeParty>");
    let buyer = &invoice.buyer;
    x.push_str(&format!("<ram:Name>{}</ram:Name>", esc(&buyer.name)));
    match &buyer.address {
        Some(address) => x.push_str(&format!(
            "<ram:PostalTradeAddress><ram:PostcodeCode>{}</ram:PostcodeCode><ram:LineOne>{}</ram:LineOne><ram:CityName>{}</ram:CityName><ram:CountryID>{}</ram:CountryID></ram:PostalTradeAddress>",
            esc(&address.postcode),
            esc(&address.line1),
            esc(&address.city),
            esc(&country(&address.country)),
        )),
        None => x.push_str(
            "<ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>",
        ),
    }
    if let Some(vat) = buyer_vat(invoice) {
        x.push_str(&format!(
            "<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">{}</ram:ID></ram:SpecifiedTaxRegistration>",
            esc(&vat)
        ));
    }
    x.push_str("</ram:BuyerTradeParty></ram:ApplicableHeaderTradeAgreement>\n");
    x.push_str("<ram:ApplicableHeaderTradeDelivery/>\n<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>");
    if let Some(iban) = &seller.iban {
        x.push_str(&format!(
            "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>",
            esc(&iban.replace(' ', ""))
        ));
    }
    for total in &invoice.vat {
        let (reason, code) = match exemption(invoice) {
            Some((code, reason)) => (
                format!("<ram:ExemptionReason>{}</ram:ExemptionReason>", esc(reason)),
                format!("<ram:ExemptionReasonCode>{code}</ram:ExemptionReasonCode>"),
            ),
            None => (String::new(), String::new()),
        };
        x.push_str(&format!(
            "<ram:ApplicableTradeTax><ram:CalculatedAmount>{}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>{reason}<ram:BasisAmount>{}</ram:BasisAmount><ram:CategoryCode>{}</ram:CategoryCode>{code}{}</ram:ApplicableTradeTax>",
            amount(total.vat * s),
            amount(total.base_ht * s),
            category(invoice, total.rate),
            cii_rate(invoice, total.rate),
        ));
    }
    x.push_str(&format!(
        "<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>",
        date(invoice.due_on)
    ));
    let line_total: Decimal = invoice.lines.iter().map(|line| line.total_ht).sum();
    x.push_str(&format!(
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>{}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>{}</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID=\"EUR\">{}</ram:TaxTotalAmount><ram:GrandTotalAmount>{}</ram:GrandTotalAmount><ram:TotalPrepaidAmount>{}</ram:TotalPrepaidAmount><ram:DuePayableAmount>{}</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
        amount(line_total * s),
        amount(invoice.total_ht * s),
        amount(invoice.total_vat * s),
        amount(invoice.total_ttc * s),
        amount(prepaid(invoice)),
        amount(invoice.due_ttc * s),
    ));
    if let InvoiceKind::CreditNote { of_number, .. } = &invoice.kind {
        x.push_str(&format!(
            "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>",
            esc(of_number)
        ));
    }
    x.push_str("</ram:ApplicableHeaderTradeSettlement>\n</rsm:SupplyChainTradeTransaction>\n</rsm:CrossIndustryInvoice>\n");
    x
}

/// The rate element; category O has none (BR-O-05).
fn cii_rate(invoice: &Invoice, rate: Decimal) -> String {
    if category(invoice, rate) == "O" {
        String::new()
    } else {
        format!(
            "<ram:RateApplicablePercent>{}</ram:RateApplicablePercent>",
            number(rate)
        )
    }
}

/// ISO 3166 alpha-2, France when empty.
fn country(code: &str) -> String {
    let code = code.trim().to_uppercase();
    if code.is_empty() {
        "FR".to_owned()
    } else {
        code
    }
}

/// UBL 2.1 `Invoice`, or `CreditNote` for a credit note.
pub fn ubl(invoice: &Invoice) -> String {
    let s = sign(invoice);
    let credit = matches!(invoice.kind, InvoiceKind::CreditNote { .. });
    let root = if credit { "CreditNote" } else { "Invoice" };
    let mut x = String::with_capacity(8 * 1024);
    x.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:{root}-2\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">\n"
    ));
    x.push_str("<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>");
    x.push_str(&format!(
        "<cbc:ID>{}</cbc:ID><cbc:IssueDate>{}</cbc:IssueDate>",
        esc(&invoice.number),
        invoice.issued_on
    ));
    if credit {
        x.push_str(&format!(
            "<cbc:CreditNoteTypeCode>{}</cbc:CreditNoteTypeCode>",
            type_code(invoice)
        ));
    } else {
        x.push_str(&format!(
            "<cbc:DueDate>{}</cbc:DueDate><cbc:InvoiceTypeCode>{}</cbc:InvoiceTypeCode>",
            invoice.due_on,
            type_code(invoice)
        ));
    }
    for mention in &invoice.mentions {
        x.push_str(&format!("<cbc:Note>{}</cbc:Note>", esc(mention)));
    }
    x.push_str("<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\n");
    if let InvoiceKind::CreditNote { of_number, .. } = &invoice.kind {
        x.push_str(&format!(
            "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>\n",
            esc(of_number)
        ));
    }
    let seller = &invoice.seller;
    x.push_str("<cac:AccountingSupplierParty><cac:Party>");
    x.push_str(&format!(
        "<cac:PostalAddress><cbc:StreetName>{}</cbc:StreetName><cbc:CityName>{}</cbc:CityName><cbc:PostalZone>{}</cbc:PostalZone><cac:Country><cbc:IdentificationCode>{}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>",
        esc(&seller.address.line1),
        esc(&seller.address.city),
        esc(&seller.address.postcode),
        esc(&country(&seller.address.country)),
    ));
    if let Some(vat) = seller.vat_number.as_ref().filter(|_| with_vat_ids(invoice)) {
        x.push_str(&format!(
            "<cac:PartyTaxScheme><cbc:CompanyID>{}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>",
            esc(vat)
        ));
    }
    x.push_str(&format!(
        "<cac:PartyLegalEntity><cbc:RegistrationName>{}</cbc:RegistrationName><cbc:CompanyID schemeID=\"0002\">{}</cbc:CompanyID></cac:PartyLegalEntity>",
        esc(&seller.legal_name),
        esc(seller.siren())
    ));
    x.push_str(
        "</cac:Party></cac:AccountingSupplierParty>\n<cac:AccountingCustomerParty><cac:Party>",
    );
    let buyer = &invoice.buyer;
    match &buyer.address {
        Some(address) => x.push_str(&format!(
            "<cac:PostalAddress><cbc:StreetName>{}</cbc:StreetName><cbc:CityName>{}</cbc:CityName><cbc:PostalZone>{}</cbc:PostalZone><cac:Country><cbc:IdentificationCode>{}</cbc:IdentificationCode></cac:Country></cac:PostalAddress>",
            esc(&address.line1),
            esc(&address.city),
            esc(&address.postcode),
            esc(&country(&address.country)),
        )),
        None => x.push_str(
            "<cac:PostalAddress><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress>",
        ),
    }
    if let Some(vat) = buyer_vat(invoice) {
        x.push_str(&format!(
            "<cac:PartyTaxScheme><cbc:CompanyID>{}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>",
            esc(&vat)
        ));
    }
    x.push_str(&format!(
        "<cac:PartyLegalEntity><cbc:RegistrationName>{}</cbc:RegistrationName></cac:PartyLegalEntity>",
        esc(&buyer.name)
    ));
    x.push_str("</cac:Party></cac:AccountingCustomerParty>\n");
    if let Some(iban) = &seller.iban {
        x.push_str(&format!(
            "<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>{}<cac:PayeeFinancialAccount><cbc:ID>{}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>\n",
            if credit {
                format!("<cbc:PaymentDueDate>{}</cbc:PaymentDueDate>", invoice.due_on)
            } else {
                String::new()
            },
            esc(&iban.replace(' ', ""))
        ));
    }
    x.push_str(&format!(
        "<cac:PaymentTerms><cbc:Note>Échéance le {}</cbc:Note></cac:PaymentTerms>\n",
        invoice.due_on.format("%d/%m/%Y")
    ));
    let tax_category = |rate: Decimal| {
        let exemption = match exemption(invoice) {
            Some((code, reason)) => format!(
                "<cbc:TaxExemptionReasonCode>{code}</cbc:TaxExemptionReasonCode><cbc:TaxExemptionReason>{}</cbc:TaxExemptionReason>",
                esc(reason)
            ),
            None => String::new(),
        };
        // Category O carries no rate (BR-O-05).
        let percent = if category(invoice, rate) == "O" {
            String::new()
        } else {
            format!("<cbc:Percent>{}</cbc:Percent>", number(rate))
        };
        (category(invoice, rate), percent, exemption)
    };
    x.push_str(&format!(
        "<cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">{}</cbc:TaxAmount>",
        amount(invoice.total_vat * s)
    ));
    for total in &invoice.vat {
        let (id, percent, exemption) = tax_category(total.rate);
        x.push_str(&format!(
            "<cac:TaxSubtotal><cbc:TaxableAmount currencyID=\"EUR\">{}</cbc:TaxableAmount><cbc:TaxAmount currencyID=\"EUR\">{}</cbc:TaxAmount><cac:TaxCategory><cbc:ID>{id}</cbc:ID>{percent}{exemption}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>",
            amount(total.base_ht * s),
            amount(total.vat * s),
        ));
    }
    x.push_str("</cac:TaxTotal>\n");
    let line_total: Decimal = invoice.lines.iter().map(|line| line.total_ht).sum();
    x.push_str(&format!(
        "<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID=\"EUR\">{}</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID=\"EUR\">{}</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID=\"EUR\">{}</cbc:TaxInclusiveAmount><cbc:PrepaidAmount currencyID=\"EUR\">{}</cbc:PrepaidAmount><cbc:PayableAmount currencyID=\"EUR\">{}</cbc:PayableAmount></cac:LegalMonetaryTotal>\n",
        amount(line_total * s),
        amount(invoice.total_ht * s),
        amount(invoice.total_ttc * s),
        amount(prepaid(invoice)),
        amount(invoice.due_ttc * s),
    ));
    let (line_tag, quantity_tag) = if credit {
        ("CreditNoteLine", "CreditedQuantity")
    } else {
        ("InvoiceLine", "InvoicedQuantity")
    };
    for (index, line) in invoice.lines.iter().enumerate() {
        let (id, percent, _) = tax_category(line.vat_rate);
        x.push_str(&format!(
            "<cac:{line_tag}><cbc:ID>{}</cbc:ID><cbc:{quantity_tag} unitCode=\"C62\">{}</cbc:{quantity_tag}><cbc:LineExtensionAmount currencyID=\"EUR\">{}</cbc:LineExtensionAmount><cac:Item><cbc:Name>{}</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>{id}</cbc:ID>{percent}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item><cac:Price><cbc:PriceAmount currencyID=\"EUR\">{}</cbc:PriceAmount></cac:Price></cac:{line_tag}>\n",
            index + 1,
            number(line.quantity * s),
            amount(line.total_ht * s),
            esc(&line.description),
            amount(line.unit_price_ht),
        ));
    }
    x.push_str(&format!("</{root}>\n"));
    x
}
