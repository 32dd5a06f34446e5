/// The place of an event in the global feed of the log, ordered as the feed is:
/// by writing transaction, then by insertion position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The writing transaction (`xid8`, epoch-qualified so it never wraps).
    pub transaction_id: u64,
    pub global_position: i64,
}

impl Position {
    /// PostgreSQL prints `xid8` as decimal text; drivers without an `xid8` codec read it so.
    pub fn from_xid_text(
        transaction_id: &str,
        global_position: i64,
    ) -> Result<Self, std::num::ParseIntError> {
        Ok(Self {
            transaction_id: transaction_id.parse()?,
            global_position,
        })
    }

    pub fn xid_text(&self) -> String {
        self.transaction_id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn positions_order_by_transaction_first() {
        let early_transaction_high_position = Position::from_xid_text("800", 90).unwrap();
        let late_transaction_low_position = Position::from_xid_text("801", 12).unwrap();
        assert!(early_transaction_high_position < late_transaction_low_position);
        assert!(Position::from_xid_text("-1", 0).is_err());
    }
}
