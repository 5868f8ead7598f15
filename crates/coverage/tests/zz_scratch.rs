mod common;
#[test]
fn scratch() {
    let dir = std::path::PathBuf::from("/tmp/zbcheck");
    let low = common::low_population_study(&dir).unwrap();
    let cov = low.evaluate();
    zb_coverage::export::write_outputs(&low, &cov, &dir.join("out")).unwrap();
}
