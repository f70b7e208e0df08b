//! A run: many files checked together. [`Run`] lints its inputs in parallel, hands the reports
//! over in input order as soon as each and all before it are done (so printing starts early),
//! and keeps what spans files: the totals ([`Summary`]), and the place for checks across files.

mod cross;

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::codes;
use crate::config::RuleLevel;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::json::{LineIndex, Pointer, SpanIndex};
use crate::linter::{FileReport, Linter, SourceChunk};
use crate::payload::PayloadKind;
use crate::references::{with_collector, Collecting, Collector};
use crate::revenue::Revenue;

/// One thing a run checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file on disk, linted with [`Linter::lint_path`] (JSON Lines streamed, gzip decompressed).
    Path(PathBuf),
    /// Standard input, read whole when its turn comes and reported as `-`; gzip is recognised by
    /// its magic number.
    Stdin,
    /// Standard input read as the file of this name would be (`--stdin-filename`): reported
    /// under the name, its kind and version told from it, JSON Lines (streamed) when it ends
    /// in `.jsonl` or `.ndjson`; see [`Linter::lint_named`].
    StdinAs(String),
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

    /// The report of input `index` (a reference orders file that cannot be used, see
    /// [`Run::with_orders`], comes after the inputs, with an index past theirs). It may be changed (a baseline leaves out known findings)
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
/// The run is the place for state that spans files. It runs the checks across files
/// (docs/cross-file.md): while its files are linted it collects the orders of the run and the
/// references to them from costs and refunds (memory bounded: past 65,536 facts they go to
/// temporary files), and once every file is linted it adds `unknown-order`,
/// `unknown-line-item`, `over-refund` and `conflicting-cost` findings to the files that refer
/// to orders. Those reports (and the ones after them, to keep input order) wait for that; the
/// reports before the first of them are handed over at once. See [`Run::with_orders`] for
/// orders read only as references.
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
    /// Order exports read only as references (`--orders`), reported on only when they
    /// cannot be used (see [`Run::with_orders`]).
    orders: Vec<Input>,
    /// For each of `orders`, the index in `folders` of the folder it was found in.
    order_folders: Vec<Option<usize>>,
    /// Folders of reference orders (`--orders DIR`).
    folders: Vec<PathBuf>,
    /// Whether the checks across files run.
    across_files: bool,
}

impl<'l> Run<'l> {
    /// A run with this linter and nothing counted yet.
    #[must_use]
    pub fn new(linter: &'l Linter) -> Self {
        Self {
            linter,
            summary: Summary::default(),
            orders: Vec::new(),
            order_folders: Vec::new(),
            folders: Vec::new(),
            // Nothing is collected when every check across files is off.
            across_files: cross::RULES.iter().any(|name| {
                crate::rules::find(name).is_some_and(|meta| linter.config().runs_somewhere(meta))
            }),
        }
    }

    /// Adds order exports read only as references for the checks across files (the CLI's
    /// `--orders`): their orders count as orders of the run, but they are not reported on.
    ///
    /// ```
    /// use klar_lint::run::Input;
    /// use klar_lint::{Config, Linter, Run};
    ///
    /// let linter = Linter::new(Config::default()).unwrap();
    /// let orders = br#"[{"id": "1", "createdAt": 1761000000, "currencyCodeIso3Letter": "EUR",
    ///     "lineItems": [{"id": "a", "sku": "TEE-M", "productGmv": 19.9, "quantity": 1}]}]"#;
    /// let cogs = br#"{"items": [{"orderId": "1", "lineItemId": "b", "productCogs": 4.2},
    ///                           {"orderId": "2", "lineItemId": "a", "productCogs": 4.2}]}"#;
    /// let mut run = Run::new(&linter).with_orders(vec![Input::Bytes {
    ///     name: "last-month/orders.json".into(),
    ///     bytes: orders.to_vec(),
    /// }]);
    /// let mut found = Vec::new();
    /// run.lint(&[Input::Bytes { name: "cogs.json".into(), bytes: cogs.to_vec() }], |report| {
    ///     for d in &report.diagnostics {
    ///         found.push((d.rule(), d.pointer.to_string(), d.labels.first().and_then(|l| l.path.clone())));
    ///     }
    /// });
    /// assert_eq!(found, [
    ///     ("unknown-line-item", "/items/0/lineItemId".to_owned(), Some("last-month/orders.json".to_owned())),
    ///     ("unknown-order", "/items/1/orderId".to_owned(), None),
    /// ]);
    /// assert_eq!(run.summary().files, 1); // the reference orders are not reported on
    /// ```
    ///
    /// A reference file that contributes nothing is not passed over in silence: it is
    /// reported, after the inputs, with one finding and nothing else (its index in
    /// [`Visitor::report`] is past the inputs'). One that cannot be read keeps its `io-error`
    /// (or `invalid-json`, with the place where the JSON breaks), and one that holds another
    /// kind of payload, or whose kind cannot be told, gets an `io-error` error saying so; an
    /// orders file with no order in it gets an `io-error` warning. Their findings count like
    /// any other (an error fails the run).
    #[must_use]
    pub fn with_orders(mut self, orders: Vec<Input>) -> Self {
        self.order_folders.extend(orders.iter().map(|_| None));
        self.orders.extend(orders);
        self
    }

    /// Adds the files of folder `folder` as order exports read only as references (the CLI's
    /// `--orders DIR`; `files` are what the walk found in it). An export folder holds costs
    /// and refunds too, so a file of another kind in it is passed over quietly; but a folder
    /// in which no file holds an order is an `io-error` error, reported under the folder's
    /// path after the inputs. Files that cannot be read are reported as in
    /// [`Run::with_orders`].
    #[must_use]
    pub fn with_order_folder(mut self, folder: PathBuf, files: Vec<Input>) -> Self {
        let index = self.folders.len();
        self.folders.push(folder);
        self.order_folders.extend(files.iter().map(|_| Some(index)));
        self.orders.extend(files);
        self
    }

    /// Turns the checks across files off: each file is checked alone, and reports are handed
    /// over as soon as they and those before them are done.
    #[must_use]
    pub fn without_checks_across_files(mut self) -> Self {
        self.across_files = false;
        self
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
    ///
    /// With the checks across files on (the default), the reports of files that refer to
    /// orders (costs, refunds) wait until every file is linted, then get their findings across
    /// files; the reports before the first of them are handed over at once (docs/cross-file.md).
    pub fn visit<V: Visitor>(&mut self, inputs: &[Input], visitor: &mut V) -> Result<(), V::Error> {
        let linter = self.linter;
        let (tx, rx) = mpsc::sync_channel::<(usize, Vec<FileReport>)>(64);
        let stop = AtomicBool::new(false);
        let stop = &stop;
        // A run whose every input is an orders payload by its path refers to no order: there
        // is nothing to check across its files, so nothing is collected (no cost for the
        // plain runs of orders exports).
        let across = self.across_files && !only_orders(linter.config(), inputs);
        let _collecting = across.then(Collecting::start);
        let collector = across.then(|| Arc::new(Collector::new()));
        let all: Vec<Input>;
        let everything = if self.orders.is_empty() || !self.across_files {
            inputs
        } else {
            all = inputs.iter().chain(&self.orders).cloned().collect();
            &all
        };
        let ctx = Phase {
            inputs: everything,
            reported: inputs.len(),
            collector: collector.as_ref(),
        };
        std::thread::scope(|scope| {
            if let ([input], false) = (everything, everything.first().is_some_and(is_big)) {
                // One file (a pre-commit hook, a start-up) is linted right here: starting
                // threads costs more than checking a small file. A big one (or standard input,
                // of unknown size) goes to a thread of its own below, so that this thread
                // ticks the visitor while it is checked (a progress bar advances by the bytes
                // read); it gets the pool from the linter either way.
                let _ = tx.send((0, vec![lint_one(linter, input, 0, ctx.collector)]));
                drop(tx);
            } else {
                scope.spawn(move || lint_in_batches(linter, ctx.inputs, ctx.collector, &tx, stop));
            }
            let result = self.receive(rx, visitor, &ctx);
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
        ctx: &Phase<'_>,
    ) -> Result<(), V::Error> {
        let mut pending = BTreeMap::new();
        let mut next = 0;
        // Reports that wait for the checks across files: from the first file that refers to
        // an order on, in input order.
        let mut waiting: Vec<(usize, FileReport)> = Vec::new();
        // The folders of reference orders in which a file held orders.
        let mut used = vec![false; self.folders.len()];
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
                    let index = next;
                    next += 1;
                    if index >= ctx.reported {
                        // Reference orders: read for their orders, reported on only when they
                        // cannot be used.
                        let folder = self
                            .order_folders
                            .get(index - ctx.reported)
                            .copied()
                            .flatten();
                        if let (Some(used), true) =
                            (folder.and_then(|f| used.get_mut(f)), holds_orders(&report))
                        {
                            *used = true;
                        }
                        if let Some(problem) = reference_problem(&report, folder.is_some()) {
                            waiting.push((index, problem));
                        }
                        continue;
                    }
                    let refers = ctx
                        .collector
                        .is_some_and(|c| c.refers(u32::try_from(index).unwrap_or(u32::MAX)));
                    if refers || !waiting.is_empty() {
                        waiting.push((index, report));
                        continue;
                    }
                    visitor.report(index, &mut report)?;
                    self.summary.add(&report);
                }
            }
            visitor.tick()?;
        }
        if self.across_files {
            for (f, folder) in self.folders.iter().enumerate() {
                if !used.get(f).copied().unwrap_or(true) {
                    waiting.push((
                        ctx.inputs.len() + f,
                        not_linted(
                            folder,
                            format!(
                                "no file in `{}` holds orders: it adds nothing to the reference orders",
                                folder.display()
                            ),
                            Severity::Error,
                            "give `--orders` (or `orders` in klar-lint.toml) a folder or files of orders exports",
                        ),
                    ));
                }
            }
        }
        if waiting.is_empty() {
            return Ok(());
        }
        let refers = waiting.iter().any(|(index, _)| *index < ctx.reported);
        let (mut found, mut unreadable) = match ctx.collector {
            Some(collector) if refers => self.check_across_files(collector, ctx.inputs),
            _ => (HashMap::new(), 0),
        };
        for (index, mut report) in waiting {
            if let Some(findings) = found.remove(&index) {
                self.attach(index, &mut report, findings, ctx.inputs);
            }
            if unreadable > 0 && index < ctx.reported {
                // Said once, in the first report that waited for the checks.
                let mut d = Diagnostic::new(
                    &codes::IO_ERROR,
                    Pointer::root(),
                    format!(
                        "{unreadable} of {} parts of the facts for the checks across files could not be read back from their temporary file: those checks are incomplete",
                        crate::references::PARTS
                    ),
                )
                .with_help("check the free space and permissions of `$TMPDIR`, then run again");
                d.severity = Severity::Error;
                report.diagnostics.insert(0, d);
                unreadable = 0;
            }
            visitor.report(index, &mut report)?;
            self.summary.add(&report);
        }
        Ok(())
    }

    /// Runs the checks across files: their findings by file, and how many partitions of facts
    /// could not be read back.
    fn check_across_files(
        &self,
        collector: &Collector,
        inputs: &[Input],
    ) -> (HashMap<usize, Vec<cross::Finding>>, usize) {
        let names: Vec<String> = inputs.iter().map(Input::name).collect();
        let mut by_name: Vec<usize> = (0..names.len()).collect();
        by_name.sort_by(|&a, &b| names[a].cmp(&names[b]).then(a.cmp(&b)));
        let mut rank = vec![0; names.len()];
        for (r, &i) in by_name.iter().enumerate() {
            rank[i] = r;
        }
        let references = u32::try_from(inputs.len() - self.orders.len()).unwrap_or(u32::MAX);
        let outcome = cross::check(collector, &rank, references);
        let mut by_file: HashMap<usize, Vec<cross::Finding>> = HashMap::new();
        for f in outcome.findings {
            by_file.entry(f.at.file as usize).or_default().push(f);
        }
        (by_file, outcome.unreadable)
    }

    /// Adds findings across files to report `index`: levels from the configuration, lines and
    /// columns (a document is read again for them, once; a JSON Lines record's line is known),
    /// the per-file limit, report order.
    fn attach(
        &self,
        index: usize,
        report: &mut FileReport,
        findings: Vec<cross::Finding>,
        inputs: &[Input],
    ) {
        let config = self.linter.config();
        let path = Path::new(&report.path);
        let findings: Vec<_> = findings
            .into_iter()
            .filter_map(|f| match config.level_for(f.rule, path) {
                RuleLevel::Off => None,
                RuleLevel::On(severity) => Some((f, severity)),
            })
            .collect();
        if findings.is_empty() {
            return;
        }
        // The documents the findings and their labels are in, each read and indexed once.
        let mut files: Vec<u32> = findings
            .iter()
            .flat_map(|(f, _)| std::iter::once(f.at.file).chain(f.label.as_ref().map(|l| l.0.file)))
            .collect();
        files.sort_unstable();
        files.dedup();
        let texts: HashMap<u32, Arc<str>> = files
            .iter()
            .filter_map(|&f| Some((f, document_text(inputs.get(f as usize))?.into())))
            .collect();
        let indexes: HashMap<u32, (SpanIndex<'_>, LineIndex)> = texts
            .iter()
            .map(|(&f, text)| (f, (SpanIndex::new(text), LineIndex::new(text))))
            .collect();
        let locate = |file: u32, pointer: &Pointer| {
            let text = texts.get(&file)?;
            let (spans, lines) = indexes.get(&file)?;
            let located = spans.locate(pointer)?;
            let (line, column) = lines.line_col(text, located.value.start);
            Some((located.value, line, column))
        };
        for (f, severity) in findings {
            let Ok(pointer) = Pointer::parse(&f.at.pointer) else {
                continue;
            };
            let mut d = Diagnostic::new(f.rule, pointer, f.message).with_help(f.help);
            d.severity = severity;
            d.line = f.at.line;
            d.column = f.at.column();
            if let Some((span, line, column)) = locate(f.at.file, &d.pointer) {
                d.span = Some(span);
                d.line = Some(line);
                d.column = Some(column);
            }
            if let Some((other, noun)) = f.label {
                let pointer = Pointer::parse(&other.pointer).unwrap_or_default();
                let same = other.file == f.at.file;
                let place = locate(other.file, &pointer);
                d.labels.push(Label {
                    span: place.filter(|_| same).map(|p| p.0),
                    line: place.map(|p| p.1).or(other.line),
                    column: place.map(|p| p.2).or_else(|| other.column()),
                    pointer,
                    text: noun.to_owned(),
                    path: (!same)
                        .then(|| inputs.get(other.file as usize).map(Input::name))
                        .flatten(),
                });
            }
            report.diagnostics.push(d);
        }
        let own = u32::try_from(index).unwrap_or(u32::MAX);
        if report.sources.is_empty() {
            if let Some(text) = texts.get(&own) {
                report.sources.push(SourceChunk {
                    offset: 0,
                    first_line: 1,
                    text: Arc::clone(text),
                });
            }
        }
        report.diagnostics.sort_by(|a, b| {
            (a.line, a.column, a.code.name, a.pointer.as_str()).cmp(&(
                b.line,
                b.column,
                b.code.name,
                b.pointer.as_str(),
            ))
        });
        report.limit(config.max_diagnostics_per_file);
    }
}

/// What the lint of a run's files shares.
#[derive(Clone, Copy)]
struct Phase<'a> {
    /// The inputs, then the reference orders.
    inputs: &'a [Input],
    /// How many of them are reported on.
    reported: usize,
    /// Where facts go, when the checks across files run.
    collector: Option<&'a Arc<Collector>>,
}

/// Whether every input is an orders payload by its path alone, as the pipeline tells a kind
/// first: `--kind`, a `[kinds]` glob, the file's name or folder. (An input whose kind only its
/// content can tell may be a cost or a refund.)
fn only_orders(config: &crate::Config, inputs: &[Input]) -> bool {
    inputs.iter().all(|input| {
        let path = match input {
            Input::Path(path) => path.as_path(),
            Input::Bytes { name, .. } | Input::StdinAs(name) => Path::new(name.as_str()),
            Input::Stdin => return config.kind == Some(PayloadKind::Orders),
            Input::Unreadable { .. } | Input::Skipped { .. } => return true,
        };
        let kind = config
            .kind
            .or_else(|| config.kind_for_path(path))
            .or_else(|| crate::payload::kind_from_path(path));
        kind == Some(PayloadKind::Orders)
    })
}

impl Input {
    /// The name it is reported under.
    fn name(&self) -> String {
        match self {
            Input::Path(path) | Input::Unreadable { path, .. } | Input::Skipped { path, .. } => {
                path.display().to_string()
            }
            Input::Stdin | Input::StdinAs(_) => "-".to_owned(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }
}

/// The text of a document input, read again to place findings across files; `None` for JSON
/// Lines (a record's line is known already), standard input, and what cannot be read.
fn document_text(input: Option<&Input>) -> Option<String> {
    let name = input?.name();
    let lower = name.to_ascii_lowercase();
    let plain = Path::new(lower.strip_suffix(".gz").unwrap_or(&lower));
    if plain
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson")
    {
        return None;
    }
    let bytes = match input? {
        Input::Path(path) => std::fs::read(path).ok()?,
        Input::Bytes { bytes, .. } => bytes.clone(),
        _ => return None,
    };
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .ok()?;
        out
    } else {
        bytes
    };
    let text = String::from_utf8(bytes).ok()?;
    Some(
        text.strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text),
    )
}

/// Whether one input is big enough, or of unknown size, for the run to tick while it is
/// checked (one `stat` for a single file, none for many).
fn is_big(input: &Input) -> bool {
    match input {
        Input::Path(path) => std::fs::metadata(path).is_ok_and(|m| m.len() >= BIG_INPUT),
        Input::Stdin | Input::StdinAs(_) => true,
        Input::Bytes { bytes, .. } => bytes.len() as u64 >= BIG_INPUT,
        Input::Unreadable { .. } | Input::Skipped { .. } => false,
    }
}

/// A single input this size or larger is checked on a thread of its own, with ticks.
const BIG_INPUT: u64 = 4 << 20;

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
    collector: Option<&Arc<Collector>>,
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
            for (i, input) in chunk.iter().enumerate() {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                reports.push(lint_one(linter, input, b * per_batch + i, collector));
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

/// Lints input `index`, its facts going to `collector` when the checks across files run.
fn lint_one(
    linter: &Linter,
    input: &Input,
    index: usize,
    collector: Option<&Arc<Collector>>,
) -> FileReport {
    match collector {
        Some(c) => with_collector(c, u32::try_from(index).unwrap_or(u32::MAX), || {
            lint_input(linter, input)
        }),
        None => lint_input(linter, input),
    }
}

/// Lints one input.
pub(crate) fn lint_input(linter: &Linter, input: &Input) -> FileReport {
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
        Input::StdinAs(name) => linter.lint_named(name, std::io::stdin().lock()),
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

/// Whether a report is of an orders payload with at least one order.
fn holds_orders(report: &FileReport) -> bool {
    report.kind == Some(PayloadKind::Orders) && report.objects > 0
}

/// What to report of a reference orders file (`--orders`), when it contributes nothing or
/// not all it holds: its `io-error`, `invalid-json` and `internal-error` findings (the rest of
/// its findings are not reported, as for any reference file), or one `io-error` when it holds
/// no order or another kind of payload. `in_folder`: found in a folder of reference orders,
/// where other kinds are expected and passed over.
fn reference_problem(report: &FileReport, in_folder: bool) -> Option<FileReport> {
    const UNREAD: [&str; 3] = ["io-error", "invalid-json", "internal-error"];
    let mut problem = FileReport::new(&report.path);
    problem.kind = report.kind;
    problem.kind_source = report.kind_source;
    problem.api_version = report.api_version;
    problem.version_source = report.version_source;
    problem.diagnostics = report
        .diagnostics
        .iter()
        .filter(|d| UNREAD.contains(&d.rule()))
        .cloned()
        .map(|mut d| {
            let help = d.help.take().map_or_else(String::new, |h| format!("{h}; "));
            d.help = Some(format!(
                "{help}this file is read for reference orders (`--orders`): what could not be read of it is not used"
            ));
            d
        })
        .collect();
    if !problem.diagnostics.is_empty() {
        problem.sources.clone_from(&report.sources);
        return Some(problem);
    }
    let path = &report.path;
    let (message, severity, help) = match report.kind {
        Some(PayloadKind::Orders) if report.objects > 0 => return None,
        Some(PayloadKind::Orders) => (
            format!("`{path}` holds no order: it adds nothing to the reference orders"),
            if report.count(Severity::Error) > 0 {
                Severity::Error
            } else {
                Severity::Warning
            },
            "check that the export holds the orders you meant to check against (`klar-lint` on the file shows what is wrong with it)",
        ),
        _ if in_folder => return None,
        Some(kind) => (
            format!("`{path}` holds {kind}, not orders: none of it is used as reference orders"),
            Severity::Error,
            "give `--orders` (or `orders` in klar-lint.toml) orders exports only; lint other payloads as inputs",
        ),
        None => (
            format!("the kind of `{path}` cannot be told: none of it is used as reference orders"),
            Severity::Error,
            "put `orders` in the file's name, or check that it is an orders export",
        ),
    };
    let mut d = Diagnostic::new(&codes::IO_ERROR, Pointer::root(), message).with_help(help);
    d.severity = severity;
    problem.diagnostics.push(d);
    Some(problem)
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
    /// The config file the run used, as given or found (`None`: klar-lint's defaults).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// JSON files the walk or the command line left out as not payloads (set by the caller).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: usize,
    /// Fixes: applied (set by the caller, `--fix`) and still offered by the findings.
    #[serde(skip_serializing_if = "FixCounts::is_empty")]
    pub fixes: FixCounts,
}

/// Fixes in a run (docs/fixes.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FixCounts {
    /// Findings fixed by `--fix` (set by the caller).
    pub fixed: usize,
    /// Findings listed whose safe fix `--fix` would apply.
    pub safe: usize,
    /// Findings listed whose fix only `--unsafe-fixes` applies.
    #[serde(rename = "unsafe")]
    pub unsafe_: usize,
    /// Whether `--unsafe-fixes` was given: unsafe fixes are then offered as safe ones are.
    #[serde(skip)]
    pub unsafe_enabled: bool,
}

impl FixCounts {
    /// Nothing fixed, nothing offered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fixed == 0 && self.safe == 0 && self.unsafe_ == 0
    }
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
            match d.fix.as_ref().filter(|f| f.is_offered()) {
                Some(f) if f.applicability == crate::fix::Applicability::Safe => {
                    self.fixes.safe += 1;
                }
                Some(_) => self.fixes.unsafe_ += 1,
                None => {}
            }
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
    fn one_big_json_lines_file_is_ticked_while_it_is_read() {
        struct Ticks<'l> {
            linter: &'l Linter,
            seen: Vec<u64>,
            reported: bool,
        }
        impl Visitor for Ticks<'_> {
            type Error = Infallible;
            fn report(&mut self, _: usize, _: &mut FileReport) -> Result<(), Infallible> {
                self.reported = true;
                Ok(())
            }
            fn tick(&mut self) -> Result<(), Infallible> {
                if !self.reported {
                    self.seen.push(self.linter.bytes_read());
                }
                Ok(())
            }
        }
        let order = r#"{"id": "1", "createdAt": 1678376546, "currencyCodeIso3Letter": "EUR", "lineItems": [{"id": "a", "productGmv": 1, "quantity": 1}]}"#;
        let mut text = String::new();
        while (text.len() as u64) < BIG_INPUT + 1 {
            text.push_str(order);
            text.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.jsonl");
        std::fs::write(&path, &text).unwrap();
        let linter = Linter::new(Config::default()).unwrap();
        let mut ticks = Ticks {
            linter: &linter,
            seen: Vec::new(),
            reported: false,
        };
        Run::new(&linter)
            .visit(&[Input::Path(path)], &mut ticks)
            .unwrap();
        assert!(
            ticks.seen.iter().any(|&n| n > 0),
            "no tick saw bytes read before the report: {:?}",
            ticks.seen
        );
        assert_eq!(linter.bytes_read(), text.len() as u64);
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

    /// Unit tests spill past 8 facts (`references::SPILL_AT`): the mixed folder's facts go
    /// through the temporary files, and its partitions are checked on 1 and on 4 threads, in
    /// two file orders, with the same findings (columns of JSON Lines records included).
    #[test]
    fn spilled_facts_give_the_same_findings_on_any_number_of_threads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cross-file/mixed");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let linter = Linter::new(Config::default()).unwrap();
        let findings = |threads: usize, paths: &[PathBuf]| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let inputs: Vec<Input> = paths.iter().cloned().map(Input::Path).collect();
            let mut out = Vec::new();
            pool.install(|| {
                Run::new(&linter).lint(&inputs, |r| {
                    for d in &r.diagnostics {
                        if cross::RULES.contains(&d.rule()) {
                            out.push(format!(
                                "{} {}:{:?}:{:?} {} {:?}",
                                r.path,
                                d.rule(),
                                d.line,
                                d.column,
                                d.message,
                                d.labels.first().map(|l| (&l.path, l.line, l.column))
                            ));
                        }
                    }
                });
            });
            out.sort();
            out
        };
        let one = findings(1, &paths);
        assert!(one.len() > 8, "{one:#?}");
        assert!(
            one.iter()
                .any(|f| f.contains(".jsonl") && f.contains("Some(38)")),
            "{one:#?}"
        );
        paths.reverse();
        assert_eq!(findings(4, &paths), one);
        assert_eq!(findings(2, &paths), one);
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
