//! `zoneblanche serve` end to end: the loopback rule, then the real binary on the Monaco study,
//! a request over a socket and a graceful stop on SIGTERM.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn a_public_address_without_a_token_is_refused_before_loading() {
    let out = Command::new(env!("CARGO_BIN_EXE_zoneblanche"))
        .args([
            "serve",
            "--study",
            "no-such-study.toml",
            "--bind",
            "0.0.0.0:0",
        ])
        .env_remove("ZB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-anonymous-writes"), "{err}");
    assert!(err.contains("0.0.0.0:0"), "{err}");
    assert!(
        !err.contains("no-such-study"),
        "checked before the study: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// One HTTP/1.1 request on a fresh connection; the whole answer.
fn http(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// A `zoneblanche serve` child process and the port it listens on.
struct Server {
    child: std::process::Child,
    port: u16,
    reader: std::thread::JoinHandle<String>,
}

/// Starts `zoneblanche serve ARGS --bind 127.0.0.1:0` and waits until it says where it listens.
fn start(args: &[&str], envs: &[(&str, &std::path::Path)], cwd: &std::path::Path) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zoneblanche"));
    cmd.arg("serve")
        .args(args)
        .args(["--bind", "127.0.0.1:0"])
        .current_dir(cwd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd
        .env("ZB_TOKEN", "s3cret")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr on a thread (request logs would fill the pipe), pass on the port.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let port: u16 = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the server says where it listens");
        if let Some(rest) = line.split("on http://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    Server {
        child,
        port,
        reader,
    }
}

/// Sends SIGTERM, waits for a clean exit and returns everything the server printed.
fn stop(mut server: Server) -> String {
    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            server.child.kill().unwrap();
            panic!("the server did not stop within 20 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let err = server.reader.join().unwrap();
    assert!(status.success(), "{status:?}: {err}");
    assert!(err.contains("stopped"), "{err}");
    err
}

#[test]
fn serve_answers_on_loopback_and_stops_on_sigterm() {
    let Some(_) = data(MONACO) else { return };
    let study = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/monaco/study.toml");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scenarios.sqlite");
    let server = start(
        &["--study", study, "--db", db.to_str().unwrap()],
        &[],
        dir.path(),
    );
    let port = server.port;
    let res = http(
        port,
        "GET /api/territory HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("\"counts\":\"people\""), "{res}");
    let body = r#"{"name":"x"}"#;
    let res = http(
        port,
        &format!(
            "POST /api/scenarios HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(
        res.starts_with("HTTP/1.1 401"),
        "the token is required: {res}"
    );
    let err = stop(server);
    assert!(err.contains("/api/territory"), "request logs: {err}");
}

/// The demo smoke test: with no study, `serve` serves the embedded synthetic Lozère demo, with
/// no shared data and no checkout needed. With no `--db`, the scenario database goes to the
/// user's data directory (`$XDG_DATA_HOME/zoneblanche/`), not the current folder.
#[test]
fn serve_without_a_study_serves_the_synthetic_demo() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    let cache = dir.path().join("cache");
    let data = dir.path().join("data");
    let server = start(
        &[],
        &[("XDG_CACHE_HOME", &cache), ("XDG_DATA_HOME", &data)],
        &cwd,
    );
    let res = http(
        server.port,
        "GET /api/territory HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("Lozère"), "{res}");
    assert!(res.contains("\"synthetic\":true"), "{res}");
    let res = http(
        server.port,
        "GET /api/coverage?kind=mediation&threshold_min=30 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let page = http(
        server.port,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(
        page.starts_with("HTTP/1.1 200") && page.contains("<html"),
        "{page}"
    );
    let err = stop(server);
    assert!(err.contains("demo:"), "{err}");
    assert!(
        data.join("zoneblanche/scenarios.sqlite").is_file(),
        "no scenario database in $XDG_DATA_HOME/zoneblanche: {err}"
    );
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "serve wrote into the current folder"
    );
}
