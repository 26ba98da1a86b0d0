//! Every refusal as `application/problem+json` (RFC 9457): a stable `type`
//! per kind of error (`urn:dangol:problem:KIND`, the same kinds the CLI
//! and the window report), the HTTP status, a title, the detail in the
//! language the register asked for, and the error's data where the store
//! has it.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dangol_domain::i18n::Lang;
use dangol_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// A refusal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:dangol:problem:` and the kind: stable, for programs.
    #[serde(rename = "type")]
    pub kind_uri: String,
    /// The kind alone (`not_found`, `unauthorized`, `host_refused`, ...).
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in the language asked for (`Accept-Language`).
    pub detail: String,
    /// The error as data, where there is more to say than the kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind_uri: format!("urn:dangol:problem:{kind}"),
            kind: kind.to_string(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            data: None,
        }
    }

    /// Not done within the time limit: the register retries.
    pub fn timeout(lang: Lang) -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            lang.pick("시간 안에 끝내지 못했습니다. 다시 시도하세요", "not done in time; try again"),
        )
    }

    /// A store's error: its kind, a status by what it means, its sentence.
    pub fn from_store(e: &StoreError, lang: Lang) -> Problem {
        let status = match e {
            StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            StoreError::Duplicate { .. }
            | StoreError::AlreadyReversed { .. }
            | StoreError::VisitConflict { .. }
            | StoreError::PointsElsewhere { .. } => StatusCode::CONFLICT,
            StoreError::Domain(_)
            | StoreError::BadInput { .. }
            | StoreError::InvalidRows { .. }
            | StoreError::WriteTime { .. }
            | StoreError::LargeSale { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::OwnerPinInvalid { .. }
            | StoreError::OwnerPinLocked { .. }
            | StoreError::OwnerPinNotSet
            | StoreError::OwnerRequired { .. } => StatusCode::FORBIDDEN,
            StoreError::Locked { .. } | StoreError::Busy | StoreError::ReadOnly => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let view = dangol_store::error::ErrorView::new(e, lang);
        let mut p = Problem::new(status, e.kind(), view.message);
        p.data = serde_json::to_value(view.error).ok();
        p
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let mut r = (status, axum::Json(self)).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        r
    }
}

/// A request body that could not be read: too large, not JSON, or not the
/// shape the operation takes.
pub fn from_json_rejection(r: &JsonRejection, lang: Lang) -> Problem {
    let status = r.status();
    let (kind, ko, en) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "요청 본문이 너무 큽니다 (최대 64 KiB)",
            "the request body is too large (64 KiB at most)",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "본문은 application/json 이어야 합니다", "the body must be application/json")
        }
        _ => ("invalid_body", "요청 본문을 읽을 수 없습니다", "the request body cannot be read"),
    };
    let reason = r.body_text();
    Problem::new(status, kind, format!("{}: {reason}", lang.pick(ko, en)))
}

/// A query string that could not be read.
pub fn from_query_rejection(r: &QueryRejection, lang: Lang) -> Problem {
    let reason = r.body_text();
    Problem::new(
        StatusCode::BAD_REQUEST,
        "unreadable_query",
        format!("{}: {reason}", lang.pick("검색 조건을 읽을 수 없습니다", "the query string cannot be read")),
    )
}
