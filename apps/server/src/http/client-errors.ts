import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem } from './problem.filter';

/**
 * Requests Node refuses before any route sees them (a request line and headers past its size
 * limit, a request too slow to arrive, bytes that are not HTTP) are answered with a problem
 * document too, instead of Node's bare status line.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const document =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? problem(
            'REQUEST_HEADERS_TOO_LARGE',
            'The URL and headers are larger than this server accepts; send long values in a JSON body.',
          )
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? problem('REQUEST_TIMEOUT', 'The request did not arrive in time.')
          : problem('INVALID_REQUEST', 'The request is not valid HTTP.');
    const body = JSON.stringify(document);
    socket.end(
      [
        `HTTP/1.1 ${document.status} ${document.title}`,
        'Content-Type: application/problem+json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
