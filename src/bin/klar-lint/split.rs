//! `klar-lint split`: a thin wrapper over `klar_lint::split`. The configuration, the flags that
//! say how inputs are read and the walk are the lint's; what kept objects out of the bodies is
//! drawn on standard error as the lint draws it; the summary line goes to standard output.
//! Exit status: 0 when every object went to a body, 1 when some were quarantined or skipped
//! (or an input could not be read), 2 on usage errors.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use klar_lint::render::{Human, HumanOptions, Reporter};
use klar_lint::run::Input;
use klar_lint::split::{Options, Split};
use klar_lint::Linter;

use crate::args::{Format, KindArg, SplitArgs};
use crate::progress::{self, Progress};
use crate::{apply_selection, load_config, skipped_note, walk, CliError, UsageError};

pub fn run(args: &SplitArgs, color: bool) -> Result<ExitCode, CliError> {
    let (mut config, _) = load_config(args.config.as_deref(), args.no_config)?;
    config.kind = args.kind.kind().or(config.kind);
    config.api_version = args.api_version.version().or(config.api_version);
    if let Some(dir) = &args.schemas {
        config.schemas_dir = Some(dir.clone());
    }
    if let Some(n) = args.max_batch_size {
        config.max_batch_size = n;
    }
    apply_selection(&mut config, &args.select, &args.ignore)?;
    let linter = Linter::new(config).map_err(|e| Box::new(e) as CliError)?;
    let judge = walk::Judge {
        config: linter.config(),
        kind_forced: args.kind != KindArg::Auto,
        own: walk::OwnFiles::default(),
    };
    let (mut inputs, skipped) = walk::collect(&args.paths, &judge);
    if let Some(name) = &args.stdin_filename {
        for input in &mut inputs {
            if *input == Input::Stdin {
                *input = Input::StdinAs(name.clone());
            }
        }
    }
    refuse_inputs_inside(&args.out, &inputs)?;
    let mut split = Split::new(
        &linter,
        Options {
            out: args.out.clone(),
            valid_only: args.valid_only,
            force: args.force,
        },
    )
    .map_err(|e| Box::new(e) as CliError)?;
    let mut err = io::stderr().lock();
    if split.replaced() > 0 {
        let _ = writeln!(
            err,
            "Replacing {} of an earlier split in {}",
            klar_lint::render::plural(split.replaced(), "file"),
            args.out.display()
        );
    }
    drop(err);
    let color = color && io::stderr().is_terminal();
    let mut human = Human::new(HumanOptions {
        color,
        width: 100,
        max_diagnostics: Some(20),
        revenue: false,
        quiet: false,
        statistics: false,
    });
    let progress = Mutex::new(Progress::new(
        progress::wanted(
            Format::Human,
            io::stderr().is_terminal(),
            args.no_progress,
            std::env::var("TERM").ok().as_deref(),
        ),
        &inputs,
    ));
    let started = Instant::now();
    let done = std::sync::atomic::AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        // The lint runs on this thread (objects leave in input order); the bar ticks beside it.
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if let Ok(mut p) = progress.lock() {
                    p.tick(started.elapsed(), linter.bytes_read());
                }
            }
        });
        let result = add_all(&mut split, &inputs, &mut human, &progress);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        result
    });
    if let Ok(p) = progress.lock() {
        p.finish();
    }
    result?;
    let summary = split.finish().map_err(|e| Box::new(e) as CliError)?;
    skipped_note(&skipped, false);
    let _ = writeln!(io::stdout().lock(), "{}", summary.line(&args.out));
    Ok(if summary.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Splits every input in order, drawing the findings that kept an input's objects out.
fn add_all(
    split: &mut Split<'_>,
    inputs: &[Input],
    human: &mut Human,
    progress: &Mutex<Progress>,
) -> Result<(), CliError> {
    for (index, input) in inputs.iter().enumerate() {
        let mut report = split.add(input).map_err(|e| Box::new(e) as CliError)?;
        report.diagnostics.retain(klar_lint::split::keeps_out);
        if let Ok(mut p) = progress.lock() {
            if !report.diagnostics.is_empty() {
                p.suspend(|| {
                    let mut err = io::stderr().lock();
                    let _ = human.file(&mut err, &report);
                    let _ = err.flush();
                });
            }
            p.file_done(index);
        }
    }
    Ok(())
}

/// `--out` must not hold an input: `--force` would remove it, and bodies would be read back.
fn refuse_inputs_inside(out: &Path, inputs: &[Input]) -> Result<(), CliError> {
    let Ok(out) = out.canonicalize() else {
        return Ok(());
    };
    for input in inputs {
        let path: Option<PathBuf> = match input {
            Input::Path(p) => p.canonicalize().ok(),
            _ => None,
        };
        if let Some(path) = path.filter(|p| p.starts_with(&out)) {
            return Err(Box::new(UsageError::Invalid(format!(
                "the input `{}` is inside `--out {}`: choose another folder for the bodies",
                path.display(),
                out.display()
            ))));
        }
    }
    Ok(())
}
