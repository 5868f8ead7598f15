//! The map page: the files of `web/` (at the workspace root) embedded into the binary. `GET /`
//! is `web/index.html`; `GET /assets/<path>` is `web/<path>` when that file was embedded, else
//! 404. Nothing is ever read from the disk at run time, so no path can leave `web/`; paths with
//! `..`, `.` or empty segments, hidden names, backslashes or a leading `/` are refused anyway.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

#[derive(rust_embed::Embed)]
#[folder = "../../web/"]
struct Web;

/// The page.
#[utoipa::path(
    get,
    path = "/",
    tag = "page",
    responses((status = 200, description = "The map page (`web/index.html`)", content_type = "text/html"))
)]
pub async fn index() -> Result<Response, ApiError> {
    file("index.html")
}

/// A file of the page.
#[utoipa::path(
    get,
    path = "/assets/{path}",
    tag = "page",
    params(("path" = String, Path, description = "A file of `web/`, e.g. `app.js` (may contain `/`)")),
    responses(
        (status = 200, description = "The file"),
        (status = 404, description = "No such embedded file", body = crate::error::ErrorBody)
    )
)]
pub async fn asset(Path(path): Path<String>) -> Result<Response, ApiError> {
    file(&path)
}

/// `path` when it names a file inside `web/`, without any way out of it.
pub fn safe_path(path: &str) -> Option<&str> {
    if path.is_empty() || path.starts_with('/') || path.contains(['\\', '\0', ':']) {
        return None;
    }
    path.split('/')
        .all(|seg| !seg.is_empty() && !seg.starts_with('.'))
        .then_some(path)
}

fn file(path: &str) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found(format!("no file `{path}` in the page"));
    let path = safe_path(path).ok_or_else(not_found)?;
    let f = Web::get(path).ok_or_else(not_found)?;
    let mut res = f.data.into_owned().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}

fn mime(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "geojson" => "application/geo+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" => "text/plain; charset=utf-8",
        "pbf" => "application/x-protobuf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_pass() {
        assert_eq!(safe_path("index.html"), Some("index.html"));
        assert_eq!(safe_path("js/app.js"), Some("js/app.js"));
        for bad in [
            "",
            "../Cargo.toml",
            "a/../../b",
            "/etc/passwd",
            "a//b",
            ".env",
            "a/./b",
            "..\\x",
            "C:/x",
            "a/",
        ] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
        assert_eq!(mime("a.JS"), "text/javascript; charset=utf-8");
        assert_eq!(mime("noext"), "application/octet-stream");
    }

    /// The page is ES modules: every file `index.html` names and every module a module
    /// imports (`from './x.js'`) must be embedded, or the page breaks with no server error.
    #[test]
    fn every_file_the_page_loads_is_embedded() {
        let text = |p: &str| String::from_utf8(Web::get(p).unwrap().data.into_owned()).unwrap();
        let index = text("index.html");
        let mut wanted: Vec<String> = index
            .split("assets/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string)
            .collect();
        assert!(wanted.iter().any(|p| p == "app.js"), "{wanted:?}");
        let mut i = 0;
        while i < wanted.len() {
            let p = wanted[i].clone();
            assert!(Web::get(&p).is_some(), "web/{p} is not embedded");
            if p.ends_with(".js") && !p.starts_with("vendor/") {
                for part in text(&p).split(" from './").skip(1) {
                    let m = part.split('\'').next().unwrap().to_string();
                    if !wanted.contains(&m) {
                        wanted.push(m);
                    }
                }
            }
            i += 1;
        }
        for m in ["api.js", "state.js", "strings.js", "layers.js", "panels.js"] {
            assert!(wanted.iter().any(|p| p == m), "{m} not loaded: {wanted:?}");
            assert!(
                index.contains(&format!("modulepreload\" href=\"assets/{m}\"")),
                "{m} not preloaded"
            );
        }
    }
}
