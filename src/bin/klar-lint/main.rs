//! The `klar-lint` binary: arguments, config, the walk, the run (`klar_lint::Run` lints in
//! parallel and hands reports over in path order), printing, and exit codes (0 clean or warnings only, 1 error findings, 2 usage/config/internal failure).

mod args;
mod baseline;
mod fix;
mod output;
mod progress;
mod signals;
mod split;
mod walk;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{CommandFactory, FromArgMatches};
use klar_lint::render::{
    render_error, Concise, Github, Gitlab, Human, HumanOptions, Json, Junit, Klar, Reporter, Sarif,
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
    // One clap command for both steps: building it is a fair share of start-up.
    let mut command = Cli::command();
    let argv = match args::subcommand_first(&command, std::env::args_os().collect()) {
        Ok(argv) => argv,
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "{}", render_error(&e, false));
            return ExitCode::from(2);
        }
    };
    let cli = match command
        .try_get_matches_from_mut(argv)
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
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
    #[diagnostic(help("{1}"))]
    UnknownRule(String, String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    #[diagnostic(help("{1}"))]
    Undocumented(String, String),
    #[error("cannot write `{0}`: {1}")]
    Io(String, std::io::Error),
    #[error("`--fix` and `--diff` need files: standard input cannot be fixed in place")]
    #[diagnostic(help("write it to a file and run `klar-lint --fix FILE`"))]
    FixStdin,
    #[error("`{0}` cannot be turned off: it reports a file that was not checked")]
    #[diagnostic(help("remove it from --ignore; the config's [rules] refuses it too"))]
    Fixed(String),
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
        Some(Command::Split(args)) => return split::run(&args, color),
        None => {}
    }
    let args = cli.check;
    let (mut config, config_path) = load_config(args.config.as_deref(), args.no_config)?;
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
    let judge = walk::Judge {
        config: linter.config(),
        kind_forced: args.kind != KindArg::Auto,
        own: walk::OwnFiles::new(
            [&args.output, &args.write_baseline, &args.baseline]
                .into_iter()
                .filter_map(Option::as_deref),
        ),
    };
    let (mut inputs, skipped) = walk::collect(&args.paths, &judge);
    if args.show_files {
        return show_files(&inputs, &skipped);
    }
    if let Some(name) = &args.stdin_filename {
        for input in &mut inputs {
            if *input == klar_lint::run::Input::Stdin {
                *input = klar_lint::run::Input::StdinAs(name.clone());
            }
        }
    }
    if (args.fix || args.diff)
        && inputs.iter().any(|i| {
            matches!(
                i,
                klar_lint::run::Input::Stdin | klar_lint::run::Input::StdinAs(_)
            )
        })
    {
        return Err(Box::new(UsageError::FixStdin));
    }
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
        Format::Klar => Box::new(Klar),
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
        linter: &linter,
        reporter: reporter.as_mut(),
        out: &mut out,
        progress: &mut progress,
        baseline: baseline.as_mut(),
        per_file_limit,
        recorded: args.write_baseline.is_some().then(Vec::new),
        internal: false,
        started: Instant::now(),
        inputs: &inputs,
        fixing: fix::Fixing {
            on: args.fix || args.diff,
            unsafe_fixes: args.unsafe_fixes,
            diff: args.diff,
            ..fix::Fixing::default()
        },
    };
    let references: Vec<PathBuf> = linter
        .config()
        .orders
        .iter()
        .chain(&args.orders)
        .cloned()
        .collect();
    // Reference order files named one by one are never skipped as "not a payload": they are
    // orders by the user's word (and reported when they are not). A folder is walked as the
    // inputs are: it may hold costs and other JSON too, but must hold some orders.
    let reference_judge = walk::Judge {
        config: linter.config(),
        kind_forced: true,
        own: walk::OwnFiles::default(),
    };
    let mut run = Run::new(&linter);
    for path in references {
        run = if path.is_dir() {
            let files = walk::collect(std::slice::from_ref(&path), &judge).0;
            run.with_order_folder(path, files)
        } else {
            run.with_orders(walk::collect(&[path], &reference_judge).0)
        };
    }
    let write_result = run.visit(&inputs, &mut printer);
    let Printer {
        recorded,
        internal,
        fixing,
        ..
    } = printer;
    let internal = internal || fixing.failed;
    let mut summary = run.into_summary();
    summary.fixes.fixed = fixing.fixed;
    summary.fixes.unsafe_enabled = args.unsafe_fixes;
    summary.config = config_path.map(|p| p.display().to_string());
    summary.skipped = skipped.len();
    progress.finish();
    if let (Some(path), Some(recorded)) = (&args.write_baseline, recorded) {
        let file = baseline::BaselineFile::new(recorded);
        output::write_file(path, file.to_json().as_bytes(), &args.paths)
            .map_err(|e| Box::new(UsageError::Io(path.display().to_string(), e)) as CliError)?;
        let _ = writeln!(
            io::stderr().lock(),
            "Wrote {} to the baseline `{}`; runs with `--baseline {}` report only new ones.",
            klar_lint::render::plural(file.findings.len(), "finding"),
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
        if args.diff {
            fixing.diff_note();
            return out.flush();
        }
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
    skipped_note(&skipped, args.verbose);
    let failing = match fail_on {
        Severity::Error => summary.errors,
        Severity::Warning => summary.errors + summary.warnings,
        Severity::Info => summary.errors + summary.warnings + summary.infos,
    };
    // `--diff`: as ruff's, 1 when there is something to fix.
    let failing = if args.diff { fixing.fixed } else { failing };
    Ok(if internal {
        ExitCode::from(2)
    } else if failing > 0 && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The config of a run and its file: `--config`, else `klar-lint.toml` in the current
/// directory or the nearest parent that has one. A parent's file is used only when it belongs
/// to the user (or root) and others cannot write it: a file planted in a shared directory such
/// as `/tmp` must not turn rules off. An untrusted one is ignored with a warning naming it.
fn load_config(
    config: Option<&Path>,
    no_config: bool,
) -> Result<(Config, Option<PathBuf>), CliError> {
    if no_config {
        return Ok((Config::default(), None));
    }
    if let Some(path) = config {
        let config = Config::from_file(path).map_err(|e| Box::new(e) as CliError)?;
        return Ok((config, Some(path.to_path_buf())));
    }
    let Ok(cwd) = std::env::current_dir() else {
        return Ok((Config::default(), None));
    };
    let Some(path) = Config::discover(&cwd) else {
        return Ok((Config::default(), None));
    };
    if path.parent() != Some(cwd.as_path()) {
        if let Some(why) = untrusted(&path) {
            let _ = writeln!(
                io::stderr().lock(),
                "warning: ignoring the config `{}`: {why}; klar-lint uses its defaults (pass `--config {}` to use it anyway)",
                path.display(),
                path.display()
            );
            return Ok((Config::default(), None));
        }
    }
    // Read and shown relative to the current directory when it is there.
    let shown = path
        .strip_prefix(&cwd)
        .map_or_else(|_| path.clone(), Path::to_path_buf);
    let config = Config::from_file(&shown).map_err(|e| Box::new(e) as CliError)?;
    Ok((config, Some(shown)))
}

/// Why a config file found in a parent directory is not trusted, if it is not.
#[cfg(unix)]
fn untrusted(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return Some(format!("cannot read its owner: {e}")),
    };
    // The user's id without `unsafe` (`getuid`): the owner of a file this process creates.
    let me = match tempfile::tempfile().and_then(|f| f.metadata()) {
        Ok(mine) => mine.uid(),
        Err(e) => return Some(format!("cannot tell who you are: {e}")),
    };
    if meta.uid() != me && meta.uid() != 0 {
        return Some(format!(
            "it belongs to another user (uid {}), not to you (uid {me}) or root",
            meta.uid()
        ));
    }
    if meta.mode() & 0o002 != 0 {
        return Some("any user can write it".to_owned());
    }
    None
}

#[cfg(not(unix))]
fn untrusted(_path: &Path) -> Option<String> {
    None
}

/// `--show-files`: what a run would lint, and what it would leave alone and why.
fn show_files(
    inputs: &[klar_lint::run::Input],
    skipped: &[walk::Skipped],
) -> Result<ExitCode, CliError> {
    use klar_lint::run::Input;
    let mut out = io::stdout().lock();
    let mut write = || -> io::Result<()> {
        for input in inputs {
            match input {
                Input::Path(p)
                | Input::Skipped { path: p, .. }
                | Input::Unreadable { path: p, .. } => {
                    writeln!(out, "{}", p.display())?;
                }
                Input::Stdin | Input::StdinAs(_) => writeln!(out, "-")?,
                Input::Bytes { .. } => {}
            }
        }
        for s in skipped {
            writeln!(out, "skipped {}: {}", s.path.display(), s.reason)?;
        }
        Ok(())
    };
    match write() {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}

/// The one line on standard error about the JSON files left alone; `--verbose` lists them.
fn skipped_note(skipped: &[walk::Skipped], verbose: bool) {
    let Some(line) = walk::note(skipped) else {
        return;
    };
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
    if verbose {
        for s in skipped {
            let _ = writeln!(err, "  skipped `{}`: {}", s.path.display(), s.reason);
        }
    }
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

/// The man page: clap_mangen's sections, but the subcommands listed in this page (clap_mangen
/// would point to `klar-lint-rules(1)` and other pages that are not installed).
fn manpage() -> Result<ExitCode, CliError> {
    let mut out = io::stdout().lock();
    match write_manpage(&mut out) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}

fn write_manpage(out: &mut dyn Write) -> io::Result<()> {
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    writeln!(out, ".SH SUBCOMMANDS")?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let args: Vec<String> = sub
            .get_positionals()
            .map(|a| a.get_id().as_str().to_uppercase())
            .collect();
        let args = if args.is_empty() {
            String::new()
        } else {
            format!(" {}", args.join(" "))
        };
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        writeln!(
            out,
            ".TP\n\\fBklar\\-lint {}\\fR{}\n{}",
            sub.get_name(),
            args.replace('-', "\\-"),
            about.replace('\\', "\\e").replace('-', "\\-")
        )?;
    }
    man.render_version_section(out)?;
    writeln!(
        out,
        ".SH SEE ALSO\n\\fBklar\\-lint rules\\fR and \\fBklar\\-lint explain\\fR \\fIRULE\\fR print the rules and their pages; docs/cli.md in the source repository"
    )
}

/// Where the run's reports go, in path order: the baseline (recorded, or applied and the
/// per-file limit after it), the reporter, the progress bar.
struct Printer<'a> {
    linter: &'a Linter,
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
    /// The run's inputs, by index (baselines key a file by its path; `--fix` rewrites them).
    inputs: &'a [klar_lint::run::Input],
    /// `--fix`, `--unsafe-fixes`, `--diff`.
    fixing: fix::Fixing,
}

impl Visitor for Printer<'_> {
    type Error = io::Error;

    fn report(&mut self, index: usize, report: &mut FileReport) -> io::Result<()> {
        self.internal |= report.has_internal_error();
        // Baselines key a file by its path's bytes, not by the name the report prints.
        // Worked out before `--fix` takes the report, and only when a baseline is in play.
        let file = (self.recorded.is_some() || self.baseline.is_some()).then(|| {
            match self.inputs.get(index) {
                Some(klar_lint::run::Input::Path(p)) => baseline::file_key(p),
                _ => baseline::file_key(Path::new(&report.path)),
            }
        });
        let file = file.unwrap_or_default();
        if let Some(recorded) = self.recorded.as_mut() {
            recorded.extend(
                report
                    .diagnostics
                    .iter()
                    .map(|d| baseline::entry(&file, report, d)),
            );
        } else {
            if let Some(klar_lint::run::Input::Path(path)) = self.inputs.get(index) {
                let (fixing, out) = (&mut self.fixing, &mut self.out);
                self.progress
                    .suspend(|| fixing.file(self.linter, path, report, *out))?;
            }
            if let Some(matcher) = self.baseline.as_mut() {
                matcher.filter(&file, report);
                report.limit(self.per_file_limit);
            }
            let (reporter, out) = (&mut self.reporter, &mut self.out);
            if !self.fixing.diff {
                self.progress.suspend(|| reporter.file(*out, report))?;
            }
        }
        self.progress.file_done(index);
        Ok(())
    }

    fn tick(&mut self) -> io::Result<()> {
        self.progress
            .tick(self.started.elapsed(), self.linter.bytes_read());
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
        let metas = resolve(name)?;
        // A code named alone is refused, as in `[rules]`; a category turns off what it can.
        if let [meta] = metas.as_slice() {
            if klar_lint::codes::is_fixed(meta) && meta.name == name.as_str() {
                return Err(Box::new(UsageError::Fixed(meta.name.to_owned())));
            }
        }
        for meta in metas {
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
        let mut metas: Vec<_> = klar_lint::rules::all_metas().collect();
        metas.sort_by_key(|m| m.name);
        let rows: Vec<[String; 6]> = metas
            .iter()
            .map(|m| {
                // The versions the rule runs on: 04.2024 and 06.2024 run 12.2022's rules.
                let run = m.run_versions();
                let versions = if run.len() == ApiVersion::ALL.len() {
                    "all".to_owned()
                } else {
                    run.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(",")
                };
                let missing: Vec<_> = PayloadKind::ALL
                    .iter()
                    .filter(|k| !m.kinds.contains(k))
                    .collect();
                let kinds = if missing.is_empty() {
                    "all".to_owned()
                } else if let ([one], true) = (missing.as_slice(), m.kinds.len() > 2) {
                    format!("all but {one}")
                } else {
                    m.kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                [
                    m.name.to_owned(),
                    m.category.to_string(),
                    m.severity.to_string(),
                    versions,
                    kinds,
                    m.summary(),
                ]
            })
            .collect();
        let header = [
            "name", "category", "severity", "versions", "kinds", "summary",
        ];
        // Each column as wide as its widest cell, so no row pushes the next column out of line.
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: [&str; 6]| {
            let mut text = String::new();
            for (cell, width) in cells.iter().zip(widths).take(5) {
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', width + 1 - cell.chars().count()));
            }
            text.push_str(cells[5]);
            text
        };
        writeln!(out, "{}", line(header))?;
        for row in &rows {
            writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
        }
        Ok(())
    };
    match write() {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}

/// `klar-lint explain money`: a category's rules, each with its summary (`--select money` and
/// `--ignore money` take the same name).
fn explain_category(category: klar_lint::Category) -> Result<ExitCode, CliError> {
    let mut metas: Vec<_> = klar_lint::rules::all_metas()
        .filter(|m| m.category == category)
        .collect();
    metas.sort_by_key(|m| m.name);
    let width = metas.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut text = format!(
        "# {category}\n\n`{category}` is a category of {}; `--select {category}` or `--ignore {category}` take them all at once:\n\n",
        klar_lint::render::plural(metas.len(), "rule")
    );
    for m in &metas {
        let row = format!("  {:<width$}  {:<7}  {}\n", m.name, m.severity, m.summary());
        text.push_str(&row);
    }
    text.push_str("\nRun `klar-lint explain <rule>` for a rule's page.\n");
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}

fn explain(name: &str) -> Result<ExitCode, CliError> {
    let Some(meta) = klar_lint::rules::find(name) else {
        // A rule first: `schema` names both a code and a category.
        if let Some(category) = klar_lint::Category::ALL
            .into_iter()
            .find(|c| c.as_str() == name)
        {
            return explain_category(category);
        }
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
