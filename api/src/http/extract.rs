//! `Query` and `Path` whose refusals answer like every other REST error: JSON with a code, a
//! reason, a French message and the parameter (`field`). axum's own answer `400 text/plain`
//! in English (`Failed to deserialize query string: width_mm: invalid digit found in
//! string`), which a client cannot read and a user should not.

use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::ErrorKind;
use serde::de::DeserializeOwned;

use crate::graphql::INPUT_INVALID;
use crate::ApiError;

/// The query string, read into `T`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        // serde_path_to_error keeps the parameter's name, which serde_urlencoded forgets.
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let cause = error.inner().to_string();
                let path = error.path().to_string();
                let field = missing_field(&cause)
                    .map(str::to_owned)
                    .or_else(|| (path != "." && !path.is_empty()).then_some(path));
                refused("paramètre", field, expected(&cause))
            })
    }
}

/// The path's parameters, read into `T`.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => {
                let (field, expected) = match error.into_kind() {
                    PathErrorKind::ParseErrorAtKey {
                        key, expected_type, ..
                    } => (Some(key), expected_type_word(expected_type)),
                    PathErrorKind::ParseErrorAtIndex { expected_type, .. }
                    | PathErrorKind::ParseError { expected_type, .. } => {
                        (None, expected_type_word(expected_type))
                    }
                    PathErrorKind::InvalidUtf8InPathParam { key } => {
                        (Some(key), "texte UTF-8 attendu")
                    }
                    PathErrorKind::DeserializeError { key, message, .. } => {
                        (Some(key), expected(&message))
                    }
                    _ => (None, "valeur invalide"),
                };
                Err(refused("segment d'adresse", field, expected))
            }
            // The route and its extractor disagree: our bug, not the caller's.
            Err(other) => Err(ApiError::internal(other.body_text())),
        }
    }
}

fn refused(what: &str, field: Option<String>, expected: &str) -> ApiError {
    match field {
        Some(field) => ApiError::new(
            ErrorKind::Validation,
            INPUT_INVALID,
            format!("{what} « {field} » : {expected}"),
        )
        .with_field(field),
        None => ApiError::new(
            ErrorKind::Validation,
            INPUT_INVALID,
            format!("{what} invalide : {expected}"),
        ),
    }
}

/// serde's ``missing field `expires` ``, whose path is the parent's.
fn missing_field(cause: &str) -> Option<&str> {
    cause
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// The deserialisers' English causes (std's integer and float parsing, chrono, uuid,
/// serde_urlencoded's booleans, serde's enums) in words for users.
fn expected(cause: &str) -> &'static str {
    const DATE: &[&str] = &[
        "input contains invalid characters",
        "input is out of range",
        "premature end of input",
        "trailing input",
        "input is not enough",
        "no possible date and time",
        "bad or unsupported format",
    ];
    if cause.starts_with("missing field") {
        "valeur obligatoire"
    } else if cause.contains("invalid digit") || cause.contains("parse integer from empty") {
        "nombre entier attendu"
    } else if cause.contains("too large to fit") || cause.contains("too small to fit") {
        "nombre entier hors limites"
    } else if cause.contains("invalid float literal") {
        "nombre attendu"
    } else if DATE.iter().any(|text| cause.starts_with(text)) {
        "date attendue au format AAAA-MM-JJ (ou date et heure RFC 3339)"
    } else if cause.starts_with("UUID parsing failed")
        || cause.starts_with("invalid character")
        || cause.starts_with("invalid length")
        || cause.starts_with("invalid group")
    {
        "identifiant (UUID) attendu"
    } else if cause.contains("`true` or `false`") {
        "true ou false attendu"
    } else if cause.starts_with("unknown variant") {
        "valeur inconnue"
    } else {
        "valeur invalide"
    }
}

/// axum names the expected type by its Rust name (`uuid::Uuid`, `u32`).
fn expected_type_word(expected_type: &str) -> &'static str {
    let name = expected_type.rsplit("::").next().unwrap_or(expected_type);
    match name {
        "Uuid" => "identifiant (UUID) attendu",
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
            "nombre entier attendu"
        }
        "f32" | "f64" => "nombre attendu",
        "bool" => "true ou false attendu",
        "NaiveDate" => "date attendue au format AAAA-MM-JJ",
        _ => "valeur invalide",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    #[derive(Debug, serde::Deserialize)]
    struct Filter {
        #[allow(dead_code)]
        from: Option<chrono::NaiveDate>,
        #[allow(dead_code)]
        width_mm: Option<u16>,
        #[allow(dead_code)]
        client_id: Option<uuid::Uuid>,
    }

    async fn query(uri: &str) -> Result<Filter, ApiError> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        Query::<Filter>::from_request_parts(&mut parts, &())
            .await
            .map(|Query(filter)| filter)
    }

    #[tokio::test]
    async fn refusals_name_the_parameter_in_french() {
        for (uri, field, message) in [
            (
                "/x?width_mm=abc",
                "width_mm",
                "paramètre « width_mm » : nombre entier attendu",
            ),
            (
                "/x?width_mm=99999",
                "width_mm",
                "paramètre « width_mm » : nombre entier hors limites",
            ),
            (
                "/x?from=2026-13-01",
                "from",
                "paramètre « from » : date attendue au format AAAA-MM-JJ (ou date et heure RFC 3339)",
            ),
            (
                "/x?client_id=abc",
                "client_id",
                "paramètre « client_id » : identifiant (UUID) attendu",
            ),
        ] {
            let error = query(uri).await.expect_err(uri);
            assert_eq!(error.kind(), ErrorKind::Validation, "{uri}");
            assert_eq!(error.reason(), INPUT_INVALID, "{uri}");
            assert_eq!(error.message(), message, "{uri}");
            assert_eq!(error.field(), Some(field), "{uri}");
        }
        assert!(query("/x?from=2026-02-28&width_mm=40").await.is_ok());
        assert!(query("/x").await.is_ok());
    }
}
