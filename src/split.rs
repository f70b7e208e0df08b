//! Request bodies ready to send: exports cut into batches of at most `max-batch-size` objects,
//! one folder per API version and kind, each body in its kind's envelope, with a manifest of
//! which input object went where (docs/split.md).
//!
//! Every input is linted as a run lints it (kind and version from `--kind`, `--api-version`,
//! `[kinds]`, the path, the content; JSON Lines streamed, gzip decompressed), and each object
//! goes to a body as the lint completes it, its text copied as written: numbers keep their
//! digits, keys their order. Memory holds one chunk of the input, the open bodies' write
//! buffers and one line of the manifest per body, whatever the size of the inputs.
//!
//! With [`Options::valid_only`], an object with an error finding (its own, a duplicate key in
//! it, an `id` repeated from an earlier object when `duplicate-id` is an error, or an error its
//! own bound let go) goes to `quarantine.jsonl` with its findings instead. The judgment is made
//! per object before the per-file cap on findings, so an object is never sent because the
//! report had no room for its error.
//!
//! ```
//! use klar_lint::run::Input;
//! use klar_lint::split::{Options, Split};
//! use klar_lint::{Config, Linter};
//!
//! let dir = std::env::temp_dir().join(format!("klar-lint-split-doc-{}", std::process::id()));
//! let linter = Linter::new(Config::default()).unwrap();
//! let mut split = Split::new(&linter, Options::new(&dir)).unwrap();
//! let cogs = br#"{"items": [{"orderId": "1", "lineItemId": "a", "productCogs": 1.50},
//!                           {"orderId": "2", "lineItemId": "b", "productCogs": 2.25}]}"#;
//! split.add(&Input::Bytes { name: "cogs.json".into(), bytes: cogs.to_vec() }).unwrap();
//! let summary = split.finish().unwrap();
//! assert_eq!((summary.bodies, summary.in_bodies), (1, 2));
//! let body = std::fs::read_to_string(dir.join("07.2025/cogs/0001.json")).unwrap();
//! assert!(body.starts_with("{\"items\": [\n{\"orderId\": \"1\""));
//! assert!(body.contains("\"productCogs\": 1.50}")); // as written
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use tempfile::NamedTempFile;

use crate::codes;
use crate::linter::{FileReport, Linter};
use crate::payload::{ApiVersion, PayloadKind};
use crate::pipeline::tap::{with_tap, Seen, Tap, What};
use crate::run::Input;

/// How a split writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The folder the bodies, the manifest and the quarantine go to.
    pub out: PathBuf,
    /// Objects with error findings go to `quarantine.jsonl`, not to a body.
    pub valid_only: bool,
    /// Write into a folder that is not empty: the files of an earlier split there (bodies,
    /// `manifest.json`, `quarantine.jsonl`) are removed first; other files are left alone.
    pub force: bool,
}

impl Options {
    /// Every object to a body, into `out`, which must be empty or missing.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            out: out.into(),
            valid_only: false,
            force: false,
        }
    }
}

/// What stops a split.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The output folder holds files and `force` is off.
    #[error("`{}` is not empty ({})", .0.display(), describe_entries(*.1))]
    #[diagnostic(help(
        "choose an empty or new folder, or pass `--force` to replace the bodies, manifest and quarantine of an earlier split there"
    ))]
    NotEmpty(PathBuf, usize),
    /// The output folder is a file.
    #[error("`{}` is not a folder", .0.display())]
    #[diagnostic(help("choose a folder for `--out`"))]
    NotAFolder(PathBuf),
    /// `max-batch-size` is 0.
    #[error("`max-batch-size` is 0: a body would hold no object")]
    #[diagnostic(help("set `max-batch-size` to 1 or more (Klar takes up to 1000)"))]
    ZeroBatch,
    /// Writing failed.
    #[error("cannot write `{}`: {}", .0.display(), .1)]
    Io(PathBuf, io::Error),
}

fn describe_entries(n: usize) -> String {
    if n == 1 {
        "1 entry".to_owned()
    } else {
        format!("{n} entries")
    }
}

/// The totals of a split.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Inputs read.
    pub inputs: usize,
    /// Bodies written.
    pub bodies: usize,
    /// Objects written to bodies.
    pub in_bodies: usize,
    /// Objects in bodies, by API version and kind.
    pub by_kind: BTreeMap<(ApiVersion, PayloadKind), Count>,
    /// Objects kept out of the bodies for their errors (`valid_only`).
    pub quarantined: usize,
    /// Values that could not go to a body: not an object, not readable, of no known kind.
    pub skipped: usize,
    /// Inputs not read at all (cannot be read, not JSON, no known kind): their objects are not
    /// counted anywhere else.
    pub inputs_skipped: usize,
    /// Inputs read only in part (reading stopped, an internal error).
    pub inputs_stopped: usize,
    /// Files of an earlier split removed (`force`).
    pub replaced: usize,
}

/// Bodies and objects of one version and kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    /// Bodies.
    pub bodies: usize,
    /// Objects.
    pub objects: usize,
}

impl Summary {
    /// Whether every object read went to a body, and every input was read whole.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.quarantined == 0
            && self.skipped == 0
            && self.inputs_skipped == 0
            && self.inputs_stopped == 0
    }

    /// "Wrote 250 bodies (250,000 orders) to `out`; 0 quarantined".
    #[must_use]
    pub fn line(&self, out: &Path) -> String {
        let mut kinds: BTreeMap<PayloadKind, usize> = BTreeMap::new();
        for ((_, kind), count) in &self.by_kind {
            *kinds.entry(*kind).or_default() += count.objects;
        }
        let objects: Vec<String> = kinds
            .iter()
            .map(|(kind, n)| format!("{} {}", thousands(*n), noun(*kind, *n)))
            .collect();
        let objects = if objects.is_empty() {
            "no objects".to_owned()
        } else {
            objects.join(", ")
        };
        let mut line = format!(
            "Wrote {} {} ({objects}) to {}; {} quarantined",
            thousands(self.bodies),
            if self.bodies == 1 { "body" } else { "bodies" },
            out.display(),
            thousands(self.quarantined),
        );
        if self.skipped > 0 {
            let _ = write!(line, ", {} skipped", thousands(self.skipped));
        }
        if self.inputs_skipped > 0 {
            let _ = write!(line, ", {} not read", plural_files(self.inputs_skipped));
        }
        if self.inputs_stopped > 0 {
            let _ = write!(line, ", {} read in part", plural_files(self.inputs_stopped));
        }
        line
    }
}

fn plural_files(n: usize) -> String {
    if n == 1 {
        "1 file".to_owned()
    } else {
        format!("{} files", thousands(n))
    }
}

/// What one object of a kind is called in the summary.
fn noun(kind: PayloadKind, n: usize) -> &'static str {
    match (kind, n == 1) {
        (PayloadKind::Orders, true) => "order",
        (PayloadKind::Orders, false) => "orders",
        (PayloadKind::Refunds, true) => "refund",
        (PayloadKind::Refunds, false) => "refunds",
        (PayloadKind::Cogs, true) => "COGS item",
        (PayloadKind::Cogs, false) => "COGS items",
        (PayloadKind::LogisticsCosts, true) => "logistics cost",
        (PayloadKind::LogisticsCosts, false) => "logistics costs",
        (PayloadKind::TransactionCosts, true) => "transaction cost",
        (PayloadKind::TransactionCosts, false) => "transaction costs",
    }
}

/// `250000` as `250,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A split in progress: add inputs in order, then [`Split::finish`].
pub struct Split<'l> {
    linter: &'l Linter,
    writer: Rc<RefCell<Writer>>,
}

impl std::fmt::Debug for Split<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Split")
            .field("out", &self.writer.borrow().out)
            .finish_non_exhaustive()
    }
}

impl<'l> Split<'l> {
    /// Prepares `options.out`: created when missing; refused when it holds files, unless
    /// `force` (then the files of an earlier split there are removed, see
    /// [`Summary::replaced`]).
    ///
    /// # Errors
    /// A folder that is not empty, a file in its place, `max-batch-size` 0, a write failure.
    pub fn new(linter: &'l Linter, options: Options) -> Result<Self, Error> {
        let max = linter.config().max_batch_size;
        if max == 0 {
            return Err(Error::ZeroBatch);
        }
        let out = options.out;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |e| Error::Io(path, e)
        };
        let mut replaced = 0;
        match fs::metadata(&out) {
            Ok(m) if !m.is_dir() => return Err(Error::NotAFolder(out)),
            Ok(_) => {
                let entries = fs::read_dir(&out).map_err(io(&out))?.count();
                if entries > 0 {
                    if !options.force {
                        return Err(Error::NotEmpty(out, entries));
                    }
                    replaced = remove_earlier(&out).map_err(io(&out))?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&out).map_err(io(&out))?;
            }
            Err(e) => return Err(Error::Io(out, e)),
        }
        let manifest = temp_in(&out, "manifest.json").map_err(io(&out))?;
        let mut writer = Writer {
            out,
            max,
            valid_only: options.valid_only,
            input: String::new(),
            current: InputCount::default(),
            open: BTreeMap::new(),
            numbers: BTreeMap::new(),
            bodies: Vec::new(),
            manifest,
            first_object: true,
            quarantine: None,
            inputs: Vec::new(),
            summary: Summary {
                replaced,
                ..Summary::default()
            },
            failed: None,
        };
        writer
            .manifest
            .write_all(
                format!(
                    "{{\n\"klarLint\": {},\n\"maxBatchSize\": {max},\n\"validOnly\": {},\n\"objects\": [",
                    json_string(env!("CARGO_PKG_VERSION")),
                    options.valid_only
                )
                .as_bytes(),
            )
            .map_err(|e| Error::Io(writer.out.join("manifest.json"), e))?;
        Ok(Self {
            linter,
            writer: Rc::new(RefCell::new(writer)),
        })
    }

    /// Files of an earlier split removed from the folder (`force`).
    #[must_use]
    pub fn replaced(&self) -> usize {
        self.writer.borrow().summary.replaced
    }

    /// Lints `input` and writes its objects to the bodies, in order; returns its report (the
    /// lint's, for the caller to show what kept objects out).
    ///
    /// # Errors
    /// A write that failed (the split cannot go on).
    pub fn add(&mut self, input: &Input) -> Result<FileReport, Error> {
        let name = input_name(input);
        {
            let mut w = self.writer.borrow_mut();
            w.input = name;
            w.current = InputCount::default();
        }
        let tap: Rc<RefCell<dyn Tap>> = self.writer.clone();
        let report = with_tap(tap, || crate::run::lint_input(self.linter, input));
        let mut w = self.writer.borrow_mut();
        if let Some(e) = w.failed.take() {
            return Err(e);
        }
        w.end_input(&report);
        if let Some(e) = w.failed.take() {
            return Err(e);
        }
        Ok(report)
    }

    /// Closes the open bodies and writes the manifest (and the quarantine) into place.
    ///
    /// # Errors
    /// A write that failed.
    pub fn finish(self) -> Result<Summary, Error> {
        let writer = Rc::try_unwrap(self.writer)
            .map_err(|_| {
                Error::Io(
                    PathBuf::from("manifest.json"),
                    io::Error::other("the split is still in use"),
                )
            })?
            .into_inner();
        writer.finish()
    }
}

/// The files of an earlier split in `out`: `manifest.json`, `quarantine.jsonl`, and the
/// numbered bodies in `<version>/<kind>/` (then those folders, when empty). Returns how many
/// files were removed.
fn remove_earlier(out: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for name in ["manifest.json", "quarantine.jsonl"] {
        match fs::remove_file(out.join(name)) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    for version in ApiVersion::ALL {
        for kind in PayloadKind::ALL {
            let folder = out.join(version.as_str()).join(kind.as_str());
            let Ok(entries) = fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries {
                let path = entry?.path();
                let numbered = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".json"))
                    .is_some_and(|stem| {
                        !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit())
                    });
                if numbered && path.is_file() {
                    fs::remove_file(&path)?;
                    removed += 1;
                }
            }
            // Only when empty: other files stay, and so does their folder.
            let _ = fs::remove_dir(&folder);
        }
        let _ = fs::remove_dir(out.join(version.as_str()));
    }
    Ok(removed)
}

/// A temporary file in `dir` that becomes `name` when persisted: created with the mode the
/// umask gives any new file (a temporary file's own 0600 would surprise whoever sends it).
fn temp_in(dir: &Path, name: &str) -> io::Result<BufWriter<NamedTempFile>> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(dir)?;
    Ok(BufWriter::with_capacity(256 * 1024, file))
}

/// Writes the buffered temporary file and renames it to `path`.
fn persist(file: BufWriter<NamedTempFile>, path: &Path) -> io::Result<()> {
    let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.as_file().sync_data()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The name an input is reported under.
fn input_name(input: &Input) -> String {
    match input {
        Input::Path(path) | Input::Unreadable { path, .. } | Input::Skipped { path, .. } => {
            path.display().to_string()
        }
        Input::Stdin | Input::StdinAs(_) => "-".to_owned(),
        Input::Bytes { name, .. } => name.clone(),
    }
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// What one input gave.
#[derive(Clone, Debug, Default)]
struct InputCount {
    /// Values seen (objects and the others).
    seen: usize,
    in_bodies: usize,
    quarantined: usize,
    skipped: usize,
    target: Option<(ApiVersion, PayloadKind)>,
}

/// One body being filled.
struct OpenBody {
    number: usize,
    count: usize,
    file: BufWriter<NamedTempFile>,
}

/// The writing side of a split: the tap every object goes through.
struct Writer {
    out: PathBuf,
    max: usize,
    valid_only: bool,
    /// The input being read.
    input: String,
    current: InputCount,
    open: BTreeMap<(ApiVersion, PayloadKind), OpenBody>,
    /// The last body number used per version and kind.
    numbers: BTreeMap<(ApiVersion, PayloadKind), usize>,
    /// A line of the manifest per body written: `"bodies"` comes after `"objects"`.
    bodies: Vec<String>,
    manifest: BufWriter<NamedTempFile>,
    first_object: bool,
    quarantine: Option<BufWriter<NamedTempFile>>,
    /// A line of the manifest per input.
    inputs: Vec<String>,
    summary: Summary,
    /// The first write that failed: the tap cannot return it.
    failed: Option<Error>,
}

impl Tap for Writer {
    fn object(&mut self, seen: &Seen<'_>) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.place(seen) {
            self.failed = Some(e);
        }
    }

    fn wants_lines(&self) -> bool {
        self.valid_only
    }
}

impl Writer {
    fn manifest_path(&self) -> PathBuf {
        self.out.join("manifest.json")
    }

    /// Sends one value to a body, the quarantine or the skipped, and writes its manifest line.
    fn place(&mut self, seen: &Seen<'_>) -> Result<(), Error> {
        self.current.seen += 1;
        let mut entry = format!(
            "{{\"input\": {}, \"pointer\": {}",
            json_string(&self.input),
            json_string(seen.pointer.as_str())
        );
        if let Some(line) = seen.line {
            let _ = write!(entry, ", \"line\": {line}");
        }
        let skip = |why: String| Some(why);
        let reason = match (seen.what, seen.text) {
            (What::Object(..), Some(_)) => None,
            (What::Object(..), None) => skip("its text could not be found".to_owned()),
            (What::NotObject, _) => skip(format!(
                "not an object{}",
                first_message(seen)
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )),
            (What::Unreadable, _) => {
                skip(first_message(seen).unwrap_or_else(|| "it could not be read".to_owned()))
            }
            (What::UnknownKind, _) => skip("its kind cannot be told".to_owned()),
        };
        if let Some(reason) = reason {
            self.current.skipped += 1;
            self.summary.skipped += 1;
            let _ = write!(entry, ", \"skipped\": {}}}", json_string(&reason));
            return self.manifest_line(&entry);
        }
        let (What::Object(kind, version), Some(text)) = (seen.what, seen.text) else {
            return Ok(());
        };
        let key = (version, kind);
        self.current.target = Some(key);
        let id = id_of(kind, text);
        if let Some(id) = id {
            let _ = write!(entry, ", \"id\": {id}");
        }
        if self.valid_only && seen.has_errors() {
            self.current.quarantined += 1;
            self.summary.quarantined += 1;
            let errors = seen
                .findings
                .iter()
                .filter(|d| d.severity == crate::Severity::Error)
                .count()
                + seen.dropped_errors;
            let _ = write!(entry, ", \"quarantined\": {errors}}}");
            self.quarantine_line(seen, (version, kind), id, text)?;
            return self.manifest_line(&entry);
        }
        let (number, index) = self.write_to_body(key, text)?;
        let _ = write!(
            entry,
            ", \"body\": {}, \"index\": {index}}}",
            json_string(&body_name(key, number))
        );
        self.current.in_bodies += 1;
        self.summary.in_bodies += 1;
        self.manifest_line(&entry)
    }

    fn manifest_line(&mut self, entry: &str) -> Result<(), Error> {
        let sep = if self.first_object { "\n" } else { ",\n" };
        self.first_object = false;
        let path = self.manifest_path();
        self.manifest
            .write_all(sep.as_bytes())
            .and_then(|()| self.manifest.write_all(entry.as_bytes()))
            .map_err(|e| Error::Io(path, e))
    }

    /// Appends `text` to the open body of `key` (opening one when needed, closing it when
    /// full); returns the body's number and the object's index in it.
    fn write_to_body(
        &mut self,
        key: (ApiVersion, PayloadKind),
        text: &str,
    ) -> Result<(usize, usize), Error> {
        let folder = || self.out.join(key.0.as_str()).join(key.1.as_str());
        if !self.open.contains_key(&key) {
            let folder = folder();
            let number = self.numbers.get(&key).copied().unwrap_or(0) + 1;
            self.numbers.insert(key, number);
            let io = |e| Error::Io(folder.clone(), e);
            fs::create_dir_all(&folder).map_err(io)?;
            let mut file = temp_in(&folder, &format!("{number:04}.json")).map_err(io)?;
            let open = if key.1.wrapped_in_items() {
                "{\"items\": [\n"
            } else {
                "[\n"
            };
            file.write_all(open.as_bytes()).map_err(io)?;
            self.open.insert(
                key,
                OpenBody {
                    number,
                    count: 0,
                    file,
                },
            );
        }
        let Some(body) = self.open.get_mut(&key) else {
            return Err(Error::Io(folder(), io::Error::other("no open body")));
        };
        let index = body.count;
        let number = body.number;
        let sep: &[u8] = if index == 0 { b"" } else { b",\n" };
        body.file
            .write_all(sep)
            .and_then(|()| body.file.write_all(text.as_bytes()))
            .map_err(|e| Error::Io(folder().join(format!("{number:04}.json")), e))?;
        body.count += 1;
        let entry = self.summary.by_kind.entry(key).or_default();
        entry.objects += 1;
        if body.count >= self.max {
            self.close(key)?;
        }
        Ok((number, index))
    }

    /// Ends the open body of `key` and renames it into place.
    fn close(&mut self, key: (ApiVersion, PayloadKind)) -> Result<(), Error> {
        let Some(mut body) = self.open.remove(&key) else {
            return Ok(());
        };
        let name = body_name(key, body.number);
        let path = self.out.join(&name);
        let end = if key.1.wrapped_in_items() {
            "\n]}\n"
        } else {
            "\n]\n"
        };
        body.file
            .write_all(end.as_bytes())
            .map_err(|e| Error::Io(path.clone(), e))?;
        persist(body.file, &path).map_err(|e| Error::Io(path.clone(), e))?;
        self.summary.bodies += 1;
        self.summary.by_kind.entry(key).or_default().bodies += 1;
        self.bodies.push(format!(
            "{{\"path\": {}, \"apiVersion\": \"{}\", \"kind\": \"{}\", \"objects\": {}}}",
            json_string(&name),
            key.0,
            key.1,
            body.count
        ));
        Ok(())
    }

    /// One line of `quarantine.jsonl`: where the object was, its findings, its text.
    fn quarantine_line(
        &mut self,
        seen: &Seen<'_>,
        (version, kind): (ApiVersion, PayloadKind),
        id: Option<&str>,
        text: &str,
    ) -> Result<(), Error> {
        let mut line = format!(
            "{{\"input\": {}, \"pointer\": {}",
            json_string(&self.input),
            json_string(seen.pointer.as_str())
        );
        if let Some(l) = seen.line {
            let _ = write!(line, ", \"line\": {l}");
        }
        if let Some(id) = id {
            let _ = write!(line, ", \"id\": {id}");
        }
        let _ = write!(
            line,
            ", \"apiVersion\": \"{version}\", \"kind\": \"{kind}\", \"findings\": ["
        );
        for (i, d) in seen.findings.iter().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            let _ = write!(
                line,
                "{{\"rule\": \"{}\", \"severity\": \"{}\", \"message\": {}, \"pointer\": {}",
                d.rule(),
                d.severity,
                json_string(&d.message),
                json_string(d.pointer.as_str())
            );
            if let Some(l) = seen.lines.get(i).copied().flatten() {
                let _ = write!(line, ", \"line\": {l}");
            }
            line.push('}');
        }
        line.push(']');
        if seen.dropped_errors > 0 {
            let _ = write!(line, ", \"droppedErrors\": {}", seen.dropped_errors);
        }
        line.push_str(", \"object\": ");
        // One line per object: JSON's whitespace between tokens may be any of these, and a
        // string holds no raw line break, so the text stays the same JSON.
        line.extend(
            text.chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
        );
        line.push_str("}\n");
        let path = self.out.join("quarantine.jsonl");
        // Made for the first object quarantined: an empty file would be one more to look at
        // (and an `invalid-json` finding when the folder is linted).
        if self.quarantine.is_none() {
            let file =
                temp_in(&self.out, "quarantine.jsonl").map_err(|e| Error::Io(path.clone(), e))?;
            self.quarantine = Some(file);
        }
        if let Some(q) = self.quarantine.as_mut() {
            q.write_all(line.as_bytes())
                .map_err(|e| Error::Io(path, e))?;
        }
        Ok(())
    }

    /// After an input's lint: its line in the manifest, and whether it was read at all.
    fn end_input(&mut self, report: &FileReport) {
        self.summary.inputs += 1;
        let c = std::mem::take(&mut self.current);
        let mut entry = format!("{{\"path\": {}", json_string(&self.input));
        if let Some((version, kind)) = c.target.or(report.api_version.zip(report.kind)) {
            let _ = write!(
                entry,
                ", \"apiVersion\": \"{version}\", \"kind\": \"{kind}\""
            );
        }
        // Nothing read: any finding that kept the file's objects out. Some read: one that
        // stopped the reading.
        let problem = report.diagnostics.iter().find(|d| {
            d.pointer.is_root()
                && if c.seen == 0 {
                    stops(d.code)
                } else {
                    d.code == &codes::IO_ERROR || d.code == &codes::INTERNAL_ERROR
                }
        });
        match (c.seen, problem) {
            (0, Some(d)) => {
                self.summary.inputs_skipped += 1;
                let _ = write!(entry, ", \"notRead\": {}", json_string(&d.message));
            }
            (_, Some(d)) => {
                self.summary.inputs_stopped += 1;
                let _ = write!(entry, ", \"stopped\": {}", json_string(&d.message));
            }
            _ => {}
        }
        let _ = write!(
            entry,
            ", \"objects\": {}, \"inBodies\": {}, \"quarantined\": {}, \"skipped\": {}}}",
            c.seen, c.in_bodies, c.quarantined, c.skipped
        );
        self.inputs.push(entry);
    }

    fn finish(mut self) -> Result<Summary, Error> {
        let keys: Vec<_> = self.open.keys().copied().collect();
        for key in keys {
            self.close(key)?;
        }
        let s = &self.summary;
        let mut tail = String::from("\n],\n\"inputs\": [");
        for (i, entry) in self.inputs.iter().enumerate() {
            tail.push_str(if i == 0 { "\n" } else { ",\n" });
            tail.push_str(entry);
        }
        tail.push_str("\n],\n\"bodies\": [");
        for (i, entry) in self.bodies.iter().enumerate() {
            tail.push_str(if i == 0 { "\n" } else { ",\n" });
            tail.push_str(entry);
        }
        let objects = s.in_bodies + s.quarantined + s.skipped;
        let _ = write!(
            tail,
            "\n],\n\"totals\": {{\"inputs\": {}, \"inputsSkipped\": {}, \"inputsStopped\": {}, \"objects\": {objects}, \"bodies\": {}, \"inBodies\": {}, \"quarantined\": {}, \"skipped\": {}}}\n}}\n",
            s.inputs, s.inputs_skipped, s.inputs_stopped, s.bodies, s.in_bodies, s.quarantined, s.skipped
        );
        let path = self.manifest_path();
        self.manifest
            .write_all(tail.as_bytes())
            .map_err(|e| Error::Io(path.clone(), e))?;
        if let Some(q) = self.quarantine.take() {
            let qpath = self.out.join("quarantine.jsonl");
            persist(q, &qpath).map_err(|e| Error::Io(qpath, e))?;
        }
        // Last: a folder without a manifest is a split that did not finish.
        persist(self.manifest, &path).map_err(|e| Error::Io(path, e))?;
        Ok(self.summary)
    }
}

/// Whether a finding of an input's report kept values out of the bodies whatever the options:
/// the file or a record could not be read, its kind cannot be told, the lint stopped. What a
/// caller shows of the report (the manifest names each value kept out, with the reason).
#[must_use]
pub fn keeps_out(d: &crate::Diagnostic) -> bool {
    stops(d.code)
}

/// A finding at the root that means the file was not read, or not to its end.
fn stops(code: &crate::RuleMeta) -> bool {
    [
        &codes::IO_ERROR,
        &codes::INVALID_JSON,
        &codes::UNKNOWN_KIND,
        &codes::INTERNAL_ERROR,
    ]
    .contains(&code)
}

/// The first finding's message, for a skipped value.
fn first_message(seen: &Seen<'_>) -> Option<String> {
    seen.findings.first().map(|d| d.message.clone())
}

/// `07.2025/orders/0001.json`.
fn body_name((version, kind): (ApiVersion, PayloadKind), number: usize) -> String {
    format!("{version}/{kind}/{number:04}.json")
}

/// The object's id as written (a JSON value): `id` for orders and refunds, `orderId` for costs.
/// The first member of that name at the object's top level; found by a scan that skips the
/// other members' values without parsing them.
fn id_of(kind: PayloadKind, text: &str) -> Option<&str> {
    let key = match kind {
        PayloadKind::Orders | PayloadKind::Refunds => "\"id\"",
        _ => "\"orderId\"",
    };
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, i)?;
        let this = text.get(i..key_end)?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let value_end = value_end(b, i)?;
        if this == key {
            return text.get(i..value_end);
        }
        i = skip_ws(b, value_end);
        match b.get(i) {
            Some(b',') => i += 1,
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// With a `"` at `i`, the index just past the closing quote.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The index just past the value starting at `i` (text the lint parsed: valid JSON).
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            while !matches!(
                b.get(i),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                i += 1;
            }
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_as_written() {
        let order =
            r#"{"lineItems": [{"id": "x"}], "note": "a \"id\": 1", "id": 200012379 , "b": 1}"#;
        assert_eq!(id_of(PayloadKind::Orders, order), Some("200012379"));
        assert_eq!(
            id_of(PayloadKind::Cogs, r#"{ "orderId" : "1\"2" }"#),
            Some(r#""1\"2""#)
        );
        assert_eq!(id_of(PayloadKind::Orders, r#"{"orderId": "1"}"#), None);
        assert_eq!(id_of(PayloadKind::Orders, "{}"), None);
        assert_eq!(id_of(PayloadKind::Orders, "[1]"), None);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(250_000), "250,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
