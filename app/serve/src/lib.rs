//! `spice serve`: the embedded ledger — the runtime and the ledger file the CLI uses, with the
//! Spice program and the SPL Token, Token-2022 and Associated Token programs — behind a Solana
//! JSON-RPC endpoint, so that `@solana/kit`, wallets, the Solana CLI and the `spice` CLI's own
//! RPC backend (`--url`) can use it like a local validator.
//!
//! - [`chain`]: the runtime in memory in step with the ledger file (its lock, reloads), blocks,
//!   blockhashes, landed transactions;
//! - [`rpc`]: the HTTP methods (and the `spice_` dev methods), on the request and response
//!   types of Solana's RPC crates;
//! - [`pubsub`]: the websocket subscriptions;
//! - `tokens`: token amounts and the mint data the account decoder needs.
//!
//! The server is [jsonrpsee](https://docs.rs/jsonrpsee)'s: JSON-RPC 2.0 over HTTP and
//! websockets on one port (and websockets on the port after it too, where Solana tools look),
//! batches, the standard errors for unknown methods (`-32601`), malformed requests (`-32600`,
//! `-32700`) and bodies over the limit (HTTP 413). `GET /health` answers `ok`.

pub mod chain;
mod node;
mod params;
pub mod pubsub;
pub mod rpc;
mod tokens;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use jsonrpsee::server::{
    BatchRequestConfig, HttpBody, HttpRequest, HttpResponse, ServerBuilder, ServerConfig,
    ServerHandle,
};
use jsonrpsee::RpcModule;

pub use node::Node;

/// The Agave version whose runtime, RPC types and features the server has (`getVersion`).
pub const AGAVE_VERSION: &str = "3.1.12";

/// Largest request body: a validator's limit (50 KiB), far above any transaction.
pub const MAX_REQUEST_BYTES: u32 = 50 * 1024;

/// Largest response body (a `getProgramAccounts` of a big ledger).
const MAX_RESPONSE_BYTES: u32 = 512 * 1024 * 1024;

/// `spice serve`'s options (the ledger file is the CLI's global `--ledger`).
#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address for JSON-RPC over HTTP and websockets.
    #[arg(long, default_value = "127.0.0.1:8899")]
    pub bind: SocketAddr,
    /// Also serve websockets (and HTTP) here. Solana tools look for websockets on the RPC
    /// port + 1, so that is the default (none when --bind's port is 0); `none` to skip.
    #[arg(long)]
    pub ws_bind: Option<String>,
}

/// Where to serve what.
#[derive(Clone, Debug)]
pub struct Options {
    /// The ledger file (`None`: a fresh chain in memory).
    pub ledger: Option<PathBuf>,
    pub bind: SocketAddr,
    /// A second address (websockets for Solana tools).
    pub ws_bind: Option<SocketAddr>,
}

impl Options {
    /// The options of `spice serve --ledger FILE ARGS`.
    pub fn of(ledger: &Path, args: &ServeArgs) -> anyhow::Result<Self> {
        let ws_bind =
            match args.ws_bind.as_deref() {
                Some("none") => None,
                Some(addr) => Some(addr.parse().with_context(|| {
                    format!("--ws-bind {addr}: an address like 127.0.0.1:8900")
                })?),
                None if args.bind.port() == 0 => None,
                None => {
                    let port = args.bind.port().checked_add(1).context(
                        "--bind port 65535 leaves no port for websockets: pass --ws-bind",
                    )?;
                    Some(SocketAddr::new(args.bind.ip(), port))
                }
            };
        Ok(Self {
            ledger: Some(ledger.to_path_buf()),
            bind: args.bind,
            ws_bind,
        })
    }
}

/// A running server.
pub struct Running {
    /// The HTTP and websocket address.
    pub addr: SocketAddr,
    /// The second address, if any.
    pub ws_addr: Option<SocketAddr>,
    pub node: Node,
    handles: Vec<ServerHandle>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests and waits until the servers are down.
    pub async fn stop(self) {
        for handle in &self.handles {
            let _ = handle.stop();
        }
        for handle in self.handles {
            handle.stopped().await;
        }
    }
}

/// The JSON-RPC methods and subscriptions on `node`.
pub fn module(node: Node) -> anyhow::Result<RpcModule<Node>> {
    let mut module = RpcModule::new(node);
    rpc::register(&mut module)?;
    pubsub::register(&mut module)?;
    Ok(module)
}

/// Starts serving `options` (on the current tokio runtime).
pub async fn start(options: Options) -> anyhow::Result<Running> {
    let ledger = options.ledger.clone();
    // Opening waits for the ledger file's lock (a CLI command may hold it).
    let node = tokio::task::spawn_blocking(move || Node::new(ledger))
        .await
        .context("opening the ledger")??;
    let module = module(node.clone())?;
    let mut handles = Vec::new();
    let (addr, handle) = serve(options.bind, module.clone()).await?;
    handles.push(handle);
    let ws_addr = match options.ws_bind {
        Some(bind) => {
            let (ws_addr, handle) = serve(bind, module).await?;
            handles.push(handle);
            Some(ws_addr)
        }
        None => None,
    };
    Ok(Running {
        addr,
        ws_addr,
        node,
        handles,
    })
}

async fn serve(
    bind: SocketAddr,
    module: RpcModule<Node>,
) -> anyhow::Result<(SocketAddr, ServerHandle)> {
    let config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BYTES)
        .max_response_body_size(MAX_RESPONSE_BYTES)
        .max_connections(1_000)
        .set_batch_request_config(BatchRequestConfig::Limit(100))
        .set_id_provider(pubsub::SequentialIds::default())
        .build();
    let http = tower::ServiceBuilder::new()
        // Browsers (a wallet, a dapp on another port) may call it.
        .layer(tower_http::cors::CorsLayer::permissive())
        .layer(HealthLayer);
    let server = ServerBuilder::with_config(config)
        .set_http_middleware(http)
        .build(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    let addr = server.local_addr()?;
    Ok((addr, server.start(module)))
}

/// `GET /health` answered `ok` (plain text, as a validator answers it: load balancers and
/// scripts compare the body); every other request goes on to the JSON-RPC server.
#[derive(Clone, Copy, Debug)]
struct HealthLayer;

impl<S> tower::Layer<S> for HealthLayer {
    type Service = Health<S>;

    fn layer(&self, inner: S) -> Health<S> {
        Health(inner)
    }
}

#[derive(Clone, Debug)]
struct Health<S>(S);

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'static>>;

impl<S, B> tower::Service<HttpRequest<B>> for Health<S>
where
    S: tower::Service<HttpRequest<B>, Response = HttpResponse>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = BoxFuture<Result<HttpResponse, S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        if request.method() == http::Method::GET && request.uri().path() == "/health" {
            let mut response = HttpResponse::new(HttpBody::from("ok"));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            return Box::pin(async move { Ok(response) });
        }
        Box::pin(self.0.call(request))
    }
}

/// `spice serve`: serves the ledger file `ledger` until interrupted (Ctrl-C or SIGTERM).
/// Prints `listening on http://ADDR` first.
pub fn run(ledger: &Path, args: &ServeArgs) -> anyhow::Result<()> {
    let options = Options::of(ledger, args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let running = start(options).await?;
        let slot = running
            .node
            .read(|chain| Ok(chain.slot()))
            .unwrap_or_default();
        let mut out = format!(
            "listening on {} (websockets: ws://{})\n",
            running.url(),
            running.addr
        );
        if let Some(ws) = running.ws_addr {
            out.push_str(&format!("websockets for Solana tools: ws://{ws}\n"));
        }
        out.push_str(&format!(
            "serving {} at slot {slot}; Ctrl-C stops\n",
            ledger.display()
        ));
        {
            use std::io::Write;
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
        }
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("listening for SIGTERM")?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        running.stop().await;
        Ok(())
    })
}
