//! `accord serve`: the dashboard over a results snapshot, on a local address.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use accord_web::Site;
use accord_web::mdt::Mdt;
use anyhow::{Context, Result, bail};
use clap::Args;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The results snapshot to serve (from `accord refresh` or `accord demo`).
    #[arg(long, default_value = "accord-data/snapshot")]
    pub snapshot: PathBuf,
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on; the default serves this machine only.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Serve published figures only: the disclosure rule applied to every count.
    #[arg(long)]
    pub public: bool,
    /// A model folder from `accord risk fit`: adds the risk page (not in public mode).
    #[arg(long, value_name = "DIR")]
    pub risk_model: Option<PathBuf>,
    /// Results from `accord evaluate --out FILE`: adds the evaluation page (not in public mode).
    #[arg(long, value_name = "FILE")]
    pub evaluation: Option<PathBuf>,
    /// The MDT workflow's database (sqlite://FILE?mode=rwc or postgres://...): adds the MDT workflow at /mdt (not in public mode).
    #[arg(long, value_name = "URL")]
    pub mdt_database: Option<String>,
    /// Outcome-based contracts to show (files or built-in names; repeatable), checked against the snapshot; default: the built-in examples.
    #[arg(long = "contract", value_name = "NAME|FILE")]
    pub contracts: Vec<String>,
}

/// Loads the snapshot, binds, prints the URL and serves until the process is stopped.
pub fn run(args: &ServeArgs) -> Result<()> {
    let (host, port, public) = (args.host, args.port, args.public);
    let mut site = Site::load(&args.snapshot, public)
        .with_context(|| format!("loading the snapshot {}", args.snapshot.display()))?;
    if !args.contracts.is_empty() {
        let mut contracts = Vec::new();
        for name in &args.contracts {
            let contract = accord_contracts::load_outcome_contract(name)?;
            accord_money::payment::check_against(&contract, site.snapshot())?;
            contracts.push(contract);
        }
        site = site.with_outcome_contracts(contracts);
    }
    if let Some(dir) = &args.risk_model {
        site = site.with_risk_card(accord_risk::model::read_card(dir)?);
    }
    if let Some(file) = &args.evaluation {
        site = site.with_evaluation(accord_dataset::artifact::read_artifact(file)?);
    }
    if (args.risk_model.is_some() || args.evaluation.is_some())
        && args.mdt_database.is_none()
        && !public
    {
        eprintln!(
            "note: the risk model card and the MDT evaluation hold small numbers and are shown only to coordinators and analysts signed in through the MDT workflow: add --mdt-database to serve them"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the web server's runtime")?;
    runtime.block_on(async {
        let mdt = match &args.mdt_database {
            Some(_) if public => {
                bail!("the MDT workflow is person-level: it is never served with --public")
            }
            Some(url) => {
                let mdt = Arc::new(Mdt::new(crate::mdt::connect(url).await?).beside_dashboard());
                site = site.with_mdt(mdt.clone());
                Some(mdt)
            }
            None => None,
        };
        let (listener, address) = accord_web::bind(SocketAddr::new(host, port)).await?;
        println!(
            "Accord dashboard{}: http://{address}/  (Ctrl-C stops it)",
            if public { " (public figures)" } else { "" }
        );
        if mdt.is_some() {
            println!("MDT workflow: http://{address}/mdt");
        }
        accord_web::serve(listener, Arc::new(site), mdt).await?;
        Ok(())
    })
}
