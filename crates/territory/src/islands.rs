//! The French island communes with no fixed link, reached by ferry: which commune the usual
//! crossing leaves from, and how long it takes.
//!
//! Copied from `island_communes.csv` of the project's shared test data (columns
//! `code_insee,nom,dep,port_commune,crossing_min,car_ferry,source_note`; crossing times from
//! operators' and tourism pages, several unverified: indicative, not a timetable), and grouped
//! here by island, the landing commune first. Embedded, so that the generator needs no file at
//! run time. Public facts.
//!
//! Two simplifications: Houat and Hœdic are two islands, each with its own crossing; Les
//! Saintes' Terre-de-Haut and Terre-de-Bas are two islands too, but one group here (their
//! synthetic road stands in for the shuttle between them), as Belle-Île's four communes are.

/// Whether the real crossing carries cars (`car_ferry` of the source table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarFerry {
    Yes,
    /// Cars on some sailings or by permit (Ouessant, Yeu).
    Restricted,
    No,
}

impl CarFerry {
    /// The value of the source table.
    pub fn as_str(self) -> &'static str {
        match self {
            CarFerry::Yes => "yes",
            CarFerry::Restricted => "restricted",
            CarFerry::No => "no",
        }
    }
}

/// One island (or island group) and its crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Island {
    pub name: &'static str,
    /// INSEE code of the mainland commune of the usual crossing.
    pub port: &'static str,
    /// Approximate crossing time, minutes.
    pub crossing_min: u32,
    pub car_ferry: CarFerry,
    /// (INSEE code, name) of its communes; the ferry lands in the first one selected.
    pub communes: &'static [(&'static str, &'static str)],
}

impl Island {
    /// The crossing time as an OSM `duration`: `HH:MM`.
    pub fn duration(&self) -> String {
        format!(
            "{:02}:{:02}",
            self.crossing_min / 60,
            self.crossing_min % 60
        )
    }
}

const fn island(
    name: &'static str,
    port: &'static str,
    crossing_min: u32,
    car_ferry: CarFerry,
    communes: &'static [(&'static str, &'static str)],
) -> Island {
    Island {
        name,
        port,
        crossing_min,
        car_ferry,
        communes,
    }
}

use CarFerry::{No, Restricted, Yes};

/// The 17 islands (24 communes) of the source table, by département.
pub const ISLANDS: [Island; 17] = [
    island(
        "Île-de-Bréhat",
        "22162",
        15,
        No,
        &[("22016", "Île-de-Bréhat")],
    ),
    island("Île-de-Batz", "29239", 15, No, &[("29082", "Île-de-Batz")]),
    island(
        "Ouessant",
        "29040",
        75,
        Restricted,
        &[("29155", "Ouessant")],
    ),
    island("Molène", "29040", 30, No, &[("29084", "Île-Molène")]),
    island("Sein", "29003", 60, No, &[("29083", "Île-de-Sein")]),
    island("Groix", "56121", 45, Yes, &[("56069", "Groix")]),
    island(
        "Belle-Île",
        "56186",
        45,
        Yes,
        &[
            ("56152", "Le Palais"),
            ("56009", "Bangor"),
            ("56114", "Locmaria"),
            ("56241", "Sauzon"),
        ],
    ),
    island("Houat", "56186", 40, No, &[("56086", "Île-d'Houat")]),
    island("Hœdic", "56186", 60, No, &[("56085", "Hœdic")]),
    island(
        "Île-aux-Moines",
        "56008",
        5,
        No,
        &[("56087", "Île-aux-Moines")],
    ),
    island("Île-d'Arz", "56260", 20, No, &[("56088", "Île-d'Arz")]),
    island("Yeu", "85012", 30, Restricted, &[("85113", "L'Île-d'Yeu")]),
    island("Aix", "17168", 20, No, &[("17004", "Île-d'Aix")]),
    island(
        "Marie-Galante",
        "97120",
        55,
        Yes,
        &[
            ("97112", "Grand-Bourg"),
            ("97108", "Capesterre-de-Marie-Galante"),
            ("97126", "Saint-Louis"),
        ],
    ),
    island(
        "Les Saintes",
        "97132",
        25,
        No,
        &[("97131", "Terre-de-Haut"), ("97130", "Terre-de-Bas")],
    ),
    island("La Désirade", "97125", 45, No, &[("97110", "La Désirade")]),
    island(
        "Petite-Terre",
        "97611",
        15,
        Yes,
        &[("97608", "Dzaoudzi"), ("97615", "Pamandzi")],
    ),
];

/// The index in [`ISLANDS`] of the island commune `code`, if it is one.
pub fn island_of(code: &str) -> Option<usize> {
    ISLANDS
        .iter()
        .position(|i| i.communes.iter().any(|(c, _)| *c == code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_commune_is_on_one_island_and_no_port_is_an_island() {
        let codes: Vec<&str> = ISLANDS
            .iter()
            .flat_map(|i| i.communes.iter().map(|c| c.0))
            .collect();
        assert_eq!(codes.len(), 24);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        for i in &ISLANDS {
            assert_eq!(island_of(i.port), None, "{}", i.port);
            // Same département as the port.
            for (c, _) in i.communes {
                assert_eq!(c[..2], i.port[..2]);
            }
        }
        assert_eq!(island_of("56241"), Some(6));
        assert_eq!(ISLANDS[6].duration(), "00:45");
        assert_eq!(ISLANDS[2].duration(), "01:15");
        assert_eq!(island_of("48095"), None);
    }
}
