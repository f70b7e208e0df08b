//! The `klar_lint._native` Python extension module (cargo feature `python`, built by maturin).
//!
//! A thin layer over [`Linter`]: it builds one from a `klar-lint.toml` text, lints with the GIL
//! released (so Python threads lint in parallel), and hands each report over as the JSON value
//! `--format json` gives a file. The Python package (`python/klar_lint/__init__.py`) turns that
//! into typed, picklable objects with `decimal.Decimal` money, and rebuilds a linter from its
//! arguments on unpickling.

use std::io::{self, BufRead, Read};
use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyIterator, PyString};

use crate::render::{Json, Klar};
use crate::{ApiVersion, Config, FileReport, Linter, PayloadKind};

/// A linter shared by Python threads: `Linter` is `Send + Sync`.
#[pyclass(frozen, name = "NativeLinter", module = "klar_lint._native")]
struct NativeLinter {
    inner: Linter,
}

/// One file's report as JSON text, and Klar's answer for it (`--format klar`) when asked.
fn to_json(report: &FileReport, klar: bool) -> (String, Option<String>) {
    let json = Json::file_value(report).to_string();
    let klar = klar.then(|| Klar::body(report).to_string());
    (json, klar)
}

// pyo3 hands arguments over as owned values (a `str` is copied under the limited API anyway).
#[allow(clippy::needless_pass_by_value)]
#[pymethods]
impl NativeLinter {
    #[new]
    #[pyo3(signature = (config=None, kind=None, api_version=None))]
    fn new(config: Option<&str>, kind: Option<&str>, api_version: Option<&str>) -> PyResult<Self> {
        let mut cfg = match config {
            Some(text) => Config::from_toml_str(text)
                .map_err(|e| PyValueError::new_err(format!("klar-lint.toml: {e}")))?,
            None => Config::default(),
        };
        if let Some(kind) = kind.filter(|k| *k != "auto") {
            let kind: PayloadKind = kind.parse().map_err(PyValueError::new_err)?;
            cfg = cfg.with_kind(kind);
        }
        if let Some(version) = api_version.filter(|v| *v != "auto") {
            let version: ApiVersion = version.parse().map_err(PyValueError::new_err)?;
            cfg = cfg.with_api_version(version);
        }
        let inner = Linter::new(cfg).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Self { inner })
    }

    #[pyo3(signature = (name, text, klar=false))]
    fn lint_str(
        &self,
        py: Python<'_>,
        name: &str,
        text: String,
        klar: bool,
    ) -> (String, Option<String>) {
        py.detach(|| to_json(&self.inner.lint_str(name, &text), klar))
    }

    #[pyo3(signature = (name, data, klar=false))]
    fn lint_bytes(
        &self,
        py: Python<'_>,
        name: &str,
        data: &[u8],
        klar: bool,
    ) -> (String, Option<String>) {
        py.detach(|| to_json(&self.inner.lint_bytes(name, data), klar))
    }

    #[pyo3(signature = (path, klar=false))]
    fn lint_path(&self, py: Python<'_>, path: PathBuf, klar: bool) -> (String, Option<String>) {
        py.detach(|| to_json(&self.inner.lint_path(&path), klar))
    }

    /// JSON Lines from any iterable of `str` or `bytes` lines, read one line at a time (the
    /// GIL is taken back for each `next()`), so a generator over a huge file stays streamed.
    #[pyo3(signature = (name, lines, klar=false))]
    fn lint_lines(
        &self,
        py: Python<'_>,
        name: &str,
        lines: &Bound<'_, PyAny>,
        klar: bool,
    ) -> PyResult<(String, Option<String>)> {
        let iter: Py<PyIterator> = lines.try_iter()?.unbind();
        let mut error = None;
        let result = py.detach(|| {
            let reader = PyLines {
                iter: &iter,
                buf: Vec::new(),
                pos: 0,
                done: false,
                error: &mut error,
            };
            to_json(&self.inner.lint_lines(name, reader), klar)
        });
        match error {
            Some(e) => Err(e),
            None => Ok(result),
        }
    }
}

/// A `BufRead` over a Python iterator of lines; a line without its newline gets one.
struct PyLines<'a> {
    iter: &'a Py<PyIterator>,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
    /// The iterator's exception, or a line of the wrong type: raised after the lint.
    error: &'a mut Option<PyErr>,
}

impl PyLines<'_> {
    fn next_line(&mut self) {
        self.buf.clear();
        self.pos = 0;
        Python::attach(|py| {
            let item = match self.iter.bind(py).clone().next() {
                None => {
                    self.done = true;
                    return;
                }
                Some(Err(e)) => Err(e),
                Some(Ok(item)) => Ok(item),
            };
            let appended = item.and_then(|item| {
                if let Ok(bytes) = item.cast::<PyBytes>() {
                    self.buf.extend_from_slice(bytes.as_bytes());
                    Ok(())
                } else if let Ok(text) = item.cast::<PyString>() {
                    self.buf.extend_from_slice(text.to_cow()?.as_bytes());
                    Ok(())
                } else {
                    let type_name = item
                        .get_type()
                        .name()
                        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
                    Err(PyTypeError::new_err(format!(
                        "lint_lines takes an iterable of str or bytes lines, got a line of type {type_name}"
                    )))
                }
            });
            if let Err(e) = appended {
                *self.error = Some(e);
                self.buf.clear();
                self.done = true;
            } else if self.buf.last() != Some(&b'\n') {
                self.buf.push(b'\n');
            }
        });
    }
}

impl Read for PyLines<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for PyLines<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.buf.len() && !self.done {
            self.next_line();
        }
        Ok(self.buf.get(self.pos..).unwrap_or_default())
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

/// The names of every rule and built-in code, for `klar_lint.rules()`.
#[pyfunction]
fn rule_names() -> Vec<&'static str> {
    crate::rules::all_metas().map(|m| m.name).collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeLinter>()?;
    m.add_function(wrap_pyfunction!(rule_names, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
