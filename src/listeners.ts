// Every listener past the first (telnet on --port), as the config asks: IRC, the TLS ones, HTTP
// and HTTPS, on one gateway. main.ts runs it; the end-to-end tests run the same wiring.

import type { Config } from './config.js';
import type { Edge } from './edges/edge.js';
import { ircEdge, type IrcOptions } from './edges/irc/edge.js';
import { Certificates } from './gateway/certificates.js';
import type { Gateway } from './gateway/gateway.js';
import { listenHttps } from './gateway/https.js';
import { loadPage } from './gateway/page.js';
import { WebFront } from './gateway/web.js';

export interface Listeners {
  /** Each listener, as the startup line names it. */
  readonly described: string[];
  /** The ports they got (with port 0 in the config, the ones the system chose). */
  readonly ports: { irc?: number; ircTls?: number; tls?: number; http?: number; https?: number };
  /** What SIGHUP reloads; null without --tls-cert. */
  readonly certificates: Certificates | null;
  readonly web: WebFront | null;
}

export async function openListeners(gateway: Gateway, config: Config, telnet: Edge, irc: IrcOptions): Promise<Listeners> {
  const described: string[] = [];
  const ports: { -readonly [K in keyof Listeners['ports']]: Listeners['ports'][K] } = {};
  // The certificate first: a file that does not load stops the start, with the reason.
  const certificates = config.tlsCert ? new Certificates(config.tlsCert, config.tlsKey, config.tlsHandshakeSeconds) : null;
  // IRC over TLS before plain IRC: the plain listener's sts names the port it got.
  let sts: string | null = null;
  if (certificates && config.ircTlsPort !== null) {
    const duration = config.stsDurationSeconds === null ? {} : { sts: `duration=${config.stsDurationSeconds}` };
    ports.ircTls = (await gateway.listen(config.ircTlsPort, config.host, ircEdge({ ...irc, ...duration }), certificates)).port;
    if (config.stsDurationSeconds !== null) sts = `port=${ports.ircTls}`;
  }
  if (config.ircPort !== null) {
    ports.irc = (await gateway.listen(config.ircPort, config.host, ircEdge({ ...irc, ...(sts === null ? {} : { sts }) }))).port;
    described.push(`IRC on port ${ports.irc}`);
  }
  if (ports.ircTls !== undefined) described.push(`IRC over TLS on port ${ports.ircTls}`);
  if (certificates && config.tlsPort !== null) {
    ports.tls = (await gateway.listen(config.tlsPort, config.host, telnet, certificates)).port;
    described.push(`telnet over TLS on port ${ports.tls}`);
  }
  // /ws carries IRC without sts, over HTTP and HTTPS alike: a browser moves to TLS by the page's address, not by a cap.
  const httpsPort = certificates ? config.httpsPort : null;
  let web: WebFront | null = null;
  if (config.httpPort !== null || httpsPort !== null) {
    web = new WebFront(gateway, config, loadPage(), ircEdge(irc));
    if (config.httpPort !== null) {
      ports.http = (await web.listen(config.httpPort)).port;
      described.push(`HTTP on port ${ports.http} (the chat page; /ws: IRC over WebSocket)`);
    }
    if (certificates && httpsPort !== null) {
      ports.https = (await listenHttps(web, gateway, config, certificates, httpsPort)).port;
      described.push(`HTTPS on port ${ports.https} (the page and /ws over TLS)`);
    }
  }
  return { described, ports, certificates, web };
}
