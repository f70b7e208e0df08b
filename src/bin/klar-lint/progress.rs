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
    /// Bytes the linter has read, files in progress included: a big JSON Lines file moves
    /// the bar while it is checked.
    read_bytes: u64,
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
            read_bytes: 0,
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

    /// Called regularly with the bytes the linter has read so far; shows the bar once the
    /// run is due, and moves it by those bytes.
    pub fn tick(&mut self, elapsed: Duration, read_bytes: u64) {
        self.read_bytes = read_bytes;
        if self.bar.is_some() {
            self.draw();
            return;
        }
        if !self.enabled || !due(elapsed) {
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
        // The bar is filled by bytes (files done, and the bytes read of the one in progress),
        // so one big JSON Lines file moves it too; files are counted in the message.
        let bar = ProgressBar::with_draw_target(
            Some(self.total_bytes.max(1)),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {msg} ({elapsed})") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bar = Some(bar);
        self.draw();
    }

    /// Bytes done: those of the files done, or, when more, those the linter has read (files in
    /// progress included), never more than the total.
    fn bytes_done(&self) -> u64 {
        self.done_bytes.max(self.read_bytes.min(self.total_bytes))
    }

    fn draw(&self) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes_done());
            bar.set_message(format!(
                "{}/{} files, {}",
                self.done_files,
                self.paths.len(),
                megabytes(self.bytes_done(), self.total_bytes)
            ));
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
        p.tick(Duration::from_secs(5), 0);
        assert!(p.bar.is_none());
    }

    #[test]
    fn one_big_file_moves_the_bar_by_the_bytes_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.jsonl");
        std::fs::write(&path, vec![b'x'; 10_000]).unwrap();
        let mut p = Progress::new(true, &[Input::Path(path)]);
        p.tick(Duration::from_secs(2), 2_500);
        assert!(p.bar.is_some());
        assert_eq!(p.bytes_done(), 2_500, "no file done yet, a quarter read");
        p.tick(Duration::from_secs(3), 50_000);
        assert_eq!(p.bytes_done(), 10_000, "never past the total");
        p.finish();
    }

    #[test]
    fn megabytes_read_well() {
        assert_eq!(megabytes(1_500_000, 12_000_000), "1.5 of 12.0 MB");
    }
}
