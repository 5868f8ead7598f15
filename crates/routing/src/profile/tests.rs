//! The `car` profile, one table row per rule of OSRM's `car.lua`, and TOML loading.

use super::*;

fn car(tags: &[(&str, &str)]) -> Option<WayRule> {
    CarProfile::default().rule(|k| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v))
}

/// (forward km/h, backward km/h), `None` for a direction a car may not drive.
fn speeds(tags: &[(&str, &str)]) -> (Option<f64>, Option<f64>) {
    let r = car(tags).unwrap_or_else(|| panic!("not routable: {tags:?}"));
    let round = |v: Option<f64>| v.map(|v| (v * 1000.0).round() / 1000.0);
    (round(r.forward_kmh), round(r.backward_kmh))
}

/// Extra tags and what they make of a residential road.
type Rows<'a, T> = &'a [(&'a [(&'a str, &'a str)], T)];

fn both(v: f64) -> (Option<f64>, Option<f64>) {
    (Some(v), Some(v))
}

#[test]
fn highway_speeds_are_osrms() {
    let table = [
        ("motorway", 90.0, false),
        ("motorway_link", 45.0, true),
        ("trunk", 85.0, true),
        ("trunk_link", 40.0, true),
        ("primary", 65.0, true),
        ("primary_link", 30.0, true),
        ("secondary", 55.0, true),
        ("secondary_link", 25.0, true),
        ("tertiary", 40.0, true),
        ("tertiary_link", 20.0, true),
        ("unclassified", 25.0, true),
        ("residential", 25.0, true),
        ("living_street", 10.0, true),
        ("service", 15.0, true),
        ("winter_road", 20.0, true),
        ("ice_road", 15.0, true),
    ];
    for (hw, kmh, two_way) in table {
        let expect = (Some(kmh), two_way.then_some(kmh));
        assert_eq!(speeds(&[("highway", hw)]), expect, "{hw}");
    }
}

#[test]
fn other_highways_need_an_access_tag_that_allows_them() {
    // No `road` class and no track by default: dropped without an access tag.
    for hw in ["track", "road", "path", "footway"] {
        assert_eq!(car(&[("highway", hw)]), None, "{hw}");
    }
    // A whitelisted or any non-blacklisted access value opens them at 10 km/h.
    for (k, v) in [
        ("motor_vehicle", "yes"),
        ("motorcar", "designated"),
        ("access", "yes"),
        ("vehicle", "permissive"),
        ("access", "agricultural;yes"),
        ("motor_vehicle", "something"),
    ] {
        assert_eq!(
            speeds(&[("highway", "track"), (k, v)]),
            both(10.0),
            "{k}={v}"
        );
    }
    for (k, v) in [
        ("access", "no"),
        ("motor_vehicle", "agricultural"),
        ("access", "private"),
    ] {
        assert_eq!(car(&[("highway", "track"), (k, v)]), None, "{k}={v}");
    }
    // One direction opened only.
    assert_eq!(
        speeds(&[("highway", "track"), ("motor_vehicle:forward", "yes")]),
        (Some(10.0), None)
    );
    // A track's speed is capped by its tracktype.
    assert_eq!(
        speeds(&[
            ("highway", "track"),
            ("motor_vehicle", "yes"),
            ("maxspeed", "50"),
            ("tracktype", "grade2")
        ]),
        both(40.0)
    );
}

#[test]
fn maxspeed_times_point_eight() {
    let table = [
        ("50", 40.0),
        ("90", 72.0),
        ("130", 104.0),
        ("30 mph", 30.0 * 1.609 * 0.8),
        ("20mph", 20.0 * 1.609 * 0.8),
        ("70;50", 56.0),
        ("50.5", 40.0),
        ("FR:urban", 40.0),
        ("FR:rural", 64.0),
        ("fr:rural", 64.0),
        ("FR:motorway", 104.0),
        ("FR:trunk", 88.0),
        ("DE:rural", 80.0),
        ("AD:rural", 72.0),
        ("none", 112.0),
    ];
    for (m, kmh) in table {
        let (f, b) = speeds(&[("highway", "tertiary"), ("maxspeed", m)]);
        assert!((f.unwrap() - kmh).abs() < 1e-3, "{m}: {f:?}");
        assert_eq!(f, b, "{m}");
    }
    // Above the class speed too.
    assert_eq!(
        speeds(&[("highway", "residential"), ("maxspeed", "50")]),
        both(40.0)
    );
}

#[test]
fn maxspeed_values_osrm_ignores_keep_the_class_speed() {
    for m in [
        "FR:zone30",
        "walk",
        "signals",
        "variable",
        "FR:unknown",
        "0",
        "-20",
        "",
        "zone30",
    ] {
        assert_eq!(
            speeds(&[("highway", "tertiary"), ("maxspeed", m)]),
            both(40.0),
            "{m}"
        );
    }
}

#[test]
fn maxspeed_keys_in_order_and_by_direction() {
    // maxspeed:advisory over maxspeed.
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("maxspeed", "90"),
            ("maxspeed:advisory", "50")
        ]),
        both(40.0)
    );
    // source:maxspeed and maxspeed:type where there is no maxspeed (Andorra's AD:rural).
    assert_eq!(
        speeds(&[("highway", "primary"), ("source:maxspeed", "FR:urban")]),
        both(40.0)
    );
    assert_eq!(
        speeds(&[("highway", "primary"), ("maxspeed:type", "AD:rural")]),
        both(72.0)
    );
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("maxspeed", "70"),
            ("maxspeed:type", "AD:urban")
        ]),
        both(56.0)
    );
    // A maxspeed value found but unparseable stops the search (OSRM reads the first key present).
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("maxspeed", "signals"),
            ("source:maxspeed", "FR:urban")
        ]),
        both(65.0)
    );
    // :forward / :backward.
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("maxspeed:forward", "50"),
            ("maxspeed:backward", "70")
        ]),
        (Some(40.0), Some(56.0))
    );
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("maxspeed", "90"),
            ("maxspeed:backward", "50")
        ]),
        (Some(72.0), Some(40.0))
    );
}

#[test]
fn surface_tracktype_and_smoothness_cap_the_speed() {
    let table = [
        ("surface", "asphalt", 65.0),
        ("surface", "compacted", 65.0),
        ("surface", "paving_stones", 60.0),
        ("surface", "gravel", 40.0),
        ("surface", "cobblestone", 30.0),
        ("surface", "sand", 20.0),
        ("surface", "laterite", 15.0),
        ("surface", "mud", 10.0),
        ("tracktype", "grade1", 60.0),
        ("tracktype", "grade5", 20.0),
        ("smoothness", "intermediate", 65.0),
        ("smoothness", "bad", 40.0),
        ("smoothness", "very_horrible", 5.0),
    ];
    for (k, v, kmh) in table {
        assert_eq!(
            speeds(&[("highway", "primary"), (k, v)]),
            both(kmh),
            "{k}={v}"
        );
    }
    // The smallest cap wins, after maxspeed.
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("maxspeed", "90"),
            ("surface", "gravel"),
            ("smoothness", "very_bad")
        ]),
        both(20.0)
    );
    // Impassable: speed 0, not drivable.
    assert_eq!(
        car(&[("highway", "primary"), ("smoothness", "impassable")]),
        None
    );
}

#[test]
fn the_most_specific_access_tag_wins() {
    // OSRM's measured gap: a primary road `access=no` + `motor_vehicle=yes` is drivable.
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("access", "no"),
            ("motor_vehicle", "yes")
        ]),
        both(65.0)
    );
    assert_eq!(
        speeds(&[
            ("highway", "primary"),
            ("motor_vehicle", "no"),
            ("motorcar", "yes")
        ]),
        both(65.0)
    );
    assert_eq!(
        car(&[
            ("highway", "primary"),
            ("access", "yes"),
            ("motor_vehicle", "no")
        ]),
        None
    );
    assert_eq!(car(&[("highway", "primary"), ("vehicle", "no")]), None);
    // `a;b` resolves to the most permissive part.
    assert_eq!(
        speeds(&[("highway", "primary"), ("access", "no;yes")]),
        both(65.0)
    );
    // Per direction.
    assert_eq!(
        speeds(&[("highway", "residential"), ("motor_vehicle:backward", "no")]),
        (Some(25.0), None)
    );
}

#[test]
fn blacklisted_access_values_drop_the_direction() {
    for v in [
        "no",
        "agricultural",
        "forestry",
        "emergency",
        "psv",
        "taxi",
        "bus",
        "foot",
        "military",
        "official",
        "restricted",
    ] {
        assert_eq!(
            car(&[("highway", "residential"), ("access", v)]),
            None,
            "{v}"
        );
    }
}

#[test]
fn restricted_roads_are_drivable_and_marked() {
    for v in [
        "private",
        "delivery",
        "destination",
        "customers",
        "permit",
        "residents",
    ] {
        let r = car(&[("highway", "residential"), ("motor_vehicle", v)])
            .unwrap_or_else(|| panic!("{v}"));
        assert!(r.restricted, "{v}");
        assert_eq!(r.forward_kmh, Some(25.0), "{v}");
    }
    assert!(!car(&[("highway", "residential")]).unwrap().restricted);
    // Only on the classes OSRM lists: a private track is closed.
    assert_eq!(car(&[("highway", "track"), ("access", "private")]), None);
}

#[test]
fn closed_and_unbuilt_ways() {
    let closed: &[&[(&str, &str)]] = &[
        &[("highway", "construction")],
        &[("highway", "proposed")],
        &[("highway", "steps"), ("motor_vehicle", "yes")],
        &[("highway", "primary"), ("construction", "yes")],
        &[("highway", "primary"), ("construction", "primary")],
        &[("highway", "primary"), ("area", "yes")],
        &[("highway", "primary"), ("impassable", "yes")],
        &[("highway", "primary"), ("status", "impassable")],
        &[("highway", "primary"), ("oneway", "reversible")],
        &[("highway", "service"), ("service", "emergency_access")],
        &[("railway", "construction"), ("highway", "primary")],
        &[("name", "no highway")],
    ];
    for tags in closed {
        assert_eq!(car(tags), None, "{tags:?}");
    }
    for c in ["no", "widening", "minor"] {
        assert!(
            car(&[("highway", "primary"), ("construction", c)]).is_some(),
            "{c}"
        );
    }
    // A real road with a proposed upgrade is routable.
    assert!(car(&[("highway", "tertiary"), ("proposed", "secondary")]).is_some());
}

#[test]
fn size_and_weight_limits() {
    let table: Rows<bool> = &[
        (&[("maxheight", "1.9")], false),
        (&[("maxheight", "2")], true),
        (&[("maxheight", "6'6\"")], false),
        (&[("maxheight", "6'7\"")], true),
        (&[("maxheight", "6'")], false),
        (&[("maxheight", "default")], true),
        (&[("maxheight:physical", "1.8"), ("maxheight", "3")], false),
        (&[("maxwidth", "1.9")], false),
        (&[("width", "1,5")], false),
        (&[("maxwidth", "2.1")], true),
        (&[("maxlength", "4")], false),
        (&[("maxlength", "5")], true),
        (&[("maxweight", "1.5")], false),
        (&[("maxweight", "3.5")], true),
        (&[("maxweight", "1500 kg")], false),
        (&[("maxweightrating", "2500 lbs")], false),
    ];
    for (extra, ok) in table {
        let mut tags = vec![("highway", "residential")];
        tags.extend_from_slice(extra);
        assert_eq!(car(&tags).is_some(), *ok, "{extra:?}");
    }
    // By direction.
    assert_eq!(
        speeds(&[("highway", "residential"), ("maxheight:backward", "1.5")]),
        (Some(25.0), None)
    );
}

#[test]
fn oneway_rules() {
    let table: Rows<(bool, bool)> = &[
        (&[("oneway", "yes")], (true, false)),
        (&[("oneway", "1")], (true, false)),
        (&[("oneway", "true")], (true, false)),
        (&[("oneway", "-1")], (false, true)),
        // `reverse` is not an OSRM value.
        (&[("oneway", "reverse")], (true, true)),
        (&[("oneway", "no")], (true, true)),
        (&[("oneway", "alternating")], (true, true)),
        // oneway:motorcar and friends come first.
        (
            &[("oneway", "yes"), ("oneway:motorcar", "no")],
            (true, true),
        ),
        (&[("oneway:motor_vehicle", "yes")], (true, false)),
        (&[("oneway:vehicle", "-1")], (false, true)),
        // Implied only for roundabouts here (and motorways, below).
        (&[("junction", "roundabout")], (true, false)),
        (&[("junction", "circular")], (true, false)),
        (
            &[("junction", "roundabout"), ("oneway", "no")],
            (true, true),
        ),
        // Only `no` cancels an implied oneway.
        (
            &[("junction", "roundabout"), ("oneway", "false")],
            (true, false),
        ),
    ];
    for (extra, (f, b)) in table {
        let mut tags = vec![("highway", "residential")];
        tags.extend_from_slice(extra);
        let (sf, sb) = speeds(&tags);
        assert_eq!((sf.is_some(), sb.is_some()), (*f, *b), "{extra:?}");
    }
    let dirs = |tags: &[(&str, &str)]| {
        let (f, b) = speeds(tags);
        (f.is_some(), b.is_some())
    };
    assert_eq!(dirs(&[("highway", "motorway")]), (true, false));
    assert_eq!(
        dirs(&[("highway", "motorway"), ("oneway", "no")]),
        (true, true)
    );
    // Not implied for motorway_link (the simple profile implies it).
    assert_eq!(dirs(&[("highway", "motorway_link")]), (true, true));
}

#[test]
fn ferries_at_their_duration_or_the_ferry_speed() {
    let r = car(&[("route", "ferry"), ("duration", "00:45")]).unwrap();
    assert!(r.ferry);
    assert_eq!(r.duration_s, Some(2700.0));
    assert_eq!(CarProfile::default().classes()[r.class as usize], "ferry");
    let r = car(&[("route", "ferry")]).unwrap();
    assert_eq!(
        (r.forward_kmh, r.backward_kmh, r.duration_s),
        (Some(5.0), Some(5.0), None)
    );
    let r = car(&[("route", "ferry"), ("duration", "bientôt")]).unwrap();
    assert_eq!(r.duration_s, None);
    // No car on a ferry that forbids motor vehicles; one-way ferries.
    assert_eq!(car(&[("route", "ferry"), ("motor_vehicle", "no")]), None);
    let r = car(&[("route", "ferry"), ("oneway", "yes")]).unwrap();
    assert_eq!(r.backward_kmh, None);
    // A shuttle train at 10 km/h; other routes are not ways for cars.
    assert_eq!(speeds(&[("route", "shuttle_train")]), both(10.0));
    assert_eq!(car(&[("route", "bus")]), None);
    // Congestion factors do not touch ferries.
    let slow = CarProfile {
        speed_factor: 0.5,
        ..CarProfile::default()
    };
    let r = slow.rule(|k| (k == "route").then_some("ferry")).unwrap();
    assert_eq!(r.forward_kmh, Some(5.0));
    // No wait at the quay by default (OSRM); `ferry_boarding_min` adds one, to ferries only.
    assert_eq!(car(&[("route", "ferry")]).unwrap().boarding_s, 0.0);
    let waiting = CarProfile {
        ferry_boarding_min: 15.0,
        ..CarProfile::default()
    };
    let r = waiting.rule(|k| (k == "route").then_some("ferry")).unwrap();
    assert_eq!(r.boarding_s, 900.0);
    let r = waiting
        .rule(|k| (k == "highway").then_some("primary"))
        .unwrap();
    assert_eq!(r.boarding_s, 0.0);
    assert!(Profile::from_toml_str("ferry_boarding_min = -1\n").is_err());
}

#[test]
fn movable_bridges() {
    assert_eq!(
        speeds(&[("highway", "primary"), ("bridge", "movable")]),
        both(5.0)
    );
    let r = car(&[
        ("highway", "primary"),
        ("bridge", "movable"),
        ("duration", "5"),
    ])
    .unwrap();
    assert_eq!(r.duration_s, Some(300.0));
    assert_eq!(
        speeds(&[("highway", "primary"), ("bridge", "yes")]),
        both(65.0)
    );
}

#[test]
fn durations_parse_as_osrm_does() {
    let table = [
        ("00:05", Some(300.0)),
        ("1:15", Some(4500.0)),
        ("01:15:30", Some(4530.0)),
        ("45", Some(2700.0)),
        ("120", None),
        ("PT1H30M", Some(5400.0)),
        ("PT45M", Some(2700.0)),
        ("PT20S", Some(20.0)),
        ("P1D", Some(86400.0)),
        ("P1DT2H", Some(93600.0)),
        ("P2W", Some(1_209_600.0)),
        ("PT012000", Some(4800.0)),
        ("PT01:20:00", Some(4800.0)),
        ("PT30M1H", None),
        ("02:30;03:30", None),
        ("", None),
        ("1h", None),
    ];
    for (v, s) in table {
        assert_eq!(parse_duration(v), s, "{v}");
    }
}

#[test]
fn speed_factors_scale_road_speeds() {
    let p = CarProfile {
        speed_factor: 0.8,
        class_speed_factor: [("primary".to_string(), 0.5)].into(),
        ..CarProfile::default()
    };
    let kmh = |tags: &[(&str, &str)]| {
        p.rule(|k| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v))
            .unwrap()
            .forward_kmh
            .unwrap()
    };
    assert!((kmh(&[("highway", "secondary")]) - 44.0).abs() < 1e-9);
    assert!((kmh(&[("highway", "primary")]) - 26.0).abs() < 1e-9);
    assert!((kmh(&[("highway", "primary"), ("maxspeed", "50")]) - 16.0).abs() < 1e-9);
}

#[test]
fn classes_are_the_speed_table_then_routes_then_other() {
    let p = CarProfile::default();
    let classes = p.classes();
    assert_eq!(
        &classes[classes.len() - 3..],
        ["ferry", "shuttle_train", "other"]
    );
    let r = car(&[("highway", "track"), ("access", "yes")]).unwrap();
    assert_eq!(classes[r.class as usize], "other");
    let r = car(&[("highway", "primary")]).unwrap();
    assert_eq!(classes[r.class as usize], "primary");
}

#[test]
fn builtins_by_name() {
    assert_eq!(Profile::builtin("car"), Some(Profile::default()));
    assert_eq!(Profile::builtin("simple").unwrap().name(), "simple");
    assert_eq!(Profile::default().name(), "car");
    assert!(Profile::builtin("bicycle").is_none());
    assert!(Profile::default().osrm_segments());
    assert!(!Profile::simple().osrm_segments());
}

#[test]
fn toml_extends_car_by_default() {
    let p = Profile::from_toml_str(
        "name = \"car-peak\"\nspeed_factor = 0.8\n[class_speed_factor]\nprimary = 0.9\n[speeds]\nprimary = 60\n",
    )
    .unwrap();
    let Profile::Car(c) = &p else { panic!("{p:?}") };
    assert_eq!(c.name, "car-peak");
    assert_eq!(c.speed_factor, 0.8);
    assert_eq!(c.speeds.get("primary"), Some(&60.0));
    // Replacing the table replaces it whole: only `primary` is routable by class now.
    assert!(
        p.rule(|k| (k == "highway").then_some("secondary"))
            .is_none()
    );
    // Untouched keys keep OSRM's values.
    assert_eq!(c.maxspeed_reduction, 0.8);
    let p = Profile::from_toml_str("base = \"car\"\nmaxspeed_reduction = 1.0\n").unwrap();
    assert_eq!(
        p.rule(|k| match k {
            "highway" => Some("primary"),
            "maxspeed" => Some("50"),
            _ => None,
        })
        .unwrap()
        .forward_kmh,
        Some(50.0)
    );
}

#[test]
fn toml_errors_name_line_and_column() {
    let e = Profile::from_toml_str("[speeds]\nresidential = \"fast\"\n").unwrap_err();
    assert!(e.starts_with("line 2, column"), "{e}");
    let e = Profile::from_toml_str("[speeds]\nresidential = -3\n").unwrap_err();
    assert!(e.contains("residential"), "{e}");
    let e = Profile::from_toml_str("name = \"x\"\ncolour = 1\n").unwrap_err();
    assert!(e.contains("colour") && e.starts_with("line 2"), "{e}");
    assert!(Profile::from_toml_str("[speeds]\n").is_err());
    let e = Profile::from_toml_str("base = \"bicycle\"\n").unwrap_err();
    assert!(e.contains("bicycle"), "{e}");
    let e = Profile::from_toml_str("speed_factor = 0\n").unwrap_err();
    assert!(e.contains("speed_factor"), "{e}");
    // A simple-profile key in a car file is unknown, and the other way round.
    assert!(Profile::from_toml_str("[maxspeed_zones]\nurban = 40\n").is_err());
    assert!(
        Profile::from_toml_str("base = \"simple\"\nspeed_factor = 0.9\n[speeds]\nroad = 3\n")
            .is_err()
    );
}

#[test]
fn builtins_round_trip_through_toml() {
    let car = Profile::default();
    let Profile::Car(c) = &car else {
        unreachable!()
    };
    assert_eq!(
        Profile::from_toml_str(&toml::to_string(c).unwrap()).unwrap(),
        car
    );
    let Profile::Simple(s) = Profile::simple() else {
        unreachable!()
    };
    let text = format!("base = \"simple\"\n{}", toml::to_string(&s).unwrap());
    let back = Profile::from_toml_str(&text).unwrap();
    let Profile::Simple(mut b) = back else {
        panic!("{back:?}")
    };
    b.base = None;
    assert_eq!(b, s);
}
