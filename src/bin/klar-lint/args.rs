//! The command line, declared with clap.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

/// Lint Klar data-import API payloads offline: JSON Schema plus Klar's money, bundle, date and
/// status rules, with the line and column of every finding.
#[derive(Debug, Parser)]
#[command(
    name = "klar-lint",
    version,
    args_conflicts_with_subcommands = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools)] // One field per command-line switch.
pub struct CheckArgs {
    /// Files and directories to lint (directories are walked for *.json, *.jsonl, *.ndjson and
    /// their .gz); `-` reads standard input. A folder literally named like a subcommand: write `./rules`.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Read standard input (`-`) as the file NAME: reported under NAME, its kind and version
    /// told from it, JSON Lines when it ends in `.jsonl` or `.ndjson` (`--stdin-filename orders.jsonl`).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Payload kind of every file (default: from the config's [kinds], the file name, then the content).
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub kind: KindArg,

    /// API version of every file (default: a version in the path, such as `exports/04.2024/`, then
    /// the content, then 07.2025). 04.2024 and 06.2024 are checked as 12.2022.
    #[arg(long, value_name = "VERSION", default_value = "auto")]
    pub api_version: VersionArg,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Config file (default: klar-lint.toml in the current directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore any klar-lint.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Read schemas from DIR/<version>/<kind>.schema.json instead of the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,

    /// Order exports (files or directories) read only as references for the checks across
    /// files, not reported on (repeatable; adds to `orders` in the config).
    #[arg(long, value_name = "PATH")]
    pub orders: Vec<PathBuf>,

    /// Only run these rules or categories (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE|CATEGORY")]
    pub select: Vec<String>,

    /// Do not run these rules or categories (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULE|CATEGORY")]
    pub ignore: Vec<String>,

    /// Print the recomputed revenue table after the findings (human and concise formats).
    #[arg(long)]
    pub summary: bool,

    /// Human output: show errors only, and the summary line.
    #[arg(long, short)]
    pub quiet: bool,

    /// Human output: draw at most N findings per file (the rest are counted). Machine formats
    /// always list every finding.
    #[arg(long, value_name = "N")]
    pub max_diagnostics: Option<usize>,

    /// Print the number of findings per rule, most frequent first (human and concise formats;
    /// `summary.statistics` in json).
    #[arg(long)]
    pub statistics: bool,

    /// Exit 0 even when there are findings (usage, config and internal failures still exit 2).
    #[arg(long)]
    pub exit_zero: bool,

    /// The lowest severity that makes the run exit 1 (and fails a JUnit test case).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Write the report to FILE (atomically: a temporary file beside it, renamed when complete)
    /// instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Report only findings that are not in this baseline file (see --write-baseline), and say
    /// how many of its entries no longer occur.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Record every finding of this run in FILE (file, rule, pointer and a hash of the value)
    /// and exit 0; later runs with --baseline FILE report only new findings.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Never draw the progress bar (it is drawn only on a terminal, for human and concise
    /// output, once a run takes longer than a second).
    #[arg(long)]
    pub no_progress: bool,

    /// List the JSON files left alone (not payloads, excluded, symbolic links) and why, after
    /// the report (on standard error).
    #[arg(long, short)]
    pub verbose: bool,

    /// Print the files a run would lint and those it would leave alone, with the reason, and
    /// exit without linting.
    #[arg(long)]
    pub show_files: bool,

    /// Apply the safe fixes in place (docs/fixes.md); the findings left decide the exit code.
    #[arg(long)]
    pub fix: bool,

    /// With --fix or --diff, apply the unsafe fixes too; alone, count them as fixable.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print a unified diff of what --fix would change, and write nothing (exit 1 when there is one).
    #[arg(long)]
    pub diff: bool,

    /// Colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every rule and built-in code: name, category, severity, versions, kinds, summary.
    Rules,
    /// Print a rule's documentation page, or list a category's rules.
    Explain {
        /// A rule or code name, such as `zero-date` or `schema`, or a category, such as `money`.
        rule: String,
    },
    /// Print the embedded JSON Schema of a kind and version (for editors), or write them all.
    Schema {
        /// Payload kind (default: orders, or the one kind the version is documented for).
        #[arg(long)]
        kind: Option<String>,
        /// API version.
        #[arg(long, default_value = "07.2025")]
        api_version: String,
        /// Write every schema to DIR/<version>/<kind>.schema.json instead (04.2024 and 06.2024:
        /// only the kind each is documented for).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script: `klar-lint completions bash > ~/.local/share/bash-completion/completions/klar-lint`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from these definitions: `klar-lint manpage > klar-lint.1`.
    #[command(hide = true)]
    Manpage,
    /// Cut exports into request bodies of at most `max-batch-size` objects, one folder per
    /// version and kind, with a manifest: `klar-lint split exports/ --out batches` (docs/split.md).
    Split(SplitArgs),
}

/// `klar-lint split`: what to read, where to write, and how the inputs are read (as a lint
/// reads them).
#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools)] // One field per command-line switch.
pub struct SplitArgs {
    /// Exports (files and directories, walked as a lint walks them); `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The folder for the bodies (DIR/<version>/<kind>/0001.json), manifest.json and
    /// quarantine.jsonl; created when missing, refused when not empty unless --force.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Objects per body (default: `max-batch-size` in klar-lint.toml, else 1000).
    #[arg(long, value_name = "N")]
    pub max_batch_size: Option<usize>,
    /// Keep objects with error findings out of the bodies: they go, with their findings, to
    /// DIR/quarantine.jsonl.
    #[arg(long)]
    pub valid_only: bool,
    /// Write into a folder that is not empty: the bodies, manifest and quarantine of an
    /// earlier split there are removed first (other files stay).
    #[arg(long)]
    pub force: bool,
    /// Read standard input (`-`) as the file NAME (kind, version, JSON Lines from the name).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Payload kind of every input (default: [kinds], the file name, then the content).
    #[arg(long, value_name = "KIND", default_value = "auto")]
    pub kind: KindArg,
    /// API version of every input (default: the path, then the content, then 07.2025).
    #[arg(long, value_name = "VERSION", default_value = "auto")]
    pub api_version: VersionArg,
    /// Config file (default: klar-lint.toml in the current directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any klar-lint.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Read schemas from DIR/<version>/<kind>.schema.json instead of the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Only run these rules or categories (what --valid-only judges by).
    #[arg(long, value_delimiter = ',', value_name = "RULE|CATEGORY")]
    pub select: Vec<String>,
    /// Do not run these rules or categories.
    #[arg(long, value_delimiter = ',', value_name = "RULE|CATEGORY")]
    pub ignore: Vec<String>,
    /// Never draw the progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Error findings only (the default).
    Error,
    /// Warnings too.
    Warning,
    /// Any finding.
    Info,
}

impl FailOn {
    pub fn severity(self) -> klar_lint::Severity {
        match self {
            FailOn::Error => klar_lint::Severity::Error,
            FailOn::Warning => klar_lint::Severity::Warning,
            FailOn::Info => klar_lint::Severity::Info,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Snippets with the value underlined, and help (miette).
    Human,
    /// One line per finding: path:line:column: severity[rule] message.
    Concise,
    /// One JSON document: {"files": [...], "summary": {...}}.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (github/codeql-action/upload-sarif).
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// GitLab Code Quality JSON (artifacts: reports: codequality).
    Gitlab,
    /// JUnit XML, one test case per file.
    Junit,
    /// Klar's own answer, one line per file: the body its validate endpoint would return.
    Klar,
}

impl Format {
    /// Formats read by programs: never truncated, never a progress bar.
    pub fn is_machine(self) -> bool {
        !matches!(self, Format::Human | Format::Concise)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Auto,
    Orders,
    Refunds,
    Cogs,
    LogisticsCosts,
    TransactionCosts,
}

impl KindArg {
    /// The kind it forces, if any.
    pub fn kind(self) -> Option<klar_lint::PayloadKind> {
        use klar_lint::PayloadKind;
        match self {
            KindArg::Auto => None,
            KindArg::Orders => Some(PayloadKind::Orders),
            KindArg::Refunds => Some(PayloadKind::Refunds),
            KindArg::Cogs => Some(PayloadKind::Cogs),
            KindArg::LogisticsCosts => Some(PayloadKind::LogisticsCosts),
            KindArg::TransactionCosts => Some(PayloadKind::TransactionCosts),
        }
    }
}

impl VersionArg {
    /// The version it forces, if any.
    pub fn version(self) -> Option<klar_lint::ApiVersion> {
        use klar_lint::ApiVersion;
        match self {
            VersionArg::Auto => None,
            VersionArg::V12_2022 => Some(ApiVersion::V12_2022),
            VersionArg::V04_2024 => Some(ApiVersion::V04_2024),
            VersionArg::V06_2024 => Some(ApiVersion::V06_2024),
            VersionArg::V07_2025 => Some(ApiVersion::V07_2025),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VersionArg {
    Auto,
    #[value(name = "12.2022")]
    V12_2022,
    #[value(name = "04.2024")]
    V04_2024,
    #[value(name = "06.2024")]
    V06_2024,
    #[value(name = "07.2025")]
    V07_2025,
}

/// A first word that is neither a file nor a subcommand, but close to one: `klar-lint explian`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("`{word}` is neither a file nor a subcommand")]
#[diagnostic(help("did you mean `{suggestion}`? To lint a file of that name, write `./{word}`"))]
pub struct NearSubcommand {
    word: String,
    suggestion: String,
}

/// The command line with a subcommand moved to the front, so that options may come before it
/// (`klar-lint --format json rules`): clap reads a word after lint options as a path. The
/// options before the subcommand are checked, then left out (the subcommands take none of
/// them). A first word that is not an existing path and is close to a subcommand name is an
/// error with a suggestion, not a missing file.
///
/// # Errors
/// A near miss of a subcommand name.
pub fn subcommand_first(
    command: &clap::Command,
    argv: Vec<OsString>,
) -> Result<Vec<OsString>, NearSubcommand> {
    let names: Vec<&str> = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(clap::Command::get_name)
        .chain(["help"])
        .collect();
    let takes_value = |arg: &str| {
        command.get_arguments().any(|a| {
            !a.is_positional()
                && a.get_action().takes_values()
                && (arg
                    .strip_prefix("--")
                    .is_some_and(|l| a.get_long() == Some(l))
                    || (arg.len() == 2
                        && arg.strip_prefix('-').and_then(|s| s.chars().next()) == a.get_short()))
        })
    };
    let mut i = 1;
    let first = loop {
        let Some(word) = argv.get(i) else {
            return Ok(argv);
        };
        let Some(word) = word.to_str() else {
            return Ok(argv);
        };
        if word == "--" {
            return Ok(argv);
        }
        if word.starts_with('-') && word != "-" {
            if !word.contains('=') && takes_value(word) {
                i += 1;
            }
            i += 1;
            continue;
        }
        break word;
    };
    let subcommand = command.get_subcommands().any(|c| c.get_name() == first) || first == "help";
    if subcommand {
        if i == 1 {
            return Ok(argv);
        }
        // Let clap report a bad option before the subcommand (`--format jsn rules`).
        let mut leading: Vec<OsString> = argv.iter().take(i).cloned().collect();
        leading.push("--".into());
        leading.push(".".into());
        if let Err(e) = Cli::try_parse_from(&leading) {
            e.exit();
        }
        let mut out: Vec<OsString> = argv.iter().take(1).cloned().collect();
        out.extend(argv.iter().skip(i).cloned());
        return Ok(out);
    }
    let plain_word = !first.is_empty()
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain_word && !Path::new(first).exists() {
        let best = names
            .iter()
            .map(|n| (strsim::jaro_winkler(first, n), *n))
            .filter(|(score, n)| *score > 0.85 || strsim::levenshtein(first, n) <= 2 && n.len() > 3)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, name)) = best {
            return Err(NearSubcommand {
                word: first.to_owned(),
                suggestion: name.to_owned(),
            });
        }
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    fn subcommand_first(argv: Vec<OsString>) -> Result<Vec<OsString>, NearSubcommand> {
        use clap::CommandFactory;
        super::subcommand_first(&Cli::command(), argv)
    }

    #[test]
    fn a_subcommand_after_options_moves_to_the_front() {
        assert_eq!(
            subcommand_first(argv(&["klar-lint", "--format", "json", "rules"])).unwrap(),
            argv(&["klar-lint", "rules"])
        );
        assert_eq!(
            subcommand_first(argv(&[
                "klar-lint",
                "-q",
                "--color=never",
                "explain",
                "zero-date"
            ]))
            .unwrap(),
            argv(&["klar-lint", "explain", "zero-date"])
        );
        // A value that happens to be a subcommand's name is a value.
        let as_is = argv(&["klar-lint", "-o", "rules", "a.json"]);
        assert_eq!(subcommand_first(as_is.clone()).unwrap(), as_is);
        let as_is = argv(&["klar-lint", "--", "rules"]);
        assert_eq!(subcommand_first(as_is.clone()).unwrap(), as_is);
    }

    #[test]
    fn a_near_miss_of_a_subcommand_is_an_error_with_a_suggestion() {
        let err = subcommand_first(argv(&["klar-lint", "explian", "per-unit-tax"])).unwrap_err();
        assert_eq!(err.suggestion, "explain");
        assert!(subcommand_first(argv(&["klar-lint", "rulse"])).is_err());
        assert!(subcommand_first(argv(&["klar-lint", "schmea", "--kind", "cogs"])).is_err());
        // Paths are paths.
        for ok in [
            &["klar-lint", "exports"][..],
            &["klar-lint", "./explian"],
            &["klar-lint", "orders.json"],
        ] {
            assert!(subcommand_first(argv(ok)).is_ok(), "{ok:?}");
        }
    }
}
