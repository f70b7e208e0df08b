//! A run: many files checked together. [`Run`] lints its inputs in parallel, hands the reports
//! over in input order as soon as each and all before it are done (so printing starts early),
//! and keeps what spans files: the totals ([`Summary`]), and the place for checks across files.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::json::Pointer;
use crate::linter::{FileReport, Linter};
use crate::revenue::Revenue;

/// One thing a run checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file on disk, linted with [`Linter::lint_path`] (JSON Lines streamed, gzip decompressed).
    Path(PathBuf),
    /// Standard input, read whole when its turn comes and reported as `-`; gzip is recognised by
    /// its magic number.
    Stdin,
    /// A document held in memory, under a name that tells its kind and version as a path would.
    Bytes {
        /// The name it is reported under.
        name: String,
        /// The document.
        bytes: Vec<u8>,
    },
    /// A path that could not be read while listing the inputs: an `io-error` finding.
    Unreadable {
        /// The path.
        path: PathBuf,
        /// Why, as the operating system said it.
        why: String,
    },
    /// A payload-named entry that is not linted (a symbolic link in a walked directory, a FIFO):
    /// an `io-error` warning, so nothing is skipped silently.
    Skipped {
        /// The path.
        path: PathBuf,
        /// What it is.
        why: String,
    },
}

impl From<PathBuf> for Input {
    fn from(path: PathBuf) -> Self {
        Input::Path(path)
    }
}

impl From<&Path> for Input {
    fn from(path: &Path) -> Self {
        Input::Path(path.to_path_buf())
    }
}

/// What a run hands its reports to, one at a time, in input order, on the thread that called
/// [`Run::visit`].
pub trait Visitor {
    /// What stops the run (a write that failed).
    type Error;

    /// The report of input `index`. It may be changed (a baseline leaves out known findings)
    /// before the run counts it in its [`Summary`].
    ///
    /// # Errors
    /// Stops the run: no later report is handed over, and the files not yet started are not
    /// linted.
    fn report(&mut self, index: usize, report: &mut FileReport) -> Result<(), Self::Error>;

    /// Called about every 100 ms while the run goes on, and after each batch of reports (a
    /// progress bar draws here).
    ///
    /// # Errors
    /// Stops the run, as from [`Visitor::report`].
    fn tick(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Many files checked together, with one [`Linter`].
///
/// Files are linted in parallel (rayon), in batches of consecutive inputs, and handed over in
/// input order: a small reorder buffer holds the reports that finish early, so output is the
/// same from run to run and printing starts with the first file. One input is linted on the
/// calling thread, with no thread pool. The run counts every report in its [`Summary`] (files,
/// objects, findings by severity and by rule, revenue).
///
/// The run is the place for state that spans files: reports reach it in input order, on one
/// thread, so a check across files (an id sent in two files) keeps its state here and adds its
/// findings before a report is handed over.
///
/// ```
/// use klar_lint::run::Input;
/// use klar_lint::{Config, Linter, Run, Severity};
///
/// let linter = Linter::new(Config::default()).unwrap();
/// let cogs = br#"{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.5}]}"#;
/// let inputs = [
///     Input::Bytes { name: "refunds.json".into(), bytes: b"[]".to_vec() },
///     Input::Bytes { name: "cogs.json".into(), bytes: cogs.to_vec() },
/// ];
/// let mut run = Run::new(&linter);
/// let mut seen = Vec::new();
/// run.lint(&inputs, |report| seen.push((report.path.clone(), report.count(Severity::Warning))));
/// assert_eq!(seen, [("refunds.json".to_owned(), 1), ("cogs.json".to_owned(), 0)]); // input order
/// let summary = run.summary();
/// assert_eq!((summary.files, summary.objects, summary.warnings), (2, 1, 1));
/// ```
#[derive(Debug)]
pub struct Run<'l> {
    linter: &'l Linter,
    summary: Summary,
}

impl<'l> Run<'l> {
    /// A run with this linter and nothing counted yet.
    #[must_use]
    pub fn new(linter: &'l Linter) -> Self {
        Self {
            linter,
            summary: Summary::default(),
        }
    }

    /// The linter of the run.
    #[must_use]
    pub fn linter(&self) -> &'l Linter {
        self.linter
    }

    /// The totals so far.
    #[must_use]
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The totals, once the run is over.
    #[must_use]
    pub fn into_summary(self) -> Summary {
        self.summary
    }

    /// Lints `inputs` and calls `each` with every report, in input order.
    pub fn lint(&mut self, inputs: &[Input], each: impl FnMut(&FileReport)) {
        struct Each<F>(F);
        impl<F: FnMut(&FileReport)> Visitor for Each<F> {
            type Error = Infallible;
            fn report(&mut self, _: usize, report: &mut FileReport) -> Result<(), Infallible> {
                (self.0)(report);
                Ok(())
            }
        }
        match self.visit(inputs, &mut Each(each)) {
            Ok(()) | Err(_) => {}
        }
    }

    /// Lints `inputs` and hands every report to `visitor`, in input order, then counts it.
    ///
    /// # Errors
    /// The first error `visitor` returns; the run stops there.
    pub fn visit<V: Visitor>(&mut self, inputs: &[Input], visitor: &mut V) -> Result<(), V::Error> {
        let linter = self.linter;
        let (tx, rx) = mpsc::sync_channel::<(usize, Vec<FileReport>)>(64);
        let stop = AtomicBool::new(false);
        let stop = &stop;
        std::thread::scope(|scope| {
            if let [input] = inputs {
                // One file (a pre-commit hook, a start-up) is linted right here: starting
                // threads costs more than checking a small file. A big one gets the pool from
                // the linter.
                let _ = tx.send((0, vec![lint_input(linter, input)]));
                drop(tx);
            } else {
                scope.spawn(move || lint_in_batches(linter, inputs, &tx, stop));
            }
            let result = self.receive(rx, visitor);
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            result
        })
    }

    /// Batches arrive in any order and are handed over in input order; a small buffer holds
    /// the early ones. Returning drops `rx`, so the workers stop sending.
    #[allow(clippy::needless_pass_by_value)] // owned so that returning early drops it
    fn receive<V: Visitor>(
        &mut self,
        rx: mpsc::Receiver<(usize, Vec<FileReport>)>,
        visitor: &mut V,
    ) -> Result<(), V::Error> {
        let mut pending = BTreeMap::new();
        let mut next = 0;
        loop {
            match rx.recv_timeout(TICK) {
                Ok((first, reports)) => {
                    pending.insert(first, reports);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            while let Some(reports) = pending.remove(&next) {
                for mut report in reports {
                    visitor.report(next, &mut report)?;
                    self.summary.add(&report);
                    next += 1;
                }
            }
            visitor.tick()?;
        }
        Ok(())
    }
}

/// How long the run waits for a report before it ticks.
const TICK: Duration = Duration::from_millis(100);
/// The most files one worker lints before sending their reports.
const BATCH_FILES: usize = 64;
/// How long a worker holds finished reports before sending them anyway.
const BATCH_PATIENCE: Duration = Duration::from_millis(50);

/// Lints `inputs` on the thread pool and sends the reports in batches: each worker takes a run
/// of up to [`BATCH_FILES`] consecutive files and sends its reports at once, or whatever it has
/// after [`BATCH_PATIENCE`] so progress stays live on big files. One message per file would
/// cost a thread wake-up per file, which on thousands of one-order files is as much as linting
/// them.
fn lint_in_batches(
    linter: &Linter,
    inputs: &[Input],
    tx: &mpsc::SyncSender<(usize, Vec<FileReport>)>,
    stop: &AtomicBool,
) {
    // Enough batches that every thread has several to take, however the sizes fall.
    let per_batch = (inputs.len() / (rayon::current_num_threads() * 4)).clamp(1, BATCH_FILES);
    inputs
        .par_chunks(per_batch)
        .enumerate()
        .for_each_with(tx.clone(), |tx, (b, chunk)| {
            let mut first = b * per_batch;
            let mut reports = Vec::with_capacity(chunk.len());
            let mut since = Instant::now();
            for input in chunk {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                reports.push(lint_input(linter, input));
                if since.elapsed() >= BATCH_PATIENCE {
                    let sent = std::mem::take(&mut reports);
                    let n = sent.len();
                    let _ = tx.send((first, sent));
                    first += n;
                    since = Instant::now();
                }
            }
            if !reports.is_empty() {
                let _ = tx.send((first, reports));
            }
        });
}

/// Lints one input.
fn lint_input(linter: &Linter, input: &Input) -> FileReport {
    match input {
        Input::Path(path) => linter.lint_path(path),
        Input::Stdin => {
            // Read through `lint_reader`, so `max-file-size` bounds standard input (and what
            // gzip on it decompresses to) as it bounds a file.
            let mut stdin = std::io::BufReader::new(std::io::stdin().lock());
            match std::io::BufRead::fill_buf(&mut stdin) {
                // gzip's magic number: `zcat` is optional.
                Ok([0x1f, 0x8b, ..]) => {
                    linter.lint_reader("-", flate2::read::MultiGzDecoder::new(stdin))
                }
                Ok(_) => linter.lint_reader("-", stdin),
                Err(e) => linter.lint_path(Path::new(&format!("<stdin: {e}>"))),
            }
        }
        Input::Bytes { name, bytes } => linter.lint_bytes(name, bytes),
        Input::Unreadable { path, why } => not_linted(
            path,
            format!("cannot read `{}`: {why}", path.display()),
            Severity::Error,
            "check the path and its permissions",
        ),
        Input::Skipped { path, why } => not_linted(
            path,
            format!("skipped `{}`: {why}", path.display()),
            Severity::Warning,
            "directories are walked for regular files only",
        ),
    }
}

/// The report of an input that was not linted: one `io-error` finding.
fn not_linted(path: &Path, message: String, severity: Severity, help: &str) -> FileReport {
    let mut report = FileReport::new(&path.display().to_string());
    let mut d = Diagnostic::new(&codes::IO_ERROR, Pointer::root(), message).with_help(help);
    d.severity = severity;
    report.diagnostics.push(d);
    report
}

/// Totals of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Files checked.
    pub files: usize,
    /// Files with at least one finding.
    #[serde(rename = "filesWithFindings")]
    pub files_with_findings: usize,
    /// Top-level objects checked.
    pub objects: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Info findings.
    pub infos: usize,
    /// Of those, findings counted but not listed, past `max-diagnostics-per-file`.
    #[serde(rename = "notListed", skip_serializing_if = "is_zero")]
    pub not_listed: usize,
    /// Revenue over every file, by currency.
    #[serde(skip)]
    pub revenue: Revenue,
    /// Findings per rule, for `--statistics`.
    #[serde(skip)]
    pub by_rule: BTreeMap<&'static str, usize>,
    /// What a `--baseline` left out, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineCounts>,
}

/// What applying a baseline did to a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BaselineCounts {
    /// Entries in the baseline file.
    pub entries: usize,
    /// Findings left out because the baseline holds them.
    pub suppressed: usize,
    /// Baseline entries that no finding matches any more: fixed since the baseline was written.
    pub stale: usize,
}

impl Summary {
    /// Adds one file's counts.
    pub fn add(&mut self, report: &FileReport) {
        self.files += 1;
        self.objects += report.objects;
        if !report.diagnostics.is_empty() || report.truncated.total() > 0 {
            self.files_with_findings += 1;
        }
        // Findings past the per-file limit count too: they decide the exit code like any other.
        let count = |s| report.count(s) + report.truncated.count(s);
        self.errors += count(Severity::Error);
        self.warnings += count(Severity::Warning);
        self.infos += count(Severity::Info);
        self.not_listed += report.truncated.total();
        self.revenue.merge(&report.revenue);
        for d in &report.diagnostics {
            *self.by_rule.entry(d.rule()).or_default() += 1;
        }
    }

    /// Findings per rule, most frequent first, then by name.
    #[must_use]
    pub fn statistics(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<_> = self.by_rule.iter().map(|(r, n)| (*r, *n)).collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Orders files of different sizes, so that they finish out of order on the pool.
    fn inputs(n: usize) -> Vec<Input> {
        let order = r#"{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": []}"#;
        (0..n)
            .map(|i| Input::Bytes {
                name: format!("{i:03}-orders.json"),
                bytes: format!("[{}]", vec![order; (n - i) % 7 + 1].join(",")).into_bytes(),
            })
            .collect()
    }

    #[test]
    fn reports_come_in_input_order_and_are_counted() {
        let linter = Linter::new(Config::default()).unwrap();
        let inputs = inputs(300);
        let mut run = Run::new(&linter);
        let mut paths = Vec::new();
        let mut objects = 0;
        run.lint(&inputs, |report| {
            paths.push(report.path.clone());
            objects += report.objects;
        });
        let expected: Vec<String> = (0..300).map(|i| format!("{i:03}-orders.json")).collect();
        assert_eq!(paths, expected);
        assert_eq!(run.summary().files, 300);
        assert_eq!(run.summary().objects, objects);
        assert!(objects > 300);
    }

    #[test]
    fn a_visitor_error_stops_the_run() {
        struct StopAt(usize, Vec<usize>);
        impl Visitor for StopAt {
            type Error = usize;
            fn report(&mut self, index: usize, _: &mut FileReport) -> Result<(), usize> {
                self.1.push(index);
                if index == self.0 {
                    return Err(index);
                }
                Ok(())
            }
        }
        let linter = Linter::new(Config::default()).unwrap();
        let mut run = Run::new(&linter);
        let mut visitor = StopAt(3, Vec::new());
        assert_eq!(run.visit(&inputs(500), &mut visitor), Err(3));
        assert_eq!(visitor.1, [0, 1, 2, 3]);
        // The report that stopped the run is not counted.
        assert_eq!(run.summary().files, 3);
    }

    #[test]
    fn inputs_not_linted_are_io_error_findings() {
        let linter = Linter::new(Config::default()).unwrap();
        let mut run = Run::new(&linter);
        let mut reports = Vec::new();
        let inputs = [
            Input::Unreadable {
                path: "a/b.json".into(),
                why: "permission denied".into(),
            },
            Input::Skipped {
                path: "a/link.json".into(),
                why: "a symbolic link".into(),
            },
        ];
        run.lint(&inputs, |r| reports.push(r.clone()));
        let d: Vec<_> = reports
            .iter()
            .map(|r| {
                let d = &r.diagnostics[0];
                (r.path.as_str(), d.rule(), d.severity, d.message.as_str())
            })
            .collect();
        assert_eq!(
            d,
            [
                (
                    "a/b.json",
                    "io-error",
                    Severity::Error,
                    "cannot read `a/b.json`: permission denied"
                ),
                (
                    "a/link.json",
                    "io-error",
                    Severity::Warning,
                    "skipped `a/link.json`: a symbolic link"
                ),
            ]
        );
        assert_eq!(run.summary().errors, 1);
    }
}
