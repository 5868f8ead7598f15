//! Bad input to `zoneblanche times`: a one-line error naming the file, the line and the field,
//! exit code 2, no panic, and no output file (nor temporary file) left behind.
//!
//! The CSV cases pass the Monaco PBF path whether or not it is here: the CSV files are read
//! before the network, so these tests need no shared data.

mod common;

use std::ffi::OsStr;

use common::*;

fn expect<'a>(line: u64, field: &'a str) -> Expect<'a> {
    Expect {
        line: Some(line),
        field: Some(field),
        contains: None,
    }
}

/// Runs `times` with `demand_text` as the demand file and the good sites, and checks the error.
#[track_caller]
fn bad_demand(demand_text: &str, want: Expect) {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand-bad.csv", demand_text);
    let run = s.times_monaco(&sites, &demand, &[]);
    assert_bad_input(&run, &s, &demand, want);
}

/// Runs `times` with `sites_text` as the sites file and the good demand, and checks the error.
#[track_caller]
fn bad_sites(sites_text: &str, want: Expect) {
    let s = Scratch::new();
    let sites = s.file("sites-bad.csv", sites_text);
    let demand = s.file("demand.csv", DEMAND);
    let run = s.times_monaco(&sites, &demand, &[]);
    assert_bad_input(&run, &s, &sites, want);
}

#[test]
fn missing_pbf() {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let pbf = s.path("no-such-extract.osm.pbf");
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    assert_bad_input(&run, &s, &pbf, Expect::default());
}

#[test]
fn truncated_pbf() {
    let Some(monaco) = data(MONACO) else { return };
    let bytes = std::fs::read(&monaco).expect("read monaco");
    // Cuts inside a blob header or blob (not at a blob boundary, where the file would be a
    // valid, smaller extract).
    for n in [20, 5_000, 100_000, 200_000, bytes.len() - 1] {
        let s = Scratch::new();
        let sites = s.file("sites.csv", SITES);
        let demand = s.file("demand.csv", DEMAND);
        let pbf = s.file("truncated.osm.pbf", &bytes[..n]);
        let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
        assert_bad_input(
            &run,
            &s,
            &pbf,
            Expect {
                contains: Some("truncated"),
                ..Expect::default()
            },
        );
    }
}

#[test]
fn non_pbf_files_given_as_pbf() {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    // A CSV file, and an empty file.
    for pbf in [s.file("points.csv", DEMAND), s.file("empty.osm.pbf", "")] {
        let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
        assert_bad_input(
            &run,
            &s,
            &pbf,
            Expect {
                contains: Some("not an OSM PBF file"),
                ..Expect::default()
            },
        );
    }
}

#[test]
fn missing_csv_files() {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let absent = s.path("absent-points.csv");
    let run = s.times_monaco(&absent, &demand, &[]);
    assert_bad_input(&run, &s, &absent, Expect::default());
    let run = s.times_monaco(&sites, &absent, &[]);
    assert_bad_input(&run, &s, &absent, Expect::default());
}

#[test]
fn sites_without_lat_column() {
    bad_sites("id,lon,name\nsynthetic-site,7.4246,x\n", expect(1, "lat"));
}

#[test]
fn demand_without_id_column() {
    bad_demand("lon,lat,weight\n7.4246,43.7384,1\n", expect(1, "id"));
}

#[test]
fn non_numeric_coordinates() {
    bad_demand(
        "id,lon,lat\nsynthetic-1,7.4246,43.7384\nsynthetic-2,abc,43.7384\n",
        expect(3, "lon"),
    );
    // A decimal comma (quoted so that the row has three fields).
    bad_sites(
        "id,lon,lat\nsynthetic-1,7.4246,43.7384\nsynthetic-2,7.4167,\"43,7325\"\n",
        expect(3, "lat"),
    );
    // An empty coordinate.
    bad_demand(
        "id,lon,lat\nsynthetic-1,7.4246,43.7384\nsynthetic-2,7.4167,43.7325\nsynthetic-3,,43.7\n",
        expect(4, "lon"),
    );
}

#[test]
fn nan_and_infinite_coordinates() {
    for bad in ["NaN", "nan", "inf", "-infinity"] {
        bad_demand(
            &format!(
                "id,lon,lat\nsynthetic-1,7.4246,43.7384\nsynthetic-2,7.4167,43.7325\nsynthetic-3,7.42,{bad}\n"
            ),
            expect(4, "lat"),
        );
        bad_sites(
            &format!("id,lon,lat\nsynthetic-1,{bad},43.7384\n"),
            expect(2, "lon"),
        );
    }
}

#[test]
fn out_of_range_coordinates() {
    for (lon, lat, field) in [
        ("180.5", "43.7", "lon"),
        ("-181", "43.7", "lon"),
        ("7.42", "90.01", "lat"),
        ("7.42", "-91", "lat"),
    ] {
        bad_demand(
            &format!("id,lon,lat\nsynthetic-1,7.4246,43.7384\nsynthetic-2,{lon},{lat}\n"),
            expect(3, field),
        );
        bad_sites(
            &format!("id,lon,lat\nsynthetic-1,{lon},{lat}\n"),
            expect(2, field),
        );
    }
}

#[test]
fn boundary_coordinates_are_accepted() {
    // |lon| = 180 and |lat| = 90 are valid: the points are far off the network, so they are
    // unreachable, not errors.
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file(
        "demand.csv",
        "id,lon,lat\nsynthetic-1,180,90\nsynthetic-2,-180,-90\n",
    );
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let rows = read_out(&s.out);
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.seconds.is_empty() && r.flagged == "1")
    );
}

#[test]
fn sites_file_with_no_site() {
    // Header only, header and blank lines, and a file with no header at all.
    for text in ["id,lon,lat\n", "id,lon,lat\n\n\n", ""] {
        bad_sites(text, Expect::default());
    }
    bad_demand("id,lon,lat,weight\n", Expect::default());
}

#[test]
fn duplicate_ids() {
    let text = "id,lon,lat\nsynthetic-a,7.4246,43.7384\nsynthetic-b,7.4167,43.7325\nsynthetic-a,7.43,43.745\n";
    let want = Expect {
        line: Some(4),
        field: Some("id"),
        contains: Some("synthetic-a"),
    };
    bad_sites(text, want);
    bad_demand(text, want);
}

#[test]
fn bad_weights() {
    for (bad, line) in [("x", 3), ("-1", 3), ("-0.5", 3), ("NaN", 3), ("inf", 3)] {
        bad_demand(
            &format!(
                "id,lon,lat,weight\nsynthetic-1,7.4246,43.7384,2\nsynthetic-2,7.4167,43.7325,{bad}\n"
            ),
            expect(line, "weight"),
        );
    }
}

#[test]
fn row_with_missing_fields() {
    bad_demand(
        "id,lon,lat\nsynthetic-1,7.4246,43.7384\nsynthetic-2,7.4167\n",
        Expect {
            line: Some(3),
            ..Expect::default()
        },
    );
}

#[test]
fn line_numbers_count_line_breaks_inside_quotes() {
    // The id on line 2 spans two lines, so the bad row is on line 4.
    bad_demand(
        "id,lon,lat\n\"synthetic\nmulti-line\",7.4246,43.7384\nsynthetic-2,7.4167,north\n",
        expect(4, "lat"),
    );
}

#[test]
fn bad_flags() {
    for (flag, value) in [
        ("--threshold-min", "0"),
        ("--threshold-min", "-5"),
        ("--threshold-min", "NaN"),
        ("--max-snap-m", "-1"),
        ("--max-snap-m", "inf"),
    ] {
        let s = Scratch::new();
        let sites = s.file("sites.csv", SITES);
        let demand = s.file("demand.csv", DEMAND);
        // `--flag=value`, so that clap takes `-5` as a value.
        let arg = format!("{flag}={value}");
        let run = s.times_monaco(&sites, &demand, &[&arg]);
        assert_eq!(run.code, Some(2), "{flag} {value}: {}", run.stderr);
        let msg = run.stderr.trim_end();
        assert_eq!(msg.lines().count(), 1, "{msg}");
        assert!(msg.contains(flag), "{msg}");
        assert!(!s.out.exists());
    }
}

#[test]
fn only_site_far_from_any_road() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    // Out at sea, 14 km from the nearest road.
    let sites = s.file(
        "sites-at-sea.csv",
        points_csv(&[("synthetic-site-at-sea", (7.47, 43.60))]),
    );
    let demand = s.file("demand.csv", DEMAND);
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // A warning about the site may come first; the error is the last line.
    let last = run.stderr.trim_end().lines().last().expect("stderr");
    assert!(last.starts_with("zoneblanche: error: "), "{last}");
    assert!(last.contains("sites-at-sea.csv"), "{last}");
    assert!(last.contains("1000 m"), "{last}");
    assert!(
        run.stderr.contains("synthetic-site-at-sea"),
        "{}",
        run.stderr
    );
    assert!(!s.out.exists());
    assert!(s.out_dir_entries().is_empty());
}

#[test]
fn unwritable_output() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let out = s.path("no-such-folder").join("result.csv");
    let run = times("--pbf", &pbf, &sites, &demand, &out, &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let msg = run.stderr.trim_end();
    let last = msg.lines().last().expect("stderr");
    assert!(last.contains("result.csv"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");
    assert!(!out.exists());
}

#[test]
fn existing_output_is_left_untouched_on_error() {
    let s = Scratch::new();
    std::fs::write(&s.out, "previous run\n").expect("write");
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand-bad.csv", "id,lon,lat\nsynthetic-1,7.42,x\n");
    let run = s.times_monaco(&sites, &demand, &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&s.out).expect("out"),
        "previous run\n"
    );
    assert_eq!(s.out_dir_entries(), ["out.csv"]);
}

#[test]
fn missing_network_flag_is_a_usage_error() {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let run = zoneblanche([
        OsStr::new("times"),
        OsStr::new("--sites"),
        sites.as_os_str(),
        OsStr::new("--demand"),
        demand.as_os_str(),
        OsStr::new("--out"),
        s.out.as_os_str(),
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--pbf"), "{}", run.stderr);
    assert!(!s.out.exists());
}
