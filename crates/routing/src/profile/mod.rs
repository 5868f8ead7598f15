//! Car profiles: OSM tags to speed and direction, as pure functions, table-tested rule by rule.
//!
//! * [`CarProfile`] (`car`, the default): OSRM's `car.lua`, so that our times stand next to the
//!   official ones;
//! * [`SimpleProfile`] (`simple`): the project's first profile, legal speeds, kept unchanged.
//!
//! A TOML file extends one of them: `base = "car"` (the default) or `base = "simple"`, then any of
//! that profile's keys (unknown keys are errors, reported with line and column).

mod car;
mod simple;

use std::collections::BTreeMap;
use std::path::Path;

pub use car::{CarProfile, parse_duration};
pub use simple::SimpleProfile;

use crate::RoutingError;

/// How a car may use a way, for the graph builder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WayRule {
    /// Index of the way's class in [`Profile::classes`].
    pub class: u8,
    /// km/h in the way's node order; `None` when a car may not drive that way.
    pub forward_kmh: Option<f64>,
    /// km/h against the node order; `None` when a car may not drive that way.
    pub backward_kmh: Option<f64>,
    /// The time of the whole way in seconds, when it has one (a ferry or a movable bridge with
    /// a valid `duration`): it replaces the speeds, spread evenly over the way's segments (as
    /// OSRM does).
    pub duration_s: Option<f64>,
    /// A ferry (`route=ferry`).
    pub ferry: bool,
    /// Seconds of waiting at the quay added to a whole crossing (a ferry's share of it on each
    /// of its links, like its duration): the car profile's `ferry_boarding_min`.
    pub boarding_s: f64,
    /// Only for local access in a drivable direction (`destination`, `private`, … on a road
    /// class OSRM lists).
    pub restricted: bool,
}

/// What a node does to a car passing it (OSRM's barriers and obstacles).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NodeRule {
    /// No passage: a car may only turn back here.
    pub barrier: bool,
    /// A u-turn is allowed here (`highway=turning_circle`…).
    pub turning: bool,
    /// Seconds added to a passage in the direction of the way that holds the node (traffic
    /// signals, stop, give way, gate), and against it.
    pub forward_s: f64,
    pub backward_s: f64,
}

/// How turns cost, from their angle (OSRM car.lua's `process_turn`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TurnModel {
    pub turn_penalty_s: f64,
    pub turn_bias: f64,
    pub u_turn_penalty_s: f64,
    pub oncoming_penalty_s: f64,
}

impl TurnModel {
    /// Seconds of a turn by `angle_deg` (0 straight on, + right, - left, ±180 back): the
    /// sigmoid where more than two roads meet, at a change of mode and on u-turns, plus the
    /// u-turn penalty, plus the oncoming-traffic cost of a left turn at a real junction.
    pub fn turn_s(&self, angle_deg: f64, roads: usize, mode_change: bool, u_turn: bool) -> f64 {
        let mut s = 0.0;
        if roads > 2 || mode_change || u_turn {
            let a = if u_turn { 180.0 } else { angle_deg };
            let (p, b) = (self.turn_penalty_s, self.turn_bias);
            s += if a >= 0.0 {
                p / (1.0 + (-((13.0 / b) * a / 180.0 - 6.5 * b)).exp())
            } else {
                p / (1.0 + (-((13.0 * b) * -a / 180.0 - 6.5 / b)).exp())
            };
            if u_turn {
                s += self.u_turn_penalty_s;
            }
        }
        if roads > 2 && !u_turn && angle_deg < 0.0 {
            s += self.oncoming_penalty_s / (1.0 + (-(13.0 * -angle_deg / 180.0 - 3.25)).exp());
        }
        s
    }
}

/// A car profile: the built-in `car` (the default) or `simple`, or either extended by a TOML file.
// One profile per import: the size of the larger variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Profile {
    Car(CarProfile),
    Simple(SimpleProfile),
}

impl Default for Profile {
    fn default() -> Self {
        Profile::Car(CarProfile::default())
    }
}

/// The names `--profile` accepts besides a file.
pub const BUILTIN_PROFILES: [&str; 2] = ["car", "simple"];

pub(crate) fn map(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

pub(crate) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl Profile {
    /// The `simple` built-in profile.
    pub fn simple() -> Profile {
        Profile::Simple(SimpleProfile::default())
    }

    /// A built-in profile by name (`car`, `simple`).
    pub fn builtin(name: &str) -> Option<Profile> {
        match name {
            "car" => Some(Profile::default()),
            "simple" => Some(Profile::simple()),
            _ => None,
        }
    }

    /// A built-in profile's name, or else a TOML file's path.
    pub fn from_arg(arg: &str) -> Result<Profile, RoutingError> {
        match Profile::builtin(arg) {
            Some(p) => Ok(p),
            None => Profile::from_toml_file(Path::new(arg)),
        }
    }

    /// Reads a profile from a TOML file; unknown keys and bad speeds are errors.
    pub fn from_toml_file(path: &Path) -> Result<Profile, RoutingError> {
        let text = std::fs::read_to_string(path).map_err(|e| RoutingError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Profile::from_toml_str(&text).map_err(|reason| RoutingError::Profile {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses a profile from TOML text; the error is a one-line message with line and column.
    pub fn from_toml_str(text: &str) -> Result<Profile, String> {
        let located = |e: toml::de::Error| {
            let msg = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let (line, col) = line_col(text, span.start);
                    format!("line {line}, column {col}: {msg}")
                }
                None => msg,
            }
        };
        // The base first (from a table, other keys aside), then the whole file as that profile.
        let table: toml::Table = toml::from_str(text).map_err(located)?;
        let base = match table.get("base") {
            None => "car",
            Some(toml::Value::String(b)) => b.as_str(),
            Some(_) => return Err("field `base`: not a string".into()),
        };
        match base {
            "car" => {
                let p: CarProfile = toml::from_str(text).map_err(located)?;
                p.validate()?;
                Ok(Profile::Car(p))
            }
            "simple" => {
                let p: SimpleProfile = toml::from_str(text).map_err(located)?;
                p.validate()?;
                Ok(Profile::Simple(p))
            }
            other => Err(format!(
                "field `base`: `{other}` is not a built-in profile (car, simple)"
            )),
        }
    }

    /// The name carried into outputs' provenance.
    pub fn name(&self) -> &str {
        match self {
            Profile::Car(p) => &p.name,
            Profile::Simple(p) => &p.name,
        }
    }

    /// The class names, in the order [`WayRule::class`] indexes.
    pub fn classes(&self) -> Vec<String> {
        match self {
            Profile::Car(p) => p.classes(),
            Profile::Simple(p) => p.classes(),
        }
    }

    /// Applies the profile to a way's tags (`tag(key)` gives the value of a key).
    /// `None` means the way is not for cars.
    pub fn rule<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<WayRule> {
        match self {
            Profile::Car(p) => p.rule(tag),
            Profile::Simple(p) => p.rule(tag),
        }
    }

    /// The legal speed (km/h, before any reduction) the profile reads in a `maxspeed` value.
    pub fn maxspeed_kmh(&self, value: &str) -> Option<f64> {
        match self {
            Profile::Car(p) => Some(p.parse_maxspeed(value)).filter(|v| *v > 0.0),
            Profile::Simple(p) => p.parse_maxspeed(value),
        }
    }

    /// What a node does to a car (`None`: nothing). The `simple` profile reads no node tags.
    pub fn node_rule<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<NodeRule> {
        match self {
            Profile::Car(p) => p.node_rule(tag),
            Profile::Simple(_) => None,
        }
    }

    /// A turn restriction relation: `Some(true)` only_*, `Some(false)` no_*. The `simple`
    /// profile reads none.
    pub fn restriction<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<bool> {
        match self {
            Profile::Car(p) => p.restriction(tag),
            Profile::Simple(_) => None,
        }
    }

    /// Turn costs; `None` for the `simple` profile, where every turn is free and allowed,
    /// u-turns included, so its times equal a plain Dijkstra over junctions.
    pub fn turn_model(&self) -> Option<TurnModel> {
        match self {
            Profile::Car(p) => Some(p.turn_model()),
            Profile::Simple(_) => None,
        }
    }

    /// True for the OSRM-like profile, whose times are summed per OSM segment as OSRM does
    /// (WGS84 cheap-ruler length, each segment rounded to 0.1 s, at least 0.1 s).
    pub fn osrm_segments(&self) -> bool {
        matches!(self, Profile::Car(_))
    }
}

impl CarProfile {
    fn validate(&self) -> Result<(), String> {
        if self.speeds.is_empty() {
            return Err("field `speeds`: no routable highway value".into());
        }
        if self.speeds.len() > 250 {
            return Err("field `speeds`: more than 250 highway values".into());
        }
        let speed_ok = |v: f64| v.is_finite() && v > 0.0 && v <= 400.0;
        let tables = [
            ("speeds", &self.speeds),
            ("route_speeds", &self.route_speeds),
            ("bridge_speeds", &self.bridge_speeds),
            ("maxspeed_type_defaults", &self.maxspeed_type_defaults),
        ];
        for (table, t) in tables {
            for (k, v) in t {
                if !speed_ok(*v) {
                    return Err(format!("{table}.{k}: {v} is not in (0, 400] km/h"));
                }
            }
        }
        let caps = [
            ("maxspeed_table", &self.maxspeed_table),
            ("surface_speeds", &self.surface_speeds),
            ("tracktype_speeds", &self.tracktype_speeds),
            ("smoothness_speeds", &self.smoothness_speeds),
        ];
        for (table, t) in caps {
            for (k, v) in t {
                if !(v.is_finite() && *v >= 0.0 && *v <= 400.0) {
                    return Err(format!("{table}.{k}: {v} is not in [0, 400] km/h"));
                }
            }
        }
        if !speed_ok(self.default_speed) {
            return Err(format!(
                "default_speed: {} is not in (0, 400] km/h",
                self.default_speed
            ));
        }
        let factor_ok = |v: f64| v.is_finite() && v > 0.0 && v <= 10.0;
        if !factor_ok(self.speed_factor) {
            return Err(format!(
                "speed_factor: {} is not in (0, 10]",
                self.speed_factor
            ));
        }
        for (k, v) in &self.class_speed_factor {
            if !factor_ok(*v) {
                return Err(format!("class_speed_factor.{k}: {v} is not in (0, 10]"));
            }
        }
        if !(self.maxspeed_reduction.is_finite()
            && self.maxspeed_reduction > 0.0
            && self.maxspeed_reduction <= 2.0)
        {
            return Err(format!(
                "maxspeed_reduction: {} is not in (0, 2]",
                self.maxspeed_reduction
            ));
        }
        for (k, v) in [
            ("turn_penalty_s", self.turn_penalty_s),
            ("u_turn_penalty_s", self.u_turn_penalty_s),
            ("oncoming_penalty_s", self.oncoming_penalty_s),
            ("traffic_signal_s", self.traffic_signal_s),
            ("stop_s", self.stop_s),
            ("give_way_s", self.give_way_s),
        ]
        .into_iter()
        .chain(self.barrier_costs_s.iter().map(|(k, v)| (k.as_str(), *v)))
        {
            if !(v.is_finite() && (0.0..=3600.0).contains(&v)) {
                return Err(format!("{k}: {v} is not in [0, 3600] seconds"));
            }
        }
        if !(self.turn_bias.is_finite() && self.turn_bias > 0.0 && self.turn_bias <= 10.0) {
            return Err(format!("turn_bias: {} is not in (0, 10]", self.turn_bias));
        }
        if !(self.ferry_boarding_min.is_finite()
            && (0.0..=1440.0).contains(&self.ferry_boarding_min))
        {
            return Err(format!(
                "ferry_boarding_min: {} is not in [0, 1440] minutes",
                self.ferry_boarding_min
            ));
        }
        for (k, v) in [
            ("vehicle_height_m", self.vehicle_height_m),
            ("vehicle_width_m", self.vehicle_width_m),
            ("vehicle_length_m", self.vehicle_length_m),
            ("vehicle_weight_kg", self.vehicle_weight_kg),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("{k}: {v} is not a size"));
            }
        }
        Ok(())
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
