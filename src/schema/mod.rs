//! `SchemaSet`: the embedded (or overridden) JSON Schemas and per-object validation. The only
//! module that imports `jsonschema`: the embedded schemas are validators generated at build
//! time ([`generated`]), an override is compiled when the run starts.

mod generated;
mod relabel;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ErrorIterator, PatternOptions, ValidationError, Validator};
use serde_json::{Map, Value};

use crate::codes;
use crate::diagnostic::{describe, type_name, Anchor, Diagnostic};
use crate::json::Pointer;
use crate::payload::{ApiVersion, PayloadKind};

/// A schema that cannot be used: the run stops with exit status 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SchemaError {
    /// An override file that cannot be read.
    #[error("cannot read schema `{path}`: {source}")]
    #[diagnostic(
        code(schema::io),
        help("--schemas DIR expects DIR/<version>/<kind>.schema.json")
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A schema that is not JSON, lacks the object definition, or does not compile (including a
    /// `$ref` that is not in the file: klar-lint never fetches one).
    #[error("schema {version}/{kind} ({origin}) is unusable: {message}")]
    #[diagnostic(
        code(schema::invalid),
        help("schemas must be self-contained JSON Schema 2020-12 with `$defs/{def}`; remote `$ref`s are never fetched")
    )]
    Invalid {
        /// The version.
        version: ApiVersion,
        /// The kind.
        kind: PayloadKind,
        /// `embedded` or the override's path.
        origin: String,
        /// The `$defs` entry an object is validated against.
        def: &'static str,
        /// What is wrong.
        message: String,
    },
}

macro_rules! embedded {
    ($($version:literal => [$($kind:literal),*]),*) => {
        &[$($(($version, $kind, include_str!(concat!("../../schemas/", $version, "/", $kind, ".schema.json")))),*),*]
    };
}

/// The schemas compiled into the binary, as (version, kind, text).
static EMBEDDED: &[(&str, &str, &str)] = embedded! {
    "12.2022" => ["orders", "refunds", "cogs", "logistics-costs", "transaction-costs"],
    "07.2025" => ["orders", "refunds", "cogs", "logistics-costs", "transaction-costs"]
};

/// The schema text embedded for a version and kind. A version checked as another (04.2024 and
/// 06.2024, as 12.2022) has no file of its own: its text is that version's, with the `$id`,
/// `title` and `description` naming it (see `relabel`).
#[must_use]
pub fn embedded_text(version: ApiVersion, kind: PayloadKind) -> &'static str {
    let base = version.checked_as();
    let text = EMBEDDED
        .iter()
        .find(|(v, k, _)| *v == base.as_str() && *k == kind.as_str())
        .map_or("", |(_, _, text)| text);
    if base == version {
        text
    } else {
        relabel::relabelled(version, kind, text)
    }
}

/// Property names of each `$defs` object, with their descriptions, for did-you-mean and help.
type Defs = Vec<(String, Vec<(String, String)>)>;

struct Compiled {
    check: Check,
    /// The `$defs` properties: read from the schema text the first time a finding needs them.
    defs: OnceLock<Defs>,
    /// The embedded schema text the definitions are read from (an override fills `defs` when
    /// it is compiled).
    text: &'static str,
}

/// How objects of one version and kind are validated.
enum Check {
    /// The embedded schema, generated at build time.
    Generated(&'static generated::Generated),
    /// An override, compiled at run time.
    Compiled(Validator),
}

impl Compiled {
    fn is_valid(&self, object: &Value) -> bool {
        match &self.check {
            Check::Generated(g) => (g.is_valid)(object),
            Check::Compiled(v) => v.is_valid(object),
        }
    }

    fn iter_errors<'i>(&'i self, object: &'i Value) -> ErrorIterator<'i> {
        match &self.check {
            Check::Generated(g) => (g.iter_errors)(object),
            Check::Compiled(v) => v.iter_errors(object),
        }
    }

    fn defs(&self) -> &Defs {
        self.defs.get_or_init(|| {
            serde_json::from_str::<Value>(self.text)
                .ok()
                .and_then(|document| {
                    document
                        .get("$defs")
                        .and_then(Value::as_object)
                        .map(defs_of)
                })
                .unwrap_or_default()
        })
    }
}

/// The properties of each definition, with their descriptions.
fn defs_of(defs: &Map<String, Value>) -> Defs {
    defs.iter()
        .filter_map(|(name, def)| {
            let props = def.get("properties")?.as_object()?;
            let props = props
                .iter()
                .map(|(k, v)| {
                    let description = v
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    (k.clone(), description.to_owned())
                })
                .collect();
            Some((name.clone(), props))
        })
        .collect()
}

/// The schemas of every version and kind: an override is compiled once, on first use.
pub struct SchemaSet {
    overrides: Option<PathBuf>,
    compiled: [OnceLock<Cell>; ApiVersion::ALL.len() * PayloadKind::ALL.len()],
}

/// A schema compiled on first use, or why it cannot be.
type Cell = Result<Arc<Compiled>, Arc<SchemaError>>;

impl std::fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaSet")
            .field("overrides", &self.overrides)
            .finish_non_exhaustive()
    }
}

fn slot(version: ApiVersion, kind: PayloadKind) -> usize {
    let v = ApiVersion::ALL
        .iter()
        .position(|&x| x == version)
        .unwrap_or(0);
    let k = PayloadKind::ALL
        .iter()
        .position(|&x| x == kind)
        .unwrap_or(0);
    v * PayloadKind::ALL.len() + k
}

impl SchemaSet {
    /// The embedded schemas.
    #[must_use]
    pub fn embedded() -> Self {
        Self {
            overrides: None,
            compiled: Default::default(),
        }
    }

    /// Schemas read from `dir/<version>/<kind>.schema.json`, file by file; a file that is not
    /// there falls back to the embedded one. A version checked as another (04.2024 and 06.2024,
    /// as 12.2022) uses its own file when there is one, else the other version's schema
    /// (`dir/12.2022/<kind>.schema.json`, else the embedded 12.2022 one). Every override is compiled now, so a broken one is
    /// reported before any payload is read.
    ///
    /// # Errors
    /// An override that cannot be read, parsed or compiled.
    pub fn with_overrides(dir: &Path) -> Result<Self, SchemaError> {
        let set = Self {
            overrides: Some(dir.to_owned()),
            compiled: Default::default(),
        };
        if !dir.is_dir() {
            return Err(SchemaError::Io {
                path: dir.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
            });
        }
        for version in ApiVersion::ALL {
            for kind in PayloadKind::ALL {
                set.compiled(version, kind).map_err(|e| clone_error(&e))?;
            }
        }
        Ok(set)
    }

    /// The schema text in force for a version and kind.
    ///
    /// # Errors
    /// An override that cannot be read.
    pub fn text(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
    ) -> Result<Cow<'static, str>, SchemaError> {
        let own = self.override_path(version, kind);
        match own.or_else(|| self.override_path(version.checked_as(), kind)) {
            Some(path) => read_override(path).map(Cow::Owned),
            None => Ok(Cow::Borrowed(embedded_text(version, kind))),
        }
    }

    /// The override file for a version and kind, when there is one.
    fn override_path(&self, version: ApiVersion, kind: PayloadKind) -> Option<PathBuf> {
        self.overrides
            .as_ref()
            .map(|dir| {
                dir.join(version.as_str())
                    .join(format!("{}.schema.json", kind.as_str()))
            })
            .filter(|p| p.exists())
    }

    /// The compiled schema, borrowed: validation runs on every object, from several threads,
    /// and a shared reference costs nothing where cloning an `Arc` would make the threads
    /// fight over its counter.
    fn compiled(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
    ) -> Result<&Compiled, Arc<SchemaError>> {
        match self.cell(version, kind)? {
            Ok(compiled) => Ok(compiled),
            Err(e) => Err(Arc::clone(e)),
        }
    }

    /// The slot of a version and kind, filled on first use. A version checked as another with
    /// no override of its own shares that version's schema.
    fn cell(&self, version: ApiVersion, kind: PayloadKind) -> Result<&Cell, Arc<SchemaError>> {
        let cell = self
            .compiled
            .get(slot(version, kind))
            .ok_or_else(|| Arc::new(invalid(version, kind, "embedded".into(), "no slot".into())))?;
        Ok(cell.get_or_init(|| {
            let base = version.checked_as();
            if base != version && self.override_path(version, kind).is_none() {
                return self.cell(base, kind).and_then(Clone::clone);
            }
            self.compile(version, kind).map(Arc::new).map_err(Arc::new)
        }))
    }

    fn compile(&self, version: ApiVersion, kind: PayloadKind) -> Result<Compiled, SchemaError> {
        let Some(path) = self.override_path(version, kind) else {
            return Ok(Compiled {
                check: Check::Generated(generated::generated(version, kind)),
                defs: OnceLock::new(),
                text: embedded_text(version, kind),
            });
        };
        let origin = path.display().to_string();
        let text = read_override(path)?;
        let document: Value = serde_json::from_str(&text)
            .map_err(|e| invalid(version, kind, origin.clone(), e.to_string()))?;
        let def = kind.object_def();
        let defs = document
            .get("$defs")
            .and_then(Value::as_object)
            .filter(|defs| defs.contains_key(def))
            .ok_or_else(|| invalid(version, kind, origin.clone(), format!("no `$defs/{def}`")))?;
        // Validate one top-level object at a time: the same document, rooted at its definition.
        let mut root = Map::new();
        for key in ["$schema", "$id"] {
            if let Some(v) = document.get(key) {
                root.insert(key.to_owned(), v.clone());
            }
        }
        root.insert("$defs".to_owned(), Value::Object(defs.clone()));
        root.insert("$ref".to_owned(), Value::String(format!("#/$defs/{def}")));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .offline()
            .with_pattern_options(PatternOptions::regex())
            .build(&Value::Object(root))
            .map_err(|e| invalid(version, kind, origin, e.to_string()))?;
        Ok(Compiled {
            check: Check::Compiled(validator),
            defs: OnceLock::from(defs_of(defs)),
            text: "",
        })
    }

    /// Makes sure the schema for this version and kind compiles.
    ///
    /// # Errors
    /// When it does not.
    pub fn check(&self, version: ApiVersion, kind: PayloadKind) -> Result<(), SchemaError> {
        self.compiled(version, kind)
            .map(|_| ())
            .map_err(|e| clone_error(&e))
    }

    /// Validates one top-level object; findings go to `out` with pointers under `base`.
    /// Returns whether the object passed (rules run only on objects that did).
    ///
    /// # Errors
    /// When the schema for this version and kind is unusable.
    pub fn validate(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        object: &Value,
        base: &Pointer,
        out: &mut Vec<Diagnostic>,
    ) -> Result<bool, SchemaError> {
        let compiled = self.compiled(version, kind).map_err(|e| clone_error(&e))?;
        if compiled.is_valid(object) {
            return Ok(true);
        }
        let mut findings = Vec::new();
        let mut passes = true;
        for error in compiled.iter_errors(object) {
            passes &= convert(compiled, version, &error, base, &mut findings);
        }
        merge_root_causes(&mut findings);
        // The generated and the compiled validators find the same errors, not always in the
        // same order: a fixed order keeps the output the same whichever ran.
        findings.sort_by(|a, b| {
            (a.pointer.as_str(), a.code.name, &a.message).cmp(&(
                b.pointer.as_str(),
                b.code.name,
                &b.message,
            ))
        });
        out.extend(findings);
        Ok(passes)
    }
}

fn read_override(path: PathBuf) -> Result<String, SchemaError> {
    std::fs::read_to_string(&path).map_err(|source| SchemaError::Io { path, source })
}

fn invalid(version: ApiVersion, kind: PayloadKind, origin: String, message: String) -> SchemaError {
    SchemaError::Invalid {
        version,
        kind,
        origin,
        def: kind.object_def(),
        message,
    }
}

fn clone_error(e: &SchemaError) -> SchemaError {
    match e {
        SchemaError::Io { path, source } => SchemaError::Io {
            path: path.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        SchemaError::Invalid {
            version,
            kind,
            origin,
            def,
            message,
        } => SchemaError::Invalid {
            version: *version,
            kind: *kind,
            origin: origin.clone(),
            def,
            message: message.clone(),
        },
    }
}

/// The pointer of a jsonschema location, under `base`.
fn pointer_under(base: &Pointer, location: &str) -> Pointer {
    match Pointer::parse(location) {
        Ok(p) => {
            let mut out = base.clone();
            for token in p.tokens() {
                out.push_key(&token);
            }
            out
        }
        Err(_) => base.clone(),
    }
}

/// How a field is named in a message: `taxRate`, `lineItems[2]`, or `the object`.
pub(crate) fn field_name(pointer: &Pointer) -> String {
    let tokens: Vec<Cow<'_, str>> = pointer.tokens().collect();
    match tokens.as_slice() {
        [] => "the object".to_owned(),
        [.., parent, last] if last.parse::<usize>().is_ok() && parent.parse::<usize>().is_err() => {
            format!("`{parent}[{last}]`")
        }
        [.., last] if last.parse::<usize>().is_ok() => format!("the object at `{pointer}`"),
        [.., last] => format!("`{last}`"),
    }
}

/// `17` → `0.17`, exactly, through the decimal type.
fn percent_as_fraction(percent: &str) -> String {
    crate::money::decimal_from_literal(percent)
        .ok()
        .and_then(|d| d.checked_div(rust_decimal::Decimal::ONE_HUNDRED))
        .map_or_else(
            || "a fraction such as 0.17".to_owned(),
            |d| d.normalize().to_string(),
        )
}

fn first_sentence(text: &str) -> &str {
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    text.get(..end).unwrap_or(text).trim_end_matches('.')
}

/// The `$defs` object whose properties best cover `object`'s keys: the definition it was meant to be.
fn best_def<'c>(
    compiled: &'c Compiled,
    object: &Map<String, Value>,
) -> Option<&'c [(String, String)]> {
    compiled
        .defs()
        .iter()
        .max_by_key(|(_, props)| {
            object
                .keys()
                .filter(|k| props.iter().any(|(p, _)| p == *k))
                .count()
        })
        .map(|(_, props)| props.as_slice())
}

fn suggestion<'p>(
    unknown: &str,
    props: &'p [(String, String)],
    object: &Map<String, Value>,
) -> Option<&'p str> {
    let lower = unknown.to_ascii_lowercase();
    props
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| !object.contains_key(*p))
        .map(|p| {
            (
                strsim::normalized_damerau_levenshtein(&lower, &p.to_ascii_lowercase()),
                p,
            )
        })
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
}

/// Turns one jsonschema error into findings; returns false when the object fails the schema.
fn convert(
    compiled: &Compiled,
    version: ApiVersion,
    error: &ValidationError<'_>,
    base: &Pointer,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let at = pointer_under(base, error.instance_path().as_str());
    let instance: &Value = error.instance();
    let field = field_name(&at);
    let keyword = error.kind().keyword().to_owned();
    let schema_finding = |message: String| Diagnostic::new(&codes::SCHEMA, at.clone(), message);
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let object = instance.as_object();
            let description = object
                .and_then(|o| best_def(compiled, o))
                .and_then(|props| props.iter().find(|(p, _)| p == name))
                .map(|(_, d)| first_sentence(d).to_owned());
            let mut help = match description {
                Some(d) if !d.is_empty() => format!("add `{name}`: {d}"),
                _ => format!("add `{name}`"),
            };
            if name == "refundedQuantity"
                && object.is_some_and(|o| o.contains_key("refundQuantity"))
            {
                "`refundQuantity` (a string) is deprecated: send the number of units as `refundedQuantity`".clone_into(&mut help);
            }
            out.push(
                Diagnostic::new(&codes::SCHEMA, at.clone(), format!("missing `{name}`"))
                    .with_anchor(Anchor::Start)
                    .with_help(help),
            );
            false
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let Some(object) = instance.as_object() else {
                return false;
            };
            let props = best_def(compiled, object).unwrap_or(&[]);
            let mut fails = false;
            for key in unexpected {
                // 12.2022 has no bundles: the `version-mismatch` rule reports that, once.
                if version.checked_as() == ApiVersion::V12_2022 && key == "bundledProducts" {
                    continue;
                }
                fails = true;
                let mut d = Diagnostic::new(
                    &codes::UNKNOWN_FIELD,
                    at.key(key),
                    format!("unknown field `{key}`"),
                )
                .with_anchor(Anchor::Key);
                d.help = Some(match suggestion(key, props, object) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => "the API defines no such field here: remove it, or check its spelling against `klar-lint schema`".to_owned(),
                });
                out.push(d);
            }
            // Unknown fields are warnings: the object is still checked by the rules.
            let _ = fails;
            true
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let article = if expected.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            let mut d = schema_finding(format!(
                "{field} must be {article} {expected}, found {}",
                describe(instance)
            ));
            if let (Some(text), "number") = (instance.as_str(), expected.as_str()) {
                let trimmed = text.trim().trim_end_matches('%').trim();
                d.help = Some(if text.trim().ends_with('%') {
                    format!(
                        "send the rate as a number and a fraction: {text} is `{}`",
                        percent_as_fraction(trimmed)
                    )
                } else if trimmed.parse::<f64>().is_ok() {
                    format!("send the number without quotes: `{trimmed}`")
                } else {
                    "send a JSON number, without quotes or units".to_owned()
                });
            } else if expected == "string" && instance.is_number() {
                d.help = Some("ids and codes are strings: quote the value".to_owned());
            } else {
                d.help = Some(format!("send {article} {expected}"));
            }
            out.push(d);
            false
        }
        ValidationErrorKind::Pattern { pattern } => {
            out.push(
                schema_finding(format!(
                    "{field} must match `{pattern}`, found {}",
                    describe(instance)
                ))
                .with_help("codes are upper-case letters: `EUR`, `DEU`, `DE`"),
            );
            false
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            let required: Option<Vec<String>> = context
                .iter()
                .map(|branch| match branch.as_slice() {
                    [e] => match e.kind() {
                        ValidationErrorKind::Required { property } => {
                            property.as_str().map(str::to_owned)
                        }
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            let message = match required {
                Some(names) if !names.is_empty() => {
                    let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                    format!("missing {}", names.join(" or "))
                }
                _ => format!("{field} matches none of the allowed shapes ({keyword})"),
            };
            out.push(
                schema_finding(message)
                    .with_anchor(Anchor::Start)
                    .with_help("send at least one of them"),
            );
            false
        }
        _ => {
            let found = if instance.is_object() || instance.is_array() {
                describe(instance)
            } else {
                instance.to_string()
            };
            out.push(schema_finding(format!(
                "{field} fails `{keyword}` (found {found}, a {})",
                type_name(instance)
            )));
            false
        }
    }
}

/// One root cause, one diagnostic: a misspelt key that would have supplied a missing required
/// field absorbs the "missing" finding and takes its severity.
fn merge_root_causes(findings: &mut Vec<Diagnostic>) {
    let mut absorbed = Vec::new();
    for (i, unknown) in findings.iter().enumerate() {
        if unknown.code != &codes::UNKNOWN_FIELD {
            continue;
        }
        let Some(parent) = unknown.pointer.parent() else {
            continue;
        };
        let Some(suggested) = unknown
            .help
            .as_deref()
            .and_then(|h| h.strip_prefix("did you mean `"))
            .and_then(|h| h.strip_suffix("`?"))
        else {
            continue;
        };
        for (j, missing) in findings.iter().enumerate() {
            if missing.code == &codes::SCHEMA
                && missing.pointer == parent
                && missing.message.starts_with("missing ")
                && missing.message.contains(&format!("`{suggested}`"))
            {
                absorbed.push((i, j));
            }
        }
    }
    for &(i, _) in &absorbed {
        if let Some(d) = findings.get_mut(i) {
            d.code = &codes::SCHEMA;
            d.severity = codes::SCHEMA.severity;
            d.message.push_str(", so a required field is missing");
        }
    }
    let drop: Vec<usize> = absorbed.iter().map(|&(_, j)| j).collect();
    let mut index = 0;
    findings.retain(|_| {
        let keep = !drop.contains(&index);
        index += 1;
        keep
    });
}
