//! Helpers for the end-to-end tests: run the `zoneblanche` binary, write input files into a
//! scratch folder, read `out.csv` back and check the shape of error messages.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const MONACO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/monaco-latest.osm.pbf"
);
pub const ANDORRA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/andorra-latest.osm.pbf"
);

/// The shared data file at `path`, or `None` after printing why the test is skipped.
pub fn data(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {path} is absent");
        None
    }
}

/// Synthetic sites and demand points near roads in the Monaco extract.
pub const MONTE_CARLO: (f64, f64) = (7.4246, 43.7384);
pub const MONACO_VILLE: (f64, f64) = (7.4167, 43.7325);
/// Paris: far outside the Monaco extract.
pub const PARIS: (f64, f64) = (2.35, 48.85);

/// A valid sites file (one synthetic site in Monte-Carlo).
pub const SITES: &str = "id,lon,lat\nsynthetic-site-monte-carlo,7.4246,43.7384\n";
/// A valid demand file (two synthetic points in Monaco).
pub const DEMAND: &str =
    "id,lon,lat\nsynthetic-demand-1,7.4167,43.7325\nsynthetic-demand-2,7.4300,43.7450\n";

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the stderr unless the run succeeded.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "expected success; stderr:\n{}",
            self.stderr
        );
        self
    }

    /// The first stderr line containing `needle`.
    #[track_caller]
    pub fn stderr_line(&self, needle: &str) -> &str {
        self.stderr
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no stderr line with {needle:?}:\n{}", self.stderr))
    }
}

/// Runs `zoneblanche` with `args`. `RUST_BACKTRACE=1` is set so that a panic would show up as a
/// backtrace in stderr, which the error checks look for.
pub fn zoneblanche<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_zoneblanche"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run zoneblanche");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `zoneblanche times <net_flag> <net> --sites .. --demand .. --out .. <extra>`.
pub fn times(
    net_flag: &str,
    net: &Path,
    sites: &Path,
    demand: &Path,
    out: &Path,
    extra: &[&str],
) -> Run {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("times"),
        OsStr::new(net_flag),
        net.as_os_str(),
        OsStr::new("--sites"),
        sites.as_os_str(),
        OsStr::new("--demand"),
        demand.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    zoneblanche(args)
}

/// A temporary folder for a test's inputs, with an empty `out/` subfolder for its output.
pub struct Scratch {
    dir: tempfile::TempDir,
    /// `out/out.csv`.
    pub out: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("out")).expect("out dir");
        let out = dir.path().join("out").join("out.csv");
        Scratch { dir, out }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `contents` to `name` in the scratch folder.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write test input");
        p
    }

    /// What the `out/` folder holds (the output and anything left beside it).
    pub fn out_dir_entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.out.parent().expect("parent"))
            .expect("read out dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.sort();
        v
    }

    /// `times --pbf MONACO` (whether or not the file is here: inputs are read before the
    /// network, so the tests of bad CSV input need no shared data).
    pub fn times_monaco(&self, sites: &Path, demand: &Path, extra: &[&str]) -> Run {
        times("--pbf", Path::new(MONACO), sites, demand, &self.out, extra)
    }
}

/// One row of `out.csv`, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct OutRow {
    pub id: String,
    pub seconds: String,
    pub site_id: String,
    pub snap_m: String,
    pub flagged: String,
    pub via_ferry: String,
    pub reason: String,
}

impl OutRow {
    pub fn secs(&self) -> Option<f64> {
        (!self.seconds.is_empty()).then(|| self.seconds.parse().expect("seconds is a number"))
    }
}

/// Reads `out.csv`, checking its header.
#[track_caller]
pub fn read_out(path: &Path) -> Vec<OutRow> {
    let mut rdr = csv::Reader::from_path(path).expect("open out.csv");
    let header: Vec<String> = rdr
        .headers()
        .expect("out.csv header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "seconds",
            "site_id",
            "snap_m",
            "flagged",
            "via_ferry",
            "reason"
        ]
    );
    rdr.records()
        .map(|r| {
            let r = r.expect("out.csv row");
            assert_eq!(r.len(), 7, "row {r:?}");
            OutRow {
                id: r[0].to_string(),
                seconds: r[1].to_string(),
                site_id: r[2].to_string(),
                snap_m: r[3].to_string(),
                flagged: r[4].to_string(),
                via_ferry: r[5].to_string(),
                reason: r[6].to_string(),
            }
        })
        .collect()
}

/// The number written after the first occurrence of `key` in `text`.
#[track_caller]
pub fn number_after(text: &str, key: &str) -> f64 {
    let at = text
        .find(key)
        .unwrap_or_else(|| panic!("{key:?} not in {text:?}"))
        + key.len();
    let num: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    num.parse()
        .unwrap_or_else(|_| panic!("no number after {key:?} in {text:?}"))
}

/// Whether `text` has `word` as a whole word (between non-identifier characters).
pub fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// The N of the first `line N` in `text`.
pub fn first_line_number(text: &str) -> Option<u64> {
    let at = text.find("line ")? + "line ".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// What a bad-input error must say.
#[derive(Debug, Default, Clone, Copy)]
pub struct Expect<'a> {
    /// `line N` (the header is line 1).
    pub line: Option<u64>,
    /// The field (column) name.
    pub field: Option<&'a str>,
    /// Other text the message must contain.
    pub contains: Option<&'a str>,
}

/// Checks a bad-input failure: exit code 2, one stderr line naming `file` (and the line and
/// field when given), no panic or backtrace, and nothing in the scratch `out/` folder.
#[track_caller]
pub fn assert_bad_input(run: &Run, scratch: &Scratch, file: &Path, expect: Expect) {
    let msg = run.stderr.trim_end();
    assert_eq!(run.code, Some(2), "exit code; stderr:\n{}", run.stderr);
    assert!(
        !msg.contains("panicked") && !msg.contains("backtrace") && !msg.contains("RUST_BACKTRACE"),
        "panic in stderr:\n{msg}"
    );
    assert_eq!(msg.lines().count(), 1, "not one line:\n{msg}");
    assert!(msg.starts_with("zoneblanche: error: "), "{msg}");
    let parts: Vec<&str> = msg.split(": ").collect();
    assert!(
        parts.windows(2).all(|w| w[0] != w[1]),
        "a cause is repeated: {msg}"
    );
    let name = file.file_name().expect("file name").to_string_lossy();
    assert!(msg.contains(&*name), "{msg:?} does not name {name}");
    if let Some(n) = expect.line {
        assert_eq!(first_line_number(msg), Some(n), "{msg:?}: wrong line");
    }
    if let Some(f) = expect.field {
        assert!(has_word(msg, f), "{msg:?} does not name the field {f}");
    }
    if let Some(s) = expect.contains {
        assert!(msg.contains(s), "{msg:?} does not contain {s:?}");
    }
    assert!(
        !scratch.out.exists(),
        "{} was written",
        scratch.out.display()
    );
    assert_eq!(
        scratch.out_dir_entries(),
        Vec::<String>::new(),
        "files left in the output folder"
    );
}

/// `id,lon,lat` CSV text for `(id, (lon, lat))` points.
pub fn points_csv(points: &[(&str, (f64, f64))]) -> String {
    let mut s = String::from("id,lon,lat\n");
    for (id, (lon, lat)) in points {
        s.push_str(&format!("{id},{lon},{lat}\n"));
    }
    s
}

/// The default `car` profile with every road speed times `factor` (its `speed_factor`).
pub fn scaled_profile(name: &str, factor: f64) -> String {
    format!("name = \"{name}\"\nspeed_factor = {factor}\n")
}
