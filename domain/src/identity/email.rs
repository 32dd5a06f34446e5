use crate::{DomainError, ErrorKind};

/// An email address as the user typed it, checked once.
///
/// Invariant: trimmed, at most 254 characters, one `@` with a non-empty local part and a
/// domain that has a dot and no empty label; no whitespace. Comparisons use
/// [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("l'adresse email est obligatoire")]
    Empty,
    #[error("l'adresse email « {0} » n'est pas valide")]
    Malformed(String),
}

impl DomainError for EmailError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "EMAIL_EMPTY",
            Self::Malformed(_) => "EMAIL_MALFORMED",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let email = input.trim();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        let malformed = || EmailError::Malformed(email.chars().take(80).collect());
        if email.chars().count() > 254 || email.chars().any(char::is_whitespace) {
            return Err(malformed());
        }
        let (local, domain) = email.split_once('@').ok_or_else(malformed)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(malformed());
        }
        Ok(Self(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used to compare and look up: lower case. (Local parts are case-sensitive in
    /// theory; no mail provider our users meet treats them so, and people type them both
    /// ways.)
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for (input, ok) in [
            ("contact@thermolaquage-martin.fr", true),
            ("  Jean.Dupont+devis@Example.COM ", true),
            ("élodie@atelier-poudre.fr", true),
            ("", false),
            ("   ", false),
            ("jean.dupont", false),
            ("jean@localhost", false),
            ("@example.com", false),
            ("jean@@example.com", false),
            ("jean dupont@example.com", false),
            ("jean@example..com", false),
            ("jean@-.com", true),
        ] {
            assert_eq!(Email::parse(input).is_ok(), ok, "{input:?}");
        }
    }

    #[test]
    fn comparisons_ignore_case() {
        let typed = Email::parse(" Jean.Dupont@Example.com").unwrap();
        assert_eq!(typed.as_str(), "Jean.Dupont@Example.com");
        assert_eq!(typed.normalized(), "jean.dupont@example.com");
    }
}
