//! zb-whatif: what changes if a site opens, moves or closes, in milliseconds, and where new
//! sites would help most.
//!
//! * [`scenario`]: a scenario file (sites added, moved, closed; thresholds), checked;
//! * [`whatif`]: the [`Baseline`] of a study (one search field per kind), a scenario applied to
//!   it incrementally, and the diff before/after of every aggregate ([`WhatIf`]);
//! * [`patch`]: a kind's summary recomputed only where units changed, equal to a full one;
//! * [`recommend`]: the best places for `k` new sites among candidates (greedy, exact gains).
//!
//! Results here are raw (weights, positions, per-unit minutes): they reach a file or an HTTP
//! body only through `zb-publish`.

pub mod patch;
pub mod recommend;
pub mod scenario;
pub mod whatif;

pub use recommend::{Candidate, Objective, Pick, Recommendation, recommend};
pub use scenario::Scenario;
pub use whatif::{Baseline, Before, KindWhatIf, WhatIf};
