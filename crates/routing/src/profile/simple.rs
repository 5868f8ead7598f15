//! The `simple` profile: legal speeds by highway class, a `maxspeed` override, oneway and
//! access tags; no turn or junction cost, no ferry. The project's first car profile, kept
//! exactly as it was (`--profile simple`) so that results can be checked against a plain
//! Dijkstra and other engines on the same rules (see the README, "Car profiles").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{WayRule, map, strings};

/// The simple profile. Every field defaults to its built-in value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpleProfile {
    /// The built-in profile a TOML file extends: `simple` here (required in such a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// A name carried into outputs' provenance. Default `"car"`.
    #[serde(default = "default_name")]
    pub name: String,
    /// km/h by `highway` value; any value not listed is not car-routable.
    pub speeds: BTreeMap<String, f64>,
    /// km/h for `maxspeed` zone keywords, matched on the part after the last `:` with spaces
    /// removed (`FR:urban` -> `urban`).
    #[serde(default = "default_zones")]
    pub maxspeed_zones: BTreeMap<String, f64>,
    /// Tags whose value, when in `blocked_access_values`, removes the way.
    #[serde(default = "default_access_tags")]
    pub access_tags: Vec<String>,
    /// Default `no, private, agricultural, forestry, delivery`.
    #[serde(default = "default_blocked")]
    pub blocked_access_values: Vec<String>,
    /// `highway` values that are one-way unless `oneway` says otherwise.
    /// Default `motorway, motorway_link`.
    #[serde(default = "default_implied_oneway")]
    pub implied_oneway: Vec<String>,
    /// `junction` values that are one-way unless `oneway` says otherwise.
    /// Default `roundabout, circular`.
    #[serde(default = "default_oneway_junctions")]
    pub oneway_junctions: Vec<String>,
}

fn default_name() -> String {
    "simple".to_string()
}

fn default_speeds() -> BTreeMap<String, f64> {
    map(&[
        ("motorway", 120.0),
        ("motorway_link", 60.0),
        ("trunk", 100.0),
        ("trunk_link", 50.0),
        ("primary", 80.0),
        ("primary_link", 40.0),
        ("secondary", 70.0),
        ("secondary_link", 35.0),
        ("tertiary", 50.0),
        ("tertiary_link", 30.0),
        ("unclassified", 40.0),
        ("residential", 30.0),
        ("living_street", 10.0),
        ("service", 20.0),
        ("road", 30.0),
    ])
}

fn default_zones() -> BTreeMap<String, f64> {
    map(&[
        ("urban", 50.0),
        ("rural", 80.0),
        ("motorway", 130.0),
        ("trunk", 110.0),
        ("zone30", 30.0),
        ("living_street", 20.0),
        ("walk", 6.0),
    ])
}

fn default_access_tags() -> Vec<String> {
    strings(&["access", "motor_vehicle", "motorcar"])
}

fn default_blocked() -> Vec<String> {
    strings(&["no", "private", "agricultural", "forestry", "delivery"])
}

fn default_implied_oneway() -> Vec<String> {
    strings(&["motorway", "motorway_link"])
}

fn default_oneway_junctions() -> Vec<String> {
    strings(&["roundabout", "circular"])
}

impl Default for SimpleProfile {
    fn default() -> Self {
        SimpleProfile {
            base: None,
            name: default_name(),
            speeds: default_speeds(),
            maxspeed_zones: default_zones(),
            access_tags: default_access_tags(),
            blocked_access_values: default_blocked(),
            implied_oneway: default_implied_oneway(),
            oneway_junctions: default_oneway_junctions(),
        }
    }
}

impl SimpleProfile {
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.speeds.is_empty() {
            return Err("field `speeds`: no routable highway value".into());
        }
        if self.speeds.len() > 255 {
            return Err("field `speeds`: more than 255 highway values".into());
        }
        for (k, v) in self.speeds.iter().chain(self.maxspeed_zones.iter()) {
            if !(v.is_finite() && *v > 0.0 && *v <= 400.0) {
                return Err(format!("speed for `{k}`: {v} is not in (0, 400] km/h"));
            }
        }
        Ok(())
    }

    /// The routable `highway` values, in the order [`WayRule::class`] indexes.
    pub fn classes(&self) -> Vec<String> {
        self.speeds.keys().cloned().collect()
    }

    /// Applies the profile to a way's tags (`tag(key)` gives the value of a key).
    /// `None` means the way is not for cars.
    pub fn rule<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<WayRule> {
        let highway = tag("highway")?;
        let (class, default_kmh) = self
            .speeds
            .iter()
            .enumerate()
            .find(|(_, (k, _))| k.as_str() == highway)
            .map(|(i, (_, v))| (i as u8, *v))?;
        if tag("area") == Some("yes") {
            return None;
        }
        for key in &self.access_tags {
            if let Some(v) = tag(key)
                && self.blocked_access_values.iter().any(|b| b == v)
            {
                return None;
            }
        }
        let speed_kmh = tag("maxspeed")
            .and_then(|m| self.parse_maxspeed(m))
            .unwrap_or(default_kmh);
        let implied = self.implied_oneway.iter().any(|h| h == highway)
            || tag("junction").is_some_and(|j| self.oneway_junctions.iter().any(|x| x == j));
        let (forward, backward) = match tag("oneway") {
            Some("yes" | "true" | "1") => (true, false),
            Some("-1" | "reverse") => (false, true),
            Some("no" | "false" | "0") => (true, true),
            _ if implied => (true, false),
            _ => (true, true),
        };
        Some(WayRule {
            class,
            forward_kmh: forward.then_some(speed_kmh),
            backward_kmh: backward.then_some(speed_kmh),
            duration_s: None,
            ferry: false,
            boarding_s: 0.0,
            restricted: false,
        })
    }

    /// A `maxspeed` value in km/h: a number (the first of `a;b`), `N mph`, or a zone keyword.
    pub fn parse_maxspeed(&self, value: &str) -> Option<f64> {
        let first = value.split(';').next()?.trim();
        let positive = |v: f64| (v.is_finite() && v > 0.0).then_some(v);
        if let Ok(v) = first.parse::<f64>() {
            return positive(v);
        }
        if let Some(n) = first.strip_suffix("mph")
            && let Ok(v) = n.trim().parse::<f64>()
        {
            return positive(v * 1.609_344);
        }
        let keyword: String = first
            .rsplit(':')
            .next()?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        self.maxspeed_zones.get(&keyword).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(tags: &[(&str, &str)]) -> Option<WayRule> {
        let p = SimpleProfile::default();
        p.rule(|k| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v))
    }

    fn speed(tags: &[(&str, &str)]) -> f64 {
        let r = rule(tags).expect("routable");
        r.forward_kmh.or(r.backward_kmh).unwrap()
    }

    fn dirs(tags: &[(&str, &str)]) -> (bool, bool) {
        let r = rule(tags).expect("routable");
        (r.forward_kmh.is_some(), r.backward_kmh.is_some())
    }

    #[test]
    fn highway_default_speeds() {
        let table = [
            ("motorway", 120.0),
            ("motorway_link", 60.0),
            ("trunk", 100.0),
            ("trunk_link", 50.0),
            ("primary", 80.0),
            ("primary_link", 40.0),
            ("secondary", 70.0),
            ("secondary_link", 35.0),
            ("tertiary", 50.0),
            ("tertiary_link", 30.0),
            ("unclassified", 40.0),
            ("residential", 30.0),
            ("living_street", 10.0),
            ("service", 20.0),
            ("road", 30.0),
        ];
        for (hw, kmh) in table {
            assert_eq!(speed(&[("highway", hw)]), kmh, "{hw}");
        }
    }

    #[test]
    fn other_highway_values_are_not_routable() {
        for hw in [
            "footway",
            "cycleway",
            "path",
            "track",
            "steps",
            "pedestrian",
            "proposed",
            "construction",
            "",
        ] {
            assert!(rule(&[("highway", hw)]).is_none(), "{hw}");
        }
        assert!(rule(&[("name", "Rue sans highway")]).is_none());
    }

    #[test]
    fn maxspeed_number_overrides() {
        assert_eq!(
            speed(&[("highway", "residential"), ("maxspeed", "50")]),
            50.0
        );
        assert_eq!(speed(&[("highway", "primary"), ("maxspeed", "90.5")]), 90.5);
    }

    #[test]
    fn maxspeed_first_of_list() {
        assert_eq!(
            speed(&[("highway", "primary"), ("maxspeed", "70;50")]),
            70.0
        );
        assert_eq!(
            speed(&[("highway", "primary"), ("maxspeed", "FR:urban;30")]),
            50.0
        );
    }

    #[test]
    fn maxspeed_mph() {
        let v = speed(&[("highway", "primary"), ("maxspeed", "30 mph")]);
        assert!((v - 48.28032).abs() < 1e-9, "{v}");
        let v = speed(&[("highway", "primary"), ("maxspeed", "20mph")]);
        assert!((v - 32.18688).abs() < 1e-9, "{v}");
    }

    #[test]
    fn maxspeed_zone_keywords() {
        let table = [
            ("FR:urban", 50.0),
            ("FR:rural", 80.0),
            ("FR:motorway", 130.0),
            ("FR:trunk", 110.0),
            ("FR:zone30", 30.0),
            ("FR:zone 30", 30.0),
            ("DE:living_street", 20.0),
            ("FR:walk", 6.0),
            ("urban", 50.0),
            ("BE-VLG:zone30", 30.0),
        ];
        for (m, kmh) in table {
            assert_eq!(
                speed(&[("highway", "tertiary"), ("maxspeed", m)]),
                kmh,
                "{m}"
            );
        }
    }

    #[test]
    fn unparseable_maxspeed_keeps_highway_default() {
        for m in [
            "none",
            "signals",
            "variable",
            "FR:unknown",
            "50 km/h",
            "0",
            "-20",
            "NaN",
            "",
        ] {
            assert_eq!(
                speed(&[("highway", "tertiary"), ("maxspeed", m)]),
                50.0,
                "{m}"
            );
        }
    }

    #[test]
    fn oneway_values() {
        for v in ["yes", "true", "1"] {
            assert_eq!(
                dirs(&[("highway", "residential"), ("oneway", v)]),
                (true, false),
                "{v}"
            );
        }
        for v in ["-1", "reverse"] {
            assert_eq!(
                dirs(&[("highway", "residential"), ("oneway", v)]),
                (false, true),
                "{v}"
            );
        }
        for v in ["no", "false", "0", "alternating", "reversible"] {
            assert_eq!(
                dirs(&[("highway", "residential"), ("oneway", v)]),
                (true, true),
                "{v}"
            );
        }
        assert_eq!(dirs(&[("highway", "residential")]), (true, true));
    }

    #[test]
    fn implied_oneway_motorway_and_roundabouts() {
        assert_eq!(dirs(&[("highway", "motorway")]), (true, false));
        assert_eq!(dirs(&[("highway", "motorway_link")]), (true, false));
        assert_eq!(dirs(&[("highway", "trunk")]), (true, true));
        assert_eq!(
            dirs(&[("highway", "primary"), ("junction", "roundabout")]),
            (true, false)
        );
        assert_eq!(
            dirs(&[("highway", "tertiary"), ("junction", "circular")]),
            (true, false)
        );
        for v in ["no", "false", "0"] {
            assert_eq!(
                dirs(&[("highway", "motorway"), ("oneway", v)]),
                (true, true),
                "{v}"
            );
            assert_eq!(
                dirs(&[
                    ("highway", "primary"),
                    ("junction", "roundabout"),
                    ("oneway", v)
                ]),
                (true, true),
                "{v}"
            );
        }
        assert_eq!(
            dirs(&[("highway", "motorway"), ("oneway", "-1")]),
            (false, true)
        );
    }

    #[test]
    fn access_restrictions_drop_the_way() {
        for key in ["access", "motor_vehicle", "motorcar"] {
            for v in ["no", "private", "agricultural", "forestry", "delivery"] {
                assert!(
                    rule(&[("highway", "service"), (key, v)]).is_none(),
                    "{key}={v}"
                );
            }
            for v in ["yes", "destination", "permissive", "customers"] {
                assert!(
                    rule(&[("highway", "service"), (key, v)]).is_some(),
                    "{key}={v}"
                );
            }
        }
    }

    #[test]
    fn areas_are_dropped() {
        assert!(rule(&[("highway", "service"), ("area", "yes")]).is_none());
        assert!(rule(&[("highway", "service"), ("area", "no")]).is_some());
    }

    #[test]
    fn toml_profile_replaces_the_default() {
        let p = super::super::Profile::from_toml_str(
            "base = \"simple\"\nname = \"slow\"\n[speeds]\nresidential = 20\ntrack = 10\n[maxspeed_zones]\nurban = 40\n",
        )
        .unwrap();
        let super::super::Profile::Simple(p) = p else {
            panic!("not simple")
        };
        assert_eq!(p.name, "slow");
        let r = p.rule(|k| match k {
            "highway" => Some("track"),
            _ => None,
        });
        assert_eq!(r.unwrap().forward_kmh, Some(10.0));
        assert!(p.rule(|k| (k == "highway").then_some("primary")).is_none());
        assert_eq!(p.parse_maxspeed("FR:urban"), Some(40.0));
        assert_eq!(p.parse_maxspeed("FR:rural"), None);
        // Omitted sections keep their defaults.
        assert_eq!(p.implied_oneway, default_implied_oneway());
    }
}
