//! A bounded load test on loopback: the server on the real Andorra road graph with a synthetic
//! study (10 sites of two kinds, 5,000 demand units: `zb_benches::synthetic_study`), then 32
//! concurrent HTTP/1.1 clients (one kept-alive connection each) against the coverage summary,
//! then against the what-if with a different scenario per request (an added site at one of 512
//! positions, so that no two requests in a row are alike). Each phase stops at a request count
//! or a time bound, whichever comes first. Prints throughput and latency percentiles; exits 1 on
//! any error (and, with `--strict`, on a missed target).
//!
//! Run: `cargo run --release -p zb-server --example load [-- --strict] [--clients N]
//! [--think-ms MS] [--one-kind | --page | --page-off]` (default 32 clients sending back to back: the server saturated;
//! with `--think-ms`, each what-if client pauses after each answer, like a person reading the
//! map; with `--one-kind`, the what-if asks for the added site's kind only, as the page does).
//! Targets: coverage summary ≥ 2,000 requests/s; what-if p99 ≤ 50 ms with 32 clients.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use zb_routing::{Graph, NoProgress, Profile, import_pbf};
use zb_server::{AppState, Options};

const DEFAULT_CLIENTS: usize = 32;
const COVERAGE_REQUESTS: usize = 40_000;
const COVERAGE_SECONDS: u64 = 20;
const WHATIF_REQUESTS: usize = 4_000;
const WHATIF_SECONDS: u64 = 30;
const POSITIONS: usize = 512;

struct Phase {
    name: &'static str,
    seconds: f64,
    latencies_ms: Vec<f64>,
    errors: Vec<String>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.latencies_ms.len() as f64 / self.seconds
    }

    fn quantile(&self, q: f64) -> f64 {
        let mut v = self.latencies_ms.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return f64::NAN;
        }
        v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1]
    }

    fn report(&self) {
        println!(
            "{:<17} {:>6} requests in {:>5.2} s: {:>7.0} requests/s; latency p50 {:>6.2} ms, p99 {:>6.2} ms, max {:>6.2} ms; {} errors",
            self.name,
            self.latencies_ms.len(),
            self.seconds,
            self.rate(),
            self.quantile(0.5),
            self.quantile(0.99),
            self.quantile(1.0),
            self.errors.len()
        );
    }
}

/// `clients` connections sending `make(i)` requests until `count` in all or `seconds` pass,
/// each client pausing about `think` after each answer (0.5 to 1.5 times it, varying).
async fn phase(
    name: &'static str,
    clients: usize,
    think: Duration,
    addr: std::net::SocketAddr,
    count: usize,
    seconds: u64,
    make: Arc<dyn Fn(usize) -> Request<Full<Bytes>> + Send + Sync>,
) -> Phase {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            // Staggered starts when clients pause between requests.
            tokio::time::sleep(think.mul_f64(c as f64 / clients as f64)).await;
            let mut lat = Vec::new();
            let mut errors = Vec::new();
            let stream = match TcpStream::connect(addr).await {
                Ok(s) => s,
                Err(e) => return (lat, vec![format!("connect: {e}")]),
            };
            stream.set_nodelay(true).ok();
            let (mut sender, conn) =
                match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
                    Ok(x) => x,
                    Err(e) => return (lat, vec![format!("handshake: {e}")]),
                };
            tokio::spawn(conn);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count || Instant::now() > deadline {
                    break;
                }
                let t = Instant::now();
                let res = async {
                    sender.ready().await?;
                    let res = sender.send_request(make(i)).await?;
                    let status = res.status();
                    let body = res.into_body().collect().await?.to_bytes();
                    Ok::<_, hyper::Error>((status, body))
                }
                .await;
                match res {
                    Ok((StatusCode::OK, body)) if !body.is_empty() => {
                        lat.push(t.elapsed().as_secs_f64() * 1e3);
                        if !think.is_zero() {
                            // Uniform in [0.5, 1.5) x think, so that clients drift apart.
                            let f = 0.5 + (i.wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0;
                            tokio::time::sleep(think.mul_f64(f)).await;
                        }
                    }
                    Ok((status, body)) => errors.push(format!(
                        "{status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    )),
                    Err(e) => {
                        errors.push(e.to_string());
                        break;
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut p = Phase {
        name,
        seconds: 0.0,
        latencies_ms: Vec::new(),
        errors: Vec::new(),
    };
    for t in tasks {
        let (lat, errors) = t.await.expect("a client task");
        p.latencies_ms.extend(lat);
        p.errors.extend(errors);
    }
    p.seconds = start.elapsed().as_secs_f64();
    p
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let strict = args.iter().any(|a| a == "--strict");
    let clients = args
        .iter()
        .position(|a| a == "--clients")
        .and_then(|i| args.get(i + 1))
        .map_or(DEFAULT_CLIENTS, |n| n.parse().expect("--clients N"));
    // As the page asks: the what-if of the kind on the map only.
    // `--page`: as the map page asks (its kind, before = the study's sites at the same
    // threshold); `--page-off`: the same with the slider at 22 min, off the study's threshold.
    let page_off = args.iter().any(|a| a == "--page-off");
    let page = page_off || args.iter().any(|a| a == "--page");
    let one_kind = page || args.iter().any(|a| a == "--one-kind");
    let think = Duration::from_millis(
        args.iter()
            .position(|a| a == "--think-ms")
            .and_then(|i| args.get(i + 1))
            .map_or(0, |n| n.parse().expect("--think-ms N")),
    );
    let Some(pbf) = zb_benches::shared_data("andorra-latest.osm.pbf") else {
        eprintln!("skipped: ../shared/data/andorra-latest.osm.pbf is absent");
        return std::process::ExitCode::SUCCESS;
    };
    let t = Instant::now();
    let graph = Graph::from_raw(&import_pbf(&pbf, &Profile::default(), &NoProgress).unwrap());
    let study = zb_benches::synthetic_study(graph, 10, 5_000);
    let positions: Vec<(f64, f64)> = (0..POSITIONS)
        .map(|i| {
            let u = &study.units[(i * 97) % study.units.len()];
            (u.lon, u.lat)
        })
        .collect();
    let state = AppState::new(study, Options::default());
    println!(
        "Andorra graph + synthetic study (10 sites, 5,000 units) and server state in {:.2} s; {clients} clients, {} ms pause after each answer, what-if of {}, {} cores",
        t.elapsed().as_secs_f64(),
        think.as_millis(),
        if page_off {
            "the page, slider at 22 min (?kind=&before=thresholds)"
        } else if page {
            "the page (?kind=&before=thresholds)"
        } else if one_kind {
            "the added site's kind (?kind=)"
        } else {
            "every kind"
        },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let ok = runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(zb_server::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        let host = addr.to_string();

        let h = host.clone();
        let coverage: Arc<dyn Fn(usize) -> Request<Full<Bytes>> + Send + Sync> =
            Arc::new(move |_| {
                Request::get("/api/coverage?kind=mediation&threshold_min=10")
                    .header(header::HOST, h.as_str())
                    .body(Full::new(Bytes::new()))
                    .unwrap()
            });
        let h = host.clone();
        let whatif: Arc<dyn Fn(usize) -> Request<Full<Bytes>> + Send + Sync> = Arc::new(move |i| {
            let (lon, lat) = positions[i % POSITIONS];
            let kind = if i % 2 == 0 {
                "mediation"
            } else {
                "espace_rencontre"
            };
            let mut body = serde_json::json!({
                "name": format!("load-{i}"),
                "add": [{"id": "load-new-site", "kind": kind, "lon": lon, "lat": lat}],
            });
            if page_off {
                body["thresholds"] = serde_json::json!({ format!("{kind}_min"): 22.0 });
            }
            let path = if page {
                format!("/api/whatif?kind={kind}&before=thresholds")
            } else if one_kind {
                format!("/api/whatif?kind={kind}")
            } else {
                "/api/whatif".to_string()
            };
            Request::post(path)
                .header(header::HOST, h.as_str())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(serde_json::to_vec(&body).unwrap())))
                .unwrap()
        });

        // Warm-up: the first coverage request computes and caches the result.
        phase(
            "warm-up",
            clients,
            Duration::ZERO,
            addr,
            64,
            10,
            coverage.clone(),
        )
        .await;
        let c = phase(
            "coverage summary",
            clients,
            Duration::ZERO,
            addr,
            COVERAGE_REQUESTS,
            COVERAGE_SECONDS,
            coverage,
        )
        .await;
        c.report();
        let w = phase(
            "what-if",
            clients,
            think,
            addr,
            WHATIF_REQUESTS,
            WHATIF_SECONDS,
            whatif,
        )
        .await;
        w.report();
        stop.send(()).ok();
        server.await.unwrap().unwrap();

        for e in c.errors.iter().chain(&w.errors).take(5) {
            eprintln!("error: {e}");
        }
        let no_errors = c.errors.is_empty() && w.errors.is_empty();
        let cov_ok = c.rate() >= 2_000.0;
        let wi_ok = w.quantile(0.99) <= 50.0;
        println!(
            "targets: coverage summary >= 2000 requests/s: {}; what-if p99 <= 50 ms: {}",
            if cov_ok { "met" } else { "MISSED" },
            if wi_ok { "met" } else { "MISSED" }
        );
        no_errors && (!strict || (cov_ok && wi_ok))
    });
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
