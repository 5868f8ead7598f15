//! `rapport.html` on the demo study (in the repository), with a scenario: its figures are the
//! published ones, it names no absolute path and needs no network, and Debian's Chromium
//! prints it on A4 in at most 5 pages with no table or map cut by a page break (each block's
//! title and its source line are read back on the same page of the PDF by `pdftotext`).
//! The PDF and the report are kept in `<target>/report-artifacts/`.

#[path = "../../coverage/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use zb_publish::{Exports, PublishedWhatIf};
use zb_whatif::{Baseline, Before, Scenario};

const CHROMIUM: &str = "/usr/bin/chromium";
const MAX_PAGES: usize = 5;

fn artifact_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("report-artifacts")
}

/// The demo's report with one scenario: a mediation site opened in Meyrueis, far from every
/// site of the demo.
fn demo_report() -> (zb_coverage::Study, String) {
    let study = common::demo_study();
    let coverage = study.evaluate();
    let sc = Scenario::from_toml_str(
        r#"
name = "Antenne de médiation à Meyrueis (synthétique)"
[[add]]
id = "synthetic-med-meyrueis"
kind = "mediation"
name = "Antenne de Meyrueis"
lon = 3.4305
lat = 44.1800
"#,
    )
    .unwrap();
    let w = Baseline::new(&study)
        .apply_with(&study, &sc, Before::Study)
        .unwrap();
    let html = Exports::new(&study, &coverage)
        .report(&[PublishedWhatIf::new(&study, &w)])
        .unwrap();
    (study, html)
}

fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in html.chars() {
        match c {
            '<' => tag = true,
            '>' => {
                tag = false;
                out.push(' ');
            }
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out.replace('\u{202F}', " ")
}

#[test]
fn the_report_says_what_the_published_documents_say() {
    let (study, html) = demo_report();
    let coverage = study.evaluate();
    let summary = Exports::new(&study, &coverage).summary();
    let text = text_of(&html);
    assert!(
        text.contains("DONNÉES SYNTHÉTIQUES"),
        "the demo is labelled synthetic"
    );
    for section in [
        "1. Le territoire et les données",
        "2. Chiffres clés",
        "3. Cartes",
        "4. Bandes de temps",
        "Communes les plus éloignées des services",
        "Effet des scénarios",
        "Méthode, sources et secret statistique",
    ] {
        assert!(text.contains(section), "section « {section} » missing");
    }
    // The key figures are summary.json's, in French.
    for k in ["mediation", "espace_rencontre"] {
        let within = summary["kinds"][k]["within_weight"].as_f64().unwrap();
        let fr = zb_publish::report::fr_number(within.round(), 0).replace('\u{202F}', " ");
        assert!(text.contains(&fr), "{k}: within {fr} not in the report");
    }
    assert!(
        text.contains("Antenne de médiation à Meyrueis"),
        "the scenario is shown"
    );
    assert!(text.contains("ouverture de « Antenne de Meyrueis »"));
    // One map per kind, drawn in Rust: communes, zones and sites.
    assert_eq!(html.matches("<svg class=\"map\"").count(), 2);
    assert!(html.contains("<g class=\"zones\"><path"));
    assert!(html.contains("<g class=\"sites\"><circle"));
    // Self-contained: no script, no link, no remote resource, no absolute path.
    for bad in [
        "<script",
        "<link",
        "src=\"http",
        "url(http",
        "/root/",
        "/work/",
        "/home/",
        "/tmp/",
    ] {
        assert!(!html.contains(bad), "the report holds `{bad}`");
    }
    for bad in ["NaN", "undefined", "null", "inf"] {
        assert!(!text.contains(bad), "the report shows `{bad}`");
    }
    let dir = artifact_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rapport.html"), &html).unwrap();
}

#[test]
fn the_report_prints_on_at_most_five_a4_pages_with_nothing_cut() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the print test needs Debian's chromium; run scripts/setup test"
    );
    let (_, html) = demo_report();
    let dir = artifact_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("rapport.html");
    let pdf = dir.join("rapport.pdf");
    let _ = std::fs::remove_file(&pdf);
    std::fs::write(&page, &html).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium could not be run");
    assert!(
        pdf.exists(),
        "chromium wrote no PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("pdftotext (poppler-utils) is required ({e}); run scripts/setup test")
        });
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout).replace('\u{202F}', " ");
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    eprintln!("report: {} pages of A4 ({})", pages.len(), pdf.display());
    assert!(
        pages.len() <= MAX_PAGES,
        "{} pages > {MAX_PAGES}",
        pages.len()
    );
    // Every block begins with its title and ends with its source line: both on one page.
    let titles: Vec<String> = html
        .split("<figcaption>")
        .skip(1)
        .map(|s| text_of(s.split("</figcaption>").next().unwrap()))
        .collect();
    assert!(titles.len() >= 8, "{} blocks", titles.len());
    for t in &titles {
        // pdftotext may wrap a long title: its first words are enough to find it.
        let head: String = t.split_whitespace().take(5).collect::<Vec<_>>().join(" ");
        let flat: Vec<String> = pages
            .iter()
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let on: Vec<usize> = (0..flat.len())
            .filter(|&i| flat[i].contains(&head))
            .collect();
        assert_eq!(on.len(), 1, "block « {head} » found on pages {on:?}");
        // What follows a block's title on its page is the block itself: its source line
        // must be there, not on the next page.
        let p = &flat[on[0]];
        let after = &p[p.find(&head).unwrap()..];
        assert!(
            after.contains("Source : zoneblanche"),
            "block « {head} » is cut: its source line is not on its page"
        );
    }
}
