//! GraphQL over HTTP as the GraphQL Foundation's specification says (checked by its
//! reference audit, `graphql-http`, in `scripts/graphql-http-audit`): which media type
//! answers, with which status, and what a `GET` may ask.
//!
//! A client asking for `application/graphql-response+json` learns from the status whether
//! its request ran: a document that does not parse or validate, or variables that do not
//! coerce, answer 400 without `data`. A client asking for `application/json`, for anything
//! or for nothing gets what older clients were written for: 200 whatever the errors, the
//! body as it always was.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::request_size::{self, Refusal};

/// The media type of a `/graphql` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/json`: 200 for every well-formed request.
    Json,
    /// `application/graphql-response+json`: the status tells a request error from a result.
    GraphqlResponse,
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => JSON,
            Self::GraphqlResponse => GRAPHQL_RESPONSE,
        }
    }

    /// The answer's type from the request's `Accept`, by quality, then by order. Only an
    /// explicit mention asks for `application/graphql-response+json`: `*/*`,
    /// `application/*` and no `Accept` at all mean `application/json`, as the spec says. An
    /// `Accept` that admits neither is disregarded (the spec's other choice, 406, would
    /// refuse clients every request used to serve): it is answered in `application/json`.
    pub fn negotiate(headers: &HeaderMap) -> Self {
        let ranges = accepted(headers);
        let graphql = quality(&ranges, GRAPHQL_RESPONSE, false);
        let json = quality(&ranges, JSON, true);
        let graphql_preferred = match (graphql, json) {
            (Some((graphql, _)), None) => graphql > 0,
            (Some((graphql, graphql_at)), Some((json, json_at))) => {
                graphql > 0 && (graphql > json || (graphql == json && graphql_at < json_at))
            }
            (None, _) => false,
        };
        if graphql_preferred {
            Self::GraphqlResponse
        } else {
            Self::Json
        }
    }

    /// Gives an answer made elsewhere (a refusal, a spent budget) this media type; the
    /// answer depends on `Accept`, which caches must know.
    pub fn label(self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.as_str()),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept"));
        response
    }
}

/// One media range of `Accept`, lower-cased, its quality in thousandths.
struct Range {
    media: String,
    quality: u16,
}

fn accepted(headers: &HeaderMap) -> Vec<Range> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            // An unreadable weight is ignored, as if absent.
            let quality = parts
                .filter_map(|parameter| parameter.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, weight)| weight.trim().parse::<f32>().ok())
                .map_or(1000, |weight| {
                    (weight.clamp(0.0, 1.0) * 1000.0).round() as u16
                });
            Some(Range { media, quality })
        })
        .collect()
}

/// The quality `ranges` give `media` (`type/subtype`), read from the most specific range
/// that names it (RFC 9110 §12.5.1: `text/html;q=0, */*` refuses HTML), with that range's
/// place in the list; `wildcards: false` counts an explicit mention only.
fn quality(ranges: &[Range], media: &str, wildcards: bool) -> Option<(u16, usize)> {
    let (kind, _) = media.split_once('/')?;
    let any_subtype = format!("{kind}/*");
    let candidates = [media, any_subtype.as_str(), "*/*"];
    let candidates = if wildcards {
        &candidates[..]
    } else {
        &candidates[..1]
    };
    candidates.iter().find_map(|candidate| {
        ranges
            .iter()
            .position(|range| range.media == *candidate)
            .map(|at| (ranges[at].quality, at))
    })
}

/// Whether a `GET /graphql` without `query` comes from a person's browser, to be shown
/// GraphiQL: its `Accept` lists `text/html`, or admits anything (`*/*`, what curl sends)
/// without naming a GraphQL type. A GraphQL client that forgot `query` gets its 400.
pub fn accepts_html(headers: &HeaderMap) -> bool {
    let ranges = accepted(headers);
    let Some((html, _)) = quality(&ranges, "text/html", true) else {
        return false;
    };
    let named = ranges.iter().any(|range| range.media == "text/html");
    let names_graphql = ranges
        .iter()
        .any(|range| range.media == JSON || range.media == GRAPHQL_RESPONSE);
    html > 0 && (named || !names_graphql)
}

/// Whether a `GET`'s query string carries `query`.
pub fn names_query(parameters: Option<&str>) -> bool {
    form_urlencoded::parse(parameters.unwrap_or_default().as_bytes())
        .any(|(name, _)| name == "query")
}

/// A `GET /graphql`'s parameters, read as the same request in a POST body would be:
/// `query` and `operationName` as text, `variables` and `extensions` as JSON objects.
pub fn read_get(parameters: Option<&str>) -> Result<Request, Refusal> {
    let mut body = serde_json::Map::new();
    for (name, value) in form_urlencoded::parse(parameters.unwrap_or_default().as_bytes()) {
        let value = match name.as_ref() {
            "query" | "operationName" => serde_json::Value::String(value.into_owned()),
            "variables" | "extensions" if value.is_empty() => continue,
            "variables" => json_object(&value, "variables")?,
            "extensions" => json_object(&value, "extensions")?,
            _ => continue,
        };
        body.insert(name.into_owned(), value);
    }
    let request =
        serde_json::from_value(serde_json::Value::Object(body)).map_err(|_| Refusal::Unreadable)?;
    request_size::checked(request)
}

fn json_object(text: &str, name: &'static str) -> Result<serde_json::Value, Refusal> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) if value.is_object() || value.is_null() => Ok(value),
        _ => Err(Refusal::UnreadableParameter { name }),
    }
}

/// Whether a `GET` asks for anything but a query. GraphQL over HTTP forbids mutations over
/// `GET` (405): a link followed or prefetched must never write. A document that does not
/// parse, or whose operation cannot be picked, is left to the engine, which says why.
pub fn writes(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    match request.parsed_query() {
        Ok(document) => selected(document, name.as_deref())
            .is_some_and(|operation| operation != OperationType::Query),
        Err(_) => false,
    }
}

/// The type of the operation the engine would run, picked as it picks it.
fn selected(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .values()
            .next()
            .map(|operation| operation.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The HTTP answer of an executed request. A response without `data` whose errors point
/// nowhere in it is a request error (parsing, validation, variable coercion, operation
/// selection: all before execution); an execution error always carries its path, even when
/// it nulls the whole `data`.
pub fn respond(response: async_graphql::Response, media: MediaType) -> Response {
    let request_error = matches!(response.data, async_graphql::Value::Null)
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let mut body = serde_json::to_value(&response).expect("a GraphQL response is JSON");
    let status = match media {
        MediaType::GraphqlResponse if request_error => {
            if let Some(fields) = body.as_object_mut() {
                fields.remove("data");
            }
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    };
    let mut answer = (status, body.to_string()).into_response();
    let headers = answer.headers_mut();
    // What async-graphql-axum did: the schema's cache hints when nothing failed, then the
    // headers resolvers set.
    if response.is_ok() {
        if let Some(value) = response
            .cache_control
            .value()
            .and_then(|value| HeaderValue::from_str(&value).ok())
        {
            headers.insert(header::CACHE_CONTROL, value);
        }
    }
    headers.extend(response.http_headers);
    media.label(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn the_media_type_follows_accept() {
        use MediaType::{GraphqlResponse, Json};
        for (value, expected) in [
            (None, Json),
            (Some("application/json"), Json),
            (Some("application/graphql-response+json"), GraphqlResponse),
            (Some("*/*"), Json),
            (Some("application/*"), Json),
            (Some("text/html"), Json),
            (
                Some("application/graphql-response+json, application/json"),
                GraphqlResponse,
            ),
            (
                Some("application/json, application/graphql-response+json"),
                Json,
            ),
            (
                Some("application/json;q=0.9, application/graphql-response+json"),
                GraphqlResponse,
            ),
            (
                Some("application/graphql-response+json;q=0.5, application/json"),
                Json,
            ),
            (
                Some("application/graphql-response+json;q=0.5, */*;q=0.1"),
                GraphqlResponse,
            ),
            (
                Some("application/json;q=0, application/graphql-response+json;q=0.1"),
                GraphqlResponse,
            ),
            (Some("application/graphql-response+json;q=0"), Json),
            (
                Some("Application/GraphQL-Response+JSON; charset=utf-8"),
                GraphqlResponse,
            ),
        ] {
            assert_eq!(MediaType::negotiate(&accept(value)), expected, "{value:?}");
        }
    }

    #[test]
    fn graphiql_is_for_browsers() {
        for (value, expected) in [
            (
                Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                true,
            ),
            (Some("*/*"), true),
            (Some("text/html"), true),
            (None, false),
            (Some("application/json"), false),
            (Some("application/graphql-response+json, */*"), false),
            (Some("text/html;q=0, */*"), false),
        ] {
            assert_eq!(accepts_html(&accept(value)), expected, "{value:?}");
        }
    }

    #[test]
    fn a_get_reads_like_a_post() {
        let request = read_get(Some(
            "query=query%20Nom(%24n%3A%20String)%20%7B%20__typename%20%7D&operationName=Nom\
             &variables=%7B%22n%22%3A%22x%22%7D&extensions=",
        ))
        .expect("read");
        assert_eq!(request.query, "query Nom($n: String) { __typename }");
        assert_eq!(request.operation_name.as_deref(), Some("Nom"));
        assert_eq!(
            request.variables.get(&async_graphql::Name::new("n")),
            Some(&async_graphql::Value::from("x"))
        );
        assert_eq!(read_get(None).err(), Some(Refusal::MissingQuery));
        assert_eq!(
            read_get(Some("query=%7B%20a%20%7D&variables=%5B1%5D")).err(),
            Some(Refusal::UnreadableParameter { name: "variables" })
        );
    }

    #[test]
    fn only_queries_run_over_get() {
        for (query, operation, expected) in [
            ("{ a }", None, false),
            ("query Q { a }", None, false),
            ("mutation { a }", None, true),
            ("query Q { a } mutation M { a }", Some("M"), true),
            ("query Q { a } mutation M { a }", Some("Q"), false),
            // The engine refuses these itself.
            ("query Q { a } mutation M { a }", None, false),
            ("mutation {", None, false),
        ] {
            let mut request = Request::new(query);
            if let Some(operation) = operation {
                request = request.operation_name(operation);
            }
            assert_eq!(writes(&mut request), expected, "{query} {operation:?}");
        }
    }
}
