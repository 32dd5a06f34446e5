use crate::{DomainError, ErrorKind};

pub const PASSWORD_MIN_CHARS: usize = 12;
/// Argon2 accepts more, but nobody types more, and it bounds the hashing work of a request.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Passwords long enough to pass the length rule yet among the first tried by attackers
/// (lists of leaked passwords, French keyboard walks, the product's own words).
const COMMON: &str = include_str!("common_passwords.txt");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("le mot de passe doit contenir au moins {min} caractères")]
    TooShort { min: usize },
    #[error("le mot de passe ne peut pas dépasser {max} caractères")]
    TooLong { max: usize },
    #[error("ce mot de passe est trop courant, choisissez-en un autre")]
    TooCommon,
}

impl DomainError for PasswordError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "PASSWORD_TOO_SHORT",
            Self::TooLong { .. } => "PASSWORD_TOO_LONG",
            Self::TooCommon => "PASSWORD_TOO_COMMON",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// The password rule: length, then not a common password (compared case-insensitively), nor
/// one character repeated.
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < PASSWORD_MIN_CHARS {
        return Err(PasswordError::TooShort {
            min: PASSWORD_MIN_CHARS,
        });
    }
    if length > PASSWORD_MAX_CHARS {
        return Err(PasswordError::TooLong {
            max: PASSWORD_MAX_CHARS,
        });
    }
    let lowered = password.to_lowercase();
    let first = lowered.chars().next();
    let one_character = lowered.chars().all(|c| Some(c) == first);
    if one_character || COMMON.lines().any(|common| common.trim() == lowered) {
        return Err(PasswordError::TooCommon);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        for (input, expected) in [
            ("Poudre-Epoxy-7016!", Ok(())),
            ("correct horse battery staple", Ok(())),
            ("court", Err(PasswordError::TooShort { min: 12 })),
            ("onze-caract", Err(PasswordError::TooShort { min: 12 })),
            ("123456789012", Err(PasswordError::TooCommon)),
            ("MotDePasse123", Err(PasswordError::TooCommon)),
            ("AZERTYUIOP12", Err(PasswordError::TooCommon)),
            ("aaaaaaaaaaaaaaaa", Err(PasswordError::TooCommon)),
        ] {
            assert_eq!(check_password(input), expected, "{input:?}");
        }
        let too_long = "x1".repeat(65);
        assert_eq!(
            check_password(&too_long),
            Err(PasswordError::TooLong { max: 128 })
        );
    }
}
