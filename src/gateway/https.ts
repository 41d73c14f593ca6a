// The HTTPS listener: the HTTP listener's page, /healthz, /metrics and /ws (so WSS) over TLS,
// with the same handlers (WebFront.mount) and the certificate every TLS listener serves.

import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Certificates } from './certificates.js';
import type { Gateway } from './gateway.js';
import { httpServerOptions, type WebFront } from './web.js';

export function listenHttps(web: WebFront, gateway: Gateway, config: Config, certificates: Certificates, port: number, host = config.host): Promise<AddressInfo> {
  const server = https.createServer({ ...httpServerOptions(config), ...certificates.serverOptions() });
  web.mount(server);
  certificates.track(server);
  gateway.adopt(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: host || undefined }, () => {
      server.off('error', reject);
      server.on('error', (err) => gateway.observer.listenerError('https', err));
      resolve(server.address() as AddressInfo);
    });
  });
}
