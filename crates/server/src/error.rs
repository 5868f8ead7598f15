//! One error type for every route ([`ApiError`]): bad input is a 4xx with a clear message, a bug
//! a 500 that says nothing of the internals (the details go to the log). Every error body is
//! `{"error": "<message>", "code": "<code>"}`: the message, in English, for a person reading the
//! raw answer; the [`ErrorCode`], for a program, which words it in its own language (the map
//! page does, in French). Responses made outside the handlers (405, the body limit's 413, the
//! time limit's 503) are given the same JSON shape by [`json_errors`].

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zb_coverage::CoverageError;

/// The body of every error response: `{"error": "...", "code": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person (English).
    pub error: String,
    /// What went wrong, for a program: one of a fixed list, stable across versions.
    pub code: ErrorCode,
}

/// The machine-readable kind of an error (`code` in [`ErrorBody`]), snake_case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400 with no more precise code.
    BadRequest,
    /// 400: the query string does not parse (a number that is not one, an unknown value).
    BadQuery,
    /// 400: the body is not JSON of the expected shape.
    MalformedJson,
    /// 400: the query parameter `kind` is missing.
    MissingKind,
    /// 400: a travel threshold outside 1-240 minutes.
    ThresholdOutOfRange,
    /// 400: the `minutes` of the isochrones are not 1 to 8 whole numbers in 1-240.
    BadMinutes,
    /// 400: `k` of `recommend` outside 1-50.
    KOutOfRange,
    /// 400: the study has no candidate places for `recommend`.
    NoCandidates,
    /// 400: a site added or moved (or asked for isochrones) farther than the snapping limit
    /// from every road.
    SiteOffNetwork,
    /// 400: a scenario or request the engine refuses (an unknown site, a site changed twice,
    /// coordinates out of range, a bad scenario name...).
    InvalidInput,
    /// 401: a writing endpoint without the right bearer token.
    Unauthorized,
    /// 404: no such route or page file.
    NotFound,
    /// 404: a kind of site the study does not have.
    UnknownKind,
    /// 404: no site with that id.
    UnknownSite,
    /// 404: no export of that name.
    UnknownExport,
    /// 404: no saved scenario of that name.
    ScenarioNotFound,
    /// 405: a method the path does not take.
    MethodNotAllowed,
    /// 413: a body over the server's limit.
    PayloadTooLarge,
    /// 415: a body that is not JSON.
    UnsupportedMediaType,
    /// 421: a request naming another host than this server.
    MisdirectedRequest,
    /// 503: the server was started without a scenario database.
    NoScenarioStore,
    /// 503: the request took longer than the server's limit.
    Timeout,
    /// 500: a bug or a broken resource.
    Internal,
}

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 400: a malformed or out-of-range input.
    BadRequest(ErrorCode, String),
    /// 401: a writing endpoint without the right bearer token.
    Unauthorized,
    /// 404: no such route, kind, site, scenario or file.
    NotFound(ErrorCode, String),
    /// 413: a body over the limit (bytes).
    PayloadTooLarge(usize),
    /// 415: a body that is not JSON.
    UnsupportedMediaType(String),
    /// 421: a request naming another host than this server (DNS rebinding).
    MisdirectedRequest(String),
    /// 503: a part of the service this server was started without.
    Unavailable(ErrorCode, String),
    /// 500: a bug or a broken resource; the text is logged, never sent.
    Internal(String),
}

impl ApiError {
    /// A 400 with the generic code (see [`ApiError::with_code`]).
    pub fn bad_request(msg: impl Into<String>) -> ApiError {
        ApiError::BadRequest(ErrorCode::BadRequest, msg.into())
    }

    /// A 404 with the generic code (see [`ApiError::with_code`]).
    pub fn not_found(msg: impl Into<String>) -> ApiError {
        ApiError::NotFound(ErrorCode::NotFound, msg.into())
    }

    pub fn unavailable(code: ErrorCode, msg: impl Into<String>) -> ApiError {
        ApiError::Unavailable(code, msg.into())
    }

    pub fn internal(msg: impl Into<String>) -> ApiError {
        ApiError::Internal(msg.into())
    }

    /// The same error with a more precise code (400, 404 and 503 only: the others have one
    /// code each).
    pub fn with_code(self, code: ErrorCode) -> ApiError {
        match self {
            ApiError::BadRequest(_, m) => ApiError::BadRequest(code, m),
            ApiError::NotFound(_, m) => ApiError::NotFound(code, m),
            ApiError::Unavailable(_, m) => ApiError::Unavailable(code, m),
            other => other,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(..) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(..) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MisdirectedRequest(_) => StatusCode::MISDIRECTED_REQUEST,
            ApiError::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code sent to the client.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(c, _) | ApiError::NotFound(c, _) | ApiError::Unavailable(c, _) => {
                *c
            }
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            ApiError::MisdirectedRequest(_) => ErrorCode::MisdirectedRequest,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The message sent to the client.
    pub fn message(&self) -> String {
        match self {
            ApiError::BadRequest(_, m)
            | ApiError::NotFound(_, m)
            | ApiError::Unavailable(_, m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::MisdirectedRequest(m) => m.clone(),
            ApiError::Unauthorized => {
                "this endpoint writes: send `Authorization: Bearer <token>` with the server's token"
                    .into()
            }
            ApiError::PayloadTooLarge(limit) => {
                format!("request body too large: the limit is {limit} bytes")
            }
            ApiError::Internal(_) => "internal error".into(),
        }
    }
}

impl From<CoverageError> for ApiError {
    /// A scenario or a request the engine refuses is bad input; anything else (files, SQLite) is
    /// the server's problem.
    fn from(e: CoverageError) -> ApiError {
        match e {
            CoverageError::Invalid(m) => ApiError::BadRequest(ErrorCode::InvalidInput, m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(details) = &self {
            tracing::error!("internal error: {details}");
        }
        let mut res = (
            self.status(),
            Json(ErrorBody {
                error: self.message(),
                code: self.code(),
            }),
        )
            .into_response();
        if self == ApiError::Unauthorized {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// What [`json_errors`] needs to word the errors made by the layers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
}

/// Gives every error response without a JSON body (405 from the router, 413 from the body
/// limit, 503 from the time limit...) the `{"error": "...", "code": "..."}` shape.
pub async fn json_errors(State(limits): State<Limits>, res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (code, error) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::PayloadTooLarge,
            ApiError::PayloadTooLarge(limits.body_limit_bytes).message(),
        ),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => (
            ErrorCode::Timeout,
            format!(
                "the request took longer than the server's limit of {} s",
                limits.request_timeout.as_secs_f64()
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "method not allowed on this path".into(),
        ),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "not found".into()),
        s if s.is_server_error() => (ErrorCode::Internal, "internal error".into()),
        s => (
            ErrorCode::BadRequest,
            s.canonical_reason().unwrap_or("error").to_ascii_lowercase(),
        ),
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&ErrorBody { error, code }).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(res: Response) -> (StatusCode, serde_json::Value) {
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn internal_errors_say_nothing_of_the_internals() {
        let e = ApiError::from(CoverageError::Store {
            path: "/secret/place/scenarios.sqlite".into(),
            reason: "disk I/O error".into(),
        });
        let (status, v) = body(e.into_response()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            v,
            serde_json::json!({"error": "internal error", "code": "internal"})
        );
        let (status, v) =
            body(ApiError::from(CoverageError::Invalid("bad".into())).into_response()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"], "bad");
        assert_eq!(v["code"], "invalid_input");
    }

    #[tokio::test]
    async fn codes_travel_with_the_message() {
        let e =
            ApiError::bad_request("threshold_min = 500").with_code(ErrorCode::ThresholdOutOfRange);
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let (_, v) = body(e.into_response()).await;
        assert_eq!(
            v,
            serde_json::json!({"error": "threshold_min = 500", "code": "threshold_out_of_range"})
        );
        let (_, v) = body(ApiError::not_found("x").into_response()).await;
        assert_eq!(v["code"], "not_found");
        // Errors with one code each keep it.
        assert_eq!(
            ApiError::Unauthorized.with_code(ErrorCode::Internal).code(),
            ErrorCode::Unauthorized
        );
    }

    #[tokio::test]
    async fn layer_errors_become_json() {
        let limits = Limits {
            body_limit_bytes: 10,
            request_timeout: Duration::from_secs(3),
        };
        for (status, needle, code) in [
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "10 bytes",
                "payload_too_large",
            ),
            (StatusCode::SERVICE_UNAVAILABLE, "3 s", "timeout"),
            (
                StatusCode::METHOD_NOT_ALLOWED,
                "method",
                "method_not_allowed",
            ),
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                "internal",
            ),
            (StatusCode::IM_A_TEAPOT, "teapot", "bad_request"),
        ] {
            let mut res = Response::new(Body::from("plain text"));
            *res.status_mut() = status;
            let res = json_errors(State(limits), res).await;
            assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
            let (s, v) = body(res).await;
            assert_eq!(s, status);
            assert!(v["error"].as_str().unwrap().contains(needle), "{v}");
            assert_eq!(v["code"], code, "{v}");
        }
        // A JSON error and a success pass untouched.
        let res = json_errors(State(limits), ApiError::not_found("x").into_response()).await;
        assert_eq!(body(res).await.1["error"], "x");
        let res = json_errors(State(limits), Response::new(Body::from("ok"))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}
