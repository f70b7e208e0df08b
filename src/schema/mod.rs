//! `SchemaSet`: the embedded (or overridden) JSON Schemas and per-object validation. The only
//! module that imports `jsonschema`: the embedded schemas are validators generated at build
//! time ([`generated`]), an override is compiled when the run starts.

mod generated;
mod help;
mod relabel;

pub(crate) use help::did_you_mean;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ErrorIterator, PatternOptions, ValidationError, Validator};
use serde_json::{Map, Value};

use crate::codes;
use crate::diagnostic::{describe, type_name, Anchor, Diagnostic, Dropped, Sink};
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

struct Compiled {
    check: Check,
    /// The `$defs` of the schema: parsed from the schema text the first time a finding needs
    /// them (the names, descriptions and required lists of the properties, for help).
    defs: OnceLock<Map<String, Value>>,
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

    fn defs(&self) -> &Map<String, Value> {
        self.defs.get_or_init(|| {
            serde_json::from_str::<Value>(self.text)
                .ok()
                .and_then(|mut document| match document.get_mut("$defs")?.take() {
                    Value::Object(defs) => Some(defs),
                    _ => None,
                })
                .unwrap_or_default()
        })
    }
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
            defs: OnceLock::from(defs.clone()),
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
        self.validate_bounded(
            version,
            kind,
            (object, base),
            out,
            (usize::MAX, &mut Dropped::default()),
        )
    }

    /// [`SchemaSet::validate`], keeping at most twice `limit` findings of the object (the
    /// most severe) and counting the others in `dropped` while the errors are pulled.
    pub(crate) fn validate_bounded(
        &self,
        version: ApiVersion,
        kind: PayloadKind,
        (object, base): (&Value, &Pointer),
        out: &mut Vec<Diagnostic>,
        (limit, dropped): (usize, &mut Dropped),
    ) -> Result<bool, SchemaError> {
        let compiled = self.compiled(version, kind).map_err(|e| clone_error(&e))?;
        if compiled.is_valid(object) {
            return Ok(true);
        }
        let mut findings = Vec::new();
        let mut one = Vec::new();
        let mut passes = true;
        let mut sink = Sink {
            list: &mut findings,
            max: limit,
            dropped,
        };
        for error in compiled.iter_errors(object) {
            passes &= convert(compiled, version, kind.object_def(), &error, base, &mut one);
            // Past twice the limit only counted: memory follows the limit, not the object.
            for d in one.drain(..) {
                sink.push(d);
            }
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
    // A regular file of at most 16 MiB: a FIFO or `/dev/zero` is an error, never a hang.
    crate::json::read_capped_regular(&path, 16 << 20)
        .map_err(|source| SchemaError::Io { path, source })
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

/// Where a finding is, in the schema's terms: the object definition an instance path leads to.
struct Place<'d> {
    /// The definition's name (`Order`, `LineItem`, `Tax`, ...).
    def: &'d str,
    /// The definition.
    schema: &'d Map<String, Value>,
}

impl<'d> Place<'d> {
    /// The definition of the object at `path` (relative to the top-level object, validated
    /// against `$defs/<root>`), found by walking the schema along the path: exact, where
    /// guessing from the object's keys fails on a nested object whose only key is misspelt.
    /// `None` when the path leaves the schema (a field the definition does not have).
    fn at(defs: &'d Map<String, Value>, root: &'d str, path: &Pointer) -> Option<Self> {
        let (mut def, mut schema) = (root, defs.get(root)?);
        for token in path.tokens() {
            let (name, object) = resolve(defs, def, schema)?;
            def = name;
            schema = object
                .get("properties")
                .and_then(|p| p.get(token.as_ref()))
                .or_else(|| {
                    object
                        .get("items")
                        .filter(|_| token.parse::<usize>().is_ok())
                })?;
        }
        let (def, schema) = resolve(defs, def, schema)?;
        Some(Self {
            def,
            schema: schema.as_object()?,
        })
    }

    /// The definition's property names with their descriptions.
    fn properties(&self) -> Vec<(&'d str, &'d str)> {
        properties(self.schema)
    }

    fn property(&self, name: &str) -> Option<&'d Value> {
        self.schema.get("properties")?.get(name)
    }

    fn requires(&self, name: &str) -> bool {
        self.schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|p| p.as_str() == Some(name)))
    }
}

/// Follows `$ref`s into `$defs`, and an `anyOf` whose only other branch is `null` (how an
/// optional object field is written), to the schema that describes the value.
fn resolve<'d>(
    defs: &'d Map<String, Value>,
    mut def: &'d str,
    mut schema: &'d Value,
) -> Option<(&'d str, &'d Value)> {
    // A bound, not a loop detector: the schemas nest a handful of levels.
    for _ in 0..16 {
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            def = target.strip_prefix("#/$defs/")?;
            schema = defs.get(def)?;
        } else if let Some([only]) = schema
            .get("anyOf")
            .and_then(Value::as_array)
            .map(|branches| non_null(branches).collect::<Vec<_>>())
            .as_deref()
        {
            schema = only;
        } else {
            return Some((def, schema));
        }
    }
    None
}

/// The branches of an `anyOf` other than `{"type": "null"}`.
fn non_null(branches: &[Value]) -> impl Iterator<Item = &Value> {
    branches
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
}

fn properties(schema: &Map<String, Value>) -> Vec<(&str, &str)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(k, v)| {
                    let description = v
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    (k.as_str(), description)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The properties of the definition the object at `path` was meant to be: the schema's own
/// answer where the path leads to a definition, else the definition whose properties best
/// cover the object's keys.
fn properties_at<'d>(
    defs: &'d Map<String, Value>,
    root: &'d str,
    path: &Pointer,
    object: &Map<String, Value>,
) -> Vec<(&'d str, &'d str)> {
    if let Some(place) = Place::at(defs, root, path) {
        return place.properties();
    }
    defs.values()
        .filter_map(Value::as_object)
        .map(properties)
        .max_by_key(|props| {
            object
                .keys()
                .filter(|k| props.iter().any(|(p, _)| p == k))
                .count()
        })
        .unwrap_or_default()
}

/// Whether a branch's errors say only "this is not `null`": the failure of the `null` branch of
/// an optional object field.
fn only_not_null(errors: &[ValidationError<'_>]) -> bool {
    matches!(errors, [e] if matches!(e.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(t) } if t.to_string() == "null"))
}

/// Turns one jsonschema error into findings; returns false when the object fails the schema.
fn convert(
    compiled: &Compiled,
    version: ApiVersion,
    root: &str,
    error: &ValidationError<'_>,
    base: &Pointer,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let path = Pointer::parse(error.instance_path().as_str()).unwrap_or_default();
    let at = pointer_under(base, error.instance_path().as_str());
    let instance: &Value = error.instance();
    let field = field_name(&at);
    let keyword = error.kind().keyword().to_owned();
    let defs = compiled.defs();
    let schema_finding = |message: String| Diagnostic::new(&codes::SCHEMA, at.clone(), message);
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let object = instance.as_object();
            let description = object
                .map(|o| properties_at(defs, root, &path, o))
                .and_then(|props| props.into_iter().find(|(p, _)| *p == name))
                .map(|(_, d)| first_sentence(d).to_owned());
            let mut help = match description {
                Some(d) if !d.is_empty() => format!("add `{name}`: {d}"),
                _ => format!("add `{name}`"),
            };
            if name == "refundedQuantity"
                && object.is_some_and(|o| o.get("refundQuantity").is_some_and(|v| !v.is_null()))
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
            let props = properties_at(defs, root, &path, object);
            let absent: Vec<&str> = props
                .iter()
                .map(|(p, _)| *p)
                .filter(|p| !object.contains_key(*p))
                .collect();
            for key in unexpected {
                // 12.2022 has no bundles: the `version-mismatch` rule reports that, once.
                if version.checked_as() == ApiVersion::V12_2022 && key == "bundledProducts" {
                    continue;
                }
                let mut d = Diagnostic::new(
                    &codes::UNKNOWN_FIELD,
                    at.key(key),
                    format!("unknown field `{key}`"),
                )
                .with_anchor(Anchor::Key);
                d.help = Some(match did_you_mean(key, absent.iter().copied()) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => "the API defines no such field here: remove it, or check its spelling against `klar-lint schema`".to_owned(),
                });
                out.push(d);
            }
            // Unknown fields are warnings: the object is still checked by the rules.
            true
        }
        ValidationErrorKind::Type { kind } => {
            // `null` is how an optional field is left out: not a type to offer.
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .filter(|t| t != "null")
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let article = if expected.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            let d = schema_finding(format!(
                "{field} must be {article} {expected}, found {}",
                describe(instance)
            ));
            let name = path.last();
            let parent = path.parent().and_then(|p| Place::at(defs, root, &p));
            let property = match (&parent, &name) {
                (Some(place), Some(name)) if place.property(name).is_some() => {
                    Some(help::Property {
                        def: place.def,
                        name,
                        required: place.requires(name),
                    })
                }
                _ => None,
            };
            let help = help::wrong_type(instance, &expected, article, property.as_ref());
            let mut d = d.with_help(help);
            d.fix = parent
                .as_ref()
                .zip(name.as_ref())
                .and_then(|(place, name)| {
                    help::type_fix(instance, &expected, name, place.property(name)?, &at)
                });
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
            // An optional object field is `anyOf: [{$ref}, {type: null}]`: a value that is not
            // null failed the definition, and its own errors say how.
            if let [a, b] = context.as_slice() {
                let real = match (only_not_null(a), only_not_null(b)) {
                    (false, true) => Some(a),
                    (true, false) => Some(b),
                    _ => None,
                };
                if let Some(real) = real {
                    let mut passes = true;
                    for e in real {
                        passes &= convert(compiled, version, root, e, base, out);
                    }
                    return passes;
                }
            }
            let required: Option<Vec<String>> = context
                .iter()
                .map(|branch| match branch.as_slice() {
                    [e] => match e.kind() {
                        ValidationErrorKind::Required { property } => {
                            property.as_str().map(str::to_owned)
                        }
                        // A branch that names its field and finds it `null`: left out.
                        ValidationErrorKind::Type { .. } if e.instance().is_null() => {
                            Pointer::parse(e.instance_path().as_str())
                                .ok()
                                .and_then(|p| p.last().map(std::borrow::Cow::into_owned))
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
