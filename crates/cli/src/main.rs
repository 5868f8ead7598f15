//! zoneblanche: the command-line tool. `main` only reports errors; see `run`.

mod args;
mod coverage;
mod demo;
mod generate;
mod input;
mod progress;
mod serve;
mod times;
mod whatif;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("zoneblanche: error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line. A cause whose text already ends the message is left
/// out (errors that quote their source), and line breaks inside a message become `; `.
fn one_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        if text.is_empty() || msg.ends_with(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    match cli.command {
        args::Command::Import(a) => times::import(a)?,
        args::Command::Times(a) => times::times(a)?,
        args::Command::Coverage(a) => coverage::coverage(a)?,
        args::Command::Generate(a) => generate::generate(a)?,
        args::Command::Whatif(a) => whatif::whatif(a)?,
        args::Command::Recommend(a) => whatif::recommend(a)?,
        args::Command::Scenarios(a) => whatif::scenarios(a)?,
        args::Command::Serve(a) => serve::serve(a)?,
        args::Command::Report(a) => coverage::report(a)?,
    }
    Ok(ExitCode::SUCCESS)
}
