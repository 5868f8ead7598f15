//! Rebuilds the crate when anything under `web/` changes: the page is embedded at compile time,
//! and a file added there is not otherwise noticed by cargo.

fn main() {
    println!("cargo:rerun-if-changed=../../web");
}
