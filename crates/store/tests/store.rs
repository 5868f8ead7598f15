//! The saved-scenario store: round trips, refusals with clear errors, and a writer killed in the
//! middle of saves (the test re-executes its own binary as the writer).

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use zb_coverage::CoverageError;
use zb_store::{SCHEMA_VERSION, SavedScenario, ScenarioStore};
use zb_whatif::Scenario;

fn scenario(name: &str, description: Option<&str>) -> Scenario {
    let mut s = Scenario::from_toml_str(&format!(
        "name = \"{name}\"\n[[add]]\nid = \"new-1\"\nkind = \"espace_rencontre\"\nlon = 3.4993\nlat = 44.518\n[[close]]\nid = \"site-7\"\n[thresholds]\nespace_rencontre_min = 45\n"
    ))
    .unwrap();
    s.description = description.map(str::to_string);
    s
}

fn saved(name: &str, n: u64) -> SavedScenario {
    SavedScenario {
        name: name.to_string(),
        scenario: scenario(
            &format!("{name} scenario"),
            Some(&format!("description {n}")),
        ),
        summary: json!({"n": n, "kinds": [{"kind": "espace_rencontre", "within_weight": 12.5}]}),
        provenance: json!({"tool": "zoneblanche", "n": n}),
        study: Some(format!("study-{n}.toml")),
        saved_at: format!("2026-01-0{}T00:00:00Z", 1 + n % 9),
    }
}

fn store_reason(e: CoverageError) -> (PathBuf, String) {
    match e {
        CoverageError::Store { path, reason } => (path, reason),
        other => panic!("expected a store error, got {other:?}"),
    }
}

#[test]
fn save_list_get_delete_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/scenarios.db");
    let mut store = ScenarioStore::open(&path).unwrap();
    assert!(path.is_file(), "open creates the file and its directories");
    assert!(store.list().unwrap().is_empty());

    let b = saved("b-mende", 2);
    let a = saved("a-florac", 1);
    let mut c = saved("c-marvejols", 3);
    c.scenario.description = None;
    c.study = None;
    for s in [&b, &a, &c] {
        store.save(s).unwrap();
    }
    let list = store.list().unwrap();
    let names: Vec<&str> = list.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        ["a-florac", "b-mende", "c-marvejols"],
        "sorted by name"
    );
    assert_eq!(list[0].description.as_deref(), Some("description 1"));
    assert_eq!(list[0].study.as_deref(), Some("study-1.toml"));
    assert_eq!(list[0].saved_at, a.saved_at);
    assert_eq!(list[2].description, None);
    assert_eq!(list[2].study, None);

    assert_eq!(store.get("b-mende").unwrap().as_ref(), Some(&b));
    assert_eq!(store.get("c-marvejols").unwrap().as_ref(), Some(&c));
    assert_eq!(store.get("nowhere").unwrap(), None, "unknown name");

    assert!(store.delete("b-mende").unwrap());
    assert!(!store.delete("b-mende").unwrap(), "already deleted");
    assert!(!store.delete("nowhere").unwrap());
    assert_eq!(store.get("b-mende").unwrap(), None);
    assert_eq!(store.list().unwrap().len(), 2);
}

#[test]
fn save_replaces_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ScenarioStore::open(&dir.path().join("s.db")).unwrap();
    store.save(&saved("mende", 1)).unwrap();
    let newer = saved("mende", 7);
    store.save(&newer).unwrap();
    assert_eq!(store.list().unwrap().len(), 1);
    let got = store.get("mende").unwrap().unwrap();
    assert_eq!(got, newer);
    assert_eq!(got.summary["n"], 7);
}

#[test]
fn saved_scenarios_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let s = SavedScenario::new(
        "antenne",
        scenario("Antenne à Mende", None),
        json!({"x": 1}),
        json!({}),
        None,
    );
    assert!(
        s.saved_at.ends_with('Z') && s.saved_at.len() == 20,
        "{}",
        s.saved_at
    );
    {
        let mut store = ScenarioStore::open(&path).unwrap();
        store.save(&s).unwrap();
        store.save(&saved("other", 2)).unwrap();
        assert!(store.delete("other").unwrap());
    }
    let store = ScenarioStore::open(&path).unwrap();
    assert_eq!(store.path(), path);
    assert_eq!(store.get("antenne").unwrap(), Some(s));
    assert_eq!(store.get("other").unwrap(), None);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn names_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ScenarioStore::open(&dir.path().join("s.db")).unwrap();
    for bad in ["", "   ", &"é".repeat(201)] {
        let e = store.save(&saved(bad, 1)).unwrap_err();
        assert!(matches!(e, CoverageError::Invalid(_)), "{bad:?}: {e}");
    }
    store.save(&saved(&"é".repeat(200), 1)).unwrap();
    assert_eq!(store.list().unwrap().len(), 1);
}

#[test]
fn store_is_send() {
    fn send<T: Send>(_: &T) {}
    let dir = tempfile::tempdir().unwrap();
    let store = ScenarioStore::open(&dir.path().join("s.db")).unwrap();
    send(&store);
    // Really used from another thread, as a server worker would.
    let path = dir.path().join("s.db");
    let mut store = std::thread::spawn(move || {
        let mut store = store;
        store.save(&saved("from-thread", 1)).unwrap();
        store
    })
    .join()
    .unwrap();
    assert!(store.delete("from-thread").unwrap());
    assert_eq!(store.path(), path);
}

#[test]
fn connections_per_thread_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    // Each thread opens its own store on a file that does not exist yet: both may try to create
    // the schema, and their saves interleave.
    let writers: Vec<_> = (0..3)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = ScenarioStore::open(&path).unwrap();
                for i in 0..15 {
                    store.save(&saved(&format!("t{t}-{i:02}"), i)).unwrap();
                    assert!(store.get(&format!("t{t}-{i:02}")).unwrap().is_some());
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let store = ScenarioStore::open(&path).unwrap();
    let list = store.list().unwrap();
    assert_eq!(list.len(), 45);
    assert_eq!(list[0].name, "t0-00");
    assert_eq!(list[44].name, "t2-14");
}

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE scenarios_v2 (x INTEGER); PRAGMA user_version = 2;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let (p, reason) = store_reason(ScenarioStore::open(&path).unwrap_err());
    assert_eq!(p, path);
    assert!(
        reason.contains("was written by a newer zoneblanche (schema 2, this one reads up to 1)"),
        "{reason}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a newer database is not modified"
    );
    let shown = ScenarioStore::open(&path).unwrap_err().to_string();
    assert!(shown.starts_with(&path.display().to_string()), "{shown}");
}

#[test]
fn another_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let (p, reason) = store_reason(ScenarioStore::open(&path).unwrap_err());
    assert_eq!(p, path);
    assert!(
        reason.contains("not a zoneblanche scenario store"),
        "{reason}"
    );
}

#[test]
fn non_sqlite_files_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0u8; 8192];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in &mut bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let toml = "[study]\nname = \"Lozère\"\n".repeat(300);
    let cases: [(&str, &[u8]); 3] = [
        ("random.db", &bytes),
        (
            "notes.txt",
            b"name = \"Antenne\"\nthis is a text file, not a database\n",
        ),
        ("study.toml", toml.as_bytes()),
    ];
    for (file, content) in cases {
        let path = dir.path().join(file);
        std::fs::write(&path, content).unwrap();
        let e = ScenarioStore::open(&path).unwrap_err();
        let shown = e.to_string();
        let (p, reason) = store_reason(e);
        assert_eq!(p, path);
        assert!(shown.contains(file), "{shown}");
        assert!(
            reason.contains("not an SQLite file, or corrupt"),
            "{file}: {reason}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            content,
            "{file} is not modified"
        );
    }
    let (p, reason) = store_reason(ScenarioStore::open(dir.path()).unwrap_err());
    assert_eq!(p, dir.path());
    assert!(reason.contains("directory"), "{reason}");
}

/// A real database with several pages, closed cleanly (WAL checkpointed into the file).
fn real_db(path: &Path) {
    let mut store = ScenarioStore::open(path).unwrap();
    for i in 0..20 {
        let mut s = saved(&format!("s-{i:02}"), i);
        s.summary = json!({"n": i, "payload": "z".repeat(3000)});
        store.save(&s).unwrap();
    }
    drop(store);
    assert!(
        !path.with_extension("db-wal").exists(),
        "the WAL is checkpointed on close"
    );
    assert!(std::fs::metadata(path).unwrap().len() > 16 * 4096);
}

/// Opens, lists and reads everything: an error is fine, a panic or a silent success is not.
fn read_all(path: &Path) -> Result<usize, CoverageError> {
    let store = ScenarioStore::open(path)?;
    let list = store.list()?;
    for item in &list {
        store.get(&item.name)?.expect("listed");
    }
    Ok(list.len())
}

#[test]
fn corrupted_pages_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.db");
    real_db(&path);
    assert_eq!(read_all(&path).unwrap(), 20);
    // Page 2 is the root of the `scenarios` table; garbage in its middle breaks the b-tree.
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(4096 + 8)).unwrap();
    f.write_all(&[0xA5; 3000]).unwrap();
    drop(f);
    let e = read_all(&path).unwrap_err();
    let shown = e.to_string();
    let (p, reason) = store_reason(e);
    assert_eq!(p, path);
    assert!(shown.contains("corrupt.db"), "{shown}");
    assert!(
        reason.contains("is corrupt: PRAGMA quick_check reports: "),
        "{reason}"
    );
    assert!(!reason.contains('\n'), "one line: {reason}");
}

#[test]
fn garbage_anywhere_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.db");
    real_db(&clean);
    let len = std::fs::metadata(&clean).unwrap().len();
    let mut detected = 0;
    let offsets: Vec<u64> = (1..12).map(|k| len * k / 12).collect();
    for (i, &at) in offsets.iter().enumerate() {
        let path = dir.path().join(format!("damaged-{i}.db"));
        std::fs::copy(&clean, &path).unwrap();
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.seek(SeekFrom::Start(at)).unwrap();
        f.write_all(&[0xFF; 200]).unwrap();
        drop(f);
        match read_all(&path) {
            Err(e) => {
                let (p, _) = store_reason(e);
                assert_eq!(p, path);
                detected += 1;
            }
            // Bytes over free space or inside a payload string can go unnoticed by SQLite.
            Ok(n) => assert!(n <= 20),
        }
    }
    assert!(detected > 0, "no damage detected at any of {offsets:?}");
}

#[test]
fn truncated_database_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truncated.db");
    real_db(&path);
    let len = std::fs::metadata(&path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let (p, reason) = store_reason(read_all(&path).unwrap_err());
    assert_eq!(p, path);
    assert!(reason.contains("corrupt"), "{reason}");
}

// ---- A writer killed in the middle of saves ----

const WRITER_ENV: &str = "ZB_STORE_WRITER";
const KILL_TEST: &str = "killed_writer_leaves_the_previous_state_readable";
/// Big enough that a save spans many pages and takes a while.
const PAYLOAD_BYTES: usize = 1 << 20;

fn committed_file(db: &Path) -> PathBuf {
    db.with_extension("committed")
}

fn read_committed(db: &Path) -> Option<u64> {
    std::fs::read_to_string(committed_file(db))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn big(name: &str, n: u64) -> SavedScenario {
    let mut s = saved(name, n);
    let stamp = format!("{n:012}|");
    s.summary = json!({
        "n": n,
        "payload": stamp.repeat(PAYLOAD_BYTES / stamp.len()),
        "tail": n,
    });
    s
}

/// Checks one saved big scenario: whole, not torn; returns its counter.
fn check_big(s: &SavedScenario) -> u64 {
    let n = s.summary["n"].as_u64().unwrap();
    assert_eq!(s.summary["tail"].as_u64(), Some(n), "{}", s.name);
    let payload = s.summary["payload"].as_str().unwrap();
    let stamp = format!("{n:012}|");
    assert_eq!(payload.len(), PAYLOAD_BYTES / stamp.len() * stamp.len());
    assert!(
        payload.starts_with(&stamp) && payload.ends_with(&stamp),
        "{}",
        s.name
    );
    assert_eq!(s.provenance["n"].as_u64(), Some(n));
    n
}

/// The child: saves big scenarios with increasing counters until killed (bounded all the same),
/// writing each committed counter to a side file.
fn writer_loop(db: &Path) {
    let mut store = ScenarioStore::open(db).unwrap();
    let start = store.get("latest").unwrap().map_or(0, |s| check_big(&s));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut n = start;
    while Instant::now() < deadline && n < start + 2_000 {
        n += 1;
        store.save(&big("latest", n)).unwrap();
        store.save(&big(&format!("rotating-{}", n % 3), n)).unwrap();
        let tmp = committed_file(db).with_extension("tmp");
        std::fs::write(&tmp, n.to_string()).unwrap();
        std::fs::rename(&tmp, committed_file(db)).unwrap();
    }
}

/// When the parent kills the writer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kill {
    Now,
    AfterMs(u64),
    /// At the k-th write seen to the database files after the last reported commit.
    AtWrite(usize),
}

/// Kills the child if the parent's checks panic.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn killed_writer_leaves_the_previous_state_readable() {
    if let Some(db) = std::env::var_os(WRITER_ENV) {
        writer_loop(Path::new(&db));
        return;
    }
    let test_start = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.db");
    let exe = std::env::current_exe().unwrap();
    // Kill right away (maybe while the schema is created); then, once the writer has committed
    // once more, after varied delays, or as soon as it writes to the files again (the narrow
    // window where an unjournaled write would tear).
    let plan = (0..24).map(|round: usize| match round {
        0 => Kill::Now,
        r if r % 2 == 1 => Kill::AtWrite(1 + r / 2 % 3),
        r => Kill::AfterMs([0, 3, 9, 17, 29, 41][r / 2 % 6]),
    });
    let mut last_reported = 0;
    let mut rounds_with_commits = 0;
    for (round, kill) in plan.enumerate() {
        if test_start.elapsed() > Duration::from_secs(5) {
            break;
        }
        let child = Command::new(&exe)
            .args(["--exact", KILL_TEST, "--nocapture", "--test-threads=1"])
            .env(WRITER_ENV, &db)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = KillOnDrop(child);
        if kill != Kill::Now {
            let target = last_reported + 1;
            let wait_deadline = Instant::now() + Duration::from_secs(3);
            while read_committed(&db).unwrap_or(0) < target {
                if let Some(status) = child.0.try_wait().unwrap() {
                    panic!("round {round}: the writer exited early: {status}");
                }
                assert!(
                    Instant::now() < wait_deadline,
                    "round {round}: no commit in 3 s"
                );
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        match kill {
            Kill::Now => {}
            Kill::AfterMs(ms) => std::thread::sleep(Duration::from_millis(ms)),
            Kill::AtWrite(k) => {
                // Spin on the database files' size and mtime: kill on the k-th change seen.
                let files = [db.clone(), db.with_extension("db-wal")];
                let stamp = || {
                    files
                        .iter()
                        .map(|f| {
                            std::fs::metadata(f)
                                .ok()
                                .map(|m| (m.len(), m.modified().ok()))
                        })
                        .collect::<Vec<_>>()
                };
                let mut last = stamp();
                let spin_deadline = Instant::now() + Duration::from_secs(1);
                for _ in 0..k {
                    while Instant::now() < spin_deadline {
                        let now = stamp();
                        if now != last {
                            last = now;
                            break;
                        }
                    }
                }
            }
        }
        child.0.kill().unwrap();
        let status = child.0.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer was killed, not finished"
        );
        drop(child);

        let reported = read_committed(&db).unwrap_or(0);
        assert!(reported >= last_reported);
        last_reported = reported;
        if !db.exists() {
            assert_eq!(reported, 0);
            continue;
        }
        // The state left behind: opens (quick_check passes), every scenario parses and is whole,
        // and the last reported commit is there (or a later one, killed before reporting it).
        let store = ScenarioStore::open(&db).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        drop(conn);
        let list = store.list().unwrap();
        for item in &list {
            let s = store.get(&item.name).unwrap().unwrap();
            check_big(&s);
        }
        match store.get("latest").unwrap() {
            Some(latest) => {
                let n = check_big(&latest);
                assert!(
                    n >= reported,
                    "round {round}: latest is {n}, {reported} was committed"
                );
                assert!(
                    n <= reported + 1,
                    "round {round}: latest is {n}, only {reported} reported"
                );
                rounds_with_commits += 1;
            }
            None => assert_eq!(
                reported, 0,
                "round {round}: committed {reported} is missing"
            ),
        }
    }
    assert!(
        rounds_with_commits >= 3,
        "only {rounds_with_commits} rounds with commits"
    );
    assert!(last_reported >= 3, "only {last_reported} commits in all");
}
