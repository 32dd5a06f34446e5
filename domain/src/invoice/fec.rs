//! The FEC (fichier des écritures comptables, article A47 A-1 du LPF): the journal entries
//! an invoice, a payment or a refund gives, and their 18 tab-separated columns. Amounts are
//! signed while an entry is built (debit positive) and split at the end, so every entry
//! balances to the cent by construction: its lines are the very amounts of the document.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::billing::PaymentMethod;
use super::document::{Invoice, InvoiceKind};
use super::settings::Chart;

pub const HEADER: &str = "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryLine {
    pub account: String,
    pub account_label: String,
    /// The client's auxiliary account on 411 lines.
    pub aux_account: Option<String>,
    pub aux_label: Option<String>,
    pub debit: Decimal,
    pub credit: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub journal: String,
    pub journal_label: String,
    pub date: NaiveDate,
    pub piece_ref: String,
    pub piece_date: NaiveDate,
    pub label: String,
    pub lines: Vec<EntryLine>,
}

impl Entry {
    pub fn is_balanced(&self) -> bool {
        let debit: Decimal = self.lines.iter().map(|line| line.debit).sum();
        let credit: Decimal = self.lines.iter().map(|line| line.credit).sum();
        debit == credit
    }
}

/// The client's auxiliary account: stable, short, from its id.
pub fn client_account(client_id: uuid::Uuid) -> String {
    format!("C{}", &client_id.simple().to_string()[..8].to_uppercase())
}

struct Builder {
    lines: Vec<EntryLine>,
}

impl Builder {
    /// `amount` positive is a debit, negative a credit; zero writes nothing.
    fn push(&mut self, account: &str, label: &str, aux: Option<(&str, &str)>, amount: Decimal) {
        if amount.is_zero() {
            return;
        }
        self.lines.push(EntryLine {
            account: account.to_owned(),
            account_label: label.to_owned(),
            aux_account: aux.map(|(number, _)| number.to_owned()),
            aux_label: aux.map(|(_, name)| name.to_owned()),
            debit: amount.max(Decimal::ZERO),
            credit: (-amount).max(Decimal::ZERO),
        });
    }
}

/// The sales journal entry of an invoice (a credit note's amounts are negative: its entry
/// comes out reversed).
pub fn invoice_entry(invoice: &Invoice, chart: &Chart, date: NaiveDate) -> Entry {
    let aux = client_account(invoice.buyer.client_id);
    let client = Some((aux.as_str(), invoice.buyer.name.as_str()));
    let mut entry = Builder { lines: vec![] };
    let deposit = matches!(
        invoice.kind,
        InvoiceKind::Deposit
            | InvoiceKind::CreditNote {
                of_deposit: true,
                ..
            }
    );
    entry.push(&chart.clients, "Clients", client, invoice.due_ttc);
    let deducted_ht: Decimal = invoice
        .deductions
        .iter()
        .flat_map(|deduction| &deduction.vat)
        .map(|total| total.base_ht)
        .sum();
    entry.push(
        &chart.deposits,
        "Clients - avances et acomptes reçus",
        None,
        deducted_ht,
    );
    let (sales, sales_label) = if deposit {
        (&chart.deposits, "Clients - avances et acomptes reçus")
    } else if invoice.treatment.charges_vat() {
        (&chart.sales, "Prestations de services")
    } else {
        (
            &chart.sales_without_vat,
            "Prestations de services sans TVA française",
        )
    };
    entry.push(sales, sales_label, None, -invoice.total_ht);
    for total in &invoice.vat {
        let deducted: Decimal = invoice
            .deductions
            .iter()
            .flat_map(|deduction| &deduction.vat)
            .filter(|deducted| deducted.rate == total.rate)
            .map(|deducted| deducted.vat)
            .sum();
        entry.push(
            &chart.vat_collected,
            &format!("TVA collectée {} %", total.rate.normalize()),
            None,
            -(total.vat - deducted),
        );
    }
    Entry {
        journal: chart.sales_journal.clone(),
        journal_label: "Ventes".to_owned(),
        date,
        piece_ref: invoice.number.clone(),
        piece_date: invoice.issued_on,
        label: format!("{} {}", kind_label(&invoice.kind), invoice.buyer.name),
        lines: entry.lines,
    }
}

fn kind_label(kind: &InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Deposit => "Facture d'acompte",
        InvoiceKind::Final => "Facture",
        InvoiceKind::CreditNote { .. } => "Avoir",
    }
}

/// What a payment (positive) or a refund (negative) writes in the bank journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement<'a> {
    pub client_id: uuid::Uuid,
    pub client_name: &'a str,
    pub amount: Decimal,
    pub method: PaymentMethod,
    pub piece_ref: &'a str,
    pub piece_date: NaiveDate,
    pub label: &'a str,
}

pub fn settlement_entry(settlement: &Settlement<'_>, chart: &Chart, date: NaiveDate) -> Entry {
    let aux = client_account(settlement.client_id);
    let mut entry = Builder { lines: vec![] };
    let (account, label) = match settlement.method {
        PaymentMethod::Cash => (&chart.cash, "Caisse"),
        _ => (&chart.bank, "Banque"),
    };
    entry.push(account, label, None, settlement.amount);
    entry.push(
        &chart.clients,
        "Clients",
        Some((aux.as_str(), settlement.client_name)),
        -settlement.amount,
    );
    Entry {
        journal: chart.bank_journal.clone(),
        journal_label: "Banque".to_owned(),
        date,
        piece_ref: settlement.piece_ref.to_owned(),
        piece_date: settlement.piece_date,
        label: settlement.label.to_owned(),
        lines: entry.lines,
    }
}

/// Comma decimals, two places, no thousands separator.
fn amount(value: Decimal) -> String {
    let mut value = value.round_dp(2);
    value.rescale(2);
    value.to_string().replace('.', ",")
}

/// Tabs and line breaks would break the columns.
fn field(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The FEC lines of one entry numbered `number`, validated on `validated_on`, each ending
/// with CRLF as the administration's reader expects.
pub fn format_entry(entry: &Entry, number: u64, validated_on: NaiveDate, out: &mut String) {
    let date = |day: NaiveDate| day.format("%Y%m%d").to_string();
    for line in &entry.lines {
        let columns = [
            field(&entry.journal),
            field(&entry.journal_label),
            number.to_string(),
            date(entry.date),
            field(&line.account),
            field(&line.account_label),
            field(line.aux_account.as_deref().unwrap_or("")),
            field(line.aux_label.as_deref().unwrap_or("")),
            field(&entry.piece_ref),
            date(entry.piece_date),
            field(&entry.label),
            amount(line.debit),
            amount(line.credit),
            String::new(),
            String::new(),
            date(validated_on),
            String::new(),
            String::new(),
        ];
        out.push_str(&columns.join("\t"));
        out.push_str("\r\n");
    }
}

/// `{SIREN}FEC{AAAAMMJJ}.txt`, the date being the period's closing date.
pub fn file_name(siren: &str, closing: NaiveDate) -> String {
    format!("{siren}FEC{}.txt", closing.format("%Y%m%d"))
}
