//! zoneblanche: the command-line tool. `main` only reports errors; see `run`.

mod args;
mod input;
mod progress;
mod times;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            // One line: the error and its causes.
            eprintln!("zoneblanche: error: {e:#}");
            ExitCode::from(2)
        }
    }
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
    }
    Ok(ExitCode::SUCCESS)
}
