//! The server on a real loopback socket: a real HTTP/1.1 request, then a graceful shutdown.

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
    for _ in 0..2 {
        // Twice on one kept-alive connection.
        let req = Request::get("/api/coverage?kind=mediation")
            .header("host", addr.to_string())
            .body(Empty::<Bytes>::new())
            .unwrap();
        sender.ready().await.unwrap();
        let res = sender.send_request(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["kind"], "mediation");
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
