//! `recommend` through the public API: bad inputs, candidate sources, the Monaco example study.

use std::path::PathBuf;
use std::sync::OnceLock;

use zb_coverage::{CoverageError, Study, load_study};
use zb_whatif::recommend::{
    Candidate, Objective, candidates_from_csv, candidates_from_grid, candidates_from_mairies,
    recommend,
};

fn monaco() -> Option<&'static Study> {
    static STUDY: OnceLock<Option<Study>> = OnceLock::new();
    STUDY
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let pbf = root.join("../../../shared/data/monaco-latest.osm.pbf");
            if !pbf.exists() {
                eprintln!("skipped: {} is absent", pbf.display());
                return None;
            }
            Some(load_study(&root.join("../../data/monaco/study.toml")).unwrap())
        })
        .as_ref()
}

fn invalid(r: Result<impl std::fmt::Debug, CoverageError>) -> String {
    match r {
        Err(CoverageError::Invalid(m)) => m,
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn mairies_of_the_monaco_communes() {
    let Some(study) = monaco() else { return };
    let c = candidates_from_mairies(study);
    let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["06012", "06032", "06104", "06150"]);
    assert!(
        c.iter()
            .all(|c| c.label.as_ref().is_some_and(|l| !l.is_empty()))
    );
    // Town halls are near Monaco, on the French side.
    assert!(
        c.iter()
            .all(|c| (7.3..7.6).contains(&c.lon) && (43.6..43.9).contains(&c.lat))
    );

    let r = recommend(study, "mediation", 2, &c, Objective::Cover, 2.5).unwrap();
    let base = study.evaluate_kind("mediation", 2.5, None);
    assert_eq!(r.base_within_weight, base.overall.within_weight);
    assert_eq!(r.total_weight, study.total_weight());
    assert_eq!(r.picks.len(), 2);
    // The extract stops short of two town halls.
    let skipped: Vec<&str> = r.skipped.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(skipped, ["06104", "06150"]);
    assert!(
        r.skipped
            .iter()
            .all(|s| s.reason.contains("beyond the 1000 m snapping limit"))
    );
    let mut cum = r.base_within_weight;
    for (n, p) in r.picks.iter().enumerate() {
        assert_eq!(p.rank, n + 1);
        // The first town hall brings homes within reach; at the car profile's speeds the
        // second reaches none of those still beyond (a zero gain, still ranked).
        assert!(p.gain_weight > 0.0 || n > 0, "{r:?}");
        assert!(p.gain_weight >= 0.0, "{r:?}");
        cum += p.gain_weight;
        assert!((p.cumulative_within_weight - cum).abs() < 1e-6);
        assert!((p.cumulative_within_share - cum / r.total_weight).abs() < 1e-12);
        assert!(p.cumulative_within_share <= 1.0 + 1e-12);
    }
    assert!(r.picks[0].gain_weight >= r.picks[1].gain_weight);
    assert_ne!(r.picks[0].candidate.id, r.picks[1].candidate.id);

    // Opening the picks as sites gives the same within weight as the last pick reports.
    let mut opened = study.sites.clone();
    for p in &r.picks {
        let mut s = opened[0].clone();
        s.id = format!("new-{}", p.candidate.id);
        s.kind = "mediation".into();
        (s.lon, s.lat) = (p.candidate.lon, p.candidate.lat);
        opened.push(s);
    }
    let graph = (*study.graph).clone();
    let populations = vec![zb_places::Population::from_units(
        study.units.clone(),
        "people",
    )];
    let with = Study::from_parts(
        None,
        true,
        graph,
        opened,
        populations,
        study.thresholds.clone(),
        11.0,
        study.max_snap_m,
        study.provenance.clone(),
    );
    let after = with
        .evaluate_kind("mediation", 2.5, None)
        .overall
        .within_weight;
    assert!((after - r.picks[1].cumulative_within_weight).abs() < 1e-6);

    // The worst objective on the same candidates: worst times only go down.
    let w = recommend(study, "mediation", 2, &c, Objective::Worst, 2.5).unwrap();
    let base_worst = w.base_worst_min.unwrap();
    let worst: Vec<f64> = w.picks.iter().map(|p| p.worst_min_after.unwrap()).collect();
    assert!(worst[0] <= base_worst && worst.windows(2).all(|p| p[1] <= p[0]));
}

#[test]
fn a_kind_without_sites_starts_from_nobody() {
    let Some(study) = monaco() else { return };
    let c = candidates_from_mairies(study);
    let r = recommend(study, "nouveau_service", 1, &c, Objective::Cover, 10.0).unwrap();
    assert_eq!(r.base_within_weight, 0.0);
    assert_eq!(r.base_worst_min, None);
    assert!(r.picks[0].gain_weight > 0.0);
    assert!(r.picks[0].worst_min_after.is_some());
}

#[test]
fn bad_requests_are_one_line_errors() {
    let Some(study) = monaco() else { return };
    let c = candidates_from_mairies(study);
    let m = invalid(recommend(study, " ", 1, &c, Objective::Cover, 10.0));
    assert!(m.contains("kind"), "{m}");
    let m = invalid(recommend(study, "mediation", 0, &c, Objective::Cover, 10.0));
    assert!(m.contains("k "), "{m}");
    for t in [0.5, 240.5, f64::NAN] {
        let m = invalid(recommend(study, "mediation", 1, &c, Objective::Worst, t));
        assert!(m.contains("outside 1–240 min"), "{m}");
    }
    assert!(recommend(study, "mediation", 1, &c, Objective::Cover, 240.0).is_ok());
    assert!(recommend(study, "mediation", 1, &c, Objective::Cover, 1.0).is_ok());

    let m = invalid(recommend(study, "mediation", 3, &c, Objective::Cover, 10.0));
    assert_eq!(
        m,
        "k = 3 but only 2 candidates are on the network (2 more are farther than 1000 m from any road)"
    );
    // A candidate far out at sea is skipped, with the reason, and not counted.
    let mut more = c[..2].to_vec();
    more.push(Candidate {
        id: "at-sea".into(),
        label: None,
        lon: 7.6,
        lat: 43.5,
    });
    let m = invalid(recommend(
        study,
        "mediation",
        3,
        &more,
        Objective::Cover,
        10.0,
    ));
    assert_eq!(
        m,
        "k = 3 but only 2 candidates are on the network (1 more is farther than 1000 m from any road)"
    );
    let r = recommend(study, "mediation", 2, &more, Objective::Cover, 10.0).unwrap();
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].id, "at-sea");
    assert!(
        r.skipped[0].reason.contains("snapping limit"),
        "{}",
        r.skipped[0].reason
    );
    assert!(r.picks.iter().all(|p| p.candidate.id != "at-sea"));

    more.push(c[0].clone());
    let m = invalid(recommend(
        study,
        "mediation",
        1,
        &more,
        Objective::Cover,
        10.0,
    ));
    assert!(m.contains(&format!("`{}` appears twice", c[0].id)), "{m}");
    let m = invalid(recommend(
        study,
        "mediation",
        1,
        &[],
        Objective::Cover,
        10.0,
    ));
    assert_eq!(m, "k = 1 but only 0 candidates are on the network");
}

#[test]
fn grid_candidates_hold_weight() {
    let Some(study) = monaco() else { return };
    let c = candidates_from_grid(study, 1_000).unwrap();
    assert!(!c.is_empty());
    let mut ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
    assert!(ids.iter().all(|id| id.starts_with("CRS3035RES1000mN")));
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), c.len());
    // Every centre's cell holds a unit of positive weight, and every such unit has its cell.
    let cell = |lon, lat| zb_places::crs::grid3035_cell_of_res(lon, lat, 1_000).id();
    for cand in &c {
        assert_eq!(cell(cand.lon, cand.lat), cand.id);
    }
    for u in study.units.iter().filter(|u| u.weight > 0.0) {
        assert!(ids.contains(&cell(u.lon, u.lat).as_str()));
    }
    // Finer cells, more candidates.
    assert!(candidates_from_grid(study, 200).unwrap().len() > c.len());
    assert!(matches!(
        candidates_from_grid(study, 0),
        Err(CoverageError::Invalid(_))
    ));
}

#[test]
fn candidates_csv() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let p = write(
        "ok.csv",
        "id,lon,lat,label,other\na,7.42,43.73,Mairie annexe,x\nb,7.43,43.74,,y\n",
    );
    let c = candidates_from_csv(&p).unwrap();
    assert_eq!(
        c,
        vec![
            Candidate {
                id: "a".into(),
                label: Some("Mairie annexe".into()),
                lon: 7.42,
                lat: 43.73
            },
            Candidate {
                id: "b".into(),
                label: None,
                lon: 7.43,
                lat: 43.74
            },
        ]
    );
    // French-style files: `;` and decimal commas.
    let p = write("fr.csv", "ID;LON;LAT\nc;7,42;43,73\n");
    assert_eq!(candidates_from_csv(&p).unwrap()[0].lon, 7.42);

    let err = |name: &str, text: &str| {
        candidates_from_csv(write(name, text))
            .unwrap_err()
            .to_string()
    };
    let m = err("lat.csv", "id,lon,lat\na,7.4,43.7\nb,7.4,95\n");
    assert!(
        m.contains("lat.csv") && m.contains("line 3") && m.contains("`lat`"),
        "{m}"
    );
    let m = err("lon.csv", "id,lon,lat\na,190,43.7\n");
    assert!(m.contains("line 2") && m.contains("`lon`"), "{m}");
    let m = err("dup.csv", "id,lon,lat\na,7.4,43.7\na,7.5,43.7\n");
    assert!(
        m.contains("line 3") && m.contains("duplicate id `a` (first on line 2)"),
        "{m}"
    );
    let m = err("nan.csv", "id,lon,lat\na,east,43.7\n");
    assert!(m.contains("line 2") && m.contains("`lon`"), "{m}");
    let m = err("missing.csv", "id,lon\na,7.4\n");
    assert!(m.contains("line 1") && m.contains("`lat`"), "{m}");
    let m = err("empty.csv", "id,lon,lat\n");
    assert!(
        m.contains("empty.csv") && m.contains("no candidate in file"),
        "{m}"
    );
    let m = candidates_from_csv(dir.path().join("absent.csv"))
        .unwrap_err()
        .to_string();
    assert!(m.contains("absent.csv"), "{m}");
}

#[test]
fn objective_names() {
    assert_eq!("cover".parse::<Objective>().unwrap(), Objective::Cover);
    assert_eq!("Worst".parse::<Objective>().unwrap(), Objective::Worst);
    assert_eq!(Objective::default(), Objective::Cover);
    assert!(
        "p-center"
            .parse::<Objective>()
            .unwrap_err()
            .to_string()
            .contains("`cover` or `worst`")
    );
    assert_eq!(
        serde_json::to_string(&Objective::Worst).unwrap(),
        "\"worst\""
    );
    assert_eq!(
        serde_json::from_str::<Objective>("\"cover\"").unwrap(),
        Objective::Cover
    );
    assert_eq!(Objective::Worst.to_string(), "worst");
}
