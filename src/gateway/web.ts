// The HTTP listener: the chat page (a fixed table of files, see page.ts), /healthz, /metrics
// (when a provider is given), and /ws, IRC over WebSocket, where each connection is the IRC edge
// on another transport (edges/websocket/). The request and upgrade handlers are exported so the
// HTTPS listener mounts the same ones.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config.js';
import type { Farewell } from '../model/events.js';
import { encoded, type Edge } from '../edges/edge.js';
import { MAX_BODY_BYTES, MAX_TAGS_BYTES } from '../edges/irc/framer.js';
import { BINARY, TEXT } from '../edges/websocket/frames.js';
import { chooseSubprotocol, opcodeFor, webSocketEdge } from '../edges/websocket/edge.js';
import type { Gateway } from './gateway.js';
import type { PageFile } from './page.js';
import { WebSocketLink } from './ws-link.js';

/** What /metrics serves, given by whoever keeps the metrics; until then /metrics is 404. */
export interface MetricsProvider {
  readonly contentType: string;
  text(): Promise<string>;
}

/** Refused WebSockets that may be open at once, saying why (as the gateway's REFUSING for TCP); past it, a bare 503. */
const REFUSING = 16;
/** Close code for a connection the caps turn away (RFC 6455 §7.4.1 as registered: "Try Again Later"). */
const TRY_AGAIN_LATER = 1013;
/** The longest IRC line a message may carry, tags included (with the CR LF a client may leave on): past it ws closes 1009. */
export const MAX_MESSAGE = MAX_BODY_BYTES + MAX_TAGS_BYTES;

/** A Host header fit to stand in a header value of ours (the CSP); anything else is left out. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The origins /ws accepts: the page's own (null: the request's Host), any ('*'), or a list. */
export type Origins = null | '*' | ReadonlySet<string>;

/** `--ws-origins` read: '' the page's own, '*' any, else comma-separated origins (scheme://host[:port]). */
export function parseOrigins(raw: string): Origins {
  const value = raw.trim();
  if (value === '') return null;
  if (value === '*') return '*';
  const list = new Set<string>();
  for (const part of value.split(',')) {
    const origin = part.trim();
    if (origin === '') continue;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new Error(`--ws-origins: ${JSON.stringify(origin)} is not an origin (scheme://host[:port])`);
    }
    list.add(url.origin);
  }
  return list;
}

/**
 * Every response's own protection: content types are what we say, and the page loads nothing from
 * elsewhere. connect-src names /ws on the request's own host. Over HTTPS only as wss://: the page
 * came over TLS, and a ws:// socket from it would carry the chat in the clear (browsers block it
 * as mixed content anyway). Over HTTP both, since behind a proxy that ends TLS the browser may be
 * on https while the request reaching us is plain.
 */
function securityHeaders(res: http.ServerResponse, host: string | undefined, overTls: boolean): void {
  const self = host === undefined || !HOST.test(host) ? '' : overTls ? ` wss://${host}` : ` ws://${host} wss://${host}`;
  res.setHeader('Content-Security-Policy', `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'${self}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', cache);
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** An upgrade we do not take: an HTTP answer on the raw socket, then it goes. */
function refuseUpgrade(socket: Duplex, status: string, body: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Options every HTTP(S) server of ours is made with: slowloris and idle limits (see config). */
export function httpServerOptions(config: Config): http.ServerOptions {
  return {
    headersTimeout: config.httpHeadersTimeoutSeconds * 1000,
    requestTimeout: config.httpRequestTimeoutSeconds * 1000,
    keepAliveTimeout: config.httpKeepAliveTimeoutSeconds * 1000,
    // How often those timeouts are checked (Node's default, 30 s, would let a slow header live that long past its limit).
    connectionsCheckingInterval: 1000,
  };
}

export class WebFront {
  /** Set by the metrics keeper; /metrics is 404 while null. */
  metrics: MetricsProvider | null = null;
  private readonly wss: WebSocketServer;
  private readonly textEdge: Edge;
  private readonly binaryEdge: Edge;
  private readonly origins: Origins;
  private refusing = 0;

  constructor(
    private readonly gateway: Gateway,
    private readonly config: Config,
    private readonly page: ReadonlyMap<string, PageFile>,
    /** The IRC edge the WebSockets carry (the IRC listener's, with the same options). */
    irc: Edge,
  ) {
    this.textEdge = webSocketEdge(irc, TEXT);
    this.binaryEdge = webSocketEdge(irc, BINARY);
    this.origins = parseOrigins(config.wsOrigins);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false, // the gateway tracks its connections
      maxPayload: MAX_MESSAGE,
      // Off by default: a deflate context costs memory per connection. On, clients may compress
      // what they send; what the server sends stays uncompressed, since one frame is shared by
      // every recipient (and without context takeover, nothing is kept between messages).
      perMessageDeflate: config.wsDeflate ? { serverNoContextTakeover: true, clientNoContextTakeover: true } : false,
      handleProtocols: (offered) => chooseSubprotocol(offered) ?? false,
    });
  }

  /** Serves HTTP on `port` (0: any free one); closed with the gateway. */
  listen(port: number, host = this.config.host): Promise<AddressInfo> {
    const server = http.createServer(httpServerOptions(this.config));
    this.mount(server);
    this.gateway.adopt(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: host || undefined }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.gateway.observer.listenerError('http', err));
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /** Our handlers on `server` (this module's HTTP one, or the HTTPS one), with its limits. */
  mount(server: http.Server): void {
    server.headersTimeout = this.config.httpHeadersTimeoutSeconds * 1000;
    server.requestTimeout = this.config.httpRequestTimeoutSeconds * 1000;
    server.keepAliveTimeout = this.config.httpKeepAliveTimeoutSeconds * 1000;
    server.maxConnections = this.config.maxConnections;
    server.on('request', this.request);
    server.on('upgrade', this.upgrade);
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      // A malformed request, a header too large, a request too slow: answered if the socket can still take it, then closed.
      if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  readonly request = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    securityHeaders(res, req.headers.host, (req.socket as TLSSocket).encrypted === true);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/healthz') {
      const why = this.gateway.health();
      return send(req, res, why === null ? 200 : 503, 'text/plain; charset=utf-8', why === null ? 'ok\n' : `${why}\n`);
    }
    if (path === '/metrics' && this.metrics !== null) {
      const metrics = this.metrics;
      metrics.text().then(
        (text) => send(req, res, 200, metrics.contentType, text),
        () => send(req, res, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n'),
      );
      return;
    }
    if (path === '/ws') {
      res.setHeader('Upgrade', 'websocket');
      return send(req, res, 426, 'text/plain; charset=utf-8', 'this is a WebSocket endpoint (IRC: text.ircv3.net or binary.ircv3.net)\n');
    }
    const file = this.page.get(path);
    if (file === undefined) return send(req, res, 404, 'text/plain; charset=utf-8', 'not found\n');
    send(req, res, 200, file.type, file.body, 'no-cache');
  };

  readonly upgrade = (req: http.IncomingMessage, duplex: Duplex, head: Buffer): void => {
    // An upgraded socket is a net.Socket (a TLSSocket on HTTPS, which is one).
    const socket = duplex as Socket;
    socket.on('error', () => {}); // a reset during the handshake is this socket's business only
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== '/ws') return refuseUpgrade(socket, '404 Not Found', 'not found\n');
    if (!this.originAllowed(req)) return refuseUpgrade(socket, '403 Forbidden', 'origin not allowed\n');
    const address = socket.remoteAddress ?? '';
    const verdict = this.gateway.admission(address, 'websocket');
    if (!verdict.ok && this.refusing >= REFUSING) return refuseUpgrade(socket, '503 Service Unavailable', 'too many connections\n');
    this.wss.handleUpgrade(req, socket, head, (ws) => (verdict.ok ? this.opened(ws, socket, address) : this.refused(ws, socket, verdict.why)));
  };

  /**
   * A browser always sends Origin: a page on another site may not use its visitor's browser to
   * chat here. A client that sends none is not a browser, and no visitor's standing is at stake.
   */
  private originAllowed(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || this.origins === '*') return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (a sandboxed frame, a file) and anything unreadable
    }
    if (this.origins !== null) return this.origins.has(url.origin);
    const host = req.headers.host;
    if (host === undefined) return false;
    try {
      return new URL(`${url.protocol}//${host}`).host === url.host; // the same default port rules on both sides
    } catch {
      return false;
    }
  }

  private opened(ws: WebSocket, socket: Socket, address: string): void {
    socket.setKeepAlive(true, this.config.keepAliveSeconds * 1000);
    const edge = opcodeFor(ws.protocol === '' ? null : ws.protocol) === BINARY ? this.binaryEdge : this.textEdge;
    const conn = this.gateway.openLink(new WebSocketLink(ws, socket), address, edge);
    // binaryType is 'nodebuffer' (ws's default): every message is one Buffer, fragments joined.
    ws.on('message', (data: Buffer) => conn.received(data));
    // Too large (1009), invalid UTF-8 in a text message (1007), a protocol error: ws closes it; 'close' follows.
    ws.on('error', (err) => conn.going(err.message));
    ws.on('close', () => conn.closed());
  }

  /** Turned away by the caps: the IRC ERROR line saying why, then the close. */
  private refused(ws: WebSocket, socket: Socket, why: Farewell): void {
    this.refusing++;
    ws.on('error', () => {});
    ws.once('close', () => this.refusing--);
    const session = this.textEdge.open();
    socket.write(encoded(session.codec, session.farewell(why, true)));
    ws.close(TRY_AGAIN_LATER);
    setTimeout(() => ws.terminate(), 1000).unref();
  }
}
