//! `--profile car|simple|FILE`: the built-in profiles, and a TOML profile extending one of them.

mod common;

use std::path::Path;

use common::*;

fn demand_points() -> String {
    points_csv(&[
        ("synthetic-at-site", MONACO_VILLE),
        ("synthetic-mc", MONTE_CARLO),
        ("synthetic-north", (7.4300, 43.7450)),
        ("synthetic-west", (7.4100, 43.7290)),
        ("synthetic-east", (7.4400, 43.7480)),
        ("synthetic-centre", (7.4200, 43.7400)),
        ("synthetic-paris", PARIS),
    ])
}

/// Monaco times from the demand points to Monaco-Ville with the default profile and with
/// `--profile <profile>`: (default rows, profile rows).
fn default_and_with(s: &Scratch, pbf: &Path, profile: &str) -> (Vec<OutRow>, Vec<OutRow>) {
    let sites = s.file(
        "sites.csv",
        points_csv(&[("synthetic-site-mv", MONACO_VILLE)]),
    );
    let demand = s.file("demand.csv", demand_points());
    times("--pbf", pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let other = s.path("out-profile.csv");
    times(
        "--pbf",
        pbf,
        &sites,
        &demand,
        &other,
        &["--profile", profile],
    )
    .assert_ok();
    (read_out(&s.out), read_out(&other))
}

#[test]
fn slower_profile_gives_larger_times() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let slow = s.file("slow.toml", scaled_profile("synthetic-slow-car", 0.5));
    let (fast, slower) = default_and_with(&s, &pbf, slow.to_str().expect("utf-8 path"));

    assert_eq!(fast.len(), slower.len());
    let (mut sum_fast, mut sum_slow) = (0.0, 0.0);
    for (f, w) in fast.iter().zip(&slower) {
        assert_eq!(f.id, w.id);
        // Same roads, same snapping: only the speeds differ.
        assert_eq!(f.snap_m, w.snap_m, "{f:?} {w:?}");
        match (f.secs(), w.secs()) {
            (Some(a), Some(b)) => {
                assert!(
                    b >= a,
                    "{}: {b} s with the slow profile, {a} s by default",
                    f.id
                );
                sum_fast += a;
                sum_slow += b;
            }
            (None, None) => {}
            other => panic!("{}: reachability changed: {other:?}", f.id),
        }
    }
    assert!(
        sum_slow > sum_fast * 1.2,
        "slow profile total {sum_slow} s, default {sum_fast} s"
    );
    assert!(fast[0].secs().expect("at site") <= 1.0);
}

#[test]
fn profile_without_routable_roads_is_an_error() {
    // A simple profile whose only highway value is not in the extract: no road to route on.
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let only = s.file(
        "only-bogus.toml",
        "base = \"simple\"\nname = \"synthetic-nothing\"\n[speeds]\nno_such_highway = 50.0\n",
    );
    let run = times(
        "--pbf",
        &pbf,
        &sites,
        &demand,
        &s.out,
        &["--profile", only.to_str().expect("utf-8")],
    );
    assert_bad_input(
        &run,
        &s,
        &pbf,
        Expect {
            contains: Some("synthetic-nothing"),
            ..Expect::default()
        },
    );
}

/// Runs `times` with the profile text `toml` and checks for a one-line error naming it.
#[track_caller]
fn bad_profile(toml: &str, want: Expect) {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let profile = s.file("bad-profile.toml", toml);
    // The profile is read before the PBF, so this needs no shared data.
    let run = times(
        "--pbf",
        Path::new(MONACO),
        &sites,
        &demand,
        &s.out,
        &["--profile", profile.to_str().expect("utf-8")],
    );
    assert_bad_input(&run, &s, &profile, want);
}

#[test]
fn malformed_profile_is_a_one_line_error() {
    // TOML syntax error on line 2 (toml's own message spans two lines).
    bad_profile(
        "name = \"synthetic\"\n[speeds\nprimary = 50\n",
        Expect {
            line: Some(2),
            ..Expect::default()
        },
    );
    // An unknown key on line 3.
    bad_profile(
        "name = \"synthetic\"\n[speeds]\nprimary = 50\n[bogus_section]\nx = 1\n",
        Expect {
            line: Some(4),
            contains: Some("bogus_section"),
            ..Expect::default()
        },
    );
    // A speed of the wrong type.
    bad_profile(
        "[speeds]\nprimary = \"fast\"\n",
        Expect {
            line: Some(2),
            ..Expect::default()
        },
    );
    // Speeds out of range, and no routable highway at all.
    bad_profile(
        "[speeds]\nprimary = -5.0\n",
        Expect {
            contains: Some("primary"),
            ..Expect::default()
        },
    );
    bad_profile(
        "[speeds]\n",
        Expect {
            field: Some("speeds"),
            ..Expect::default()
        },
    );
    // Not TOML at all.
    bad_profile("id,lon,lat\n1,2,3\n", Expect::default());
}

#[test]
fn missing_profile_file() {
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file("demand.csv", DEMAND);
    let profile = s.path("absent-profile.toml");
    let run = times(
        "--pbf",
        Path::new(MONACO),
        &sites,
        &demand,
        &s.out,
        &["--profile", profile.to_str().expect("utf-8")],
    );
    assert_bad_input(&run, &s, &profile, Expect::default());
}

#[test]
fn times_help_names_the_built_in_profiles() {
    let help = zoneblanche(["times", "--help"]);
    assert_eq!(help.code, Some(0), "{}", help.stderr);
    assert!(
        help.stdout.contains("car|simple|FILE.toml")
            && help.stdout.contains("`car` (the default")
            && help.stdout.contains("`simple`"),
        "{}",
        help.stdout
    );
}

/// `--profile simple` is the first profile: legal speeds, so shorter times than OSRM's `car`.
#[test]
fn the_simple_profile_is_faster_than_the_car_default() {
    let Some(pbf) = data(MONACO) else { return };
    let (car, simple) = default_and_with(&Scratch::new(), &pbf, "simple");
    let (mut c, mut l) = (0.0, 0.0);
    for (a, b) in car.iter().zip(&simple) {
        if let (Some(a), Some(b)) = (a.secs(), b.secs()) {
            c += a;
            l += b;
        }
    }
    assert!(c > l * 1.1, "car {c} s, simple {l} s");
}
