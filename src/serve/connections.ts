/**
 * The server's open connections and how many requests each has in flight, so that a drain
 * (SIGTERM) can drop the idle ones at once. Node's own `closeIdleConnections` skips a
 * connection that has not sent a request yet, and HTTP clients open such connections ahead
 * of need (undici does as soon as a request is aborted): each would hold the drain open until
 * the keep-alive timeout (72 s in Fastify).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Connections {
  /** Destroys every connection with no request in flight now, and each later one as its last request ends. */
  dropIdle(): void;
}

export function trackConnections(server: Server): Connections {
  const inFlight = new Map<Socket, number>();
  let dropping = false;
  const settle = (socket: Socket): void => {
    if (dropping && inFlight.get(socket) === 0) socket.destroy();
  };
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
    settle(socket);
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (!inFlight.has(socket)) return;
      inFlight.set(socket, inFlight.get(socket)! - 1);
      setImmediate(() => settle(socket)); // after the response's last bytes are handed to the socket
    });
  });
  return {
    dropIdle: () => {
      dropping = true;
      for (const socket of inFlight.keys()) settle(socket);
    },
  };
}
