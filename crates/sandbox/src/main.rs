//! `cargo run -p partner-sdk-sandbox --bin partner-sandbox -- serve [--port BASE]`: runs the four fake providers
//! on fixed loopback ports (BASE+1 … BASE+4, default BASE 18080) and prints
//! their URLs and the credentials they accept, for curl or non-Rust callers.

use std::net::TcpListener;
use std::process::ExitCode;

use partner_sdk_sandbox::{BbtiSandbox, BrighteSandbox, DtoneSandbox, TradeinPromoSandbox};

const USAGE: &str = "usage: partner-sandbox serve [--port BASE]   (servers on 127.0.0.1:BASE+1..BASE+4; default BASE 18080)";

fn bind(port: u16) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))
}

fn parse_args(args: &[String]) -> Result<u16, String> {
    match args {
        [cmd] if cmd == "serve" => Ok(18080),
        [cmd, flag, port] if cmd == "serve" && flag == "--port" => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p <= u16::MAX - 4)
            .ok_or_else(|| format!("--port takes a number below {}", u16::MAX - 4)),
        _ => Err(USAGE.to_owned()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let base = match parse_args(&args) {
        Ok(base) => base,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let listeners = (1..=4)
        .map(|i| bind(base + i))
        .collect::<Result<Vec<_>, _>>();
    let mut listeners = match listeners {
        Ok(l) => l.into_iter(),
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let (Some(l1), Some(l2), Some(l3), Some(l4)) = (
        listeners.next(),
        listeners.next(),
        listeners.next(),
        listeners.next(),
    ) else {
        return ExitCode::FAILURE;
    };
    let bbti = BbtiSandbox::start_on(l1).await;
    let brighte = BrighteSandbox::start_on(l2).await;
    let promo = TradeinPromoSandbox::start_on(l3).await;
    let dtone = DtoneSandbox::start_on(l4).await;

    println!("partner-sdk sandbox (Ctrl-C to stop)");
    println!("BBTI           api  {}", bbti.base_url());
    println!("               auth {}/auth/v1/token", bbti.auth_url());
    println!(
        "               client_id {}  client_secret {}",
        bbti.client_id(),
        bbti.client_secret()
    );
    println!("Brighte        api  {}", brighte.base_url());
    println!("               checkout {}", brighte.checkout_url());
    println!(
        "               apiId {}  apiSecret {}  public key {}  private key {}",
        partner_sdk_sandbox::brighte::API_ID,
        partner_sdk_sandbox::brighte::API_SECRET,
        partner_sdk_sandbox::brighte::PUBLIC_KEY,
        partner_sdk_sandbox::brighte::PRIVATE_KEY
    );
    println!("Trade-in promo api  {}", promo.base_url());
    println!("               token {}", promo.token_url());
    println!(
        "               client_id {}  client_secret {}  scope {}",
        promo.client_id(),
        promo.client_secret(),
        promo.scope()
    );
    println!("DT One         api  {}", dtone.base_url());
    println!(
        "               api key {}  api secret {}",
        dtone.api_key(),
        dtone.api_secret()
    );

    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_serve_and_an_optional_base_port() {
        assert_eq!(parse_args(&args(&["serve"])), Ok(18080));
        assert_eq!(parse_args(&args(&["serve", "--port", "20000"])), Ok(20000));
        assert!(parse_args(&args(&[])).is_err());
        assert!(parse_args(&args(&["serve", "--port", "x"])).is_err());
        assert!(parse_args(&args(&["serve", "--port", "65535"])).is_err());
        assert!(parse_args(&args(&["run"])).is_err());
    }
}
