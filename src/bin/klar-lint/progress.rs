//! The progress bar: on stderr, only when stderr is a terminal, only for human and concise output,
//! and only once a run has taken longer than a second, so quick runs and pipes never see it.

use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::Format;
use klar_lint::run::Input;

/// How long a run goes before the bar appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// Whether a run may draw a bar at all.
pub fn wanted(
    format: Format,
    stderr_is_terminal: bool,
    no_progress: bool,
    term: Option<&str>,
) -> bool {
    !format.is_machine() && stderr_is_terminal && !no_progress && term != Some("dumb")
}

/// Whether a run that may draw a bar should show it now.
pub fn due(elapsed: Duration) -> bool {
    elapsed >= DELAY
}

/// Files and megabytes done, drawn once due.
pub struct Progress {
    enabled: bool,
    bar: Option<ProgressBar>,
    paths: Vec<Option<PathBuf>>,
    sizes: Vec<u64>,
    total_bytes: u64,
    done_files: usize,
    done_bytes: u64,
}

impl Progress {
    pub fn new(enabled: bool, inputs: &[Input]) -> Self {
        let paths = if enabled {
            inputs
                .iter()
                .map(|i| match i {
                    Input::Path(p) => Some(p.clone()),
                    _ => None,
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            enabled,
            bar: None,
            paths,
            sizes: Vec::new(),
            total_bytes: 0,
            done_files: 0,
            done_bytes: 0,
        }
    }

    /// Called when the file at `index` (in output order) is done.
    pub fn file_done(&mut self, index: usize) {
        self.done_files = index + 1;
        if let Some(size) = self.sizes.get(index) {
            self.done_bytes += size;
        }
        self.draw();
    }

    /// Called regularly; shows the bar once the run is due.
    pub fn tick(&mut self, elapsed: Duration) {
        if !self.enabled || self.bar.is_some() || !due(elapsed) {
            return;
        }
        // Sizes are looked up only now: quick runs never pay for them.
        self.sizes = self
            .paths
            .iter()
            .map(|p| {
                p.as_ref()
                    .and_then(|p| std::fs::metadata(p).ok())
                    .map_or(0, |m| m.len())
            })
            .collect();
        self.total_bytes = self.sizes.iter().sum();
        self.done_bytes = self.sizes.iter().take(self.done_files).sum();
        let bar = ProgressBar::with_draw_target(
            Some(self.paths.len() as u64),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} files, {msg} ({elapsed})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bar = Some(bar);
        self.draw();
    }

    fn draw(&self) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.done_files as u64);
            bar.set_message(megabytes(self.done_bytes, self.total_bytes));
        }
    }

    /// Runs `f` with the bar hidden, so output on the same terminal is not torn.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[allow(clippy::cast_precision_loss)] // A display in tenths of a megabyte.
fn megabytes(done: u64, total: u64) -> String {
    let mb = |b: u64| b as f64 / 1_000_000.0;
    format!("{:.1} of {:.1} MB", mb(done), mb(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_human_and_concise_on_a_terminal() {
        assert!(wanted(Format::Human, true, false, Some("xterm")));
        assert!(wanted(Format::Concise, true, false, None));
        assert!(!wanted(Format::Human, false, false, None), "piped");
        assert!(!wanted(Format::Human, true, true, None), "--no-progress");
        assert!(!wanted(Format::Human, true, false, Some("dumb")));
        for machine in [
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::Gitlab,
            Format::Junit,
        ] {
            assert!(!wanted(machine, true, false, None), "{machine:?}");
        }
    }

    #[test]
    fn appears_after_a_second() {
        assert!(!due(Duration::from_millis(999)));
        assert!(due(Duration::from_secs(1)));
    }

    #[test]
    fn a_disabled_bar_never_appears() {
        let mut p = Progress::new(false, &[Input::Stdin]);
        p.tick(Duration::from_secs(5));
        assert!(p.bar.is_none());
    }

    #[test]
    fn megabytes_read_well() {
        assert_eq!(megabytes(1_500_000, 12_000_000), "1.5 of 12.0 MB");
    }
}
