//! Reading one variable: from the environment, or from the file its `<NAME>_FILE` names
//! (how container secrets are mounted), parsed into what it configures. Every refusal names
//! the variable and says what was expected.

use std::str::FromStr;

use secrecy::SecretString;

use super::ConfigError;

/// The variables, read through a lookup so tests pass a map instead of mutating the
/// process environment.
pub(super) struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Vars<'a> {
    pub(super) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { lookup }
    }

    /// The variable's value, else the content of the file `<name>_FILE` names (its trailing
    /// newline trimmed), else `None`.
    pub(super) fn read(&self, name: &str) -> Result<Option<String>, ConfigError> {
        if let Some(value) = (self.lookup)(name) {
            return Ok(Some(value));
        }
        match (self.lookup)(&format!("{name}_FILE")) {
            Some(path) => std::fs::read_to_string(&path)
                .map(|content| Some(content.trim_end().to_owned()))
                .map_err(|error| invalid(name, format!("cannot read {path}: {error}"))),
            None => Ok(None),
        }
    }

    pub(super) fn text_or(&self, name: &str, default: &str) -> Result<String, ConfigError> {
        Ok(self.read(name)?.unwrap_or_else(|| default.to_owned()))
    }

    /// A value that may hold a password or a key: it never prints.
    pub(super) fn secret(&self, name: &str) -> Result<Option<SecretString>, ConfigError> {
        Ok(self.read(name)?.map(SecretString::from))
    }

    /// Parsed when set (surrounding spaces ignored), `None` when absent; `what` is what a
    /// valid value is, for the refusal ("… is not `what`").
    pub(super) fn parsed<T: FromStr>(
        &self,
        name: &str,
        what: &str,
    ) -> Result<Option<T>, ConfigError> {
        match self.read(name)? {
            None => Ok(None),
            Some(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid(name, format!("{text:?} is not {what}"))),
        }
    }

    /// [`Vars::parsed`], or `default` when absent.
    pub(super) fn parsed_or<T: FromStr>(
        &self,
        name: &str,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        Ok(self.parsed(name, what)?.unwrap_or(default))
    }

    /// One of the words of `choices`, or `default` when absent.
    pub(super) fn choice<T: Copy>(
        &self,
        name: &str,
        choices: &[(&str, T)],
        default: T,
    ) -> Result<T, ConfigError> {
        let Some(text) = self.read(name)? else {
            return Ok(default);
        };
        choices
            .iter()
            .find(|(word, _)| *word == text)
            .map(|(_, value)| *value)
            .ok_or_else(|| {
                let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
                let expected = match words.as_slice() {
                    [one, other] => format!("neither {one} nor {other}"),
                    _ => format!("none of {}", words.join(", ")),
                };
                invalid(name, format!("{text:?} is {expected}"))
            })
    }
}

pub(super) fn invalid(name: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.into(),
    }
}
