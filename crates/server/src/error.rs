//! One error type for every route ([`ApiError`]): bad input is a 4xx with a clear message, a bug
//! a 500 that says nothing of the internals (the details go to the log). Responses made outside
//! the handlers (405, the body limit's 413, the time limit's 503) are given the same JSON shape
//! by [`json_errors`].

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zb_coverage::CoverageError;

/// The body of every error response: `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person.
    pub error: String,
}

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 400: a malformed or out-of-range input.
    BadRequest(String),
    /// 401: a writing endpoint without the right bearer token.
    Unauthorized,
    /// 404: no such route, kind, site, scenario or file.
    NotFound(String),
    /// 413: a body over the limit (bytes).
    PayloadTooLarge(usize),
    /// 415: a body that is not JSON.
    UnsupportedMediaType(String),
    /// 421: a request naming another host than this server (DNS rebinding).
    MisdirectedRequest(String),
    /// 503: a part of the service this server was started without.
    Unavailable(String),
    /// 500: a bug or a broken resource; the text is logged, never sent.
    Internal(String),
}

impl ApiError {
    pub fn bad_request(msg: impl Into<String>) -> ApiError {
        ApiError::BadRequest(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> ApiError {
        ApiError::NotFound(msg.into())
    }

    pub fn internal(msg: impl Into<String>) -> ApiError {
        ApiError::Internal(msg.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MisdirectedRequest(_) => StatusCode::MISDIRECTED_REQUEST,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message sent to the client.
    pub fn message(&self) -> String {
        match self {
            ApiError::BadRequest(m)
            | ApiError::NotFound(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::MisdirectedRequest(m)
            | ApiError::Unavailable(m) => m.clone(),
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
            CoverageError::Invalid(m) => ApiError::BadRequest(m),
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
/// limit, 503 from the time limit...) the `{"error": "..."}` shape.
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
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge(limits.body_limit_bytes).message()
        }
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => format!(
            "the request took longer than the server's limit of {} s",
            limits.request_timeout.as_secs_f64()
        ),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this path".into(),
        StatusCode::INTERNAL_SERVER_ERROR => "internal error".into(),
        s => s.canonical_reason().unwrap_or("error").to_ascii_lowercase(),
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&ErrorBody { error }).unwrap_or_default();
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
        assert_eq!(v, serde_json::json!({"error": "internal error"}));
        let (status, v) =
            body(ApiError::from(CoverageError::Invalid("bad".into())).into_response()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"], "bad");
    }

    #[tokio::test]
    async fn layer_errors_become_json() {
        let limits = Limits {
            body_limit_bytes: 10,
            request_timeout: Duration::from_secs(3),
        };
        for (status, needle) in [
            (StatusCode::PAYLOAD_TOO_LARGE, "10 bytes"),
            (StatusCode::SERVICE_UNAVAILABLE, "3 s"),
            (StatusCode::METHOD_NOT_ALLOWED, "method"),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
            (StatusCode::IM_A_TEAPOT, "teapot"),
        ] {
            let mut res = Response::new(Body::from("plain text"));
            *res.status_mut() = status;
            let res = json_errors(State(limits), res).await;
            assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
            let (s, v) = body(res).await;
            assert_eq!(s, status);
            assert!(v["error"].as_str().unwrap().contains(needle), "{v}");
        }
        // A JSON error and a success pass untouched.
        let res = json_errors(State(limits), ApiError::not_found("x").into_response()).await;
        assert_eq!(body(res).await.1["error"], "x");
        let res = json_errors(State(limits), Response::new(Body::from("ok"))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}
