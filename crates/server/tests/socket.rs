//! The server on a real loopback socket: real HTTP/1.1 requests (a foreign `Host` refused), then
//! a graceful shutdown.

mod common;

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use zb_server::{AppState, Options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_loopback_and_shuts_down_gracefully() {
    let Some(study) = common::monaco() else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(zb_server::serve(
        listener,
        AppState::new(study, Options::default()),
        async move {
            let _ = stopped.await;
        },
    ));

    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    // On one kept-alive connection, as the page's own names for the server call it, then as a
    // page elsewhere whose name points at 127.0.0.1 would (DNS rebinding): refused.
    let port = addr.port();
    for (host, want) in [
        (addr.to_string(), StatusCode::OK),
        (format!("localhost:{port}"), StatusCode::OK),
        (format!("[::1]:{port}"), StatusCode::OK),
        (
            format!("evil.example:{port}"),
            StatusCode::MISDIRECTED_REQUEST,
        ),
        (
            "127.0.0.1.evil.example".to_string(),
            StatusCode::MISDIRECTED_REQUEST,
        ),
    ] {
        let req = Request::get("/api/coverage?kind=mediation")
            .header("host", host.as_str())
            .body(Empty::<Bytes>::new())
            .unwrap();
        sender.ready().await.unwrap();
        let res = sender.send_request(req).await.unwrap();
        assert_eq!(res.status(), want, "Host: {host}");
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if want == StatusCode::OK {
            assert_eq!(v["kind"], "mediation");
        } else {
            let e = v["error"].as_str().unwrap();
            assert!(e.contains("localhost only") && e.contains(&host), "{e}");
        }
    }

    stop.send(()).unwrap();
    // The idle kept-alive connection is closed and the server returns.
    let done = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops within 10 s");
    done.unwrap().unwrap();
    tokio::time::timeout(Duration::from_secs(5), conn)
        .await
        .expect("the server closes the idle connection")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "nothing listens after the shutdown"
    );
}

#[test]
fn loopback_host_names() {
    for h in [
        "localhost",
        "LOCALHOST:8080",
        "localhost.",
        "app.localhost:1",
        "127.0.0.1",
        "127.1.2.3:80",
        "[::1]",
        "[::1]:8080",
    ] {
        assert!(zb_server::is_loopback_host(h), "{h}");
    }
    for h in [
        "evil.example",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "10.0.0.1:8080",
        "[::2]:80",
        "[::1]x",
        "",
        "0.0.0.0",
    ] {
        assert!(!zb_server::is_loopback_host(h), "{h}");
    }
}
