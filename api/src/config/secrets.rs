//! The environment and the platform's own secrets. Production unless said otherwise: a
//! server started without its configuration must not run with the secrets published in
//! this file (anyone could mint an owner's token). Laptops, the demo and the tests say
//! `development` explicitly.

use super::vars::{invalid, Vars};
use super::{ConfigError, Environment, DEV_JWT_SECRET, DEV_SECRET_KEY};

pub(super) fn environment(vars: &Vars) -> Result<Environment, ConfigError> {
    vars.choice(
        "THERMOGESTION_ENV",
        &[
            ("development", Environment::Development),
            ("production", Environment::Production),
        ],
        Environment::Production,
    )
}

/// Signs access tokens (`THERMOGESTION_JWT_SECRET`, HS256): at least 32 characters.
pub(super) fn jwt_secret(vars: &Vars, environment: Environment) -> Result<String, ConfigError> {
    let name = "THERMOGESTION_JWT_SECRET";
    let secret = development_default(
        vars,
        environment,
        name,
        DEV_JWT_SECRET,
        "openssl rand -base64 48",
    )?;
    if secret.len() < 32 {
        return Err(invalid(name, "must be at least 32 characters"));
    }
    Ok(secret)
}

/// Seals workshops' secrets at rest (`THERMOGESTION_SECRET_KEY`): 32 bytes in base64.
pub(super) fn secret_key(vars: &Vars, environment: Environment) -> Result<String, ConfigError> {
    let name = "THERMOGESTION_SECRET_KEY";
    let key = development_default(
        vars,
        environment,
        name,
        DEV_SECRET_KEY,
        "openssl rand -base64 32",
    )?;
    if commands::secret_box::SecretBox::new(&key).is_err() {
        return Err(invalid(
            name,
            "must be 32 bytes in base64 (openssl rand -base64 32)",
        ));
    }
    Ok(key)
}

/// The value of `name`; in development `default` when absent. Production requires it and
/// refuses `default`, published in the source; `how` says how to make one.
fn development_default(
    vars: &Vars,
    environment: Environment,
    name: &str,
    default: &str,
    how: &str,
) -> Result<String, ConfigError> {
    match (vars.read(name)?, environment) {
        (Some(value), Environment::Production) if value == default => Err(invalid(
            name,
            format!(
                "la production refuse la valeur de développement publiée dans le code : {how} \
                 / production refuses the development value published in the source: {how}"
            ),
        )),
        (Some(value), _) => Ok(value),
        (None, Environment::Development) => Ok(default.to_owned()),
        (None, Environment::Production) => Err(invalid(
            name,
            format!(
                "absent ; la production (le défaut) l'exige : {how}, ou THERMOGESTION_ENV=development \
                 sur un poste de développement / missing; production (the default) requires it: {how}, \
                 or THERMOGESTION_ENV=development on a developer's machine"
            ),
        )),
    }
}
