//! axe-core in the page: injects the script `cargo xtask test` fetched from
//! the npm registry (its path in `SEATWISE_AXE_JS`), runs it on the whole
//! document and reports every violation; serious and critical ones fail.

use fantoccini::Client;
use serde_json::Value;

use crate::harness::{Failure, current_path};

/// The impacts that fail a page.
const FAILING: [&str; 2] = ["serious", "critical"];

/// Runs axe (with `resultTypes: ['violations']`) over `document` and
/// resolves with a compact list of the violations or an `{error}`. The
/// experimental rules run too: one of them (`label-content-name-mismatch`)
/// found the showtime links of issue #18.
const RUN: &str = r"
const [done] = arguments;
const rules = Object.fromEntries(axe.getRules(['experimental']).map((r) => [r.ruleId, { enabled: true }]));
axe.run(document, { resultTypes: ['violations'], rules })
  .then((result) => done(result.violations.map((v) => ({
    id: v.id, impact: v.impact,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }))))
  .catch((error) => done({ error: String(error) }));
";

/// The script's source, read once per run.
pub(crate) fn script() -> Result<String, Failure> {
    let Some(path) = std::env::var_os("SEATWISE_AXE_JS") else {
        return Err(
            "SEATWISE_AXE_JS is not set: run `cargo xtask test`, which fetches \
                    axe-core from the npm registry and sets it"
                .into(),
        );
    };
    std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read axe-core from {} ({e}): run `cargo xtask test`",
            std::path::Path::new(&path).display()
        )
        .into()
    })
}

/// What axe found on one page: (impact, rule, nodes) per violation.
pub(crate) struct Audit {
    pub(crate) page: String,
    violations: Vec<(String, String, Vec<String>)>,
}

impl Audit {
    /// The serious and critical violations, one line each.
    pub(crate) fn failing(&self) -> Vec<String> {
        self.violations
            .iter()
            .filter(|(impact, ..)| FAILING.contains(&impact.as_str()))
            .map(|(impact, id, nodes)| format!("{}: {impact} {id} {nodes:?}", self.page))
            .collect()
    }

    /// "critical 0, serious 1, moderate 0, minor 2".
    fn counts(&self) -> String {
        ["critical", "serious", "moderate", "minor"]
            .map(|level| {
                let n = self.violations.iter().filter(|(i, ..)| i == level).count();
                format!("{level} {n}")
            })
            .join(", ")
    }
}

/// Checks the page `browser` shows with axe (the seat map included);
/// prints the counts and every violation.
pub(crate) async fn audit(browser: &Client, source: &str) -> Result<Audit, Failure> {
    browser
        .execute(&format!("{source}\n;return true;"), vec![])
        .await?;
    let found = browser.execute_async(RUN, vec![]).await?;
    let page = current_path(browser).await;
    let Value::Array(list) = found else {
        return Err(format!("axe failed on {page}: {found}").into());
    };
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or("none").to_owned();
    let violations: Vec<_> = list
        .iter()
        .map(|v| {
            let nodes = v["targets"].as_array().map_or_else(Vec::new, |nodes| {
                nodes
                    .iter()
                    .map(|n| n.as_str().unwrap_or_default().to_owned())
                    .collect()
            });
            (text(v, "impact"), text(v, "id"), nodes)
        })
        .collect();
    let audit = Audit { page, violations };
    println!("    axe {}: {}", audit.page, audit.counts());
    for (impact, id, nodes) in &audit.violations {
        println!("      {impact} {id}: {}", nodes.join(" | "));
    }
    Ok(audit)
}
