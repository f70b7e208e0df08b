//! `Config`: what a run checks and how strictly; read from `klar-lint.toml` or built in code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::diagnostic::RuleMeta;
use crate::money::Tolerance;
use crate::payload::{ApiVersion, PayloadKind};
use crate::rule::Settings;
use crate::status::StatusMapping;

// Plain data beside `Severity`, so that rules read `[rules]` (see `rule::Settings`) without
// depending on the configuration; `klar_lint::config::RuleLevel` as before.
pub use crate::diagnostic::RuleLevel;

/// The file name looked for in the current directory and its parents.
pub const CONFIG_FILE_NAME: &str = "klar-lint.toml";

/// The default request limit of every Klar POST endpoint (docs/klar-api.md §1).
pub const DEFAULT_MAX_BATCH_SIZE: usize = 1000;

/// The largest config file read, in bytes: a real one is a few hundred bytes.
pub const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

/// The longest glob accepted in `[kinds]`, `[[overrides]]` and `exclude`, in characters.
pub const MAX_GLOB_LENGTH: usize = 1000;

/// The top-level keys and tables of `klar-lint.toml`, for help texts.
const TOP_KEYS: &str = "api-version, max-batch-size, max-file-size, max-diagnostics-per-file, exclude, extend-exclude, [kinds], [rules], [[overrides]], [tolerance], [status-mapping]";

/// A problem with the configuration: the run stops with exit status 2.
///
/// The diagnostics carry no code: they are printed as the whole message of a failed run, and
/// an internal name such as `config::parse` on a line of its own told the user nothing.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    /// The config file could not be read: missing, unreadable, not a regular file, too large.
    #[error("cannot read config file `{}`: {reason}", path.display())]
    #[diagnostic(help("point --config at a klar-lint.toml file, or run with --no-config"))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why, in words.
        reason: String,
    },
    /// The config file is not valid TOML, not UTF-8, or has unknown keys or mistyped values.
    #[error("invalid config{}{}: {message}", path.as_ref().map(|p| format!(" `{}`", p.display())).unwrap_or_default(), if *line > 0 { format!(" at line {line}, column {column}") } else { String::new() })]
    #[diagnostic(help("{help}"))]
    Parse {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// The line of the problem, from 1 (0 when it has no place).
        line: usize,
        /// The column of the problem, from 1, in characters.
        column: usize,
        /// What is wrong, in one line.
        message: String,
        /// What to do.
        help: String,
    },
    /// A rule name that no rule has.
    #[error("unknown rule `{name}` in {place}")]
    #[diagnostic(help("{}", did_you_mean(name)))]
    UnknownRule {
        /// The name given.
        name: String,
        /// Where it was given.
        place: String,
    },
    /// A severity that is not error, warning, info or off.
    #[error("invalid level `{level}` for rule `{name}`")]
    #[diagnostic(help("use \"error\", \"warning\", \"info\" or \"off\""))]
    Level {
        /// The rule.
        name: String,
        /// The level given.
        level: String,
    },
    /// A code whose severity cannot be changed.
    #[error("`{name}` cannot be configured: the file was not checked")]
    #[diagnostic(help("remove it from [rules]"))]
    Fixed {
        /// The code.
        name: String,
    },
    /// A glob in `[kinds]` that does not parse, or a kind that does not exist.
    #[error("invalid [kinds] entry `{glob}`: {message}")]
    #[diagnostic(help(
        "map a glob to orders, refunds, cogs, logistics-costs or transaction-costs"
    ))]
    Kinds {
        /// The glob.
        glob: String,
        /// What is wrong.
        message: String,
    },
    /// A glob in `[[overrides]]` that does not parse.
    #[error("invalid [[overrides]] glob `{glob}`: {message}")]
    #[diagnostic(help(
        "`paths` holds globs over the paths as given, such as \"exports/legacy/**\""
    ))]
    Overrides {
        /// The glob.
        glob: String,
        /// What is wrong.
        message: String,
    },
    /// A glob in `exclude` or `extend-exclude` that does not parse.
    #[error("invalid `{key}` glob `{glob}`: {message}")]
    #[diagnostic(help(
        "globs over paths or file and folder names, such as \"exports/legacy/**\" or \"fixtures\""
    ))]
    Exclude {
        /// `exclude` or `extend-exclude`.
        key: &'static str,
        /// The glob.
        glob: String,
        /// What is wrong.
        message: String,
    },
    /// A broken schema override.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Schema(#[from] crate::schema::SchemaError),
}

fn did_you_mean(name: &str) -> String {
    let best = crate::rules::all_metas()
        .map(|m| (strsim::jaro_winkler(name, m.name), m.name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, candidate)) => {
            format!("did you mean `{candidate}`? `klar-lint rules` lists them all")
        }
        None => "`klar-lint rules` lists every rule".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct OverrideFile {
    paths: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
}

/// One `[[overrides]]` table: rule levels for the files its globs match.
#[derive(Clone, Debug)]
pub struct Override {
    /// The globs, as written.
    pub paths: Vec<String>,
    matcher: GlobSet,
    /// Levels for those files, over `[rules]`.
    pub rules: BTreeMap<&'static str, RuleLevel>,
}

impl Override {
    /// Whether the override applies to a path (a leading `./` is ignored).
    #[must_use]
    pub fn matches(&self, path: &Path) -> bool {
        self.matcher
            .is_match(path.strip_prefix("./").unwrap_or(path))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ConfigFile {
    api_version: Option<String>,
    max_batch_size: Option<usize>,
    max_file_size: Option<u64>,
    max_diagnostics_per_file: Option<usize>,
    #[serde(default)]
    kinds: BTreeMap<String, String>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    tolerance: Tolerance,
    #[serde(default)]
    status_mapping: StatusMapping,
    #[serde(default)]
    overrides: Vec<OverrideFile>,
    exclude: Option<Vec<String>>,
    #[serde(default)]
    extend_exclude: Vec<String>,
    #[serde(default)]
    orders: Vec<PathBuf>,
}

/// What a run checks and how strictly. `Config::default()` is klar-lint's defaults.
#[derive(Clone, Debug)]
pub struct Config {
    /// `--api-version`: wins over paths and content.
    pub api_version: Option<ApiVersion>,
    /// The version used when nothing tells it (`api-version` in the file; default 07.2025).
    pub default_api_version: ApiVersion,
    /// Whether `default_api_version` was set by a config file: it then wins over paths and
    /// content, so a legacy shop's 12.2022 config makes `bundledProducts` a `version-mismatch`.
    pub api_version_from_config: bool,
    /// `--kind`: wins over everything.
    pub kind: Option<PayloadKind>,
    /// `[kinds]`: globs over the path as given, each naming a kind; the first match wins.
    pub kinds: Vec<(String, GlobSet, PayloadKind)>,
    /// `[rules]`: severity overrides and rules turned off.
    pub rules: BTreeMap<&'static str, RuleLevel>,
    /// Objects one request may hold (`max-batch-size`, default 1000).
    pub max_batch_size: usize,
    /// Largest file parsed as one document, in bytes (`max-file-size`, default 512 MiB).
    /// JSON Lines files are streamed and may be of any length; each of their records is held
    /// to this limit (a longer one is an `io-error` and skipped).
    pub max_file_size: u64,
    /// Findings kept per file (`max-diagnostics-per-file`, default 1000), the most severe
    /// first; the rest are counted by severity (and still decide the exit code), so a file
    /// where every record is broken cannot exhaust memory.
    pub max_diagnostics_per_file: usize,
    /// How far recomputed money may be off (`[tolerance]`).
    pub tolerance: Tolerance,
    /// The shop's own status strings (`[status-mapping]`).
    pub status_mapping: StatusMapping,
    /// `--schemas DIR`: schema overrides.
    pub schemas_dir: Option<PathBuf>,
    /// `[[overrides]]`: rule levels per path, applied in order (the last match wins).
    pub overrides: Vec<Override>,
    /// `exclude` and `extend-exclude`: what is not linted (see [`Config::excluded`]).
    pub exclude: Exclude,
    /// `orders = [...]`: order exports read only as references for the checks across files
    /// (the CLI adds `--orders`); relative paths are taken from the config file's directory.
    pub orders: Vec<PathBuf>,
}

/// `exclude` and `extend-exclude`: globs over paths and over file and folder names; a file
/// they match is not linted, a folder they match is not walked.
#[derive(Clone, Debug)]
pub struct Exclude {
    globs: Vec<String>,
    set: GlobSet,
    defaults: bool,
}

impl Default for Exclude {
    fn default() -> Self {
        Self {
            globs: Vec::new(),
            set: GlobSet::empty(),
            defaults: true,
        }
    }
}

impl Exclude {
    /// The globs, as written.
    #[must_use]
    pub fn globs(&self) -> &[String] {
        &self.globs
    }

    /// Whether the walk skips hidden folders, `target` and `node_modules` (the default
    /// `exclude`; setting `exclude` replaces it, `extend-exclude` adds to it).
    #[must_use]
    pub fn defaults(&self) -> bool {
        self.defaults
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            api_version: None,
            default_api_version: ApiVersion::default(),
            api_version_from_config: false,
            kind: None,
            kinds: Vec::new(),
            rules: BTreeMap::new(),
            max_batch_size: DEFAULT_MAX_BATCH_SIZE,
            max_file_size: 512 * 1024 * 1024,
            max_diagnostics_per_file: 1000,
            tolerance: Tolerance::default(),
            status_mapping: StatusMapping::default(),
            schemas_dir: None,
            overrides: Vec::new(),
            exclude: Exclude::default(),
            orders: Vec::new(),
        }
    }
}

impl Config {
    /// Parses a `klar-lint.toml` document.
    ///
    /// # Errors
    /// Malformed TOML, unknown keys, unknown rules, versions, kinds or levels.
    ///
    /// ```
    /// let config = klar_lint::Config::from_toml_str(r#"
    ///     api-version = "12.2022"
    ///     [rules]
    ///     unknown-field = "off"
    ///     line-checksum = "error"
    /// "#).unwrap();
    /// assert_eq!(config.default_api_version, klar_lint::ApiVersion::V12_2022);
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Self::parse(text, None)
    }

    /// Reads a config file.
    ///
    /// # Errors
    /// As [`Config::from_toml_str`], and when the file cannot be read.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let bytes = read_config_bytes(path).map_err(|reason| ConfigError::Io {
            path: path.to_owned(),
            reason,
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let before = e.as_bytes().get(..valid).unwrap_or_default();
                let before = String::from_utf8_lossy(before);
                let (line, column) = line_column(&before, before.len());
                return Err(ConfigError::Parse {
                    path: Some(path.to_owned()),
                    line,
                    column,
                    message: "the file is not UTF-8 text".to_owned(),
                    help: "save klar-lint.toml as UTF-8, as TOML requires".to_owned(),
                });
            }
        };
        Self::parse(&text, Some(path))
    }

    /// Finds `klar-lint.toml` in `start` or one of its parents.
    #[must_use]
    pub fn discover(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|dir| dir.join(CONFIG_FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    fn parse(text: &str, path: Option<&Path>) -> Result<Self, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: path.map(Path::to_owned),
            line: 0,
            column: 0,
            message,
            help: format!("keys: {TOP_KEYS}"),
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| toml_error(&e, text, path))?;
        let mut config = Config::default();
        if let Some(version) = file.api_version {
            config.default_api_version = version.parse().map_err(parse_error)?;
            config.api_version_from_config = true;
        }
        if let Some(max) = file.max_batch_size {
            config.max_batch_size = max;
        }
        if let Some(max) = file.max_file_size {
            config.max_file_size = max;
        }
        if let Some(max) = file.max_diagnostics_per_file {
            config.max_diagnostics_per_file = max;
        }
        if let Some(globs) = &file.exclude {
            config.exclude.defaults = false;
            for glob in globs {
                config = config.with_exclude("exclude", glob)?;
            }
        }
        for glob in &file.extend_exclude {
            config = config.with_exclude("extend-exclude", glob)?;
        }
        for (glob, kind) in file.kinds {
            config = config.with_kind_glob(&glob, &kind)?;
        }
        for (name, level) in file.rules {
            let parsed = level.parse().map_err(|()| ConfigError::Level {
                name: name.clone(),
                level: level.clone(),
            })?;
            config = config.with_rule(&name, parsed)?;
        }
        config.tolerance = file.tolerance;
        config.status_mapping = file.status_mapping;
        for table in file.overrides {
            let mut rules = Vec::new();
            for (name, level) in &table.rules {
                let parsed = level.parse().map_err(|()| ConfigError::Level {
                    name: name.clone(),
                    level: level.clone(),
                })?;
                rules.push((name.as_str(), parsed));
            }
            let paths: Vec<&str> = table.paths.iter().map(String::as_str).collect();
            config = config.with_override(&paths, &rules)?;
        }
        let base = path.and_then(Path::parent).unwrap_or(Path::new(""));
        config.orders = file.orders.iter().map(|p| base.join(p)).collect();
        Ok(config)
    }

    /// Forces the payload kind of every file.
    #[must_use]
    pub fn with_kind(mut self, kind: PayloadKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Forces the API version of every file.
    #[must_use]
    pub fn with_api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// Maps a glob to a kind, as `[kinds]` does.
    ///
    /// # Errors
    /// A glob that does not parse or a kind that does not exist.
    pub fn with_kind_glob(mut self, glob: &str, kind: &str) -> Result<Self, ConfigError> {
        let kinds_error = |message: String| ConfigError::Kinds {
            glob: shorten(glob),
            message,
        };
        let kind: PayloadKind = kind.parse().map_err(kinds_error)?;
        let matcher = compile_glob(glob).map_err(kinds_error)?;
        self.kinds.push((glob.to_owned(), matcher, kind));
        Ok(self)
    }

    /// Leaves out the files and folders a glob matches, as `extend-exclude` does (`key` names
    /// the setting in errors: `exclude` or `extend-exclude`).
    ///
    /// # Errors
    /// A glob that does not parse.
    pub fn with_exclude(mut self, key: &'static str, glob: &str) -> Result<Self, ConfigError> {
        let error = |message: String| ConfigError::Exclude {
            key,
            glob: shorten(glob),
            message,
        };
        compile_glob(glob).map_err(error)?;
        self.exclude.globs.push(glob.to_owned());
        let mut builder = GlobSetBuilder::new();
        for g in &self.exclude.globs {
            builder.add(Glob::new(g).map_err(|e| error(e.to_string()))?);
        }
        self.exclude.set = builder.build().map_err(|e| error(e.to_string()))?;
        Ok(self)
    }

    /// The `exclude`/`extend-exclude` glob that leaves a path out, if one does: matched against
    /// the path as given (without a leading `./`) and against each of its file and folder
    /// names, so `fixtures` leaves out every folder of that name and `exports/old/**` one tree.
    #[must_use]
    pub fn excluded(&self, path: &Path) -> Option<&str> {
        let exclude = &self.exclude;
        if exclude.globs.is_empty() {
            return None;
        }
        let stripped = path.strip_prefix("./").unwrap_or(path);
        let mut hits = exclude.set.matches(stripped);
        if hits.is_empty() {
            for component in stripped.components() {
                if let std::path::Component::Normal(name) = component {
                    hits = exclude.set.matches(Path::new(name));
                    if !hits.is_empty() {
                        break;
                    }
                }
            }
        }
        hits.first()
            .and_then(|&i| exclude.globs.get(i))
            .map(String::as_str)
    }

    /// Sets a rule's level, as `[rules]` does.
    ///
    /// # Errors
    /// An unknown rule name, or a code that cannot be configured.
    pub fn with_rule(mut self, name: &str, level: RuleLevel) -> Result<Self, ConfigError> {
        let meta = crate::rules::find(name).ok_or_else(|| ConfigError::UnknownRule {
            name: name.to_owned(),
            place: "[rules]".to_owned(),
        })?;
        if crate::codes::is_fixed(meta) {
            return Err(ConfigError::Fixed {
                name: name.to_owned(),
            });
        }
        self.rules.insert(meta.name, level);
        Ok(self)
    }

    /// Sets the tolerance policy.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Reads schema overrides from a directory laid out like `schemas/`.
    #[must_use]
    pub fn with_schemas_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.schemas_dir = Some(dir.into());
        self
    }

    /// What rules may read of this configuration (see [`Settings`]).
    #[must_use]
    pub fn settings(&self) -> Settings<'_> {
        Settings {
            rules: &self.rules,
            tolerance: &self.tolerance,
            status_mapping: &self.status_mapping,
        }
    }

    /// The level a rule runs at under this configuration.
    #[must_use]
    pub fn level(&self, meta: &RuleMeta) -> RuleLevel {
        self.rules
            .get(meta.name)
            .copied()
            .unwrap_or(RuleLevel::On(meta.severity))
    }

    /// Sets rule levels for the files these globs match, as an `[[overrides]]` table does.
    /// Later overrides win over earlier ones, and all of them over `[rules]`.
    ///
    /// # Errors
    /// A glob that does not parse, an unknown rule, or a code that cannot be configured.
    ///
    /// ```
    /// use std::path::Path;
    /// use klar_lint::{Config, RuleLevel, Severity};
    ///
    /// let config = Config::default()
    ///     .with_override(&["exports/legacy/**"], &[("unknown-field", RuleLevel::Off)])
    ///     .unwrap();
    /// let meta = klar_lint::rules::find("unknown-field").unwrap();
    /// assert_eq!(config.level_for(meta, Path::new("exports/legacy/2019/orders.json")), RuleLevel::Off);
    /// assert_eq!(config.level_for(meta, Path::new("exports/orders.json")), RuleLevel::On(Severity::Warning));
    /// ```
    pub fn with_override(
        mut self,
        paths: &[&str],
        rules: &[(&str, RuleLevel)],
    ) -> Result<Self, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for glob in paths {
            let error = |message: String| ConfigError::Overrides {
                glob: shorten(glob),
                message,
            };
            compile_glob(glob).map_err(error)?;
            builder.add(Glob::new(glob).map_err(|e| error(e.to_string()))?);
        }
        let matcher = builder.build().map_err(|e| ConfigError::Overrides {
            glob: paths.join(", "),
            message: e.to_string(),
        })?;
        let mut levels = BTreeMap::new();
        for &(name, level) in rules {
            let meta = crate::rules::find(name).ok_or_else(|| ConfigError::UnknownRule {
                name: name.to_owned(),
                place: "[[overrides]]".to_owned(),
            })?;
            if crate::codes::is_fixed(meta) {
                return Err(ConfigError::Fixed {
                    name: name.to_owned(),
                });
            }
            levels.insert(meta.name, level);
        }
        self.overrides.push(Override {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            matcher,
            rules: levels,
        });
        Ok(self)
    }

    /// The level a rule runs at for one file: `[rules]`, then each matching `[[overrides]]`
    /// table in order.
    #[must_use]
    pub fn level_for(&self, meta: &RuleMeta, path: &Path) -> RuleLevel {
        self.configured_level_for(meta, path)
            .unwrap_or(RuleLevel::On(meta.severity))
    }

    /// The level the configuration sets for a rule on one file, if it sets one: `None` leaves
    /// each finding at the severity its rule gave it (see `Context::report_at_most`).
    #[must_use]
    pub(crate) fn configured_level_for(&self, meta: &RuleMeta, path: &Path) -> Option<RuleLevel> {
        let mut level = self.rules.get(meta.name).copied();
        for o in &self.overrides {
            if let Some(&l) = o.rules.get(meta.name) {
                if o.matches(path) {
                    level = Some(l);
                }
            }
        }
        level
    }

    /// Whether a rule runs on some file: on in `[rules]` or in an override.
    pub(crate) fn runs_somewhere(&self, meta: &RuleMeta) -> bool {
        self.level(meta) != RuleLevel::Off
            || self
                .overrides
                .iter()
                .any(|o| matches!(o.rules.get(meta.name), Some(RuleLevel::On(_))))
    }

    /// The kind `[kinds]` gives a path, if any glob matches.
    #[must_use]
    pub fn kind_for_path(&self, path: &Path) -> Option<PayloadKind> {
        let stripped = path.strip_prefix("./").unwrap_or(path);
        self.kinds
            .iter()
            .find(|(_, matcher, _)| matcher.is_match(stripped))
            .map(|&(_, _, kind)| kind)
    }
}

/// A glob for a message: at most 60 characters, so an error stays one line.
fn shorten(glob: &str) -> String {
    if glob.chars().count() <= 60 {
        return glob.to_owned();
    }
    let head: String = glob.chars().take(40).collect();
    format!("{head}…")
}

/// One glob, compiled without a panic: `Glob::compile_matcher` panics when the glob's regex
/// does not compile (`{{{…a}}}` nested a few hundred deep), a `GlobSet` returns the error.
fn compile_glob(glob: &str) -> Result<GlobSet, String> {
    let length = glob.chars().count();
    if length > MAX_GLOB_LENGTH {
        return Err(format!(
            "the glob is {length} characters long; the limit is {MAX_GLOB_LENGTH}"
        ));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for c in glob.chars() {
        match c {
            '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > 16 {
        return Err(format!(
            "`{{…}}` alternatives nested {deepest} deep; the limit is 16"
        ));
    }
    let glob = Glob::new(glob).map_err(|e| e.kind().to_string())?;
    GlobSetBuilder::new()
        .add(glob)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// Reads a config file: a regular file of at most [`MAX_CONFIG_SIZE`] bytes. A FIFO, a device
/// (`/dev/zero`) or a directory is refused before it is opened, so reading never blocks or runs
/// forever.
fn read_config_bytes(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(format!("it is {what}"));
    }
    if meta.len() > MAX_CONFIG_SIZE {
        return Err(format!(
            "it is {} bytes; a config file may hold at most {MAX_CONFIG_SIZE}",
            meta.len()
        ));
    }
    let file = open_no_block(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_CONFIG_SIZE {
        return Err(format!(
            "it grew past {MAX_CONFIG_SIZE} bytes while being read"
        ));
    }
    Ok(bytes)
}

/// Opens for reading without blocking on a FIFO swapped in after the check.
fn open_no_block(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, socket or device)",
        ));
    }
    Ok(file)
}

/// Line and column (from 1, the column in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// TOML's error, in one line with its place and a help that says what to do: did you mean for
/// unknown keys and tables, "a whole number" rather than `usize`.
fn toml_error(error: &toml::de::Error, text: &str, path: Option<&Path>) -> ConfigError {
    let span = error.span();
    let (line, column) = span.as_ref().map_or((0, 0), |s| line_column(text, s.start));
    let raw = error.message().trim().to_owned();
    let at = span
        .as_ref()
        .and_then(|s| text.get(s.clone()))
        .unwrap_or("");
    let is_table = span
        .as_ref()
        .and_then(|s| s.start.checked_sub(1))
        .and_then(|i| text.get(i..=i))
        .is_some_and(|c| c == "[");
    // The key of the line, for type errors: `max-batch-size = "1000"`.
    let key = span
        .as_ref()
        .map(|s| {
            let start = text
                .get(..s.start)
                .and_then(|b| b.rfind('\n'))
                .map_or(0, |i| i + 1);
            text.get(start..s.start).unwrap_or("")
        })
        .and_then(|prefix| prefix.split('=').next())
        .map(|k| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty() && !k.contains(['[', ' ']));
    let (message, help) = if let Some(rest) = raw.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest
            .split_once("expected one of ")
            .or_else(|| rest.split_once("expected "))
            .map(|(_, list)| list.split(", ").map(|k| k.trim_matches('`')).collect())
            .unwrap_or_default();
        let best = expected
            .iter()
            .map(|k| (strsim::jaro_winkler(name, k), *k))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let what = if is_table { "table" } else { "key" };
        let shown = if is_table {
            format!("[{name}]")
        } else {
            name.to_owned()
        };
        let known = if expected.is_empty() {
            TOP_KEYS.to_owned()
        } else {
            expected.join(", ")
        };
        let help = match best {
            Some((_, k)) if is_table => format!("did you mean `[{k}]`? known here: {known}"),
            Some((_, k)) => format!("did you mean `{k}`? known here: {known}"),
            None => format!("known here: {known}"),
        };
        (format!("unknown {what} `{shown}`"), help)
    } else if raw.starts_with("invalid type:") {
        let found = raw
            .strip_prefix("invalid type: ")
            .and_then(|r| r.split(", expected").next())
            .unwrap_or("");
        let expected = raw.rsplit("expected ").next().unwrap_or("");
        let wanted = match expected {
            e if e.starts_with('u') || e.starts_with('i') => "a whole number",
            "a sequence" => "an array",
            "a map" => "a table",
            "a string" => "a string",
            e if e.contains("decimal") || e.contains("number") => "a number",
            e => e,
        };
        let name = key.clone().unwrap_or_else(|| "the value".to_owned());
        let help = match (wanted, found.starts_with("string")) {
            ("a whole number" | "a number", true) => {
                let bare = at.trim().trim_matches('"');
                format!("write the number without quotes: `{name} = {bare}`")
            }
            _ => format!("`{name}` takes {wanted}"),
        };
        let shown = key.map_or_else(|| "a value".to_owned(), |k| format!("`{k}`"));
        let found = match found {
            "sequence" => "an array".to_owned(),
            "map" => "a table".to_owned(),
            f => format!("the {f}"),
        };
        (format!("{shown} must be {wanted}, not {found}"), help)
    } else if raw.contains("recursion") {
        (
            "arrays or tables nested too deeply".to_owned(),
            "a klar-lint.toml needs at most three levels".to_owned(),
        )
    } else {
        (
            raw.lines().next().unwrap_or("").to_owned(),
            format!("keys: {TOP_KEYS}"),
        )
    };
    ConfigError::Parse {
        path: path.map(Path::to_owned),
        line,
        column,
        message,
        help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    #[test]
    fn parses_every_section() {
        let config = Config::from_toml_str(
            r#"
            api-version = "12.2022"
            max-batch-size = 500
            [kinds]
            "exports/returns/*.json" = "refunds"
            [rules]
            unknown-field = "off"
            schema = "warning"
            [status-mapping]
            paid = ["bezahlt"]
            "#,
        )
        .unwrap();
        assert_eq!(config.default_api_version, ApiVersion::V12_2022);
        assert_eq!(config.max_batch_size, 500);
        assert_eq!(
            config.kind_for_path(Path::new("exports/returns/a.json")),
            Some(PayloadKind::Refunds)
        );
        assert_eq!(config.kind_for_path(Path::new("exports/a.json")), None);
        assert_eq!(config.level(&crate::codes::UNKNOWN_FIELD), RuleLevel::Off);
        assert_eq!(
            config.level(&crate::codes::SCHEMA),
            RuleLevel::On(Severity::Warning)
        );
        assert!(config.status_mapping.bucket("bezahlt").is_some());
    }

    #[test]
    fn overrides_apply_per_path_and_the_last_match_wins() {
        let config = Config::from_toml_str(
            r#"
            [rules]
            unknown-field = "error"
            [[overrides]]
            paths = ["exports/legacy/**", "old/*.json"]
            rules = { unknown-field = "off", schema = "warning" }
            [[overrides]]
            paths = ["exports/legacy/keep/**"]
            rules = { unknown-field = "info" }
            "#,
        )
        .unwrap();
        let field = &crate::codes::UNKNOWN_FIELD;
        let at = |p: &str| config.level_for(field, Path::new(p));
        assert_eq!(at("exports/a.json"), RuleLevel::On(Severity::Error));
        assert_eq!(at("./exports/legacy/a.json"), RuleLevel::Off);
        assert_eq!(at("old/a.json"), RuleLevel::Off);
        assert_eq!(
            at("exports/legacy/keep/a.json"),
            RuleLevel::On(Severity::Info)
        );
        assert_eq!(
            config.level_for(&crate::codes::SCHEMA, Path::new("old/b.json")),
            RuleLevel::On(Severity::Warning)
        );
        assert!(config.runs_somewhere(field));
    }

    #[test]
    fn overrides_reject_bad_globs_rules_and_keys() {
        assert!(matches!(
            Config::from_toml_str("[[overrides]]\npaths = [\"a/[\"]\n"),
            Err(ConfigError::Overrides { .. })
        ));
        assert!(matches!(
            Config::from_toml_str("[[overrides]]\npaths = [\"a\"]\nrules = { zero-dat = \"off\" }"),
            Err(ConfigError::UnknownRule { .. })
        ));
        assert!(matches!(
            Config::from_toml_str("[[overrides]]\npaths = [\"a\"]\nrules = { io-error = \"off\" }"),
            Err(ConfigError::Fixed { .. })
        ));
        assert!(matches!(
            Config::from_toml_str("[[overrides]]\nglobs = [\"a\"]"),
            Err(ConfigError::Parse { .. })
        ));
    }

    fn parse_error(text: &str) -> (usize, usize, String, String) {
        match Config::from_toml_str(text) {
            Err(ConfigError::Parse {
                line,
                column,
                message,
                help,
                ..
            }) => (line, column, message, help),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn misspelt_tables_and_keys_get_a_did_you_mean() {
        let (line, column, message, help) = parse_error("[status-maping]\npaid = [\"x\"]\n");
        assert_eq!((line, column), (1, 2));
        assert_eq!(message, "unknown table `[status-maping]`");
        assert!(
            help.starts_with("did you mean `[status-mapping]`?"),
            "{help}"
        );
        let (line, _, message, help) = parse_error("[tolerance]\nper-unt = 1\n");
        assert_eq!(line, 2);
        assert_eq!(message, "unknown key `per-unt`");
        assert!(help.starts_with("did you mean `per-unit`?"), "{help}");
    }

    #[test]
    fn a_quoted_number_says_so_in_words() {
        let (line, column, message, help) = parse_error("max-batch-size = \"1000\"\n");
        assert_eq!((line, column), (1, 18));
        assert_eq!(
            message,
            "`max-batch-size` must be a whole number, not the string \"1000\""
        );
        assert_eq!(
            help,
            "write the number without quotes: `max-batch-size = 1000`"
        );
        let err = Config::from_toml_str("max-batch-size = \"1000\"").unwrap_err();
        assert!(!err.to_string().contains("usize"), "{err}");
        assert!(miette::Diagnostic::code(&err).is_none());
    }

    #[test]
    fn deep_nesting_and_bad_globs_are_errors_not_panics() {
        let deep = format!("a = {}", "[".repeat(5000));
        let (line, _, message, _) = parse_error(&deep);
        assert_eq!(line, 1);
        assert!(message.contains("nested too deeply"), "{message}");
        let nested = format!("{}a{}", "{".repeat(3000), "}".repeat(3000));
        for glob in [nested.as_str(), "{a", "a/[", &"*".repeat(5000)] {
            assert!(matches!(
                Config::default().with_kind_glob(glob, "orders"),
                Err(ConfigError::Kinds { .. })
            ));
            assert!(Config::default().with_override(&[glob], &[]).is_err());
            assert!(Config::default().with_exclude("exclude", glob).is_err());
        }
        // Nested a few hundred deep, `Glob::compile_matcher` panicked.
        let text = format!(
            "[kinds]\n\"{}a{}\" = \"orders\"\n",
            "{".repeat(200),
            "}".repeat(200)
        );
        assert!(matches!(
            Config::from_toml_str(&text),
            Err(ConfigError::Kinds { .. })
        ));
    }

    #[test]
    fn a_config_file_must_be_a_small_regular_utf8_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::from_file(dir.path()).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
        #[cfg(unix)]
        {
            let err = Config::from_file(Path::new("/dev/zero")).unwrap_err();
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        let big = dir.path().join("big.toml");
        std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).unwrap();
        assert!(Config::from_file(&big)
            .unwrap_err()
            .to_string()
            .contains("at most"));
        let latin1 = dir.path().join("latin1.toml");
        std::fs::write(&latin1, b"# ok\na = \"\xff\"\n").unwrap();
        match Config::from_file(&latin1) {
            Err(ConfigError::Parse {
                line,
                column,
                message,
                ..
            }) => {
                assert_eq!((line, column), (2, 6));
                assert!(message.contains("not UTF-8"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exclude_matches_paths_and_names() {
        let config = Config::from_toml_str(
            "extend-exclude = [\"fixtures\", \"exports/old/**\", \"*.schema.json\"]",
        )
        .unwrap();
        assert!(config.exclude.defaults());
        assert_eq!(
            config.excluded(Path::new("a/fixtures/orders.json")),
            Some("fixtures")
        );
        assert_eq!(
            config.excluded(Path::new("./exports/old/x/orders.json")),
            Some("exports/old/**")
        );
        assert_eq!(
            config.excluded(Path::new("schemas/orders.schema.json")),
            Some("*.schema.json")
        );
        assert_eq!(config.excluded(Path::new("exports/orders.json")), None);
        let config = Config::from_toml_str("exclude = [\"vendor\"]").unwrap();
        assert!(!config.exclude.defaults());
        assert!(config.excluded(Path::new("vendor")).is_some());
    }

    #[test]
    fn unknown_rule_suggests_the_closest() {
        let err = Config::from_toml_str("[rules]\nunknown-feild = \"off\"").unwrap_err();
        assert!(matches!(err, ConfigError::UnknownRule { .. }));
        assert!(did_you_mean("unknown-feild").contains("`unknown-field`"));
    }

    #[test]
    fn rejects_bad_levels_keys_and_fixed_codes() {
        assert!(matches!(
            Config::from_toml_str("[rules]\nschema = \"loud\""),
            Err(ConfigError::Level { .. })
        ));
        assert!(matches!(
            Config::from_toml_str("colour = 1"),
            Err(ConfigError::Parse { .. })
        ));
        assert!(matches!(
            Config::from_toml_str("[rules]\ninvalid-json = \"off\""),
            Err(ConfigError::Fixed { .. })
        ));
        assert!(matches!(
            Config::from_toml_str("api-version = \"01.2020\""),
            Err(ConfigError::Parse { .. })
        ));
    }
}
