//! zb-store: saved scenarios. [`ScenarioBackend`] is what a store does; [`ScenarioStore`] keeps
//! them in an embedded SQLite database: a named [`Scenario`], the summary of its
//! results and their provenance, and the study it was run on.
//!
//! * [`ScenarioStore::open`] creates the file and its schema when absent, and refuses, with an
//!   error naming the file, a file that is not SQLite, is corrupt (`PRAGMA quick_check` runs on
//!   every open), belongs to something else, or was written by a newer zoneblanche;
//! * [`ScenarioStore::save`] inserts or replaces by name in one transaction: a process killed in
//!   the middle of a save leaves the previous state readable (WAL journal, `synchronous=FULL`);
//! * [`ScenarioStore::list`], [`ScenarioStore::get`], [`ScenarioStore::delete`].
//!
//! The schema version is `PRAGMA user_version` ([`SCHEMA_VERSION`]). `scenario`, `summary` and
//! `provenance` are JSON text columns, so the file stays readable with the `sqlite3` shell.
//!
//! # Threads
//! A `ScenarioStore` is one SQLite connection: it is `Send`, not `Sync`. A server either shares
//! one behind a `Mutex` (simplest; saves are short), or opens one per request or per worker
//! thread (several connections to the same file are safe, SQLite locks the file; note that every
//! open runs `quick_check`, a scan of the whole file). Concurrent writers wait up to
//! [`BUSY_TIMEOUT`] for each other.
//!
//! ```no_run
//! use zb_store::{SavedScenario, ScenarioBackend, ScenarioStore};
//! let mut store = ScenarioStore::open("scenarios.db".as_ref()).unwrap();
//! let scenario = zb_whatif::Scenario::read("antenne.toml".as_ref()).unwrap();
//! let saved = SavedScenario::new("antenne", scenario, serde_json::json!({}), serde_json::json!({}), None);
//! store.save(&saved).unwrap();
//! for item in store.list().unwrap() {
//!     println!("{} {}", item.name, item.saved_at);
//! }
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use zb_coverage::CoverageError;
use zb_whatif::scenario::Scenario;

/// The schema this version writes, and the newest it reads.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a connection waits for another one holding the write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest scenario name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

const SCHEMA_V1: &str = "
CREATE TABLE scenarios (
    name        TEXT PRIMARY KEY NOT NULL,
    scenario    TEXT NOT NULL,
    summary     TEXT NOT NULL,
    provenance  TEXT NOT NULL,
    study       TEXT,
    description TEXT,
    saved_at    TEXT NOT NULL
) STRICT;
";

/// A scenario as saved: its inputs, the summary of its results and their provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedScenario {
    /// The key in the store: non-empty, at most [`MAX_NAME_CHARS`] characters.
    pub name: String,
    pub scenario: Scenario,
    /// The summary JSON of the scenario's results.
    pub summary: serde_json::Value,
    /// The provenance JSON of those results.
    pub provenance: serde_json::Value,
    /// The study (name or path) the scenario was run on.
    pub study: Option<String>,
    /// RFC 3339 UTC.
    pub saved_at: String,
}

impl SavedScenario {
    /// A scenario saved now ([`zb_coverage::provenance::now_rfc3339`]).
    pub fn new(
        name: &str,
        scenario: Scenario,
        summary: serde_json::Value,
        provenance: serde_json::Value,
        study: Option<String>,
    ) -> SavedScenario {
        SavedScenario {
            name: name.to_string(),
            scenario,
            summary,
            provenance,
            study,
            saved_at: zb_coverage::provenance::now_rfc3339(),
        }
    }
}

/// One line of [`ScenarioStore::list`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioListItem {
    pub name: String,
    pub saved_at: String,
    pub study: Option<String>,
    /// The scenario's own description.
    pub description: Option<String>,
}

/// Where saved scenarios live. [`ScenarioStore`] (SQLite) is the one shipped; another backend
/// (a shared database server, a departmental file store) implements the same four operations
/// with the same meaning: `save` inserts or replaces by name atomically, `delete` says whether
/// the name was there, errors name the store.
pub trait ScenarioBackend: Send + std::fmt::Debug {
    /// Where the scenarios are (for messages; never published).
    fn location(&self) -> String;
    fn save(&mut self, s: &SavedScenario) -> Result<(), CoverageError>;
    /// Every saved scenario, by name.
    fn list(&self) -> Result<Vec<ScenarioListItem>, CoverageError>;
    fn get(&self, name: &str) -> Result<Option<SavedScenario>, CoverageError>;
    fn delete(&mut self, name: &str) -> Result<bool, CoverageError>;
}

impl ScenarioBackend for ScenarioStore {
    fn location(&self) -> String {
        self.path().display().to_string()
    }

    fn save(&mut self, s: &SavedScenario) -> Result<(), CoverageError> {
        ScenarioStore::save(self, s)
    }

    fn list(&self) -> Result<Vec<ScenarioListItem>, CoverageError> {
        ScenarioStore::list(self)
    }

    fn get(&self, name: &str) -> Result<Option<SavedScenario>, CoverageError> {
        ScenarioStore::get(self, name)
    }

    fn delete(&mut self, name: &str) -> Result<bool, CoverageError> {
        ScenarioStore::delete(self, name)
    }
}

/// The saved-scenario database: one SQLite connection (see the module doc for threads).
#[derive(Debug)]
pub struct ScenarioStore {
    conn: Connection,
    path: PathBuf,
}

impl ScenarioStore {
    /// Opens the store at `path`, creating the file (and its parent directories) and the schema
    /// when absent. Errors name the file.
    pub fn open(path: &Path) -> Result<ScenarioStore, CoverageError> {
        let err = |reason: String| CoverageError::Store {
            path: path.to_path_buf(),
            reason,
        };
        if path.is_dir() {
            return Err(err("is a directory, not a scenario database".into()));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| err(format!("cannot create its directory: {e}")))?;
        }
        let conn = Connection::open(path).map_err(|e| sql_err(path, "cannot open", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_err(path, "cannot set up", e))?;
        // The first read of the header: a file that is not SQLite fails here. One statement, so
        // that the version and the tables are of the same state when another process creates
        // the schema meanwhile.
        let (version, tables): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version),
                        (SELECT count(*) FROM sqlite_schema WHERE type = 'table')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| sql_err(path, "cannot read", e))?;
        if version > SCHEMA_VERSION {
            return Err(err(format!(
                "was written by a newer zoneblanche (schema {version}, this one reads up to {SCHEMA_VERSION})"
            )));
        }
        if version < 0 {
            return Err(err(format!("has an unknown schema version {version}")));
        }
        quick_check(&conn, path)?;
        if version == 0 && tables > 0 {
            return Err(err(
                "is an SQLite database of something else, not a zoneblanche scenario store (it has tables and no schema version)".into(),
            ));
        }
        // WAL: readers do not block the writer; a killed writer's half-written transaction is
        // never part of the database. FULL: a commit is on disk when `save` returns.
        // Changing the journal mode does not wait on the busy handler: another connection
        // setting it up at the same moment makes it fail at once with "database is locked".
        // Try again until the busy timeout.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        let mode: String = loop {
            match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                r => break r.map_err(|e| sql_err(path, "cannot set up", e))?,
            }
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(err(format!(
                "cannot use the WAL journal (journal mode stays {mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| sql_err(path, "cannot set up", e))?;
        let mut store = ScenarioStore {
            conn,
            path: path.to_path_buf(),
        };
        if version == 0 {
            store.create_schema()?;
        }
        store.check_schema()?;
        Ok(store)
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the schema, unless another process did it meanwhile.
    fn create_schema(&mut self) -> Result<(), CoverageError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_err(&path, "cannot create the schema", e))?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sql_err(&path, "cannot read", e))?;
        if version == 0 {
            tx.execute_batch(SCHEMA_V1)
                .and_then(|()| tx.pragma_update(None, "user_version", SCHEMA_VERSION))
                .map_err(|e| sql_err(&path, "cannot create the schema", e))?;
        }
        tx.commit()
            .map_err(|e| sql_err(&path, "cannot create the schema", e))
    }

    /// The version is ours; checks that the table is there too.
    fn check_schema(&self) -> Result<(), CoverageError> {
        let has: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'scenarios'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err("cannot read", e))?;
        if has {
            Ok(())
        } else {
            Err(CoverageError::Store {
                path: self.path.clone(),
                reason: "has schema version 1 but no `scenarios` table: not a zoneblanche scenario store".into(),
            })
        }
    }

    /// Inserts `s`, or replaces the scenario saved under the same name, in one transaction.
    pub fn save(&mut self, s: &SavedScenario) -> Result<(), CoverageError> {
        check_name(&s.name)?;
        s.scenario
            .check()
            .map_err(|reason| CoverageError::Invalid(format!("scenario `{}`: {reason}", s.name)))?;
        let scenario = to_json(&s.scenario)?;
        let summary = to_json(&s.summary)?;
        let provenance = to_json(&s.provenance)?;
        let path = self.path.clone();
        let what = format!("cannot save scenario `{}`", s.name);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_err(&path, &what, e))?;
        tx.execute(
            "INSERT INTO scenarios (name, scenario, summary, provenance, study, description, saved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (name) DO UPDATE SET
                 scenario = excluded.scenario, summary = excluded.summary,
                 provenance = excluded.provenance, study = excluded.study,
                 description = excluded.description, saved_at = excluded.saved_at",
            params![
                s.name,
                scenario,
                summary,
                provenance,
                s.study,
                s.scenario.description,
                s.saved_at
            ],
        )
        .map_err(|e| sql_err(&path, &what, e))?;
        tx.commit().map_err(|e| sql_err(&path, &what, e))
    }

    /// Every saved scenario, sorted by name (byte order).
    pub fn list(&self) -> Result<Vec<ScenarioListItem>, CoverageError> {
        let read = |e| self.err("cannot list the scenarios", e);
        let mut stmt = self
            .conn
            .prepare("SELECT name, saved_at, study, description FROM scenarios ORDER BY name")
            .map_err(read)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ScenarioListItem {
                    name: r.get(0)?,
                    saved_at: r.get(1)?,
                    study: r.get(2)?,
                    description: r.get(3)?,
                })
            })
            .map_err(read)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(read)
    }

    /// The scenario saved under `name`, if any.
    pub fn get(&self, name: &str) -> Result<Option<SavedScenario>, CoverageError> {
        let what = format!("cannot read scenario `{name}`");
        let row = self
            .conn
            .query_row(
                "SELECT scenario, summary, provenance, study, saved_at FROM scenarios WHERE name = ?1",
                [name],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(&what, e))?;
        let Some((scenario, summary, provenance, study, saved_at)) = row else {
            return Ok(None);
        };
        let bad = |column: &str, e: serde_json::Error| CoverageError::Store {
            path: self.path.clone(),
            reason: format!("scenario `{name}`: the stored {column} is not valid: {e}"),
        };
        Ok(Some(SavedScenario {
            name: name.to_string(),
            scenario: serde_json::from_str(&scenario).map_err(|e| bad("scenario", e))?,
            summary: serde_json::from_str(&summary).map_err(|e| bad("summary", e))?,
            provenance: serde_json::from_str(&provenance).map_err(|e| bad("provenance", e))?,
            study,
            saved_at,
        }))
    }

    /// Deletes the scenario saved under `name`; false when there was none.
    pub fn delete(&mut self, name: &str) -> Result<bool, CoverageError> {
        let n = self
            .conn
            .execute("DELETE FROM scenarios WHERE name = ?1", [name])
            .map_err(|e| sql_err(&self.path, &format!("cannot delete scenario `{name}`"), e))?;
        Ok(n > 0)
    }

    fn err(&self, what: &str, e: rusqlite::Error) -> CoverageError {
        sql_err(&self.path, what, e)
    }
}

/// JSON text for the JSON columns.
fn to_json<T: Serialize>(value: &T) -> Result<String, CoverageError> {
    // Only non-string map keys or a failing `Serialize` impl can fail here.
    serde_json::to_string(value)
        .map_err(|e| CoverageError::Invalid(format!("cannot serialize to JSON: {e}")))
}

/// A name is non-empty (not only blanks) and at most [`MAX_NAME_CHARS`] characters.
pub fn check_name(name: &str) -> Result<(), CoverageError> {
    if name.trim().is_empty() {
        return Err(CoverageError::Invalid(
            "a saved scenario needs a non-empty name".into(),
        ));
    }
    let n = name.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(CoverageError::Invalid(format!(
            "scenario name of {n} characters: at most {MAX_NAME_CHARS}"
        )));
    }
    Ok(())
}

/// `PRAGMA quick_check`: "ok", or the first problems found.
fn quick_check(conn: &Connection, path: &Path) -> Result<(), CoverageError> {
    let mut stmt = conn
        .prepare("PRAGMA quick_check(5)")
        .map_err(|e| sql_err(path, "cannot check", e))?;
    let lines = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| sql_err(path, "cannot check", e))?;
    if lines.len() == 1 && lines[0] == "ok" {
        return Ok(());
    }
    Err(CoverageError::Store {
        path: path.to_path_buf(),
        reason: format!(
            "is corrupt: PRAGMA quick_check reports: {}",
            lines.join("\n").replace('\n', "; ")
        ),
    })
}

/// An SQLite error as a store error; a file that is not SQLite or is corrupt says so.
fn sql_err(path: &Path, what: &str, e: rusqlite::Error) -> CoverageError {
    let reason = match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            format!(
                "{what}: not a zoneblanche scenario database (not an SQLite file, or corrupt): {e}"
            )
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            format!("{what}: the scenario database is corrupt: {e}")
        }
        _ if matches!(e, rusqlite::Error::FromSqlConversionFailure(..)) => {
            format!("{what}: the stored data is damaged: {e}")
        }
        _ => format!("{what}: {e}"),
    };
    CoverageError::Store {
        path: path.to_path_buf(),
        reason,
    }
}
