//! Static files, embedded in the binary: nothing is fetched from anywhere else.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    path: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        mime: "text/css; charset=utf-8",
        body: include_bytes!("../../static/app.css"),
    },
    Asset {
        path: "app.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/app.js"),
    },
    Asset {
        path: "favicon.svg",
        mime: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
    Asset {
        path: "vendor/htmx/htmx.min.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/vendor/htmx/htmx.min.js"),
    },
];

/// `GET /static/{path}`.
pub async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.path == path) {
        Some(a) => {
            let mut res = a.body.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.mime));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            res
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
