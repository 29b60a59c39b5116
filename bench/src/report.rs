//! The results: one row per measurement, printed as a table and written as
//! JSON.

use serde::Serialize;

/// One measurement, with its baseline from the same run where it has one.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) scenario: &'static str,
    pub(crate) case: String,
    pub(crate) unit: &'static str,
    pub(crate) value: f64,
    pub(crate) baseline: Option<f64>,
    pub(crate) ratio: Option<f64>,
    pub(crate) target: &'static str,
}

impl Row {
    /// A measurement without a baseline.
    pub(crate) fn plain(
        scenario: &'static str,
        case: &str,
        unit: &'static str,
        value: f64,
        target: &'static str,
    ) -> Self {
        Self {
            scenario,
            case: case.to_owned(),
            unit,
            value,
            baseline: None,
            ratio: None,
            target,
        }
    }

    /// A measurement and its baseline; the ratio is value / baseline.
    pub(crate) fn ratio(
        scenario: &'static str,
        case: &str,
        unit: &'static str,
        value: f64,
        baseline: f64,
        target: &'static str,
    ) -> Self {
        Self {
            baseline: Some(baseline),
            ratio: (baseline > 0.0).then(|| value / baseline),
            ..Self::plain(scenario, case, unit, value, target)
        }
    }

    /// The p50 and p99 rows of `sorted` latencies, the target on p99.
    pub(crate) fn p50_p99(
        scenario: &'static str,
        case: &str,
        sorted: &[std::time::Duration],
        target: &'static str,
    ) -> [Self; 2] {
        [(0.5, "p50", ""), (0.99, "p99", target)].map(|(q, name, target)| {
            Self::plain(
                scenario,
                &format!("{case}, {name}"),
                "ms",
                crate::http::quantile_ms(sorted, q),
                target,
            )
        })
    }
}

/// The rows as a Markdown table (it reads fine in a terminal too).
pub(crate) fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | case | value | baseline | ratio | target |\n|---|---|---:|---:|---:|---|\n",
    );
    for row in rows {
        let number = |v: f64| {
            if v >= 100.0 {
                format!("{:.0} {}", v, row.unit)
            } else {
                format!("{:.2} {}", v, row.unit)
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            row.scenario,
            row.case,
            number(row.value),
            row.baseline.map(number).unwrap_or_default(),
            row.ratio.map(|r| format!("{r:.2}x")).unwrap_or_default(),
            row.target,
        ));
    }
    out
}
