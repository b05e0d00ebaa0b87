//! The workshop's web server (hyper): the built page from its folder, the lesson files under `/lessons/`, and
//! `/workshop.json`, all from one origin, so the page's content security policy lets it load the lessons.

use std::convert::Infallible;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{header, Response, StatusCode};

/// What the server serves.
#[derive(Clone, Debug)]
pub struct Site {
    /// The built page (Trunk's `dist/`).
    pub dir: PathBuf,
    /// Lesson files by the name they are served under (`/lessons/NAME`).
    pub lessons: Vec<(String, PathBuf)>,
    pub workshop_json: String,
}

/// A running web server; dropping it stops it.
pub struct HttpServer {
    pub port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The content type of a file by its extension (what the page and Pyodide need, `application/wasm` above all).
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "md" => "text/markdown; charset=utf-8",
        "txt" | "py" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "zip" | "whl" => "application/zip",
        "gz" => "application/gzip",
        _ => "application/octet-stream",
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or text that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file a request path names inside `dir`, or `None` for a path that would leave it.
pub fn resolve(dir: &Path, path: &str) -> Option<PathBuf> {
    let path = percent_decode(path)?;
    let mut p = dir.to_path_buf();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if seg == ".." || seg == "." || seg.contains('\\') || seg.contains('\0') {
            return None;
        }
        p.push(seg);
    }
    if path.ends_with('/') || path.is_empty() {
        p.push("index.html");
    }
    Some(p)
}

fn reply(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Lessons and workshop.json change while the workshop runs: the browser asks each time.
    h.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    r
}

fn not_found() -> Response<Full<Bytes>> {
    reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", b"404 page not found\n".to_vec())
}

/// Answers one request.
pub fn answer(site: &Site, method: &hyper::Method, path: &str) -> Response<Full<Bytes>> {
    if method != hyper::Method::GET && method != hyper::Method::HEAD {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", b"only GET\n".to_vec());
    }
    if path == "/workshop.json" {
        return reply(StatusCode::OK, "application/json", site.workshop_json.clone().into_bytes());
    }
    // The workshop's lessons first; the page's own files (its built-in lessons among them) otherwise.
    let lesson = path
        .strip_prefix("/lessons/")
        .and_then(percent_decode)
        .and_then(|n| site.lessons.iter().find(|(l, _)| *l == n).map(|(_, p)| p.clone()));
    let Some(file) = lesson.or_else(|| resolve(&site.dir, path)) else { return not_found() };
    match std::fs::read(&file) {
        Ok(body) => reply(StatusCode::OK, content_type(&file.to_string_lossy()), body),
        Err(_) => not_found(),
    }
}

/// Serves `site` on `listener` (already bound: the caller has checked the port) until the server is dropped.
pub fn serve(listener: TcpListener, site: Site) -> Result<HttpServer, String> {
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let site = Arc::new(site);
    let thread = std::thread::spawn(move || {
        rt.block_on(async move {
            let Ok(l) = tokio::net::TcpListener::from_std(listener) else { return };
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => return,
                    a = l.accept() => match a {
                        Ok((s, _)) => s,
                        Err(_) => {
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                let site = site.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let r = answer(&site, req.method(), req.uri().path());
                        async move { Ok::<_, Infallible>(r) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(std::time::Duration::from_secs(10))
                        .serve_connection(io, service)
                        .await;
                });
            }
        })
    });
    Ok(HttpServer { port, stop: Some(stop), thread: Some(thread) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let d = Path::new("/site");
        assert_eq!(resolve(d, "/"), Some(PathBuf::from("/site/index.html")));
        assert_eq!(resolve(d, "/a/b.js"), Some(PathBuf::from("/site/a/b.js")));
        assert_eq!(resolve(d, "/a/../../etc/passwd"), None);
        assert_eq!(resolve(d, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(d, "/%zz"), None);
        assert_eq!(content_type("x/app_bg.wasm"), "application/wasm");
    }

    #[test]
    fn lessons_and_workshop_json_are_served_and_nothing_else_outside_the_site() {
        let dir = std::env::temp_dir().join(format!("kvplay-http-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<p>page</p>").unwrap();
        let lesson = dir.join("intro.md");
        std::fs::write(&lesson, "# Intro").unwrap();
        let site = Site { dir: dir.clone(), lessons: vec![("intro.md".into(), lesson)], workshop_json: "{}".into() };
        let get = |p: &str| answer(&site, &hyper::Method::GET, p).status();
        assert_eq!(get("/"), StatusCode::OK);
        assert_eq!(get("/lessons/intro.md"), StatusCode::OK);
        assert_eq!(get("/lessons/other.md"), StatusCode::NOT_FOUND);
        assert_eq!(get("/workshop.json"), StatusCode::OK);
        assert_eq!(get("/../x"), StatusCode::NOT_FOUND);
        assert_eq!(answer(&site, &hyper::Method::POST, "/").status(), StatusCode::METHOD_NOT_ALLOWED);
        let _ = std::fs::remove_dir_all(dir);
    }
}
