//! Amounts as French documents print them.

use rust_decimal::Decimal;

/// « 1 234,56 € »: French grouping and decimal comma.
pub fn euros(amount: Decimal) -> String {
    let amount = amount.round_dp(2);
    let text = format!("{:.2}", amount.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(digit);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped},{cents} €")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_read_the_french_way() {
        assert_eq!(euros(dec!(1234.5)), "1\u{202f}234,50 €");
        assert_eq!(euros(dec!(200.04)), "200,04 €");
        assert_eq!(euros(dec!(-9.61)), "-9,61 €");
        assert_eq!(euros(dec!(1000000)), "1\u{202f}000\u{202f}000,00 €");
    }
}
