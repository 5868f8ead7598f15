//! zb-publish: the publication layer. Everything zoneblanche serves — the CLI's files, the API's
//! layers and answers — is built here from raw results (`zb-coverage`, `zb-whatif`), with every
//! count protected and every position decided, then handed to the writers (`zb-writers`) as
//! documents.
//!
//! * [`secrecy`]: the rule (no count strictly between 0 and the minimum, none recomputable
//!   through the sums published with it), the table that applies it and the protection of a
//!   coverage ([`Protection`]);
//! * [`whatif_secrecy`]: a what-if's secrecy decided once for all its documents
//!   ([`PublishedWhatIf`]), the protection of its diff joint with its coverages';
//! * [`positions`]: where a demand unit is published (never an input position);
//! * [`coverage`]: the six documents of a study's coverage ([`Exports`]);
//! * [`gpkg`]: `resultats.gpkg` for QGIS (projected, typed, indexed, styled by [`styles`]);
//! * [`workbook`]: `tableaux.xlsx`, the tables in French for Excel;
//! * [`report`]: `rapport.html`, the printable report for the committee (A4, French, SVG maps);
//! * [`whatif`]: the what-if documents (diff, changed units, zones before and after, summary
//!   rows) and the picks of `recommend`;
//! * [`publisher`]: the API's what-if answers ([`WhatIfPublisher`]).
//!
//! Across documents, secrecy rests on the study's safe units (`zb_places::atoms`): every count
//! any document publishes is a sum of whole units, each of weight 0 or at least the minimum,
//! so no difference of published counts (two thresholds, before and after, two documents) can
//! fall strictly between 0 and the minimum.

pub mod coverage;
pub mod gpkg;
pub mod positions;
pub mod publisher;
pub mod report;
pub mod secrecy;
pub mod styles;
pub mod whatif;
pub mod whatif_secrecy;
pub mod workbook;

pub use coverage::{Exports, FILES, write_deliverables, write_outputs};
pub use publisher::WhatIfPublisher;
pub use report::REPORT_FILE;
pub use secrecy::{Protection, is_small, round_count};
pub use whatif::WHATIF_FILES;
pub use whatif_secrecy::{KindSecrecy, Protections, PublishedWhatIf};

/// The population of the whole study as it may be published: `None` when it is small.
pub fn published_population(study: &zb_coverage::Study) -> Option<f64> {
    let total = study.total_weight();
    (!is_small(total, study.secrecy_min_count)).then(|| round_count(total))
}
