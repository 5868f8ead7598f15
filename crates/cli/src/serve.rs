//! `zoneblanche serve [--study study.toml] [--bind 127.0.0.1:8080] [--token-file F]
//! [--allow-anonymous-writes] [--db scenarios.sqlite]`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use zb_server::{AppState, Options};

use crate::args::ServeArgs;
use crate::times::Stages;

/// The environment variable holding the token when no `--token-file` is given.
pub const TOKEN_ENV: &str = "ZB_TOKEN";

/// The flags checked, before anything slow is done.
struct Checked {
    addr: SocketAddr,
    token: Option<String>,
}

fn read_token(file: Option<&Path>) -> anyhow::Result<Option<String>> {
    let (token, from) = match file {
        Some(f) => (
            std::fs::read_to_string(f)
                .with_context(|| format!("--token-file {}: cannot read it", f.display()))?,
            format!("--token-file {}", f.display()),
        ),
        None => match std::env::var(TOKEN_ENV) {
            Ok(t) => (t, TOKEN_ENV.to_string()),
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(e) => bail!("{TOKEN_ENV}: {e}"),
        },
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        bail!("{from}: the token is empty");
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("{from}: the token holds spaces or control characters; use one word");
    }
    Ok(Some(token))
}

fn check(a: &ServeArgs) -> anyhow::Result<Checked> {
    let addr: SocketAddr = a.bind.parse().map_err(|_| {
        anyhow::anyhow!(
            "--bind {}: not an address and port (e.g. 127.0.0.1:8080 or [::1]:8080)",
            a.bind
        )
    })?;
    let token = read_token(a.token_file.as_deref())?;
    if !addr.ip().is_loopback() && token.is_none() && !a.allow_anonymous_writes {
        bail!(
            "--bind {addr}: not a loopback address, and no token: anyone who can reach it could \
             save and delete scenarios. Give a token (--token-file FILE or {TOKEN_ENV}), or \
             --allow-anonymous-writes if that is what you want"
        );
    }
    Ok(Checked { addr, token })
}

pub fn serve(a: ServeArgs) -> anyhow::Result<()> {
    let checked = check(&a)?;
    let mut stages = Stages::default();
    let path = crate::demo::study_path(a.study.as_deref(), a.study.is_none())?;
    let study = crate::demo::load_study(&path, &mut stages)?;
    let store = crate::args::open_store(&a.db)?;
    let options = Options {
        token: checked.token,
        store: Some(Box::new(store)),
        study_label: Some(
            study
                .name
                .clone()
                .unwrap_or_else(|| path.display().to_string()),
        ),
        ..Options::default()
    };
    let writes = if options.token.is_some() {
        "saving and deleting scenarios need the bearer token"
    } else {
        "saving and deleting scenarios are open to anyone who reaches this address"
    };
    let state = stages.time("baseline", || AppState::new(study, options));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(checked.addr)
            .await
            .with_context(|| format!("--bind {}: cannot listen there", checked.addr))?;
        let local = listener.local_addr()?;
        eprintln!(
            "serving {} on http://{local}/ (API: http://{local}/api/openapi.json); {writes}; \
             scenarios in {}; stages: {}; Ctrl-C to stop",
            path.display(),
            a.db.display(),
            stages.line()
        );
        zb_server::serve(listener, state, zb_server::shutdown_signal()).await?;
        eprintln!("stopped");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(bind: &str, anonymous: bool, token_file: Option<&Path>) -> ServeArgs {
        ServeArgs {
            study: Some("study.toml".into()),
            bind: bind.into(),
            token_file: token_file.map(Path::to_path_buf),
            allow_anonymous_writes: anonymous,
            db: "db.sqlite".into(),
        }
    }

    #[test]
    fn non_loopback_needs_a_token_or_a_flag() {
        // The test process may have ZB_TOKEN set: only check what does not depend on it.
        if std::env::var_os(TOKEN_ENV).is_some() {
            eprintln!("skipped: {TOKEN_ENV} is set");
            return;
        }
        assert!(check(&args("127.0.0.1:0", false, None)).is_ok());
        assert!(check(&args("[::1]:8080", false, None)).is_ok());
        let e = check(&args("0.0.0.0:8080", false, None)).err().unwrap();
        assert!(e.to_string().contains("--allow-anonymous-writes"), "{e}");
        assert!(check(&args("0.0.0.0:8080", true, None)).is_ok());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("token");
        std::fs::write(&f, "s3cret\n").unwrap();
        let c = check(&args("0.0.0.0:8080", false, Some(&f))).unwrap();
        assert_eq!(c.token.as_deref(), Some("s3cret"));
        std::fs::write(&f, "  \n").unwrap();
        let e = check(&args("127.0.0.1:8080", false, Some(&f)))
            .err()
            .unwrap();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = check(&args("localhost", false, None)).err().unwrap();
        assert!(e.to_string().contains("--bind localhost"), "{e}");
    }
}
