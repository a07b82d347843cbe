/** Starting an emulator's app on loopback. */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";

/** Where to listen. */
export interface ListenOptions {
  /** A loopback address: admin routes need no credential, so the sandbox never listens elsewhere. @default "127.0.0.1" */
  host?: string | undefined;
  /** @default 0 (any free port) */
  port?: number | undefined;
}

/** A listening app: its port, its origin (`http://127.0.0.1:PORT`) and `close()`. */
export interface Listening {
  port: number;
  origin: string;
  /** Closes the server and its open connections; safe to call more than once. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;

/** Starts `app` on a loopback address and resolves once it accepts connections. */
export async function listen(app: FastifyInstance, options: ListenOptions = {}): Promise<Listening> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.test(host)) {
    throw new Error(`the sandbox listens on loopback only (127.0.0.1, ::1 or localhost), not ${host}`);
  }
  await app.listen({ host, port: options.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    origin: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
