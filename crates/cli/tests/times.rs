//! End-to-end tests of `zoneblanche times` on the real Monaco and Andorra extracts.
//! All sites and demand points here are synthetic.

mod common;

use common::*;

/// Seconds and snap distances are written with one decimal.
fn one_decimal(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    s.split_once('.')
        .is_some_and(|(int, dec)| digits(int) && digits(dec) && dec.len() == 1)
}

#[test]
fn output_has_one_row_per_demand_point_in_input_order() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    // Extra columns in sites, and a demand file whose ids are not sorted.
    let sites = s.file(
        "sites.csv",
        "name,id,lat,lon,kind\n\
         \"synthetic, Monte-Carlo\",synthetic-site-mc,43.7384,7.4246,x\n\
         synthetic Monaco-Ville,synthetic-site-mv,43.7325,7.4167,y\n",
    );
    let ids = [
        "synthetic-z",
        "synthetic-a",
        "synthetic-paris",
        "synthetic-m",
        "synthetic-sea",
        "synthetic-b",
        "synthetic-10",
        "synthetic-2",
    ];
    let coords = [
        (7.4300, 43.7450),
        (7.4100, 43.7290),
        PARIS,
        (7.4400, 43.7480),
        (7.4300, 43.7300),
        (7.4200, 43.7400),
        MONTE_CARLO,
        MONACO_VILLE,
    ];
    let points: Vec<_> = ids.iter().copied().zip(coords).collect();
    let demand = s.file("demand.csv", points_csv(&points));
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();

    let text = std::fs::read_to_string(&s.out).expect("out.csv");
    assert!(
        text.starts_with("id,seconds,site_id,snap_m,flagged,via_ferry,reason\n"),
        "{text}"
    );
    assert!(text.ends_with('\n'));
    let rows = read_out(&s.out);
    let got: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(got, ids, "one row per demand point, in input order");
    for r in &rows {
        assert!(r.flagged == "0" || r.flagged == "1", "{r:?}");
        // Monaco has no ferry; a time comes without a reason, no time with one.
        assert_eq!(r.via_ferry, "0", "{r:?}");
        assert_eq!(r.reason.is_empty(), r.secs().is_some(), "{r:?}");
        match r.secs() {
            Some(t) => {
                assert!(one_decimal(&r.seconds), "{r:?}");
                assert!(one_decimal(&r.snap_m), "{r:?}");
                assert!((0.0..30.0 * 60.0).contains(&t), "{r:?}");
                assert!(
                    r.site_id == "synthetic-site-mc" || r.site_id == "synthetic-site-mv",
                    "{r:?}"
                );
                assert_eq!(r.flagged, "0", "{r:?}");
            }
            None => {
                assert_eq!(r.site_id, "", "{r:?}");
                assert_eq!(r.flagged, "1", "{r:?}");
            }
        }
    }
    // Only Paris is off the network; every Monaco point is reached.
    let unreachable: Vec<&str> = rows
        .iter()
        .filter(|r| r.secs().is_none())
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(unreachable, ["synthetic-paris"]);
}

#[test]
fn demand_point_on_a_site_gets_near_zero_time_and_that_site() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file(
        "sites.csv",
        points_csv(&[
            ("synthetic-site-mc", MONTE_CARLO),
            ("synthetic-site-mv", MONACO_VILLE),
        ]),
    );
    let demand = s.file(
        "demand.csv",
        points_csv(&[
            ("synthetic-at-mv", MONACO_VILLE),
            ("synthetic-at-mc", MONTE_CARLO),
        ]),
    );
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let rows = read_out(&s.out);
    assert_eq!(rows.len(), 2);
    for (row, site) in rows.iter().zip(["synthetic-site-mv", "synthetic-site-mc"]) {
        let t = row.secs().expect("reachable");
        assert!(t <= 1.0, "{row:?}: not near 0 s");
        assert_eq!(row.site_id, site, "{row:?}");
        assert_eq!(row.flagged, "0");
    }
}

#[test]
fn point_outside_the_extract_is_unreachable_and_flagged() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file(
        "demand.csv",
        points_csv(&[
            ("synthetic-monaco", MONACO_VILLE),
            ("synthetic-paris", PARIS),
        ]),
    );
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    run.assert_ok();
    let rows = read_out(&s.out);
    assert_eq!(rows.len(), 2);
    assert!(rows[0].secs().is_some(), "{:?}", rows[0]);
    assert_eq!(rows[0].flagged, "0");
    let paris = &rows[1];
    assert_eq!(paris.id, "synthetic-paris");
    assert_eq!(paris.seconds, "");
    assert_eq!(paris.site_id, "");
    assert_eq!(paris.flagged, "1");
    assert_eq!(paris.reason, "off_network");
    assert_eq!(paris.via_ferry, "0");
    assert_eq!(rows[0].reason, "");
    let summary = run.stderr_line("demand points");
    assert_eq!(number_after(summary, "unreachable:"), 1.0, "{summary}");
    assert_eq!(number_after(summary, "reached by ferry:"), 0.0, "{summary}");
    let reasons = run.stderr_line("unreachable by reason");
    assert_eq!(number_after(reasons, "any road):"), 1.0, "{reasons}");
    assert_eq!(
        number_after(reasons, "isolated network):"),
        0.0,
        "{reasons}"
    );
}

#[test]
fn threshold_min_changes_flagged() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file(
        "demand.csv",
        points_csv(&[
            ("synthetic-near", (7.4250, 43.7390)),
            ("synthetic-far", (7.4100, 43.7290)),
            ("synthetic-paris", PARIS),
        ]),
    );
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let base = read_out(&s.out);
    let near = base[0].secs().expect("near reachable");
    let far = base[1].secs().expect("far reachable");
    assert!(far > near + 10.0, "far {far} s, near {near} s");
    assert_eq!(
        base.iter().map(|r| r.flagged.as_str()).collect::<Vec<_>>(),
        ["0", "0", "1"]
    );

    // A threshold between the two times flags only the far point (and the unreachable one).
    let between = format!("{}", (near + far) / 2.0 / 60.0);
    times(
        "--pbf",
        &pbf,
        &sites,
        &demand,
        &s.out,
        &["--threshold-min", &between],
    )
    .assert_ok();
    let mid = read_out(&s.out);
    assert_eq!(
        mid.iter().map(|r| r.flagged.as_str()).collect::<Vec<_>>(),
        ["0", "1", "1"]
    );
    // Below both: both flagged. The times themselves do not change.
    let below = format!("{}", near / 2.0 / 60.0);
    let run = times(
        "--pbf",
        &pbf,
        &sites,
        &demand,
        &s.out,
        &["--threshold-min", &below],
    );
    run.assert_ok();
    let low = read_out(&s.out);
    assert_eq!(
        low.iter().map(|r| r.flagged.as_str()).collect::<Vec<_>>(),
        ["1", "1", "1"]
    );
    for (a, b) in base.iter().zip(&low) {
        assert_eq!((&a.seconds, &a.site_id), (&b.seconds, &b.site_id));
    }
    let summary = run.stderr_line("demand points");
    assert!(summary.contains("flagged"), "{summary}");
    assert_eq!(number_after(summary, "unreachable:"), 1.0, "{summary}");
}

#[test]
fn max_snap_m_makes_points_far_from_roads_unreachable() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    // A point at sea, a few hundred metres off the coast road, and one on a road.
    let demand = s.file(
        "demand.csv",
        points_csv(&[
            ("synthetic-sea", (7.4300, 43.7300)),
            ("synthetic-road", MONACO_VILLE),
        ]),
    );
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let rows = read_out(&s.out);
    let snap: f64 = rows[0].snap_m.parse().expect("sea point snapped");
    assert!(snap > 100.0, "sea point snapped at {snap} m");
    let road_snap: f64 = rows[1].snap_m.parse().expect("road point snapped");
    assert!(road_snap < 50.0, "{road_snap}");

    times(
        "--pbf",
        &pbf,
        &sites,
        &demand,
        &s.out,
        &["--max-snap-m", "50"],
    )
    .assert_ok();
    let rows2 = read_out(&s.out);
    assert_eq!(rows2[0].seconds, "");
    assert_eq!(rows2[0].flagged, "1");
    assert_eq!(rows2[1], rows[1], "the point on a road is unchanged");
}

#[test]
fn quoted_ids_with_commas_round_trip() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let site_id = "synthetic-site, \"Monte-Carlo\"";
    let demand_ids = ["synthetic-demand, 1", "synthetic \"quoted\" 2", "plain"];
    let sites = s.file(
        "sites.csv",
        "id,lon,lat\n\"synthetic-site, \"\"Monte-Carlo\"\"\",7.4246,43.7384\n",
    );
    let demand = s.file(
        "demand.csv",
        "id,lon,lat\n\
         \"synthetic-demand, 1\",7.4246,43.7384\n\
         \"synthetic \"\"quoted\"\" 2\",7.4167,43.7325\n\
         plain,7.4300,43.7450\n",
    );
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let rows = read_out(&s.out);
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, demand_ids);
    for r in &rows {
        assert_eq!(r.site_id, site_id, "{r:?}");
    }
    let text = std::fs::read_to_string(&s.out).expect("out.csv");
    assert!(
        text.contains("\n\"synthetic-demand, 1\","),
        "id not quoted:\n{text}"
    );
    assert!(
        text.contains(",\"synthetic-site, \"\"Monte-Carlo\"\"\","),
        "site id not quoted:\n{text}"
    );
    assert!(text.contains("\nplain,"), "{text}");
}

#[test]
fn summary_reports_points_weights_and_stages() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    let demand = s.file(
        "demand.csv",
        "id,lon,lat,weight\n\
         synthetic-w1,7.4167,43.7325,1\n\
         synthetic-w2,7.4300,43.7450,2.5\n\
         synthetic-w10,2.35,48.85,10\n",
    );
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    run.assert_ok();
    let summary = run.stderr_line("demand points");
    assert!(summary.contains("3 demand points"), "{summary}");
    assert_eq!(number_after(summary, "total weight"), 13.5, "{summary}");
    // Flagged: the unreachable point, weight 10.
    let flagged = &summary[summary.find("flagged").expect("flagged")..];
    let flagged = flagged.split(';').next().expect("segment");
    assert_eq!(number_after(flagged, "):"), 1.0, "{summary}");
    assert_eq!(number_after(flagged, "weight"), 10.0, "{summary}");
    let unreachable = &summary[summary.find("unreachable:").expect("unreachable")..];
    assert_eq!(number_after(unreachable, "unreachable:"), 1.0, "{summary}");
    assert_eq!(number_after(unreachable, "weight"), 10.0, "{summary}");

    // Time spent in each stage.
    let stages = run.stderr_line("stages");
    for stage in ["read csv", "import", "search", "write", "total"] {
        let ms = number_after(stages, stage);
        assert!(ms >= 0.0, "{stages}");
    }
    assert!(stages.contains(" ms"), "{stages}");
}

#[test]
fn weight_defaults_to_one() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file("sites.csv", SITES);
    // No weight column: 4 points, total weight 4.
    let demand = s.file(
        "demand.csv",
        points_csv(&[
            ("synthetic-1", MONACO_VILLE),
            ("synthetic-2", MONTE_CARLO),
            ("synthetic-3", (7.4300, 43.7450)),
            ("synthetic-4", PARIS),
        ]),
    );
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    run.assert_ok();
    let summary = run.stderr_line("demand points");
    assert!(summary.contains("4 demand points"), "{summary}");
    assert_eq!(number_after(summary, "total weight"), 4.0, "{summary}");

    // An empty weight cell also counts 1.
    let demand = s.file(
        "demand2.csv",
        "id,lon,lat,weight\nsynthetic-1,7.4167,43.7325,\nsynthetic-2,7.4246,43.7384,2\n",
    );
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    run.assert_ok();
    let summary = run.stderr_line("demand points");
    assert_eq!(number_after(summary, "total weight"), 3.0, "{summary}");
}

#[test]
fn output_is_deterministic() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let sites = s.file(
        "sites.csv",
        points_csv(&[
            ("synthetic-site-mc", MONTE_CARLO),
            ("synthetic-site-mv", MONACO_VILLE),
        ]),
    );
    let mut points = Vec::new();
    let ids: Vec<String> = (0..40).map(|i| format!("synthetic-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let lon = 7.405 + 0.001 * (i % 8) as f64 * 4.0;
        let lat = 43.725 + 0.005 * (i / 8) as f64;
        points.push((id.as_str(), (lon, lat)));
    }
    let demand = s.file("demand.csv", points_csv(&points));
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let first = std::fs::read(&s.out).expect("out");
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let second = std::fs::read(&s.out).expect("out");
    assert_eq!(first, second);
    assert_eq!(read_out(&s.out).len(), 40);
}

#[test]
fn a_site_off_the_network_is_skipped_with_a_warning() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    // One site out at sea, 14 km from any road; one in Monte-Carlo.
    let sites = s.file(
        "sites.csv",
        points_csv(&[
            ("synthetic-site-at-sea", (7.47, 43.60)),
            ("synthetic-site-mc", MONTE_CARLO),
        ]),
    );
    let demand = s.file("demand.csv", DEMAND);
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    run.assert_ok();
    let warning = run.stderr_line("synthetic-site-at-sea");
    assert!(warning.contains("sites.csv"), "{warning}");
    for r in read_out(&s.out) {
        assert!(r.secs().is_some(), "{r:?}");
        assert_eq!(r.site_id, "synthetic-site-mc");
    }
}

#[test]
fn andorra_times_grow_with_distance() {
    let Some(pbf) = data(ANDORRA) else { return };
    let s = Scratch::new();
    let sites = s.file(
        "sites.csv",
        points_csv(&[("synthetic-site-andorra-la-vella", (1.5218, 42.5063))]),
    );
    let demand = s.file(
        "demand.csv",
        points_csv(&[
            ("synthetic-at-site", (1.5218, 42.5063)),
            ("synthetic-north", (1.53, 42.55)),
        ]),
    );
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    let rows = read_out(&s.out);
    let at = rows[0].secs().expect("at site");
    let north = rows[1].secs().expect("north");
    assert!(at <= 1.0, "{at}");
    // About 5 km as the crow flies up a mountain valley: minutes, not seconds or hours.
    assert!((180.0..1800.0).contains(&north), "{north}");
    assert!(
        rows.iter()
            .all(|r| r.site_id == "synthetic-site-andorra-la-vella")
    );
}

#[test]
fn sites_columns_beyond_id_lon_lat_are_carried_along_even_a_text_weight() {
    let Some(pbf) = data(MONACO) else { return };
    let s = Scratch::new();
    let (lon, lat) = MONTE_CARLO;
    let sites = s.file(
        "sites.csv",
        format!("kind,id,weight,lat,lon,name\nmediation,synthetic-site-mc,lourd,{lat},{lon},\"Permanence, Monte-Carlo\"\n"),
    );
    let demand = s.file("demand.csv", DEMAND);
    times("--pbf", &pbf, &sites, &demand, &s.out, &[]).assert_ok();
    assert!(
        read_out(&s.out)
            .iter()
            .all(|r| r.site_id == "synthetic-site-mc")
    );
}

/// Lorient, Groix (its ferry leaves from Lorient) and Le Palais (Belle-Île: its port, Quiberon,
/// is not selected, so the island stays without a ferry); real positions and populations.
const BRITTANY: &str = "code_insee,nom,dep,population_municipale,centroid_lon,centroid_lat,inner_point_lon,inner_point_lat,mairie_lon,mairie_lat,area_km2_approx\n\
56121,Lorient,56,57149,-3.378973,47.750909,-3.373127,47.750647,-3.370245,47.748252,15.041\n\
56069,Groix,56,2263,-3.464899,47.637248,-3.460948,47.636848,-3.4536,47.6394,15.154\n\
56152,Palais,56,2571,-3.17106,47.342675,-3.173863,47.340963,-3.15676,47.347401,17.636\n";

#[test]
fn reasons_and_ferries_in_the_output() {
    let s = Scratch::new();
    let communes = s.file("communes.csv", BRITTANY);
    let pbf = s.path("territory.osm.pbf");
    zoneblanche([
        "generate".as_ref(),
        "--communes".as_ref(),
        communes.as_os_str(),
        "--seed".as_ref(),
        "1".as_ref(),
        "-o".as_ref(),
        pbf.as_os_str(),
    ])
    .assert_ok();
    let sites = s.file(
        "sites.csv",
        "id,lon,lat\nsynthetic-lorient,-3.370245,47.748252\n",
    );
    let demand = s.file(
        "demand.csv",
        "id,lon,lat,weight\nsynthetic-lorient,-3.370245,47.748252,10\n\
         synthetic-groix,-3.4536,47.6394,20\nsynthetic-palais,-3.15676,47.347401,40\n\
         synthetic-sea,-3.30,47.50,80\n",
    );
    let run = times("--pbf", &pbf, &sites, &demand, &s.out, &[]);
    run.assert_ok();
    let rows = read_out(&s.out);
    let got: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| (r.via_ferry.as_str(), r.reason.as_str(), r.secs().is_some()))
        .collect();
    assert_eq!(
        got,
        [
            ("0", "", true),
            ("1", "", true),
            ("0", "no_road_link", false),
            ("0", "off_network", false),
        ],
        "{rows:?}"
    );
    // Groix is 45 minutes of crossing away.
    assert!(rows[1].secs().unwrap() > 45.0 * 60.0, "{rows:?}");
    // Le Palais is on a road, the sea point is not.
    assert!(
        !rows[2].snap_m.is_empty() && rows[3].snap_m.is_empty(),
        "{rows:?}"
    );
    let summary = run.stderr_line("demand points");
    assert_eq!(
        number_after(summary, "unreachable: 2 points, weight"),
        120.0
    );
    assert_eq!(
        number_after(summary, "reached by ferry: 1 points, weight"),
        20.0
    );
    let reasons = run.stderr_line("unreachable by reason");
    assert_eq!(number_after(reasons, "any road): 1 points, weight"), 80.0);
    assert_eq!(
        number_after(reasons, "isolated network): 1 points, weight"),
        40.0
    );
}

/// `times` reads its CSV files like the study inputs: a `;`-separated file with decimal commas
/// and CRLF line ends gives the same answer as the `,` one, and its errors name the file's own
/// line (the demo's synthetic roads: no shared data needed).
#[test]
fn semicolon_crlf_files_read_like_comma_files() {
    let s = Scratch::new();
    let pbf = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/demo/territory.osm.pbf");
    let sites = s.file(
        "sites.csv",
        "id,lon,lat\nsynthetic-mende,3.5025,44.5185\nsynthetic-florac,3.5937,44.3244\n",
    );
    let comma = s.file(
        "demand.csv",
        "id,lon,lat,weight\nh1,3.49,44.52,2\nh2,3.60,44.33,1\nh3,3.28,44.73,3\n",
    );
    let semi = s.file(
        "demand-semi.csv",
        "id;lon;lat;weight\r\nh1;3,49;44,52;2\r\nh2;3,60;44,33;1\r\nh3;3,28;44,73;3\r\n",
    );
    times("--pbf", &pbf, &sites, &comma, &s.out, &[]).assert_ok();
    let a = std::fs::read_to_string(&s.out).unwrap();
    times("--pbf", &pbf, &sites, &semi, &s.out, &[]).assert_ok();
    let b = std::fs::read_to_string(&s.out).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 4, "{a}");
    let bad = s.file(
        "demand-bad.csv",
        "id;lon;lat\r\nh1;3,49;44,52\r\nh2;3,60;nord\r\n",
    );
    std::fs::remove_file(&s.out).unwrap();
    let run = times("--pbf", &pbf, &sites, &bad, &s.out, &[]);
    assert_bad_input(
        &run,
        &s,
        &bad,
        Expect {
            line: Some(3),
            field: Some("lat"),
            contains: None,
        },
    );
}
