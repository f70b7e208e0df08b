//! `Config`: what a run checks and how strictly; read from `klar-lint.toml` or built in code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
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

/// A problem with the configuration: the run stops with exit status 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file `{path}`: {source}")]
    #[diagnostic(code(config::io), help("check the path given to --config"))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has unknown keys.
    #[error("invalid config{}: {message}", path.as_ref().map(|p| format!(" `{}`", p.display())).unwrap_or_default())]
    #[diagnostic(
        code(config::parse),
        help("keys: api-version, max-batch-size, max-file-size, max-diagnostics-per-file, [kinds], [rules], [[overrides]], [tolerance], [status-mapping]")
    )]
    Parse {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// TOML's own message, with its line and column.
        message: String,
    },
    /// A rule name that no rule has.
    #[error("unknown rule `{name}` in {place}")]
    #[diagnostic(code(config::unknown_rule), help("{}", did_you_mean(name)))]
    UnknownRule {
        /// The name given.
        name: String,
        /// Where it was given.
        place: String,
    },
    /// A severity that is not error, warning, info or off.
    #[error("invalid level `{level}` for rule `{name}`")]
    #[diagnostic(
        code(config::level),
        help("use \"error\", \"warning\", \"info\" or \"off\"")
    )]
    Level {
        /// The rule.
        name: String,
        /// The level given.
        level: String,
    },
    /// A code whose severity cannot be changed.
    #[error("`{name}` cannot be configured: the file was not checked")]
    #[diagnostic(code(config::fixed), help("remove it from [rules]"))]
    Fixed {
        /// The code.
        name: String,
    },
    /// A glob in `[kinds]` that does not parse, or a kind that does not exist.
    #[error("invalid [kinds] entry `{glob}`: {message}")]
    #[diagnostic(
        code(config::kinds),
        help("map a glob to orders, refunds, cogs, logistics-costs or transaction-costs")
    )]
    Kinds {
        /// The glob.
        glob: String,
        /// What is wrong.
        message: String,
    },
    /// A glob in `[[overrides]]` that does not parse.
    #[error("invalid [[overrides]] glob `{glob}`: {message}")]
    #[diagnostic(
        code(config::overrides),
        help("`paths` holds globs over the paths as given, such as \"exports/legacy/**\"")
    )]
    Overrides {
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
    pub kinds: Vec<(String, GlobMatcher, PayloadKind)>,
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
        let text =
            crate::json::read_capped_regular(path, 1 << 20).map_err(|source| ConfigError::Io {
                path: path.to_owned(),
                source,
            })?;
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
            message,
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| parse_error(e.to_string()))?;
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
            glob: glob.to_owned(),
            message,
        };
        let kind: PayloadKind = kind.parse().map_err(kinds_error)?;
        let matcher = Glob::new(glob)
            .map_err(|e| kinds_error(e.to_string()))?
            .compile_matcher();
        self.kinds.push((glob.to_owned(), matcher, kind));
        Ok(self)
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
            builder.add(Glob::new(glob).map_err(|e| ConfigError::Overrides {
                glob: (*glob).to_owned(),
                message: e.to_string(),
            })?);
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
