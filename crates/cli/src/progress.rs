//! A progress bar on stderr, shown only once an operation has run for more than a second.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar {
    start: Instant,
    bar: ProgressBar,
    shown: Mutex<bool>,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} blocks {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Bar {
            start: Instant::now(),
            bar,
            shown: Mutex::new(false),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl zb_routing::Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.bar.set_prefix(name.to_string());
        self.bar.set_length(total);
        self.bar.set_position(0);
    }

    fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.start.elapsed() > Duration::from_secs(1) {
            let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
            if !*shown {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
                *shown = true;
            }
        }
    }
}
