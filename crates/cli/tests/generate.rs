//! `zoneblanche generate` end to end (a small territory; every bad input gives a one-line error
//! naming the file, line and field, exit 2 and no output file), and the embedded demo through
//! `coverage --demo` and `whatif --demo`. Needs no shared data.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const HEADER: &str = "code_insee,nom,dep,population_municipale,centroid_lon,centroid_lat,inner_point_lon,inner_point_lat,mairie_lon,mairie_lat,area_km2_approx\n";

/// Six communes of Lozère (real positions and populations) and one of Aveyron.
const COMMUNES: &str = "48095,Mende,48,12134,3.481173,44.529252,3.458838,44.535077,3.501172,44.517817,36.904\n\
48092,Marvejols,48,4722,3.2882,44.557518,3.291116,44.55532,3.28952,44.5504,12.636\n\
48140,Saint-Chély-d'Apcher,48,4164,3.275241,44.812929,3.272382,44.814719,3.275655,44.802773,28.037\n\
48080,Langogne,48,2891,3.833831,44.72385,3.829853,44.721798,3.85456,44.726898,31.204\n\
48061,Florac Trois Rivières,48,2075,3.605364,44.317357,3.622991,44.318895,3.594024,44.323919,47.748\n\
48099,Bourgs sur Colagne,48,2137,3.231984,44.533545,3.243555,44.532151,3.253101,44.513428,53.18\n\
12202,Rodez,12,24000,2.5632,44.3587,2.5632,44.3587,2.5740,44.3510,11.18\n";

fn generate(s: &Scratch, communes: &Path, extra: &[&str]) -> Run {
    let out = s.path("out/territory.osm.pbf");
    let mut args = vec![
        "generate".to_string(),
        "--communes".into(),
        communes.display().to_string(),
        "-o".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    zoneblanche(args)
}

#[test]
fn generates_a_small_territory_deterministically() {
    let s = Scratch::new();
    let communes = s.file("communes.csv", format!("{HEADER}{COMMUNES}"));
    let run = generate(&s, &communes, &["--dep", "48", "--seed", "4"]);
    run.assert_ok();
    assert!(run.stderr.contains("SYNTHETIC"), "{}", run.stderr);
    assert!(run.stderr.contains("around 6 communes"), "{}", run.stderr);
    // The junction rules and restrictions every network gets are counted.
    let rules = run.stderr_line("junction rules:");
    assert!(
        rules.contains("traffic_signals") && rules.contains("turn restrictions: "),
        "{rules}"
    );
    assert!(!rules.contains("turn restrictions: none"), "{rules}");
    let out = s.path("out/territory.osm.pbf");
    let first = std::fs::read(&out).unwrap();
    assert!(first.len() > 10_000);
    generate(&s, &communes, &["--dep", "48", "--seed", "4"]).assert_ok();
    assert_eq!(std::fs::read(&out).unwrap(), first);
    // Both départements, comma-separated, then the default (all metropolitan): 7 communes.
    let run = generate(&s, &communes, &["--dep", "48,12"]);
    assert!(
        run.assert_ok().stderr.contains("around 7 communes"),
        "{}",
        run.stderr
    );
    let run = generate(&s, &communes, &[]);
    assert!(
        run.assert_ok().stderr.contains("around 7 communes"),
        "{}",
        run.stderr
    );
    assert_eq!(s.out_dir_entries(), ["territory.osm.pbf"]);

    // The file imports as any extract does.
    let graph = s.path("t.zbg");
    let run = zoneblanche([
        "import".as_ref(),
        out.as_os_str(),
        "-o".as_ref(),
        graph.as_os_str(),
    ]);
    run.assert_ok();
    assert!(graph.exists());
}

#[track_caller]
fn bad(text: &str, extra: &[&str], want: Expect) {
    let s = Scratch::new();
    let communes = s.file("communes-bad.csv", text);
    let run = generate(&s, &communes, extra);
    assert_bad_input(&run, &s, &communes, want);
}

#[test]
fn bad_communes_files() {
    let missing_column = HEADER.replace(",mairie_lat", "");
    bad(
        &missing_column,
        &[],
        Expect {
            line: Some(1),
            field: Some("mairie_lat"),
            contains: Some("missing column"),
        },
    );
    bad(
        &format!("{HEADER}{COMMUNES}48001,Albaret,48,abc,,,,,3.1,44.8,10\n"),
        &[],
        Expect {
            line: Some(9),
            field: Some("population_municipale"),
            contains: Some("abc"),
        },
    );
    bad(
        &format!("{HEADER}48001,Albaret,48,174,,,,,3.1,144.8,10\n"),
        &[],
        Expect {
            line: Some(2),
            field: Some("mairie_lat"),
            contains: None,
        },
    );
    bad(
        &format!("{HEADER}{COMMUNES}48095,Mende,48,12134,,,,,3.5,44.5,36\n"),
        &[],
        Expect {
            line: Some(9),
            field: Some("code_insee"),
            contains: Some("duplicate"),
        },
    );
    bad(
        &format!("{HEADER}{COMMUNES}"),
        &["--dep", "48,99"],
        Expect {
            line: None,
            field: Some("dep"),
            contains: Some("`99`"),
        },
    );
    bad(
        HEADER,
        &[],
        Expect {
            line: None,
            field: None,
            contains: Some("no commune selected"),
        },
    );
    bad(
        &format!("{HEADER}48001,Albaret,48,174,,,,,,,10\n"),
        &["--dep", "48"],
        Expect {
            line: None,
            field: None,
            contains: Some("no commune selected"),
        },
    );
}

#[test]
fn missing_communes_file() {
    let s = Scratch::new();
    let communes = s.path("no-such-communes.csv");
    let run = generate(&s, &communes, &[]);
    assert_bad_input(&run, &s, &communes, Expect::default());
}

/// Runs the binary with its demo cache in `cache`.
fn with_cache(cache: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_zoneblanche"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run zoneblanche");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn coverage_and_whatif_run_on_the_embedded_demo() {
    let s = Scratch::new();
    let cache = s.path("cache");
    let out = s.path("out/coverage");
    let out_s = out.display().to_string();
    let run = with_cache(&cache, &["coverage", "--demo", "--out-dir", &out_s]);
    run.assert_ok();
    assert!(run.stderr.contains("SYNTHETIC"), "{}", run.stderr);
    assert!(run.stderr.contains("76601 people"), "{}", run.stderr);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let kinds = summary["kinds"].as_object().unwrap();
    assert!(kinds.contains_key("mediation") && kinds.contains_key("espace_rencontre"));
    assert_eq!(kinds["mediation"]["total_weight"], 76601.0);
    assert!(summary.to_string().contains("synthétique"));
    assert!(out.join("zones_blanches.geojson").exists());
    // The demo went to the cache folder given.
    assert!(cache.join("zoneblanche").read_dir().unwrap().count() == 1);

    let scenario = s.file(
        "scenario.toml",
        "name = \"Antenne à Langogne (synthétique)\"\n[[add]]\nid = \"synthetic-er-langogne\"\n\
         kind = \"espace_rencontre\"\nlon = 3.8555\nlat = 44.7275\n",
    );
    let whatif_out = s.path("out/whatif").display().to_string();
    let run = with_cache(
        &cache,
        &[
            "whatif",
            "--demo",
            "--scenario",
            &scenario.display().to_string(),
            "--out-dir",
            &whatif_out,
        ],
    );
    run.assert_ok();
    assert!(
        run.stderr_line("espace_rencontre:")
            .contains("newly within")
    );
}

#[test]
fn demo_and_study_are_exclusive_and_one_is_required() {
    let s = Scratch::new();
    let cache = s.path("cache");
    let out = s.path("out/x").display().to_string();
    for args in [
        vec!["coverage", "--demo", "--study", "s.toml", "--out-dir", &out],
        vec!["coverage", "--out-dir", &out],
        vec![
            "whatif",
            "--demo",
            "--study",
            "s.toml",
            "--scenarios",
            "d",
            "--out",
            "o.csv",
        ],
    ] {
        let run = with_cache(&cache, &args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(!cache.exists(), "{args:?} extracted the demo");
    }
}
