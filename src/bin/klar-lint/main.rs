//! The `klar-lint` binary: arguments, config, the walk, parallel linting with ordered output,
//! and exit codes (0 clean or warnings only, 1 error findings, 2 usage/config/internal failure).

mod args;
mod walk;

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::mpsc;

use clap::Parser;
use klar_lint::render::{render_error, Concise, Human, HumanOptions, Json, Reporter, Summary};
use klar_lint::{ApiVersion, Category, Config, FileReport, Linter, PayloadKind, RuleLevel};
use rayon::prelude::*;

use args::{Cli, Color, Command, Format, KindArg, VersionArg};
use walk::Input;

// A parse allocates a small block for every key, string and number and frees it soon after,
// from several threads at once: mimalloc's thread-local free lists do that much faster than
// glibc's arenas (measured in bench/compare.sh; see the README's Performance section).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
        }) => return schema(&kind, &api_version, out.as_deref()),
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
        VersionArg::V07_2025 => Some(ApiVersion::V07_2025),
    };
    if let Some(dir) = &args.schemas {
        config.schemas_dir = Some(dir.clone());
    }
    apply_selection(&mut config, &args.select, &args.ignore)?;
    let linter = Linter::new(config).map_err(|e| Box::new(e) as CliError)?;

    let inputs = walk::collect(&args.paths);
    let mut reporter: Box<dyn Reporter> = match args.format {
        Format::Human => Box::new(Human::new(HumanOptions {
            color,
            width: 100,
            max_diagnostics: args.max_diagnostics,
            revenue: args.summary,
            quiet: args.quiet,
        })),
        Format::Concise => Box::new(Concise),
        Format::Json => Box::new(Json::default()),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut summary = Summary::default();
    let mut internal = false;
    let (tx, rx) = mpsc::sync_channel::<(usize, FileReport)>(64);
    let linter_ref = &linter;
    let inputs_ref = &inputs;
    let write_result = std::thread::scope(|scope| -> io::Result<()> {
        if let [input] = inputs_ref.as_slice() {
            // One file (a pre-commit hook, a start-up) is linted right here: starting threads
            // costs more than checking a small file. A big one gets the pool from the linter.
            let _ = tx.send((0, lint_input(linter_ref, input)));
            drop(tx);
        } else {
            scope.spawn(move || {
                inputs_ref
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, input)| {
                        let _ = tx.send((i, lint_input(linter_ref, input)));
                    });
            });
        }
        // Reports arrive in any order and are printed in path order; a small buffer holds the early ones.
        let mut pending = BTreeMap::new();
        let mut next = 0;
        for (i, report) in rx {
            pending.insert(i, report);
            while let Some(report) = pending.remove(&next) {
                internal |= report.has_internal_error();
                summary.add(&report);
                reporter.file(&mut out, &report)?;
                next += 1;
            }
        }
        Ok(())
    });
    let finish = write_result.and_then(|()| {
        reporter.finish(&mut out, &summary)?;
        if args.summary && args.format == Format::Concise {
            klar_lint::render::revenue_table(&mut out, &summary.revenue)?;
        }
        out.flush()
    });
    // The process ends here: freeing the compiled schemas would be a tenth of a one-file run.
    std::mem::forget(linter);
    if let Err(e) = finish {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(Box::new(UsageError::Io("standard output".into(), e)));
        }
    }
    Ok(if internal {
        ExitCode::from(2)
    } else if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn lint_input(linter: &Linter, input: &Input) -> FileReport {
    match input {
        Input::File(path) => linter.lint_path(path),
        Input::Stdin => {
            let mut bytes = Vec::new();
            match io::stdin().lock().read_to_end(&mut bytes) {
                Ok(_) => linter.lint_bytes("-", &bytes),
                Err(e) => linter.lint_path(std::path::Path::new(&format!("<stdin: {e}>"))),
            }
        }
        Input::Unreadable(path, why) => {
            let mut report = linter.lint_path(std::path::Path::new("\0"));
            report.path = path.display().to_string();
            if let Some(d) = report.diagnostics.first_mut() {
                d.message = format!("cannot read `{}`: {why}", path.display());
            }
            report
        }
        Input::Skipped(path, why) => {
            let mut report = linter.lint_path(std::path::Path::new("\0"));
            report.path = path.display().to_string();
            if let Some(d) = report.diagnostics.first_mut() {
                d.message = format!("skipped `{}`: {why}", path.display());
                d.severity = klar_lint::Severity::Warning;
                d.help = Some("directories are walked for regular files only".to_owned());
            }
            report
        }
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
                config.rules.insert(meta.name, RuleLevel::Off);
            }
        }
    }
    for name in ignore {
        for meta in resolve(name)? {
            if !klar_lint::codes::is_fixed(meta) {
                config.rules.insert(meta.name, RuleLevel::Off);
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
            "{:<26} {:<10} {:<8} {:<16} {:<34} summary",
            "name", "category", "severity", "versions", "kinds"
        )?;
        let mut metas: Vec<_> = klar_lint::rules::all_metas().collect();
        metas.sort_by_key(|m| m.name);
        for m in metas {
            let versions = if m.versions.len() == ApiVersion::ALL.len() {
                "all".to_owned()
            } else {
                m.versions
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
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
                "{:<26} {:<10} {:<8} {:<16} {:<34} {}",
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
        meta.versions
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
    kind: &str,
    version: &str,
    out_dir: Option<&std::path::Path>,
) -> Result<ExitCode, CliError> {
    if let Some(dir) = out_dir {
        for v in ApiVersion::ALL {
            for k in PayloadKind::ALL {
                let folder = dir.join(v.as_str());
                let path = folder.join(format!("{}.schema.json", k.as_str()));
                std::fs::create_dir_all(&folder)
                    .and_then(|()| std::fs::write(&path, klar_lint::schema::embedded_text(v, k)))
                    .map_err(|e| {
                        Box::new(UsageError::Io(path.display().to_string(), e)) as CliError
                    })?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let kind: PayloadKind = kind
        .parse()
        .map_err(|e: String| Box::new(UsageError::Invalid(e)) as CliError)?;
    let version: ApiVersion = version
        .parse()
        .map_err(|e: String| Box::new(UsageError::Invalid(e)) as CliError)?;
    let mut out = io::stdout().lock();
    match out.write_all(klar_lint::schema::embedded_text(version, kind).as_bytes()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Box::new(UsageError::Io("standard output".into(), e))),
    }
}
