//! The default car profile, modelled on OSRM's `car.lua` (osrm-bindings 26.10.0): its speed
//! table, `maxspeed` handling and × 0.8 reduction, surface caps, access hierarchy, size limits,
//! oneway rules and ferries, so that our car times stand next to the official ones (INSEE's
//! Metric-OSRM). Written from reading that profile and its `lib/` (way_handlers, access, measure,
//! tags); the defaults here are its values.
//!
//! OSRM chooses routes by a *weight* (duration divided by route-choice factors for alleys,
//! narrow or side roads, plus a 3,276.7 s penalty for entering destination/private roads) and
//! reports their *duration*. zoneblanche minimises the duration itself: on Andorra the weight
//! factors change OSRM's own median time by 0.1 s (design note `OSRM-CAR.md`), and a single
//! cost keeps every search (bounded, incremental, isochrones) exact. The roads OSRM calls
//! *restricted* (`destination`, `private`, `delivery`, `customers`, `permit`, `residents` on a
//! road class OSRM lists) are kept drivable and marked [`WayRule::restricted`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{NodeRule, TurnModel, WayRule, map, strings};

/// The OSRM-like car profile. Every field defaults to OSRM 26.10's `car.lua`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CarProfile {
    /// The built-in profile a TOML file extends: `car` here (the file's other keys override it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Carried into outputs' provenance. Default `"car"`.
    pub name: String,
    /// km/h by `highway` value (OSRM's `speeds.highway`).
    pub speeds: BTreeMap<String, f64>,
    /// km/h of any other `highway` value that an access tag allows (a whitelisted value, or any
    /// value not on the blacklist): `highway=track` + `motor_vehicle=yes`. Default 10.
    pub default_speed: f64,
    /// Multiplies every road speed (not ferry durations): 0.8 for a congested variant. Default 1.
    pub speed_factor: f64,
    /// Multiplies the speed of one road class (`highway` value), on top of `speed_factor`.
    /// Default empty.
    pub class_speed_factor: BTreeMap<String, f64>,
    /// A parsed `maxspeed` replaces the class speed, times this factor. Default 0.8.
    pub maxspeed_reduction: f64,
    /// km/h of `maxspeed` values that are not numbers, matched lower-case (`fr:rural` 80,
    /// `none` 140, …; OSRM's `maxspeed_table`).
    pub maxspeed_table: BTreeMap<String, f64>,
    /// km/h of `XX:type` values not in `maxspeed_table`: urban 50, rural 90, trunk 110,
    /// motorway 130 (OSRM's `maxspeed_table_default`). `FR:zone30` or `walk` match nothing and
    /// keep the class speed, as in OSRM.
    pub maxspeed_type_defaults: BTreeMap<String, f64>,
    /// Speed caps (km/h, applied as a minimum) by `surface`, `tracktype` and `smoothness`.
    pub surface_speeds: BTreeMap<String, f64>,
    pub tracktype_speeds: BTreeMap<String, f64>,
    pub smoothness_speeds: BTreeMap<String, f64>,
    /// Access keys, most specific first; the first present decides (`motorcar` over
    /// `motor_vehicle` over `vehicle` over `access`), with `:forward`/`:backward` variants.
    pub access_hierarchy: Vec<String>,
    /// Access values that allow a car.
    pub access_whitelist: Vec<String>,
    /// Access values that forbid a car (unless also in `restricted_access`).
    pub access_blacklist: Vec<String>,
    /// Access values that keep the road drivable but restricted (to start or end a trip in OSRM).
    pub restricted_access: Vec<String>,
    /// Road classes on which a restricted access value restricts instead of forbidding.
    pub restricted_highways: Vec<String>,
    /// `highway` values never routable: steps, construction, proposed, area.
    pub avoid_highways: Vec<String>,
    /// `construction=*` values that do not close the road (no, widening, minor).
    pub construction_whitelist: Vec<String>,
    /// `service=*` values never routable (emergency_access).
    pub service_forbidden: Vec<String>,
    /// The car's size, against `maxheight`, `maxwidth`/`width`, `maxlength` and `maxweight`:
    /// 2.0 m high, 1.9 m wide, 4.8 m long, 2,000 kg.
    pub vehicle_height_m: f64,
    pub vehicle_width_m: f64,
    pub vehicle_length_m: f64,
    pub vehicle_weight_kg: f64,
    /// km/h of `route=*` ways without a valid `duration` (ferry 5, shuttle_train 10).
    pub route_speeds: BTreeMap<String, f64>,
    /// km/h of `bridge=*` ways without a valid `duration` (movable 5).
    pub bridge_speeds: BTreeMap<String, f64>,
    /// Minutes of waiting at the quay added to every ferry crossing (boarding, headway).
    /// Default 0, as OSRM; Valhalla counts 5, GraphHopper 30.
    pub ferry_boarding_min: f64,
    /// The most a turn costs by its angle, in seconds (OSRM's sigmoid `turn_penalty`): 7.5.
    /// Charged where more than two roads meet, at a change of mode (boarding a ferry) and on
    /// u-turns. 0 turns angle costs off.
    pub turn_penalty_s: f64,
    /// Makes left turns dearer than right ones (right-hand traffic): 1.075.
    pub turn_bias: f64,
    /// Seconds added to a u-turn, where one is allowed (dead ends, barriers, turning circles,
    /// no other exit): 20.
    pub u_turn_penalty_s: f64,
    /// The most that crossing oncoming traffic adds to a left turn where more than two roads
    /// meet: 2 (OSRM 26's oncoming sigmoid).
    pub oncoming_penalty_s: f64,
    /// Seconds per passage of a node `highway=traffic_signals`: 2. Direction-aware through
    /// `traffic_signals:direction` / `direction` = `forward` / `backward`.
    pub traffic_signal_s: f64,
    /// Seconds per passage of `highway=stop`: 2 (direction-aware through `direction`).
    pub stop_s: f64,
    /// Seconds per passage of `highway=give_way`: 1 (direction-aware through `direction`).
    pub give_way_s: f64,
    /// `barrier=*` values a car passes: cattle_grid, border_control, toll_booth, sally_port,
    /// gate, lift_gate, no, entrance, height_restrictor (unless `maxheight` is under the car's
    /// height), arch. Any other barrier blocks: a car may only turn back there.
    pub barrier_whitelist: Vec<String>,
    /// Seconds per passage of a passable barrier: gate and lift_gate 60, as OSRM 26.
    pub barrier_costs_s: BTreeMap<String, f64>,
    /// `highway=*` node values where a u-turn is allowed: turning_circle, turning_loop,
    /// mini_roundabout.
    pub u_turn_nodes: Vec<String>,
    /// The vehicle classes a turn restriction's `restriction:<class>` and `except=` name: motorcar,
    /// motor_vehicle, vehicle.
    pub restriction_classes: Vec<String>,
}

impl Default for CarProfile {
    fn default() -> Self {
        CarProfile {
            base: None,
            name: "car".into(),
            speeds: map(&[
                ("motorway", 90.0),
                ("motorway_link", 45.0),
                ("trunk", 85.0),
                ("trunk_link", 40.0),
                ("primary", 65.0),
                ("primary_link", 30.0),
                ("secondary", 55.0),
                ("secondary_link", 25.0),
                ("tertiary", 40.0),
                ("tertiary_link", 20.0),
                ("unclassified", 25.0),
                ("residential", 25.0),
                ("living_street", 10.0),
                ("service", 15.0),
                ("winter_road", 20.0),
                ("ice_road", 15.0),
            ]),
            default_speed: 10.0,
            speed_factor: 1.0,
            class_speed_factor: BTreeMap::new(),
            maxspeed_reduction: 0.8,
            maxspeed_table: map(&[
                ("at:rural", 100.0),
                ("at:trunk", 100.0),
                ("ar:urban", 40.0),
                ("ar:rural", 110.0),
                ("be:motorway", 120.0),
                ("be-bru:rural", 70.0),
                ("be-bru:urban", 30.0),
                ("be-vlg:rural", 70.0),
                ("bg:motorway", 140.0),
                ("by:urban", 60.0),
                ("by:motorway", 110.0),
                ("ca-on:rural", 80.0),
                ("ch:rural", 80.0),
                ("ch:trunk", 100.0),
                ("ch:motorway", 120.0),
                ("de:living_street", 7.0),
                ("de:rural", 100.0),
                ("de:motorway", 0.0),
                ("dk:rural", 80.0),
                ("es:trunk", 90.0),
                ("fr:rural", 80.0),
                ("gb:nsl_single", 60.0 * 1609.0 / 1000.0),
                ("gb:nsl_dual", 70.0 * 1609.0 / 1000.0),
                ("gb:motorway", 70.0 * 1609.0 / 1000.0),
                ("lv:living_street", 20.0),
                ("nl:rural", 80.0),
                ("nl:trunk", 100.0),
                ("no:rural", 80.0),
                ("no:motorway", 110.0),
                ("ph:urban", 40.0),
                ("ph:rural", 80.0),
                ("ph:motorway", 100.0),
                ("pl:rural", 100.0),
                ("pl:expressway", 120.0),
                ("pl:motorway", 140.0),
                ("ro:trunk", 100.0),
                ("ru:living_street", 20.0),
                ("ru:urban", 60.0),
                ("ru:motorway", 110.0),
                ("uk:nsl_single", 60.0 * 1609.0 / 1000.0),
                ("uk:nsl_dual", 70.0 * 1609.0 / 1000.0),
                ("uk:motorway", 70.0 * 1609.0 / 1000.0),
                ("za:urban", 60.0),
                ("za:rural", 100.0),
                ("none", 140.0),
            ]),
            maxspeed_type_defaults: map(&[
                ("urban", 50.0),
                ("rural", 90.0),
                ("trunk", 110.0),
                ("motorway", 130.0),
            ]),
            surface_speeds: map(&[
                ("cement", 80.0),
                ("compacted", 80.0),
                ("fine_gravel", 80.0),
                ("paving_stones", 60.0),
                ("metal", 60.0),
                ("bricks", 60.0),
                ("grass", 40.0),
                ("wood", 40.0),
                ("sett", 40.0),
                ("grass_paver", 40.0),
                ("gravel", 40.0),
                ("unpaved", 40.0),
                ("ground", 40.0),
                ("dirt", 40.0),
                ("pebblestone", 40.0),
                ("tartan", 40.0),
                ("cobblestone", 30.0),
                ("clay", 30.0),
                ("earth", 20.0),
                ("stone", 20.0),
                ("rocky", 20.0),
                ("sand", 20.0),
                ("laterite", 15.0),
                ("mud", 10.0),
                ("ice", 20.0),
                ("snow", 30.0),
            ]),
            tracktype_speeds: map(&[
                ("grade1", 60.0),
                ("grade2", 40.0),
                ("grade3", 30.0),
                ("grade4", 25.0),
                ("grade5", 20.0),
            ]),
            smoothness_speeds: map(&[
                ("intermediate", 80.0),
                ("bad", 40.0),
                ("very_bad", 20.0),
                ("horrible", 10.0),
                ("very_horrible", 5.0),
                ("impassable", 0.0),
            ]),
            access_hierarchy: strings(&["motorcar", "motor_vehicle", "vehicle", "access"]),
            access_whitelist: strings(&[
                "yes",
                "motorcar",
                "motor_vehicle",
                "vehicle",
                "permissive",
                "designated",
                "hov",
            ]),
            access_blacklist: strings(&[
                "no",
                "agricultural",
                "forestry",
                "emergency",
                "psv",
                "taxi",
                "share_taxi",
                "minibus",
                "bus",
                "foot",
                "emergency_vehicle",
                "restricted",
                "military",
                "official",
                "customers",
                "private",
                "delivery",
                "destination",
                "permit",
                "residents",
            ]),
            restricted_access: strings(&[
                "private",
                "delivery",
                "destination",
                "customers",
                "permit",
                "residents",
                "unknown",
            ]),
            restricted_highways: strings(&[
                "motorway",
                "motorway_link",
                "trunk",
                "trunk_link",
                "primary",
                "primary_link",
                "secondary",
                "secondary_link",
                "tertiary",
                "tertiary_link",
                "residential",
                "living_street",
                "unclassified",
                "service",
                "winter_road",
                "ice_road",
            ]),
            avoid_highways: strings(&["steps", "construction", "proposed", "area"]),
            construction_whitelist: strings(&["no", "widening", "minor"]),
            service_forbidden: strings(&["emergency_access"]),
            vehicle_height_m: 2.0,
            vehicle_width_m: 1.9,
            vehicle_length_m: 4.8,
            vehicle_weight_kg: 2000.0,
            route_speeds: map(&[("ferry", 5.0), ("shuttle_train", 10.0)]),
            bridge_speeds: map(&[("movable", 5.0)]),
            ferry_boarding_min: 0.0,
            turn_penalty_s: 7.5,
            turn_bias: 1.075,
            u_turn_penalty_s: 20.0,
            oncoming_penalty_s: 2.0,
            traffic_signal_s: 2.0,
            stop_s: 2.0,
            give_way_s: 1.0,
            barrier_whitelist: strings(&[
                "cattle_grid",
                "border_control",
                "toll_booth",
                "sally_port",
                "gate",
                "lift_gate",
                "no",
                "entrance",
                "height_restrictor",
                "arch",
            ]),
            barrier_costs_s: map(&[("gate", 60.0), ("lift_gate", 60.0)]),
            u_turn_nodes: strings(&["turning_circle", "turning_loop", "mini_roundabout"]),
            restriction_classes: strings(&["motorcar", "motor_vehicle", "vehicle"]),
        }
    }
}

/// Class names after the `speeds` keys: routes (ferries), then every other highway.
pub const CLASS_FERRY: &str = "ferry";
pub const CLASS_SHUTTLE_TRAIN: &str = "shuttle_train";
pub const CLASS_OTHER: &str = "other";

fn has(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x == v)
}

/// `(forward, backward)` values of a sequence of keys, each with its `:forward` / `:backward`
/// variant, the first key present deciding each direction (OSRM's
/// `Tags.get_forward_backward_by_set`).
fn by_set<'a, 'k>(
    tag: &impl Fn(&str) -> Option<&'a str>,
    keys: impl IntoIterator<Item = &'k str>,
) -> (Option<&'a str>, Option<&'a str>) {
    // One buffer for the suffixed keys: this runs for every way of the file.
    let mut buf = String::with_capacity(32);
    let mut suffixed = |key: &str, suffix: &str| {
        buf.clear();
        buf.push_str(key);
        buf.push_str(suffix);
        tag(&buf)
    };
    let (mut f, mut b) = (None, None);
    for key in keys {
        if f.is_none() {
            f = suffixed(key, ":forward");
        }
        if b.is_none() {
            b = suffixed(key, ":backward");
        }
        if f.is_none() || b.is_none() {
            let common = tag(key);
            f = f.or(common);
            b = b.or(common);
        }
        if f.is_some() && b.is_some() {
            break;
        }
    }
    (f, b)
}

/// The first number in a value, with `,` read as `.` (OSRM's `parse_value_meters`, without
/// the feet/inches case, which turns `6'6"` into metres).
fn first_number(v: &str) -> Option<f64> {
    let s = v.replace(',', ".");
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let rest = &s[start..];
    let mut end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if rest[end..].starts_with('.') {
        let frac = rest[end + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len(), |i| end + 1 + i);
        end = frac;
    }
    rest[..end].trim_end_matches('.').parse().ok()
}

/// Metres of a height/width/length value: a number, or feet and inches (`6'6"`).
fn meters(v: &str) -> Option<f64> {
    let n = first_number(v)?;
    match v.find('\'') {
        Some(i) => {
            let inches = v[i..]
                .trim_start_matches('\'')
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse::<f64>().ok())
                .unwrap_or(0.0);
            Some((n * 12.0 + inches) * 0.0254)
        }
        None => Some(n),
    }
}

/// Kilograms of a weight value: tonnes by default, `lbs` or `kg` when said.
fn kilograms(v: &str) -> Option<f64> {
    let n = first_number(v)?;
    Some(if v.contains("lbs") {
        n * 0.453_592_37
    } else if v.contains("kg") {
        n
    } else {
        n * 1000.0
    })
}

/// Leading digits of a speed, `mph` / `mp/h` times 1.609 (OSRM's `parse_value_speed`).
fn leading_speed(v: &str) -> Option<f64> {
    let digits: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: f64 = digits.parse().ok()?;
    Some(if v.contains("mph") || v.contains("mp/h") {
        n * 1.609
    } else {
        n
    })
}

/// Seconds of an OSM `duration`: `H:MM:SS`, `H:MM` or minutes (fields of 1 or 2 digits), or ISO
/// 8601 (`PT1H30M`, `P1D`, `P2W`): OSRM's `parseDuration`. `None` when not valid.
pub fn parse_duration(v: &str) -> Option<f64> {
    let field = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let parts: Vec<&str> = v.split(':').collect();
    let osm = (|| match parts.as_slice() {
        [h, m, s] => Some(field(h)? * 3600 + field(m)? * 60 + field(s)?),
        [h, m] => Some(field(h)? * 3600 + field(m)? * 60),
        [m] => Some(field(m)? * 60),
        _ => None,
    })();
    if let Some(s) = osm {
        return Some(f64::from(s));
    }
    let rest = v.strip_prefix('P')?;
    if let Some(w) = rest.strip_suffix(['W', 'w']) {
        return w.parse::<u32>().ok().map(|w| f64::from(w) * 604_800.0);
    }
    let (date, time) = match rest.find('T') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut total = 0u64;
    if !date.is_empty() {
        let d = date.strip_suffix(['D', 'd'])?;
        total += d.parse::<u64>().ok()? * 86_400;
    }
    if let Some(t) = time {
        if t.contains(':') {
            let p: Vec<&str> = t.split(':').collect();
            let [h, m, s] = p.as_slice() else { return None };
            let two = |x: &str| (x.len() == 2).then(|| x.parse::<u64>().ok()).flatten();
            let (h, m, s) = (two(h)?, two(m)?, two(s)?);
            (h < 24 && m < 60 && s < 60).then_some(())?;
            total += h * 3600 + m * 60 + s;
        } else if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            let (h, m, s) = (
                t[..2].parse::<u64>().ok()?,
                t[2..4].parse::<u64>().ok()?,
                t[4..].parse::<u64>().ok()?,
            );
            (h < 24 && m < 60 && s < 60).then_some(())?;
            total += h * 3600 + m * 60 + s;
        } else {
            let mut num = String::new();
            let mut last = 0;
            for c in t.chars() {
                if c.is_ascii_digit() {
                    num.push(c);
                    continue;
                }
                let unit = match c.to_ascii_uppercase() {
                    'H' => (1, 3600),
                    'M' => (2, 60),
                    'S' => (3, 1),
                    _ => return None,
                };
                if num.is_empty() || unit.0 <= last {
                    return None;
                }
                last = unit.0;
                total += num.parse::<u64>().ok()? * unit.1;
                num.clear();
            }
            if !num.is_empty() {
                return None;
            }
        }
    }
    Some(total as f64)
}

impl CarProfile {
    /// The class names, in the order [`WayRule::class`] indexes: the `speeds` keys, then
    /// `ferry`, `shuttle_train` and `other` (any other highway an access tag opens).
    /// OSRM's `process_node` and its obstacles: what a node does to a car passing it. `None`
    /// for a node that does nothing.
    pub fn node_rule<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<NodeRule> {
        let mut rule = NodeRule::default();
        // A node access tag decides alone; else its barrier tag.
        let access = self
            .access_hierarchy
            .iter()
            .find_map(|k| tag(k))
            .and_then(|a| self.resolve_access(Some(a)));
        if let Some(a) = access {
            if has(&self.access_blacklist, a) && !has(&self.restricted_access, a) {
                rule.barrier = true;
            }
        } else if let Some(b) = tag("barrier").filter(|b| !b.is_empty()) {
            let low_height = b == "height_restrictor"
                && tag("maxheight")
                    .and_then(meters)
                    .is_some_and(|h| h < self.vehicle_height_m);
            let rising_bollard = tag("bollard") == Some("rising");
            let flat_kerb = matches!(tag("kerb"), Some("lowered" | "flush"));
            let crossing_kerb = b == "kerb" && tag("highway") == Some("crossing");
            let audible_fence = b == "fence" && tag("fence_type") == Some("audible");
            if (!has(&self.barrier_whitelist, b)
                && !rising_bollard
                && !flat_kerb
                && !crossing_kerb
                && !audible_fence)
                || low_height
            {
                rule.barrier = true;
            } else if let Some(&s) = self.barrier_costs_s.get(b) {
                rule.forward_s += s;
                rule.backward_s += s;
            }
        }
        let directed =
            |key: &str, s: f64, rule: &mut NodeRule| match tag(key).or_else(|| tag("direction")) {
                Some("forward") => rule.forward_s += s,
                Some("backward") => rule.backward_s += s,
                _ => {
                    rule.forward_s += s;
                    rule.backward_s += s;
                }
            };
        match tag("highway") {
            Some("traffic_signals") => directed(
                "traffic_signals:direction",
                self.traffic_signal_s,
                &mut rule,
            ),
            Some("stop") => directed("stop:direction", self.stop_s, &mut rule),
            Some("give_way") => directed("give_way:direction", self.give_way_s, &mut rule),
            Some(h) if has(&self.u_turn_nodes, h) => rule.turning = true,
            _ => {}
        }
        (rule != NodeRule::default()).then_some(rule)
    }

    /// OSRM's restriction parser: `Some(true)` for an `only_*` turn restriction, `Some(false)`
    /// for a `no_*` one, `None` for any other relation, a restriction for other vehicles, one
    /// whose `except=` names a car class, a conditional one or a `no_*_on_red`.
    pub fn restriction<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<bool> {
        if tag("type") != Some("restriction") {
            return None;
        }
        if tag("except").is_some_and(|e| {
            e.split(';')
                .any(|c| has(&self.restriction_classes, c.trim()))
        }) {
            return None;
        }
        let mut key = String::with_capacity(32);
        let value = self
            .restriction_classes
            .iter()
            .find_map(|c| {
                key.clear();
                key.push_str("restriction:");
                key.push_str(c);
                tag(&key)
            })
            .or_else(|| tag("restriction"))?;
        if value.ends_with("_on_red") {
            None
        } else if value.starts_with("only_") {
            Some(true)
        } else if value.starts_with("no_") {
            Some(false)
        } else {
            None
        }
    }

    /// The turn costs, in the units of [`TurnModel`].
    pub fn turn_model(&self) -> TurnModel {
        TurnModel {
            turn_penalty_s: self.turn_penalty_s,
            turn_bias: self.turn_bias,
            u_turn_penalty_s: self.u_turn_penalty_s,
            oncoming_penalty_s: self.oncoming_penalty_s,
        }
    }

    pub fn classes(&self) -> Vec<String> {
        self.speeds
            .keys()
            .cloned()
            .chain([CLASS_FERRY, CLASS_SHUTTLE_TRAIN, CLASS_OTHER].map(String::from))
            .collect()
    }

    fn class_of(&self, name: &str) -> u8 {
        match self.speeds.keys().position(|k| k == name) {
            Some(i) => i as u8,
            None => {
                let n = self.speeds.len();
                (match name {
                    CLASS_FERRY => n,
                    CLASS_SHUTTLE_TRAIN => n + 1,
                    _ => n + 2,
                }) as u8
            }
        }
    }

    fn resolve_access<'a>(&self, v: Option<&'a str>) -> Option<&'a str> {
        let v = v?;
        if !v.contains(';') {
            return Some(v);
        }
        let rank = |x: &str| {
            if has(&self.access_whitelist, x) {
                3
            } else if has(&self.restricted_access, x) {
                2
            } else if has(&self.access_blacklist, x) {
                1
            } else {
                0
            }
        };
        let mut best: Option<(&str, i32)> = None;
        for part in v.split(';').map(str::trim) {
            let r = rank(part);
            if best.is_none_or(|(_, br)| r > br) {
                best = Some((part, r));
            }
        }
        best.map(|(p, _)| p).or(Some(v))
    }

    /// A `maxspeed`-like value in km/h as OSRM reads it (before the reduction): leading digits
    /// (mph converted), else `maxspeed_table`, else the `type` of `XX:type` in
    /// `maxspeed_type_defaults`; 0 when none applies.
    pub fn parse_maxspeed(&self, value: &str) -> f64 {
        if let Some(n) = leading_speed(value) {
            return n;
        }
        let lower = value.to_lowercase();
        if let Some(&n) = self.maxspeed_table.get(&lower) {
            return n;
        }
        // Lua's `%a%a:(%a+)`: two letters, a colon, then letters, anywhere in the value.
        let b = lower.as_bytes();
        for i in 2..b.len() {
            if b[i] == b':' && b[i - 1].is_ascii_alphabetic() && b[i - 2].is_ascii_alphabetic() {
                let ty: String = lower[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                if !ty.is_empty() {
                    return self.maxspeed_type_defaults.get(&ty).copied().unwrap_or(0.0);
                }
            }
        }
        0.0
    }

    /// OSRM's `process_way`, for the duration: `None` when a car may use the way in neither
    /// direction.
    pub fn rule<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> Option<WayRule> {
        let highway = tag("highway").filter(|h| !h.is_empty());
        let route = tag("route").filter(|r| !r.is_empty());
        if highway.is_none() && route.is_none() {
            return None;
        }
        // blocked_ways, avoid_ways
        if tag("area") == Some("yes")
            || highway.is_some_and(|h| has(&self.avoid_highways, h))
            || tag("railway") == Some("construction")
            || tag("construction").is_some_and(|c| !has(&self.construction_whitelist, c))
            || (tag("proposed").is_some() && highway.is_none_or(|h| h == "proposed"))
            || tag("oneway") == Some("reversible")
            || tag("impassable") == Some("yes")
            || tag("status") == Some("impassable")
        {
            return None;
        }
        let (mut fwd_ok, mut bwd_ok) = (true, true);
        // handle_height, handle_width, handle_length, handle_weight
        let mut limit =
            |keys: &[&str], parse: &dyn Fn(&str) -> Option<f64>, min: f64, strict: bool| {
                let (f, b) = by_set(&tag, keys.iter().copied());
                let too_small = |v: Option<&str>| {
                    v.and_then(parse)
                        .is_some_and(|x| if strict { x < min } else { x <= min })
                };
                if too_small(f) {
                    fwd_ok = false;
                }
                if too_small(b) {
                    bwd_ok = false;
                }
            };
        let height = |v: &str| {
            if matches!(v, "default" | "none" | "no-sign" | "unsigned") {
                Some(4.5)
            } else {
                meters(v)
            }
        };
        limit(
            &["maxheight:physical", "maxheight"],
            &height,
            self.vehicle_height_m,
            true,
        );
        limit(
            &["maxwidth:physical", "maxwidth", "width", "est_width"],
            &meters,
            self.vehicle_width_m,
            false,
        );
        limit(&["maxlength"], &meters, self.vehicle_length_m, true);
        limit(
            &["maxweightrating", "maxweight"],
            &kilograms,
            self.vehicle_weight_kg,
            true,
        );
        // access
        let (fa, ba) = by_set(&tag, self.access_hierarchy.iter().map(String::as_str));
        let (fa, ba) = (self.resolve_access(fa), self.resolve_access(ba));
        let restricted_class = highway.is_some_and(|h| has(&self.restricted_highways, h));
        let restricted = |a: Option<&str>| {
            restricted_class && a.is_some_and(|a| has(&self.restricted_access, a))
        };
        let (f_restr, b_restr) = (restricted(fa), restricted(ba));
        if fa.is_some_and(|a| has(&self.access_blacklist, a)) && !f_restr {
            fwd_ok = false;
        }
        if ba.is_some_and(|a| has(&self.access_blacklist, a)) && !b_restr {
            bwd_ok = false;
        }
        if !fwd_ok && !bwd_ok {
            return None;
        }
        // oneway
        let oneway = ["oneway:motorcar", "oneway:motor_vehicle", "oneway:vehicle"]
            .iter()
            .find_map(|k| tag(k))
            .or_else(|| tag("oneway"));
        match oneway {
            Some("-1") => fwd_ok = false,
            Some("yes" | "1" | "true") => bwd_ok = false,
            _ => {
                let junction = tag("junction");
                if (highway == Some("motorway")
                    || matches!(junction, Some("roundabout" | "circular")))
                    && oneway != Some("no")
                {
                    bwd_ok = false;
                }
            }
        }
        // ferries and movable bridges: a whole-way duration, or the route speed
        let mut class = highway.unwrap_or(CLASS_OTHER);
        let mut duration_s = None;
        let mut ferry = false;
        let (mut fs, mut bs): (f64, f64) = (-1.0, -1.0);
        if let Some(r) = route
            && let Some(&speed) = self.route_speeds.get(r)
            && speed > 0.0
        {
            duration_s = tag("duration").and_then(parse_duration).map(|d| d.max(1.0));
            (fs, bs) = (speed, speed);
            ferry = r == "ferry";
            class = if ferry {
                CLASS_FERRY
            } else {
                CLASS_SHUTTLE_TRAIN
            };
        }
        if let Some(b) = tag("bridge")
            && let Some(&speed) = self.bridge_speeds.get(b)
            && speed > 0.0
        {
            ferry = false;
            match tag("duration").and_then(parse_duration) {
                Some(d) => duration_s = Some(d.max(1.0)),
                None => (fs, bs) = (speed, speed),
            }
        }
        // service
        if tag("service").is_some_and(|s| has(&self.service_forbidden, s)) {
            return None;
        }
        // speed (not for routes, which have theirs)
        if fs < 0.0 && bs < 0.0 && duration_s.is_none() {
            if let Some(&speed) = highway.and_then(|h| self.speeds.get(h)) {
                (fs, bs) = (speed, speed);
            } else {
                let open = |a: Option<&str>| {
                    a.is_some_and(|a| {
                        has(&self.access_whitelist, a) || !has(&self.access_blacklist, a)
                    })
                };
                if open(fa) {
                    fs = self.default_speed;
                } else if fa.is_none() && ba.is_some() {
                    fwd_ok = false;
                }
                if open(ba) {
                    bs = self.default_speed;
                } else if ba.is_none() && fa.is_some() {
                    bwd_ok = false;
                }
                if fs < 0.0 && bs < 0.0 {
                    return None;
                }
                class = CLASS_OTHER;
            }
        }
        // maxspeed, times the reduction
        let (fm, bm) = by_set(
            &tag,
            [
                "maxspeed:advisory",
                "maxspeed",
                "source:maxspeed",
                "maxspeed:type",
            ],
        );
        let fm = fm.map_or(0.0, |v| self.parse_maxspeed(v));
        let bm = bm.map_or(0.0, |v| self.parse_maxspeed(v));
        if fm > 0.0 {
            fs = fm * self.maxspeed_reduction;
        }
        if bm > 0.0 {
            bs = bm * self.maxspeed_reduction;
        }
        // surface, tracktype and smoothness caps
        for (key, table) in [
            ("surface", &self.surface_speeds),
            ("tracktype", &self.tracktype_speeds),
            ("smoothness", &self.smoothness_speeds),
        ] {
            if let Some(&cap) = tag(key).and_then(|v| table.get(v)) {
                fs = fs.min(cap);
                bs = bs.min(cap);
            }
        }
        // Our congestion factors (road speeds only).
        if duration_s.is_none() && !ferry {
            let f = self.speed_factor * self.class_speed_factor.get(class).copied().unwrap_or(1.0);
            fs *= f;
            bs *= f;
        }
        let drivable = |ok: bool, s: f64| ok && (s > 0.0 || duration_s.is_some());
        let (fwd, bwd) = (drivable(fwd_ok, fs), drivable(bwd_ok, bs));
        if !fwd && !bwd {
            return None;
        }
        // A duration stands for the whole way; the speeds then only say it is drivable.
        let speed = |s: f64| if s > 0.0 { s } else { 1.0 };
        Some(WayRule {
            class: self.class_of(class),
            forward_kmh: fwd.then(|| speed(fs)),
            backward_kmh: bwd.then(|| speed(bs)),
            duration_s,
            ferry,
            boarding_s: if ferry {
                self.ferry_boarding_min * 60.0
            } else {
                0.0
            },
            restricted: (fwd && f_restr) || (bwd && b_restr),
        })
    }
}
