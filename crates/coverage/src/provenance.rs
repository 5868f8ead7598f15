//! Where an output comes from: input files with their SHA-256, profile, software version, time.

use std::path::Path;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputFile {
    /// `study`, `network`, `profile`, `sites` or `population`.
    pub role: String,
    /// The file's name, without its folder: outputs never show where files sit on disk (the
    /// hash says which file it was).
    pub path: String,
    pub sha256: String,
}

impl InputFile {
    pub fn new(role: &str, path: &Path, sha256: String) -> InputFile {
        InputFile {
            role: role.to_string(),
            path: path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            sha256,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    pub software: String,
    /// UTC, RFC 3339; `SOURCE_DATE_EPOCH` (seconds) fixes it for reproducible outputs.
    pub generated_at: String,
    pub study: Option<String>,
    pub inputs: Vec<InputFile>,
    pub profile: String,
    /// True when any input is synthetic (demo data, generated sites): outputs say so.
    pub synthetic: bool,
}

impl Provenance {
    pub fn new(
        study: Option<String>,
        inputs: Vec<InputFile>,
        profile: String,
        synthetic: bool,
    ) -> Provenance {
        Provenance {
            software: format!("zoneblanche {}", env!("CARGO_PKG_VERSION")),
            generated_at: now_rfc3339(),
            study,
            inputs,
            profile,
            synthetic,
        }
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`, or `SOURCE_DATE_EPOCH` when set.
pub fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    rfc3339(secs)
}

/// Seconds since the Unix epoch as RFC 3339 UTC (proleptic Gregorian, days-to-civil).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_398_245), "2026-11-23T01:44:05Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
