// The certificate every TLS listener serves (telnet, IRC, HTTPS), and its reload on SIGHUP: the
// files are read and checked whole before any listener is told, so a file that does not load
// leaves every listener on the certificate it had. Connections keep the session they made;
// only new handshakes see a new certificate.

import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';

/** Older versions have known weaknesses (RFC 8996 deprecates 1.0 and 1.1). Node's default is the same today; said here so a `--tls-min-v1.0` in NODE_OPTIONS cannot lower it. */
export const MIN_TLS_VERSION = 'TLSv1.2';

export interface Certificate {
  /** What a TLS server is made with, or told with setSecureContext. */
  readonly options: tls.SecureContextOptions;
  /** SHA-256 of the leaf certificate, as `openssl x509 -fingerprint -sha256` and getPeerCertificate().fingerprint256 print it. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly validTo: string;
}

/** Reads and checks a certificate and its key; throws an Error saying which file and why. */
export function loadCertificate(certFile: string, keyFile: string): Certificate {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`the ${what} ${file} cannot be read: ${(err as Error).message}`);
    }
  };
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${certFile} holds no PEM certificate: ${(err as Error).message}`);
  }
  const options: tls.SecureContextOptions = { cert, key, minVersion: MIN_TLS_VERSION };
  try {
    // The same checks a handshake would make: the key parses, and it is the certificate's.
    tls.createSecureContext(options);
  } catch (err) {
    throw new Error(`${certFile} with ${keyFile} does not load: ${(err as Error).message}`);
  }
  return { options, fingerprint: leaf.fingerprint256, subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo };
}

export type Reloaded = { ok: true; certificate: Certificate } | { ok: false; why: string };

/**
 * The certificate in use and the servers that serve it. Each server is made with `serverOptions`
 * and handed to `track`; `reload` reads the files again and moves every tracked server at once.
 */
export class Certificates {
  private cert: Certificate;
  private readonly servers = new Set<tls.Server>();

  constructor(
    readonly certFile: string,
    readonly keyFile: string,
    private readonly handshakeSeconds: number,
  ) {
    this.cert = loadCertificate(certFile, keyFile); // at start, a bad file stops the server with the reason
  }

  get current(): Certificate {
    return this.cert;
  }

  /** What every TLS server of ours is made with (to spread into tls.createServer / https.createServer options). */
  serverOptions(): tls.TlsOptions {
    return { ...this.cert.options, handshakeTimeout: this.handshakeSeconds * 1000 };
  }

  /**
   * Serves the current certificate from `server` from now on, and after each reload. A handshake
   * that fails (plain text on a TLS port, an old protocol version, a reset) or times out ends its
   * socket: Node reports a timed-out handshake but leaves its socket open for the peer to keep.
   */
  track(server: tls.Server): void {
    this.servers.add(server);
    server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
    server.once('close', () => this.servers.delete(server));
  }

  /** Reads the files again; on success every tracked server serves the new certificate to new connections. */
  reload(): Reloaded {
    let next: Certificate;
    try {
      next = loadCertificate(this.certFile, this.keyFile);
    } catch (err) {
      return { ok: false, why: (err as Error).message };
    }
    this.cert = next;
    for (const server of this.servers) server.setSecureContext(next.options);
    return { ok: true, certificate: next };
  }
}
