//! wasm: the pages' bundle as a browser downloads it, raw and gzipped.

use std::io::Write;
use std::path::Path;

use crate::report::Row;

/// Sizes of `<site>/pkg/app_web_bg.wasm`, when it was built.
pub(crate) fn run(site: &Path, rows: &mut Vec<Row>) {
    let Ok(wasm) = std::fs::read(site.join("pkg/app_web_bg.wasm")) else {
        return;
    };
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gzipped = gzip
        .write_all(&wasm)
        .and_then(|()| gzip.finish())
        .map_or(0, |bytes| bytes.len());
    rows.push(Row::plain(
        "wasm",
        "raw",
        "KB",
        wasm.len() as f64 / 1000.0,
        "",
    ));
    rows.push(Row::plain(
        "wasm",
        "gzip -9",
        "KB",
        gzipped as f64 / 1000.0,
        "<= 300 KB",
    ));
}
