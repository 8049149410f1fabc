//! Differential test: every template in tests/corpus/ is rendered by this crate and by the oracle
//! (Apache Velocity 1.7 + Jayway JsonPath + json-smart, tests/oracle/), and the outputs must match
//! byte for byte. Cases whose header has "expect" document a known difference between Velocity and API
//! Gateway (see DIVERGENCES.md): there ours must equal the "expect" text and the oracle must differ.
//!
//! The oracle needs Java and Debian's velocity, libjsonpath-java and libjson-smart-java packages
//! (scripts/install-test-deps.sh). Without them this test fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use tollgate_vtl::apigw::{self, Input, Params};
use tollgate_vtl::{Context, RenderErrorKind, Template, Value};

struct Case {
    header: serde_json::Value,
    template: String,
}

fn load(path: &Path) -> Case {
    let raw = std::fs::read_to_string(path).expect("read case");
    let (header, rest) = raw.split_once('\n').expect("header line");
    let template = rest.strip_prefix("----\n").expect("---- line").to_string();
    Case {
        header: serde_json::from_str(header).expect("header is JSON"),
        template,
    }
}

fn pairs(v: Option<&serde_json::Value>) -> Vec<(String, String)> {
    v.and_then(|v| v.as_object())
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Renders a case with this crate: Ok(output) or Err(kind).
fn ours(case: &Case) -> Result<String, Option<RenderErrorKind>> {
    let h = &case.header;
    let body = h.get("body").and_then(|b| b.as_str()).unwrap_or("");
    let p = h.get("params");
    let params = Params {
        path: pairs(p.and_then(|p| p.get("path"))),
        querystring: pairs(p.and_then(|p| p.get("querystring"))),
        header: pairs(p.and_then(|p| p.get("header"))),
    };
    let mut ctx = Context::new();
    if let Some(vars) = h.get("vars").and_then(|v| v.as_object()) {
        for (k, v) in vars {
            ctx.insert(k, Value::from_json_java(v));
        }
    }
    ctx.insert("input", Input::new(body, params).into_value());
    ctx.insert("util", apigw::util());
    let t = Template::parse(&case.template).map_err(|_| None)?;
    t.render(&mut ctx).map_err(|e| Some(e.kind))
}

/// `VTL_CORPUS_DIR` points the test at another corpus (e.g. generated templates).
fn corpus_dir() -> PathBuf {
    match std::env::var_os("VTL_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
    }
}

fn oracle(files: &[PathBuf]) -> BTreeMap<String, Result<String, String>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/oracle.sh");
    let out = Command::new("sh")
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the Velocity oracle {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "the Velocity oracle failed (is it installed? run scripts/install-test-deps.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let mut it = l.splitn(3, '\t');
            let name = it.next().expect("name").to_string();
            let status = it.next().expect("status");
            let text = String::from_utf8(b64.decode(it.next().expect("text")).expect("base64"))
                .expect("utf-8");
            (name, if status == "OK" { Ok(text) } else { Err(text) })
        })
        .collect()
}

#[test]
fn corpus_matches_velocity_oracle() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    files.sort();
    if std::env::var_os("VTL_CORPUS_DIR").is_none() {
        assert!(files.len() >= 60, "corpus has only {} cases", files.len());
    }
    let expected = oracle(&files);
    let mut failures = Vec::new();
    let mut divergences = 0;
    for f in &files {
        let name = f.file_name().expect("name").to_string_lossy().to_string();
        let case = load(f);
        let got = ours(&case);
        let Some(want) = expected.get(&name) else {
            failures.push(format!("{name}: no oracle output"));
            continue;
        };
        if let Some(aws) = case.header.get("expect").and_then(|a| a.as_str()) {
            divergences += 1;
            if got.as_deref() != Ok(aws) {
                failures.push(format!(
                    "{name}: documented divergence: got {got:?}, want {aws:?}"
                ));
            }
            if want.as_deref() == Ok(aws) {
                failures.push(format!(
                    "{name}: the oracle now agrees with the expected text ({aws:?}); drop the divergence"
                ));
            }
            continue;
        }
        match (want, &got) {
            (Ok(w), Ok(g)) if w == g => {}
            (Err(_), Err(kind)) => {
                if let Some(k) = case.header.get("error_kind").and_then(|k| k.as_str())
                    && format!("{kind:?}") != format!("Some({k})")
                {
                    failures.push(format!("{name}: error kind {kind:?}, want {k}"));
                }
            }
            _ => failures.push(format!(
                "{name}:\n  template: {:?}\n  oracle:   {want:?}\n  ours:     {got:?}",
                case.template
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases differ ({divergences} documented divergences):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
