//! HTTP in process for the web tests: requests and replies, forms, and signing in through
//! the MDT workflow's sign-in page as a browser would (its CSRF cookie, then the form).

use accord_mdt::demo::DEMO_PASSWORD;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub struct Reply {
    pub status: StatusCode,
    pub body: String,
    pub location: String,
    pub cookies: Vec<String>,
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let location = header_text(header::LOCATION);
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        location,
        cookies,
    }
}

pub fn cookie_value(reply: &Reply, name: &str) -> Option<String> {
    reply.cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The first CSRF token on a page.
pub fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body
        .find(marker)
        .map(|i| i + marker.len())
        .expect("a form with a CSRF token");
    body[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Signs `username` in with the demo password, coming back to `next`, and returns the
/// session token; the session cookie must be HttpOnly, Strict, Secure and the site's.
pub async fn session(app: &Router, username: &str, next: &str) -> String {
    let page = send(
        app,
        Request::get("/mdt/sign-in").body(Body::empty()).unwrap(),
    )
    .await;
    let token = cookie_value(&page, "accord_sign_in").expect("a sign-in cookie");
    assert_eq!(csrf_of(&page.body), token);
    let body = form(&[
        ("csrf", &token),
        ("next", next),
        ("username", username),
        ("password", DEMO_PASSWORD),
    ]);
    let reply = send(
        app,
        Request::post("/mdt/sign-in")
            .header(header::COOKIE, format!("accord_sign_in={token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "{username}: {}",
        reply.body
    );
    assert_eq!(reply.location, next, "{username} goes back to {next}");
    let set = reply
        .cookies
        .iter()
        .find(|c| c.starts_with("accord_session="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/;"] {
        assert!(set.contains(flag), "the session cookie lacks {flag}: {set}");
    }
    cookie_value(&reply, "accord_session").expect("a session cookie")
}
