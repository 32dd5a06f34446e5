use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::billing::*;
use super::document::*;
use super::fec::*;
use super::settings::*;
use super::vat::VatTreatment;
use crate::client::Address;
use crate::quote::pricing::VatTotal;
use crate::{DomainError, Stamped};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn seller() -> Seller {
    Seller {
        legal_name: "Thermo Lyon SAS".into(),
        siret: "73282932000074".into(),
        vat_number: Some("FR44732829320".into()),
        address: Address {
            line1: "1 rue du Four".into(),
            line2: None,
            postcode: "69001".into(),
            city: "Lyon".into(),
            country: "FR".into(),
        },
        legal_form: Some("SAS au capital de 10 000 €".into()),
        registration: Some("RCS Lyon 732 829 320".into()),
        iban: None,
        email: None,
        vat_franchise: false,
    }
}

fn buyer(professional: bool) -> Buyer {
    Buyer {
        client_id: Uuid::from_u128(1),
        name: "Garage Martin".into(),
        professional,
        siret: None,
        vat_number: None,
        address: None,
        email: None,
    }
}

fn line(description: &str, total_ht: Decimal, vat_rate: Decimal) -> InvoiceLine {
    InvoiceLine {
        description: description.into(),
        quantity: Decimal::ONE,
        unit_price_ht: total_ht,
        total_ht,
        vat_rate,
    }
}

/// A gate at 20 % and rims at 10 %: 1 000.00 + 333.33 HT.
fn quote() -> QuoteFigures {
    let lines = vec![
        line("Portail", dec!(1000.00), dec!(20)),
        line("Jantes", dec!(333.33), dec!(10)),
    ];
    let vat = vat_totals(&lines, true);
    let total_ht = dec!(1333.33);
    let total_ttc = total_ht + vat.iter().map(|total| total.vat).sum::<Decimal>();
    QuoteFigures {
        quote_id: Uuid::from_u128(9),
        number: "DEV-2026-0001".into(),
        lines,
        vat,
        total_ht,
        total_ttc,
        deposit_due: dec!(400),
    }
}

fn issue(number: &str, professional: bool) -> Issue {
    Issue {
        invoice_id: Uuid::now_v7(),
        number: number.into(),
        issued_on: day(25),
        due_on: day(25),
        seller: seller(),
        buyer: buyer(professional),
        treatment: VatTreatment::Domestic,
        late_penalty: "taux BCE + 10 points".into(),
    }
}

#[test]
fn the_quote_totals_are_what_the_final_invoice_bills() {
    let quote = quote();
    // 1 000 × 20 % = 200.00; 333.33 × 10 % = 33.333 → 33.33.
    assert_eq!(quote.total_ttc, dec!(1566.66));
    let invoice = final_invoice(issue("FACT-2026-0001", false), &quote, vec![]);
    assert_eq!(invoice.total_ttc, quote.total_ttc);
    assert_eq!(invoice.due_ttc, quote.total_ttc);
    assert!(
        !invoice.mentions.iter().any(|m| m.contains("40 €")),
        "private client"
    );
    let pro = final_invoice(issue("FACT-2026-0002", true), &quote, vec![]);
    assert!(
        pro.mentions.iter().any(|m| m.contains("40 €")),
        "{:?}",
        pro.mentions
    );
}

#[test]
fn deposits_split_by_rate_add_up_to_the_cent_and_are_never_billed_twice() {
    let quote = quote();
    for amount in [
        dec!(0.01),
        dec!(1),
        dec!(100),
        dec!(400),
        dec!(470.00),
        dec!(999.99),
        dec!(1566.66),
    ] {
        let split = deposit_split(&quote.vat, amount, true);
        let ttc: Decimal = split.iter().map(|total| total.base_ht + total.vat).sum();
        assert_eq!(ttc, amount, "{split:?}");
        let deposit = deposit_invoice(issue("FACT-2026-0001", false), &quote, amount).unwrap();
        assert_eq!(deposit.total_ttc, amount);
        let deduction = Deduction {
            invoice_id: deposit.invoice_id,
            number: deposit.number.clone(),
            issued_on: deposit.issued_on,
            vat: deposit.vat.clone(),
            total_ttc: deposit.total_ttc,
        };
        let last = final_invoice(issue("FACT-2026-0002", false), &quote, vec![deduction]);
        // The client pays the quote, no more: deposit + balance = total.
        assert_eq!(deposit.total_ttc + last.due_ttc, quote.total_ttc);
        for entry in [
            invoice_entry(&deposit, &Chart::default(), day(25)),
            invoice_entry(&last, &Chart::default(), day(26)),
        ] {
            assert!(entry.is_balanced(), "{entry:?}");
        }
    }
    let too_much = deposit_invoice(issue("X", false), &quote, dec!(2000)).unwrap_err();
    assert_eq!(too_much.code(), "DEPOSIT_AMOUNT_INVALID");
}

#[test]
fn a_credit_note_reverses_its_invoice_and_its_entry() {
    let quote = quote();
    let invoice = final_invoice(issue("FACT-2026-0001", true), &quote, vec![]);
    let credit = credit_note(issue("AV-2026-0001", true), &invoice);
    assert_eq!(credit.total_ttc, -invoice.total_ttc);
    assert!(credit.mentions[0].contains("FACT-2026-0001"));
    let chart = Chart::default();
    let sale = invoice_entry(&invoice, &chart, day(25));
    let reversal = invoice_entry(&credit, &chart, day(26));
    assert!(reversal.is_balanced());
    for (a, b) in sale.lines.iter().zip(&reversal.lines) {
        assert_eq!(
            (a.account.as_str(), a.debit, a.credit),
            (b.account.as_str(), b.credit, b.debit)
        );
    }
}

#[test]
fn reverse_charge_bills_no_vat_and_says_so() {
    let mut issued = issue("FACT-2026-0001", true);
    issued.treatment = VatTreatment::ReverseCharge {
        buyer_vat_number: "DE123456789".into(),
    };
    let invoice = final_invoice(issued, &quote(), vec![]);
    assert_eq!(invoice.total_vat, Decimal::ZERO);
    assert_eq!(invoice.total_ttc, dec!(1333.33));
    assert!(invoice
        .mentions
        .iter()
        .any(|m| m.starts_with("Autoliquidation")));
    let entry = invoice_entry(&invoice, &Chart::default(), day(25));
    assert!(entry.lines.iter().any(|line| line.account == "706200"));
    assert!(!entry.lines.iter().any(|line| line.account == "445710"));
}

#[test]
fn fec_lines_have_eighteen_columns_comma_decimals_and_compact_dates() {
    let invoice = final_invoice(issue("FACT-2026-0001", false), &quote(), vec![]);
    let entry = invoice_entry(&invoice, &Chart::default(), day(25));
    let mut out = String::new();
    format_entry(&entry, 7, day(25), &mut out);
    let first = out.lines().next().unwrap();
    let columns: Vec<&str> = first.split('\t').collect();
    assert_eq!(columns.len(), 18);
    assert_eq!(HEADER.split('\t').count(), 18);
    assert_eq!(&columns[..4], ["VE", "Ventes", "7", "20261125"]);
    assert_eq!(columns[4], "411000");
    assert_eq!(columns[11], "1566,66");
    assert_eq!(columns[12], "0,00");
    assert_eq!(file_name("732829320", day(30)), "732829320FEC20261130.txt");
}

mod payments {
    use super::*;

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn payment(amount: Decimal, stripe: Option<&str>) -> Payment {
        Payment {
            payment_id: Uuid::now_v7(),
            amount,
            method: PaymentMethod::Card,
            reference: None,
            received_on: day(25),
            stripe_event_id: stripe.map(str::to_owned),
            receipt_sha256: None,
            stripe_session_id: None,
        }
    }

    /// The owner at the counter: no review.
    fn counter() -> Recorder {
        Recorder {
            account_id: Some(Uuid::from_u128(1)),
            role: crate::Role::Owner,
        }
    }

    /// Records a 100 € card payment by `recorder`; its id.
    fn paid_by(billing: &mut Billing, recorder: Recorder) -> Uuid {
        let quote = quote();
        let payment = payment(dec!(100), None);
        let payment_id = payment.payment_id;
        let events = billing
            .decide(Stamped::at(
                now(),
                BillingCommand::RecordPayment {
                    deposit_invoice: deposit_invoice(issue("FACT", false), &quote, dec!(100)).ok(),
                    quote,
                    payment,
                    checkout: None,
                    recorder,
                },
            ))
            .unwrap();
        for event in events {
            cqrs_es::Aggregate::apply(billing, event);
        }
        payment_id
    }

    fn review(
        billing: &mut Billing,
        payment_id: Uuid,
        reviewer: Uuid,
    ) -> Result<usize, BillingError> {
        let events = billing.decide(Stamped::at(
            now(),
            BillingCommand::ReviewPayment {
                payment_id,
                reviewer,
            },
        ))?;
        let count = events.len();
        for event in events {
            cqrs_es::Aggregate::apply(billing, event);
        }
        Ok(count)
    }

    #[test]
    fn an_operators_payment_issues_its_deposit_invoice_and_waits_for_someone_else_to_review_it() {
        let mut billing = Billing::default();
        let operator = Uuid::from_u128(7);
        let accountant = Uuid::from_u128(8);
        let events = billing
            .decide(Stamped::at(
                now(),
                BillingCommand::RecordPayment {
                    deposit_invoice: deposit_invoice(issue("FACT", false), &quote(), dec!(50)).ok(),
                    quote: quote(),
                    payment: payment(dec!(50), None),
                    checkout: None,
                    recorder: Recorder {
                        account_id: Some(operator),
                        role: crate::Role::Operator,
                    },
                },
            ))
            .unwrap();
        assert!(
            matches!(&events[0], BillingEvent::InvoiceIssued { .. }),
            "the deposit invoice is issued at once (CGI art. 289)"
        );
        assert!(
            matches!(
                &events[1],
                BillingEvent::PaymentRecorded { review: Some(ReviewDue { recorded_by: Some(by), role: crate::Role::Operator }), .. } if *by == operator
            ),
            "{events:?}"
        );
        let by_operator = paid_by(
            &mut billing,
            Recorder {
                account_id: Some(operator),
                role: crate::Role::Operator,
            },
        );
        assert_eq!(
            review(&mut billing, by_operator, operator),
            Err(BillingError::ReviewByRecorder),
            "not by the one who recorded it"
        );
        assert_eq!(review(&mut billing, by_operator, accountant), Ok(1));
        assert_eq!(
            review(&mut billing, by_operator, accountant),
            Ok(0),
            "twice is once"
        );
        let by_owner = paid_by(&mut billing, counter());
        assert_eq!(
            review(&mut billing, by_owner, accountant),
            Err(BillingError::NotUnderReview)
        );
        assert_eq!(
            review(&mut billing, Uuid::now_v7(), accountant).map_err(|e| e.code()),
            Err("PAYMENT_NOT_FOUND")
        );
    }

    fn pay(
        billing: &mut Billing,
        amount: Decimal,
        stripe: Option<&str>,
    ) -> Result<usize, BillingError> {
        pay_through(billing, amount, stripe, None)
    }

    fn pay_through(
        billing: &mut Billing,
        amount: Decimal,
        stripe: Option<&str>,
        checkout: Option<CheckoutPaid>,
    ) -> Result<usize, BillingError> {
        let quote = quote();
        let deposit_invoice = billing
            .final_invoice()
            .is_none()
            .then(|| deposit_invoice(issue("FACT", false), &quote, amount).ok())
            .flatten();
        let events = billing.decide(Stamped::at(
            now(),
            BillingCommand::RecordPayment {
                quote,
                payment: Payment {
                    method: if checkout.is_some() {
                        PaymentMethod::Stripe
                    } else {
                        PaymentMethod::Card
                    },
                    ..payment(amount, stripe)
                },
                deposit_invoice,
                checkout: checkout.map(Box::new),
                recorder: counter(),
            },
        ))?;
        let count = events.len();
        for event in events {
            cqrs_es::Aggregate::apply(billing, event);
        }
        Ok(count)
    }

    #[test]
    fn status_follows_the_amounts_and_never_exceeds_the_quote() {
        let mut billing = Billing::default();
        assert_eq!(
            pay(&mut billing, dec!(100), None),
            Ok(2),
            "payment and its deposit invoice"
        );
        assert_eq!(
            billing.status(),
            PaymentStatus::Unpaid,
            "below the 400 € deposit"
        );
        pay(&mut billing, dec!(300), None).unwrap();
        assert_eq!(billing.status(), PaymentStatus::DepositPaid);
        let over = pay(&mut billing, dec!(1200), None).unwrap_err();
        assert_eq!(
            over,
            BillingError::ExceedsDue {
                amount: dec!(1200),
                remaining: dec!(1166.66)
            }
        );
        assert!(over.to_string().contains("1166.66"));
        pay(&mut billing, dec!(1166.66), None).unwrap();
        assert_eq!(billing.status(), PaymentStatus::Paid);
        assert_eq!(billing.deductions().len(), 3);
        let refund = billing
            .decide(Stamped::at(
                now(),
                BillingCommand::RecordRefund {
                    refund_id: Uuid::now_v7(),
                    amount: dec!(2000),
                    method: PaymentMethod::Transfer,
                    reason: "annulation".into(),
                    refunded_on: day(26),
                },
            ))
            .unwrap_err();
        assert_eq!(refund.code(), "REFUND_EXCEEDS_PAID");
        assert_eq!(
            status(dec!(10), dec!(3), dec!(10), dec!(10)),
            PaymentStatus::Refunded
        );
    }

    #[test]
    fn a_payment_cannot_be_received_tomorrow_nor_before_2000() {
        let quote = quote();
        let decide = |received_on: NaiveDate, reference: Option<String>| {
            let deposit_invoice = deposit_invoice(issue("FACT", false), &quote, dec!(400)).ok();
            Billing::default()
                .decide(Stamped::at(
                    now(),
                    BillingCommand::RecordPayment {
                        quote: quote.clone(),
                        payment: Payment {
                            received_on,
                            reference,
                            ..payment(dec!(400), None)
                        },
                        deposit_invoice,
                        checkout: None,
                        recorder: counter(),
                    },
                ))
                .map(|_| ())
                .map_err(|error| error.code())
        };
        assert_eq!(
            decide(day(25), Some("c".repeat(200))),
            Ok(()),
            "today, Paris"
        );
        assert_eq!(decide(day(26), None), Err("PAYMENT_DATE_OUT_OF_RANGE"));
        let old = NaiveDate::from_ymd_opt(1999, 12, 31).unwrap();
        assert_eq!(decide(old, None), Err("PAYMENT_DATE_OUT_OF_RANGE"));
        assert_eq!(
            decide(day(25), Some("c".repeat(201))),
            Err("PAYMENT_REFERENCE_TOO_LONG")
        );
    }

    /// A billing with the deposit link `cs_1` (400 €) opened on `acct_1Val`.
    fn linked() -> Billing {
        let mut billing = Billing::default();
        let events = billing
            .decide(Stamped::at(
                now(),
                BillingCommand::RecordPaymentLink {
                    quote: quote(),
                    purpose: LinkPurpose::Deposit,
                    amount: dec!(400),
                    session_id: "cs_1".into(),
                    url: "https://checkout.stripe.com/c/pay/cs_1".into(),
                    expires_at: now(),
                },
            ))
            .unwrap();
        for event in events {
            cqrs_es::Aggregate::apply(&mut billing, event);
        }
        billing
    }

    fn checkout(
        session_id: &str,
        account: Option<&str>,
        currency: &str,
        amount: Decimal,
    ) -> CheckoutPaid {
        CheckoutPaid {
            session_id: session_id.into(),
            account: account.map(str::to_owned),
            currency: currency.into(),
            amount,
            workshop_account: Some("acct_1Val".into()),
        }
    }

    #[test]
    fn a_stripe_payment_is_one_of_our_sessions_on_the_workshop_account_in_euros_for_its_amount() {
        let ours = || checkout("cs_1", Some("acct_1Val"), "eur", dec!(400));
        let platform = CheckoutPaid {
            account: None,
            workshop_account: None,
            ..ours()
        };
        for (checkout, expected) in [
            (ours(), Ok(())),
            (
                CheckoutPaid {
                    currency: "EUR".into(),
                    ..ours()
                },
                Ok(()),
            ),
            // A workshop without a connected account is paid on the platform's.
            (platform.clone(), Ok(())),
            (
                checkout("cs_other", Some("acct_1Val"), "eur", dec!(400)),
                Err("STRIPE_SESSION_UNKNOWN"),
            ),
            (
                checkout("cs_1", Some("acct_1Other"), "eur", dec!(400)),
                Err("STRIPE_ACCOUNT_MISMATCH"),
            ),
            (
                checkout("cs_1", None, "eur", dec!(400)),
                Err("STRIPE_ACCOUNT_MISMATCH"),
            ),
            (
                CheckoutPaid {
                    account: Some("acct_1Val".into()),
                    ..platform
                },
                Err("STRIPE_ACCOUNT_MISMATCH"),
            ),
            (
                checkout("cs_1", Some("acct_1Val"), "usd", dec!(400)),
                Err("STRIPE_CURRENCY_MISMATCH"),
            ),
            (
                checkout("cs_1", Some("acct_1Val"), "eur", dec!(399.99)),
                Err("STRIPE_AMOUNT_MISMATCH"),
            ),
            (
                checkout("cs_1", Some("acct_1Val"), "eur", dec!(4000)),
                Err("STRIPE_AMOUNT_MISMATCH"),
            ),
        ] {
            assert_eq!(
                linked()
                    .match_checkout(&checkout)
                    .map_err(|error| error.code()),
                expected,
                "{checkout:?}"
            );
        }
        // Refused, the payment writes nothing.
        let mut billing = linked();
        let usd = checkout("cs_1", Some("acct_1Val"), "usd", dec!(400));
        assert_eq!(
            pay_through(&mut billing, dec!(400), Some("evt_1"), Some(usd)),
            Err(BillingError::StripeCurrencyMismatch)
        );
        assert_eq!(billing, linked());
    }

    #[test]
    fn a_stripe_event_counts_once_and_a_session_pays_once() {
        let mut billing = linked();
        let paid = checkout("cs_1", Some("acct_1Val"), "eur", dec!(400));
        assert_eq!(
            pay_through(&mut billing, dec!(400), Some("evt_1"), Some(paid.clone())),
            Ok(2)
        );
        assert_eq!(
            pay_through(&mut billing, dec!(400), Some("evt_1"), Some(paid.clone())),
            Ok(0)
        );
        assert_eq!(billing.paid(), dec!(400));
        // Another event for the same session (`async_payment_succeeded` after `completed`).
        assert_eq!(
            pay_through(&mut billing, dec!(400), Some("evt_2"), Some(paid.clone())),
            Err(BillingError::StripeSessionAlreadyPaid)
        );
        assert_eq!(billing.paid(), dec!(400));
    }

    #[test]
    fn money_through_stripe_comes_with_its_session() {
        let mut billing = linked();
        assert_eq!(
            pay(&mut billing, dec!(400), Some("evt_1")),
            Err(BillingError::StripeSessionUnknown),
            "a Stripe event id without the session it paid"
        );
        let stripe_by_hand = billing.decide(Stamped::at(
            now(),
            BillingCommand::RecordPayment {
                quote: quote(),
                payment: Payment {
                    method: PaymentMethod::Stripe,
                    ..payment(dec!(400), None)
                },
                deposit_invoice: deposit_invoice(issue("FACT", false), &quote(), dec!(400)).ok(),
                checkout: None,
                recorder: counter(),
            },
        ));
        assert_eq!(stripe_by_hand, Err(BillingError::StripeSessionUnknown));
        assert_eq!(
            pay(&mut billing, dec!(400), None),
            Ok(2),
            "by hand, at the counter"
        );
    }

    #[test]
    fn one_final_invoice_until_a_credit_note_cancels_it() {
        let mut billing = Billing::default();
        let quote = quote();
        let issue_final = |billing: &Billing, number: &str| {
            billing.decide(Stamped::at(
                now(),
                BillingCommand::IssueFinal {
                    quote: quote.clone(),
                    invoice: final_invoice(issue(number, false), &quote, billing.deductions()),
                },
            ))
        };
        for event in issue_final(&billing, "FACT-1").unwrap() {
            cqrs_es::Aggregate::apply(&mut billing, event);
        }
        let twice = issue_final(&billing, "FACT-2").unwrap_err();
        assert_eq!(twice.code(), "INVOICE_ALREADY_ISSUED");
        assert!(twice.to_string().contains("FACT-1"));
        let issued = billing.final_invoice().unwrap().clone();
        let credit = |billing: &Billing| {
            billing.decide(Stamped::at(
                now(),
                BillingCommand::IssueCreditNote {
                    invoice: credit_note(issue("AV-1", false), &issued),
                },
            ))
        };
        for event in credit(&billing).unwrap() {
            cqrs_es::Aggregate::apply(&mut billing, event);
        }
        assert_eq!(
            credit(&billing).unwrap_err().code(),
            "INVOICE_ALREADY_CREDITED"
        );
        assert!(
            issue_final(&billing, "FACT-2").is_ok(),
            "cancelled: a new one may be issued"
        );
        // After the final invoice, payments settle it: no deposit invoice any more.
        let mut settled = Billing::default();
        for event in issue_final(&settled, "FACT-1").unwrap() {
            cqrs_es::Aggregate::apply(&mut settled, event);
        }
        assert_eq!(pay(&mut settled, dec!(100), None), Ok(1));
    }
}

#[test]
fn settings_refuse_a_bad_siret_and_keep_compact_identifiers() {
    let mut settings = InvoiceSettings {
        seller: Some(seller()),
        ..InvoiceSettings::default()
    };
    settings.seller.as_mut().unwrap().siret = "732 829 320 00074".into();
    let valid = settings.clone().validate().unwrap();
    assert_eq!(valid.seller.unwrap().siret, "73282932000074");
    settings.seller.as_mut().unwrap().siret = "73282932000075".into();
    assert_eq!(
        settings.clone().validate().unwrap_err().code(),
        "SELLER_INVALID"
    );
    let _ = VatTotal {
        rate: Decimal::ZERO,
        base_ht: Decimal::ZERO,
        vat: Decimal::ZERO,
    };
}

#[test]
fn settings_need_a_postcode_and_an_iban_of_at_most_34_characters() {
    let with = |change: fn(&mut Seller)| {
        let mut seller = seller();
        change(&mut seller);
        InvoiceSettings {
            seller: Some(seller),
            ..InvoiceSettings::default()
        }
        .validate()
        .map(|_| ())
        .map_err(|error| error.code())
    };
    assert_eq!(
        with(|seller| seller.address.postcode = " ".into()),
        Err("SELLER_INVALID")
    );
    // Typed in groups of four: 34 characters once the spaces are left out.
    assert_eq!(
        with(|seller| seller.iban = Some(format!("FR76 {}", "1234 ".repeat(7) + "12"))),
        Ok(())
    );
    assert_eq!(
        with(|seller| seller.iban = Some("FR76".to_owned() + &"1".repeat(31))),
        Err("SELLER_IBAN_TOO_LONG")
    );
}

#[test]
fn a_pennylane_mapping_names_a_chart_account_and_a_positive_id() {
    assert_eq!(
        pennylane_account(" 706000 ", 1234),
        Ok(("706000".to_owned(), 1234))
    );
    let code = |account: &str, id: i64| pennylane_account(account, id).unwrap_err().code();
    assert_eq!(code("", 1234), "CHART_INVALID");
    assert_eq!(code("compte", 1234), "CHART_INVALID");
    assert_eq!(code(&"7".repeat(21), 1234), "PENNYLANE_ACCOUNT_TOO_LONG");
    assert_eq!(code("706000", 0), "PENNYLANE_LEDGER_ACCOUNT_OUT_OF_RANGE");
    assert_eq!(code("706000", -1), "PENNYLANE_LEDGER_ACCOUNT_OUT_OF_RANGE");
}

#[test]
fn e_invoices_escape_text_and_write_credit_notes_positive() {
    let mut quote = quote();
    quote.lines[0].description = "Portail <grand> & \"lourd\"".into();
    let invoice = final_invoice(issue("FACT-2026-0001", true), &quote, vec![]);
    let credit = credit_note(issue("AV-2026-0001", true), &invoice);
    let cii = super::einvoice::cii(&credit);
    assert!(cii.contains("<ram:TypeCode>381</ram:TypeCode>"));
    assert!(cii.contains("Portail &lt;grand&gt; &amp; &quot;lourd&quot;"));
    assert!(
        cii.contains("<ram:GrandTotalAmount>1566.66</ram:GrandTotalAmount>"),
        "{cii}"
    );
    assert!(cii.contains("<ram:IssuerAssignedID>FACT-2026-0001</ram:IssuerAssignedID>"));
    assert!(
        !cii.contains(">-"),
        "no negative amount in a credit note: {cii}"
    );
    let ubl = super::einvoice::ubl(&credit);
    assert!(ubl.contains(
        "<CreditNote xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\""
    ));
    assert!(ubl.contains("<cbc:CreditedQuantity unitCode=\"C62\">1</cbc:CreditedQuantity>"));
    let deposit = deposit_invoice(issue("FACT-2026-0002", false), &quote, dec!(100)).unwrap();
    assert!(super::einvoice::cii(&deposit).contains("<ram:TypeCode>386</ram:TypeCode>"));
}
