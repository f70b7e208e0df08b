//! The `klar-lint` binary: arguments, config, the walk, the run (`klar_lint::Run` lints in
//! parallel and hands reports over in path order), printing, and exit codes (0 clean or warnings only, 1 error findings, 2 usage/config/internal failure).

mod args;
mod baseline;
mod output;
mod progress;
mod walk;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory, Parser};
use klar_lint::render::{
    render_error, Concise, Github, Gitlab, Human, HumanOptions, Json, Junit, Reporter, Sarif,
};
use klar_lint::run::Visitor;
use klar_lint::{
    ApiVersion, Category, Config, FileReport, Linter, PayloadKind, RuleLevel, Run, Severity,
};

use args::{Cli, Color, Command, Format, KindArg, VersionArg};
use progress::Progress;

// A parse allocates a small block for every key, string and number and frees it soon after,
// from several threads at once: mimalloc's thread-local free lists do that much faster than
// glibc's arenas (measured in bench/compare.sh; see docs/performance.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A bug in one file's lint is that file's `internal-error`, not a panic message on stderr.
    klar_lint::linter::install_panic_hook();
    cap_threads();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let color = match cli.check.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            cli.check.output.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    match run(cli, color) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "{}", render_error(e.as_ref(), color));
            ExitCode::from(2)
        }
    }
}

type CliError = Box<dyn miette::Diagnostic + Send + Sync>;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum UsageError {
    #[error("unknown rule or category `{0}`")]
    #[diagnostic(code(usage::unknown_rule), help("{1}"))]
    UnknownRule(String, String),
    #[error("{0}")]
    #[diagnostic(code(usage::invalid))]
    Invalid(String),
    #[error("{0}")]
    #[diagnostic(code(usage::undocumented), help("{1}"))]
    Undocumented(String, String),
    #[error("cannot write `{0}`: {1}")]
    #[diagnostic(code(usage::io))]
    Io(String, std::io::Error),
}

fn run(cli: Cli, color: bool) -> Result<ExitCode, CliError> {
    match cli.command {
        Some(Command::Rules) => return rules(),
        Some(Command::Explain { rule }) => return explain(&rule),
        Some(Command::Schema {
            kind,
            api_version,
            out,
        }) => return schema(kind.as_deref(), &api_version, out.as_deref()),
        Some(Command::Completions { shell }) => {
            let mut out = io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "klar-lint", &mut out);
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Manpage) => return manpage(),
        None => {}
    }
    let args = cli.check;
    let mut config = if args.no_config {
        Config::default()
    } else if let Some(path) = &args.config {
        Config::from_file(path).map_err(|e| Box::new(e) as CliError)?
    } else {
        match std::env::current_dir()
            .ok()
            .and_then(|d| Config::discover(&d))
        {
            Some(path) => Config::from_file(&path).map_err(|e| Box::new(e) as CliError)?,
            None => Config::default(),
        }
    };
    config.kind = match args.kind {
        KindArg::Auto => config.kind,
        KindArg::Orders => Some(PayloadKind::Orders),
        KindArg::Refunds => Some(PayloadKind::Refunds),
        KindArg::Cogs => Some(PayloadKind::Cogs),
        KindArg::LogisticsCosts => Some(PayloadKind::LogisticsCosts),
        KindArg::TransactionCosts => Some(PayloadKind::TransactionCosts),
    };
    config.api_version = match args.api_version {
        VersionArg::Auto => config.api_version,
        VersionArg::V12_2022 => Some(ApiVersion::V12_2022),
        VersionArg::V04_2024 => Some(ApiVersion::V04_2024),
        VersionArg::V06_2024 => Some(ApiVersion::V06_2024),
        VersionArg::V07_2025 => Some(ApiVersion::V07_2025),
    };
    if let Some(dir) = &args.schemas {
        config.schemas_dir = Some(dir.clone());
    }
    apply_selection(&mut config, &args.select, &args.ignore)?;
    let mut baseline = match &args.baseline {
        Some(path) => Some(read_baseline(path)?),
        None => None,
    };
    // A baseline records every finding, and is applied before the per-file limit: otherwise
    // findings past the limit could never be recorded, and would fail every later run.
    let per_file_limit = config.max_diagnostics_per_file;
    if baseline.is_some() || args.write_baseline.is_some() {
        config.max_diagnostics_per_file = usize::MAX;
    }
    let linter = Linter::new(config).map_err(|e| Box::new(e) as CliError)?;

    if args.paths.len() > 1 || args.paths.iter().any(|p| p.is_dir()) {
        // Several files to come: the pool's threads start while the walk runs (a single file
        // is linted on this thread, with no pool).
        rayon::spawn(|| {});
    }
    let inputs = walk::collect(&args.paths);
    let fail_on = args.fail_on.severity();
    let mut reporter: Box<dyn Reporter> = match args.format {
        Format::Human => Box::new(Human::new(HumanOptions {
            color,
            width: 100,
            max_diagnostics: args.max_diagnostics,
            revenue: args.summary,
            quiet: args.quiet,
            statistics: args.statistics,
        })),
        Format::Concise => Box::new(Concise::default().with_statistics(args.statistics)),
        Format::Json => Box::new(Json::default().with_statistics(args.statistics)),
        Format::Sarif => Box::new(Sarif::default()),
        Format::Github => Box::new(Github),
        Format::Gitlab => Box::new(Gitlab::default()),
        Format::Junit => Box::new(Junit::new(fail_on)),
    };
    let mut out = Output::open(args.output.as_deref(), &args.paths)?;
    let mut progress = Progress::new(
        progress::wanted(
            args.format,
            io::stderr().is_terminal(),
            args.no_progress,
            std::env::var("TERM").ok().as_deref(),
        ),
        &inputs,
    );
    let mut printer = Printer {
        reporter: reporter.as_mut(),
        out: &mut out,
        progress: &mut progress,
        baseline: baseline.as_mut(),
        per_file_limit,
        recorded: args.write_baseline.is_some().then(Vec::new),
        internal: false,
        started: Instant::now(),
    };
    let mut run = Run::new(&linter);
    let write_result = run.visit(&inputs, &mut printer);
    let Printer {
        recorded, internal, ..
    } = printer;
    let mut summary = run.into_summary();
    progress.finish();
    if let (Some(path), Some(recorded)) = (&args.write_baseline, recorded) {
        let file = baseline::BaselineFile::new(recorded);
        output::write_file(path, file.to_json().as_bytes(), &args.paths)
            .map_err(|e| Box::new(UsageError::Io(path.display().to_string(), e)) as CliError)?;
        let _ = writeln!(
            io::stderr().lock(),
            "Wrote {} findings to the baseline `{}`; runs with `--baseline {}` report only new ones.",
            file.findings.len(),
            path.display(),
            path.display()
        );
        return Ok(if internal {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }
    summary.baseline = baseline.as_ref().map(baseline::Matcher::counts);
    let finish = write_result.and_then(|()| {
        reporter.finish(&mut out, &summary)?;
        if args.summary && args.format == Format::Concise {
            klar_lint::render::revenue_table(&mut out, &summary.revenue)?;
        }
        out.flush()
    });
    // The process ends here: freeing the compiled schemas would be a tenth of a one-file run.
    std::mem::forget(linter);
    let name = out.name();
    match finish {
        Ok(()) => out
            .commit()
            .map_err(|e| Box::new(UsageError::Io(name, e)) as CliError)?,
        Err(e) if is_broken_pipe(&e) => {}
        Err(e) => return Err(Box::new(UsageError::Io(name, e))),
    }
    if let (Some(counts), false) = (summary.baseline, args.format == Format::Json) {
        baseline_note(counts);
    }
    let failing = match fail_on {
        Severity::Error => summary.errors,
        Severity::Warning => summary.errors + summary.warnings,
        Severity::Info => summary.errors + summary.warnings + summary.infos,
    };
    Ok(if internal {
        ExitCode::from(2)
    } else if failing > 0 && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The stderr note of a run with `--baseline` (json has it in `summary.baseline`).
fn baseline_note(counts: klar_lint::render::BaselineCounts) {
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "note: the baseline left out {} known finding{}",
        counts.suppressed,
        if counts.suppressed == 1 { "" } else { "s" }
    );
    if counts.stale > 0 {
        let _ = writeln!(
            err,
            "note: {} baseline entr{} no longer occur{} (fixed since): refresh it with --write-baseline",
            counts.stale,
            if counts.stale == 1 { "y" } else { "ies" },
            if counts.stale == 1 { "s" } else { "" }
        );
    }
}

fn read_baseline(path: &Path) -> Result<baseline::Matcher, CliError> {
    // A regular file of at most 1 GiB: a FIFO or `/dev/zero` is an error, never a hang.
    let text = klar_lint::json::read_capped_regular(path, 1 << 30).map_err(|e| {
        Box::new(UsageError::Invalid(format!(
            "cannot read the baseline `{}`: {e}",
            path.display()
        ))) as CliError
    })?;
    // An editor's byte order mark is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let file = baseline::BaselineFile::parse(text).map_err(|e| {
        Box::new(UsageError::Invalid(format!(
            "`{}` is not a klar-lint baseline: {e}",
            path.display()
        ))) as CliError
    })?;
    Ok(baseline::Matcher::new(file))
}

/// Whether the reader went away (`| head`): quiet in every format, also when the error came
/// back wrapped by serde_json (JSON, SARIF, GitLab).
fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<serde_json::Error>())
            .and_then(serde_json::Error::io_error_kind)
            == Some(io::ErrorKind::BrokenPipe)
}

/// The most threads `RAYON_NUM_THREADS` may ask for: a million would exhaust memory or the
/// process's thread limit before the first file.
const MAX_THREADS: usize = 64;

/// Caps `RAYON_NUM_THREADS` at [`MAX_THREADS`] (a value rayon cannot read is left to rayon).
fn cap_threads() {
    let wanted = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok());
    if wanted.is_some_and(|n| n > MAX_THREADS) {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(MAX_THREADS)
            .build_global();
    }
}

/// Where the report goes: standard output, or `--output FILE` through a temporary file that is
/// renamed over FILE only when the report is complete.
enum Output {
    Stdout(io::StdoutLock<'static>),
    File(output::Target),
}

impl Output {
    fn open(path: Option<&Path>, inputs: &[PathBuf]) -> Result<Self, CliError> {
        let Some(path) = path else {
            return Ok(Output::Stdout(io::stdout().lock()));
        };
        output::Target::open(path, inputs)
            .map(Output::File)
            .map_err(|e| Box::new(UsageError::Io(path.display().to_string(), e)) as CliError)
    }

    fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "standard output".to_owned(),
            Output::File(target) => target.path.display().to_string(),
        }
    }

    /// Renames the finished report into place.
    fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout(_) => Ok(()),
            Output::File(target) => target.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File(target) => target.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File(target) => target.flush(),
        }
    }
}

fn manpage() -> Result<ExitCode, CliError> {
    let mut out = io::stdout().lock();
    match clap_mangen::Man::new(Cli::command()).render(&mut out) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}

/// Where the run's reports go, in path order: the baseline (recorded, or applied and the
/// per-file limit after it), the reporter, the progress bar.
struct Printer<'a> {
    reporter: &'a mut dyn Reporter,
    out: &'a mut Output,
    progress: &'a mut Progress,
    baseline: Option<&'a mut baseline::Matcher>,
    per_file_limit: usize,
    /// `--write-baseline`: every finding, recorded instead of printed.
    recorded: Option<Vec<baseline::Entry>>,
    /// Whether klar-lint failed on a file (exit 2).
    internal: bool,
    started: Instant,
}

impl Visitor for Printer<'_> {
    type Error = io::Error;

    fn report(&mut self, index: usize, report: &mut FileReport) -> io::Result<()> {
        self.internal |= report.has_internal_error();
        if let Some(recorded) = self.recorded.as_mut() {
            recorded.extend(
                report
                    .diagnostics
                    .iter()
                    .map(|d| baseline::entry(report, d)),
            );
        } else {
            if let Some(matcher) = self.baseline.as_mut() {
                matcher.filter(report);
                report.limit(self.per_file_limit);
            }
            let (reporter, out) = (&mut self.reporter, &mut self.out);
            self.progress.suspend(|| reporter.file(*out, report))?;
        }
        self.progress.file_done(index);
        Ok(())
    }

    fn tick(&mut self) -> io::Result<()> {
        self.progress.tick(self.started.elapsed());
        Ok(())
    }
}

/// Turns a rule off for every file: in `[rules]` and in each `[[overrides]]` table, so the
/// command line wins over the config.
fn turn_off(config: &mut Config, meta: &'static klar_lint::RuleMeta) {
    config.rules.insert(meta.name, RuleLevel::Off);
    for o in &mut config.overrides {
        o.rules.remove(meta.name);
    }
}

/// `--select` keeps only the named rules and categories; `--ignore` turns them off.
fn apply_selection(
    config: &mut Config,
    select: &[String],
    ignore: &[String],
) -> Result<(), CliError> {
    let resolve = |name: &str| -> Result<Vec<&'static klar_lint::RuleMeta>, CliError> {
        if let Some(category) = Category::ALL.iter().find(|c| c.as_str() == name) {
            return Ok(klar_lint::rules::all_metas()
                .filter(|m| m.category == *category)
                .collect());
        }
        klar_lint::rules::find(name).map(|m| vec![m]).ok_or_else(|| {
            let best = klar_lint::rules::all_metas()
                .map(|m| (strsim::jaro_winkler(name, m.name), m.name))
                .filter(|(s, _)| *s > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let help = best.map_or_else(
                || "`klar-lint rules` lists every rule; categories: schema, money, integrity, dates, mapping, limits, compat, tool".to_owned(),
                |(_, n)| format!("did you mean `{n}`?"),
            );
            Box::new(UsageError::UnknownRule(name.to_owned(), help)) as CliError
        })
    };
    if !select.is_empty() {
        let mut keep = Vec::new();
        for name in select {
            keep.extend(resolve(name)?);
        }
        for meta in klar_lint::rules::all_metas() {
            if !keep.contains(&meta) && !klar_lint::codes::is_fixed(meta) {
                turn_off(config, meta);
            }
        }
    }
    for name in ignore {
        for meta in resolve(name)? {
            if !klar_lint::codes::is_fixed(meta) {
                turn_off(config, meta);
            }
        }
    }
    Ok(())
}

fn rules() -> Result<ExitCode, CliError> {
    let mut out = io::stdout().lock();
    let mut write = || -> io::Result<()> {
        writeln!(
            out,
            "{:<26} {:<10} {:<8} {:<24} {:<34} summary",
            "name", "category", "severity", "versions", "kinds"
        )?;
        let mut metas: Vec<_> = klar_lint::rules::all_metas().collect();
        metas.sort_by_key(|m| m.name);
        for m in metas {
            // The versions the rule runs on: 04.2024 and 06.2024 run 12.2022's rules.
            let run = m.run_versions();
            let versions = if run.len() == ApiVersion::ALL.len() {
                "all".to_owned()
            } else {
                run.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(",")
            };
            let kinds = if m.kinds.len() == PayloadKind::ALL.len() {
                "all".to_owned()
            } else {
                m.kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            writeln!(
                out,
                "{:<26} {:<10} {:<8} {:<24} {:<34} {}",
                m.name,
                m.category,
                m.severity,
                versions,
                kinds,
                m.summary()
            )?;
        }
        Ok(())
    };
    match write() {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}

fn explain(name: &str) -> Result<ExitCode, CliError> {
    let Some(meta) = klar_lint::rules::find(name) else {
        let best = klar_lint::rules::all_metas()
            .map(|m| (strsim::jaro_winkler(name, m.name), m.name))
            .filter(|(s, _)| *s > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let help = best.map_or_else(
            || "`klar-lint rules` lists every rule".to_owned(),
            |(_, n)| format!("did you mean `{n}`?"),
        );
        return Err(Box::new(UsageError::UnknownRule(name.to_owned(), help)));
    };
    let mut out = io::stdout().lock();
    let text = format!(
        "# {}\n\ncategory: {} · default severity: {} · versions: {} · kinds: {}\n\n{}",
        meta.name,
        meta.category,
        meta.severity,
        meta.run_versions()
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        meta.kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        meta.page()
    );
    match out.write_all(text.as_bytes()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}

fn schema(
    kind: Option<&str>,
    version: &str,
    out_dir: Option<&std::path::Path>,
) -> Result<ExitCode, CliError> {
    if let Some(dir) = out_dir {
        // Every version and the kinds Klar documents under it: 04.2024 and 06.2024 get one file
        // each. A file for `04.2024/orders` would present an endpoint Klar does not document as
        // one; `--schemas DIR` finds 04.2024 orders under DIR/12.2022, the schema they are
        // checked with.
        for v in ApiVersion::ALL {
            for &k in v.documented_kinds() {
                let folder = dir.join(v.as_str());
                let path = folder.join(format!("{}.schema.json", k.as_str()));
                std::fs::create_dir_all(&folder)
                    .and_then(|()| {
                        output::write_file(
                            &path,
                            klar_lint::schema::embedded_text(v, k).as_bytes(),
                            &[],
                        )
                    })
                    .map_err(|e| {
                        Box::new(UsageError::Io(path.display().to_string(), e)) as CliError
                    })?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let version: ApiVersion = version
        .parse()
        .map_err(|e: String| Box::new(UsageError::Invalid(e)) as CliError)?;
    let kind: PayloadKind = match (kind, version.documented_kinds()) {
        (Some(kind), _) => kind
            .parse()
            .map_err(|e: String| Box::new(UsageError::Invalid(e)) as CliError)?,
        (None, &[only]) => only,
        (None, _) => PayloadKind::Orders,
    };
    if !version.documents(kind) {
        let documented: Vec<&str> = version
            .documented_kinds()
            .iter()
            .map(|k| k.as_str())
            .collect();
        let base = version.checked_as();
        return Err(Box::new(UsageError::Undocumented(
            format!(
                "API version {version} is documented only for {}, not for {kind}",
                documented.join(" and ")
            ),
            format!(
                "klar-lint checks {kind} under {version} as {base}: `klar-lint schema --api-version {base} --kind {kind}` prints that schema"
            ),
        )));
    }
    let mut out = io::stdout().lock();
    match out.write_all(klar_lint::schema::embedded_text(version, kind).as_bytes()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}
